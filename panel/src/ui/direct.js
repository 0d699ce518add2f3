// @ts-check
// A shot's Direct drawer: keyframes on the shot's beat ruler, timed prompt sections on the
// same ruler, how Continue holds on the take before, and Retake at a strength. It offers
// only what the shot's model can do (GET /models' `conditioning`) and says in a sentence
// why the rest is not there.
//
// The drawer's elements live across the Board's re-renders (a shot card is rebuilt on every
// job event): each open drawer is one element, updated in place and put back into the new
// card, so what the editor is typing and where focus is survive a take finishing.

import * as api from "../boards/calls.js";
import { getHost } from "../hosts/index.js";
import { formatSections, placeLabel, placeOf, placeSeconds, sectionProblems,
  sectionSpan, sectionsFromFields, sectionsToFields, shotRuler } from "../boards/ruler.js";
import { continueBody, retakeBody } from "../requests.js";
import { emit, putJob, state } from "../store.js";
import { getBridge } from "../sync.js";
import { clear, getData, guard, h, option, setData } from "./dom.js";
import { finishButton } from "./direct_finish.js";
import { generateShots, lookKeyOf, shotLookEditor } from "./looks.js";

/** @typedef {import("../bridge/schema").components["schemas"]} S */
/** @typedef {S["BoardOut"]} Board */
/** @typedef {S["ShotOut"]} Shot */
/** @typedef {S["TakeOut"]} Take */
/** @typedef {S["Conditioning"]} Conditioning */
/** @typedef {import("../boards/ruler.js").Unit} Unit */
/** @typedef {import("../boards/ruler.js").Ruler} Ruler */
/** @typedef {import("../boards/ruler.js").Section} Section */
/** @typedef {Record<string, any>} KeyframeBody  a KeyframeIn as the shot's overrides keep it */
/**
 * @typedef {{ select: (shot: Shot) => unknown, patch: (shot: Shot, body: any) => Promise<unknown>,
 *   genBody?: (extra: Record<string, any>) => Record<string, any> }} Actions
 * @typedef {{ actions: Actions, takes?: Take[], current?: boolean, model?: string }} Ctx
 */

const NONE_CONDITIONING = /** @type {Conditioning} */ ({ keyframes: "none", keyframe_stride: 1, video: false,
  retake: false, continue_frames: 1 });

/** Retake strengths in words, from a touch-up to a new take on the same motion. */
export const STRENGTH_WORDS = /** @type {[number, string][]} */ ([[0.3, "touch up"], [0.55, "rework"],
  [0.8, "rethink"], [1.01, "reimagine"]]);

/** @param {number} s */
export function strengthWord(s) {
  return (STRENGTH_WORDS.find(([top]) => s < top) || STRENGTH_WORDS[STRENGTH_WORDS.length - 1])[1];
}

/**
 * @typedef {{ el: HTMLElement, update: (board: Board, shot: Shot, ctx: Ctx) => void }} Drawer
 */
/** @type {Map<string, Drawer>} */
const drawers = new Map();

/** @param {string} shotId */
export function isDirectOpen(shotId) { return drawers.has(shotId); }

/** The shot card's "Direct" toggle. @param {Shot} shot @param {Ctx} ctx */
export function directButton(shot, ctx) {
  const open = drawers.has(shot.id);
  const name = `shot ${shot.position + 1} '${shot.label}'`;
  return h("button.small.shot-direct-toggle", { type: "button", "aria-expanded": open ? "true" : "false",
    "aria-controls": `direct-${shot.id}`, "aria-label": `${open ? "Close Direct for" : "Direct"} ${name}`,
    title: "Keyframes on the beat, timed prompt sections, continue and retake",
    onclick: () => {
      if (drawers.has(shot.id)) drawers.delete(shot.id);
      else drawers.set(shot.id, makeDrawer(shot));
      ctx.actions.select(shot);
    } }, open ? "Close Direct" : "Direct");
}

/** The open drawer of a shot, updated to the board as it is now.
 * @param {Board} board @param {Shot} shot @param {Ctx} ctx @returns {HTMLElement | null} */
export function directDrawer(board, shot, ctx) {
  const d = drawers.get(shot.id);
  if (!d) return null;
  d.update(board, shot, ctx);
  // The card's roving Tab stop marks a card's controls -1 when it is not the current one;
  // the drawer's element outlives that card, so its controls come back when it is current.
  if (ctx.current) for (const c of d.el.querySelectorAll("[tabindex='-1']")) c.removeAttribute("tabindex");
  return d.el;
}

/** The model a shot's takes are made with, and what it can be steered with.
 * @param {Board} board @param {Shot} shot @param {Ctx} ctx */
export function shotModel(board, shot, ctx) {
  const defaults = /** @type {Record<string, any>} */ (board.defaults || {});
  const name = shot.model || ctx.model || shot.model_used || defaults.model || "ltx-video";
  const model = /** @type {S["ModelOut"][]} */ (state.models).find((m) => m.name === name);
  const details = /** @type {Record<string, any>} */ (model ? model.details : {});
  const cond = /** @type {Conditioning} */ (details.conditioning || NONE_CONDITIONING);
  return { name, label: model ? model.label : name, known: !!model, cond };
}

/** @param {Shot} shot */
function shotKeyframes(shot) {
  const o = /** @type {Record<string, any>} */ (shot.overrides || {});
  return /** @type {KeyframeBody[]} */ (Array.isArray(o.keyframes) ? o.keyframes : []);
}

/** A keyframe's place as the ruler reads it (a stored one keeps `place`). @param {KeyframeBody} k */
function keyPlace(k) {
  if (k.place) return /** @type {Record<string, number | string>} */ (k.place);
  /** @type {Record<string, number | string>} */
  const out = {};
  for (const u of ["frame", "seconds", "beat", "bar"]) if (k[u] !== undefined && k[u] !== null) out[u] = k[u];
  return out;
}

/** Where a keyframe's image comes from, in words. @param {KeyframeBody} k @param {Take[]} takes */
function keySource(k, takes) {
  if (k.take_id) {
    const i = takes.findIndex((t) => t.id === k.take_id);
    const which = k.take_frame === undefined ? "last" : k.take_frame;
    return `${typeof which === "number" ? `frame ${which}` : `${which} frame`} of ${i >= 0 ? `take ${i + 1}` : "a take"}`;
  }
  return "an image";
}

/** @param {Shot} shot @returns {Drawer} */
function makeDrawer(shot) {
  const id = shot.id;
  /** @type {{ board: Board, shot: Shot, ctx: Ctx, takes: Take[], loaded: boolean }} */
  const st = /** @type {any} */ ({ takes: [], loaded: false });
  const uid = (/** @type {string} */ s) => `dx-${s}-${id}`;
  const labelled = (/** @type {string} */ text, /** @type {HTMLElement} */ control) =>
    h("label.field", { for: control.id }, h("span.field-label", null, text), control);

  // -- the head: the model, and what it can do
  const modelSel = h("select.shot-dx-model", { id: uid("model") });
  const modelNote = h("p.hint.direct-model-note");
  // -- the ruler
  const ticks = h("div.direct-ticks", { "aria-hidden": "true" });
  const pins = h("div.direct-pins", { "aria-hidden": "true" });
  const bands = h("div.direct-bands", { "aria-hidden": "true" });
  const rulerNote = h("p.hint.direct-ruler-note");
  const ruler = h("div.direct-ruler", { role: "img", "aria-label": "The shot's beats and bars" }, ticks, pins, bands);
  // -- keyframes
  const keyWhy = h("p.hint.direct-why.direct-key-why");
  const keyList = h("ul.direct-keys", { "aria-label": "Keyframes" });
  const source = h("select.shot-dx-source", { id: uid("source") },
    option("take", "A take's frame"), option("upload", "An image"), option("playhead", "Premiere's playhead frame"));
  const fromTake = h("select.shot-dx-take", { id: uid("take") });
  const whichFrame = h("select.shot-dx-which", { id: uid("which") },
    option("first", "first frame"), option("last", "last frame", true), option("index", "frame number…"));
  const frameNo = h("input.shot-dx-frame-no", { id: uid("frame-no"), type: "number", min: "0", step: "1", value: "0" });
  const file = h("input.shot-dx-file", { id: uid("file"), type: "file", accept: "image/*" });
  const sourceWhy = h("p.hint.direct-source-why");
  const unit = h("select.shot-dx-unit", { id: uid("unit") });
  const at = h("input.shot-dx-at", { id: uid("at"), type: "number", min: "0", step: "any", value: "1" });
  const strength = h("input.shot-dx-strength", { id: uid("strength"), type: "range", min: "0.05", max: "1", step: "0.05", value: "1" });
  const strengthOut = h("output.hint", { for: strength.id }, "1.00");
  const addKey = h("button.small.primary.shot-dx-add", { type: "button" }, "Add keyframe");
  const keyAdd = h("div.direct-key-add", null,
    h("div.row.wrap", null, labelled("Image", source), labelled("Take", fromTake), labelled("Frame", whichFrame),
      labelled("Frame no.", frameNo), labelled("Image file", file)),
    sourceWhy,
    h("div.row.wrap", null, labelled("Place on", unit), labelled("At", at),
      h("label.field", { for: strength.id }, h("span.field-label", null, "Strength"), strength, strengthOut), addKey));
  const keyBox = h("fieldset.direct-box.direct-keyframes", null, h("legend", null, "Keyframes"), keyWhy, keyList, keyAdd);
  // -- timed prompt sections
  const secWhy = h("p.hint.direct-sec-why");
  const secRows = h("div.direct-sections");
  const secProblem = h("p.hint.warn.direct-sec-problem", { role: "status" });
  const secAdd = h("button.small.shot-dx-sec-add", { type: "button" }, "+ Section");
  const secSave = h("button.small.primary.shot-dx-sec-save", { type: "button" }, "Save sections");
  const secAs = h("select.shot-dx-sec-as", { id: uid("sec-as") });
  const secBox = h("fieldset.direct-box.direct-sections-box", null, h("legend", null, "Prompt sections"), secWhy, secRows, secProblem,
    h("div.row.wrap", null, h("label.field", { for: secAs.id }, h("span.field-label", null, "Made as"), secAs), secAdd, secSave));
  // -- continue
  const contWhy = h("p.hint.direct-why.direct-cont-why");
  const contMode = h("select.shot-dx-cont-mode", { id: uid("cont-mode") });
  const contTake = h("select.shot-dx-cont-take", { id: uid("cont-take") });
  const contGo = h("button.small.shot-dx-continue", { type: "button" }, "Continue");
  const contBox = h("fieldset.direct-box.direct-continue", null, h("legend", null, "Continue"), contWhy,
    h("div.row.wrap", null, labelled("From", contTake), labelled("Hold on", contMode), contGo));
  // -- retake
  const reWhy = h("p.hint.direct-why.direct-retake-why");
  const reTake = h("select.shot-dx-re-take", { id: uid("re-take") });
  const reStrength = h("input.shot-dx-re-strength", { id: uid("re-strength"), type: "range", min: "0.1", max: "1", step: "0.05", value: "0.5" });
  const reOut = h("output.hint.direct-re-word", { for: reStrength.id }, "rework (0.50)");
  const rePrompt = h("textarea.shot-dx-re-prompt", { id: uid("re-prompt"), rows: 2, placeholder: "Same prompt (or a new one)" });
  const reGo = h("button.small.shot-dx-retake", { type: "button" }, "Retake");
  const reControls = h("div.direct-retake-controls", null,
    h("div.row.wrap", null, labelled("Take", reTake),
      h("label.field.grow", { for: reStrength.id }, h("span.field-label", null, "Strength: touch up … reimagine"), reStrength, reOut)),
    labelled("New prompt", rePrompt), h("div.row.wrap", null, reGo));
  const reBox = h("fieldset.direct-box.direct-retake", null, h("legend", null, "Retake"), reWhy, reControls);
  // -- the look, finish, generate, and what the bridge said
  const lookBox = h("div.direct-look");
  const finishBox = h("div.direct-finish");
  const note = h("p.direct-note", { role: "status", "aria-live": "polite" });
  const genGo = h("button.small.primary.shot-dx-generate", { type: "button" }, "Generate with this direction");

  const el = h("section.direct", { id: `direct-${id}` },
    h("div.row.wrap.direct-head", null, h("h3", null, "Direct"), h("span.grow"), labelled("Model", modelSel)),
    modelNote, ruler, rulerNote, keyBox, secBox, contBox, reBox, lookBox,
    h("div.row.wrap.direct-foot", null, genGo, finishBox), note);

  // ---------------------------------------------------------------- behaviour
  strength.addEventListener("input", () => { strengthOut.textContent = Number(strength.value).toFixed(2); });
  reStrength.addEventListener("input", () => {
    reOut.textContent = `${strengthWord(Number(reStrength.value))} (${Number(reStrength.value).toFixed(2)})`;
  });
  /** Hides a control with its label. @param {HTMLElement} el @param {boolean} hidden */
  const hide = (el, hidden) => {
    const label = el.closest("label");
    if (label) label.hidden = hidden;
  };
  const showSource = () => {
    const s = source.value;
    hide(fromTake, s !== "take");
    hide(whichFrame, s !== "take");
    hide(frameNo, s !== "take" || whichFrame.value !== "index");
    hide(file, s !== "upload");
    const frameHost = !!getHost().capabilities.playheadFrame;
    sourceWhy.textContent = s === "playhead"
      ? (frameHost ? "The frame under Premiere's playhead, taken when you add the keyframe."
        : "This panel's host cannot hand over Premiere's frame under the playhead (it takes the "
        + "Premiere panel): export the frame (File › Export › Frame) and add it as an image.")
      : s === "take" && !st.takes.length ? "This shot has no takes yet: generate one, or add an image." : "";
    addKey.disabled = (s === "playhead" && !frameHost) || (s === "take" && !st.takes.length);
  };
  source.addEventListener("change", showSource);
  whichFrame.addEventListener("change", showSource);
  // What the editor chose, kept while a model that offers less is the shot's for a while.
  let unitChoice = "bar";
  let contChoice = "frames";
  contMode.addEventListener("change", () => { contChoice = contMode.value; });
  unit.addEventListener("change", () => { unitChoice = unit.value; showUnit(); });
  const showUnit = () => {
    const u = unit.value;
    at.hidden = u === "first" || u === "last";
    hide(at, at.hidden);
    at.min = u === "beat" || u === "bar" ? "1" : "0";
    at.step = u === "frame" ? "1" : "any";
  };
  modelSel.addEventListener("change", () => st.ctx.actions.patch(st.shot, { model: modelSel.value || null }));

  addKey.addEventListener("click", () => guard(async () => {
    /** @type {KeyframeBody} */
    const k = {};
    if (source.value === "upload") {
      const f = file.files && file.files[0];
      if (!f) throw new Error("Choose an image file first.");
      k.upload = (await getBridge().uploadImage(f)).sha256;
    } else if (source.value === "playhead") {
      const host = getHost();
      const frame = await host.playheadFrame();
      if (!frame) throw new Error("Premiere gave no frame: open a sequence and place the playhead.");
      const image = Object.assign(new Blob([frame.bytes.slice()], { type: "image/png" }), { name: frame.name });
      k.upload = (await getBridge().uploadImage(image)).sha256;
    } else {
      if (!fromTake.value) throw new Error("Choose a take first.");
      k.take_id = fromTake.value;
      k.take_frame = whichFrame.value === "index" ? Math.max(0, Math.round(Number(frameNo.value) || 0)) : whichFrame.value;
    }
    const u = unit.value;
    const value = u === "first" || u === "last" ? u : Number(at.value);
    if (typeof value === "number" && !Number.isFinite(value)) throw new Error("Say where the keyframe lands.");
    Object.assign(k, placeOf(/** @type {Unit} */ (u === "first" || u === "last" ? "frame" : u), value));
    if (shotModel(st.board, st.shot, st.ctx).cond.keyframes === "any_frames") k.strength = Number(strength.value);
    await saveKeys([...shotKeyframes(st.shot), k]);
    return `Keyframe at ${placeLabel(keyPlace(k))} saved on the shot; Generate makes takes with it.`;
  }, (/** @type {string} */ m) => m));

  /** @param {KeyframeBody[]} keys */
  async function saveKeys(keys) {
    const overrides = { ...(st.shot.overrides || {}) };
    if (keys.length) overrides.keyframes = keys;
    else delete overrides.keyframes;
    await st.ctx.actions.patch(st.shot, { overrides });
  }

  // Sections: rows of (unit, from, to, text); saved as the shot's prompt.
  /** @type {Section[]} */
  let sections = [];
  const secRow = (/** @type {Section} */ s, /** @type {number} */ i) => {
    const u = h("select.shot-dx-sec-unit", { "aria-label": `Section ${i + 1} unit` },
      option("bar", "bars", s.unit === "bar"), option("beat", "beats", s.unit === "beat"),
      option("seconds", "seconds", s.unit === "seconds"), option("frame", "frames", s.unit === "frame"));
    const from = h("input.shot-dx-sec-from", { type: "number", min: "0", step: "any", value: String(s.from), "aria-label": `Section ${i + 1} from` });
    const to = h("input.shot-dx-sec-to", { type: "number", min: "0", step: "any", value: String(s.to), "aria-label": `Section ${i + 1} to` });
    const text = h("input.shot-dx-sec-text", { type: "text", value: s.text, placeholder: "what happens then", "aria-label": `Section ${i + 1} prompt` });
    const del = h("button.icon.shot-dx-sec-del", { type: "button", "aria-label": `Remove section ${i + 1}`, title: "Remove section" }, "✕");
    const sync = () => {
      sections[i] = { unit: /** @type {Unit} */ (u.value), from: Number(from.value), to: Number(to.value), text: text.value };
      drawBands();
    };
    for (const c of [u, from, to, text]) c.addEventListener("input", sync);
    del.addEventListener("click", () => { sections.splice(i, 1); drawSections(); drawBands(); });
    return h("div.direct-sec-row", null, h("div.row", null, u, from, h("span.hint", null, "to"), to, h("span.grow"), del), text);
  };
  function drawSections() {
    clear(secRows);
    sections.forEach((s, i) => secRows.append(secRow(s, i)));
    if (!sections.length) secRows.append(h("p.hint", null, "No sections: the shot has one prompt. + Section times it."));
  }
  secAdd.addEventListener("click", () => {
    const last = sections[sections.length - 1];
    const hasSong = shotRuler(st.board, st.shot).hasSong;
    const u = last ? last.unit : hasSong ? "bar" : "seconds";
    const from = last ? last.to + (u === "bar" || u === "beat" ? 1 : 0) : u === "bar" || u === "beat" ? 1 : 0;
    const span = u === "bar" || u === "beat" ? 0 : 1; // a bar or beat counts whole: "bar 1"
    if (!sections.length && st.shot.prompt) sections.push({ unit: u, from, to: from + span, text: st.shot.prompt });
    else sections.push({ unit: u, from, to: from + span, text: "" });
    drawSections();
    drawBands();
    const texts = secRows.querySelectorAll(".shot-dx-sec-text");
    const lastText = /** @type {HTMLElement | undefined} */ (texts[texts.length - 1]);
    if (lastText) lastText.focus();
  });
  secSave.addEventListener("click", () => guard(async () => {
    const problem = sectionProblems(sections);
    if (problem) throw new Error(problem);
    // The first section is the shot's prompt; each later one takes over where it starts
    // (the bridge's `prompts`, laid on the same beats as keyframes).
    const { prompt, prompts } = sectionsToFields(sections);
    const overrides = { ...(st.shot.overrides || {}) };
    if (prompts.length) overrides.prompts = prompts;
    else delete overrides.prompts;
    if (prompts.length && secAs.value) overrides.sections_as = /** @type {"long_take" | "chain"} */ (secAs.value);
    else delete overrides.sections_as;
    await st.ctx.actions.patch(st.shot, { prompt, overrides });
    return prompts.length ? `The shot's prompt is timed: ${formatSections(sections)}`
      : prompt ? "The shot has one prompt." : "The shot's prompt is empty.";
  }, (/** @type {string} */ m) => m));

  contGo.addEventListener("click", () => guard(async () => {
    const take = st.takes.find((t) => t.id === contTake.value);
    if (!take) throw new Error("Choose the take to continue.");
    const body = /** @type {Record<string, any>} */ (continueBody({ ...take, shot_id: take.shot_id || st.shot.id }));
    if (contMode.value === "last_frame") {
      delete body.continue_from;
      body.init_image = { take_id: take.id, frame: "last" };
      body.parent_take_id = take.id;
    }
    const r = await submit(body);
    const video = r.jobs[0] && /** @type {any} */ (r.jobs[0].request).video;
    return video && video.frames ? `Continuing on its last ${video.frames.length} frames.` : "Continuing from its last frame.";
  }, (/** @type {string} */ m) => say(m)));

  reGo.addEventListener("click", () => guard(async () => {
    const take = st.takes.find((t) => t.id === reTake.value);
    if (!take) throw new Error("Choose the take to retake.");
    const s = Number(reStrength.value);
    const prompt = rePrompt.value.trim();
    await submit(retakeBody({ ...take, shot_id: take.shot_id || st.shot.id }, s, prompt ? { prompt } : {}));
    return `Retaking at ${s.toFixed(2)} (${strengthWord(s)}).`;
  }, (/** @type {string} */ m) => say(m)));

  genGo.addEventListener("click", () => guard(async () => {
    const extra = { shot_ids: [st.shot.id] };
    const body = st.ctx.actions.genBody ? st.ctx.actions.genBody(extra) : extra;
    const r = await generateShots(st.board, body);
    for (const j of r.jobs) putJob(j);
    emit("jobs");
    return `Queued ${r.jobs.length} take${r.jobs.length === 1 ? "" : "s"}. ${strideNote(r.jobs)}`.trim();
  }, (/** @type {string} */ m) => say(m)));

  /** @param {Record<string, any>} body */
  async function submit(body) {
    const r = await getBridge().submit(/** @type {S["JobSubmit"]} */ (body));
    for (const j of r.jobs) putJob(j);
    emit("jobs");
    return r;
  }

  /** @param {string} m */
  function say(m) {
    note.textContent = m;
    return m;
  }

  /** Where the bridge moved keyframes to the model's stride, from a batch's jobs.
   * @param {S["JobOut"][]} jobs */
  function strideNote(jobs) {
    const job = jobs[0];
    const keys = job ? /** @type {any[]} */ ((/** @type {any} */ (job.request)).keyframes || []) : [];
    if (!keys.length) return "";
    return keys.map((k) => {
      const moved = k.asked !== undefined && k.asked !== null && k.asked !== k.frame;
      return `The keyframe at ${placeLabel(k.place || {})} lands on frame ${k.frame}` + (moved
        ? ` (asked ${k.asked}: moved ${k.frame - k.asked > 0 ? "+" : ""}${k.frame - k.asked} to the model's stride).` : ".");
    }).join(" ");
  }

  // ---------------------------------------------------------------- drawing
  /** @returns {Ruler} */
  const rulerNow = () => shotRuler(st.board, st.shot);
  const pct = (/** @type {number} */ t, /** @type {Ruler} */ r) => `${Math.max(0, Math.min(100, (100 * t) / Math.max(r.seconds, 1e-6)))}%`;

  /** Positions a mark through the CSSOM: the panel's CSP refuses style attributes.
   * @param {HTMLElement} mark @param {string} left @param {string} [width] */
  function placed(mark, left, width) {
    mark.style.left = left;
    if (width) mark.style.width = width;
    return mark;
  }

  function drawRuler() {
    const r = rulerNow();
    clear(ticks);
    for (const b of r.beats) {
      ticks.append(placed(h(`span.direct-tick${b.bar !== null ? ".bar" : ""}`, null,
        b.bar !== null ? h("span.direct-tick-label", null, String(b.bar)) : null), pct(b.t, r)));
    }
    if (!r.hasSong) {
      const step = r.seconds > 8 ? 2 : r.seconds > 3 ? 1 : 0.5;
      for (let t = 0; t < r.seconds; t += step) {
        ticks.append(placed(h("span.direct-tick.bar", null, h("span.direct-tick-label", null, `${t}s`)), pct(t, r)));
      }
    }
    rulerNote.textContent = r.hasSong
      ? `${r.seconds.toFixed(2)} s · ${r.beats.length} beats · bars numbered from the shot's first bar.`
      : `${r.seconds.toFixed(2)} s · no song on the board: place keyframes and sections by seconds or frames.`;
    clear(pins);
    shotKeyframes(st.shot).forEach((k, i) => {
      const t = placeSeconds(r, keyPlace(k));
      if (t !== null) pins.append(placed(h("span.direct-pin", null, String(i + 1)), pct(t, r)));
    });
    drawBands();
  }

  function drawBands() {
    const r = rulerNow();
    clear(bands);
    sections.forEach((s, i) => {
      const span = sectionSpan(r, s);
      if (!span) return;
      bands.append(placed(h(`span.direct-band.b${i % 4}`, null, s.text || `section ${i + 1}`),
        pct(span.from, r), pct(span.to - span.from, r)));
    });
    secProblem.textContent = sectionProblems(sections);
  }

  /** @param {Board} board @param {Shot} shot @param {Ctx} ctx */
  function update(board, shot, ctx) {
    const first = !st.board;
    const promptChanged = !st.shot || st.shot.prompt !== shot.prompt;
    Object.assign(st, { board, shot, ctx });
    if (ctx.takes) { st.takes = ctx.takes; st.loaded = true; }
    if (!st.loaded) {
      st.loaded = true;
      api.shotTakes(shot.id).then((/** @type {any} */ r) => { st.takes = r.takes || []; update(st.board, st.shot, st.ctx); })
        .catch(() => {});
    }
    const m = shotModel(board, shot, ctx);
    const c = m.cond;
    const name = `shot ${shot.position + 1} '${shot.label}'`;
    el.setAttribute("aria-label", `Direct ${name}`);
    // Model choices: the shot's own, or the board's.
    if (document.activeElement !== modelSel) {
      clear(modelSel);
      const boardModel = ctx.model || /** @type {Record<string, any>} */ (board.defaults || {}).model || "ltx-video";
      modelSel.append(option("", `Board's (${boardModel})`, !shot.model));
      for (const x of /** @type {S["ModelOut"][]} */ (state.models)) {
        if (!x.provider) modelSel.append(option(x.name, x.label || x.name, shot.model === x.name));
      }
    }
    modelNote.textContent = m.known ? "" : `The bridge lists no model '${m.name}': what it can do is unknown, so nothing is offered.`;
    // Keyframes: what this model takes.
    const kf = c.keyframes;
    keyWhy.textContent = {
      none: `${m.label} makes a take from its prompt alone: it cannot take keyframes. A model that takes images (LTX-Video takes them at any frame) can.`,
      first_frame: `${m.label} takes one keyframe, on the first frame. A keyframe later in the shot needs a model that takes any frame (LTX-Video).`,
      first_last: `${m.label} takes keyframes on the first and the last frame only.`,
      any_frames: c.keyframe_stride > 1
        ? `${m.label} takes keyframes at any frame, on its stride of ${c.keyframe_stride} frames: Generate says where each one lands.`
        : `${m.label} takes keyframes at any frame.`,
    }[kf] || "";
    keyAdd.hidden = kf === "none";
    const r = rulerNow();
    const units = kf === "any_frames"
      ? [["bar", "bar"], ["beat", "beat"], ["seconds", "seconds"], ["frame", "frame"], ["first", "first frame"], ["last", "last frame"]]
        .filter(([u]) => r.hasSong || (u !== "bar" && u !== "beat"))
      : kf === "first_last" ? [["first", "first frame"], ["last", "last frame"]] : [["first", "first frame"]];
    clear(unit);
    for (const [v, label] of units) unit.append(option(v, label, v === unitChoice));
    showUnit();
    const strengthLabel = /** @type {HTMLElement} */ (strength.closest("label"));
    strengthLabel.hidden = kf !== "any_frames";
    const keys = shotKeyframes(shot);
    clear(keyList);
    keys.forEach((k, i) => {
      const place = keyPlace(k);
      const t = placeSeconds(r, place);
      const off = t === null && (place.bar !== undefined || place.beat !== undefined || typeof place.frame === "number");
      keyList.append(h("li.direct-key", null,
        h("span.direct-key-no", { "aria-hidden": "true" }, String(i + 1)),
        h("span.grow", null, `${placeLabel(place)}: ${keySource(k, st.takes)}` +
          (k.strength !== undefined && k.strength !== 1 ? ` · strength ${Number(k.strength).toFixed(2)}` : "") +
          (off ? " · past the shot's end" : "")),
        h("button.icon.shot-dx-key-del", { type: "button", "aria-label": `Remove keyframe ${i + 1} (${placeLabel(place)})`,
          title: "Remove keyframe", onclick: () => guard(() => saveKeys(keys.filter((_, j) => j !== i))) }, "✕")));
    });
    if (!keys.length && kf !== "none") keyList.append(h("li.hint", null, "No keyframes yet."));
    // Takes to draw from.
    const takeOpts = (/** @type {HTMLSelectElement} */ sel, /** @type {string | null | undefined} */ prefer) => {
      const keepTake = sel.value || prefer || "";
      clear(sel);
      st.takes.forEach((t, i) => sel.append(option(t.id, `take ${i + 1} · seed ${t.seed}${t.id === shot.selected_take_id ? " (pick)" : ""}`,
        t.id === keepTake)));
      if (!st.takes.length) sel.append(option("", "no takes yet"));
    };
    takeOpts(fromTake, shot.selected_take_id);
    takeOpts(contTake, shot.selected_take_id);
    takeOpts(reTake, shot.selected_take_id);
    showSource();
    // Sections: from the prompt, unless the editor is mid-way through changing them.
    if (first || promptChanged) {
      sections = sectionsFromFields(shot.prompt || "", /** @type {any} */ (shot.overrides || {}).prompts, r);
      drawSections();
    }
    // How the sections are made: only the routes this model offers (GET /models).
    const routes = /** @type {string[]} */ (/** @type {any} */ (c).timed_prompts || []);
    const asked = /** @type {any} */ (shot.overrides || {}).sections_as || routes[0] || "";
    clear(secAs);
    for (const [v, label] of [["long_take", "one long take"], ["chain", "a chain of takes"]]) {
      if (routes.includes(v)) secAs.append(option(v, label, v === asked));
    }
    secAs.disabled = routes.length < 2;
    secAdd.disabled = secSave.disabled = !routes.length;
    secWhy.textContent = !routes.length
      ? `${m.label} cannot change prompts within a shot (it makes neither a long take with a prompt per section nor a chain): pick a model whose timed prompts are offered.`
      : r.hasSong
        ? "Each section's prompt takes over on its bar: the first is the shot's prompt, the others start where they say."
        : "Each section's prompt takes over at its second: the first is the shot's prompt; a song on the board lets you time them by bars.";
    // Continue.
    clear(contMode);
    if (c.video) {
      contMode.append(option("frames", `its last ${c.continue_frames} frames`, contChoice !== "last_frame"),
        option("last_frame", "its last frame", contChoice === "last_frame"));
      contWhy.textContent = `${m.label} holds on the last ${c.continue_frames} frames of the take before, so motion carries on; `
        + "the last frame alone is the fallback.";
    } else {
      contMode.append(option("last_frame", "its last frame", true));
      contWhy.textContent = `${m.label} continues from the last frame only: it cannot hold on a run of frames, so colour and motion may drift.`;
    }
    contGo.disabled = !st.takes.length;
    // Retake.
    reWhy.textContent = c.retake
      ? `${m.label} makes the take again following its motion and framing.`
      : `${m.label} cannot retake a take (it has no video-to-video route). Re-roll makes a new take of the shot instead.`;
    reControls.hidden = !c.retake;
    reGo.disabled = !st.takes.length;
    // The shot's look (inherited from the board, or its own) and Finish for its pick.
    const lookKey = JSON.stringify([shot.overrides || {}, board.defaults || {}, lookKeyOf(board, shot, m.name)]);
    if (getData(lookBox, "look") !== lookKey) {
      setData(lookBox, "look", lookKey);
      clear(lookBox);
      lookBox.append(shotLookEditor(board, shot, m.name, ctx.actions));
    }
    // Rebuilt only when the pick changes: an estimate on screen survives a job event.
    if (getData(finishBox, "pick") !== String(shot.selected_take_id || "")) {
      setData(finishBox, "pick", shot.selected_take_id || "");
      clear(finishBox);
      if (shot.selected_take_id) finishBox.append(finishButton(shot.selected_take_id, `the pick of ${name}`, say));
    }
    drawRuler();
  }

  return { el, update };
}
