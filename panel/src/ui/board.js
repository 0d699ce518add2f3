// The Board view: a song, its beat grid and the shots cut to it. Shots are a list when the
// panel is docked narrow and a strip when wide; drag (or ▲▼) to reorder; generate a shot or
// the whole board; pick a take per shot; assemble the cut. In Premiere: swap a take into the
// sequence, fill a gap, turn sequence markers into cuts. Host calls go through hosts/*.js.

import * as api from "../boards/calls.js";
import { ticksToFrames } from "../hosts/ticks.js";
import { drawWave, shotAt, timeAt } from "../boards/wave.js";
import { on, state } from "../store.js";
import { clear, field, getData, guard, h, option, toast } from "./dom.js";
import { shotCard } from "./board_shot.js";

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
        btn("board-add-song", "Song…", "Import a song (WAV, MP3, AAC, FLAC)", () => songInput.click()),
        btn("board-add-list", "Shot list…", "Add shots from CSV, TSV, JSON or a Markdown table", openList),
        btn("board-add-shot", "+ Shot", "Add an empty shot at the end", () => addShot()),
        caps.timeline ? btn("board-markers", "Markers → cuts", "The active sequence's markers become shot boundaries", markersToCuts) : null,
        caps.timeline ? btn("board-gap", "Fill gap", "A shot exactly as long as the sequence's in/out (or the gap under the playhead)", fillGap) : null,
        songInput, listInput),
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
        btn("board-assemble", caps.timeline ? "Create sequence" : "Assemble", "The board's cut: picks on V1, the song on A1, a marker per shot", assembleBoard))));

  select.addEventListener("change", () => open(select.value));
  songInput.addEventListener("change", () => songInput.files[0] && addSong(songInput.files[0]));
  listInput.addEventListener("change", () => listInput.files[0] && addList(listInput.files[0]));
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
      const seq = await host.getSequenceInfo();
      const body = { name: `Board ${view.boards.length + 1}` };
      if (seq && [23.976, 24, 25, 29.97, 30, 50, 59.94, 60].some((r) => Math.abs(r - seq.fps) < 0.01)) {
        Object.assign(body, { fps: seq.fps, width: seq.width - (seq.width % 2), height: seq.height - (seq.height % 2) });
      }
      view.board = await api.createBoard(body);
      view.boards = (await api.listBoards()).boards;
      render();
      return seq ? `New board at the sequence's ${view.board.fps} fps.` : "New board at 24 fps, 1920×1080.";
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

  function markersToCuts() {
    return guard(async () => {
      const marks = await host.getSequenceMarkers();
      if (!marks.length) throw new Error("The active sequence has no markers: tap M on the beats first.");
      view.board = await api.markersToCuts(view.board.id, marks.map((m) => m.seconds));
      render();
      return `${marks.length} markers became cuts.`;
    }, (m) => m);
  }

  function fillGap() {
    return guard(async () => {
      const gap = await host.findGap({ track: state.track });
      if (!gap) throw new Error("Set in and out points, or put the playhead in a gap on the chosen track.");
      const start = ticksToFrames(gap.startTicks, view.board.fps);
      const frames = ticksToFrames(gap.endTicks, view.board.fps) - start;
      if (frames <= 0) throw new Error("The gap is shorter than a frame.");
      const r = await api.addShots(view.board.id, { label: `Gap at frame ${start}`,
        duration: { value: frames, unit: "frames" },
        notes: `Fills ${frames} frames from frame ${start} on V${(gap.track || 0) + 1}.` });
      view.gaps.set(r.shots[0].id, { startFrame: start, frames, track: gap.track || 0 });
      view.board = r.board;
      view.selected = r.shots[0].id;
      render();
      return `A shot of ${frames} frames for the gap: generate it, pick a take, then Place in gap.`;
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

  function assembleBoard() {
    return guard(async () => {
      const fmt = host.capabilities.timelineFormat || "otio";
      const tl = await api.assemble(view.board.id, { formats: [fmt] });
      const bytes = await api.timelineBytes(tl, fmt);
      const name = `${view.board.name}.${fmt === "otio" ? "otio" : "xml"}`;
      await host.importTimeline({ bytes, name });
      for (const note of tl.notes || []) toast(note, "info");
      return host.capabilities.timeline ? `Created the sequence "${view.board.name}".` : `Assembled: saved ${name}.`;
    }, (m) => m);
  }

  function selectShot(shot) {
    view.selected = shot.id;
    render();
  }

  /** Checks before a take goes on the timeline: the file is there; its rate is said. */
  async function placeable(take) {
    if (!(await api.mediaExists(take))) throw new Error(`The take's file is missing: ${take.media_path}`);
    if (take.fps && Math.abs(take.fps - view.board.fps) > 0.01) {
      toast(`This take is ${take.fps} fps in a ${view.board.fps} fps sequence: placed at its own rate (real-time speed; Premiere repeats or skips frames), not conformed.`, "info");
    }
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
    swap: (shot, take) => guard(async () => {
      await placeable(take);
      await host.swapTake(take.media_path, { track: state.track, startFrame: shot.start_frame,
        frames: shot.frames, fps: view.board.fps });
      return `Swapped ${shot.label} to seed ${take.seed} on V${state.track + 1}.`;
    }, (m) => m),
    placeInGap: (shot) => guard(async () => {
      const gap = view.gaps.get(shot.id);
      const take = shot.pick;
      await placeable(take);
      await host.placeTrimmed(take.media_path, { track: gap.track, startFrame: gap.startFrame,
        frames: gap.frames, fps: view.board.fps, label: "Promptcut: fill gap" });
      return `Filled the gap on V${gap.track + 1} with ${shot.label}.`;
    }, (m) => m),
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
