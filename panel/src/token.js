// @ts-check
// Where the panel finds the bridge and its token, per host, without the editor copying the
// token by hand on every start:
// - browser: `promptcut serve` prints /panel/#pair=<code>, a one-time code the panel trades
//   for the token (POST /api/v1/pair), so the printed link never carries the token itself;
// - desktop: `promptcut desktop` puts #token=<token> in the URL of its own window;
// - UXP/CEP: a one-time pairing field for the code or the token (CEP first tries the token
//   file, see hosts/cep.js).
// The token is kept in localStorage and the fragment is removed from the address bar at once,
// so neither lingers in history or screenshots.

export const DEFAULT_BASE = "http://127.0.0.1:8642";
// The Adobe panels built for another port (scripts/bundle.mjs --port) start there instead.
const BUILT_PORT = /** @type {typeof globalThis & {PROMPTCUT_PORT?: number}} */ (globalThis).PROMPTCUT_PORT;
const START_BASE = BUILT_PORT && BUILT_PORT !== 8642 ? `http://127.0.0.1:${BUILT_PORT}` : DEFAULT_BASE;
const KEY_TOKEN = "promptcut.token";
const KEY_BASE = "promptcut.base";

function storage() {
  try {
    return globalThis.localStorage || null;
  } catch {
    return null;
  }
}

/**
 * Reads `#token=` or `#pair=` once and strips the fragment from the address bar.
 * @returns {{token?: string, pair?: string}}
 */
export function takeFragment() {
  let loc;
  try {
    loc = globalThis.location;
  } catch {
    return {};
  }
  if (!loc || !loc.hash) return {};
  const params = new URLSearchParams(loc.hash.replace(/^#/, ""));
  const token = params.get("token") || undefined;
  const pair = params.get("pair") || undefined;
  if (!token && !pair) return {};
  if (token) saveToken(token);
  try {
    history.replaceState(null, "", loc.pathname + loc.search);
  } catch {
    /* some hosts have no history API; the token is stored either way */
  }
  return { token, pair };
}

/** Pairing codes are short; tokens are 43 characters. Either may be pasted. @param {string} text */
export function looksLikePairCode(text) {
  return text.trim().length > 0 && text.trim().length < 30;
}

export function loadToken() {
  const s = storage();
  return (s && s.getItem(KEY_TOKEN)) || "";
}

/** @param {string} token */
export function saveToken(token) {
  const s = storage();
  if (s) s.setItem(KEY_TOKEN, token.trim());
}

export function forgetToken() {
  const s = storage();
  if (s) s.removeItem(KEY_TOKEN);
}

/**
 * The bridge origin: same origin when served by the bridge, else the saved or default one.
 * @param {string | null} [sameOrigin] @returns {string}
 */
export function loadBase(sameOrigin) {
  if (sameOrigin) return sameOrigin;
  const s = storage();
  return (s && s.getItem(KEY_BASE)) || START_BASE;
}

/** @param {string} base */
export function saveBase(base) {
  const s = storage();
  if (s) s.setItem(KEY_BASE, base.trim().replace(/\/+$/, ""));
}
