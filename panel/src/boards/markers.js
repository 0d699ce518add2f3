// @ts-check
// Markers of an imported timeline (POST /timelines/import answers a cut list) as cut points
// in seconds, for POST /boards/<id>/markers. Pure: no DOM, no bridge, so Node tests it.
// The cut's markers sit at sequence frames at the cut's rate; a frame becomes seconds by the
// exact rate (29.97 is 30000/1001, never 29.97), so the bridge's nearest frame at the board's
// rate is the marker's own frame when the rates agree.

import { exactRate } from "../hosts/ticks.js";

/** [numerator, denominator] of a cut's rate: exact for sequence rates, else as written.
 * @param {number} fps @returns {number[]} */
function rateOf(fps) {
  try {
    return exactRate(fps);
  } catch {
    return [fps, 1]; // a rate Premiere has no sequences at (12 fps): its own value
  }
}

/** Seconds of a sequence frame at a rate. @param {number} frame @param {number} fps */
export function frameSeconds(frame, fps) {
  const [num, den] = rateOf(fps);
  return (frame * den) / num;
}

/**
 * The cut points an imported cut's markers give: its sequence markers, or, when it has none,
 * the markers on its video clips and gaps (placed at the clip's start on the track). Sorted,
 * each frame once, the sequence's first frame left out (it is no cut).
 * @param {{fps?: number, markers?: {frame?: number}[],
 *   entries?: {track?: string, start?: number | null, markers?: {frame?: number}[]}[]}} cut
 * @returns {{seconds: number[], frames: number[], from: "sequence" | "clips" | null}}
 */
export function markerCuts(cut) {
  const fps = cut.fps || 24;
  let from = /** @type {"sequence" | "clips" | null} */ (null);
  let frames = (cut.markers || []).map((m) => m.frame || 0);
  if (frames.some((f) => f > 0)) from = "sequence";
  else {
    frames = [];
    for (const e of cut.entries || []) {
      if (!String(e.track || "V1").startsWith("V")) continue;
      for (const m of e.markers || []) frames.push((e.start || 0) + (m.frame || 0));
    }
    if (frames.some((f) => f > 0)) from = "clips";
  }
  const unique = [...new Set(frames.filter((f) => f > 0))].sort((a, b) => a - b);
  return { seconds: unique.map((f) => frameSeconds(f, fps)), frames: unique, from };
}
