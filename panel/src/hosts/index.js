// @ts-check
// Picks the host adapter. Every adapter exports the same names (see browser.js for the
// list); the UI calls only these. ?host=NAME overrides detection (tests use ?host=test).

import * as browser from "./browser.js";
import * as cep from "./cep.js";
import * as desktop from "./desktop.js";
import * as test from "./test.js";
import * as uxp from "./uxp.js";

/** Every adapter, checked by tsc against the one host interface (hosts/host.d.ts).
 * @type {Record<string, import("./host").Host>} */
export const HOSTS = { browser, cep, desktop, test, uxp };

export function detectHost() {
  // Window's members (CEP's and pywebview's hooks) where there is a window; UXP has its own.
  const g = /** @type {Partial<Window> & typeof globalThis} */ (globalThis);
  /** @type {string | null} */
  let forced = null;
  try {
    forced = new URLSearchParams(g.location ? g.location.search : "").get("host");
  } catch {
    forced = null;
  }
  if (forced && HOSTS[forced]) return forced;
  if (g.PROMPTCUT_HOST && HOSTS[g.PROMPTCUT_HOST]) return g.PROMPTCUT_HOST;
  if (g.__adobe_cep__) return "cep";
  if (g.pywebview) return "desktop";
  return "browser";
}

/** @returns {import("./host").Host} */
export function getHost(name = detectHost()) {
  return HOSTS[name];
}
