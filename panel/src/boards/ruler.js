// @ts-check
// A shot's beat ruler and the places on it: where its beats and bars fall (counted from 1
// at the shot's first beat, as the bridge counts a keyframe's `beat` or `bar`), where a
// keyframe placed by frame, seconds, beat or bar lands, and timed prompt sections written
// as the shot's prompt ("bars 1-2: the couple at the table | bars 3-4: a field").
//
// Pure: no DOM, no bridge. The bridge lays a place onto frames itself (on the cut's frame
// grid, then on the model's stride); the ruler only draws where it will land, so it counts
// beats the same way: from the song beat nearest the shot's first frame.

/** @typedef {"frame" | "seconds" | "beat" | "bar"} Unit */
/** @typedef {{ n: number, t: number, bar: number | null }} Mark  a beat, `t` seconds into the shot */
/** @typedef {{ seconds: number, fps: number, beats: Mark[], bars: Mark[], hasSong: boolean }} Ruler */
/** @typedef {{ unit: Unit, from: number, to: number, text: string }} Section */
/** @typedef {{ beats: number[], downbeats: number[] }} SongGrid */
/** @typedef {{ start_s?: number | null, seconds?: number | null, start_frame?: number | null, frames?: number | null }} ShotSpan */

/** The beats and bars inside a shot, in seconds from its first frame.
 * @param {{ fps: number, song?: SongGrid | null }} board @param {ShotSpan} shot @returns {Ruler} */
export function shotRuler(board, shot) {
  const fps = board.fps || 24;
  const start = shot.start_s ?? (shot.start_frame != null ? shot.start_frame / fps : 0);
  const seconds = shot.seconds ?? (shot.frames != null ? shot.frames / fps : 0);
  const song = board.song;
  if (!song || song.beats.length < 2 || !(seconds > 0)) return { seconds, fps, beats: [], bars: [], hasSong: false };
  const first = nearest(song.beats, start);
  const firstBar = nearest(song.downbeats.length ? song.downbeats : song.beats, start);
  const downs = song.downbeats.length ? song.downbeats : [];
  /** @type {Mark[]} */
  const beats = [];
  // A beat a few milliseconds before the shot's first frame is on it (the cut rounds both
  // to the same frame): within half a frame counts as the start.
  const slack = 0.5 / fps;
  for (let i = first; i < song.beats.length; i++) {
    const t = song.beats[i] - start;
    if (t >= seconds - slack) break;
    if (t < -slack) continue;
    const d = downs.findIndex((x) => Math.abs(x - song.beats[i]) < 1e-3);
    beats.push({ n: i - first + 1, t: Math.max(0, t), bar: d >= firstBar ? d - firstBar + 1 : null });
  }
  /** @type {Mark[]} */
  const bars = [];
  for (let i = firstBar; i < downs.length; i++) {
    const t = downs[i] - start;
    if (t >= seconds - slack) break;
    if (t >= -slack) bars.push({ n: i - firstBar + 1, t: Math.max(0, t), bar: i - firstBar + 1 });
  }
  return { seconds, fps, beats, bars, hasSong: true };
}

/** The index of the value nearest `t` in a sorted list. @param {number[]} xs @param {number} t */
function nearest(xs, t) {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (Math.abs(xs[i] - t) < Math.abs(xs[best] - t)) best = i;
  return best;
}

/** Seconds into the shot of a mark numbered `n` (fractions between marks), or null.
 * @param {Mark[]} marks @param {number} n */
function markTime(marks, n) {
  const i = marks.findIndex((m) => m.n === Math.floor(n));
  if (i < 0) return null;
  const next = marks[i + 1];
  const step = next ? next.t - marks[i].t : marks.length > 1 ? marks[i].t - marks[i - 1].t : 0;
  return marks[i].t + (n - Math.floor(n)) * step;
}

/** Seconds into the shot where a place lands; null when it is off the shot or needs a song.
 * @param {Ruler} ruler @param {Record<string, number | string>} place */
export function placeSeconds(ruler, place) {
  /** @type {number | null} */
  let t = null;
  if (place.frame === "first") t = 0;
  else if (place.frame === "last") t = Math.max(0, ruler.seconds - 1 / ruler.fps);
  else if (typeof place.frame === "number") t = place.frame / ruler.fps;
  else if (typeof place.seconds === "number" && place.beat === undefined && place.bar === undefined) t = place.seconds;
  else if (typeof place.beat === "number") t = markTime(ruler.beats, place.beat);
  else if (typeof place.bar === "number") t = markTime(ruler.bars, place.bar);
  return t === null || t < 0 || t > ruler.seconds + 1e-6 ? null : t;
}

/** A place as the editor said it: "bar 2", "beat 3.5", "1.50 s", "frame 12", "first frame".
 * @param {Record<string, number | string>} place */
export function placeLabel(place) {
  if (place.frame === "first" || place.frame === "last") return `${place.frame} frame`;
  if (place.bar !== undefined) return `bar ${place.bar}`;
  if (place.beat !== undefined) return `beat ${place.beat}`;
  if (place.frame !== undefined) return `frame ${place.frame}`;
  if (typeof place.seconds === "number") return `${place.seconds.toFixed(2)} s`;
  return "?";
}

/** The keyframe body's place fields for a unit and a value (`frame` may be first/last).
 * @param {Unit} unit @param {number | "first" | "last"} value @returns {Record<string, number | string>} */
export function placeOf(unit, value) {
  if (value === "first" || value === "last") return { frame: value };
  return unit === "frame" ? { frame: Math.max(0, Math.round(value)) } : { [unit]: value };
}

// ---------------------------------------------------------------- timed prompt sections

const UNIT_WORDS = /** @type {Record<string, Unit>} */ ({ bar: "bar", bars: "bar", beat: "beat", beats: "beat",
  s: "seconds", sec: "seconds", secs: "seconds", second: "seconds", seconds: "seconds", frame: "frame", frames: "frame" });
const PLURAL = /** @type {Record<Unit, string>} */ ({ bar: "bars", beat: "beats", seconds: "s", frame: "frames" });
const SINGULAR = /** @type {Record<Unit, string>} */ ({ bar: "bar", beat: "beat", seconds: "s", frame: "frame" });
const SECTION = /^\s*(bars?|beats?|s|secs?|seconds?|frames?)\s+(\d+(?:\.\d+)?)(?:\s*(?:-|–|to)\s*(\d+(?:\.\d+)?))?\s*:\s*([\s\S]*)$/i;

/** A timed prompt's sections; [] when the prompt is not timed (plain text).
 * "bars 1-2: the couple at the table | bars 3-4: the table becomes a field"; "bar 5: …" is
 * bar 5 alone.
 * @param {string} prompt @returns {Section[]} */
export function parseSections(prompt) {
  const parts = String(prompt || "").split("|");
  /** @type {Section[]} */
  const out = [];
  for (const part of parts) {
    const m = SECTION.exec(part);
    if (!m) return [];
    out.push({ unit: UNIT_WORDS[m[1].toLowerCase()], from: Number(m[2]), to: Number(m[3] ?? m[2]), text: m[4].trim() });
  }
  return out;
}

/** Sections back into one prompt, in the order they play ("bar 2: …" for a single bar);
 * empty sections left out.
 * @param {Section[]} sections */
export function formatSections(sections) {
  return [...sections].filter((s) => s.text.trim()).sort((a, b) => a.from - b.from)
    .map((s) => `${s.from === s.to ? `${SINGULAR[s.unit]} ${s.from}` : `${PLURAL[s.unit]} ${s.from}-${s.to}`}: `
      + s.text.trim().replace(/\|/g, "/")).join(" | ");
}

/** Where a section spans on the ruler, seconds from the shot's start (ends inclusive of
 * their last bar or beat: "bars 1-2" runs to where bar 3 begins); null when off the shot.
 * @param {Ruler} ruler @param {Section} s @returns {{ from: number, to: number } | null} */
export function sectionSpan(ruler, s) {
  const at = (/** @type {number} */ n) => placeSeconds(ruler, s.unit === "frame" ? { frame: n } : { [s.unit]: n });
  const from = at(s.from);
  if (from === null) return null;
  const whole = s.unit === "bar" || s.unit === "beat";
  const end = whole ? at(s.to + 1) : at(s.to);
  return { from, to: end === null ? ruler.seconds : Math.max(from, end) };
}

/** Where sections overlap or leave gaps, in words ("" when they tile the shot).
 * @param {Section[]} sections */
export function sectionProblems(sections) {
  const sorted = [...sections].sort((a, b) => a.from - b.from);
  for (let i = 0; i < sorted.length; i++) {
    const s = sorted[i];
    if (s.to < s.from) return `${PLURAL[s.unit]} ${s.from}-${s.to} ends before it starts.`;
    const next = sorted[i + 1];
    if (next && next.unit === s.unit && next.from <= s.to) {
      return `${PLURAL[s.unit]} ${s.from}-${s.to} and ${next.from}-${next.to} overlap.`;
    }
  }
  return "";
}

/** @typedef {{ prompt: string, frame?: number, seconds?: number, beat?: number, bar?: number }} PromptSectionBody */

/** Sections as the bridge takes them: the shot's `prompt` holds until the second section,
 * and `prompts` (POST /jobs, a shot's overrides) lists each later section with where it
 * starts (the bridge lays bars and beats onto frames with the cut's arithmetic).
 * @param {Section[]} sections @returns {{ prompt: string, prompts: PromptSectionBody[] }} */
export function sectionsToFields(sections) {
  const sorted = [...sections].filter((s) => s.text.trim()).sort((a, b) => a.from - b.from);
  const [first, ...rest] = sorted;
  return {
    prompt: first ? first.text.trim() : "",
    prompts: rest.map((s) => ({ prompt: s.text.trim(), [s.unit]: s.from })),
  };
}

/** The sections a shot's prompt and `prompts` make, each running to where the next starts
 * (the last to the shot's end on `ruler`); [] when the prompt is not timed. A prompt still
 * written the old way ("bars 1-2: … | bars 3-4: …") is read as before.
 * @param {string} prompt @param {PromptSectionBody[] | null | undefined} prompts
 * @param {Ruler} ruler @returns {Section[]} */
export function sectionsFromFields(prompt, prompts, ruler) {
  const later = (prompts || []).map((p) => {
    const unit = /** @type {Unit} */ (["bar", "beat", "seconds", "frame"].find((u) => p[/** @type {Unit} */ (u)] != null) || "seconds");
    return { unit, from: Number(p[unit]), text: p.prompt };
  }).sort((a, b) => a.from - b.from);
  if (!later.length) return parseSections(prompt);
  const unit = later[0].unit;
  const whole = unit === "bar" || unit === "beat";
  const end = unit === "bar" ? Math.max(1, ruler.bars.length) : unit === "beat" ? Math.max(1, ruler.beats.length)
    : unit === "frame" ? Math.round(ruler.seconds * ruler.fps) : ruler.seconds;
  const starts = [whole ? 1 : 0, ...later.map((s) => s.from)];
  const texts = [prompt, ...later.map((s) => s.text)];
  return starts.map((from, i) => {
    const next = starts[i + 1];
    const to = next === undefined ? Math.max(from, end) : whole ? next - 1 : next;
    return { unit: i === 0 ? unit : later[i - 1].unit, from, to, text: texts[i] };
  });
}
