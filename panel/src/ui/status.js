// @ts-check
// Connection state: a dot in the header, and a plain banner when the bridge is not running
// (with the command that starts it) or when the panel is not paired. It clears by itself
// when the event loop reaches the bridge again.

import { on, state } from "../store.js";
import { retryNow } from "../sync.js";
import { h } from "./dom.js";
import { openPairing } from "./pairing.js";

/**
 * @param {HTMLElement} dot @param {HTMLElement} bannerHost
 * @param {import("../hosts/host").Host} host
 */
export function mountStatus(dot, bannerHost, host) {
  const banner = h("div.banner#bridge-banner", { role: "alert" });
  // The state is a class, not a data attribute: UXP's attribute selectors are limited.
  bannerHost.appendChild(banner);
  function render() {
    dot.className = `dot ${state.conn}`;
    dot.title = { online: "Bridge connected", offline: "Bridge not running", connecting: "Connecting…",
      unauthorized: "Not paired with the bridge" }[state.conn];
    banner.replaceChildren();
    banner.className = `banner ${state.conn}`;
    if (state.conn === "offline") {
      banner.append(
        h("strong", null, "Bridge not running."),
        h("span", null, "Start it with ", h("code", null, "promptcut serve"),
          " — this panel reconnects by itself when it is back."),
        h("button.small#retry-now", { type: "button", onclick: retryNow }, "Retry now"));
    } else if (state.conn === "unauthorized") {
      banner.append(
        h("strong", null, "Not paired"),
        h("span", null, host.capabilities.pairing
          ? " Paste the pairing code from the link promptcut serve prints, or the token."
          : " Open the link that promptcut serve prints, or paste its pairing code here."),
        h("button.small#pair", { type: "button", onclick: openPairing }, "Pair…"));
    } else if (state.connDetail) {
      banner.append(h("span", null, state.connDetail));
    }
    banner.style.display = banner.childNodes.length ? "" : "none";
  }
  on((w) => { if (w === "conn") render(); });
  render();
}
