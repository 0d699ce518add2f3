// @ts-check
// Size and duration choices that fit a model, read from its `details` in GET /models. The
// bridge validates anyway; offering only valid values saves the editor a round of errors.
// Shapes are read leniently (lists of numbers, [w, h] pairs, "WxH" strings, or a
// {min, max, step, offset} rule) so a new model family needs no panel change.

/** @typedef {import("./store.js").Model} Model */
/** @typedef {import("./bridge/schema").components["schemas"]["PresetDefaults"]} PresetDefaults */
/**
 * A model's details as read here: the contract's (ModelDetails) or a looser shape (sizes as
 * "WxH" strings or {width, height}, a frame rule with an offset), so `sizes` and `frames` are
 * narrowed where they are read.
 * @typedef {{fps?: number | number[], sizes?: unknown, frames?: unknown,
 *   defaults?: Partial<PresetDefaults>}} Details
 */
/** @typedef {{width: number, height: number, label: string}} SizeOption */

/** @param {Model | null | undefined} model @returns {Details} */
function details(model) {
  return (model && model.details) || {};
}

/** @param {Model | null | undefined} model @returns {Partial<PresetDefaults>} */
export function defaults(model) {
  return (model && model.details && model.details.defaults) || {};
}

/** @param {Model | null | undefined} model */
export function modelFps(model) {
  const d = details(model);
  const fps = Array.isArray(d.fps) ? d.fps[0] : d.fps;
  return Number(defaults(model).fps || fps || 24);
}

/** [{width, height, label}] @param {Model | null | undefined} model @returns {SizeOption[]} */
export function sizeOptions(model) {
  const d = details(model);
  /** @type {unknown[]} */
  const raw = Array.isArray(d.sizes) ? d.sizes : [];
  /** @type {SizeOption[]} */
  const out = [];
  for (const s of raw) {
    let w = 0;
    let h = 0;
    let label = "";
    if (Array.isArray(s)) [w, h] = /** @type {number[]} */ (s); // [w, h], as the contract has it
    else if (typeof s === "string") [w, h] = s.split(/[x×]/i).map(Number);
    else if (s && typeof s === "object") {
      const o = /** @type {{width?: number, height?: number, label?: string}} */ (s);
      ({ width: w = 0, height: h = 0 } = o);
      label = o.label || "";
    }
    if (w > 0 && h > 0) out.push({ width: w, height: h, label: label || `${w}×${h}` });
  }
  const def = defaults(model);
  if (!out.length && def.width && def.height) {
    const rule = d.sizes && typeof d.sizes === "object" && !Array.isArray(d.sizes) ? d.sizes : {};
    for (const [w, h] of ruleSizes(def.width, def.height, rule)) {
      out.push({ width: w, height: h, label: `${w}×${h}${sizeName(w, h, def)}` });
    }
  }
  return out;
}

/**
 * Presets from a {multiple, min, max} rule: the default, its portrait, a square, and a
 * half-size draft, each snapped to the multiple and kept inside the limits.
 * @param {number} w @param {number} h @param {{multiple?: unknown, min?: unknown, max?: unknown}} rule
 */
function ruleSizes(w, h, rule) {
  const m = Number(rule.multiple || 1);
  const lo = Number(rule.min || m);
  const hi = Number(rule.max || Math.max(w, h));
  const snap = (/** @type {number} */ v) => Math.min(hi, Math.max(lo, Math.round(v / m) * m));
  const list = [[w, h], [h, w], [snap(Math.min(w, h)), snap(Math.min(w, h))], [snap(w / 2), snap(h / 2)]];
  /** @type {Set<string>} */
  const seen = new Set();
  return list.filter(([a, b]) => {
    const k = `${a}x${b}`;
    if (seen.has(k) || a <= 0 || b <= 0) return false;
    seen.add(k);
    return true;
  });
}

/** @param {number} w @param {number} h @param {Partial<PresetDefaults>} def */
function sizeName(w, h, def) {
  if (w === def.width && h === def.height) return "";
  if (w === h) return " square";
  if (w === def.height && h === def.width) return " portrait";
  return " draft";
}

/** Allowed frame counts, ascending. @param {Model | null | undefined} model @returns {number[]} */
export function frameCounts(model) {
  const d = details(model);
  const f = d.frames;
  /** @type {number[]} */
  let list = [];
  if (Array.isArray(f)) list = /** @type {unknown[]} */ (f).map(Number).filter((n) => n > 0);
  else if (f && typeof f === "object") {
    // The contract's {rule, step, max}, or a rule with an offset, a minimum or another name.
    const r = /** @type {Record<string, unknown>} */ (f);
    const step = Number(r.step || r.multiple || r.multiple_of || 1);
    const fromRule = /k\s*\+\s*(\d+)/.exec(String(r.rule || ""));
    const offset = Number(r.offset ?? r.remainder ?? r.plus ?? (fromRule ? fromRule[1] : 0));
    const min = Number(r.min || step + offset);
    const max = Number(r.max || min + step * 32);
    for (let n = min; n <= max; n++) if ((n - offset) % step === 0) list.push(n);
  }
  const def = Number(defaults(model).num_frames || 0);
  if (def && !list.includes(def)) list.push(def);
  return [...new Set(list)].sort((a, b) => a - b);
}

/** A handful of duration presets: each allowed count is too many for a 320 px picker. @param {Model | null | undefined} model */
export function durationOptions(model) {
  const fps = modelFps(model);
  const counts = frameCounts(model);
  if (counts.length <= 8) return counts.map((n) => ({ frames: n, label: durationLabel(n, fps) }));
  const wanted = [0.5, 1, 2, 3, 4, 5, 6, 8, 10].map((s) => nearest(counts, s * fps));
  const def = Number(defaults(model).num_frames || 0);
  if (def) wanted.push(def);
  return [...new Set(wanted)].sort((a, b) => a - b).map((n) => ({ frames: n, label: durationLabel(n, fps) }));
}

/** @param {number} frames @param {number} fps */
export function durationLabel(frames, fps) {
  return `${(frames / fps).toFixed(1)} s (${frames}f)`;
}

/** @param {number[]} list @param {number} target */
export function nearest(list, target) {
  let best = list[0];
  for (const n of list) if (Math.abs(n - target) < Math.abs(best - target)) best = n;
  return best;
}

/**
 * Frame count for a shot-list duration in seconds, snapped to what the model can do.
 * @param {Model | null | undefined} model @param {number} seconds
 */
export function framesForSeconds(model, seconds) {
  const counts = frameCounts(model);
  const target = seconds * modelFps(model);
  return counts.length ? nearest(counts, target) : Math.round(target);
}

/** @param {Model} m */
export function modelLabel(m) {
  const state = m.state && m.state !== "ready" ? ` (${m.state.replace("_", " ")})` : "";
  const test = m.test_model ? " · test model, makes noise" : "";
  return `${m.label || m.name}${state}${test}`;
}
