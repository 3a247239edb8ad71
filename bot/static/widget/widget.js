// Shopdesk shopper chat, the page inside the widget iframe (GET /widget). Contract: bot/API.md.
// Every piece of text from the bot, an agent or the shopper goes through textContent or
// ShopdeskMarkdown.render (DOM nodes only): nothing received is ever parsed as HTML.
"use strict";

(function () {
  var POLL_MS = 4000;
  var BACKOFF_MIN_MS = 1000;
  var BACKOFF_MAX_MS = 30000;
  var TYPING_TIMEOUT_MS = 30000;
  var UNREACHABLE = "Sorry, I can't reach the assistant right now. Please check your connection and try again.";
  var GENERIC_ERROR = "Sorry, something went wrong. Please try again in a moment.";

  var $ = function (id) { return document.getElementById(id); };
  var el = {
    title: $("sd-title"),
    subtitle: $("sd-subtitle"),
    newChat: $("sd-new"),
    close: $("sd-close"),
    status: $("sd-status"),
    connection: $("sd-connection"),
    scroll: $("sd-scroll"),
    welcome: $("sd-welcome"),
    welcomeTitle: $("sd-welcome-title"),
    log: $("sd-log"),
    typing: $("sd-typing-bubble"),
    typingText: $("sd-typing-text"),
    form: $("sd-form"),
    input: $("sd-input"),
    send: $("sd-send"),
  };

  var md = window.ShopdeskMarkdown;

  // ---- settings from the loader (URL fragment: parent, title, accent) -------------------------------
  var params = new URLSearchParams(window.location.hash.replace(/^#/, ""));
  var embedded = window.parent && window.parent !== window;
  var parentOrigin = null;
  try {
    var claimed = params.get("parent");
    if (claimed) parentOrigin = new URL(claimed).origin;
  } catch (e) {
    parentOrigin = null;
  }
  var shopTitle = (params.get("title") || "").trim().slice(0, 60);
  if (shopTitle) {
    el.title.textContent = shopTitle;
    document.title = shopTitle;
  }
  var accent = params.get("accent") || "";
  if (/^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(accent)) {
    document.documentElement.style.setProperty("--sd-accent", accent);
    document.documentElement.style.setProperty("--sd-on-accent", readableOn(accent));
  }
  if (!embedded) el.close.hidden = true;

  function readableOn(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var lin = [0, 2, 4].map(function (i) {
      var c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? "#111827" : "#ffffff";
  }

  // ---- state ---------------------------------------------------------------------------------------
  var state = {
    lastId: null,         // highest message id shown
    seen: new Map(),      // id -> {node, message}
    conversation: null,
    visible: !embedded,   // the parent tells us when the iframe is shown
    unread: 0,
    sending: 0,           // POSTs in flight
    ws: null,
    wsOpen: false,
    backoff: BACKOFF_MIN_MS,
    reconnectTimer: null,
    pollTimer: null,
    generation: 0,        // bumps on refresh/new conversation; stale answers are dropped
    typingFrom: null,     // "bot" | "agent" | null (server push)
    typingTimer: null,
    myTypingOn: false,
    myTypingTimer: null,
    session: null,
  };

  // ---- small helpers -------------------------------------------------------------------------------
  function node(tag, className, text) {
    var n = document.createElement(tag);
    if (className) n.className = className;
    if (text !== undefined && text !== null) n.textContent = String(text);
    return n;
  }

  function hidden(text) {
    return node("span", "sd-visually-hidden", text);
  }

  function httpUrl(value) {
    if (typeof value !== "string" || !value) return null;
    try {
      var url = new URL(value, window.location.href);
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function imageUrl(value) {
    if (typeof value === "string" && /^data:image\/(?:png|gif|jpeg|webp);base64,[a-z0-9+/=]+$/i.test(value)) return value;
    return httpUrl(value);
  }

  function nearBottom() {
    return el.scroll.scrollHeight - el.scroll.scrollTop - el.scroll.clientHeight < 80;
  }

  function scrollDown(force) {
    if (force || nearBottom()) el.scroll.scrollTop = el.scroll.scrollHeight;
  }

  function formatTime(at) {
    if (!at) return "";
    var d = new Date(at);
    if (isNaN(d.getTime())) return "";
    return d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
  }

  function toParent(message) {
    if (!embedded) return;
    try {
      window.parent.postMessage(message, parentOrigin || "*");
    } catch (e) {
      /* a parent that went away */
    }
  }

  async function api(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (body !== undefined) {
      options.headers["Content-Type"] = "application/json";
      options.body = JSON.stringify(body);
    }
    var response = await fetch(path, options);
    var data = null;
    try {
      data = await response.json();
    } catch (e) {
      data = null;
    }
    return { ok: response.ok, status: response.status, data: data, headers: response.headers };
  }

  // ---- rendering -----------------------------------------------------------------------------------
  function senderLabel(message) {
    if (message.sender === "customer") return "You";
    if (message.sender === "agent") return (message.agent_name || "Support team") + " (support team)";
    if (message.sender === "system") return "Notice";
    return "Assistant";
  }

  function renderText(container, message) {
    if (typeof message.text !== "string" || !message.text) return;
    if (message.sender === "customer") {
      container.appendChild(node("span", "sd-plain", message.text));
    } else if (md) {
      container.appendChild(md.render(message.text));
    } else {
      container.appendChild(node("span", "sd-plain", message.text));
    }
  }

  function markUsed(group, title) {
    var buttons = group.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) {
      var b = buttons[i];
      b.disabled = true;
      if (title !== null && b.getAttribute("data-title") === title) {
        b.setAttribute("aria-pressed", "true");
        b.classList.add("is-used");
      }
    }
    group.classList.add("is-used");
  }

  function unmarkUsed(group) {
    var buttons = group.querySelectorAll("button");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].disabled = false;
      buttons[i].removeAttribute("aria-pressed");
      buttons[i].classList.remove("is-used");
    }
    group.classList.remove("is-used");
  }

  function renderButtons(message) {
    var group = node("div", "sd-quick");
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", "Reply options");
    message.buttons.forEach(function (b) {
      if (!b || typeof b.title !== "string" || typeof b.payload !== "string") return;
      var button = node("button", "sd-chip");
      button.type = "button";
      button.setAttribute("data-title", b.title);
      button.appendChild(node("span", "sd-check", "✓")).setAttribute("aria-hidden", "true");
      button.appendChild(node("span", "sd-chip-label", b.title));
      button.addEventListener("click", function () {
        if (button.disabled) return;
        markUsed(group, b.title);
        send(b.payload, b.title, { buttonOf: message.id, group: group });
      });
      group.appendChild(button);
    });
    if (!group.childElementCount) return null;
    if (typeof message.used === "string") markUsed(group, message.used);
    return group;
  }

  function renderCard(card) {
    var item = node("li", "sd-card");
    var src = imageUrl(card.image);
    if (src) {
      var img = node("img", "sd-card-img");
      img.src = src;
      img.alt = "";
      img.loading = "lazy";
      img.decoding = "async";
      img.referrerPolicy = "no-referrer";
      img.addEventListener("error", function () { img.remove(); });
      item.appendChild(img);
    }
    var body = node("div", "sd-card-body");
    var href = httpUrl(card.url);
    var heading = node("h3", "sd-card-title");
    if (href) {
      var a = node("a", "sd-card-link", card.title || "View product");
      a.href = href;
      a.target = "_blank";
      a.rel = "noopener noreferrer";
      a.appendChild(hidden(" (opens in a new tab)"));
      heading.appendChild(a);
      item.classList.add("has-link");
    } else {
      heading.textContent = card.title || "";
    }
    body.appendChild(heading);
    if (card.subtitle) body.appendChild(node("p", "sd-card-subtitle", card.subtitle));
    if (card.price) body.appendChild(node("p", "sd-card-price", card.price));
    item.appendChild(body);
    return item;
  }

  function renderCards(cards) {
    var valid = cards.filter(function (c) { return c && typeof c === "object"; });
    if (!valid.length) return null;
    var list = node("ul", "sd-cards");
    valid.forEach(function (c) { list.appendChild(renderCard(c)); });
    if (valid.length === 1) {
      var single = node("div", "sd-cards-single");
      single.appendChild(list);
      return single;
    }
    var carousel = node("div", "sd-carousel");
    carousel.setAttribute("role", "region");
    carousel.setAttribute("aria-roledescription", "carousel");
    carousel.setAttribute("aria-label", valid.length + " products");
    var track = node("div", "sd-carousel-track");
    track.tabIndex = 0;
    track.setAttribute("aria-label", "Products, scroll sideways");
    track.appendChild(list);
    var prev = node("button", "sd-carousel-btn sd-prev");
    var next = node("button", "sd-carousel-btn sd-next");
    prev.type = next.type = "button";
    prev.setAttribute("aria-label", "Previous products");
    next.setAttribute("aria-label", "Next products");
    prev.appendChild(node("span", "", "‹")).setAttribute("aria-hidden", "true");
    next.appendChild(node("span", "", "›")).setAttribute("aria-hidden", "true");
    function step(direction) {
      var card = list.firstElementChild;
      var width = card ? card.getBoundingClientRect().width + 10 : 200;
      track.scrollBy({ left: direction * width, behavior: "smooth" });
    }
    function arrows() {
      prev.disabled = track.scrollLeft <= 2;
      next.disabled = track.scrollLeft + track.clientWidth >= track.scrollWidth - 2;
    }
    prev.addEventListener("click", function () { step(-1); });
    next.addEventListener("click", function () { step(1); });
    track.addEventListener("scroll", arrows, { passive: true });
    track.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") { event.preventDefault(); step(1); }
      if (event.key === "ArrowLeft") { event.preventDefault(); step(-1); }
    });
    carousel.appendChild(track);
    carousel.appendChild(prev);
    carousel.appendChild(next);
    window.requestAnimationFrame(arrows);
    return carousel;
  }

  function buildMessage(message, options) {
    var sender = ["customer", "bot", "agent", "system"].indexOf(message.sender) >= 0 ? message.sender : "bot";
    var row = node("div", "sd-msg sd-msg--" + sender);
    if (options && options.error) row.classList.add("sd-msg--error");
    if (options && options.pending) row.classList.add("is-pending");
    if (message.id !== undefined && message.id !== null) row.setAttribute("data-id", String(message.id));

    if (sender === "system") {
      var note = node("p", "sd-system");
      note.appendChild(hidden("Notice: "));
      renderText(note, message);
      row.appendChild(note);
      return row;
    }

    if (sender === "agent") {
      var meta = node("div", "sd-meta");
      var initial = node("span", "sd-agent-avatar", (message.agent_name || "S").trim().charAt(0).toUpperCase());
      initial.setAttribute("aria-hidden", "true");
      meta.appendChild(initial);
      meta.appendChild(node("span", "sd-agent-name", message.agent_name || "Support team"));
      meta.appendChild(node("span", "sd-agent-role", "Support team"));
      meta.setAttribute("aria-hidden", "true");
      row.appendChild(meta);
    }

    var hasText = typeof message.text === "string" && message.text;
    var src = imageUrl(message.image);
    if (hasText || src) {
      var bubble = node("div", "sd-bubble");
      bubble.appendChild(hidden(senderLabel(message) + ": "));
      renderText(bubble, message);
      if (src) {
        var img = node("img", "sd-image");
        img.src = src;
        img.alt = "";
        img.referrerPolicy = "no-referrer";
        img.addEventListener("load", function () { scrollDown(false); });
        bubble.appendChild(img);
      }
      var time = formatTime(message.at);
      if (time) {
        var t = node("time", "sd-time", time);
        t.dateTime = message.at;
        t.setAttribute("aria-hidden", "true");
        row.appendChild(bubble);
        row.appendChild(t);
      } else {
        row.appendChild(bubble);
      }
    }
    if (Array.isArray(message.cards) && message.cards.length) {
      var cards = renderCards(message.cards);
      if (cards) row.appendChild(cards);
    }
    if (Array.isArray(message.buttons) && message.buttons.length) {
      var group = renderButtons(message);
      if (group) row.appendChild(group);
    }
    return row;
  }

  function updateWelcome() {
    el.welcome.hidden = el.log.childElementCount > 0;
  }

  function insertRow(row, id) {
    if (typeof id === "number") {
      var rows = el.log.children;
      for (var i = 0; i < rows.length; i++) {
        var other = Number(rows[i].getAttribute("data-id"));
        if (rows[i].hasAttribute("data-id") && other > id) {
          el.log.insertBefore(row, rows[i]);
          return;
        }
      }
    }
    el.log.appendChild(row);
  }

  // Shows a stored message once (de-duplicated by id). live: it arrived now, not from a history load.
  function addMessage(message, live) {
    if (!message || typeof message !== "object") return;
    var id = typeof message.id === "number" ? message.id : null;
    if (id !== null && state.seen.has(id)) {
      var known = state.seen.get(id);
      // The only change a stored line can have is its buttons becoming used (e.g. in another tab).
      if (typeof message.used === "string" && known.message.used !== message.used) {
        known.message.used = message.used;
        var group = known.node.querySelector(".sd-quick");
        if (group) markUsed(group, message.used);
      }
      return;
    }
    var follow = nearBottom() || message.sender === "customer";

    // The shopper's own line may already be on screen (sent from here, waiting for its id).
    if (message.sender === "customer" && id !== null) {
      var pending = el.log.querySelectorAll(".sd-msg--customer.is-pending");
      for (var i = 0; i < pending.length; i++) {
        if (pending[i].getAttribute("data-text") === message.text) {
          adopt(pending[i], message);
          updateWelcome();
          return;
        }
      }
    }

    var row = buildMessage(message, {});
    insertRow(row, id);
    if (id !== null) {
      state.seen.set(id, { node: row, message: message });
      if (state.lastId === null || id > state.lastId) state.lastId = id;
    }
    if (live && message.sender !== "customer") {
      if (state.typingFrom && (message.sender === state.typingFrom || message.sender === "bot")) setTyping(null);
      if (!state.visible || document.hidden) {
        state.unread += 1;
        toParent({ type: "shopdesk:unread", count: state.unread });
      }
    }
    updateWelcome();
    scrollDown(follow);
  }

  function adopt(row, message) {
    row.classList.remove("is-pending");
    row.removeAttribute("data-text");
    row.setAttribute("data-id", String(message.id));
    state.seen.set(message.id, { node: row, message: message });
    if (state.lastId === null || message.id > state.lastId) state.lastId = message.id;
    // Keep the stored order if other lines were stored in between.
    var time = formatTime(message.at);
    if (time && !row.querySelector(".sd-time")) {
      var t = node("time", "sd-time", time);
      t.dateTime = message.at;
      t.setAttribute("aria-hidden", "true");
      row.appendChild(t);
    }
    row.remove();
    insertRow(row, message.id);
  }

  function addLocal(text, kind) {
    var message = { sender: kind === "customer" ? "customer" : "bot", text: text };
    var row = buildMessage(message, { error: kind === "error", pending: kind === "customer" });
    if (kind === "customer") row.setAttribute("data-text", text);
    el.log.appendChild(row);
    updateWelcome();
    scrollDown(true);
    return row;
  }

  function clearLog() {
    el.log.replaceChildren();
    state.seen = new Map();
    state.lastId = null;
    setTyping(null);
    updateWelcome();
  }

  // ---- typing indicator ----------------------------------------------------------------------------
  function typingName(from) {
    if (from === "agent") {
      var name = state.conversation && state.conversation.agent_name;
      return (name || "Our support team") + " is typing…";
    }
    return "The assistant is typing…";
  }

  function setTyping(from) {
    clearTimeout(state.typingTimer);
    state.typingFrom = from;
    var show = from || (state.sending > 0 && (!state.conversation || state.conversation.mode !== "human") ? "bot" : null);
    if (show) {
      el.typing.hidden = false;
      el.typing.classList.toggle("is-agent", show === "agent");
      var label = typingName(show);
      if (el.typingText.textContent !== label) el.typingText.textContent = label;
      scrollDown(false);
      if (from) state.typingTimer = setTimeout(function () { setTyping(null); }, TYPING_TIMEOUT_MS);
    } else {
      el.typing.hidden = true;
      el.typingText.textContent = "";
    }
  }

  // ---- hand-off status -----------------------------------------------------------------------------
  function setConversation(conversation) {
    if (!conversation || typeof conversation !== "object") return;
    state.conversation = conversation;
    var text = "";
    var kind = "";
    if (conversation.mode === "human") {
      var position = Number(conversation.queue_position);
      var minutes = Number(conversation.wait_minutes);
      if (conversation.agent_name) {
        text = conversation.agent_name + " has joined the chat.";
        kind = "joined";
      } else if (conversation.staffed === false) {
        text = "Our team is outside staffed hours right now. We'll reply here as soon as we're back" +
          " (and by e-mail if you leave).";
        kind = "closed";
      } else if (conversation.queue_position !== null && conversation.queue_position !== undefined && position > 0) {
        text = "You're number " + position + " in the queue";
        if (conversation.wait_minutes !== null && conversation.wait_minutes !== undefined && isFinite(minutes)) {
          text += " (about " + Math.max(1, Math.round(minutes)) + " min)";
        }
        text += ".";
        kind = "queue";
      } else {
        text = "Connecting you with our support team…";
        kind = "queue";
      }
      el.subtitle.textContent = conversation.agent_name
        ? conversation.agent_name + " · Support team"
        : "Waiting for our team";
    } else {
      el.subtitle.textContent = "Orders, deliveries, returns";
    }
    el.status.className = "sd-status" + (kind ? " is-" + kind : "");
    if (el.status.textContent !== text) el.status.textContent = text;
    el.status.hidden = !text;
    if (state.typingFrom === "agent") setTyping("agent"); // refresh the name
  }

  // ---- history, polling, WebSocket -----------------------------------------------------------------
  async function loadHistory(after) {
    var generation = state.generation;
    var path = "/api/history" + (after !== null && after !== undefined ? "?after=" + encodeURIComponent(after) : "");
    var result = await api("GET", path);
    if (generation !== state.generation) return false;
    if (!result.ok || !result.data) return false;
    if (result.data.conversation) setConversation(result.data.conversation);
    var live = after !== null && after !== undefined;
    (result.data.messages || []).forEach(function (m) { addMessage(m, live); });
    return true;
  }

  async function reload() {
    state.generation += 1;
    clearLog();
    el.log.setAttribute("aria-busy", "true");
    try {
      var ok = await loadHistory(null);
      if (!ok) setConnection("Couldn't load the conversation. Retrying…");
    } catch (e) {
      setConnection("Couldn't load the conversation. Retrying…");
    } finally {
      el.log.removeAttribute("aria-busy");
      updateWelcome();
      scrollDown(true);
    }
    loadSession();
  }

  async function loadSession() {
    try {
      var result = await api("GET", "/api/session");
      if (result.ok && result.data) {
        state.session = result.data;
        var name = result.data.signed_in && result.data.name ? String(result.data.name).split(" ")[0] : "";
        el.welcomeTitle.textContent = name ? "Hi " + name + "!" : "Hi there!";
      }
    } catch (e) {
      /* the welcome stays generic */
    }
  }

  function setConnection(text) {
    if (el.connection.textContent !== text) el.connection.textContent = text;
    el.connection.hidden = !text;
  }

  function startPolling() {
    if (state.pollTimer) return;
    state.pollTimer = setInterval(function () {
      loadHistory(state.lastId).then(function (ok) {
        if (ok) setConnection("");
      }).catch(function () {
        setConnection("Reconnecting…");
      });
    }, POLL_MS);
  }

  function stopPolling() {
    clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  function connect() {
    clearTimeout(state.reconnectTimer);
    state.reconnectTimer = null;
    if (!("WebSocket" in window)) {
      startPolling();
      return;
    }
    var url = (window.location.protocol === "https:" ? "wss:" : "ws:") + "//" + window.location.host + "/ws/chat";
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      startPolling();
      scheduleReconnect();
      return;
    }
    state.ws = ws;
    ws.addEventListener("open", function () {
      if (state.ws !== ws) return;
      state.wsOpen = true;
      state.backoff = BACKOFF_MIN_MS;
      stopPolling();
      setConnection("");
      // Catch up on anything said while the socket was down.
      loadHistory(state.lastId).catch(function () {});
    });
    ws.addEventListener("message", function (event) {
      if (state.ws !== ws) return;
      var data;
      try {
        data = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      if (!data || typeof data !== "object") return;
      if (data.type === "message") addMessage(data.message, true);
      else if (data.type === "conversation") setConversation(data.conversation);
      else if (data.type === "typing") {
        if (data.on) setTyping(data.sender === "agent" ? "agent" : "bot");
        else if (!data.sender || data.sender === state.typingFrom) setTyping(null);
      }
    });
    ws.addEventListener("close", function () {
      if (state.ws !== ws) return;
      state.ws = null;
      state.wsOpen = false;
      startPolling();
      scheduleReconnect();
    });
    ws.addEventListener("error", function () {
      /* a close event follows */
    });
  }

  function scheduleReconnect() {
    if (state.reconnectTimer) return;
    var delay = Math.min(state.backoff, BACKOFF_MAX_MS);
    delay = delay / 2 + Math.random() * delay / 2;
    state.backoff = Math.min(state.backoff * 2, BACKOFF_MAX_MS);
    state.reconnectTimer = setTimeout(connect, delay);
  }

  function reconnectNow() {
    // After sign-in/out or a new conversation the socket must follow the new conversation.
    var old = state.ws;
    state.ws = null;
    state.wsOpen = false;
    if (old) {
      try { old.close(); } catch (e) { /* already closed */ }
    }
    state.backoff = BACKOFF_MIN_MS;
    connect();
  }

  function sendTyping(on) {
    if (!state.wsOpen || !state.ws || state.myTypingOn === on) return;
    if (on && !(state.conversation && state.conversation.mode === "human")) return;
    state.myTypingOn = on;
    try {
      state.ws.send(JSON.stringify({ type: "typing", on: on }));
    } catch (e) {
      /* best effort */
    }
  }

  // ---- sending -------------------------------------------------------------------------------------
  function retryAfterText(result) {
    var seconds = Number(result.headers && result.headers.get("Retry-After"));
    return isFinite(seconds) && seconds > 0 ? seconds : 0;
  }

  async function send(text, shownAs, options) {
    options = options || {};
    var shown = shownAs || text;
    var generation = state.generation;
    var row = addLocal(shown, "customer");
    state.sending += 1;
    setTyping(state.typingFrom);
    clearTimeout(state.myTypingTimer);
    sendTyping(false);
    var body = { message: text };
    if (typeof options.buttonOf === "number") body.button_of = options.buttonOf;
    var result = null;
    try {
      result = await api("POST", "/api/chat", body);
    } catch (e) {
      result = null;
    }
    state.sending -= 1;
    if (generation !== state.generation) return;
    var data = result && result.data;
    if (data && data.sent && typeof data.sent.id === "number") {
      var known = state.seen.get(data.sent.id);
      if (!known) adopt(row, data.sent);
      else if (known.node !== row) row.remove(); // the socket already showed it
    }
    if (result && result.ok && data && data.pending) {
      // The assistant is slow: a local note now, its answer arrives over the socket (or the next history read).
      (Array.isArray(data.messages) ? data.messages : []).forEach(function (m) {
        if (m && typeof m.text === "string") addLocal(m.text, "bot");
      });
    } else if (result && result.ok) {
      (data && Array.isArray(data.messages) ? data.messages : []).forEach(function (m) { addMessage(m, false); });
      if (data && data.conversation) setConversation(data.conversation);
    } else {
      if (!(data && data.sent)) {
        // Not stored: take the line back so the shopper can send it again.
        row.remove();
        if (options.group) unmarkUsed(options.group);
        else if (!el.input.value) el.input.value = text;
        autosize();
      }
      var errors = data && Array.isArray(data.messages) ? data.messages : [];
      var shownError = false;
      errors.forEach(function (m) {
        if (m && typeof m.text === "string" && m.text) {
          addLocal(m.text, "error");
          shownError = true;
        }
      });
      if (!shownError) {
        var fallback = !result ? UNREACHABLE : (data && typeof data.detail === "string" && data.detail) || GENERIC_ERROR;
        if (result && result.status === 429 && !(data && data.detail)) {
          var wait = retryAfterText(result);
          fallback = "You're sending messages a little fast. Please wait" + (wait ? " " + wait + " seconds" : " a moment") +
            " and try again.";
        }
        addLocal(fallback, "error");
      }
      updateWelcome();
    }
    setTyping(state.typingFrom);
  }

  function submitInput() {
    var text = el.input.value.trim();
    if (!text) {
      el.input.focus();
      return;
    }
    el.input.value = "";
    autosize();
    send(text, null, {});
    el.input.focus();
  }

  function autosize() {
    el.input.style.height = "auto";
    el.input.style.height = Math.min(el.input.scrollHeight, 120) + "px";
  }

  // ---- events --------------------------------------------------------------------------------------
  el.form.addEventListener("submit", function (event) {
    event.preventDefault();
    submitInput();
  });

  el.input.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      submitInput();
    }
  });

  el.input.addEventListener("input", function () {
    autosize();
    if (el.input.value.trim()) {
      sendTyping(true);
      clearTimeout(state.myTypingTimer);
      state.myTypingTimer = setTimeout(function () { sendTyping(false); }, 3000);
    } else {
      sendTyping(false);
    }
  });

  el.welcome.addEventListener("click", function (event) {
    var chip = event.target.closest("button[data-say]");
    if (chip) send(chip.getAttribute("data-say"), null, {});
  });

  el.newChat.addEventListener("click", async function () {
    el.newChat.disabled = true;
    try {
      var result = await api("POST", "/api/session/new", {});
      if (!result.ok) {
        addLocal((result.data && result.data.detail) || GENERIC_ERROR, "error");
        return;
      }
      setConversation({ mode: "bot" });
      await reload();
      reconnectNow();
    } catch (e) {
      addLocal(UNREACHABLE, "error");
    } finally {
      el.newChat.disabled = false;
      el.input.focus();
    }
  });

  el.close.addEventListener("click", function () {
    toParent({ type: "shopdesk:close" });
  });

  document.addEventListener("keydown", function (event) {
    if ((event.key === "Escape" || event.key === "Esc") && embedded) {
      event.preventDefault();
      toParent({ type: "shopdesk:close" });
    }
  });

  document.addEventListener("visibilitychange", function () {
    if (!document.hidden && state.visible && state.unread) {
      state.unread = 0;
      toParent({ type: "shopdesk:unread", count: 0 });
    }
  });

  window.addEventListener("message", function (event) {
    if (!embedded || event.source !== window.parent) return;
    if (parentOrigin && event.origin !== parentOrigin) return;
    var data = event.data;
    if (!data || typeof data !== "object") return;
    if (data.type === "shopdesk:refresh") {
      setConversation({ mode: "bot" });
      reload().then(reconnectNow);
    } else if (data.type === "shopdesk:visibility" && typeof data.open === "boolean") {
      state.visible = data.open;
      if (data.open) {
        state.unread = 0;
        toParent({ type: "shopdesk:unread", count: 0 });
        scrollDown(true);
        el.input.focus();
      }
    }
  });

  // ---- start ---------------------------------------------------------------------------------------
  el.status.hidden = true;
  el.connection.hidden = true;
  setTyping(null);
  reload().then(function () {
    connect();
    toParent({ type: "shopdesk:ready" });
  });
})();
