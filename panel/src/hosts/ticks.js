// @ts-check
// Premiere time as exact ticks (254016000000 a second) from sequence frames. Pure: no host
// API here. Every sequence rate Premiere offers has a whole number of ticks per frame
// (29.97: 8475667200), so a shot's frames land on exact ticks; BigInt keeps hours exact.

export const TICKS_PER_SECOND = 254016000000;

// The one rate rule, as otio_export/rates.py states it (tests hold the two to the same
// answers): a decimal that is n*1000/1001 to the precision people write it (23.976, 29.97,
// 59.94, 14.985) means that NTSC fraction, for any whole n.
const NTSC_TOLERANCE = 0.006;

/**
 * The exact rate [numerator, denominator] meant by a rate label (29.97 -> 30000/1001).
 * Ticks need a whole or an NTSC rate; anything else is refused.
 * @param {number | string} fps @returns {number[]}
 */
export function exactRate(fps) {
  const n = Number(fps);
  if (Number.isInteger(n) && n > 0) return [n, 1];
  const base = Math.round(n * 1.001);
  if (base > 0 && Math.abs(n - base / 1.001) < NTSC_TOLERANCE && Math.abs(n - base) > 0.01) {
    return [base * 1000, 1001];
  }
  throw new Error(`${fps} fps is not a sequence rate.`);
}

/** Ticks of one frame at a sequence rate, as a string (Premiere's TickTime.ticks).
 * @param {number | string} fps @returns {string} */
export function ticksPerFrame(fps) {
  const [num, den] = exactRate(fps);
  return (BigInt(TICKS_PER_SECOND) * BigInt(den) / BigInt(num)).toString();
}

/** Ticks at a sequence frame, as a string. @param {number} frames @param {number | string} fps
 * @returns {string} */
export function framesToTicks(frames, fps) {
  const [num, den] = exactRate(fps);
  return (BigInt(Math.round(frames)) * BigInt(TICKS_PER_SECOND) * BigInt(den) / BigInt(num))
    .toString();
}

/** The sequence frame nearest a tick count. @param {string | number} ticks
 * @param {number | string} fps @returns {number} */
export function ticksToFrames(ticks, fps) {
  const per = BigInt(ticksPerFrame(fps));
  const t = BigInt(String(ticks));
  return Number((t + per / BigInt(2)) / per);
}

/** The rate label of a timebase (ticks per frame, as Sequence.getTimebase answers).
 * @param {string | number} ticks @returns {number} */
export function fpsOfTimebase(ticks) {
  // NTSC rates round to their labels (30000/1001 -> 29.97), whole rates to themselves.
  return Math.round(TICKS_PER_SECOND / Number(ticks) * 1000) / 1000;
}

/** @param {string | number} ticks @returns {number} */
export function ticksToSeconds(ticks) {
  return Number(ticks) / TICKS_PER_SECOND;
}
