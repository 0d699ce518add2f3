// @ts-check
// Size and duration choices that fit a model, read from its `details` in GET /models. The
// bridge validates anyway; offering only valid values saves the editor a round of errors.
// Shapes are read leniently (lists of numbers, [w, h] pairs, "WxH" strings, or a
// {min, max, step, offset} rule) so a new model family needs no panel change.

/** @param {any} model @returns {Record<string, any>} */
export function defaults(model) {
  return (model && model.details && model.details.defaults) || {};
}

/** @param {any} model */
export function modelFps(model) {
  const d = (model && model.details) || {};
  const fps = Array.isArray(d.fps) ? d.fps[0] : d.fps;
  return Number(defaults(model).fps || fps || 24);
}

/** [{width, height, label}] @param {any} model @returns {{ width: number, height: number, label: string }[]} */
export function sizeOptions(model) {
  const d = (model && model.details) || {};
  const raw = Array.isArray(d.sizes) ? d.sizes : [];
  const out = [];
  for (const s of raw) {
    /** @type {any} */
    let w;
    /** @type {any} */
    let h;
    if (Array.isArray(s)) [w, h] = s;
    else if (typeof s === "string") [w, h] = s.split(/[x×]/i).map(Number);
    else if (s && typeof s === "object") ({ width: w, height: h } = s);
    if (w > 0 && h > 0) out.push({ width: w, height: h, label: (s && s.label) || `${w}×${h}` });
  }
  const def = defaults(model);
  if (!out.length && def.width && def.height) {
    const rule = d.sizes && !Array.isArray(d.sizes) ? d.sizes : {};
    for (const [w, h] of ruleSizes(def.width, def.height, rule)) {
      out.push({ width: w, height: h, label: `${w}×${h}${sizeName(w, h, def)}` });
    }
  }
  return out;
}

/** Presets from a {multiple, min, max} rule: the default, its portrait, a square, and a
 *  half-size draft, each snapped to the multiple and kept inside the limits.
 * @param {number} w @param {number} h @param {any} rule @returns {number[][]} */
function ruleSizes(w, h, rule) {
  const m = Number(rule.multiple || 1);
  const lo = Number(rule.min || m);
  const hi = Number(rule.max || Math.max(w, h));
  const snap = (/** @type {number} */ v) => Math.min(hi, Math.max(lo, Math.round(v / m) * m));
  const list = [[w, h], [h, w], [snap(Math.min(w, h)), snap(Math.min(w, h))], [snap(w / 2), snap(h / 2)]];
  const seen = new Set();
  return list.filter(([a, b]) => {
    const k = `${a}x${b}`;
    if (seen.has(k) || a <= 0 || b <= 0) return false;
    seen.add(k);
    return true;
  });
}

/** @param {number} w @param {number} h @param {Record<string, any>} def */
function sizeName(w, h, def) {
  if (w === def.width && h === def.height) return "";
  if (w === h) return " square";
  if (w === def.height && h === def.width) return " portrait";
  return " draft";
}

/** Allowed frame counts, ascending. @param {any} model @returns {number[]} */
export function frameCounts(model) {
  const d = (model && model.details) || {};
  const f = d.frames;
  /** @type {number[]} */
  let list = [];
  if (Array.isArray(f)) list = f.map(Number).filter((n) => n > 0);
  else if (f && typeof f === "object") {
    const step = Number(f.step || f.multiple || f.multiple_of || 1);
    const fromRule = /k\s*\+\s*(\d+)/.exec(String(f.rule || ""));
    const offset = Number(f.offset ?? f.remainder ?? f.plus ?? (fromRule ? fromRule[1] : 0));
    const min = Number(f.min || step + offset);
    const max = Number(f.max || min + step * 32);
    for (let n = min; n <= max; n++) if ((n - offset) % step === 0) list.push(n);
  }
  const def = Number(defaults(model).num_frames || 0);
  if (def && !list.includes(def)) list.push(def);
  return [...new Set(list)].sort((a, b) => a - b);
}

/** A handful of duration presets: each allowed count is too many for a 320 px picker.
 * @param {any} model */
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

/** Frame count for a shot-list duration in seconds, snapped to what the model can do.
 * @param {any} model @param {number} seconds */
export function framesForSeconds(model, seconds) {
  const counts = frameCounts(model);
  const target = seconds * modelFps(model);
  return counts.length ? nearest(counts, target) : Math.round(target);
}

/** @param {any} m */
export function modelLabel(m) {
  const state = m.state && m.state !== "ready" ? ` (${m.state.replace("_", " ")})` : "";
  const test = m.test_model ? " · test model, makes noise" : "";
  return `${m.label || m.name}${state}${test}`;
}
