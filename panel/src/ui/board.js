// The Board view: a song, its beat grid and the shots cut to it. Shots are a list when the
// panel is docked narrow and a strip when wide; drag (or ▲▼) to reorder; generate a shot or
// the whole board; pick a take per shot. What meets a timeline (markers as cuts, fill a gap,
// swap a take, the board's sequence) is in board_sequence.js.

import * as api from "../boards/calls.js";
import { drawWave, shotAt, timeAt } from "../boards/wave.js";
import { on, setBoard, state } from "../store.js";
import { announce, clear, field, getData, guard, h, option, toast } from "./dom.js";
import { TIMELINE_TYPES, sequenceCommands } from "./board_sequence.js";
import { shotCard } from "./board_shot.js";
import { generateWithLooks, renderLooks } from "./looks.js";
import { finishAllButton } from "./direct_finish.js";
const SONG_TYPES = ["wav", "mp3", "m4a", "aac", "flac"];

let host = null;
const view = { boards: [], board: null, selected: null, open: new Set(), takes: new Map(),
  gaps: new Map(), preview: null };

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
 * control, else (disabled now, e.g. ▲ on the first shot) its shot's card. */
function refocus(list, spot) {
  const card = list.querySelector(`.shot[data-shot-id="${spot.shot}"]`);
  if (!card) return;
  let el = null;
  if (!spot.self) {
    const scope = spot.take ? card.querySelector(`.shot-take[data-take-id="${spot.take}"]`) : card;
    el = scope && (spot.cls ? scope.querySelector(`.${spot.cls}`) : null);
    if (!el && scope && scope.classList.contains(spot.cls)) el = scope;
    if (el && el.disabled) el = card.querySelector(".shot-up:not([disabled]), .shot-down:not([disabled])");
  }
  el = el || card;
  // A control of a card that is not the Tab stop is still a place to land after an action.
  el.focus({ preventScroll: false });
}

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
  const shots = h("div.shots#board-shots", { role: "list", "aria-label": "Shots" });
  const looks = h("div.board-looks#board-looks-root");
  const btn = (id, text, title, fn, cls = "small") =>
    h(`button.${cls}#${id}`, { type: "button", title, onclick: fn }, text);

  root.append(
    h("div.section-head", null, h("h2", null, "Board"), h("span.grow"), select,
      btn("board-new", "New", "A new board (the active sequence's rate and size)", newBoard)),
    h("div.board-empty.empty#board-empty", null, "No board yet: New starts one, then add a song and a shot list."),
    h("div.board-body#board-body", null,
      h("div.row.wrap.board-tools", null,
        btn("board-add-song", "Song…", "Import a song (WAV, MP3, AAC, FLAC)", openSong),
        btn("board-add-list", "Shot list…", "Add shots from CSV, TSV, JSON or a Markdown table", openList),
        btn("board-add-shot", "+ Shot", "Add an empty shot at the end", () => addShot()),
        caps.timeline ? btn("board-markers", "Markers → cuts", "The active sequence's markers become shot boundaries", () => seq.markersToCuts()) : null,
        btn("board-timeline-markers", "Timeline markers…", "The markers of a timeline file (.otio, FCP7 XML, FCPXML, EDL) become shot boundaries", () => seq.openTimeline()),
        caps.timeline ? btn("board-gap", "Fill gap", "A shot exactly as long as the sequence's in/out (or the gap under the playhead), put at the gap's place", () => seq.fillGap()) : null,
        songInput, listInput, timelineInput),
      wave,
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
        btn("board-assemble", caps.timeline ? "Create sequence" : "Assemble", "The board's cut: picks on V1, the song on A1, a marker per shot", () => seq.assembleBoard()),
        finishAllButton(() => view.board, (m) => toast(m, "ok")))));
  const seq = sequenceCommands({ view, host, render, pickTimeline: () => timelineInput.click() });

  select.addEventListener("change", () => open(select.value));
  songInput.addEventListener("change", () => songInput.files[0] && addSong(songInput.files[0]));
  listInput.addEventListener("change", () => listInput.files[0] && addList(listInput.files[0]));
  timelineInput.addEventListener("change", () => {
    const file = timelineInput.files[0];
    timelineInput.value = ""; // the same file again (after re-exporting it) is a change too
    if (file) seq.timelineMarkers(file);
  });
  wave.addEventListener("click", (e) => {
    if (!view.board) return;
    const rect = wave.getBoundingClientRect();
    const shot = shotAt(view.board, timeAt(view.board, e.clientX - rect.left, rect.width));
    if (shot) selectShot(shot);
  });
  wireDrag(shots);
  shots.addEventListener("keydown", (ev) => shotKeys(/** @type {KeyboardEvent} */ (ev)));
  on((w) => {
    if (w === "models") renderModels();
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

  function renderModels() {
    const current = model.value;
    clear(model);
    for (const m of state.models) model.append(option(m.name, m.label || m.name, m.name === current));
  }

  function render() {
    const b = view.board;
    if (state.board !== b) setBoard(b); // the store's copy: the queue names shots from it
    root.classList.toggle("has-board", !!b);
    clear(select);
    select.append(option("", view.boards.length ? "Choose a board" : "No boards", !b));
    for (const x of view.boards) select.append(option(x.id, x.name, b && x.id === b.id));
    if (!b) return;
    const song = b.song ? `${b.song.filename} · ${b.song.tempo} BPM · ` : "No song · ";
    const picked = b.shots.filter((s) => s.selected_take_id).length;
    summary.textContent = `${song}${b.shots.length} shots · ${picked} picked · ${b.duration_s.toFixed(2)} s at ${b.fps} fps` +
      (b.layout_error ? ` · ${b.layout_error.message}` : "");
    if (b.song && document.activeElement !== tempo) tempo.value = String(b.song.tempo);
    drawWave(wave, b, view.selected);
    renderLooks(looks, b, reload);
    const focus = focusSpot(shots);
    const current = b.shots.some((s) => s.id === view.selected) ? view.selected : (b.shots[0] || {}).id;
    clear(shots);
    for (const s of b.shots) {
      shots.append(shotCard(b, s, { selected: s.id === view.selected, current: s.id === current,
        open: view.open.has(s.id), takes: view.takes.get(s.id), actions, model: model.value,
        timeline: host.capabilities.timeline, gap: view.gaps.get(s.id), preview: view.preview }));
    }
    if (focus) refocus(shots, focus);
  }

  let timer = null;
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
    }, (m) => m);
  }

  function addSong(file) {
    return guard(async () => {
      const song = await api.upload("song", file);
      view.board = await api.patchBoard(view.board.id, { song_id: song.id });
      render();
      return `${song.filename}: ${song.tempo} BPM, ${song.downbeats.length} bars.`;
    }, (m) => m);
  }

  function addList(file) {
    return guard(async () => {
      const r = await api.upload("shots", file, view.board.id);
      view.board = r.board;
      render();
      return `Added ${r.shots.length} shots.`;
    }, (m) => m);
  }

  function addShot(fields = {}) {
    return guard(async () => {
      const r = await api.addShots(view.board.id, fields);
      view.board = r.board;
      render();
      return r.shots[0];
    });
  }

  function shiftGrid(beats) {
    const grid = view.board.grid || {};
    return setGrid({ shift_beats: (grid.shift_beats || 0) + beats });
  }

  function setGrid(grid) {
    return guard(async () => {
      view.board = await api.patchBoard(view.board.id, { grid });
      render();
    });
  }

  function fill(n) {
    return guard(async () => {
      view.board = await api.fillSong(view.board.id, n);
      render();
      return `${n} bars a shot: ${view.board.shots.length} shots.`;
    }, (m) => m);
  }

  function generateAll(onlyMissing) {
    return guard(async () => {
      const r = await generateWithLooks(view.board, genBody({ only_missing: onlyMissing }));
      refreshSoon();
      const skipped = (r.skipped || []).length ? ` Skipped ${r.skipped.length} without a prompt.` : "";
      return `Queued ${r.jobs.length} takes for ${r.shots.length} shots.${skipped}`;
    }, (m) => m);
  }

  function genBody(extra) {
    const body = { ...extra, takes: Math.max(1, Math.min(64, Number(takesN.value) || 1)) };
    if (model.value) body.model = model.value;
    return body;
  }

  function selectShot(shot) {
    view.selected = shot.id;
    render();
  }

  /** The Board's keys, on what has focus: a shot card, or a take in a shot's strip. */
  function shotKeys(ev) {
    if (ev.altKey || ev.ctrlKey || ev.metaKey || !view.board) return;
    const el = /** @type {HTMLElement} */ (ev.target);
    const list = view.board.shots;
    const k = ev.key;
    if (el.classList.contains("shot")) {
      const i = list.findIndex((x) => x.id === getData(el, "shotId"));
      const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0,
        End: list.length - 1 }[k];
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
      } else return;
      ev.preventDefault();
      return;
    }
    if (el.classList.contains("shot-take")) {
      const card = el.closest(".shot");
      const shot = list.find((x) => x.id === getData(card, "shotId"));
      const takes = view.takes.get(shot.id) || [];
      const i = takes.findIndex((t) => t.id === getData(el, "takeId"));
      const to = { ArrowRight: i + 1, ArrowDown: i + 1, ArrowLeft: i - 1, ArrowUp: i - 1, Home: 0,
        End: takes.length - 1 }[k];
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

  function focusShot(id) {
    const card = /** @type {HTMLElement | null} */ (shots.querySelector(`.shot[data-shot-id="${id}"]`));
    if (card) {
      card.focus({ preventScroll: true });
      card.scrollIntoView({ block: "nearest", inline: "nearest" });
    }
  }

  // Every action on a shot makes it the board's current shot (its card the Tab stop).
  const acting = (fn) => (shot, ...rest) => {
    view.selected = shot.id;
    return fn(shot, ...rest);
  };
  const actions = {
    select: selectShot,
    patch: acting((shot, body) => guard(async () => { await api.patchShot(shot.id, body); await reload(); })),
    move: acting((shot, position) => guard(async () => {
      if (position < 0 || position >= view.board.shots.length) return;
      await api.patchShot(shot.id, { position });
      await reload();
      announce(`${shot.label} moved to place ${position + 1}.`);
    })),
    split: acting((shot) => guard(async () => { await api.splitShot(shot.id); await reload(); })),
    remove: (shot) => guard(async () => {
      if (!globalThis.confirm(`Delete ${shot.label}? Its takes stay in the library.`)) return;
      await api.deleteShot(shot.id);
      await reload();
    }),
    toggle: acting((shot) => guard(async () => {
      if (view.open.has(shot.id)) view.open.delete(shot.id);
      else view.open.add(shot.id);
      await reload(); // the shot's takes, and the board as it is now
    })),
    generate: (shot) => guard(async () => {
      const r = await generateWithLooks(view.board, genBody({ shot_ids: [shot.id] }));
      refreshSoon();
      return `Queued ${r.jobs.length} takes for ${shot.label}.`;
    }, (m) => m),
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

  function wireDrag(list) {
    let dragged = null;
    list.addEventListener("dragstart", (e) => {
      const card = e.target.closest && e.target.closest(".shot");
      dragged = card ? getData(card, "shotId") : null;
      if (dragged && e.dataTransfer) e.dataTransfer.setData("text/plain", dragged);
    });
    list.addEventListener("dragover", (e) => e.preventDefault());
    list.addEventListener("drop", (e) => {
      e.preventDefault();
      const card = e.target.closest && e.target.closest(".shot");
      const id = dragged || (e.dataTransfer && e.dataTransfer.getData("text/plain"));
      if (!card || !id || !view.board) return;
      const target = view.board.shots.find((s) => s.id === getData(card, "shotId"));
      const moving = view.board.shots.find((s) => s.id === id);
      if (target && moving && target.id !== moving.id) actions.move(moving, target.position);
    });
  }

  render();
}
