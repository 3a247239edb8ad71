// Shopdesk support console (staff inbox). Plain JS, no build step, no dependencies.
//
// Safety: every piece of data is put on the page with textContent / DOM nodes (message text through
// window.ShopdeskMarkdown.render, which builds DOM nodes too). Nothing is ever assigned to innerHTML.
// The CSRF token lives only in memory and goes out as X-CSRF-Token on every POST.
"use strict";

(function () {
  // ---------------------------------------------------------------- constants
  var POLL_MS = 5000; // queue + open ticket refresh while the socket is down
  var TYPING_TIMEOUT_MS = 8000;
  var STATUSES = ["pending", "open", "resolved"];
  var PRIORITY_RANK = { high: 0, normal: 1, low: 2 };
  var TEXT = {
    offline: "Can't reach the server. Check your connection and try again.",
    badLogin: "That username and password don't match. Please try again.",
    missingLogin: "Please enter your username and password.",
    sessionEnded: "Your session has ended. Please sign in again.",
    generic: "Something went wrong. Please try again.",
    tooFast: "That was a bit fast. Please wait a moment and try again.",
  };

  // ---------------------------------------------------------------- state
  var state = {
    me: null,
    csrf: null,
    staff: [],
    view: "inbox",
    status: "pending",
    q: "",
    tickets: [], // summaries shown in the queue (current tab + search)
    counts: { pending: null, open: null, resolved: null },
    known: new Map(), // ticket id -> last known status (any tab), for live counts
    queueSeq: 0,
    ticketId: null,
    detail: null, // {ticket, notes, customer, canned}
    messages: new Map(), // id -> {key, el}
    noteIds: new Set(),
    customerKey: null,
    drafts: new Map(), // ticket id -> unsent reply text
    ticketSeq: 0,
    ws: null,
    wsUp: false,
    wsTimer: null,
    backoff: 0,
    pollTimer: null,
    clockTimer: null,
    queueRefreshTimer: null,
    typingTimer: null,
    assistantLoaded: false,
    assistantIds: new Set(),
    // fraud review (operators and admins only)
    fraudOrders: [], // held orders in the queue
    fraudLoaded: false,
    fraudFailed: false,
    fraudSeq: 0,
    fraudNumber: null, // the order open in the review pane
    fraudDetail: null, // its explanation (Order + threshold + text)
    fraudDetailSeq: 0,
    fraudDeciding: null, // order number with a decision in flight from this console
    fraudRefreshTimer: null,
  };

  // ---------------------------------------------------------------- DOM helpers
  function $(id) {
    return document.getElementById(id);
  }

  // el("div", {className: "x", "aria-label": "y"}, [children or strings])
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (key) {
        var value = attrs[key];
        if (value === null || value === undefined || value === false) return;
        if (key === "className") node.className = value;
        else if (key === "text") node.textContent = value;
        else if (key === "hidden") node.hidden = true;
        else node.setAttribute(key, value === true ? "" : String(value));
      });
    }
    appendAll(node, children);
    return node;
  }

  function appendAll(node, children) {
    if (children === null || children === undefined) return node;
    if (!Array.isArray(children)) children = [children];
    children.forEach(function (child) {
      if (child === null || child === undefined || child === false) return;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    });
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  function show(node, visible) {
    node.hidden = !visible;
  }

  function setError(node, message) {
    node.textContent = message || "";
    node.hidden = !message;
  }

  function str(value) {
    return value === null || value === undefined ? "" : String(value);
  }

  // Message text: markdown-lite through the shared renderer (DOM nodes only); plain text meanwhile.
  function richText(text) {
    var md = window.ShopdeskMarkdown;
    if (md && typeof md.render === "function") {
      try {
        var fragment = md.render(str(text));
        if (fragment instanceof Node) return fragment;
      } catch (e) {
        /* fall through to plain text */
      }
    }
    return el("span", { className: "plain", text: str(text) });
  }

  // One-line plain preview of markdown-lite text.
  function previewText(text) {
    return str(text)
      .replace(/\[([^\]\n]+)\]\((?:[^()\s]|\([^()\s]*\))+\)/g, "$1")
      .replace(/\*\*|`/g, "")
      .replace(/(^|\s)\*(\S)/g, "$1$2")
      .replace(/(\S)\*(\s|$)/g, "$1$2")
      .replace(/\s+/g, " ")
      .trim();
  }

  function safeUrl(value) {
    var md = window.ShopdeskMarkdown;
    if (md && typeof md.safeUrl === "function") return md.safeUrl(str(value), false);
    try {
      var url = new URL(str(value));
      return url.protocol === "https:" || url.protocol === "http:" ? url.href : null;
    } catch (e) {
      return null;
    }
  }

  function safeImage(value) {
    // Charts from the assistant arrive inline as base64 PNG (the CSP allows data: images); others must be https.
    if (typeof value === "string" && /^data:image\/(?:png|gif|jpeg|webp);base64,[a-z0-9+/=]+$/i.test(value)) return value;
    var href = safeUrl(value);
    return href && /^https:/i.test(href) ? href : null;
  }

  function humanize(value) {
    var s = str(value).replace(/[_-]+/g, " ").trim();
    return s ? s.charAt(0).toUpperCase() + s.slice(1) : "";
  }

  var announceTimer = null;
  function announce(message) {
    var node = $("announcer");
    node.textContent = "";
    clearTimeout(announceTimer);
    announceTimer = setTimeout(function () {
      node.textContent = message;
    }, 50);
  }

  // ---------------------------------------------------------------- time and money
  function parseDate(value) {
    if (!value) return null;
    var d = new Date(value);
    return isNaN(d.getTime()) ? null : d;
  }

  function sameDay(a, b) {
    return a.getFullYear() === b.getFullYear() && a.getMonth() === b.getMonth() && a.getDate() === b.getDate();
  }

  function fmtTime(value) {
    var d = parseDate(value);
    if (!d) return str(value);
    var time = d.toLocaleTimeString("en-GB", { hour: "2-digit", minute: "2-digit" });
    if (sameDay(d, new Date())) return time;
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short" }) + ", " + time;
  }

  function fmtDate(value) {
    var d = parseDate(value);
    if (!d) return str(value);
    return d.toLocaleDateString("en-GB", { day: "numeric", month: "short", year: "numeric" });
  }

  function fmtFull(value) {
    var d = parseDate(value);
    if (!d) return str(value);
    return d.toLocaleString("en-GB", { day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit" });
  }

  function fmtDuration(ms) {
    var minutes = Math.max(0, Math.floor(ms / 60000));
    if (minutes < 1) return "<1 min";
    if (minutes < 60) return minutes + " min";
    var hours = Math.floor(minutes / 60);
    if (hours < 24) return hours + " h" + (minutes % 60 ? " " + (minutes % 60) + " min" : "");
    var days = Math.floor(hours / 24);
    return days + " d" + (hours % 24 ? " " + (hours % 24) + " h" : "");
  }

  function since(value) {
    var d = parseDate(value);
    return d ? fmtDuration(Date.now() - d.getTime()) : "";
  }

  function fmtMoney(amount, currency) {
    if (amount === null || amount === undefined || amount === "") return "";
    var n = Number(amount);
    if (isNaN(n)) return str(amount);
    try {
      return new Intl.NumberFormat("en-GB", { style: "currency", currency: currency || "GBP" }).format(n);
    } catch (e) {
      return n.toFixed(2) + (currency ? " " + currency : "");
    }
  }

  // ---------------------------------------------------------------- API
  function ApiError(status, message, data) {
    this.status = status;
    this.message = message;
    this.data = data;
  }

  function defaultMessage(status) {
    if (status === 401) return TEXT.sessionEnded;
    if (status === 403) return "You're not allowed to do that.";
    if (status === 404) return "That ticket doesn't exist any more.";
    if (status === 413) return "That message is too long. Please keep it under 2,000 characters.";
    if (status === 422) return "Please type something first.";
    if (status === 429) return TEXT.tooFast;
    if (status === 503) return "The assistant can't be reached right now. Please try again in a minute.";
    return TEXT.generic;
  }

  function request(method, path, body) {
    var options = { method: method, credentials: "same-origin", headers: { Accept: "application/json" } };
    if (method !== "GET") {
      options.headers["Content-Type"] = "application/json";
      if (state.csrf) options.headers["X-CSRF-Token"] = state.csrf;
      options.body = JSON.stringify(body || {});
    }
    return fetch(path, options).then(
      function (response) {
        return response.json().then(
          function (data) {
            return { response: response, data: data };
          },
          function () {
            return { response: response, data: null };
          }
        );
      },
      function () {
        throw new ApiError(0, TEXT.offline, null);
      }
    );
  }

  // api("GET", "/api/console/tickets") -> Promise of the JSON answer; rejects with ApiError.
  // A 401 on a signed-in call signs the console out; a 403 on a POST refreshes the CSRF token once.
  function api(method, path, body, retried) {
    var authCall = path === "/api/console/login" || path === "/api/console/me";
    return request(method, path, body).then(function (result) {
      var status = result.response.status;
      var data = result.data;
      if (result.response.ok) return data;
      if (status === 401 && !authCall && state.me) {
        signedOut(TEXT.sessionEnded);
      }
      if (status === 403 && method !== "GET" && !retried && !authCall && state.me) {
        return refreshCsrf().then(function (ok) {
          if (ok) return api(method, path, body, true);
          throw new ApiError(status, defaultMessage(status), data);
        });
      }
      var message = data && typeof data.detail === "string" && data.detail ? data.detail : defaultMessage(status);
      throw new ApiError(status, message, data);
    });
  }

  function refreshCsrf() {
    return api("GET", "/api/console/me").then(
      function (data) {
        if (data && data.csrf_token) state.csrf = data.csrf_token;
        return !!(data && data.csrf_token);
      },
      function (err) {
        if (err.status === 401) signedOut(TEXT.sessionEnded);
        return false;
      }
    );
  }

  // ---------------------------------------------------------------- sign in / out
  function boot() {
    bindStatic();
    api("GET", "/api/console/me").then(
      function (data) {
        $("boot").hidden = true;
        signedIn(data);
      },
      function (err) {
        $("boot").hidden = true;
        showLogin(err.status === 401 ? "" : err.message);
      }
    );
  }

  function showLogin(notice) {
    $("app").hidden = true;
    $("login-view").hidden = false;
    document.title = "Sign in · Shopdesk console";
    var noticeNode = $("login-notice");
    noticeNode.textContent = notice || "";
    noticeNode.hidden = !notice;
    setError($("login-error"), "");
    $("login-password").value = "";
    $("login-username").focus();
  }

  function onLogin(event) {
    event.preventDefault();
    var username = $("login-username").value.trim();
    var password = $("login-password").value;
    var errorNode = $("login-error");
    if (!username || !password) {
      setError(errorNode, TEXT.missingLogin);
      (username ? $("login-password") : $("login-username")).focus();
      return;
    }
    var submit = $("login-submit");
    submit.disabled = true;
    setError(errorNode, "");
    api("POST", "/api/console/login", { username: username, password: password })
      .then(
        function (data) {
          $("login-password").value = "";
          $("login-notice").hidden = true;
          signedIn(data);
        },
        function (err) {
          var message = err.status === 401 ? (err.data && err.data.detail) || TEXT.badLogin : err.message;
          setError(errorNode, message);
          $("login-password").value = "";
          $("login-password").focus();
        }
      )
      .then(function () {
        submit.disabled = false;
      });
  }

  function signedIn(data) {
    if (!data || !data.staff) {
      showLogin(TEXT.generic);
      return;
    }
    state.me = data.staff;
    state.csrf = data.csrf_token || null;
    $("login-view").hidden = true;
    $("app").hidden = false;
    $("me-name").textContent = data.staff.display_name || data.staff.username || "";
    $("me-role").textContent = humanize(data.staff.role);
    $("nav-fraud").hidden = !isReviewer();
    loadStaff();
    if (isReviewer()) refreshFraud();
    if (!location.hash || location.hash === "#") history.replaceState(null, "", "#/inbox");
    route();
    connectSocket();
    clearInterval(state.clockTimer);
    state.clockTimer = setInterval(function () {
      renderQueue();
      if (state.detail) renderTicketHead();
      if (isReviewer()) renderFraudQueue();
    }, 30000);
  }

  function logout() {
    var button = $("logout");
    button.disabled = true;
    api("POST", "/api/console/logout", {})
      .catch(function () {
        /* signed out locally either way */
      })
      .then(function () {
        button.disabled = false;
        signedOut("You're signed out.");
      });
  }

  // Forget everything about the session and show only the login form.
  function signedOut(notice) {
    if (!state.me && !$("login-view").hidden) return;
    state.me = null;
    state.csrf = null;
    var ws = state.ws;
    state.ws = null;
    state.wsUp = false;
    if (ws) {
      try {
        ws.close(1000);
      } catch (e) {
        /* ignore */
      }
    }
    clearTimeout(state.wsTimer);
    clearInterval(state.pollTimer);
    state.pollTimer = null;
    clearInterval(state.clockTimer);
    clearTimeout(state.queueRefreshTimer);
    state.staff = [];
    state.tickets = [];
    state.counts = { pending: null, open: null, resolved: null };
    state.known = new Map();
    state.drafts = new Map();
    state.assistantLoaded = false;
    state.assistantIds = new Set();
    state.queueLoaded = false;
    clearTimeout(state.fraudRefreshTimer);
    state.fraudOrders = [];
    state.fraudLoaded = false;
    state.fraudFailed = false;
    state.fraudSeq += 1;
    state.fraudDeciding = null;
    closeFraud();
    clear($("fraud-list"));
    $("nav-fraud").hidden = true;
    renderHeldCount();
    var dialog = $("reject-dialog");
    if (dialog.open) dialog.close("");
    closeTicket();
    clear($("queue-list"));
    clear($("assistant-log"));
    $("search").value = "";
    state.q = "";
    renderCounts();
    showLogin(notice);
  }

  // ---------------------------------------------------------------- routing
  // #/inbox, #/inbox/<ticket id>, #/assistant, #/fraud, #/fraud/<order number> (operators and admins)
  function route() {
    if (!state.me) return;
    var parts = location.hash.replace(/^#\/?/, "").split("/");
    if (parts[0] === "fraud" && !isReviewer()) {
      history.replaceState(null, "", "#/inbox");
      parts = ["inbox"];
    }
    var view = parts[0] === "assistant" ? "assistant" : parts[0] === "fraud" ? "fraud" : "inbox";
    state.view = view;
    $("inbox-view").hidden = view !== "inbox";
    $("assistant-view").hidden = view !== "assistant";
    $("fraud-view").hidden = view !== "fraud";
    $("nav-inbox").setAttribute("aria-current", view === "inbox" ? "page" : "false");
    $("nav-assistant").setAttribute("aria-current", view === "assistant" ? "page" : "false");
    $("nav-fraud").setAttribute("aria-current", view === "fraud" ? "page" : "false");
    if (view === "assistant") {
      loadAssistant();
      return;
    }
    if (view === "fraud") {
      routeFraud(parts[1]);
      return;
    }
    if (!state.queueLoaded) {
      state.queueLoaded = true;
      refreshQueue();
    }
    var id = parts[1] ? parseInt(parts[1], 10) : null;
    if (id && id > 0) {
      if (id !== state.ticketId) openTicket(id);
    } else if (state.ticketId) {
      closeTicket();
    }
    renderQueue();
  }

  // ---------------------------------------------------------------- queue
  function loadStaff() {
    api("GET", "/api/console/staff").then(
      function (data) {
        state.staff = (data && Array.isArray(data.staff) ? data.staff : []).slice();
        renderAssignOptions();
      },
      function () {
        state.staff = [];
        renderAssignOptions();
      }
    );
  }

  function refreshQueue() {
    if (!state.me) return Promise.resolve();
    var seq = ++state.queueSeq;
    var path = "/api/console/tickets?status=" + encodeURIComponent(state.status);
    if (state.q) path += "&q=" + encodeURIComponent(state.q);
    $("queue-list").setAttribute("aria-busy", "true");
    return api("GET", path).then(
      function (data) {
        if (seq !== state.queueSeq) return;
        setError($("queue-error"), "");
        state.tickets = data && Array.isArray(data.tickets) ? data.tickets : [];
        state.tickets.forEach(function (t) {
          state.known.set(t.id, t.status);
        });
        if (data && data.counts) {
          STATUSES.forEach(function (s) {
            if (typeof data.counts[s] === "number") state.counts[s] = data.counts[s];
          });
        }
        state.queueFailed = false;
        renderCounts();
        renderQueue();
      },
      function (err) {
        if (seq !== state.queueSeq || !state.me) return;
        state.queueFailed = true;
        setError($("queue-error"), err.message);
        $("queue-list").setAttribute("aria-busy", "false");
      }
    );
  }

  // Many pushes in a burst cause one refresh (authoritative counts and order).
  function scheduleQueueRefresh() {
    clearTimeout(state.queueRefreshTimer);
    state.queueRefreshTimer = setTimeout(refreshQueue, 400);
  }

  function renderCounts() {
    STATUSES.forEach(function (s) {
      var n = state.counts[s];
      $("count-" + s).textContent = n === null ? "–" : String(n);
      $("count-" + s).classList.toggle("has-items", !!n);
    });
    var pending = state.counts.pending;
    var pill = $("nav-pending");
    if (pending) {
      pill.textContent = String(pending);
      pill.setAttribute("aria-label", pending + " pending");
    }
    pill.hidden = !pending;
    document.title = state.me ? (pending ? "(" + pending + ") " : "") + "Shopdesk console" : document.title;
  }

  function sortTickets(list) {
    var status = state.status;
    return list.slice().sort(function (a, b) {
      if (status === "resolved") {
        return (parseDate(b.resolved_at) || 0) - (parseDate(a.resolved_at) || 0) || b.id - a.id;
      }
      var pa = PRIORITY_RANK[a.priority] !== undefined ? PRIORITY_RANK[a.priority] : 1;
      var pb = PRIORITY_RANK[b.priority] !== undefined ? PRIORITY_RANK[b.priority] : 1;
      if (pa !== pb) return pa - pb;
      return (parseDate(a.created_at) || 0) - (parseDate(b.created_at) || 0) || a.id - b.id;
    });
  }

  function customerName(ticket) {
    var c = ticket && ticket.customer;
    if (c && c.name) return c.name;
    if (c && c.email) return c.email;
    return "Anonymous shopper";
  }

  function staffName(staff) {
    if (!staff) return "";
    if (state.me && staff.id === state.me.id) return "You";
    return staff.display_name || staff.username || "Staff #" + staff.id;
  }

  function priorityBadge(priority) {
    var p = PRIORITY_RANK[priority] !== undefined ? priority : "normal";
    return el("span", { className: "badge prio prio-" + p, text: humanize(p) + (p === "high" ? " priority" : "") });
  }

  function statusBadge(status) {
    return el("span", { className: "badge status status-" + str(status), text: humanize(status) });
  }

  // What the "time" cell of a queue row says.
  function waitInfo(ticket) {
    var last = ticket.last_message;
    if (ticket.status === "resolved") {
      return { text: ticket.resolved_at ? since(ticket.resolved_at) + " ago" : "", label: "Resolved", urgent: false };
    }
    if (ticket.status === "pending") {
      return { text: since(ticket.created_at), label: "Waiting", urgent: true };
    }
    if (last && last.sender === "customer") {
      return { text: since(last.at), label: "Customer waiting", urgent: true };
    }
    return { text: last ? since(last.at) + " ago" : since(ticket.created_at), label: "Last activity", urgent: false };
  }

  function renderQueue() {
    var list = $("queue-list");
    var focusedId = document.activeElement && document.activeElement.dataset
      ? document.activeElement.dataset.ticketId
      : null;
    clear(list);
    list.setAttribute("aria-busy", "false");
    $("queue-panel").setAttribute("aria-labelledby", "tab-" + state.status);
    var tickets = sortTickets(state.tickets);
    tickets.forEach(function (t) {
      list.appendChild(queueItem(t));
    });
    var empty = $("queue-empty");
    if (!tickets.length && !state.queueFailed) {
      empty.textContent = state.q
        ? "No " + state.status + " tickets match “" + state.q + "”."
        : { pending: "No one is waiting. Nice work!", open: "No open tickets.", resolved: "No resolved tickets yet." }[state.status];
    }
    empty.hidden = !!tickets.length || !!state.queueFailed;
    if (focusedId) {
      var again = list.querySelector('[data-ticket-id="' + String(parseInt(focusedId, 10)) + '"]');
      if (again) again.focus();
    }
  }

  function queueItem(t) {
    var wait = waitInfo(t);
    var last = t.last_message;
    var preview = "";
    if (last) {
      var who = { customer: "", bot: "Bot: ", agent: (last.agent_name || "Agent") + ": ", system: "" }[last.sender] || "";
      preview = who + previewText(last.text || (last.image ? "[image]" : last.cards ? "[cards]" : ""));
    } else if (t.summary) {
      preview = previewText(t.summary);
    }
    var selected = t.id === state.ticketId;
    var mine = t.assignee && state.me && t.assignee.id === state.me.id;
    var link = el(
      "a",
      {
        className: "ticket-link",
        href: "#/inbox/" + t.id,
        "data-ticket-id": String(t.id),
        "aria-current": selected ? "true" : null,
      },
      [
        el("span", { className: "row row-top" }, [
          el("span", { className: "cust", text: customerName(t) }),
          wait.text
            ? el("span", { className: "wait" + (wait.urgent ? " urgent" : ""), title: wait.label }, [
                el("span", { className: "visually-hidden", text: wait.label + ": " }),
                wait.text,
              ])
            : null,
        ]),
        el("span", { className: "row row-mid" }, [
          t.priority === "high" || t.priority === "low" ? priorityBadge(t.priority) : null,
          el("span", { className: "reason", text: humanize(t.reason) || "Support request" }),
          t.order_number ? el("span", { className: "order-ref", text: "· order " + t.order_number }) : null,
          el("span", { className: "tid", text: "#" + t.id }),
        ]),
        preview ? el("span", { className: "preview", text: preview }) : null,
        el("span", { className: "row row-bottom" }, [
          el("span", { className: "assignee" + (t.assignee ? "" : " none") + (mine ? " mine" : "") }, [
            el("span", { className: "visually-hidden", text: "Assignee: " }),
            t.assignee ? staffName(t.assignee) : "Unassigned",
          ]),
          typeof t.rating === "number" ? el("span", { className: "rating", text: "★ " + t.rating + "/5" }) : null,
        ]),
      ]
    );
    return el("li", { className: "ticket-item" + (t.priority === "high" ? " is-high" : "") + (selected ? " is-selected" : "") }, link);
  }

  // A pushed ticket summary: update the list in place and counts; confirm with the server shortly.
  function upsertTicket(t) {
    if (!t || typeof t.id !== "number") return;
    var previous = state.known.get(t.id);
    state.known.set(t.id, t.status);
    if (previous !== t.status) {
      if (previous && typeof state.counts[previous] === "number" && state.counts[previous] > 0) state.counts[previous] -= 1;
      if (typeof state.counts[t.status] === "number") state.counts[t.status] += 1;
      renderCounts();
      if (!previous && t.status === "pending") announce("New ticket #" + t.id + " from " + customerName(t) + ".");
    }
    var index = state.tickets.findIndex(function (x) {
      return x.id === t.id;
    });
    if (t.status === state.status) {
      if (index >= 0) state.tickets[index] = t;
      else if (!state.q) state.tickets.push(t);
    } else if (index >= 0) {
      state.tickets.splice(index, 1);
    }
    renderQueue();
    if (state.detail && state.detail.ticket.id === t.id) {
      state.detail.ticket = t;
      renderTicketHead();
    }
    scheduleQueueRefresh();
  }

  function setStatusTab(status, focus) {
    if (STATUSES.indexOf(status) < 0) return;
    state.status = status;
    STATUSES.forEach(function (s) {
      var tab = $("tab-" + s);
      var on = s === status;
      tab.setAttribute("aria-selected", on ? "true" : "false");
      tab.tabIndex = on ? 0 : -1;
      if (on && focus) tab.focus();
    });
    state.tickets = [];
    renderQueue();
    $("queue-list").setAttribute("aria-busy", "true");
    refreshQueue();
  }

  // ---------------------------------------------------------------- ticket
  function closeTicket() {
    state.ticketId = null;
    state.detail = null;
    state.messages = new Map();
    state.noteIds = new Set();
    state.customerKey = null;
    clear($("transcript"));
    clear($("notes-list"));
    clear($("customer-panel"));
    $("typing").textContent = "";
    $("ticket-body").hidden = true;
    $("ticket-placeholder").hidden = false;
    $("side").hidden = true;
    $("inbox-view").setAttribute("data-has-ticket", "false");
  }

  function openTicket(id) {
    saveDraft();
    agentTyping(false);
    closeTicket();
    state.ticketId = id;
    $("inbox-view").setAttribute("data-has-ticket", "true");
    $("ticket-placeholder").hidden = true;
    $("ticket-body").hidden = false;
    $("ticket-title").textContent = "Ticket #" + id;
    $("ticket-meta").textContent = "Loading…";
    $("ticket-actions").hidden = true;
    $("reply-form").hidden = true;
    $("resolved-banner").hidden = true;
    setError($("ticket-error"), "");
    setError($("reply-error"), "");
    setError($("note-error"), "");
    $("reply-text").value = state.drafts.get(id) || "";
    $("note-text").value = "";
    renderQueue();
    return loadTicket(id, true);
  }

  function loadTicket(id, fresh) {
    var seq = ++state.ticketSeq;
    return api("GET", "/api/console/tickets/" + id).then(
      function (data) {
        if (id !== state.ticketId || (fresh && seq !== state.ticketSeq)) return;
        setError($("ticket-error"), "");
        applyDetail(data, fresh);
      },
      function (err) {
        if (id !== state.ticketId) return;
        if (fresh) {
          $("ticket-meta").textContent = "";
          setError($("ticket-error"), err.message);
        } else if (err.status === 404) {
          setError($("ticket-error"), err.message);
        }
      }
    );
  }

  function refreshOpenTicket() {
    if (state.ticketId && state.detail) return loadTicket(state.ticketId, false);
    return Promise.resolve();
  }

  function applyDetail(data, fresh) {
    if (!data || !data.ticket) return;
    var wasNull = !state.detail;
    state.detail = state.detail || {};
    state.detail.ticket = data.ticket;
    state.detail.canned = Array.isArray(data.canned) ? data.canned : [];
    state.known.set(data.ticket.id, data.ticket.status);
    renderTicketHead();
    (Array.isArray(data.transcript) ? data.transcript : []).forEach(function (m) {
      addMessage(m, true);
    });
    (Array.isArray(data.notes) ? data.notes : []).forEach(addNote);
    renderCustomer(data.customer || null, data.ticket);
    renderCanned();
    $("side").hidden = false;
    if (fresh || wasNull) {
      state.stick = true;
      scrollTranscript(true);
    }
  }

  function renderAssignOptions() {
    var select = $("assign-select");
    var current = state.detail && state.detail.ticket && state.detail.ticket.assignee;
    clear(select);
    select.appendChild(el("option", { value: "", text: "Assign to…" }));
    state.staff.forEach(function (s) {
      var label = (s.display_name || s.username) + (state.me && s.id === state.me.id ? " (you)" : "");
      select.appendChild(el("option", { value: String(s.id), text: label, selected: current && current.id === s.id }));
    });
    $("assign").disabled = !state.staff.length;
  }

  function renderTicketHead() {
    var d = state.detail;
    if (!d || !d.ticket) return;
    var t = d.ticket;
    $("ticket-title").textContent = "#" + t.id + " · " + customerName(t);
    var meta = $("ticket-meta");
    clear(meta);
    appendAll(meta, [
      statusBadge(t.status),
      priorityBadge(t.priority),
      el("span", { className: "meta-item", text: humanize(t.reason) || "Support request" }),
      t.order_number ? el("span", { className: "meta-item", text: "Order " + t.order_number }) : null,
      el("span", { className: "meta-item" }, [
        t.assignee ? "Assigned to " + staffName(t.assignee) : "Unassigned",
      ]),
      el("span", { className: "meta-item", title: fmtFull(t.created_at) }, [
        t.status === "pending" ? "Waiting " + since(t.created_at) : "Opened " + fmtTime(t.created_at),
      ]),
    ]);
    var resolved = t.status === "resolved";
    var mine = t.assignee && state.me && t.assignee.id === state.me.id;
    $("ticket-actions").hidden = resolved;
    var claim = $("claim");
    claim.hidden = resolved || !!mine;
    claim.textContent = t.status === "pending" || !t.assignee ? "Claim" : "Take over";
    renderAssignOptions();
    $("reply-form").hidden = resolved;
    var banner = $("resolved-banner");
    banner.hidden = !resolved;
    if (resolved) {
      banner.textContent =
        "Resolved" +
        (t.resolved_at ? " " + fmtFull(t.resolved_at) : "") +
        (typeof t.rating === "number" ? " · customer rating " + t.rating + "/5" : "") +
        ". Replies are closed.";
    }
  }

  function senderLabel(m) {
    if (m.sender === "customer") return state.detail && state.detail.ticket ? customerName(state.detail.ticket) : "Customer";
    if (m.sender === "bot") return "Assistant (bot)";
    if (m.sender === "agent") return m.agent_name || "Agent";
    return "System";
  }

  function renderChips(buttons, used, clickable, onPick) {
    var list = el("ul", { className: "chips", "aria-label": clickable ? "Choose an answer" : "Buttons offered" });
    buttons.forEach(function (b) {
      if (!b || typeof b.title !== "string") return;
      var isUsed = used && b.title === used;
      var item;
      if (clickable) {
        var button = el("button", { type: "button", className: "chip-button", text: b.title });
        button.addEventListener("click", function () {
          onPick(b, list);
        });
        item = el("li", null, button);
      } else {
        item = el("li", { className: "chip" + (isUsed ? " used" : "") }, [
          isUsed ? el("span", { className: "check", "aria-hidden": "true", text: "✓ " }) : null,
          b.title,
          isUsed ? el("span", { className: "visually-hidden", text: " (chosen by the shopper)" }) : null,
        ]);
      }
      list.appendChild(item);
    });
    return list.childElementCount ? list : null;
  }

  function renderCards(cards) {
    var list = el("ul", { className: "cards" });
    cards.forEach(function (c) {
      if (!c || typeof c !== "object") return;
      var img = safeImage(c.image);
      var href = safeUrl(c.url);
      list.appendChild(
        el("li", { className: "card" }, [
          img ? el("img", { src: img, alt: "", loading: "lazy" }) : null,
          el("span", { className: "card-body" }, [
            c.title ? el("strong", { className: "card-title", text: str(c.title) }) : null,
            c.subtitle ? el("span", { className: "card-sub", text: str(c.subtitle) }) : null,
            c.price ? el("span", { className: "card-price", text: str(c.price) }) : null,
            href ? el("a", { href: href, target: "_blank", rel: "noopener noreferrer", text: "Open link" }) : null,
          ]),
        ])
      );
    });
    return list.childElementCount ? list : null;
  }

  // One transcript line. opts.clickable/onPick for the assistant chat.
  function messageNode(m, opts) {
    opts = opts || {};
    var sender = ["customer", "bot", "agent", "system"].indexOf(m.sender) >= 0 ? m.sender : "system";
    var time = el("time", { dateTime: null, datetime: str(m.at), title: fmtFull(m.at), text: fmtTime(m.at) });
    if (sender === "system") {
      return el("div", { className: "msg msg-system", "data-id": String(m.id) }, [
        el("span", { className: "visually-hidden", text: "System: " }),
        el("span", { className: "system-text" }, richText(m.text)),
        " ",
        time,
      ]);
    }
    var label = opts.label ? opts.label(m) : senderLabel(m);
    var parts = [el("div", { className: "msg-head" }, [el("span", { className: "who", text: label }), " ", time])];
    if (m.text !== null && m.text !== undefined && m.text !== "") {
      parts.push(el("div", { className: "bubble" }, richText(m.text)));
    }
    var img = m.image ? safeImage(m.image) : null;
    if (img) {
      var image = el("img", { src: img, alt: "Image sent in the conversation", loading: "lazy" });
      image.addEventListener("load", function () {
        scrollTranscript(false);
      });
      parts.push(el("div", { className: "bubble bubble-image" }, image));
    }
    if (Array.isArray(m.cards) && m.cards.length) parts.push(renderCards(m.cards));
    if (Array.isArray(m.buttons) && m.buttons.length) {
      parts.push(renderChips(m.buttons, m.used, opts.clickable && !m.used, opts.onPick));
    }
    return el("div", { className: "msg msg-" + sender + (opts.mine ? " msg-mine" : ""), "data-id": String(m.id) }, parts);
  }

  function nearBottom(node) {
    return node.scrollHeight - node.scrollTop - node.clientHeight < 80;
  }

  function scrollTranscript(force) {
    var node = $("transcript");
    if (force || nearBottom(node)) node.scrollTop = node.scrollHeight;
  }

  // Insert (ordered by id) or update a transcript line. De-duplicated by id.
  function addMessage(m, quiet) {
    if (!m || m.id === undefined || m.id === null) return;
    var log = $("transcript");
    var key = JSON.stringify(m);
    var existing = state.messages.get(m.id);
    if (existing && existing.key === key) return;
    var stick = nearBottom(log);
    var node = messageNode(m);
    if (existing) {
      log.replaceChild(node, existing.el);
    } else {
      var before = null;
      var children = log.children;
      for (var i = children.length - 1; i >= 0; i--) {
        var cid = Number(children[i].getAttribute("data-id"));
        if (cid > Number(m.id)) before = children[i];
        else break;
      }
      log.insertBefore(node, before);
      if (m.sender === "customer") setTyping(false);
    }
    state.messages.set(m.id, { key: key, el: node });
    if (!existing && (stick || (m.sender === "agent" && !quiet))) log.scrollTop = log.scrollHeight;
  }

  function setTyping(on) {
    clearTimeout(state.typingTimer);
    var node = $("typing");
    if (on && state.detail) {
      node.textContent = customerName(state.detail.ticket) + " is typing…";
      state.typingTimer = setTimeout(function () {
        node.textContent = "";
      }, TYPING_TIMEOUT_MS);
    } else {
      node.textContent = "";
    }
  }

  function addNote(n) {
    if (!n || n.id === undefined || state.noteIds.has(n.id)) return;
    state.noteIds.add(n.id);
    var list = $("notes-list");
    var node = el("li", { className: "note", "data-id": String(n.id) }, [
      el("div", { className: "note-head" }, [
        el("strong", { text: str(n.author) || "Staff" }),
        " ",
        el("time", { datetime: str(n.at), title: fmtFull(n.at), text: fmtTime(n.at) }),
      ]),
      el("div", { className: "note-text", text: str(n.text) }),
    ]);
    var before = null;
    for (var i = list.children.length - 1; i >= 0; i--) {
      if (Number(list.children[i].getAttribute("data-id")) > Number(n.id)) before = list.children[i];
      else break;
    }
    list.insertBefore(node, before);
  }

  function dlRow(dl, term, value, className) {
    dl.appendChild(el("dt", { text: term }));
    dl.appendChild(el("dd", { className: className || null }, value));
  }

  var RISK_LEVELS = ["low", "medium", "high"];

  function riskLevelOf(risk) {
    var level = risk && typeof risk === "object" ? str(risk.level).toLowerCase() : "";
    return RISK_LEVELS.indexOf(level) >= 0 ? level : null;
  }

  function riskBadge(level) {
    return el("span", { className: "badge risk-badge risk-" + (level || "unknown"), text: level ? humanize(level) + " risk" : "Unknown" });
  }

  // Order numbers as a comma list; reviewers get links to the fraud review of each.
  function orderRefs(numbers, linked) {
    var nodes = [];
    numbers.forEach(function (n, i) {
      var number = str(n);
      if (!number) return;
      if (i) nodes.push(", ");
      nodes.push(linked ? el("a", { href: "#/fraud/" + encodeURIComponent(number), text: "#" + number }) : "#" + number);
    });
    return nodes;
  }

  // The customer's fraud screening summary: level badge, held and confirmed-fraud orders, top reasons.
  function renderRisk(risk) {
    var level = riskLevelOf(risk);
    var box = el("section", { className: "risk-box risk-box-" + (level || "unknown"), "aria-labelledby": "risk-title" });
    box.appendChild(el("h4", { className: "risk-head", id: "risk-title" }, ["Fraud risk ", riskBadge(level)]));
    var facts = el("dl", { className: "facts small" });
    var held = Array.isArray(risk.held_orders) ? risk.held_orders : [];
    var confirmed = Array.isArray(risk.confirmed_fraud_orders) ? risk.confirmed_fraud_orders : [];
    dlRow(facts, "Held for review", held.length ? orderRefs(held, isReviewer()) : "none", held.length ? "risk-orders" : "muted");
    dlRow(facts, "Confirmed fraud", confirmed.length ? orderRefs(confirmed, false) : "none", confirmed.length ? "risk-orders" : "muted");
    if (typeof risk.max_score_30d === "number") dlRow(facts, "Highest score (30 days)", pct(risk.max_score_30d));
    if (typeof risk.orders_90d === "number") dlRow(facts, "Orders (90 days)", String(risk.orders_90d));
    box.appendChild(facts);
    var reasons = Array.isArray(risk.reasons) ? risk.reasons.filter(Boolean).slice(0, 3) : [];
    if (reasons.length) {
      box.appendChild(el("h5", { className: "risk-sub", text: "Top reasons" }));
      var list = el("ul", { className: "mini-list" });
      reasons.forEach(function (r) {
        list.appendChild(el("li", { text: str(r) }));
      });
      box.appendChild(list);
    }
    return box;
  }

  function renderCustomer(customer, ticket) {
    var key = JSON.stringify([customer, ticket && ticket.order_number, ticket && ticket.customer]);
    if (key === state.customerKey) return;
    var panel = $("customer-panel");
    // Keep which orders were expanded across live refreshes.
    var expanded = {};
    panel.querySelectorAll("details[data-order]").forEach(function (d) {
      expanded[d.getAttribute("data-order")] = d.open;
    });
    var hadPanel = state.customerKey !== null;
    state.customerKey = key;
    clear(panel);
    if (!customer || !customer.profile) {
      var summary = ticket && ticket.customer;
      appendAll(panel, [
        el("p", { className: "muted", text: summary ? "No customer record for this ticket." : "Not signed in: anonymous shopper." }),
      ]);
      var anon = el("dl", { className: "facts" });
      if (summary && summary.name) dlRow(anon, "Name", summary.name);
      if (summary && summary.email) dlRow(anon, "E-mail", summary.email);
      if (ticket && ticket.order_number) dlRow(anon, "Order", ticket.order_number);
      dlRow(anon, "Fraud risk", "not available", "muted");
      panel.appendChild(anon);
      return;
    }
    var p = customer.profile;
    var facts = el("dl", { className: "facts" });
    dlRow(facts, "Name", str(p.name) || "—");
    dlRow(facts, "E-mail", str(p.email) || "—", "break");
    if (p.country) dlRow(facts, "Country", str(p.country));
    if (p.since) dlRow(facts, "Customer since", fmtDate(p.since));
    if (p.newsletter !== undefined && p.newsletter !== null) dlRow(facts, "Newsletter", p.newsletter ? "Subscribed" : "Not subscribed");
    var risk = customer.risk && typeof customer.risk === "object" ? customer.risk : null;
    if (!risk) dlRow(facts, "Fraud risk", "not available", "muted");
    panel.appendChild(facts);
    if (risk) panel.appendChild(renderRisk(risk));
    var heldOrders = risk && Array.isArray(risk.held_orders) ? risk.held_orders.map(str) : [];

    var orders = Array.isArray(customer.orders) ? customer.orders : [];
    panel.appendChild(el("h4", { className: "orders-title", text: "Orders (" + orders.length + ")" }));
    if (!orders.length) {
      panel.appendChild(el("p", { className: "muted", text: "No orders." }));
      return;
    }
    var list = el("div", { className: "orders" });
    orders.forEach(function (o, index) {
      var number = str(o.number);
      var isTicketOrder = ticket && ticket.order_number && str(ticket.order_number) === number;
      var open = hadPanel && Object.prototype.hasOwnProperty.call(expanded, number)
        ? expanded[number]
        : isTicketOrder || (!ticket.order_number && index === 0);
      var details = el("details", { className: "order" + (isTicketOrder ? " is-ticket-order" : ""), "data-order": number, open: open });
      details.appendChild(
        el("summary", null, [
          el("span", { className: "order-num", text: "#" + number }),
          el("span", { className: "badge order-status status-" + str(o.status), text: humanize(o.status) }),
          el("span", { className: "order-total", text: fmtMoney(o.total, o.currency) }),
          isTicketOrder ? el("span", { className: "tag", text: "this ticket" }) : null,
          heldOrders.indexOf(number) >= 0 ? el("span", { className: "tag tag-held", text: "held for review" }) : null,
        ])
      );
      var body = el("div", { className: "order-body" });
      var of = el("dl", { className: "facts small" });
      dlRow(of, "Placed", fmtFull(o.placed_at));
      dlRow(of, "Total", fmtMoney(o.total, o.currency));
      body.appendChild(of);
      var shipments = Array.isArray(o.shipments) ? o.shipments : [];
      body.appendChild(el("h5", { text: "Shipments" }));
      if (!shipments.length) body.appendChild(el("p", { className: "muted", text: "Not shipped yet." }));
      shipments.forEach(function (s) {
        var sf = el("dl", { className: "facts small sub" });
        dlRow(sf, "Carrier", str(s.carrier) || "—");
        dlRow(sf, "Tracking", str(s.tracking_number) || "—", "mono break");
        dlRow(sf, "Status", humanize(s.status) || "—");
        if (s.delivered_at) dlRow(sf, "Delivered", fmtFull(s.delivered_at));
        else dlRow(sf, "ETA", s.estimated_delivery ? fmtDate(s.estimated_delivery) : "—");
        body.appendChild(sf);
      });
      var refunds = Array.isArray(o.refunds) ? o.refunds : [];
      if (refunds.length) {
        body.appendChild(el("h5", { text: "Refunds" }));
        var rl = el("ul", { className: "mini-list" });
        refunds.forEach(function (r) {
          rl.appendChild(el("li", { text: fmtMoney(r.amount, o.currency) + " · " + humanize(r.status) + " · " + fmtDate(r.created_at) }));
        });
        body.appendChild(rl);
      }
      var returns = Array.isArray(o.returns) ? o.returns : [];
      if (returns.length) {
        body.appendChild(el("h5", { text: "Returns" }));
        var tl = el("ul", { className: "mini-list" });
        returns.forEach(function (r) {
          tl.appendChild(el("li", { text: humanize(r.status) + " · " + (str(r.reason) || "no reason given") + " · " + fmtDate(r.created_at) }));
        });
        body.appendChild(tl);
      }
      details.appendChild(body);
      list.appendChild(details);
    });
    panel.appendChild(list);
  }

  // ---------------------------------------------------------------- canned replies menu
  function renderCanned() {
    var menu = $("canned-menu");
    var canned = (state.detail && state.detail.canned) || [];
    clear(menu);
    canned.forEach(function (c) {
      var item = el("button", { type: "button", role: "menuitem", tabindex: "-1", className: "menu-item" }, [
        el("span", { className: "menu-title", text: str(c.title) }),
        el("span", { className: "menu-preview", text: previewText(c.text) }),
      ]);
      item.addEventListener("click", function () {
        insertReply(str(c.text));
        closeMenu(false);
      });
      menu.appendChild(item);
    });
    $("canned-button").hidden = !canned.length;
  }

  function openMenu() {
    var menu = $("canned-menu");
    if (!menu.childElementCount) return;
    menu.hidden = false;
    $("canned-button").setAttribute("aria-expanded", "true");
    menu.firstElementChild.focus();
  }

  function closeMenu(returnFocus) {
    $("canned-menu").hidden = true;
    $("canned-button").setAttribute("aria-expanded", "false");
    if (returnFocus) $("canned-button").focus();
  }

  function onMenuKey(event) {
    var items = Array.prototype.slice.call($("canned-menu").querySelectorAll('[role="menuitem"]'));
    var index = items.indexOf(document.activeElement);
    if (event.key === "ArrowDown") {
      event.preventDefault();
      items[(index + 1) % items.length].focus();
    } else if (event.key === "ArrowUp") {
      event.preventDefault();
      items[(index - 1 + items.length) % items.length].focus();
    } else if (event.key === "Home") {
      event.preventDefault();
      items[0].focus();
    } else if (event.key === "End") {
      event.preventDefault();
      items[items.length - 1].focus();
    } else if (event.key === "Escape") {
      event.preventDefault();
      closeMenu(true);
    } else if (event.key === "Tab") {
      closeMenu(false);
    }
  }

  // Put a canned text into the reply box for editing (at the caret when there is a draft).
  function insertReply(text) {
    var box = $("reply-text");
    if (!box.value.trim()) {
      box.value = text;
    } else {
      var start = box.selectionStart;
      var end = box.selectionEnd;
      var before = box.value.slice(0, start);
      var glue = before && !/\s$/.test(before) ? " " : "";
      box.setRangeText(glue + text, start, end, "end");
    }
    box.focus();
    if (!box.value.slice(box.selectionEnd)) box.setSelectionRange(box.value.length, box.value.length);
    saveDraft();
  }

  function saveDraft() {
    if (!state.ticketId) return;
    var value = $("reply-text").value;
    if (value) state.drafts.set(state.ticketId, value);
    else state.drafts.delete(state.ticketId);
  }

  // ---------------------------------------------------------------- ticket actions
  function sendReply(event) {
    if (event) event.preventDefault();
    var id = state.ticketId;
    var box = $("reply-text");
    var text = box.value.trim();
    var errorNode = $("reply-error");
    if (!id || !state.detail) return;
    if (!text) {
      setError(errorNode, "Type a reply first.");
      box.focus();
      return;
    }
    var button = $("reply-send");
    if (button.disabled) return;
    button.disabled = true;
    agentTyping(false);
    setError(errorNode, "");
    api("POST", "/api/console/tickets/" + id + "/reply", { text: text })
      .then(
        function (message) {
          if (id === state.ticketId) {
            if (box.value.trim() === text) box.value = "";
            addMessage(message);
            scrollTranscript(true);
            saveDraft();
            if (state.detail && state.detail.ticket.status === "pending") refreshOpenTicket();
          } else {
            state.drafts.delete(id);
          }
          announce("Reply sent.");
          scheduleQueueRefresh();
        },
        function (err) {
          if (id === state.ticketId) setError(errorNode, err.message);
        }
      )
      .then(function () {
        button.disabled = false;
      });
  }

  function addNoteSubmit(event) {
    event.preventDefault();
    var id = state.ticketId;
    var box = $("note-text");
    var text = box.value.trim();
    var errorNode = $("note-error");
    if (!id) return;
    if (!text) {
      setError(errorNode, "Type a note first.");
      box.focus();
      return;
    }
    var button = $("note-add");
    button.disabled = true;
    setError(errorNode, "");
    api("POST", "/api/console/tickets/" + id + "/notes", { text: text })
      .then(
        function (note) {
          if (id !== state.ticketId) return;
          box.value = "";
          addNote(note);
          announce("Private note added.");
        },
        function (err) {
          if (id === state.ticketId) setError(errorNode, err.message);
        }
      )
      .then(function () {
        button.disabled = false;
      });
  }

  function ticketAction(action, body, button, done) {
    var id = state.ticketId;
    if (!id) return;
    button.disabled = true;
    setError($("ticket-error"), "");
    api("POST", "/api/console/tickets/" + id + "/" + action, body || {})
      .then(
        function (summary) {
          if (summary && summary.id) upsertTicket(summary);
          announce(done);
          if (id === state.ticketId) refreshOpenTicket();
        },
        function (err) {
          if (id === state.ticketId) setError($("ticket-error"), err.message);
        }
      )
      .then(function () {
        button.disabled = false;
      });
  }

  // ---------------------------------------------------------------- live updates
  function setLive(on, text) {
    var node = $("live");
    node.classList.toggle("is-live", on);
    node.classList.toggle("is-down", !on);
    $("live-text").textContent = text || (on ? "Live" : "Reconnecting…");
  }

  function connectSocket() {
    if (!state.me || state.ws) return;
    clearTimeout(state.wsTimer);
    var url = (location.protocol === "https:" ? "wss:" : "ws:") + "//" + location.host + "/ws/console";
    var ws;
    try {
      ws = new WebSocket(url);
    } catch (e) {
      socketDown(null, {});
      return;
    }
    state.ws = ws;
    ws.addEventListener("open", function () {
      if (state.ws !== ws) return;
      state.wsUp = true;
      state.backoff = 0;
      setLive(true);
      stopPolling();
      // Catch up on anything missed while disconnected.
      refreshQueue();
      refreshOpenTicket();
      refreshFraud();
      refreshFraudOrder();
    });
    ws.addEventListener("message", function (event) {
      if (state.ws !== ws) return;
      var data;
      try {
        data = JSON.parse(event.data);
      } catch (e) {
        return;
      }
      handlePush(data);
    });
    ws.addEventListener("close", function (event) {
      socketDown(ws, event);
    });
  }

  function socketDown(ws, event) {
    if (ws && state.ws !== ws) return;
    state.ws = null;
    state.wsUp = false;
    if (!state.me) return;
    setLive(false);
    startPolling();
    // Policy violation / custom 44xx: maybe signed out; the session check signs the console out if so.
    if (event && (event.code === 1008 || (event.code >= 4400 && event.code < 4500))) refreshCsrf();
    var delay = Math.min(30000, 1000 * Math.pow(2, state.backoff));
    delay = Math.round(delay * (0.6 + Math.random() * 0.4));
    state.backoff = Math.min(state.backoff + 1, 6);
    clearTimeout(state.wsTimer);
    state.wsTimer = setTimeout(connectSocket, delay);
  }

  // Tell the shopper an agent is typing (over the socket only; best effort, throttled).
  var typingSent = { ticket: null, on: false, at: 0 };
  var typingIdle = null;
  function agentTyping(on) {
    var ticket = state.ticketId;
    clearTimeout(typingIdle);
    if (on) {
      typingIdle = setTimeout(function () {
        agentTyping(false);
      }, 4000);
    }
    if (!state.detail || state.detail.ticket.status === "resolved") on = false;
    var now = Date.now();
    if (on && typingSent.on && typingSent.ticket === ticket && now - typingSent.at < 3000) return;
    if (!on && !typingSent.on) return;
    var target = on ? ticket : typingSent.ticket;
    if (state.ws && state.wsUp && typeof target === "number") {
      try {
        state.ws.send(JSON.stringify({ type: "typing", ticket_id: target, on: on }));
      } catch (e) {
        /* ignore */
      }
    }
    typingSent = { ticket: target, on: on, at: now };
  }

  function startPolling() {
    if (state.pollTimer) return;
    state.pollTimer = setInterval(function () {
      if (!state.me || state.wsUp) return stopPolling();
      refreshQueue();
      refreshOpenTicket();
      refreshFraud();
      refreshFraudOrder();
    }, POLL_MS);
  }

  function stopPolling() {
    clearInterval(state.pollTimer);
    state.pollTimer = null;
  }

  function handlePush(data) {
    if (!data || typeof data !== "object") return;
    var openId = state.detail && state.ticketId;
    if (data.type === "ticket") {
      upsertTicket(data.ticket);
    } else if (data.type === "message") {
      var m = data.message;
      if (openId && data.ticket_id === openId) addMessage(m);
      var t = state.tickets.find(function (x) {
        return x.id === data.ticket_id;
      });
      if (t && m && (!t.last_message || Number(m.id) >= Number(t.last_message.id))) {
        t.last_message = m;
        renderQueue();
      }
    } else if (data.type === "note") {
      if (openId && data.ticket_id === openId) addNote(data.note);
    } else if (data.type === "typing") {
      if (openId && data.ticket_id === openId) setTyping(!!data.on);
    } else if (data.type === "fraud") {
      fraudPushed(data.order);
    } else if (data.type === "assistant_message") {
      if (state.assistantLoaded) addAssistantMessage(data.message);
    }
  }

  // ---------------------------------------------------------------- fraud review (operators and admins)
  var REVIEWER_ROLES = ["operator", "admin"];

  function isReviewer() {
    return !!(state.me && REVIEWER_ROLES.indexOf(state.me.role) >= 0);
  }

  function pct(score) {
    var n = Number(score);
    if (score === null || score === undefined || score === "" || isNaN(n)) return "not scored";
    return Math.round(n * 100) + "%";
  }

  function scoreBand(score) {
    var n = Number(score);
    if (score === null || score === undefined || isNaN(n)) return "unknown";
    return n >= 0.8 ? "high" : n >= 0.5 ? "medium" : "low";
  }

  function riskPill(score) {
    return el("span", { className: "badge risk-pct risk-" + scoreBand(score) }, [
      el("span", { className: "visually-hidden", text: "Fraud risk " }),
      pct(score),
    ]);
  }

  function orderCustomer(o) {
    return o && o.customer ? str(o.customer) : o && o.customer_id ? "Customer #" + o.customer_id : "Guest";
  }

  function reasonsOf(o) {
    return o && Array.isArray(o.reasons) ? o.reasons.filter(Boolean).map(str) : [];
  }

  function routeFraud(part) {
    if (!state.fraudLoaded) refreshFraud();
    var number = "";
    try {
      number = decodeURIComponent(part || "").trim();
    } catch (e) {
      number = "";
    }
    if (number) {
      if (number !== state.fraudNumber) openFraud(number);
    } else if (state.fraudNumber) {
      closeFraud();
    }
    renderFraudQueue();
  }

  function refreshFraud() {
    if (!isReviewer()) return Promise.resolve();
    var seq = ++state.fraudSeq;
    return api("GET", "/api/console/fraud/queue").then(
      function (data) {
        if (seq !== state.fraudSeq || !isReviewer()) return;
        setError($("fraud-queue-error"), "");
        state.fraudOrders = data && Array.isArray(data.orders) ? data.orders : [];
        state.fraudLoaded = true;
        state.fraudFailed = false;
        renderFraudQueue();
      },
      function (err) {
        if (seq !== state.fraudSeq || !state.me) return;
        state.fraudFailed = true;
        setError($("fraud-queue-error"), err.message);
        $("fraud-list").setAttribute("aria-busy", "false");
      }
    );
  }

  function scheduleFraudRefresh() {
    clearTimeout(state.fraudRefreshTimer);
    state.fraudRefreshTimer = setTimeout(refreshFraud, 400);
  }

  function renderHeldCount() {
    var n = state.fraudLoaded ? state.fraudOrders.length : null;
    $("fraud-count").textContent = n === null ? "–" : String(n);
    $("fraud-count").classList.toggle("has-items", !!n);
    var pill = $("nav-held");
    if (n) {
      pill.textContent = String(n);
      pill.setAttribute("aria-label", n + " held");
    }
    pill.hidden = !n;
  }

  function sortHeld(list) {
    return list.slice().sort(function (a, b) {
      var sa = typeof a.score === "number" ? a.score : -1;
      var sb = typeof b.score === "number" ? b.score : -1;
      if (sa !== sb) return sb - sa;
      return (parseDate(a.placed_at) || 0) - (parseDate(b.placed_at) || 0) || str(a.number).localeCompare(str(b.number));
    });
  }

  function renderFraudQueue() {
    var list = $("fraud-list");
    var active = document.activeElement;
    var focused = active && list.contains(active) && active.dataset ? active.dataset.order : null;
    clear(list);
    list.setAttribute("aria-busy", state.fraudLoaded || state.fraudFailed ? "false" : "true");
    var orders = sortHeld(state.fraudOrders);
    orders.forEach(function (o) {
      list.appendChild(fraudItem(o));
    });
    $("fraud-empty").hidden = !state.fraudLoaded || !!orders.length || state.fraudFailed;
    renderHeldCount();
    if (focused) {
      var again = list.querySelector('[data-order="' + CSS.escape(focused) + '"]');
      if (again) again.focus();
    }
  }

  function fraudItem(o) {
    var number = str(o.number);
    var selected = number === state.fraudNumber;
    var reasons = reasonsOf(o);
    var band = scoreBand(o.score);
    var link = el(
      "a",
      { className: "ticket-link fraud-link", href: "#/fraud/" + encodeURIComponent(number), "data-order": number, "aria-current": selected ? "true" : null },
      [
        el("span", { className: "row row-top" }, [
          el("span", { className: "cust" }, [el("span", { className: "order-num", text: "#" + number }), " · " + orderCustomer(o)]),
          riskPill(o.score),
        ]),
        el("span", { className: "row row-mid" }, [
          el("span", { className: "order-total", text: fmtMoney(o.total, o.currency) }),
          el("span", { className: "wait", title: fmtFull(o.placed_at) }, [
            el("span", { className: "visually-hidden", text: "Placed " }),
            fmtTime(o.placed_at),
          ]),
        ]),
        el("span", { className: "preview" }, [
          el("span", { className: "visually-hidden", text: "Reasons: " }),
          reasons.length ? reasons.slice(0, 2).join("; ") : "No single factor stands out",
        ]),
      ]
    );
    return el("li", { className: "ticket-item fraud-item" + (band === "high" ? " is-high" : "") + (selected ? " is-selected" : "") }, link);
  }

  function closeFraud() {
    state.fraudNumber = null;
    state.fraudDetail = null;
    state.fraudDetailSeq += 1;
    $("fraud-body").hidden = true;
    $("fraud-placeholder").hidden = false;
    $("fraud-view").setAttribute("data-has-order", "false");
    $("fraud-reason").value = "";
    clear($("fraud-reasons"));
    clear($("fraud-facts"));
  }

  function openFraud(number) {
    closeFraud();
    state.fraudNumber = number;
    $("fraud-view").setAttribute("data-has-order", "true");
    $("fraud-placeholder").hidden = true;
    $("fraud-body").hidden = false;
    $("fraud-title").textContent = "Order #" + number;
    $("fraud-meta").textContent = "Loading…";
    $("fraud-text").textContent = "";
    $("fraud-outcome").hidden = true;
    $("fraud-form").hidden = true;
    setError($("fraud-error"), "");
    setError($("fraud-form-error"), "");
    return loadFraudOrder(number, true);
  }

  function loadFraudOrder(number, fresh) {
    var seq = ++state.fraudDetailSeq;
    return api("GET", "/api/console/fraud/orders/" + encodeURIComponent(number)).then(
      function (info) {
        if (number !== state.fraudNumber || seq !== state.fraudDetailSeq) return;
        setError($("fraud-error"), "");
        renderFraudDetail(info);
      },
      function (err) {
        if (number !== state.fraudNumber || seq !== state.fraudDetailSeq) return;
        if (fresh) $("fraud-meta").textContent = "";
        if (fresh || err.status === 404) setError($("fraud-error"), err.status === 404 ? "There is no order #" + number + "." : err.message);
      }
    );
  }

  function refreshFraudOrder() {
    if (isReviewer() && state.fraudNumber && state.fraudDetail) return loadFraudOrder(state.fraudNumber, false);
    return Promise.resolve();
  }

  function reviewSentence(review) {
    var verb = review.decision === "reject" ? "Rejected" : "Approved";
    return (
      verb +
      (review.staff ? " by " + str(review.staff) : "") +
      (review.at ? " · " + fmtFull(review.at) : "") +
      (review.reason ? ": “" + str(review.reason) + "”" : "")
    );
  }

  function renderFraudDetail(info) {
    if (!info || !info.number) return;
    state.fraudDetail = info;
    var number = str(info.number);
    $("fraud-title").textContent = "Order #" + number + " · " + orderCustomer(info);
    var meta = $("fraud-meta");
    clear(meta);
    appendAll(meta, [
      riskPill(info.score),
      info.held ? el("span", { className: "badge status-pending", text: "Held" }) : null,
      el("span", { className: "badge order-status status-" + str(info.status), text: humanize(info.status) }),
      el("span", { className: "meta-item", text: fmtMoney(info.total, info.currency) }),
      el("span", { className: "meta-item", title: fmtFull(info.placed_at), text: "Placed " + fmtTime(info.placed_at) }),
    ]);
    $("fraud-text").textContent = str(info.text);
    var reasons = reasonsOf(info);
    var list = $("fraud-reasons");
    clear(list);
    if (!reasons.length) list.appendChild(el("li", { className: "muted", text: "No single factor stands out." }));
    reasons.forEach(function (r) {
      list.appendChild(el("li", { text: r }));
    });
    var facts = $("fraud-facts");
    clear(facts);
    dlRow(facts, "Customer", info.customer_id ? orderCustomer(info) + " (#" + info.customer_id + ")" : orderCustomer(info));
    dlRow(facts, "Fraud risk", pct(info.score));
    if (typeof info.threshold === "number") {
      var t = info.threshold * 100;
      dlRow(facts, "Held at", (t > 0 && t < 10 ? String(Math.round(t * 10) / 10) : String(Math.round(t))) + "% or more");
    }
    dlRow(facts, "Placed", fmtFull(info.placed_at));
    var outcome = $("fraud-outcome");
    var review = info.review && typeof info.review === "object" ? info.review : null;
    $("fraud-form").hidden = !info.held;
    if (info.held) {
      outcome.hidden = true;
    } else {
      outcome.className = "fraud-outcome " + (review && review.decision === "reject" ? "is-rejected" : "is-approved");
      outcome.textContent = review ? reviewSentence(review) + "." : "This order is not held for review.";
      outcome.hidden = false;
    }
  }

  // A decision made anywhere (this console or another): the queue, the open order, the customer panel.
  function fraudPushed(order) {
    if (!state.me || !order || typeof order !== "object" || !order.number) return;
    var number = str(order.number);
    if (isReviewer()) {
      var index = state.fraudOrders.findIndex(function (x) {
        return str(x.number) === number;
      });
      if (order.held) {
        if (index >= 0) state.fraudOrders[index] = order;
        else state.fraudOrders.push(order);
      } else if (index >= 0) {
        state.fraudOrders.splice(index, 1);
      }
      renderFraudQueue();
      scheduleFraudRefresh();
      if (state.fraudNumber === number && state.fraudDetail) {
        var wasHeld = state.fraudDetail.held;
        if (typeof order.text === "string") renderFraudDetail(order);
        else refreshFraudOrder();
        if (wasHeld && !order.held && state.fraudDeciding !== number && order.review) {
          announce("Order #" + number + " was just " + (order.review.decision === "reject" ? "rejected" : "approved") +
            (order.review.staff ? " by " + str(order.review.staff) : "") + ".");
        }
      }
    }
    var ticketCustomer = state.detail && state.detail.ticket && state.detail.ticket.customer;
    if (ticketCustomer && order.customer_id !== null && ticketCustomer.id === order.customer_id) refreshOpenTicket();
  }

  function decide(decision) {
    var number = state.fraudNumber;
    if (!number || state.fraudDeciding) return;
    var reason = $("fraud-reason").value;
    setError($("fraud-form-error"), "");
    // An empty reason is always refused by the server (politely): no need to confirm a reject first.
    if (decision === "reject" && reason.trim()) {
      confirmReject(number, function () {
        sendDecision(number, "reject", reason);
      });
      return;
    }
    sendDecision(number, decision, reason);
  }

  function confirmReject(number, onConfirm) {
    var info = state.fraudDetail || {};
    var money = fmtMoney(info.total, info.currency);
    var text =
      "Rejecting order #" + number + " cancels it" + (money ? " and refunds what " + orderCustomer(info) + " paid (up to " + money + ")" : "") +
      ". This can't be undone.";
    var dialog = $("reject-dialog");
    if (typeof dialog.showModal !== "function") {
      if (window.confirm(text)) onConfirm();
      return;
    }
    $("reject-title").textContent = "Reject order #" + number + "?";
    $("reject-text").textContent = text;
    dialog.returnValue = "";
    dialog.addEventListener(
      "close",
      function () {
        if (dialog.returnValue === "reject" && state.fraudNumber === number) onConfirm();
        else $("fraud-reject").focus();
      },
      { once: true }
    );
    dialog.showModal();
    $("reject-cancel").focus();
  }

  function sendDecision(number, decision, reason) {
    var approve = $("fraud-approve");
    var reject = $("fraud-reject");
    var box = $("fraud-reason");
    var errorNode = $("fraud-form-error");
    state.fraudDeciding = number;
    approve.disabled = true;
    reject.disabled = true;
    setError(errorNode, "");
    api("POST", "/api/console/fraud/orders/" + encodeURIComponent(number) + "/review", { decision: decision, reason: reason })
      .then(
        function (info) {
          fraudPushed(info); // the queue now; other consoles get the same from the server's push
          if (number !== state.fraudNumber) return;
          box.value = "";
          renderFraudDetail(info);
          announce("Order #" + number + (decision === "reject" ? " rejected: cancelled and refunded." : " approved: released for packing."));
          $("fraud-outcome").focus();
        },
        function (err) {
          if (number !== state.fraudNumber) return;
          setError(errorNode, err.message);
          box.focus();
        }
      )
      .then(function () {
        state.fraudDeciding = null;
        approve.disabled = false;
        reject.disabled = false;
      });
  }

  // ---------------------------------------------------------------- assistant chat
  function assistantLabel(m) {
    if (m.sender === "bot") return "Assistant";
    if (m.sender === "system") return "System";
    return "You";
  }

  function addAssistantMessage(m) {
    if (!m || m.id === undefined || m.id === null) return;
    var log = $("assistant-log");
    var existing = log.querySelector('[data-id="' + CSS.escape(String(m.id)) + '"]');
    var node = messageNode(m, {
      label: assistantLabel,
      mine: m.sender !== "bot" && m.sender !== "system",
      clickable: m.sender === "bot",
      onPick: function (button, list) {
        list.querySelectorAll("button").forEach(function (b) {
          b.disabled = true;
        });
        var chosen = Array.prototype.find.call(list.querySelectorAll("button"), function (b) {
          return b.textContent === button.title;
        });
        if (chosen) chosen.classList.add("chosen");
        sendAssistant(str(button.payload || button.title));
      },
    });
    if (existing) {
      log.replaceChild(node, existing);
      return;
    }
    state.assistantIds.add(m.id);
    var stick = nearBottom(log);
    log.appendChild(node);
    if (stick || m.sender !== "bot") log.scrollTop = log.scrollHeight;
  }

  function loadAssistant() {
    if (state.assistantLoaded) {
      $("assistant-text").focus();
      return;
    }
    state.assistantLoaded = true;
    var log = $("assistant-log");
    clear(log);
    log.appendChild(el("p", { className: "muted center", text: "Loading…" }));
    api("GET", "/api/console/assistant/history").then(
      function (data) {
        clear(log);
        var messages = data && Array.isArray(data.messages) ? data.messages : [];
        if (!messages.length) {
          log.appendChild(el("p", { className: "muted center intro", text: "Ask anything a shopper could ask, for example “where is order 581474?”." }));
        }
        messages.forEach(addAssistantMessage);
        log.scrollTop = log.scrollHeight;
        $("assistant-text").focus();
      },
      function (err) {
        state.assistantLoaded = false;
        clear(log);
        log.appendChild(el("p", { className: "inline-error", text: err.message }));
      }
    );
  }

  function sendAssistant(text) {
    var errorNode = $("assistant-error");
    var button = $("assistant-send");
    setError(errorNode, "");
    button.disabled = true;
    var log = $("assistant-log");
    var intro = log.querySelector(".intro");
    if (intro) intro.remove();
    var thinking = el("p", { className: "typing-bubble", "aria-label": "The assistant is typing" }, [el("span"), el("span"), el("span")]);
    log.appendChild(thinking);
    log.scrollTop = log.scrollHeight;
    return api("POST", "/api/console/assistant", { message: text })
      .then(
        function (data) {
          if (data && data.sent) addAssistantMessage(data.sent);
          if (data && data.pending) {
            // The answer comes over the console socket when the slow work is done.
            var note = el("p", { className: "pending-note" }, [str(data.messages && data.messages[0] && data.messages[0].text)]);
            log.appendChild(note);
            return true;
          }
          (data && Array.isArray(data.messages) ? data.messages : []).forEach(addAssistantMessage);
          return true;
        },
        function (err) {
          setError(errorNode, err.message);
          return false;
        }
      )
      .then(function (ok) {
        thinking.remove();
        button.disabled = false;
        return ok;
      });
  }

  function onAssistantSubmit(event) {
    event.preventDefault();
    var box = $("assistant-text");
    var text = box.value.trim();
    if (!text || $("assistant-send").disabled) return;
    sendAssistant(text).then(function (ok) {
      if (ok && box.value.trim() === text) box.value = "";
      box.focus();
    });
  }

  // ---------------------------------------------------------------- wiring
  function enterSends(textarea, submit) {
    textarea.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing && !event.altKey && !event.ctrlKey && !event.metaKey) {
        event.preventDefault();
        submit();
      }
    });
  }

  function bindStatic() {
    $("login-form").addEventListener("submit", onLogin);
    $("logout").addEventListener("click", logout);
    window.addEventListener("hashchange", route);

    // Status tabs: click, arrow keys (roving tabindex).
    STATUSES.forEach(function (s, i) {
      var tab = $("tab-" + s);
      tab.addEventListener("click", function () {
        if (state.status !== s) setStatusTab(s, false);
      });
      tab.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = STATUSES[(i + 1) % STATUSES.length];
        else if (event.key === "ArrowLeft") next = STATUSES[(i - 1 + STATUSES.length) % STATUSES.length];
        else if (event.key === "Home") next = STATUSES[0];
        else if (event.key === "End") next = STATUSES[STATUSES.length - 1];
        if (next) {
          event.preventDefault();
          setStatusTab(next, true);
        }
      });
    });

    // Search: as you type (debounced) and on Enter.
    var searchTimer = null;
    var search = $("search");
    function runSearch() {
      clearTimeout(searchTimer);
      var q = search.value.trim();
      if (q === state.q) return;
      state.q = q;
      refreshQueue();
    }
    search.addEventListener("input", function () {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(runSearch, 300);
    });
    $("search-form").addEventListener("submit", function (event) {
      event.preventDefault();
      runSearch();
    });

    // Queue: arrow keys move between tickets.
    $("queue-list").addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      var links = Array.prototype.slice.call($("queue-list").querySelectorAll(".ticket-link"));
      var index = links.indexOf(document.activeElement);
      if (index < 0) return;
      event.preventDefault();
      var next = links[event.key === "ArrowDown" ? Math.min(index + 1, links.length - 1) : Math.max(index - 1, 0)];
      next.focus();
    });

    $("back-to-queue").addEventListener("click", function () {
      var id = state.ticketId;
      location.hash = "#/inbox";
      var link = id && $("queue-list").querySelector('[data-ticket-id="' + id + '"]');
      if (link) link.focus();
    });

    // Keep the transcript pinned to the newest line across layout changes while the agent is at the bottom.
    $("transcript").addEventListener("scroll", function () {
      state.stick = nearBottom($("transcript"));
    });
    window.addEventListener("resize", function () {
      if (state.stick !== false) scrollTranscript(true);
    });

    $("reply-form").addEventListener("submit", sendReply);
    enterSends($("reply-text"), sendReply);
    $("reply-text").addEventListener("input", function () {
      saveDraft();
      setError($("reply-error"), "");
      agentTyping($("reply-text").value.trim() !== "");
    });
    $("reply-text").addEventListener("blur", function () {
      agentTyping(false);
    });
    $("note-form").addEventListener("submit", addNoteSubmit);

    $("claim").addEventListener("click", function () {
      ticketAction("claim", {}, $("claim"), "Ticket claimed.");
    });
    $("assign").addEventListener("click", function () {
      var value = $("assign-select").value;
      if (!value) {
        setError($("ticket-error"), "Choose who to assign the ticket to.");
        $("assign-select").focus();
        return;
      }
      var who = $("assign-select").selectedOptions[0].textContent;
      ticketAction("assign", { staff_id: parseInt(value, 10) }, $("assign"), "Ticket assigned to " + who + ".");
    });
    $("resolve").addEventListener("click", function () {
      ticketAction("resolve", {}, $("resolve"), "Ticket resolved.");
    });

    $("canned-button").addEventListener("click", function () {
      if ($("canned-menu").hidden) openMenu();
      else closeMenu(true);
    });
    $("canned-button").addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        openMenu();
      }
    });
    $("canned-menu").addEventListener("keydown", onMenuKey);
    document.addEventListener("click", function (event) {
      if ($("canned-menu").hidden) return;
      if (!event.target.closest || !event.target.closest(".canned")) closeMenu(false);
    });

    $("assistant-form").addEventListener("submit", onAssistantSubmit);
    enterSends($("assistant-text"), function () {
      onAssistantSubmit({ preventDefault: function () {} });
    });

    // Fraud review: arrow keys move between held orders; approve / reject (reject asks first).
    $("fraud-list").addEventListener("keydown", function (event) {
      if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
      var links = Array.prototype.slice.call($("fraud-list").querySelectorAll(".fraud-link"));
      var index = links.indexOf(document.activeElement);
      if (index < 0) return;
      event.preventDefault();
      links[event.key === "ArrowDown" ? Math.min(index + 1, links.length - 1) : Math.max(index - 1, 0)].focus();
    });
    $("fraud-form").addEventListener("submit", function (event) {
      event.preventDefault();
    });
    $("fraud-approve").addEventListener("click", function () {
      decide("approve");
    });
    $("fraud-reject").addEventListener("click", function () {
      decide("reject");
    });
    $("fraud-reason").addEventListener("input", function () {
      setError($("fraud-form-error"), "");
    });
    $("back-to-fraud").addEventListener("click", function () {
      var number = state.fraudNumber;
      location.hash = "#/fraud";
      var link = number && $("fraud-list").querySelector('[data-order="' + CSS.escape(number) + '"]');
      if (link) link.focus();
    });

    // Escape in the ticket (or held order) goes back to the list in the narrow (one column) layout.
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape" || !window.matchMedia("(max-width: 900px)").matches) return;
      if (state.view === "fraud") {
        if (state.fraudNumber && !$("reject-dialog").open) $("back-to-fraud").click();
      } else if (state.view === "inbox" && state.ticketId && $("canned-menu").hidden) {
        $("back-to-queue").click();
      }
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", boot);
  else boot();
})();
