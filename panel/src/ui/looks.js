// @ts-check
// A board's look, inherited by every shot and overridable on one: LoRAs from the shelf with
// their weights, reference images, and the camera move.
//
// The bridge keeps the look: a board's in its `defaults`, a shot's own in its `overrides`
// (PATCH /boards and PATCH /shots), so a change is a board edit that undo takes back, it
// survives a reload, and every Generate gets it from the board without the panel adding it.
// What is offered follows the board's model (GET /models `conditioning`): references where
// it takes them (or one image as its start keyframe), a camera move where it takes keyframes
// at the end of a take or has camera LoRAs; elsewhere a sentence says why.

import * as api from "../boards/calls.js";
import { ApiError } from "../bridge/client.js";
import { state } from "../store.js";
import { getBridge } from "../sync.js";
import { clear, getData, guard, h, option, setData } from "./dom.js";

/** @typedef {import("../bridge/schema").components["schemas"]} S */
/** @typedef {{ lora: string, weight: number }} LoraUse */
/** @typedef {{ move: S["CameraIn"]["move"], amount: number }} Camera */
/** @typedef {{ loras?: LoraUse[] | null, references?: string[] | null,
 *   references_as?: "references" | "start_keyframe" | null, camera?: Camera | null }} Look */
/** @typedef {{ select: (shot: S["ShotOut"]) => unknown, reload?: () => Promise<unknown> }} ShotActions */
/** @typedef {{ refs: "references" | "start_keyframe" | null, refsWhy: string,
 *   camera: boolean, cameraWhy: string, label: string }} Caps */

export const LOOK_FIELDS = /** @type {const} */ (["loras", "references", "references_as", "camera"]);
/** @type {[S["CameraIn"]["move"], string][]} */
export const CAMERA_MOVES = [["static", "static"], ["push_in", "push in"], ["pull_out", "pull out"],
  ["pan_left", "pan left"], ["pan_right", "pan right"], ["tilt_up", "tilt up"], ["tilt_down", "tilt down"],
  ["truck_left", "truck left"], ["truck_right", "truck right"], ["infinite_zoom", "infinite zoom"]];
const MAX_WEIGHT = 2; // the slider's reach; the bridge takes up to 4, past 2 a LoRA is mostly noise
const MAX_REFERENCES = 4; // the bridge's limit
const MAX_AMOUNT = 3; // the bridge's limit: 4x closer at most
const DEFAULT_AMOUNT = 0.25;

/** The shelf (GET /loras), loaded once (again with `force`). */
/** @type {{ shelf: S["LoraOut"][], loaded: boolean }} */
const known = { shelf: [], loaded: false };
/** Thumbnails by sha256: object URLs of the images uploaded here, or fetched back from the
 * bridge (GET /images/<sha256>) once each. @type {Map<string, Promise<string | null>>} */
const thumbs = new Map();
/** The bridge's last refusal of a look, per board, shown next to the section until the next
 * change or Generate. @type {Map<string, string>} */
const refusals = new Map();
/** The section's last render, to show a refusal at once. @type {(() => void) | null} */
let redraw = null;

/** Loads the LoRA shelf once (again with `force`). @param {boolean} [force] */
export async function loadLooks(force = false) {
  if (known.loaded && !force) return;
  const shelf = await getBridge().loras().catch(() => ({ loras: [] }));
  known.shelf = shelf.loras;
  known.loaded = true;
}

/** What the model can take of a look, and why not in a sentence. @param {string} name @returns {Caps} */
export function lookCaps(name) {
  const m = state.models.find((x) => x.name === name);
  if (!m) {
    const why = `The bridge lists no model '${name}': what it can take is unknown, so nothing is offered.`;
    return { refs: null, refsWhy: why, camera: false, cameraWhy: "", label: name };
  }
  const label = m.label || m.name;
  const c = m.details.conditioning;
  const kf = c ? c.keyframes : "none";
  const refs = c && c.references ? "references" : kf !== "none" ? "start_keyframe" : null;
  const refsWhy = refs === "references" ? ""
    : refs === "start_keyframe"
      ? `${label} takes no reference images (Wan VACE does): one image here starts each take instead.`
      : `${label} takes no reference images and cannot start from an image, so none are offered (Wan VACE takes them).`;
  const lora = m.family === "ltx2";
  const drawn = kf === "first_last" || kf === "any_frames";
  const camera = lora || drawn;
  const cameraWhy = !camera
    ? `${label} cannot take a camera move: it takes no keyframe at the end of a take and has no camera LoRA (LTX-Video and LTX-2 can).`
    : lora ? `${label} moves with its camera LoRAs where it has one for the move; other moves are drawn as keyframes.`
      : `${label} draws the move as keyframes from each take's start image (the shot's, or the one above).`;
  return { refs, refsWhy, camera, cameraWhy, label };
}

/** The look fields of a defaults or overrides map. @param {Record<string, any>} map @returns {Look} */
function lookOf(map) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const f of LOOK_FIELDS) if (map[f] !== undefined && map[f] !== null) out[f] = map[f];
  return out;
}

/** The board's look (its defaults). @param {S["BoardOut"]} board @returns {Look} */
export function boardLook(board) {
  return lookOf(/** @type {Record<string, any>} */ (board.defaults || {}));
}

/** A shot's own look (its overrides name a look field), or null when it uses the board's.
 * @param {S["ShotOut"]} shot @returns {Look | null} */
export function shotOwnLook(shot) {
  const o = /** @type {Record<string, any>} */ (shot.overrides || {});
  return LOOK_FIELDS.some((f) => f in o) ? lookOf(o) : null;
}

/** The look's fields as the bridge keeps them; `explicit` writes null for an empty field
 * (a shot's own look says "none" over the board's), else leaves it out.
 * @param {Look} look @param {boolean} explicit @returns {Record<string, any>} */
function fieldsOf(look, explicit) {
  const refs = look.references && look.references.length ? look.references : null;
  /** @type {Record<string, any>} */
  const v = {
    loras: look.loras && look.loras.length ? look.loras : explicit ? [] : null,
    references: refs,
    references_as: refs ? look.references_as || "references" : null,
    camera: look.camera || null,
  };
  /** @type {Record<string, any>} */
  const out = {};
  for (const f of LOOK_FIELDS) if (v[f] !== null || explicit) out[f] = v[f];
  return out;
}

/** Saves a look through the board API: the board's in its defaults, a shot's in its
 * overrides (null: the shot goes back to the board's). A refusal is shown by the section.
 * @param {S["BoardOut"]} board @param {S["ShotOut"] | null} shot @param {Look | null} look
 * @param {() => Promise<unknown>} reload */
async function saveLook(board, shot, look, reload) {
  /** @type {Record<string, any>} */
  const map = { ...((shot ? shot.overrides : board.defaults) || {}) };
  for (const f of LOOK_FIELDS) delete map[f];
  if (look) Object.assign(map, fieldsOf(look, !!shot));
  try {
    if (shot) await api.patchShot(shot.id, { overrides: map });
    else await api.patchBoard(board.id, { defaults: map });
    refusals.delete(board.id);
  } catch (e) {
    refuse(board.id, e);
    throw e;
  }
  await reload();
}

/** Keeps a bridge refusal for the section (a 4xx), and draws it. @param {string} boardId @param {unknown} e */
function refuse(boardId, e) {
  if (!(e instanceof ApiError) || e.status >= 500) return;
  refusals.set(boardId, e.field ? `${e.message} (${e.field})` : e.message);
  if (redraw) redraw();
}

/** Whether a field named by the bridge is part of a look (`shots[0].loras[0].lora`). @param {string | null} field */
export function isLookField(field) {
  return !!field && /(^|\.)(loras|references|references_as|camera)(\[|\.|$)/.test(field);
}

/**
 * POST /boards/<id>/generate. The looks travel with the board; a refused look is shown next
 * to the Look section as well as thrown.
 * @param {S["BoardOut"]} board @param {S["GenerateIn"]} body @returns {Promise<S["GenerateOut"]>}
 */
export async function generateShots(board, body) {
  try {
    const r = await api.generate(board.id, body);
    if (refusals.delete(board.id) && redraw) redraw();
    return r;
  } catch (e) {
    if (e instanceof ApiError && isLookField(e.field)) refuse(board.id, e);
    throw e;
  }
}

/** A reference image's thumbnail: its hash until the image is at hand.
 * @param {string} sha @param {number} i @param {string} what */
function refThumb(sha, i, what) {
  const name = `Reference image ${i + 1} of ${what}`;
  const el = h("span.looks-ref-thumb.looks-ref-hash", { role: "img", "aria-label": name, title: sha }, sha.slice(0, 6));
  let src = thumbs.get(sha);
  if (!src) {
    src = getBridge().imageBlob(sha).then((blob) => URL.createObjectURL(blob)).catch(() => null);
    thumbs.set(sha, src);
  }
  src.then((url) => {
    if (url && el.isConnected) el.replaceWith(h("img.looks-ref-thumb", { src: url, alt: name, width: "48", height: "48" }));
  });
  return el;
}

/**
 * The look editor, for the board (shot null) or one shot.
 * @param {string} idBase @param {Look} look @param {(look: Look) => Promise<unknown>} save
 * @param {string} what "the board" or "shot 2" @param {Caps} caps
 */
function lookEditor(idBase, look, save, what, caps) {
  const loras = [...(look.loras || [])];
  const chips = h("ul.looks-chips", { "aria-label": `LoRAs of ${what}` });
  const shelfNames = new Map(known.shelf.map((l) => [l.id, l.name]));
  loras.forEach((u, i) => {
    const name = shelfNames.get(u.lora) || u.lora;
    const weight = u.weight;
    const slider = /** @type {HTMLInputElement} */ (h("input.looks-weight", { type: "range", min: String(-MAX_WEIGHT),
      max: String(MAX_WEIGHT), step: "0.05", value: String(weight), id: `${idBase}-w${i}`,
      "aria-label": `Weight of LoRA ${name} on ${what}` }));
    const out = h("output.looks-weight-value", { for: slider.id }, Number(weight).toFixed(2));
    slider.addEventListener("input", () => { out.textContent = Number(slider.value).toFixed(2); });
    slider.addEventListener("change", () => {
      loras[i] = { lora: u.lora, weight: Number(slider.value) };
      guard(() => save({ ...look, loras }));
    });
    chips.append(h("li.looks-chip", null, h("span.looks-chip-name", null, name), slider, out,
      h("button.icon.looks-remove", { type: "button", "aria-label": `Remove LoRA ${name} from ${what}`, title: "Remove",
        onclick: () => guard(() => save({ ...look, loras: loras.filter((_, j) => j !== i) })) }, "✕")));
  });
  const free = known.shelf.filter((l) => !loras.some((u) => u.lora === l.id));
  const pick = /** @type {HTMLSelectElement} */ (h("select.looks-add-select", { id: `${idBase}-add`, "aria-label": `LoRA to add to ${what}` },
    free.map((l) => option(l.id, `${l.name}${l.family ? ` (${l.family})` : ""}`))));
  const add = h("button.small.looks-add", { type: "button", disabled: free.length ? null : true,
    onclick: () => guard(() => save({ ...look, loras: [...loras, { lora: pick.value, weight: 1 }] })) }, "+ LoRA");
  const loraRow = h("div.looks-loras", null, h("span.field-label", null, "LoRAs"), chips,
    !known.shelf.length
      ? h("p.hint", null, "The LoRA shelf is empty: put LoRA files on it (promptcut lora add, or POST /loras), then add them here.")
      : free.length ? h("div.row.wrap", null, pick, add) : h("p.hint", null, "Every LoRA on the shelf is in this look."));
  // Reference images: those held are always listed (to remove); adding follows the model.
  const list = look.references || [];
  const max = caps.refs === "start_keyframe" ? 1 : MAX_REFERENCES;
  const mode = caps.refs || look.references_as || "references";
  const file = /** @type {HTMLInputElement} */ (h("input.looks-ref-file", { type: "file", accept: "image/*",
    id: `${idBase}-ref`, "aria-label": `Add a reference image to ${what}` }));
  file.addEventListener("change", () => guard(async () => {
    const f = file.files && file.files[0];
    if (!f) return;
    const sha = (await getBridge().uploadImage(f)).sha256;
    if (!thumbs.has(sha)) thumbs.set(sha, Promise.resolve(URL.createObjectURL(f)));
    await save({ ...look, references: [...list.filter((s) => s !== sha), sha], references_as: mode });
  }));
  const refs = h("div.looks-refs", null,
    h("span.field-label", null, caps.refs === "start_keyframe" ? "Start image" : `Reference images (${list.length} of ${max})`),
    list.length ? h("ul.looks-chips.looks-ref-list", { "aria-label": `Reference images of ${what}` },
      list.map((sha, i) => h("li.looks-chip.looks-ref", null, refThumb(sha, i, what),
        h("button.icon.looks-remove", { type: "button", "aria-label": `Remove reference image ${i + 1} from ${what}`, title: "Remove",
          onclick: () => guard(() => save({ ...look, references: list.filter((_, j) => j !== i) })) }, "✕")))) : null,
    caps.refs && list.length < max ? h("label.looks-ref-add", { for: file.id }, h("span.sr-only", null, "Add a reference image"), file) : null,
    caps.refsWhy ? h("p.hint.looks-why.looks-refs-why", null, caps.refsWhy) : null);
  // Camera move and how far it goes.
  /** @type {HTMLElement | null} */
  let cam = null;
  if (caps.camera || look.camera) {
    const move = /** @type {HTMLSelectElement} */ (h("select.looks-camera", { id: `${idBase}-cam`, "aria-label": `Camera move of ${what}` },
      option("", "none (the prompt decides)", !look.camera),
      CAMERA_MOVES.map(([v, label]) => option(v, label, !!look.camera && look.camera.move === v))));
    const amount = /** @type {HTMLInputElement} */ (h("input.looks-amount", { type: "number", min: "0", max: String(MAX_AMOUNT), step: "0.05",
      id: `${idBase}-amount`, value: String(look.camera ? look.camera.amount : DEFAULT_AMOUNT),
      "aria-label": `How far the camera moves on ${what} (1 + amount times closer)`, disabled: look.camera ? null : true }));
    const camera = () => move.value
      ? { move: /** @type {Camera["move"]} */ (move.value), amount: Math.min(MAX_AMOUNT, Math.max(0, Number(amount.value) || 0)) }
      : null;
    move.addEventListener("change", () => guard(() => save({ ...look, camera: camera() })));
    amount.addEventListener("change", () => guard(() => save({ ...look, camera: camera() })));
    cam = h("div.row.wrap.looks-cam", null,
      h("label.field", { for: move.id }, h("span.field-label", null, "Camera"), move),
      h("label.field", { for: amount.id }, h("span.field-label", null, "Amount"), amount));
  }
  const camWhy = caps.cameraWhy ? h("p.hint.looks-why.looks-camera-why", null, caps.cameraWhy) : null;
  return h("div.looks-editor", null, loraRow, refs, cam, camWhy);
}

/** The refusal line of a board's look (empty when none). @param {string} boardId */
function refusalLine(boardId) {
  const msg = refusals.get(boardId);
  return h("p.looks-refusal", { role: "alert", hidden: msg ? null : true }, msg ? `The bridge refused this look: ${msg}` : "");
}

/**
 * The board's Look section; re-rendered with the board.
 * @param {HTMLElement} root @param {S["BoardOut"] | null} board @param {string} model the board's model
 * @param {() => Promise<unknown>} reload
 */
export function renderLooks(root, board, model, reload) {
  if (!board) { clear(root); setData(root, "look", ""); redraw = null; return; }
  redraw = () => { setData(root, "look", ""); renderLooks(root, board, model, reload); };
  if (!known.loaded) {
    loadLooks().then(() => renderLooks(root, board, model, reload)).catch(() => {});
    return;
  }
  const caps = lookCaps(model);
  // Drawn again only when the look changed: a job event must not pull a slider from under
  // the editor's pointer.
  const key = JSON.stringify([board.id, boardLook(board), known.shelf.map((l) => [l.id, l.name]), caps,
    refusals.get(board.id) || ""]);
  if (getData(root, "look") === key) return;
  setData(root, "look", key);
  const body = h("div.looks-body", null,
    lookEditor("looks-board", boardLook(board), (look) => saveLook(board, null, look, reload), "the board", caps),
    refusalLine(board.id));
  const open = root.querySelector("details.looks");
  const details = h("details.looks#board-looks", { open: !open || /** @type {HTMLDetailsElement} */ (open).open ? true : null },
    h("summary", null, "Look", h("span.hint", null, ` · every shot's, unless it has its own · ${caps.label}`)), body);
  root.replaceChildren(details);
}

/** A shot's look inside its Direct drawer: a badge saying whose look it is, the editor for
 * its own look, and "Use board's look".
 * @param {S["BoardOut"]} board @param {S["ShotOut"]} shot @param {string} model the shot's model
 * @param {ShotActions} actions */
export function shotLookEditor(board, shot, model, actions) {
  if (!known.loaded) return h("p.hint", null, "Loading the look…");
  const own = shotOwnLook(shot);
  const what = `shot ${shot.position + 1}`;
  const reload = () => (actions.reload ? actions.reload() : Promise.resolve(actions.select(shot)));
  const badge = h(`span.looks-badge${own ? ".own" : ""}`, null, own ? "Own look (overrides the board's)" : "Board's look");
  const reset = own
    ? h("button.small.shot-dx-look-reset", { type: "button", onclick: () => guard(() => saveLook(board, shot, null, reload)) }, "Use board's look")
    : h("button.small.shot-dx-look-own", { type: "button", onclick: () => guard(() => saveLook(board, shot, boardLook(board), reload)) }, "Give it its own look");
  return h("fieldset.direct-box.looks-shot", null, h("legend", null, "Look"), h("div.row.wrap", null, badge, h("span.grow"), reset),
    own ? lookEditor(`looks-${shot.id}`, own, (look) => saveLook(board, shot, look, reload), what, lookCaps(model))
      : h("p.hint", null, describe(boardLook(board))));
}

/** What a shot's look editor shows, as a key that changes when it must be drawn again.
 * @param {S["BoardOut"]} board @param {S["ShotOut"]} shot @param {string} model */
export function lookKeyOf(board, shot, model) {
  return JSON.stringify([known.loaded, shotOwnLook(shot), boardLook(board), known.shelf.length, lookCaps(model)]);
}

/** A look in a line. @param {Look} look */
function describe(look) {
  const names = new Map(known.shelf.map((l) => [l.id, l.name]));
  const parts = (look.loras || []).map((u) => `${names.get(u.lora) || u.lora} ${Number(u.weight).toFixed(2)}`);
  if (look.references && look.references.length) parts.push(`${look.references.length} reference image(s)`);
  if (look.camera) parts.push(`camera: ${look.camera.move.replace("_", " ")} ${look.camera.amount}`);
  return parts.length ? parts.join(" · ") : "No LoRAs, references or camera move.";
}
