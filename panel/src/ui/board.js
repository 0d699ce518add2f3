// The Board view: a song, its beat grid and the shots cut to it. Shots are a list when the
// panel is docked narrow and a strip when wide; drag (or ▲▼) to reorder; generate a shot or
// the whole board; pick a take per shot. What meets a timeline (markers as cuts, fill a gap,
// swap a take, the board's sequence) is in board_sequence.js.

import * as api from "../boards/calls.js";
import { drawWave, shotAt, timeAt } from "../boards/wave.js";
import { on, state } from "../store.js";
import { clear, field, getData, guard, h, option, toast } from "./dom.js";
import { TIMELINE_TYPES, sequenceCommands } from "./board_sequence.js";
import { shotCard } from "./board_shot.js";
const SONG_TYPES = ["wav", "mp3", "m4a", "aac", "flac"];

let host = null;
const view = { boards: [], board: null, selected: null, open: new Set(), takes: new Map(),
  gaps: new Map() };
export const boardState = view;

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
  const shots = h("div.shots#board-shots", { role: "list" });
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
      summary, shots,
      h("div.row.wrap.board-foot", null, field("Takes", takesN), field("Model", model),
        btn("board-generate-missing", "Generate missing", "Takes for every shot without a pick", () => generateAll(true), "primary"),
        btn("board-generate-all", "Generate all", "Takes for every shot", () => generateAll(false)),
        btn("board-assemble", caps.timeline ? "Create sequence" : "Assemble", "The board's cut: picks on V1, the song on A1, a marker per shot", () => seq.assembleBoard()))));
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
    const focusId = document.activeElement && getData(document.activeElement, "shotId");
    clear(shots);
    for (const s of b.shots) {
      shots.append(shotCard(b, s, { selected: s.id === view.selected, open: view.open.has(s.id),
        takes: view.takes.get(s.id), actions, timeline: host.capabilities.timeline,
        gap: view.gaps.get(s.id) }));
    }
    if (focusId) {
      const again = shots.querySelector(`[data-shot-id="${focusId}"]`);
      if (again) again.focus();
    }
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
      const r = await api.generate(view.board.id, genBody({ only_missing: onlyMissing }));
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

  const actions = {
    select: selectShot,
    patch: (shot, body) => guard(async () => { await api.patchShot(shot.id, body); await reload(); }),
    move: (shot, position) => guard(async () => {
      if (position < 0 || position >= view.board.shots.length) return;
      await api.patchShot(shot.id, { position });
      await reload();
    }),
    split: (shot) => guard(async () => { await api.splitShot(shot.id); await reload(); }),
    remove: (shot) => guard(async () => {
      if (!globalThis.confirm(`Delete ${shot.label}? Its takes stay in the library.`)) return;
      await api.deleteShot(shot.id);
      await reload();
    }),
    toggle: (shot) => guard(async () => {
      if (view.open.has(shot.id)) view.open.delete(shot.id);
      else view.open.add(shot.id);
      await reload(); // the shot's takes, and the board as it is now
    }),
    generate: (shot) => guard(async () => {
      const r = await api.generate(view.board.id, genBody({ shot_ids: [shot.id] }));
      refreshSoon();
      return `Queued ${r.jobs.length} takes for ${shot.label}.`;
    }, (m) => m),
    pick: (shot, take) => guard(async () => {
      await api.patchShot(shot.id, { selected_take_id: take ? take.id : null });
      await reload();
    }),
    swap: (shot, take) => seq.swap(shot, take),
    placeInGap: (shot) => seq.placeInGap(shot),
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
