// Shopdesk widget loader, served at GET /widget.js. A shop pastes one tag:
//
//   <script src="https://desk.example/widget.js" async
//           data-title="Acme help" data-position="right" data-accent="#2f6f5e"></script>
//
// It adds a launcher button and an iframe (<origin>/widget) to the page and exposes
// window.Shopdesk = {open(), close(), refresh()}. Everything is styled through element.style (CSSOM,
// allowed under a strict style-src CSP) with !important so the host page's own CSS cannot bend it.
"use strict";

(function () {
  if (window.Shopdesk && window.Shopdesk.version) return; // pasted twice: one widget is enough

  var FRAME_ID = "shopdesk-chat-frame";
  var MOBILE = "(max-width: 599.98px)";
  var Z = "2147483000";
  var isOpen = false;
  var unread = 0;

  function ownScript() {
    var current = document.currentScript;
    if (current && current.src) return current;
    var scripts = document.getElementsByTagName("script");
    for (var i = scripts.length - 1; i >= 0; i--) {
      var src = scripts[i].getAttribute("src") || "";
      if (/\/widget\.js(?:[?#].*)?$/.test(src)) return scripts[i];
    }
    return null;
  }

  var script = ownScript();
  var base;
  try {
    base = new URL(script ? script.src : "/widget.js", window.location.href);
  } catch (e) {
    return;
  }
  var ORIGIN = base.origin;
  var title = ((script && script.getAttribute("data-title")) || "").trim().slice(0, 60);
  var position = script && script.getAttribute("data-position") === "left" ? "left" : "right";
  var accentAttr = ((script && script.getAttribute("data-accent")) || "").trim();
  var accent = /^#(?:[0-9a-f]{3}|[0-9a-f]{6})$/i.test(accentAttr) ? accentAttr : "#2f6f5e";

  // Black or white, whichever reads better on the accent colour.
  function onAccent(hex) {
    var h = hex.slice(1);
    if (h.length === 3) h = h[0] + h[0] + h[1] + h[1] + h[2] + h[2];
    var rgb = [0, 2, 4].map(function (i) {
      var c = parseInt(h.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    });
    var lum = 0.2126 * rgb[0] + 0.7152 * rgb[1] + 0.0722 * rgb[2];
    return (lum + 0.05) / 0.05 > 1.05 / (lum + 0.05) ? "#111827" : "#ffffff";
  }

  // What a host page's CSS could have changed on every iframe or button.
  var RESET = {
    opacity: "1",
    visibility: "visible",
    filter: "none",
    "clip-path": "none",
    "pointer-events": "auto",
    float: "none",
    "text-shadow": "none",
    "letter-spacing": "normal",
    "text-transform": "none",
  };

  function css(el, props) {
    Object.keys(RESET).forEach(function (name) {
      if (!(name in props)) el.style.setProperty(name, RESET[name], "important");
    });
    Object.keys(props).forEach(function (name) {
      el.style.setProperty(name, props[name], "important");
    });
  }

  var SVG = "http://www.w3.org/2000/svg";
  function icon(paths) {
    var svg = document.createElementNS(SVG, "svg");
    svg.setAttribute("viewBox", "0 0 24 24");
    svg.setAttribute("width", "26");
    svg.setAttribute("height", "26");
    svg.setAttribute("aria-hidden", "true");
    svg.setAttribute("focusable", "false");
    paths.forEach(function (d) {
      var p = document.createElementNS(SVG, "path");
      p.setAttribute("d", d);
      p.setAttribute("fill", "none");
      p.setAttribute("stroke", "currentColor");
      p.setAttribute("stroke-width", "2");
      p.setAttribute("stroke-linecap", "round");
      p.setAttribute("stroke-linejoin", "round");
      svg.appendChild(p);
    });
    css(svg, { display: "block", "pointer-events": "none" });
    return svg;
  }

  var chatIcon = icon(["M21 12a8 8 0 0 1-11.6 7.1L4 20.5l1.4-4.9A8 8 0 1 1 21 12z", "M8.5 12h.01M12 12h.01M15.5 12h.01"]);
  var closeIcon = icon(["M6 6l12 12M18 6L6 18"]);

  var launcher = document.createElement("button");
  launcher.type = "button";
  launcher.setAttribute("aria-label", "Open chat");
  launcher.setAttribute("aria-expanded", "false");
  launcher.setAttribute("aria-controls", FRAME_ID);
  launcher.setAttribute("data-shopdesk", "launcher");
  launcher.appendChild(chatIcon);
  launcher.appendChild(closeIcon);

  var badge = document.createElement("span");
  badge.setAttribute("aria-hidden", "true");
  launcher.appendChild(badge);

  var frame = document.createElement("iframe");
  frame.id = FRAME_ID;
  frame.title = "Shop assistant chat";
  frame.setAttribute("data-shopdesk", "frame");
  var hash = "parent=" + encodeURIComponent(window.location.origin) + "&accent=" + encodeURIComponent(accent);
  if (title) hash += "&title=" + encodeURIComponent(title);
  frame.src = ORIGIN + "/widget#" + hash;
  frame.hidden = true;

  var side = position === "left" ? "left" : "right";
  var other = side === "left" ? "right" : "left";
  var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;

  var launcherBase = {
    position: "fixed",
    bottom: "20px",
    width: "56px",
    height: "56px",
    margin: "0",
    padding: "0",
    border: "0",
    "border-radius": "50%",
    background: accent,
    color: onAccent(accent),
    "box-shadow": "0 6px 20px rgba(0,0,0,.22), 0 2px 6px rgba(0,0,0,.12)",
    cursor: "pointer",
    display: "flex",
    "align-items": "center",
    "justify-content": "center",
    "z-index": Z,
    "min-width": "0",
    "min-height": "0",
    "max-width": "none",
    transform: "none",
    "font-size": "0",
    "line-height": "0",
    outline: "none",
    "box-sizing": "border-box",
    transition: reduceMotion ? "none" : "transform .15s ease, box-shadow .15s ease",
  };
  launcherBase[side] = "20px";
  launcherBase[other] = "auto";
  launcherBase.top = "auto";
  css(launcher, launcherBase);

  css(badge, {
    position: "absolute",
    top: "-4px",
    right: side === "right" ? "-4px" : "auto",
    left: side === "left" ? "-4px" : "auto",
    "min-width": "20px",
    height: "20px",
    padding: "0 5px",
    "border-radius": "10px",
    background: "#d92d20",
    color: "#ffffff",
    border: "2px solid #ffffff",
    font: "700 11px/16px system-ui, -apple-system, 'Segoe UI', Roboto, sans-serif",
    "text-align": "center",
    "box-sizing": "border-box",
    display: "none",
  });

  function styleFrame() {
    var mobile = window.matchMedia && window.matchMedia(MOBILE).matches;
    var s = {
      position: "fixed",
      border: "0",
      margin: "0",
      padding: "0",
      background: "#ffffff",
      "z-index": String(Number(Z) + 1),
      "max-width": "none",
      "max-height": "none",
      "color-scheme": "light",
      display: frame.hidden ? "none" : "block",
      "box-sizing": "border-box",
      transform: "none",
      transition: "none",
      outline: "none",
    };
    if (mobile) {
      s.top = "0";
      s.left = "0";
      s.right = "0";
      s.bottom = "0";
      s.width = "100%";
      s.height = "100%";
      s["border-radius"] = "0";
      s["box-shadow"] = "none";
    } else {
      s.top = "auto";
      s.bottom = "88px";
      s[side] = "20px";
      s[other] = "auto";
      s.width = "380px";
      s.height = "min(640px, calc(100vh - 112px))";
      s["border-radius"] = "16px";
      s["box-shadow"] = "0 12px 48px rgba(0,0,0,.18), 0 2px 8px rgba(0,0,0,.08)";
    }
    css(frame, s);
    // On a phone the chat covers the page; its own close button replaces the launcher.
    launcher.style.setProperty("display", mobile && isOpen ? "none" : "flex", "important");
  }

  function showIcons() {
    chatIcon.style.setProperty("display", isOpen ? "none" : "block", "important");
    closeIcon.style.setProperty("display", isOpen ? "block" : "none", "important");
  }

  function showBadge() {
    var show = unread > 0 && !isOpen;
    badge.textContent = unread > 9 ? "9+" : String(unread);
    badge.style.setProperty("display", show ? "block" : "none", "important");
    launcher.setAttribute(
      "aria-label",
      show ? "Open chat (" + unread + " unread message" + (unread === 1 ? "" : "s") + ")" : "Open chat"
    );
  }

  function post(message) {
    if (frame.contentWindow) frame.contentWindow.postMessage(message, ORIGIN);
  }

  function open() {
    if (isOpen) return;
    isOpen = true;
    frame.hidden = false;
    launcher.setAttribute("aria-expanded", "true");
    unread = 0;
    styleFrame();
    showIcons();
    showBadge();
    post({ type: "shopdesk:visibility", open: true });
    try {
      frame.focus();
    } catch (e) {
      /* focus moves once the frame answers */
    }
  }

  function close() {
    if (!isOpen) return;
    isOpen = false;
    frame.hidden = true;
    launcher.setAttribute("aria-expanded", "false");
    styleFrame();
    showIcons();
    showBadge();
    post({ type: "shopdesk:visibility", open: false });
    launcher.focus();
  }

  function refresh() {
    post({ type: "shopdesk:refresh" });
  }

  launcher.addEventListener("click", function () {
    if (isOpen) close();
    else open();
  });
  launcher.addEventListener("mouseenter", function () {
    if (!reduceMotion) launcher.style.setProperty("transform", "scale(1.06)", "important");
  });
  launcher.addEventListener("mouseleave", function () {
    launcher.style.setProperty("transform", "none", "important");
  });
  // A visible focus ring that the host page's CSS cannot remove (only for keyboard focus).
  launcher.addEventListener("focus", function () {
    var keyboard = true;
    try {
      keyboard = launcher.matches(":focus-visible");
    } catch (e) {
      keyboard = true;
    }
    if (keyboard) launcher.style.setProperty("box-shadow", "0 0 0 3px #ffffff, 0 0 0 6px " + accent, "important");
  });
  launcher.addEventListener("blur", function () {
    launcher.style.setProperty("box-shadow", launcherBase["box-shadow"], "important");
  });

  document.addEventListener("keydown", function (event) {
    if (isOpen && (event.key === "Escape" || event.key === "Esc")) {
      event.preventDefault();
      close();
    }
  });

  window.addEventListener("message", function (event) {
    if (event.origin !== ORIGIN || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || typeof data !== "object" || typeof data.type !== "string") return;
    if (data.type === "shopdesk:close") {
      close();
    } else if (data.type === "shopdesk:unread") {
      var count = Math.floor(Number(data.count));
      unread = isFinite(count) && count > 0 ? Math.min(count, 999) : 0;
      showBadge();
    } else if (data.type === "shopdesk:ready") {
      post({ type: "shopdesk:visibility", open: isOpen });
    }
  });

  if (window.matchMedia) {
    var mq = window.matchMedia(MOBILE);
    if (mq.addEventListener) mq.addEventListener("change", styleFrame);
    else if (mq.addListener) mq.addListener(styleFrame);
  }

  function mount() {
    styleFrame();
    showIcons();
    showBadge();
    document.body.appendChild(frame);
    document.body.appendChild(launcher);
  }

  window.Shopdesk = Object.freeze({ open: open, close: close, refresh: refresh, version: "1" });
  if (document.body) mount();
  else document.addEventListener("DOMContentLoaded", mount);
})();
