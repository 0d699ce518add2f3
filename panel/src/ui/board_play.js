// @ts-check
// Playing the board, under its waveform: a transport (play or stop with K, the click track
// with M, loop the current shot with L, a scrub bar), a playhead on the waveform, the grid
// editor (ui/board_grid.js) and the animatic (ui/animatic.js), all on one player
// (boards/player.js). Grid edits are board edits: the Board view's undo and redo
// (ui/board.js, Ctrl+Z / Ctrl+Shift+Z) take them back and make them again.
// The Board view (ui/board.js) mounts this with what it lends (ui/board_play_types.d.ts).

import { Player } from "../boards/player.js";
import { span, timeAt } from "../boards/wave.js";
import { animatic } from "./animatic.js";
import { barUnder, clock, gridEditor } from "./board_grid.js";

/** @typedef {import("./board_play_types").PlayContext} PlayContext */
/** @typedef {import("./board_play_types").Board} Board */

/**
 * @param {Omit<PlayContext, "player">} lent
 * @param {{ wave: HTMLCanvasElement, root: HTMLElement, absolute: (url: string) => string,
 *   isBoardTab: () => boolean }} where
 */
export function mountBoardPlay(lent, where) {
  const player = new Player();
  /** @type {PlayContext} */
  const ctx = { ...lent, player };
  const { h, guard, announce } = ctx.ui;
  const grid = gridEditor(ctx);
  const anim = animatic(ctx, where.absolute);

  const playhead = h("div.playhead#board-playhead", { "aria-hidden": "true" });
  const stage = h("div.wave-stage#board-wave-stage", null, where.wave, playhead);
  const playBtn = h("button.small.primary#play-toggle", { type: "button", "aria-pressed": "false",
    title: "Play the board against the song (K)", onclick: () => togglePlay() }, "Play");
  const clickBtn = h("button.small#click-track", { type: "button", "aria-pressed": "false",
    title: "The grid's beats as clicks over the song, downbeats accented (M)", onclick: () => toggleClicks() },
  "Click track");
  const loopBtn = h("button.small#loop-shot", { type: "button", "aria-pressed": "false",
    title: "Play the current shot over and over (L)", onclick: () => toggleLoop() }, "Loop shot");
  const scrub = h("input#board-scrub", { type: "range", min: "0", max: "1", step: "0.01", value: "0",
    "aria-label": "Playhead (seconds)" });
  const time = h("output.info#board-time", { "aria-live": "off" }, "0:00.00");
  const gridBtn = h("button.small#grid-open", { type: "button", "aria-expanded": "false",
    "aria-controls": "grid-editor", onclick: () => openPart(grid.el, gridBtn) }, "Fix grid");
  const animBtn = h("button.small#animatic-open", { type: "button", "aria-expanded": "false",
    "aria-controls": "animatic", onclick: () => openPart(anim.el, animBtn) }, "Animatic");
  grid.el.hidden = true;
  anim.el.hidden = true;
  const transport = h("div.row.wrap.board-transport#board-transport", { role: "group", "aria-label": "Play the board" },
    playBtn, clickBtn, loopBtn, scrub, time, h("span.grow"), gridBtn, animBtn);
  const panel = h("div.board-play#board-play", null, transport, grid.el, anim.el);

  /** Opens or closes the grid editor or the animatic. @param {HTMLElement} part @param {HTMLElement} btn */
  function openPart(part, btn) {
    const open = part.hidden;
    part.setAttribute("data-open", String(open));
    btn.setAttribute("aria-expanded", String(open));
    refresh();
  }

  const isOpen = (/** @type {HTMLElement} */ part) => part.getAttribute("data-open") === "true";

  /** The board's song into the player. */
  function feed() {
    const b = ctx.board();
    const song = b && b.song;
    player.setSong(song ? song.id : null, song ? where.absolute(song.url) : null, b ? span(b) : 0,
      song ? song.beats : [], song ? song.downbeats : []);
  }

  async function togglePlay() {
    clicksStarted = false;
    if (player.playing) return player.stop();
    feed();
    return guard(() => player.play());
  }

  let clicksStarted = false; // the click track started playing, so turning it off stops it

  /** The click track on (playing the song if it was still) or off (stopping what it started). */
  async function toggleClicks() {
    const on = !player.clicks;
    player.setClicks(on);
    clickBtn.setAttribute("aria-pressed", String(on));
    announce(on ? "Click track on." : "Click track off.");
    if (on && !player.playing) {
      clicksStarted = true;
      feed();
      await guard(() => player.play());
    } else if (!on && clicksStarted) {
      clicksStarted = false;
      player.stop();
    }
  }

  /** The shot to loop: the one chosen on the board, else the one under the playhead. */
  function currentShot() {
    const b = ctx.board();
    if (!b) return null;
    const chosen = b.shots.find((s) => s.id === ctx.selected());
    const t = player.position();
    const under = b.shots.find((s) => s.start_s != null && s.seconds != null && t >= s.start_s && t < s.start_s + s.seconds);
    return under && (!chosen || player.playing) ? under : chosen || under || null;
  }

  async function toggleLoop() {
    if (player.loop) {
      await player.setLoop(null);
      announce("Loop off.");
    } else {
      const shot = currentShot();
      if (!shot || shot.start_s == null || shot.seconds == null) {
        ctx.ui.toast("Choose a shot to loop.", "info");
        return;
      }
      await player.setLoop({ start: shot.start_s, end: shot.start_s + shot.seconds });
      if (!player.playing) await player.seek(shot.start_s);
      announce(`Looping ${shot.label}.`);
    }
    loopBtn.setAttribute("aria-pressed", String(!!player.loop));
  }

  // The waveform: placing bar 1 takes the click (before the Board selects a shot under
  // it, capture phase); otherwise a click moves the playhead there too.
  where.wave.addEventListener("click", (ev) => {
    const b = ctx.board();
    if (!b) return;
    const rect = where.wave.getBoundingClientRect();
    const t = timeAt(b, ev.clientX - rect.left, rect.width);
    if (grid.placing()) {
      ev.stopImmediatePropagation();
      grid.barOneAt(t);
      return;
    }
    seekTo(t);
  }, { capture: true });
  scrub.addEventListener("input", () => seekTo(Number(scrub.value)));

  /** The playhead to `t`; "from bar" follows it (the bar the editor is looking at). @param {number} t */
  function seekTo(t) {
    const b = ctx.board();
    if (b) grid.fromBar(barUnder(b, t));
    return player.seek(t);
  }

  const typing = (/** @type {EventTarget | null} */ t) => t instanceof HTMLElement &&
    (t.tagName === "TEXTAREA" || t.tagName === "SELECT" || t.isContentEditable ||
     (t.tagName === "INPUT" && !["button", "checkbox", "range", "radio"].includes(/** @type {HTMLInputElement} */ (t).type)));

  where.root.addEventListener("keydown", (ev) => {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || typing(ev.target) || !ctx.board()) return;
    const k = ev.key.toLowerCase();
    if (k === "k") togglePlay();
    else if (k === "m") toggleClicks();
    else if (k === "l") toggleLoop();
    else return;
    ev.preventDefault();
  });
  let frame = 0;
  function refresh() {
    const b = ctx.board();
    if (player.playing && !where.isBoardTab() && where.root.offsetParent === null) {
      player.stop(); // leaving the Board stops the song (refresh runs again from stop)
      return;
    }
    const t = player.position();
    const total = b ? span(b) : 1;
    playhead.style.left = `${Math.min(100, (t / total) * 100)}%`;
    if (document.activeElement !== scrub) scrub.value = String(t);
    time.textContent = clock(t);
    playBtn.textContent = player.playing ? "Stop" : "Play";
    playBtn.setAttribute("aria-pressed", String(player.playing));
    grid.el.hidden = !isOpen(grid.el) || !(b && b.song);
    anim.el.hidden = !isOpen(anim.el);
    if (!anim.el.hidden) anim.show(t);
    if (player.playing && !frame) frame = requestAnimationFrame(() => { frame = 0; refresh(); });
  }
  player.onChange(refresh);

  /** After every Board render: the new board into the player and the controls. @param {Board | null} b */
  function render(b) {
    panel.hidden = !b;
    if (!b) {
      player.stop();
      return;
    }
    feed();
    scrub.max = String(span(b));
    gridBtn.hidden = !b.song;
    for (const btn of [playBtn, clickBtn]) btn.disabled = !player.available;
    if (b.song) grid.render(b);
    anim.render(b);
    refresh();
  }

  return { stage, panel, render, player };
}
