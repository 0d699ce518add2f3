// @ts-check
// The song's waveform with its beat grid, its tempo map where the tempo changes, and the
// shots' boundaries, drawn on a canvas. Pure drawing: the view hands it the board (song
// peaks, beats, downbeats, tempo map; shots laid out).

/** @typedef {import("../bridge/schema").components["schemas"]["BoardOut"]} Board */
/** @typedef {import("../bridge/schema").components["schemas"]["ShotOut"]} Shot */

const COLORS = { wave: "#6f7f96", beat: "#3c3c3c", bar: "#8a8a8a", cut: "#f0b400",
  selected: "rgba(55, 142, 240, 0.28)", label: "#e8e8e8", bg: "#151515", tempo: "#7fd0ff" };

/** Seconds at an x position of the canvas, for a board drawn `width` wide.
 * @param {Board} board @param {number} x @param {number} width */
export function timeAt(board, x, width) {
  return (x / Math.max(1, width)) * span(board);
}

/** What the waveform shows: the song's length, or the shots' when they run longer.
 * @param {Board} board */
export function span(board) {
  const song = board.song ? board.song.duration_s : 0;
  return Math.max(song, board.duration_s || 0, 1);
}

/** The shot under a time, or null. @param {Board} board @param {number} seconds
 * @returns {Shot | null} */
export function shotAt(board, seconds) {
  const fps = board.fps;
  return (board.shots || []).find((s) => s.start_frame != null && s.end_frame != null &&
    seconds >= s.start_frame / fps && seconds < s.end_frame / fps) || null;
}

/**
 * Where the tempo changes, to label on the waveform: each section of the song's tempo map
 * after the first, as [seconds, BPM]; none for a steady song.
 * @param {Board} board @returns {number[][]}
 */
export function tempoChanges(board) {
  const map = (board.song && board.song.tempo_map) || [];
  return map.length > 1 ? map.slice(1) : [];
}

const MIN_GAP_PX = 4; // marks closer than this merge into a band: fewer are drawn

/**
 * The beat and bar marks worth drawing at `width` px: every beat where beats stand apart,
 * else bars only, else every n-th bar, so that no two marks are closer than MIN_GAP_PX (a
 * 4-minute song at 320 px would otherwise be a solid band). x positions in px.
 * @param {Board} board @param {number} width
 * @returns {{beats: number[], bars: number[]}}
 */
export function gridMarks(board, width) {
  const song = board.song;
  if (!song) return { beats: [], bars: [] };
  const total = span(board);
  const x = (/** @type {number} */ t) => Math.round((t / total) * width);
  const downs = new Set(song.downbeats.map((/** @type {number} */ t) => t.toFixed(3)));
  const gap = (/** @type {number[]} */ ts) => (ts.length > 1 ? ((ts[ts.length - 1] - ts[0]) / (ts.length - 1) / total) * width : Infinity);
  const bars = song.downbeats.length ? song.downbeats : song.beats;
  const beats = song.beats.filter((/** @type {number} */ t) => !downs.has(t.toFixed(3)));
  const every = Math.max(1, Math.ceil(MIN_GAP_PX / gap(bars)));
  const barXs = bars.filter((/** @type {number} */ _t, /** @type {number} */ i) => i % every === 0).map(x);
  const beatXs = gap(song.beats) >= MIN_GAP_PX ? beats.map(x) : [];
  return { beats: beatXs, bars: barXs };
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {Board} board the board as GET /boards/<id> answers
 * @param {string | null} selectedId
 */
export function drawWave(canvas, board, selectedId) {
  const ratio = globalThis.devicePixelRatio || 1;
  const width = canvas.clientWidth || 300;
  const height = canvas.clientHeight || 72;
  canvas.width = Math.round(width * ratio);
  canvas.height = Math.round(height * ratio);
  const g = canvas.getContext("2d");
  if (!g) return;
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.fillStyle = COLORS.bg;
  g.fillRect(0, 0, width, height);
  const total = span(board);
  const x = (/** @type {number} */ t) => (t / total) * width;
  const song = board.song;
  for (const shot of board.shots || []) {
    if (shot.id === selectedId && shot.start_frame != null && shot.end_frame != null) {
      g.fillStyle = COLORS.selected;
      g.fillRect(x(shot.start_frame / board.fps), 0,
        x(shot.end_frame / board.fps) - x(shot.start_frame / board.fps), height);
    }
  }
  if (song) {
    const marks = gridMarks(board, width);
    g.fillStyle = COLORS.beat;
    for (const px of marks.beats) g.fillRect(px, height * 0.6, 1, height * 0.4);
    g.fillStyle = COLORS.bar;
    for (const px of marks.bars) g.fillRect(px, 0, 1, height);
    const peaks = song.peaks || [];
    const songW = x(song.duration_s);
    g.fillStyle = COLORS.wave;
    const mid = height / 2;
    for (let i = 0; i < peaks.length; i++) {
      const px = (i / peaks.length) * songW;
      const h = Math.max(1, peaks[i] * (height / 2 - 4));
      g.fillRect(px, mid - h, Math.max(1, songW / peaks.length), h * 2);
    }
  }
  g.font = "10px sans-serif";
  const cuts = (board.shots || []).filter((s) => s.start_frame != null);
  // Dense cuts (55 at 320 px) as hairlines; a label only where it has room to be read.
  const thin = cuts.length > 1 && width / cuts.length < 8;
  let free = 0;
  for (const shot of cuts) {
    const px = Math.round(x((shot.start_frame || 0) / board.fps));
    g.fillStyle = COLORS.cut;
    g.fillRect(px, 0, thin ? 1 : 2, height);
    const room = x(shot.seconds || 0) - 6;
    if (px + 4 < free || room < 24) continue;
    g.fillStyle = COLORS.label;
    g.fillText(shot.label || "", px + 4, 11, room);
    free = px + 4 + Math.min(room, g.measureText(shot.label || "").width) + 4;
  }
  // The tempo map where it changes: a dashed line and the new tempo at the bottom.
  g.fillStyle = COLORS.tempo;
  g.strokeStyle = COLORS.tempo;
  g.setLineDash([3, 3]);
  let room = 0;
  for (const [at, bpm] of tempoChanges(board)) {
    const px = Math.round(x(at));
    g.beginPath();
    g.moveTo(px + 0.5, 14);
    g.lineTo(px + 0.5, height);
    g.stroke();
    if (px + 3 < room) continue;
    const text = `${bpm} BPM`;
    g.fillText(text, Math.min(px + 3, width - g.measureText(text).width - 2), height - 3);
    room = px + 3 + g.measureText(text).width + 6;
  }
  g.setLineDash([]);
}
