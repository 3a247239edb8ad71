// Runs bot/static/app.js against a tiny fake DOM and a fake fetch; prints what the chat log shows as JSON.
// Used by test_bot_page_js.py (skipped when node is not installed).
"use strict";
const fs = require("fs");
const vm = require("vm");

class El {
  constructor(tag, id) {
    this.tagName = tag; this.id = id || ""; this.children = []; this.parent = null; this.listeners = {};
    this.className = ""; this.hidden = false; this.disabled = false; this.value = ""; this._text = "";
    this.scrollTop = 0; this.scrollHeight = 0; this.src = ""; this.alt = ""; this.type = "";
  }
  get textContent() { return this._text + this.children.map((c) => c.textContent).join(""); }
  set textContent(v) { this._text = String(v); this.children = []; }
  set innerHTML(v) { throw new Error("innerHTML used: " + v); }
  get childElementCount() { return this.children.length; }
  appendChild(c) { c.parent = this; this.children.push(c); return c; }
  remove() { if (this.parent) this.parent.children = this.parent.children.filter((c) => c !== this); }
  replaceChildren() { this.children = []; this._text = ""; }
  addEventListener(name, fn) { (this.listeners[name] = this.listeners[name] || []).push(fn); }
  async fire(name) { for (const fn of this.listeners[name] || []) await fn({ preventDefault() {} }); }
  focus() {}
}

const ids = ["chat-log", "chat-form", "chat-input", "chat-send", "sign-in", "sign-in-email", "sign-in-error",
  "signed-in", "signed-in-name", "sign-out"];
const elements = Object.fromEntries(ids.map((id) => [id, new El("div", id)]));
const document = {
  getElementById: (id) => elements[id],
  createElement: (tag) => new El(tag),
};

const scenario = JSON.parse(process.argv[2]);
const sent = [];
async function fetch(path, options) {
  const body = options && options.body ? JSON.parse(options.body) : null;
  sent.push({ path, body });
  const reply = path === "/api/session" ? { status: 200, json: { signed_in: false, demo_login: true } }
    : (scenario.replies[path] || []).shift() || { status: 200, json: { messages: [] } };
  if (reply.network_error) throw new TypeError("Failed to fetch");
  return { ok: reply.status < 400, status: reply.status, json: async () => reply.json };
}

const context = { document, window: { location: { href: "http://127.0.0.1:8000/" } }, fetch, URL, console };
vm.createContext(context);
vm.runInContext(fs.readFileSync(process.argv[3], "utf8"), context);

function snapshot() {
  return elements["chat-log"].children.map((c) => ({
    cls: c.className, text: c.textContent,
    img: (c.children.find((x) => x.tagName === "img") || {}).src,
    buttons: c.className === "buttons" ? c.children.map((b) => b.textContent) : undefined,
  }));
}

(async () => {
  const tick = () => new Promise((r) => setTimeout(r, 5));
  await tick();
  for (const step of scenario.steps) {
    if (step.type) { elements["chat-input"].value = step.type; await elements["chat-form"].fire("submit"); }
    if (step.click) {
      const row = elements["chat-log"].children.filter((c) => c.className === "buttons").pop();
      await row.children.find((b) => b.textContent === step.click).fire("click");
    }
    await tick();
  }
  process.stdout.write(JSON.stringify({ log: snapshot(), sent: sent.filter((s) => s.path === "/api/chat") }));
})().catch((e) => { console.error(e); process.exit(1); });
