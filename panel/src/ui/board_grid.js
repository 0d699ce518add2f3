// @ts-check
// The beat grid an editor fixes by ear, under the Board's waveform: put bar 1 where it is
// heard (a click on the waveform, or the playhead, or typed seconds), nudge every beat by
// milliseconds, type a tempo from a chosen bar onward (the grid stays anchored on that bar's
// downbeat), set the meter, and read the tempo map. Every change is one PATCH of the
// board's `grid` (the bridge keeps corrections beside the analysis), so the board's undo
// takes it back like any other edit.

import { barAt } from "../boards/clicks.js";

/** @typedef {import("./board_play_types").PlayContext} PlayContext */
/** @typedef {import("./board_play_types").Board} Board */
/** @typedef {import("./board_play_types").S} S */

const NUDGES = [-10, -1, 1, 10];
const METERS = Array.from({ length: 16 }, (_, i) => i + 1); // what GridIn takes (1-16)
const OFFSET_LIMIT_MS = 1000;

/** "1:02.50" @param {number} s */
export function clock(s) {
  const m = Math.floor(s / 60);
  return `${m}:${(s - m * 60).toFixed(2).padStart(5, "0")}`;
}

/**
 * The tempo map as words: each section's tempo and where it starts (bar and time).
 * @param {Board} board @returns {string}
 */
export function tempoMapText(board) {
  const song = board.song;
  if (!song) return "";
  const map = song.tempo_map || [];
  if (map.length <= 1) return `Tempo ${song.tempo} BPM throughout · ${song.beats_per_bar} beats a bar`;
  return `Tempo map: ${map.map(([at, bpm]) =>
    `${bpm} BPM from bar ${Math.max(1, barAt(song.downbeats, at))} (${clock(at)})`).join(" · ")}`;
}

/**
 * @param {PlayContext} ctx
 * @returns {{ el: HTMLElement, render: (board: Board) => void, placing: () => boolean,
 *   stopPlacing: () => void, barOneAt: (t: number) => Promise<unknown>,
 *   fromBar: (bar: number) => void }}
 */
export function gridEditor(ctx) {
  const { h, guard, announce } = ctx.ui;
  let placingMode = false;

  /** Sends grid corrections; the answer is the board with its new grid. @param {S["GridIn"] | null} grid @param {string} said */
  function patch(grid, said) {
    const b = ctx.board();
    if (!b) return Promise.resolve(undefined);
    return guard(async () => {
      const next = await ctx.bridge().patchBoard(b.id, { grid });
      ctx.setBoard(next);
      announce(said);
      return next;
    });
  }

  /** Bar 1 on the beat nearest `t` as heard (the nudge taken off, so the beat the editor
   * saw under the pointer is the one chosen; an earlier beat shift no longer applies).
   * @param {number} t */
  function barOneAt(t) {
    const b = ctx.board();
    if (!b || !b.song) return Promise.resolve(undefined);
    stopPlacing();
    const at = Math.max(0, t - (b.grid.offset_ms || 0) / 1000);
    return patch({ first_downbeat_s: Math.round(at * 1000) / 1000, shift_beats: 0 },
      `Bar 1 at ${clock(t)}.`);
  }

  /** @param {number} ms */
  function offsetTo(ms) {
    const clamped = Math.max(-OFFSET_LIMIT_MS, Math.min(OFFSET_LIMIT_MS, Math.round(ms * 10) / 10));
    return patch({ offset_ms: clamped }, `Grid nudged to ${clamped} ms.`);
  }

  const place = h("button.small#grid-place", { type: "button", "aria-pressed": "false",
    title: "Then click the waveform where bar 1 is heard (Esc cancels)",
    onclick: () => setPlacing(!placingMode) }, "Place bar 1");
  const barOne = h("input#grid-bar1", { type: "number", min: "0", step: "0.001",
    "aria-label": "Bar 1 at (seconds)" });
  const barOneSet = h("button.small#grid-bar1-set", { type: "button", title: "Bar 1 on the beat nearest these seconds",
    onclick: () => barOne.value !== "" && barOneAt(Number(barOne.value)) }, "Set bar 1");
  const atPlayhead = h("button.small#grid-bar1-playhead", { type: "button",
    title: "Bar 1 on the beat nearest the playhead", onclick: () => barOneAt(ctx.player.position()) },
  "Bar 1 at playhead");

  const offset = h("input#grid-offset", { type: "number", min: String(-OFFSET_LIMIT_MS),
    max: String(OFFSET_LIMIT_MS), step: "0.1", "aria-label": "Grid offset (ms)" });
  offset.addEventListener("change", () => offset.value !== "" && offsetTo(Number(offset.value)));
  const nudges = NUDGES.map((ms) => h(`button.small.grid-nudge#grid-nudge-${ms < 0 ? "m" : "p"}${Math.abs(ms)}`, {
    type: "button", "aria-label": `Nudge the grid ${ms > 0 ? "later" : "earlier"} by ${Math.abs(ms)} ms`,
    title: `Every beat ${Math.abs(ms)} ms ${ms > 0 ? "later" : "earlier"}`,
    onclick: () => offsetTo((ctx.board()?.grid.offset_ms || 0) + ms) }, `${ms > 0 ? "+" : "−"}${Math.abs(ms)}`));

  const bpm = h("input#grid-from-tempo", { type: "number", min: "20", max: "400", step: "0.01",
    placeholder: "BPM", "aria-label": "Tempo from the bar (BPM)" });
  const fromBar = h("input#grid-from-bar", { type: "number", min: "1", max: "10000", step: "1",
    value: "1", "aria-label": "From bar" });
  const fromSet = h("button.small#grid-from-set", { type: "button",
    title: "This tempo from that bar to the end, anchored on the bar's downbeat; the bars before keep theirs",
    onclick: () => {
      const tempo = Number(bpm.value);
      const bar = Math.max(1, Math.round(Number(fromBar.value) || 1));
      if (!(tempo >= 20 && tempo <= 400)) {
        ctx.ui.toast("Type a tempo between 20 and 400 BPM.", "error");
        bpm.focus();
        return undefined;
      }
      return patch({ tempo, tempo_from_bar: bar }, `${tempo} BPM from bar ${bar}.`);
    } }, "Set tempo");

  const meter = h("select#grid-meter", { "aria-label": "Beats a bar" });
  meter.addEventListener("change", () => patch({ beats_per_bar: meter.value ? Number(meter.value) : null },
    meter.value ? `${meter.value} beats a bar.` : "The meter the analysis found."));

  const reset = h("button.small#grid-reset", { type: "button", title: "Back to the grid the analysis found (undoable)",
    onclick: () => patch(null, "Grid as detected.") }, "Reset grid");
  const map = h("p.info#grid-tempo-map", { "aria-live": "polite" });

  const el = h("div.grid-editor#grid-editor", { role: "group", "aria-label": "Beat grid" },
    h("div.row.wrap.grid-row", null, place, barOne, barOneSet, atPlayhead),
    h("div.row.wrap.grid-row", { role: "group", "aria-label": "Nudge" },
      h("span.grid-label", null, "Nudge ms"), nudges, offset),
    h("div.row.wrap.grid-row", null, bpm, h("span.grid-label", null, "from bar"), fromBar, fromSet,
      h("label.grid-label", { for: "grid-meter" }, "Meter"), meter, reset),
    map);

  /** @param {boolean} on */
  function setPlacing(on) {
    placingMode = on;
    place.setAttribute("aria-pressed", String(on));
    el.classList.toggle("placing", on);
    if (on) announce("Click the waveform where bar 1 is heard.");
  }

  function stopPlacing() {
    if (placingMode) setPlacing(false);
  }

  el.addEventListener("keydown", (/** @type {KeyboardEvent} */ ev) => {
    if (ev.key === "Escape" && placingMode) {
      stopPlacing();
      ev.preventDefault();
    }
  });

  /** @param {HTMLInputElement | HTMLSelectElement} input @param {string} value */
  const show = (input, value) => { if (document.activeElement !== input) input.value = value; };

  /** @param {Board} board */
  function render(board) {
    const song = board.song;
    el.hidden = !song;
    if (!song) return;
    const grid = board.grid;
    show(offset, String(grid.offset_ms || 0));
    show(barOne, song.downbeats.length ? String(song.downbeats[0]) : "");
    if (document.activeElement !== bpm && !bpm.value) bpm.value = String(grid.tempo || song.tempo);
    const chosen = grid.beats_per_bar ? String(grid.beats_per_bar) : "";
    if (meter.options.length !== METERS.length + 1 || meter.getAttribute("data-found") !== String(song.beats_per_bar)) {
      meter.replaceChildren(h("option", { value: "" }, `As found`),
        ...METERS.map((n) => h("option", { value: String(n) }, String(n))));
      meter.setAttribute("data-found", String(song.beats_per_bar));
    }
    show(meter, chosen);
    map.textContent = tempoMapText(board);
  }

  /** "From bar" follows the playhead unless the editor is typing in it. @param {number} bar */
  const setFromBar = (bar) => show(fromBar, String(bar));

  return { el, render, placing: () => placingMode, stopPlacing, barOneAt, fromBar: setFromBar };
}

/** The bar under the playhead, for "from bar" (bar 1 before the first downbeat).
 * @param {Board} board @param {number} t */
export function barUnder(board, t) {
  return Math.max(1, barAt(board.song ? board.song.downbeats : [], t));
}
