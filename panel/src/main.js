// Boot: pick the host adapter, find the bridge and its token, build the views, start the
// event loop. Everything host-specific stays behind hosts/*.js.

import { Bridge } from "./bridge/client.js";
import { detectHost, getHost } from "./hosts/index.js";
import { emit, on, set, state } from "./store.js";
import { runEventLoop, setBridge } from "./sync.js";
import { loadBase, loadToken, saveToken, takeFragment } from "./token.js";
import { mountActions } from "./ui/actions.js";
import { h, toast } from "./ui/dom.js";
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

async function findToken(host, fragment) {
  if (fragment.token) return fragment.token;
  const saved = loadToken();
  if (saved) return saved;
  const fromHost = await host.readToken();
  if (fromHost) saveToken(fromHost);
  return fromHost || "";
}

function layout(host) {
  const dot = h("span.dot.connecting#conn-dot");
  const tabs = ["generate", "queue", "gallery"].map((t) =>
    h(`button.tab.tab-${t}`, { type: "button", id: `tab-${t}`, onclick: () => set({ tab: t }, "tab") },
      { generate: "Generate", queue: "Queue", gallery: "Takes" }[t], h("span.tab-count")));
  const settings = host.capabilities.pairing
    ? h("button.icon#settings", { type: "button", title: "Bridge address and token", "aria-label": "Settings", onclick: openPairing }, "⚙")
    : null;
  const header = h("header.topbar", null, dot, h("span.brand", null, "Promptcut"),
    h("nav.tabs", { role: "tablist" }, tabs), h("span.grow"),
    h("span.host-label", null, host.capabilities.label), settings);
  const bannerHost = h("div.banner-host");
  const gen = h("section.view#view-generate");
  const queue = h("section.view#view-queue");
  const gallery = h("section.view#view-gallery");
  const actions = h("div.actions-host");
  const app = h("div.app", null, header, bannerHost,
    h("main.layout", null, h("div.side", null, gen, queue), h("div.main", null, gallery, actions)));
  document.body.appendChild(app);

  mountStatus(dot, bannerHost, host);
  mountGenerate(gen, host);
  mountQueue(queue);
  mountGallery(gallery);
  mountActions(actions, host);
  mountKeyboard();

  const counts = () => {
    const active = [...state.jobs.values()].filter((j) => j.status === "running" || j.status === "queued").length;
    tabs[1].querySelector(".tab-count").textContent = active ? ` ${active}` : "";
    tabs[2].querySelector(".tab-count").textContent = state.takeOrder.length ? ` ${state.takeOrder.length}` : "";
  };
  const showTab = () => {
    // Classes, not data attributes, so the CSS stays within what UXP understands.
    const root = document.documentElement.classList;
    for (const t of ["generate", "queue", "gallery"]) root.toggle(`tab-${t}`, t === state.tab);
    for (const t of tabs) t.classList.toggle("active", t.id === `tab-${state.tab}`);
  };
  on((w) => {
    if (w === "tab") showTab();
    if (w === "jobs" || w === "takes") counts();
  });
  showTab();

  const fit = () => document.documentElement.classList.toggle("wide", window.innerWidth >= WIDE_PX);
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
      if (!token) toast(`${e.message} Run \`promptcut serve\` again for a new link.`, "error");
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
