// The song's waveform with its beat grid and the shots' boundaries, drawn on a canvas.
// Pure drawing: the view hands it the board (song peaks, beats, downbeats; shots laid out).

const COLORS = { wave: "#6f7f96", beat: "#3c3c3c", bar: "#8a8a8a", cut: "#f0b400",
  selected: "rgba(55, 142, 240, 0.28)", label: "#e8e8e8", bg: "#151515" };

/** Seconds at an x position of the canvas, for a board drawn `width` wide. */
export function timeAt(board, x, width) {
  return (x / Math.max(1, width)) * span(board);
}

/** What the waveform shows: the song's length, or the shots' when they run longer. */
export function span(board) {
  const song = board.song ? board.song.duration_s : 0;
  return Math.max(song, board.duration_s || 0, 1);
}

/** The shot under a time, or null. */
export function shotAt(board, seconds) {
  const fps = board.fps;
  return (board.shots || []).find((s) => s.start_frame != null &&
    seconds >= s.start_frame / fps && seconds < s.end_frame / fps) || null;
}

/**
 * @param {HTMLCanvasElement} canvas
 * @param {any} board the board as GET /boards/<id> answers
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
  const x = (t) => (t / total) * width;
  const song = board.song;
  for (const shot of board.shots || []) {
    if (shot.id === selectedId && shot.start_frame != null) {
      g.fillStyle = COLORS.selected;
      g.fillRect(x(shot.start_frame / board.fps), 0,
        x(shot.end_frame / board.fps) - x(shot.start_frame / board.fps), height);
    }
  }
  if (song) {
    const downs = new Set(song.downbeats.map((t) => t.toFixed(3)));
    for (const t of song.beats) {
      const bar = downs.has(t.toFixed(3));
      g.fillStyle = bar ? COLORS.bar : COLORS.beat;
      g.fillRect(Math.round(x(t)), bar ? 0 : height * 0.6, 1, bar ? height : height * 0.4);
    }
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
  for (const shot of board.shots || []) {
    if (shot.start_frame == null) continue;
    const px = Math.round(x(shot.start_frame / board.fps));
    g.fillStyle = COLORS.cut;
    g.fillRect(px, 0, 2, height);
    g.fillStyle = COLORS.label;
    g.fillText(shot.label || "", px + 4, 11, Math.max(0, x(shot.seconds || 0) - 6));
  }
}
