// Shopdesk demo shop page: the demo sign-in box and, in demo mode, the demo mailbox. The chat itself is the
// embedded widget (/widget.js); after a sign-in or sign-out the widget is told to reload its conversation.
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

  // The demo mailbox (demo mode only: the endpoint answers 404 otherwise and the panel stays hidden).
  const outbox = document.getElementById("outbox");
  const outboxList = document.getElementById("outbox-list");
  const outboxEmpty = document.getElementById("outbox-empty");
  let outboxShown = "";

  function renderOutbox(messages) {
    const key = messages.map(function (m) { return m.id; }).join(",");
    if (key === outboxShown) return; // unchanged: keep the list (and the reader's place) as it is
    outboxShown = key;
    outboxList.replaceChildren();
    messages.forEach(function (m) {
      const item = document.createElement("li");
      const heading = document.createElement("h3");
      heading.textContent = "Mail for " + (m.to.join(", ") || "(no address)");
      const subject = document.createElement("p");
      subject.className = "outbox-subject";
      subject.textContent = m.subject;
      const body = document.createElement("pre");
      body.textContent = m.body;
      item.append(heading, subject, body);
      outboxList.append(item);
    });
    outboxEmpty.hidden = messages.length > 0;
  }

  async function loadOutbox() {
    try {
      const response = await fetch("/api/demo/outbox", { credentials: "same-origin" });
      if (response.status === 404) return false; // not in demo mode: stop asking
      if (response.ok) {
        renderOutbox((await response.json()).messages || []);
        outbox.hidden = false;
      }
    } catch (e) {
      // the next poll tries again
    }
    return true;
  }

  loadOutbox().then(function (demo) {
    if (demo) setInterval(function () { if (!document.hidden) loadOutbox(); }, 4000);
  });

  fetch("/api/session", { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(showSession)
    .catch(function () { showSession(null); });
})();
