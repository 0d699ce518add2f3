// Tiny DOM helpers: no framework, so the same files run in UXP, CEP, a webview and a browser.

/**
 * h("button.primary", {onclick, title}, "Text", child)
 * @param {string} sel tag with optional .classes and #id
 * @param {Record<string, any> | null} [attrs]
 * @param {...any} children
 * @returns {any} an HTMLElement; typed loosely so callers can read .value without casts
 */
export function h(sel, attrs, ...children) {
  const tag = (/^[a-z0-9]+/i.exec(sel) || ["div"])[0];
  const id = (/#([\w-]+)/.exec(sel) || [])[1];
  const classes = (sel.match(/\.[\w-]+/g) || []).map((c) => c.slice(1));
  const el = document.createElement(tag);
  if (id) el.id = id;
  if (classes.length) el.className = classes.join(" ");
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") for (const [dk, dv] of Object.entries(v)) setData(el, dk, dv);
    else if (k === "value") /** @type {any} */ (el).value = v;
    else if (k === "checked") /** @type {any} */ (el).checked = v;
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return el;
}

/** data-* attributes without element.dataset, which UXP has not always had. */
export function setData(el, key, value) {
  el.setAttribute(`data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(value));
}

export function getData(el, key) {
  return el.getAttribute(`data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
}

export function append(el, children) {
  for (const c of children.flat(Infinity)) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function option(value, label, selected) {
  return h("option", { value, selected: selected ? "selected" : null }, label);
}

/** A labelled form row. */
export function field(label, control, hint) {
  return h("label.field", null, h("span.field-label", null, label), control,
    hint ? h("span.hint", null, hint) : null);
}

let live = null;

/** The page's one polite live region: a single rating, pick or move is said once, briefly. */
export function liveRegion() {
  if (!live) live = h("div.sr-only#announce", { role: "status", "aria-live": "polite", "aria-atomic": "true" });
  return live;
}

/** Says `message` to screen readers (politely: after what they are reading). */
export function announce(message) {
  const box = liveRegion();
  if (!box.isConnected) document.body.appendChild(box);
  // The same words twice must be said twice: clear, then set on the next task.
  box.textContent = "";
  setTimeout(() => { box.textContent = message; }, 30);
}

let toastBox = null;

/** Short message at the bottom; errors stay longer and are announced to screen readers. */
export function toast(message, kind = "info") {
  if (!toastBox) {
    toastBox = h("div.toasts", { role: "status", "aria-live": "polite" });
    document.body.appendChild(toastBox);
  }
  const t = h(`div.toast.${kind}`, null, message);
  toastBox.appendChild(t);
  setTimeout(() => t.remove(), kind === "error" ? 9000 : 4000);
  return t;
}

/** Runs an async UI action, showing its error as a toast instead of losing it. */
export async function guard(fn, okMessage) {
  try {
    const r = await fn();
    if (okMessage) toast(typeof okMessage === "function" ? okMessage(r) : okMessage, "ok");
    return r;
  } catch (e) {
    console.error(e);
    toast(e && e.message ? e.message : String(e), "error");
    return undefined;
  }
}

export function fmtEta(s) {
  if (s === null || s === undefined || !Number.isFinite(s)) return "";
  if (s < 60) return `${Math.max(0, Math.round(s))} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

export function fmtTime(seconds) {
  if (typeof seconds !== "number") return "";
  const m = Math.floor(seconds / 60);
  const s = (seconds % 60).toFixed(2).padStart(5, "0");
  return `${m}:${s}`;
}
