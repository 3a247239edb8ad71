// Shopdesk demo page. All message text is rendered with textContent: nothing from the bot becomes HTML.
"use strict";

(function () {
  const log = document.getElementById("chat-log");
  const chatForm = document.getElementById("chat-form");
  const input = document.getElementById("chat-input");
  const sendButton = document.getElementById("chat-send");
  const signInForm = document.getElementById("sign-in");
  const signInEmail = document.getElementById("sign-in-email");
  const signInError = document.getElementById("sign-in-error");
  const signedIn = document.getElementById("signed-in");
  const signedInName = document.getElementById("signed-in-name");
  const signOut = document.getElementById("sign-out");
  const UNREACHABLE = "Sorry, I can't reach the assistant right now. Please try again in a minute.";

  function scrollDown() {
    log.scrollTop = log.scrollHeight;
  }

  function bubble(kind, text) {
    const div = document.createElement("div");
    div.className = "bubble " + kind;
    div.textContent = text;
    log.appendChild(div);
    scrollDown();
    return div;
  }

  function safeImageUrl(value) {
    try {
      const url = new URL(String(value), window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function renderButtons(buttons) {
    const row = document.createElement("div");
    row.className = "buttons";
    buttons.forEach(function (b) {
      if (!b || typeof b.title !== "string" || typeof b.payload !== "string") return;
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = b.title;
      button.addEventListener("click", function () {
        row.remove();
        send(b.payload, b.title);
      });
      row.appendChild(button);
    });
    if (row.childElementCount) {
      log.appendChild(row);
      scrollDown();
    }
  }

  function renderMessage(message, isError) {
    if (!message || typeof message !== "object") return;
    const kind = isError ? "bot error" : "bot";
    if (typeof message.text === "string" && message.text) bubble(kind, message.text);
    const src = message.image ? safeImageUrl(message.image) : null;
    if (src) {
      const holder = bubble(kind, "");
      const img = document.createElement("img");
      img.src = src;
      img.alt = "";
      img.addEventListener("load", scrollDown);
      holder.appendChild(img);
    }
    if (Array.isArray(message.buttons)) renderButtons(message.buttons);
  }

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

  async function send(text, shownAs) {
    if (!text || !text.trim()) return;
    bubble("user", shownAs || text);
    sendButton.disabled = true;
    const typing = bubble("bot", "…");
    try {
      const result = await postJson("/api/chat", { message: text });
      typing.remove();
      const messages = result.data && Array.isArray(result.data.messages) ? result.data.messages : null;
      if (messages) {
        messages.forEach(function (m) { renderMessage(m, !result.ok); });
      } else if (!result.ok) {
        bubble("bot error", UNREACHABLE);
      }
    } catch (e) {
      typing.remove();
      bubble("bot error", UNREACHABLE);
    } finally {
      sendButton.disabled = false;
      input.focus();
    }
  }

  function showSession(state) {
    const isSignedIn = Boolean(state && state.signed_in);
    signedIn.hidden = !isSignedIn;
    signedInName.textContent = isSignedIn ? (state.name || "customer") : "";
    signInForm.hidden = isSignedIn || !(state && state.demo_login);
    signInError.textContent = "";
  }

  function newConversation() {
    log.replaceChildren();
    bubble("bot", "Hi! How can I help you today?");
  }

  chatForm.addEventListener("submit", function (event) {
    event.preventDefault();
    const text = input.value;
    input.value = "";
    send(text);
  });

  signInForm.addEventListener("submit", async function (event) {
    event.preventDefault();
    signInError.textContent = "";
    try {
      const result = await postJson("/api/session/login", { email: signInEmail.value });
      if (result.ok) {
        signInEmail.value = "";
        showSession(result.data);
        newConversation();
      } else {
        signInError.textContent = (result.data && result.data.detail) || "Sign-in failed.";
      }
    } catch (e) {
      signInError.textContent = "Sign-in failed. Please try again.";
    }
  });

  signOut.addEventListener("click", async function () {
    const result = await postJson("/api/session/logout", {});
    showSession(result.data);
    newConversation();
  });

  fetch("/api/session", { credentials: "same-origin" })
    .then(function (r) { return r.json(); })
    .then(showSession)
    .catch(function () { showSession(null); });
  newConversation();
})();
