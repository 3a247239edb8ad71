// Shopdesk markdown-lite renderer, shared by the shopper widget and the staff console.
//
//   window.ShopdeskMarkdown.render(text) -> DocumentFragment
//   window.ShopdeskMarkdown.safeUrl(value, allowMailto?) -> absolute href string or null
//
// Supports (bot/API.md): **bold**, *italic*, `code`, [label](url), bare http(s):// links, lines starting
// with "- " (a list) and newlines (<br>). Everything is built with DOM nodes and textContent: the input is
// never parsed as HTML, so "<img src=x onerror=alert(1)>" shows as literal text. Links are kept only for
// http:, https: and mailto: (anything else stays text) and open in a new tab with rel="noopener noreferrer".
"use strict";

(function (root) {
  var LINK_PROTOCOLS = { "http:": true, "https:": true, "mailto:": true };

  // One alternation, tried left to right at each position:
  //  1 code `x`   2,3 link [label](url)   4 bold **x**   5 italic *x*   6 bare http(s) URL
  var TOKEN = new RegExp(
    [
      "`([^`\\n]+)`",
      "\\[([^\\]\\n]+)\\]\\(\\s*([^\\s()]+(?:\\([^\\s()]*\\)[^\\s()]*)*)\\s*\\)",
      "\\*\\*(?![\\s*])([^\\n]*?[^\\s])\\*\\*",
      "\\*(?![\\s*])([^*\\n]*?[^\\s*])\\*",
      "(https?:\\/\\/[^\\s<>\"]+)",
    ].join("|"),
    "g"
  );

  function safeUrl(value, allowMailto) {
    if (typeof value !== "string" || !value) return null;
    var url;
    try {
      url = new URL(value.trim());
    } catch (e) {
      return null; // relative or malformed: not a link
    }
    if (!LINK_PROTOCOLS[url.protocol]) return null;
    if (url.protocol === "mailto:" && allowMailto === false) return null;
    return url.href;
  }

  function link(href, label) {
    var a = document.createElement("a");
    a.href = href;
    a.target = "_blank";
    a.rel = "noopener noreferrer";
    if (typeof label === "string") a.textContent = label;
    return a;
  }

  // Trailing punctuation after a bare URL belongs to the sentence ("see https://x.test/a.").
  function trimUrl(raw) {
    var url = raw.replace(/[.,;:!?'"]+$/, "");
    while (url.endsWith(")")) {
      var open = (url.match(/\(/g) || []).length;
      var close = (url.match(/\)/g) || []).length;
      if (close <= open) break;
      url = url.slice(0, -1).replace(/[.,;:!?'"]+$/, "");
    }
    return url;
  }

  function text(parent, value) {
    if (value) parent.appendChild(document.createTextNode(value));
  }

  // Appends the inline content of one line to parent. inLink: no links inside a link label.
  function inline(parent, source, inLink) {
    var re = new RegExp(TOKEN.source, "g");
    var last = 0;
    var m;
    while ((m = re.exec(source)) !== null) {
      var start = m.index;
      var whole = m[0];
      if (m[1] !== undefined) {
        text(parent, source.slice(last, start));
        var code = document.createElement("code");
        code.textContent = m[1];
        parent.appendChild(code);
      } else if (m[2] !== undefined) {
        var href = inLink ? null : safeUrl(m[3]);
        text(parent, source.slice(last, start));
        if (href) {
          var a = link(href);
          inline(a, m[2], true);
          parent.appendChild(a);
        } else {
          // Not an allowed link: keep the label's formatting, show the rest as typed.
          text(parent, "[");
          inline(parent, m[2], inLink);
          text(parent, "](" + m[3] + ")");
        }
      } else if (m[4] !== undefined) {
        text(parent, source.slice(last, start));
        var strong = document.createElement("strong");
        inline(strong, m[4], inLink);
        parent.appendChild(strong);
      } else if (m[5] !== undefined) {
        // "a*b*c" inside words is fine; but not when the star is glued to a letter on the left and
        // space on the right, which the regex already excludes.
        text(parent, source.slice(last, start));
        var em = document.createElement("em");
        inline(em, m[5], inLink);
        parent.appendChild(em);
      } else if (m[6] !== undefined) {
        var raw = trimUrl(m[6]);
        var bare = inLink ? null : safeUrl(raw);
        text(parent, source.slice(last, start));
        if (bare) {
          parent.appendChild(link(bare, raw));
        } else {
          text(parent, raw);
        }
        // Whatever was trimmed (punctuation) is ordinary text again.
        re.lastIndex = start + raw.length;
        last = re.lastIndex;
        continue;
      }
      last = start + whole.length;
    }
    text(parent, source.slice(last));
  }

  var LIST_ITEM = /^\s*[-•]\s+(.*)$/;

  function render(value) {
    var fragment = document.createDocumentFragment();
    if (value === null || value === undefined) return fragment;
    var source = String(value).replace(/\r\n?/g, "\n");
    var lines = source.split("\n");
    var list = null;
    var needBreak = false; // a <br> is owed before the next line of ordinary text
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      var item = LIST_ITEM.exec(line);
      if (item) {
        if (!list) {
          list = document.createElement("ul");
          fragment.appendChild(list);
        }
        var li = document.createElement("li");
        inline(li, item[1], false);
        list.appendChild(li);
        needBreak = false;
        continue;
      }
      if (list) {
        list = null;
        if (!line.trim()) continue; // the blank line that ends a list is the list's own margin
      } else if (needBreak) {
        fragment.appendChild(document.createElement("br"));
      }
      inline(fragment, line, false);
      needBreak = true;
    }
    return fragment;
  }

  var api = Object.freeze({ render: render, safeUrl: safeUrl });
  if (root) root.ShopdeskMarkdown = api;
  if (typeof module === "object" && module && module.exports) module.exports = api;
})(typeof window !== "undefined" ? window : null);
