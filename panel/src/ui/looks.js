// @ts-check
// A board's look, inherited by every shot and overridable on one: LoRAs from the shelf with
// their weights, reference images, and the camera move.
//
// Where it is kept follows what the bridge takes (GET /jobs/fields): a field a board or a
// shot may set (`shot: true`) is saved in the board's defaults or the shot's overrides by
// PATCH; a field only a job takes is kept by the panel (this browser's storage, per board)
// and sent with each Generate, grouped by look; a field the bridge does not know at all is
// not offered, and the section says so.

import * as api from "../boards/calls.js";
import { fieldsByName } from "../requests.js";
import { getBridge } from "../sync.js";
import { clear, getData, guard, h, option, setData } from "./dom.js";

/** @typedef {import("../bridge/schema").components["schemas"]} S */
/** @typedef {{ lora: string, weight: number }} LoraUse */
/** @typedef {{ move: string, amount: number }} Camera */
/** @typedef {{ loras?: LoraUse[], references?: { upload: string }[], camera?: Camera | null }} Look */
/** @typedef {{ select: (shot: S["ShotOut"]) => unknown, patch: (shot: S["ShotOut"], body: any) => Promise<unknown> }} ShotActions */

export const LOOK_FIELDS = /** @type {const} */ (["loras", "references", "camera"]);
export const CAMERA_MOVES = [["static", "static"], ["push_in", "push in"], ["pull_out", "pull out"],
  ["pan_left", "pan left"], ["pan_right", "pan right"], ["tilt_up", "tilt up"], ["tilt_down", "tilt down"],
  ["truck_left", "truck left"], ["truck_right", "truck right"], ["infinite_zoom", "infinite zoom"]];
const MAX_WEIGHT = 2; // the slider's reach; the bridge takes up to 4, past 2 a LoRA is mostly noise

/** What the bridge takes: name -> field (GET /jobs/fields), and the shelf (GET /loras). */
/** @type {{ fields: Record<string, S["FieldOut"]> | null, shelf: S["LoraOut"][], loaded: boolean }} */
const known = { fields: null, shelf: [], loaded: false };

/** Loads what the bridge takes and the shelf once (again with `force`). @param {boolean} [force] */
export async function loadLooks(force = false) {
  if (known.loaded && !force) return;
  const [fields, shelf] = await Promise.all([getBridge().jobFields(), getBridge().loras().catch(() => ({ loras: [] }))]);
  known.fields = fieldsByName(fields);
  known.shelf = shelf.loras;
  known.loaded = true;
}

/** How a look field is kept: "bridge" (board and shot PATCH), "panel" (sent with each
 * Generate), or "none" (this bridge does not take it). @param {string} name */
export function keptBy(name) {
  const f = known.fields && known.fields[name];
  return !f ? "none" : f.shot ? "bridge" : "panel";
}

// -- the panel's copy, per board, for fields the bridge does not keep on a board or shot
/** @typedef {{ board: Look, shots: Record<string, Look> }} Kept */
/** @param {string} boardId @returns {Kept} */
function kept(boardId) {
  try {
    const raw = globalThis.localStorage && localStorage.getItem(`promptcut.looks.${boardId}`);
    const v = raw ? JSON.parse(raw) : null;
    if (v && typeof v === "object") return { board: v.board || {}, shots: v.shots || {} };
  } catch { /* unreadable: start again */ }
  return { board: {}, shots: {} };
}
/** @param {string} boardId @param {Kept} value */
function keep(boardId, value) {
  try { localStorage.setItem(`promptcut.looks.${boardId}`, JSON.stringify(value)); } catch { /* private mode */ }
}

/** The board's look, field by field from where each is kept. @param {S["BoardOut"]} board @returns {Look} */
export function boardLook(board) {
  const d = /** @type {Record<string, any>} */ (board.defaults || {});
  const local = kept(board.id).board;
  /** @type {Record<string, any>} */
  const out = {};
  for (const f of LOOK_FIELDS) {
    const v = keptBy(f) === "bridge" ? d[f] : keptBy(f) === "panel" ? /** @type {any} */ (local)[f] : undefined;
    if (v !== undefined && v !== null) out[f] = v;
  }
  return out;
}

/** A shot's own look (only the fields it overrides), or null when it uses the board's.
 * @param {S["BoardOut"]} board @param {S["ShotOut"]} shot @returns {Look | null} */
export function shotOwnLook(board, shot) {
  const o = /** @type {Record<string, any>} */ (shot.overrides || {});
  const local = kept(board.id).shots[shot.id];
  /** @type {Record<string, any>} */
  const out = {};
  for (const f of LOOK_FIELDS) {
    const v = keptBy(f) === "bridge" ? o[f] : keptBy(f) === "panel" && local ? /** @type {any} */ (local)[f] : undefined;
    if (v !== undefined) out[f] = v;
  }
  return Object.keys(out).length ? out : null;
}

/** The fields a Generate must carry itself for these shots: the panel-kept part of each
 * shot's look (its own, else the board's). @param {S["BoardOut"]} board @param {string} shotId */
function panelFields(board, shotId) {
  const local = kept(board.id);
  const look = /** @type {Record<string, any>} */ (local.shots[shotId] || local.board || {});
  /** @type {Record<string, any>} */
  const out = {};
  for (const f of LOOK_FIELDS) {
    if (keptBy(f) === "panel" && look[f] !== undefined && look[f] !== null
      && !(Array.isArray(look[f]) && !look[f].length)) out[f] = look[f];
  }
  return out;
}

/**
 * POST /boards/<id>/generate with each shot's look: one call where every shot shares it,
 * else one per look (the shots named, each with the fields the panel keeps for it).
 * @param {S["BoardOut"]} board @param {Record<string, any>} body @returns {Promise<S["GenerateOut"]>}
 */
export async function generateWithLooks(board, body) {
  await loadLooks().catch(() => {});
  const ids = /** @type {string[]} */ (body.shot_ids || board.shots.map((s) => s.id));
  /** @type {Map<string, { fields: Record<string, any>, ids: string[] }>} */
  const groups = new Map();
  for (const id of ids) {
    const fields = panelFields(board, id);
    const key = JSON.stringify(fields);
    const g = groups.get(key) || { fields, ids: [] };
    g.ids.push(id);
    groups.set(key, g);
  }
  if (groups.size <= 1) {
    const [g] = [...groups.values()];
    return api.generate(board.id, { ...body, ...(g ? g.fields : {}) });
  }
  /** @type {S["GenerateOut"]} */
  const all = { jobs: [], shots: [], skipped: [] };
  for (const g of groups.values()) {
    const r = await api.generate(board.id, { ...body, ...g.fields, shot_ids: g.ids });
    all.jobs.push(...r.jobs);
    all.shots.push(...r.shots);
    all.skipped.push(...r.skipped);
  }
  return all;
}

/** Saves a look: the fields the bridge keeps by PATCH, the rest in the panel's copy.
 * @param {S["BoardOut"]} board @param {S["ShotOut"] | null} shot null: the board's look
 * @param {Look | null} look null: the shot goes back to the board's look
 * @param {{ patchShot?: (shot: S["ShotOut"], body: any) => Promise<unknown>, reload?: () => Promise<unknown> }} how */
async function saveLook(board, shot, look, how) {
  const local = kept(board.id);
  /** @type {Record<string, any>} */
  const bridgeFields = {};
  /** @type {Record<string, any>} */
  const panel = {};
  for (const f of LOOK_FIELDS) {
    const v = look ? /** @type {any} */ (look)[f] : undefined;
    if (keptBy(f) === "bridge") bridgeFields[f] = v === undefined ? null : v;
    else if (keptBy(f) === "panel" && v !== undefined) panel[f] = v;
  }
  if (shot) {
    if (look) local.shots[shot.id] = panel;
    else delete local.shots[shot.id];
  } else local.board = panel;
  keep(board.id, local);
  if (!Object.keys(bridgeFields).length) return how.reload && how.reload();
  if (shot) {
    /** @type {Record<string, any>} */
    const overrides = { ...(shot.overrides || {}) };
    for (const [k, v] of Object.entries(bridgeFields)) { if (v === null) delete overrides[k]; else overrides[k] = v; }
    return how.patchShot && how.patchShot(shot, { overrides });
  }
  /** @type {Record<string, any>} */
  const defaults = { ...(board.defaults || {}) };
  for (const [k, v] of Object.entries(bridgeFields)) { if (v === null) delete defaults[k]; else defaults[k] = v; }
  await api.patchBoard(board.id, { defaults });
  return how.reload && how.reload();
}

/** Where the look is kept, in a sentence. */
function keptSentence() {
  const by = LOOK_FIELDS.map((f) => [f, keptBy(f)]);
  const panel = by.filter(([, k]) => k === "panel").map(([f]) => f);
  const none = by.filter(([, k]) => k === "none").map(([f]) => f === "loras" ? "LoRAs" : f === "references" ? "reference images" : "camera moves");
  const parts = [];
  if (panel.length) parts.push(`This bridge keeps no ${panel.join(" or ").replace("loras", "LoRAs")} on a board or shot yet: the panel keeps them and sends them with each Generate.`);
  if (none.length) parts.push(`This bridge does not take ${none.join(" or ")} on a job yet, so they are not offered.`);
  return parts.join(" ");
}

/**
 * The look editor, for the board (shot null) or one shot.
 * @param {string} idBase @param {Look} look @param {(look: Look) => Promise<unknown>} save
 * @param {string} what "the board" or "shot 2"
 */
function lookEditor(idBase, look, save, what) {
  const loras = [...(look.loras || [])];
  const chips = h("ul.looks-chips", { "aria-label": `LoRAs of ${what}` });
  const shelfNames = new Map(known.shelf.map((l) => [l.id, l.name]));
  loras.forEach((u, i) => {
    const name = shelfNames.get(u.lora) || u.lora;
    const slider = h("input.looks-weight", { type: "range", min: String(-MAX_WEIGHT), max: String(MAX_WEIGHT), step: "0.05",
      value: String(u.weight), id: `${idBase}-w${i}`, "aria-label": `Weight of LoRA ${name} on ${what}` });
    const out = h("output.looks-weight-value", { for: slider.id }, Number(u.weight).toFixed(2));
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
  const pick = h("select.looks-add-select", { id: `${idBase}-add`, "aria-label": `LoRA to add to ${what}` },
    free.map((l) => option(l.id, `${l.name}${l.family ? ` (${l.family})` : ""}`)));
  const add = h("button.small.looks-add", { type: "button", disabled: free.length ? null : true,
    onclick: () => guard(() => save({ ...look, loras: [...loras, { lora: pick.value, weight: 1 }] })) }, "+ LoRA");
  const loraRow = keptBy("loras") === "none" ? null : h("div.looks-loras", null, chips,
    !known.shelf.length
      ? h("p.hint", null, "The LoRA shelf is empty: put LoRA files on it (promptcut lora add, or POST /loras), then add them here.")
      : free.length ? h("div.row.wrap", null, pick, add) : h("p.hint", null, "Every LoRA on the shelf is in this look."));
  // Reference images
  let refs = null;
  if (keptBy("references") !== "none") {
    const list = look.references || [];
    const file = h("input.looks-ref-file", { type: "file", accept: "image/*", id: `${idBase}-ref`, "aria-label": `Add a reference image to ${what}` });
    file.addEventListener("change", () => guard(async () => {
      const f = file.files && file.files[0];
      if (!f) return;
      const sha = (await getBridge().uploadImage(f)).sha256;
      await save({ ...look, references: [...list, { upload: sha }] });
    }));
    refs = h("div.looks-refs", null, h("span.field-label", null, `Reference images (${list.length})`),
      h("ul.looks-chips", null, list.map((r, i) => h("li.looks-chip", null, `image ${i + 1} · ${r.upload.slice(0, 8)}`,
        h("button.icon.looks-remove", { type: "button", "aria-label": `Remove reference image ${i + 1} from ${what}`,
          onclick: () => guard(() => save({ ...look, references: list.filter((_, j) => j !== i) })) }, "✕")))), file);
  }
  // Camera move
  let cam = null;
  if (keptBy("camera") !== "none") {
    const move = h("select.looks-camera", { id: `${idBase}-cam`, "aria-label": `Camera move of ${what}` },
      option("", "none (the prompt decides)", !look.camera),
      CAMERA_MOVES.map(([v, label]) => option(v, label, !!look.camera && look.camera.move === v)));
    move.addEventListener("change", () => guard(() => save({ ...look, camera: move.value ? { move: move.value, amount: 0.25 } : null })));
    cam = h("label.field", { for: move.id }, h("span.field-label", null, "Camera"), move);
  }
  return h("div.looks-editor", null, loraRow, refs, cam);
}

/**
 * The board's Looks section, and "Finish all picks" beside it; re-rendered with the board.
 * @param {HTMLElement} root @param {S["BoardOut"] | null} board @param {() => Promise<unknown>} reload
 */
export function renderLooks(root, board, reload) {
  if (!board) { clear(root); setData(root, "look", ""); return; }
  if (!known.loaded) {
    loadLooks().then(() => renderLooks(root, board, reload)).catch(() => {});
    return;
  }
  // Drawn again only when the look changed: a job event must not pull a slider from under
  // the editor's pointer.
  const key = JSON.stringify([board.id, boardLook(board), known.shelf.map((l) => [l.id, l.name]), keptSentence()]);
  if (getData(root, "look") === key) return;
  setData(root, "look", key);
  const body = h("div.looks-body", null, h("p.hint.looks-kept", null, keptSentence()),
    lookEditor("looks-board", boardLook(board), (look) => saveLook(board, null, look, { reload }), "the board"));
  const open = root.querySelector("details.looks");
  const details = h("details.looks#board-looks", { open: !open || /** @type {HTMLDetailsElement} */ (open).open ? true : null },
    h("summary", null, "Look", h("span.hint", null, " · every shot's, unless it has its own")), body);
  root.replaceChildren(details);
}

/** A shot's look inside its Direct drawer: a badge saying whose look it is, the editor for
 * its own look, and "Use board's look".
 * @param {S["BoardOut"]} board @param {S["ShotOut"]} shot @param {ShotActions} actions */
export function shotLookEditor(board, shot, actions) {
  if (!known.loaded) return h("p.hint", null, "Loading the look…");
  const own = shotOwnLook(board, shot);
  const what = `shot ${shot.position + 1}`;
  const how = { patchShot: actions.patch, reload: () => Promise.resolve(actions.select(shot)) };
  const badge = h(`span.looks-badge${own ? ".own" : ""}`, null, own ? "Own look (overrides the board's)" : "Board's look");
  const reset = own
    ? h("button.small.shot-dx-look-reset", { type: "button", onclick: () => guard(() => saveLook(board, shot, null, how)) }, "Use board's look")
    : h("button.small.shot-dx-look-own", { type: "button", onclick: () => guard(() => saveLook(board, shot, { loras: [], ...boardLook(board) }, how)) }, "Give it its own look");
  return h("fieldset.direct-box.looks-shot", null, h("legend", null, "Look"), h("div.row.wrap", null, badge, h("span.grow"), reset),
    own ? lookEditor(`looks-${shot.id}`, own, (look) => saveLook(board, shot, look, how), what)
      : h("p.hint", null, describe(boardLook(board))));
}

/** What a shot's look editor shows, as a key that changes when it must be drawn again.
 * @param {S["BoardOut"]} board @param {S["ShotOut"]} shot */
export function lookKeyOf(board, shot) {
  return JSON.stringify([known.loaded, shotOwnLook(board, shot), boardLook(board), known.shelf.length]);
}

/** A look in a line. @param {Look} look */
function describe(look) {
  const names = new Map(known.shelf.map((l) => [l.id, l.name]));
  const parts = (look.loras || []).map((u) => `${names.get(u.lora) || u.lora} ${Number(u.weight).toFixed(2)}`);
  if (look.references && look.references.length) parts.push(`${look.references.length} reference image(s)`);
  if (look.camera) parts.push(`camera: ${look.camera.move.replace("_", " ")}`);
  return parts.length ? parts.join(" · ") : "No LoRAs, references or camera move.";
}
