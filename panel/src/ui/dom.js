// @ts-check
// Tiny DOM helpers: no framework, so the same files run in UXP, CEP, a webview and a browser.

/**
 * h("button.primary", {onclick, title}, "Text", child)
 * @template {string} Sel
 * @param {Sel} sel tag with optional .classes and #id
 * @param {DomAttrs | null} [attrs]
 * @param {...DomChild} children
 * @returns {ElementOf<Sel>} the element its tag names (types/dom.d.ts)
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
    if (k.startsWith("on")) el.addEventListener(k.slice(2), /** @type {EventListener} */ (v));
    else if (k === "dataset") for (const [dk, dv] of Object.entries(/** @type {object} */ (v))) setData(el, dk, dv);
    else if (k === "value") /** @type {HTMLInputElement} */ (el).value = String(v);
    else if (k === "checked") /** @type {HTMLInputElement} */ (el).checked = Boolean(v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  append(el, children);
  return /** @type {ElementOf<Sel>} */ (el);
}

/**
 * data-* attributes without element.dataset, which UXP has not always had.
 * @param {Element} el @param {string} key @param {unknown} value
 */
export function setData(el, key, value) {
  el.setAttribute(`data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`, String(value));
}

/** @param {Element} el @param {string} key */
export function getData(el, key) {
  return el.getAttribute(`data-${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
}

/** @template {Node} E @param {E} el @param {DomChild[]} children @returns {E} */
export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c); // nested lists, at any depth
    else el.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

/** @template {Node} E @param {E} el @returns {E} */
export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

/** @param {string | number} value @param {DomChild} label @param {unknown} [selected] */
export function option(value, label, selected) {
  return h("option", { value, selected: selected ? "selected" : null }, label);
}

/** A labelled form row. @param {DomChild} label @param {DomChild} control @param {DomChild} [hint] */
export function field(label, control, hint) {
  return h("label.field", null, h("span.field-label", null, label), control,
    hint ? h("span.hint", null, hint) : null);
}

/** @type {HTMLDivElement | null} */
let live = null;

/** The page's one polite live region: a single rating, pick or move is said once, briefly. */
export function liveRegion() {
  if (!live) live = h("div.sr-only#announce", { role: "status", "aria-live": "polite", "aria-atomic": "true" });
  return live;
}

/** Says `message` to screen readers (politely: after what they are reading). @param {string} message */
export function announce(message) {
  const box = liveRegion();
  if (!box.isConnected) document.body.appendChild(box);
  // The same words twice must be said twice: clear, then set on the next task.
  box.textContent = "";
  setTimeout(() => { box.textContent = message; }, 30);
}

/** @type {HTMLDivElement | null} */
let toastBox = null;

/**
 * Short message at the bottom; errors stay longer and are announced to screen readers.
 * @param {string} message @param {string} [kind] info | ok | error (a CSS class)
 */
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

/**
 * Runs an async UI action, showing its error as a toast instead of losing it.
 * @template T
 * @param {() => T | Promise<T>} fn
 * @param {string | ((result: T) => string)} [okMessage]
 * @returns {Promise<T | undefined>}
 */
export async function guard(fn, okMessage) {
  try {
    const r = await fn();
    if (okMessage) toast(typeof okMessage === "function" ? okMessage(r) : okMessage, "ok");
    return r;
  } catch (e) {
    console.error(e);
    toast(e instanceof Error && e.message ? e.message : String(e), "error");
    return undefined;
  }
}

/** @param {number | null | undefined} s */
export function fmtEta(s) {
  if (s === null || s === undefined || !Number.isFinite(s)) return "";
  if (s < 60) return `${Math.max(0, Math.round(s))} s`;
  return `${Math.floor(s / 60)} min ${Math.round(s % 60)} s`;
}

/** @param {unknown} seconds */
export function fmtTime(seconds) {
  if (typeof seconds !== "number") return "";
  const m = Math.floor(seconds / 60);
  const s = (seconds % 60).toFixed(2).padStart(5, "0");
  return `${m}:${s}`;
}
