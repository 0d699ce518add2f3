// @ts-check
// The Board view: a song, its beat grid and the shots cut to it. Shots are a list when the
// panel is docked narrow and a strip when wide; drag (or ▲▼) to reorder; generate a shot or
// the whole board; pick a take per shot; undo and redo every board edit (Ctrl+Z,
// Ctrl+Shift+Z: the bridge keeps the steps); rename, duplicate, export or delete the board
// from its menu. What meets a timeline (markers as cuts, fill a gap, swap a take, the
// board's cut in any format or as a sequence) is in board_sequence.js.

import * as api from "../boards/calls.js";
import { drawWave, shotAt, timeAt } from "../boards/wave.js";
import { on, setBoard, state } from "../store.js";
import { announce, clear, field, getData, guard, h, option, toast } from "./dom.js";
import { ASSEMBLE_FORMATS, TIMELINE_TYPES, sequenceCommands } from "./board_sequence.js";
import { playPick, shotCard } from "./board_shot.js";
import { mountBoardPlay } from "./board_play.js";
import { getBridge } from "../sync.js";
import { generateShots, renderLooks } from "./looks.js";
import { finishAllButton } from "./direct_finish.js";
const SONG_TYPES = ["wav", "mp3", "m4a", "aac", "flac"];

/** A text field has its own undo: the board's keys leave it alone. @param {EventTarget | null} el */
function typing(el) {
  const e = /** @type {HTMLElement | null} */ (el);
  const tag = e && e.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || !!(e && e.isContentEditable);
}

/** guard's message: what the command answered. @param {any} m @returns {string} */
const said = (m) => m;

/** The bridge's models (GET /models), as the store keeps them. @returns {S["ModelOut"][]} */
const models = () => /** @type {any} */ (state).models || [];

/** @typedef {import("../boards/calls.js").S} S */

/** @type {any} the host adapter (src/hosts/host.d.ts) */
let host = null;
/**
 * The Board view's own state: what is on screen, not shared with other views.
 * `board` is the open board (GET /boards/<id>), typed `any`: every command runs only while
 * a board is open, and its shape is checked where it is built (bridge/client.js).
 * @type {{boards: S["BoardSummary"][], board: any, selected: string | null, open: Set<string>,
 *   takes: Map<string, S["TakeOut"][]>, gaps: Map<string, {startFrame: number, frames: number, track: number}>,
 *   preview: string | null, editing: string | null, playing: string | null}}
 */
const view = { boards: [], board: null, selected: null, open: new Set(), takes: new Map(),
  gaps: new Map(), preview: null, editing: null, playing: null };

/**
 * Where focus is inside the shot list, said so it survives a rebuild: the shot, the take,
 * and the control's class. Null when focus is elsewhere.
 * @param {HTMLElement} list
 */
function focusSpot(list) {
  const el = /** @type {HTMLElement | null} */ (document.activeElement);
  if (!el || !list.contains(el)) return null;
  const card = el.closest(".shot");
  const take = el.closest(".shot-take");
  const cls = [...el.classList].find((c) => c.startsWith("shot-") || c.startsWith("take-")) || "";
  return { shot: card && getData(card, "shotId"), take: take && getData(take, "takeId"), cls, self: el === card };
}

/** Puts focus back where focusSpot found it, or the nearest sensible place: the same
 * control, else (disabled now, e.g. ▲ on the first shot) its shot's card.
 * @param {HTMLElement} list @param {NonNullable<ReturnType<typeof focusSpot>>} spot */
function refocus(list, spot) {
  const card = list.querySelector(`.shot[data-shot-id="${spot.shot}"]`);
  if (!card) return;
  /** @type {HTMLElement | null} */
  let el = null;
  if (!spot.self) {
    /** @type {HTMLElement | null} */
    const scope = spot.take ? card.querySelector(`.shot-take[data-take-id="${spot.take}"]`) : /** @type {HTMLElement} */ (card);
    el = scope && (spot.cls ? scope.querySelector(`.${spot.cls}`) : null);
    if (!el && scope && scope.classList.contains(spot.cls)) el = scope;
    if (el && /** @type {HTMLButtonElement} */ (el).disabled) el = card.querySelector(".shot-up:not([disabled]), .shot-down:not([disabled])");
  }
  el = el || /** @type {HTMLElement} */ (card);
  // A control of a card that is not the Tab stop is still a place to land after an action.
  el.focus({ preventScroll: false });
}

/** @param {HTMLElement} root @param {any} theHost the host adapter */
export function mountBoard(root, theHost) {
  host = theHost;
  const caps = host.capabilities;
  const select = h("select#board-select", { "aria-label": "Board" });
  const songInput = h("input#board-song-file", { type: "file", accept: "audio/*,.mp3,.wav,.m4a,.aac,.flac", hidden: true });
  const listInput = h("input#board-list-file", { type: "file", accept: ".csv,.tsv,.json,.md,.txt", hidden: true });
  const timelineInput = h("input#board-timeline-file", { type: "file",
    accept: TIMELINE_TYPES.map((t) => `.${t}`).join(","), hidden: true });
  const takesN = h("input#board-takes", { type: "number", min: "1", max: "64", value: "4", "aria-label": "Takes per shot" });
  const model = h("select#board-model", { "aria-label": "Model" });
  const bars = h("input#board-bars", { type: "number", min: "0.25", max: "64", step: "0.25", value: "2", "aria-label": "Bars per shot" });
  const tempo = h("input#board-tempo", { type: "number", min: "20", max: "400", step: "0.01", placeholder: "BPM", "aria-label": "Tempo" });
  const wave = h("canvas.wave#board-wave", { "aria-label": "Song waveform with beats and cuts", role: "img" });
  const summary = h("div.info#board-summary");
  // Grid editor, click track, animatic, undo (ui/board_play.js).
  const play = mountBoardPlay({ board: () => view.board, setBoard: (b) => { view.board = b; render(); },
    bridge: getBridge, selected: () => view.selected, ui: { h, guard, toast, announce } },
  { wave, root, absolute: api.absolute, isBoardTab: () => state.tab === "board" });
  const shots = h("div.shots#board-shots", { role: "list", "aria-label": "Shots" });
  const looks = h("div.board-looks#board-looks-root");
  /** @param {string} id @param {string} text @param {string} title @param {() => unknown} fn */
  const btn = (id, text, title, fn, cls = "small") =>
    h(`button.${cls}#${id}`, { type: "button", title, onclick: fn }, text);
  const undoBtn = btn("board-undo", "Undo", "Undo the board's last edit (Ctrl+Z)", () => travel("undo"));
  const redoBtn = btn("board-redo", "Redo", "Redo the edit Undo took back (Ctrl+Shift+Z)", () => travel("redo"));
  /** @param {string} id @param {string} text @param {() => unknown} fn */
  const menuItem = (id, text, fn) => h(`button.small#${id}`, { type: "button", role: "menuitem",
    onclick: () => { menu.open = false; fn(); } }, text);
  const menu = h("details.board-menu#board-menu", null,
    h("summary.small", { "aria-label": "Board actions" }, "Board ▾"),
    h("div.board-menu-items", { role: "menu", "aria-label": "Board actions" },
      menuItem("board-rename", "Rename…", renameBoard),
      menuItem("board-duplicate", "Duplicate", duplicateBoard),
      menuItem("board-export", "Export shot list (CSV)", exportBoard),
      menuItem("board-delete", "Delete board…", deleteBoard)));
  const assembleFormat = h("select#board-assemble-format", { "aria-label": "Assemble as" },
    caps.timeline ? option("sequence", "Premiere sequence", true) : null,
    ASSEMBLE_FORMATS.map((f) => option(f.name, f.label, !caps.timeline && f.name === "otio")));

  root.append(
    h("div.section-head", null, h("h2", null, "Board"), h("span.grow"), select,
      btn("board-new", "New", "A new board (the active sequence's rate and size)", newBoard), menu),
    h("div.board-empty.empty#board-empty", null, "No board yet: New starts one, then add a song and a shot list."),
    h("div.board-body#board-body", null,
      h("div.row.wrap.board-tools", null,
        btn("board-add-song", "Song…", "Import a song (WAV, MP3, AAC, FLAC)", openSong),
        btn("board-add-list", "Shot list…", "Add shots from CSV, TSV, JSON or a Markdown table", openList),
        btn("board-add-shot", "+ Shot", "Add an empty shot at the end", () => addShot()),
        undoBtn, redoBtn,
        caps.timeline ? btn("board-markers", "Markers → cuts", "The active sequence's markers become shot boundaries", () => seq.markersToCuts()) : null,
        btn("board-timeline-markers", "Timeline markers…", "The markers of a timeline file (.otio, FCP7 XML, FCPXML, EDL) become shot boundaries", () => seq.openTimeline()),
        caps.timeline ? btn("board-gap", "Fill gap", "A shot exactly as long as the sequence's in/out (or the gap under the playhead), put at the gap's place", () => seq.fillGap()) : null,
        songInput, listInput, timelineInput),
      play.stage, play.panel,
      h("div.row.wrap.board-grid", null,
        btn("grid-earlier", "◀ beat", "Move bar 1 a beat earlier", () => shiftGrid(-1)),
        btn("grid-later", "beat ▶", "Move bar 1 a beat later", () => shiftGrid(1)),
        btn("grid-half", "½×", "Halve the tempo", () => setGrid({ tempo_factor: 0.5 })),
        btn("grid-double", "2×", "Double the tempo", () => setGrid({ tempo_factor: 2 })),
        tempo, btn("grid-tempo", "Set", "Use this tempo", () => setGrid(tempo.value ? { tempo: Number(tempo.value) } : { tempo: null })),
        h("span.grow"), bars,
        btn("board-fill", "bars a shot", "N bars a shot, as many shots as the song holds", () => fill(Number(bars.value)))),
      summary, looks, shots,
      h("div.row.wrap.board-foot", null, field("Takes", takesN), field("Model", model),
        btn("board-generate-missing", "Generate missing", "Takes for every shot without a pick", () => generateAll(true), "primary"),
        btn("board-generate-all", "Generate all", "Takes for every shot", () => generateAll(false)),
        h("span.row.board-assemble-group", null, field("Assemble as", assembleFormat),
          btn("board-assemble", caps.timeline ? "Create sequence" : "Assemble",
            "The board's cut: picks on V1, the song on A1, a marker per shot; into Premiere or saved in the format chosen",
            () => seq.assembleBoard(assembleFormat.value))),
        finishAllButton(() => view.board, (/** @type {string} */ m) => toast(m, "ok")))));
  const seq = sequenceCommands({ view, host, render, pickTimeline: () => timelineInput.click() });

  select.addEventListener("change", () => open(select.value));
  model.addEventListener("change", () => rememberModel(model.value));
  // The board's own undo, ahead of the Takes view's (keyboard.js listens on the document):
  // while the Board is the view in use and no text field has focus (its own undo wins there).
  window.addEventListener("keydown", (ev) => {
    if (!view.board || state.tab !== "board" || root.offsetParent === null) return;
    if (!(ev.ctrlKey || ev.metaKey) || ev.altKey || typing(ev.target)) return;
    const t = /** @type {HTMLElement | null} */ (ev.target);
    if (t && t.closest && t.closest("#view-gallery, .actions-host")) return;
    const k = ev.key.toLowerCase();
    const way = k === "z" ? (ev.shiftKey ? "redo" : "undo") : k === "y" ? "redo" : null;
    if (!way) return;
    ev.preventDefault();
    ev.stopImmediatePropagation();
    travel(way);
  }, true);
  songInput.addEventListener("change", () => songInput.files?.[0] && addSong(songInput.files[0]));
  listInput.addEventListener("change", () => listInput.files?.[0] && addList(listInput.files[0]));
  timelineInput.addEventListener("change", () => {
    const file = timelineInput.files?.[0];
    timelineInput.value = ""; // the same file again (after re-exporting it) is a change too
    if (file) seq.timelineMarkers(file);
  });
  wave.addEventListener("click", (/** @type {MouseEvent} */ e) => {
    if (!view.board) return;
    const rect = wave.getBoundingClientRect();
    const shot = shotAt(view.board, timeAt(view.board, e.clientX - rect.left, rect.width));
    if (shot) selectShot(shot);
  });
  wireDrag(shots);
  shots.addEventListener("keydown", (/** @type {Event} */ ev) => shotKeys(/** @type {KeyboardEvent} */ (ev)));
  on((/** @type {string} */ w) => {
    if (w === "models") {
      renderModels();
      // What the Look offers follows the board's model's details.
      if (view.board) renderLooks(looks, view.board, model.value || boardModel(), reload);
    }
    if ((w === "takes" || w === "jobs") && view.board) refreshSoon();
    if (w === "tab" && state.tab === "board") start();
  });
  window.addEventListener("resize", () => view.board && drawWave(wave, view.board, view.selected));

  /** A song: the host's picker where there is no file input (UXP), else the page's input. */
  async function openSong() {
    const picked = await host.openFile(SONG_TYPES);
    if (picked) return addSong(new File([picked.bytes], picked.name));
    songInput.click();
    return null;
  }

  async function openList() {
    const text = host.capabilities.nativeOpen ? await host.openTextFile() : null;
    if (text) return addList(new File([text], "shots.csv"));
    listInput.click();
    return null;
  }

  /** The board's model: the one it remembers (its defaults), else one that is ready. */
  function renderModels() {
    const want = boardModel();
    clear(model);
    for (const m of models()) {
      const note = m.state === "ready" ? "" : m.state === "needs_key" ? " (needs a key)" : ` (${m.state.replace("_", " ")})`;
      model.append(option(m.name, `${m.label || m.name}${note}`, m.name === want));
    }
  }

  function boardModel() {
    const all = models();
    const own = view.board && view.board.defaults && view.board.defaults.model;
    if (own && all.some((m) => m.name === own)) return own;
    // On this machine first (a provider's takes are paid), then a provider with its key
    // stored, then a test model (noise, but it runs), else the first.
    const ready = all.find((m) => m.state === "ready" && !m.test_model && !m.provider) ||
      all.find((m) => m.state === "ready" && !m.test_model) ||
      all.find((m) => m.state === "ready") || all[0];
    return ready ? ready.name : "";
  }

  /** The editor's choice, kept with the board (its defaults), so it is there next time. */
  /** @param {string} name */
  function rememberModel(name) {
    if (!view.board || !name) return null;
    const defaults = { ...(view.board.defaults || {}), model: name };
    return guard(async () => {
      view.board = await api.patchBoard(view.board.id, { defaults });
      render();
    });
  }

  function render() {
    const b = view.board;
    if (state.board !== b) setBoard(b); // the store's copy: the queue names shots from it
    root.classList.toggle("has-board", !!b);
    play.render(b);
    clear(select);
    select.append(option("", view.boards.length ? "Choose a board" : "No boards", !b));
    for (const x of view.boards) select.append(option(x.id, x.name, b && x.id === b.id));
    undoBtn.disabled = !b || !b.undo_steps;
    redoBtn.disabled = !b || !b.redo_steps;
    menu.hidden = !b;
    if (!b) return;
    if (model.value !== boardModel()) renderModels();
    const song = b.song ? `${b.song.filename} · ${b.song.tempo} BPM · ` : "No song · ";
    const picked = b.shots.filter((/** @type {any} */ s) => s.selected_take_id).length;
    summary.textContent = `${song}${b.shots.length} shots · ${picked} picked · ${b.duration_s.toFixed(2)} s at ${b.fps} fps` +
      (b.layout_error ? ` · ${b.layout_error.message}` : "");
    if (b.song && document.activeElement !== tempo) tempo.value = String(b.song.tempo);
    drawWave(wave, b, view.selected);
    renderLooks(looks, b, model.value || boardModel(), reload);
    const focus = focusSpot(shots);
    const current = b.shots.some((/** @type {any} */ s) => s.id === view.selected) ? view.selected : (b.shots[0] || {}).id;
    clear(shots);
    for (const s of b.shots) {
      shots.append(shotCard(b, s, { selected: s.id === view.selected, current: s.id === current,
        open: view.open.has(s.id), takes: view.takes.get(s.id), actions, model: model.value,
        timeline: host.capabilities.timeline, gap: view.gaps.get(s.id), preview: view.preview,
        editing: view.editing === s.id, playing: view.playing === s.id }));
    }
    if (focus) refocus(shots, focus);
  }

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let timer;
  function refreshSoon() {
    clearTimeout(timer);
    timer = setTimeout(() => guard(reload), 400);
  }

  async function reload() {
    if (!view.board) return;
    view.board = await api.getBoard(view.board.id);
    for (const id of view.open) view.takes.set(id, (await api.shotTakes(id)).takes || []);
    render();
  }

  async function start() {
    await guard(async () => {
      view.boards = (await api.listBoards()).boards;
      if (!view.board && view.boards.length) view.board = await api.getBoard(view.boards[0].id);
      render();
    });
  }

  /** @param {string} id */
  function open(id) {
    return guard(async () => {
      view.board = id ? await api.getBoard(id) : null;
      view.open.clear();
      view.takes.clear();
      render();
    });
  }

  function newBoard() {
    return guard(async () => {
      const info = await host.getSequenceInfo();
      const body = { name: `Board ${view.boards.length + 1}` };
      if (info && [23.976, 24, 25, 29.97, 30, 50, 59.94, 60].some((r) => Math.abs(r - info.fps) < 0.01)) {
        Object.assign(body, { fps: info.fps, width: info.width - (info.width % 2), height: info.height - (info.height % 2) });
      }
      view.board = await api.createBoard(body);
      view.boards = (await api.listBoards()).boards;
      render();
      return info ? `New board at the sequence's ${view.board.fps} fps.` : "New board at 24 fps, 1920×1080.";
    }, said);
  }

  /** @param {File} file */
  function addSong(file) {
    return guard(async () => {
      let got = await api.uploadSong(file);
      // A long song answers 202 while it is analysed: wait for it (saying so), then link it
      // (a board refuses a song still being analysed).
      while (!("tempo" in got)) {
        announce(`Analysing ${got.filename}: ${Math.round(got.elapsed_s)} s so far.`);
        await new Promise((r) => setTimeout(r, 500));
        got = await api.song(got.id);
      }
      const song = got;
      view.board = await api.patchBoard(view.board.id, { song_id: song.id });
      render();
      return `${song.filename}: ${song.tempo} BPM, ${song.downbeats.length} bars.`;
    }, said);
  }

  /** @param {File} file */
  function addList(file) {
    return guard(async () => {
      const r = await api.uploadShotList(view.board.id, file);
      view.board = r.board;
      render();
      return `Added ${r.shots.length} shots.`;
    }, said);
  }

  function addShot(fields = {}) {
    return guard(async () => {
      const r = await api.addShots(view.board.id, fields);
      view.board = r.board;
      render();
      return r.shots[0];
    });
  }

  /** @param {number} beats */
  function shiftGrid(beats) {
    const grid = view.board.grid || {};
    return setGrid({ shift_beats: (grid.shift_beats || 0) + beats });
  }

  /** @param {S["GridIn"] | null} grid */
  function setGrid(grid) {
    return guard(async () => {
      view.board = await api.patchBoard(view.board.id, { grid });
      render();
    });
  }

  /** @param {number} n */
  function fill(n) {
    return guard(async () => {
      view.board = await api.fillSong(view.board.id, n);
      render();
      return `${n} bars a shot: ${view.board.shots.length} shots.`;
    }, said);
  }

  /** @param {boolean} onlyMissing */
  function generateAll(onlyMissing) {
    return guard(async () => {
      const r = await generateShots(view.board, genBody({ only_missing: onlyMissing }));
      refreshSoon();
      const skipped = (r.skipped || []).length ? ` Skipped ${r.skipped.length} without a prompt.` : "";
      return `Queued ${r.jobs.length} takes for ${r.shots.length} shots.${skipped}`;
    }, said);
  }

  /** @param {Partial<S["GenerateIn"]>} extra @returns {S["GenerateIn"]} */
  function genBody(extra) {
    /** @type {S["GenerateIn"]} */
    const body = { ...extra, takes: Math.max(1, Math.min(64, Number(takesN.value) || 1)) };
    if (model.value) body.model = model.value;
    return body;
  }

  /** @param {any} shot */
  function selectShot(shot) {
    view.selected = shot.id;
    render();
  }

  /** The Board's keys, on what has focus: a shot card, or a take in a shot's strip. */
  /** @param {KeyboardEvent} ev */
  function shotKeys(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || !view.board) return;
    const el = /** @type {HTMLElement} */ (ev.target);
    /** @type {any[]} */
    const list = view.board.shots;
    const k = ev.key;
    if (el.classList.contains("shot")) {
      const i = list.findIndex((x) => x.id === getData(el, "shotId"));
      /** @type {Record<string, number>} */
      const moves = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0,
        End: list.length - 1 };
      const to = moves[k];
      if (to !== undefined) {
        const next = list[Math.max(0, Math.min(list.length - 1, to))];
        view.selected = next.id;
        render();
        focusShot(next.id);
      } else if (k === "Enter") {
        view.selected = list[i].id;
        actions.toggle(list[i]).then(() => {
          const first = shots.querySelector(`.shot[data-shot-id="${list[i].id}"] .shot-take[tabindex="0"]`);
          if (first) /** @type {HTMLElement} */ (first).focus();
        });
      } else if (k === " " || k === "Spacebar") {
        selectShot(list[i]);
      } else if ((k === "v" || k === "V") && list[i].pick) {
        view.playing = view.playing === list[i].id ? null : list[i].id;
        playPick(el, view.playing === list[i].id);
      } else return;
      ev.preventDefault();
      return;
    }
    if (el.classList.contains("shot-take")) {
      const card = /** @type {HTMLElement} */ (el.closest(".shot"));
      const shot = list.find((x) => x.id === getData(card, "shotId"));
      const takes = view.takes.get(shot.id) || [];
      const i = takes.findIndex((t) => t.id === getData(el, "takeId"));
      /** @type {Record<string, number>} */
      const moves = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0,
        End: takes.length - 1 };
      const to = moves[k];
      if (to !== undefined) {
        const t = takes[Math.max(0, Math.min(takes.length - 1, to))];
        for (const x of card.querySelectorAll(".shot-take")) x.setAttribute("tabindex", getData(x, "takeId") === t.id ? "0" : "-1");
        const next = card.querySelector(`.shot-take[data-take-id="${t.id}"]`);
        if (next) /** @type {HTMLElement} */ (next).focus();
      } else if (k === " " || k === "Spacebar") {
        actions.preview(shot, takes[i]);
      } else if (k === "p" || k === "P" || k === "Enter") {
        const chosen = takes[i].id === shot.selected_take_id;
        actions.pick(shot, chosen ? null : takes[i]);
      } else if (k === "Escape") {
        focusShot(shot.id);
      } else return;
      ev.preventDefault();
    }
  }

  /** @param {string} id */
  function focusShot(id) {
    const card = /** @type {HTMLElement | null} */ (shots.querySelector(`.shot[data-shot-id="${id}"]`));
    if (card) {
      card.focus({ preventScroll: true });
      card.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  // Every action on a shot makes it the board's current shot (its card the Tab stop).
  /** @template {any[]} A @param {(shot: any, ...rest: A) => any} fn
   * @returns {(shot: any, ...rest: A) => any} */
  const acting = (fn) => (shot, ...rest) => {
    view.selected = shot.id;
    return fn(shot, ...rest);
  };
  /** The Board's actions on a shot, for its card (board_shot.js).
   * @type {Record<string, (...args: any[]) => any>} */
  const actions = {
    select: selectShot,
    reload: () => reload(),
    patch: acting((shot, body) => guard(async () => { await api.patchShot(shot.id, body); await reload(); })),
    move: acting((shot, position) => guard(async () => {
      if (position < 0 || position >= view.board.shots.length) return;
      await api.patchShot(shot.id, { position });
      await reload();
      announce(`${shot.label} moved to place ${position + 1}.`);
    })),
    split: acting((shot) => guard(async () => { await api.splitShot(shot.id); await reload(); })),
    remove: (shot) => guard(async () => {
      await api.deleteShot(shot.id);
      await reload();
      return `Deleted ${shot.label} (its takes stay). Ctrl+Z or Undo brings it back.`;
    }, said),
    edit: (shot, on) => {
      view.selected = shot.id;
      view.editing = on ? shot.id : null;
      render();
      const card = shots.querySelector(`.shot[data-shot-id="${shot.id}"]`);
      const target = card && card.querySelector(on ? ".shot-edit-length" : ".shot-edit");
      if (target) /** @type {HTMLElement} */ (target).focus();
    },
    saveEdit: acting((shot, body) => guard(async () => {
      if (Object.keys(body).length) await api.patchShot(shot.id, body);
      view.editing = null;
      await reload();
      const card = shots.querySelector(`.shot[data-shot-id="${shot.id}"] .shot-edit`);
      if (card) /** @type {HTMLElement} */ (card).focus();
      return Object.keys(body).length ? `Saved ${body.label || shot.label}.` : "Nothing changed.";
    }, said)),
    say: (message) => toast(message, "error"),
    extend: acting((shot, short) => guard(async () => {
      const frames = extensionFrames(short);
      const pick = shot.pick;
      await api.continueTake({ prompt: shot.prompt || pick.prompt || shot.label, model: model.value,
        continue_from: pick.id, shot_id: shot.id, num_frames: frames, takes: 1 });
      refreshSoon();
      return `Queued a continuation of ${shot.label}'s pick (${frames} frames): pick it when it is done, and the cut holds both.`;
    }, said)),
    toggle: acting((shot) => guard(async () => {
      if (view.open.has(shot.id)) view.open.delete(shot.id);
      else view.open.add(shot.id);
      await reload(); // the shot's takes, and the board as it is now
    })),
    generate: (shot) => guard(async () => {
      const r = await generateShots(view.board, genBody({ shot_ids: [shot.id] }));
      refreshSoon();
      return `Queued ${r.jobs.length} takes for ${shot.label}.`;
    }, said),
    pick: acting((shot, take) => guard(async () => {
      await api.patchShot(shot.id, { selected_take_id: take ? take.id : null });
      await reload();
      announce(take ? `Picked seed ${take.seed} for ${shot.label}.` : `${shot.label} has no pick.`);
    })),
    preview: (shot, take) => {
      view.preview = view.preview === take.id ? null : take.id;
      render();
    },
    swap: (shot, take) => seq.swap(shot, take),
    placeInGap: (shot) => seq.placeInGap(shot),
    genBody,
  };

  /** Frames of a continuation that covers `short` more seconds at the model's rate, on its
   * frame rule (step·k + 1), with the frames it holds on from the pick (bridge.library.direct). */
  /** @param {number} short */
  function extensionFrames(short) {
    const m = models().find((x) => x.name === model.value);
    /** @type {any} */
    const d = (m && m.details) || {};
    const fps = (d.defaults && d.defaults.fps) || d.fps || view.board.fps;
    const step = (d.frames && d.frames.step) || 8;
    const max = (d.frames && d.frames.max) || 257;
    const hold = (d.conditioning && d.conditioning.video && d.conditioning.continue_frames) || 1;
    const want = Math.ceil(short * fps) + hold;
    return Math.min(max, step * Math.ceil((want - 1) / step) + 1);
  }

  /** Undo or redo the board's last edit, through the board service (kept across reloads). */
  /** @param {"undo" | "redo"} way */
  function travel(way) {
    if (!view.board) return null;
    return guard(async () => {
      view.board = await api[way](view.board.id);
      view.editing = null;
      await reload();
      return way === "undo" ? "Undone." : "Redone.";
    }, said);
  }

  function renameBoard() {
    const name = globalThis.prompt("Name of the board", view.board.name);
    if (name == null || !name.trim()) return null;
    return guard(async () => {
      view.board = await api.patchBoard(view.board.id, { name: name.trim() });
      view.boards = (await api.listBoards()).boards;
      render();
      return `Renamed to ${view.board.name}.`;
    }, said);
  }

  function duplicateBoard() {
    return guard(async () => {
      view.board = await api.duplicateBoard(view.board.id);
      view.boards = (await api.listBoards()).boards;
      view.open.clear();
      render();
      return `Made ${view.board.name}: a copy to try another cut on (the takes are shared).`;
    }, said);
  }

  function exportBoard() {
    return guard(async () => {
      const text = await api.boardCsv(view.board.id);
      const name = `${view.board.name}.csv`;
      await host.saveFile(new TextEncoder().encode(text), name);
      return `Exported the shot list: ${name}.`;
    }, said);
  }

  function deleteBoard() {
    const b = view.board;
    if (!globalThis.confirm(`Delete the board ${b.name}? Its takes stay in the library.`)) return null;
    return guard(async () => {
      await api.deleteBoard(b.id);
      view.boards = (await api.listBoards()).boards;
      view.board = view.boards.length ? await api.getBoard(view.boards[0].id) : null;
      render();
      return `Deleted the board ${b.name}.`;
    }, said);
  }

  /** @param {HTMLElement} list */
  function wireDrag(list) {
    /** @type {string | null} */
    let dragged = null;
    list.addEventListener("dragstart", (/** @type {any} */ e) => {
      const card = e.target.closest && e.target.closest(".shot");
      dragged = card ? getData(card, "shotId") : null;
      if (dragged && e.dataTransfer) e.dataTransfer.setData("text/plain", dragged);
    });
    list.addEventListener("dragover", (/** @type {DragEvent} */ e) => e.preventDefault());
    list.addEventListener("drop", (/** @type {any} */ e) => {
      e.preventDefault();
      const card = e.target.closest && e.target.closest(".shot");
      const id = dragged || (e.dataTransfer && e.dataTransfer.getData("text/plain"));
      if (!card || !id || !view.board) return;
      const target = view.board.shots.find((/** @type {any} */ s) => s.id === getData(card, "shotId"));
      const moving = view.board.shots.find((/** @type {any} */ s) => s.id === id);
      if (target && moving && target.id !== moving.id) actions.move(moving, target.position);
    });
  }

  render();
}
