// @ts-check
// Boot: pick the host adapter, find the bridge and its token, build the views, start the
// event loop. Everything host-specific stays behind hosts/*.js.

import { Bridge } from "./bridge/client.js";
import { detectHost, getHost } from "./hosts/index.js";
import { emit, on, set, state, takeCount } from "./store.js";
import { runEventLoop, setBridge } from "./sync.js";
import { loadBase, loadToken, saveToken, takeFragment } from "./token.js";
import { mountActions } from "./ui/actions.js";
import { mountBoard } from "./ui/board.js";
import { h, liveRegion, toast } from "./ui/dom.js";
import { mountGallery } from "./ui/gallery.js";
import { mountGenerate } from "./ui/generate.js";
import { mountKeyboard } from "./ui/keyboard.js";
import { openPairing } from "./ui/pairing.js";
import { mountQueue } from "./ui/queue.js";
import { mountStatus } from "./ui/status.js";

const WIDE_PX = 760;

/** Served by the bridge (browser, desktop): talk to the same origin. */
function sameOrigin() {
  try {
    const loc = globalThis.location;
    if (loc && /^https?:$/.test(loc.protocol) && loc.pathname.startsWith("/panel")) return loc.origin;
  } catch {
    /* UXP has no location */
  }
  return null;
}

/** @typedef {import("./hosts/host").Host} Host */

/**
 * The token from the fragment, the saved one, or the host's own (CEP reads a file).
 * @param {Host} host @param {{token?: string}} fragment @returns {Promise<string>}
 */
async function findToken(host, fragment) {
  if (fragment.token) return fragment.token;
  const saved = loadToken();
  if (saved) return saved;
  const fromHost = await host.readToken();
  if (fromHost) saveToken(fromHost);
  return fromHost || "";
}

const TABS = [["generate", "Generate"], ["queue", "Queue"], ["gallery", "Takes"], ["board", "Board"]];

/** The tab bar as WAI-ARIA tabs: one Tab stop (the current tab), arrows, Home and End move
 * between the tabs that are on screen and open them. */
function tabBar() {
  const tabs = TABS.map(([t, label]) =>
    h(`button.tab.tab-${t}`, { type: "button", role: "tab", id: `tab-${t}`, "aria-controls": `view-${t}`,
      "aria-selected": "false", tabindex: "-1", onclick: () => set({ tab: t }, "tab") },
    label, h("span.tab-count")));
  const bar = h("div.tabs", { role: "tablist", "aria-label": "Views" }, tabs);
  bar.addEventListener("keydown", (/** @type {KeyboardEvent} */ ev) => {
    const shown = tabs.filter((t) => t.offsetParent !== null);
    const i = shown.indexOf(/** @type {HTMLButtonElement} */ (ev.target));
    if (i < 0) return;
    /** @type {Record<string, number>} */
    const moves = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: shown.length - 1 };
    const to = moves[ev.key];
    if (to === undefined) return;
    ev.preventDefault();
    const next = shown[(to + shown.length) % shown.length];
    next.click();
    next.focus();
  });
  return { bar, tabs };
}

/** Where the skip link leads: the action bar's first control, or the board's Assemble. */
function skipToActions() {
  const target = /** @type {HTMLElement | null} */ (state.tab === "board"
    ? document.getElementById("board-assemble")
    : document.querySelector("#actions button:not([disabled])"));
  if (target) target.focus();
}

/** @param {Host} host */
function layout(host) {
  const dot = h("span.dot.connecting#conn-dot");
  const { bar, tabs } = tabBar();
  const settings = host.capabilities.pairing
    ? h("button.icon#settings", { type: "button", title: "Bridge address and token", "aria-label": "Settings", onclick: openPairing }, "⚙")
    : null;
  const skip = h("a.skip#skip-to-actions", { href: "#actions", onclick: (/** @type {Event} */ e) => {
    e.preventDefault();
    skipToActions();
  } }, "Skip to actions");
  const header = h("header.topbar", null, skip, dot, h("span.brand", null, "Promptcut"),
    bar, h("span.grow"),
    h("span.host-label", null, host.capabilities.label), settings);
  const bannerHost = h("div.banner-host");
  const view = (/** @type {string} */ t) => h(`section.view#view-${t}`, { role: "tabpanel", "aria-labelledby": `tab-${t}` });
  const gen = view("generate");
  const queue = view("queue");
  const gallery = view("gallery");
  const board = view("board");
  const actions = h("div.actions-host");
  const app = h("div.app", null, header, bannerHost,
    h("main.layout", null, h("div.side", null, gen, queue), h("div.main", null, gallery, board, actions)),
    liveRegion());
  document.body.appendChild(app);

  mountStatus(dot, bannerHost, host);
  mountGenerate(gen, host);
  mountQueue(queue);
  mountGallery(gallery);
  mountActions(actions, host);
  mountBoard(board, host);
  mountKeyboard();

  const counts = () => {
    const active = [...state.jobs.values()].filter((j) => j.status === "running" || j.status === "queued").length;
    const setCount = (/** @type {number} */ i, /** @type {string} */ text) => {
      const el = tabs[i].querySelector(".tab-count");
      if (el) el.textContent = text;
    };
    setCount(1, active ? ` ${active}` : "");
    setCount(2, takeCount() ? ` ${takeCount()}` : "");
  };
  const showTab = () => {
    // Classes, not data attributes, so the CSS stays within what UXP understands.
    const root = document.documentElement.classList;
    for (const [t] of TABS) root.toggle(`tab-${t}`, t === state.tab);
    // Wide, Generate and Queue are always on screen (no tab): the main area shows Takes.
    const wide = root.contains("wide") && (state.tab === "generate" || state.tab === "queue");
    const shown = wide ? "gallery" : state.tab;
    for (const t of tabs) {
      const current = t.id === `tab-${shown}`;
      t.classList.toggle("active", current);
      t.setAttribute("aria-selected", String(current));
      t.setAttribute("tabindex", current ? "0" : "-1");
    }
  };
  on((w) => {
    if (w === "tab") showTab();
    if (w === "jobs" || w === "takes") counts();
  });
  showTab();

  const fit = () => {
    document.documentElement.classList.toggle("wide", window.innerWidth >= WIDE_PX);
    showTab();
  };
  window.addEventListener("resize", fit);
  fit();
}

export async function boot() {
  const hostName = detectHost();
  const host = getHost(hostName);
  document.documentElement.classList.add(`host-${hostName}`);
  const fragment = takeFragment();
  const token = await findToken(host, fragment);
  const bridge = new Bridge({ base: loadBase(sameOrigin()), token });
  setBridge(bridge);
  layout(host);
  if (fragment.pair) {
    try {
      saveToken(await bridge.pair(fragment.pair));
      toast("Paired with the bridge.", "ok");
    } catch (e) {
      // A spent or expired code: a token saved earlier may still work; else say what to do.
      const message = e instanceof Error ? e.message : String(e);
      if (!token) toast(`${message} Run \`promptcut serve\` again for a new link.`, "error");
    }
  }
  let asked = false;
  on((w) => {
    if (w === "conn" && state.conn === "unauthorized" && host.capabilities.pairing && !asked) {
      asked = true;
      openPairing();
    }
  });
  emit("conn");
  runEventLoop();
}

boot();
