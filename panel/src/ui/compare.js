// @ts-check
// Compare 2-4 takes side by side, playing in sync. The first video is the clock; the others
// follow it and are nudged back whenever they drift more than two frames.

import { on, state } from "../store.js";
import { getData, h } from "./dom.js";
import { rate, setStatus } from "./culling.js";

/** @typedef {import("../store.js").Take} Take */

const DRIFT_S = 0.08;
/**
 * The open comparison: its dialog, its play/pause, its videos, the store listener to drop and
 * the element to give focus back to.
 * @type {{overlay: HTMLElement, toggle: () => void, videos: HTMLVideoElement[], off: () => void,
 *   opener: Element | null} | null}
 */
let current = null;

/** @param {Take[]} takes 2 to 4 */
export function openCompare(takes) {
  closeCompare();
  const videos = takes.map((t, i) => h("video.cmp-video", {
    "aria-label": `Take ${i + 1} of ${takes.length}: seed ${t.seed}`, src: t.media_url, muted: true, loop: true, playsinline: true, preload: "auto", poster: t.poster_url,
  }));
  videos.forEach((v) => { v.muted = true; });
  const master = videos[0];
  const followers = videos.slice(1);
  const seek = (h("input#compare-seek", { type: "range", min: 0, max: 1000, value: 0, "aria-label": "Position" }));
  const playBtn = h("button.primary#compare-play", { type: "button" }, "Play");
  const closeBtn = h("button.small#compare-close", { type: "button", "aria-label": "Close compare" }, "Close");

  const cells = takes.map((t, i) => {
    const name = `take ${i + 1}`;
    return h("div.cmp-cell", { role: "group", "aria-label": `Take ${i + 1}, seed ${t.seed}`, dataset: { takeId: t.id } }, videos[i],
      h("div.cmp-meta", null, h("span.cmp-prompt", { title: t.prompt }, t.prompt), h("span.hint", null, `seed ${t.seed}`)),
      h("div.row.cmp-controls", null,
        h("button.small.cmp-pick", { type: "button", "aria-label": `Pick ${name}`, "aria-pressed": "false",
          onclick: () => setStatus(t.id, "picked") }, "Pick"),
        h("button.small.cmp-reject", { type: "button", "aria-label": `Reject ${name}`, "aria-pressed": "false",
          onclick: () => setStatus(t.id, "rejected") }, "Reject"),
        h("span.stars.cmp-stars", { role: "group", "aria-label": `Rating of ${name}` },
          [1, 2, 3, 4, 5].map((n) => h("button.star", { type: "button", "aria-label": `${n} star${n > 1 ? "s" : ""}`,
            "aria-pressed": "false", dataset: { n: String(n) }, onclick: () => rate(t.id, n) }, "★")))));
  });
  // Ratings and picks made here (or by keys) show at once, as in the gallery.
  const refresh = () => cells.forEach((cell, i) => {
    const t = state.takes.get(takes[i].id) || takes[i];
    cell.classList.toggle("picked", t.status === "picked");
    cell.classList.toggle("rejected", t.status === "rejected");
    cell.querySelector(".cmp-pick")?.setAttribute("aria-pressed", String(t.status === "picked"));
    cell.querySelector(".cmp-reject")?.setAttribute("aria-pressed", String(t.status === "rejected"));
    cell.querySelectorAll(".star").forEach((s) => {
      const n = Number(getData(s, "n"));
      s.classList.toggle("on", n <= (t.rating || 0));
      s.setAttribute("aria-pressed", String(n === (t.rating || 0)));
    });
  });
  refresh();
  const opener = document.activeElement;
  const overlay = h("div.compare#compare-view", { role: "dialog", "aria-modal": "true",
    "aria-label": "Compare takes", tabindex: "-1" },
    h("div.compare-head", null, h("h2", null, `Compare ${takes.length} takes`), h("span.grow"), playBtn, closeBtn),
    h(`div.compare-grid.n${takes.length}`, null, cells),
    h("div.compare-foot", null, seek));
  document.body.appendChild(overlay);
  // Focus moves into the dialog (Space pauses, Esc closes) and Tab stays inside it.
  overlay.addEventListener("keydown", (e) => {
    if (e.key !== "Tab") return;
    const items = /** @type {HTMLElement[]} */ ([...overlay.querySelectorAll("button, input, video[controls]")]);
    if (!items.length) return;
    const first = items[0];
    const last = items[items.length - 1];
    if (e.shiftKey && document.activeElement === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && document.activeElement === last) { e.preventDefault(); first.focus(); }
  });

  const sync = () => {
    for (const v of followers) {
      if (Math.abs(v.currentTime - master.currentTime) > DRIFT_S) v.currentTime = master.currentTime;
      if (master.paused !== v.paused) master.paused ? v.pause() : v.play().catch(() => {});
    }
    if (master.duration) seek.value = String(Math.round((master.currentTime / master.duration) * 1000));
  };
  const playAll = () => {
    for (const v of followers) v.currentTime = master.currentTime;
    for (const v of [master, ...followers]) v.play().catch(() => {});
    playBtn.textContent = "Pause";
  };
  const pauseAll = () => {
    for (const v of [master, ...followers]) v.pause();
    playBtn.textContent = "Play";
    sync();
  };
  const toggle = () => (master.paused ? playAll() : pauseAll());
  master.addEventListener("timeupdate", sync);
  master.addEventListener("seeked", sync);
  seek.addEventListener("input", () => {
    if (!master.duration) return;
    const t = (Number(seek.value) / 1000) * master.duration;
    for (const v of [master, ...followers]) v.currentTime = t;
  });
  playBtn.addEventListener("click", toggle);
  closeBtn.addEventListener("click", closeCompare);
  const off = on((w) => { if (w === "takes") refresh(); });
  current = { overlay, toggle, videos, off, opener };
  playAll();
  playBtn.focus();
}

export function closeCompare() {
  if (!current) return;
  for (const v of current.videos) v.pause();
  current.overlay.remove();
  current.off();
  const back = current.opener;
  current = null;
  if (back && back.isConnected && "focus" in back && typeof back.focus === "function") back.focus();
}

export function compareToggle() {
  if (current) current.toggle();
  return !!current;
}

export function isComparing() {
  return !!current;
}
