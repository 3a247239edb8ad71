// Shopdesk demo shop page: the demo sign-in box. The chat itself is the embedded widget (/widget.js);
// after a sign-in or sign-out the widget is told to reload its conversation.
"use strict";

(function () {
  const signInForm = document.getElementById("sign-in");
  const signInEmail = document.getElementById("sign-in-email");
  const signInError = document.getElementById("sign-in-error");
  const signedIn = document.getElementById("signed-in");
  const signedInName = document.getElementById("signed-in-name");
  const signOut = document.getElementById("sign-out");

  async function postJson(path, body) {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body || {}),
    });
    let data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data: data };
  }

  function refreshWidget() {
    if (window.Shopdesk && typeof window.Shopdesk.refresh === "function") window.Shopdesk.refresh();
  }

  function showSession(state) {
    const isSignedIn = Boolean(state && state.signed_in);
    signedIn.hidden = !isSignedIn;
    signedInName.textContent = isSignedIn ? (state.name || "customer") : "";
    signInForm.hidden = isSignedIn || !(state && state.demo_login);
    signInError.textContent = "";
  }

  signInForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    signInError.textContent = "";
    try {
      const result = await postJson("/api/session/login", { email: signInEmail.value });
      if (result.ok) {
        signInEmail.value = "";
        showSession(result.data);
        refreshWidget();
      } else {
        signInError.textContent = (result.data && result.data.detail) || "Sign-in failed.";
      }
    } catch (e) {
      signInError.textContent = "Sign-in failed. Please try again.";
    }
  });

  signOut.addEventListener("click", async function () {
    try {
      const result = await postJson("/api/session/logout", {});
      showSession(result.data);
      refreshWidget();
    } catch (e) {
      signInError.textContent = "Sign-out failed. Please try again.";
    }
  });

  fetch("/api/session", { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(showSession)
    .catch(function () { showSession(null); });
})();
