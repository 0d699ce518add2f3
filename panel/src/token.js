// Where the panel finds the bridge and its token, per host, without the editor copying the
// token by hand on every start:
// - browser/desktop: the URL fragment `#token=...` (printed by `promptcut serve`, injected by
//   `promptcut desktop`), kept in localStorage and removed from the address bar at once so it
//   does not linger in history or screenshots;
// - UXP/CEP: a one-time pairing field (CEP first tries the token file, see hosts/cep.js).

export const DEFAULT_BASE = "http://127.0.0.1:8642";
const KEY_TOKEN = "promptcut.token";
const KEY_BASE = "promptcut.base";

function storage() {
  try {
    return globalThis.localStorage || null;
  } catch {
    return null;
  }
}

/** Reads `#token=` once, stores it, and strips the fragment from the address bar. */
export function takeTokenFromFragment() {
  let loc;
  try {
    loc = globalThis.location;
  } catch {
    return null;
  }
  if (!loc || !loc.hash) return null;
  const params = new URLSearchParams(loc.hash.replace(/^#/, ""));
  const token = params.get("token");
  if (!token) return null;
  saveToken(token);
  try {
    history.replaceState(null, "", loc.pathname + loc.search);
  } catch {
    /* some hosts have no history API; the token is stored either way */
  }
  return token;
}

export function loadToken() {
  const s = storage();
  return (s && s.getItem(KEY_TOKEN)) || "";
}

export function saveToken(token) {
  const s = storage();
  if (s) s.setItem(KEY_TOKEN, token.trim());
}

export function forgetToken() {
  const s = storage();
  if (s) s.removeItem(KEY_TOKEN);
}

/** The bridge origin: same origin when served by the bridge, else the saved or default one. */
export function loadBase(sameOrigin) {
  if (sameOrigin) return sameOrigin;
  const s = storage();
  return (s && s.getItem(KEY_BASE)) || DEFAULT_BASE;
}

export function saveBase(base) {
  const s = storage();
  if (s) s.setItem(KEY_BASE, base.trim().replace(/\/+$/, ""));
}
