// @ts-check
// The click track's arithmetic: which beats click in a stretch of the song, and where the
// song is after some seconds of playing, looped or not. Pure (no Web Audio, no DOM): the
// player (boards/player.js) schedules what these answer, and Node or a test can check them.
//
// Beat times are the board's grid as GET /boards/<id> answers it (`song.beats`, after the
// editor's corrections); downbeats are a subset of those same numbers (`song.downbeats`).

/** @typedef {{ time: number, accent: boolean }} Click a beat of the song, in seconds */
/** @typedef {{ start: number, end: number }} Loop a stretch of the song played over */
/** @typedef {{ from: number, to: number, at: number }} Span song [from, to) heard `at`
 * seconds after playing started */

/** Beats and downbeats are the same rounded numbers; compare them on a 0.1 ms key. */
const key = (/** @type {number} */ t) => Math.round(t * 10000);

/**
 * The clicks in song time [from, to): every beat, accented on a downbeat.
 * @param {readonly number[]} beats @param {readonly number[]} downbeats
 * @param {number} from @param {number} to
 * @returns {Click[]}
 */
export function clicksBetween(beats, downbeats, from, to) {
  const downs = new Set(downbeats.map(key));
  return beats.filter((t) => t >= from && t < to)
    .map((t) => ({ time: t, accent: downs.has(key(t)) }));
}

/**
 * Where the song is `elapsed` seconds after it started playing at `position`: straight on,
 * or, with a loop that holds `position`, round the loop (the way an AudioBufferSourceNode
 * with loopStart/loopEnd plays it).
 * @param {number} position @param {number} elapsed @param {Loop | null} loop
 */
export function songTime(position, elapsed, loop) {
  const t = position + elapsed;
  if (!loop || position >= loop.end || loop.end - loop.start <= 0 || t < loop.end) return t;
  const length = loop.end - loop.start;
  return loop.start + ((t - loop.end) % length);
}

/**
 * The stretches of song heard between `from` and `to` seconds of playing (both counted
 * from when playing started at `position`): one span straight on, several round a loop.
 * @param {number} position @param {number} from @param {number} to @param {Loop | null} loop
 * @returns {Span[]}
 */
export function spansHeard(position, from, to, loop) {
  if (to <= from) return [];
  if (!loop || position >= loop.end || loop.end - loop.start <= 0) {
    return [{ from: position + from, to: position + to, at: from }];
  }
  const spans = [];
  let at = from;
  while (at < to && spans.length < 10_000) {
    const here = songTime(position, at, loop);
    const bound = here < loop.end ? loop.end : here; // past the end only before looping
    const length = Math.min(to - at, bound - here);
    if (length <= 0) break;
    spans.push({ from: here, to: here + length, at });
    at += length;
  }
  return spans;
}

/**
 * The clicks heard between `from` and `to` seconds of playing, each with the second of
 * playing it sounds at: what the player schedules on the audio clock.
 * @param {readonly number[]} beats @param {readonly number[]} downbeats
 * @param {number} position @param {number} from @param {number} to @param {Loop | null} loop
 * @returns {(Click & { at: number })[]}
 */
export function clicksHeard(beats, downbeats, position, from, to, loop) {
  return spansHeard(position, from, to, loop).flatMap((span) =>
    clicksBetween(beats, downbeats, span.from, span.to)
      .map((c) => ({ ...c, at: span.at + (c.time - span.from) })));
}

/**
 * The bar (1 = bar 1) a time falls in: how many downbeats are at or before it (0 before
 * bar 1's downbeat, the pickup).
 * @param {readonly number[]} downbeats @param {number} t
 */
export function barAt(downbeats, t) {
  let n = 0;
  for (const d of downbeats) if (d <= t + 1e-6) n += 1;
  return n;
}
