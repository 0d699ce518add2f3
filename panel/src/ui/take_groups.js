// @ts-check
// The take grid grouped by shot: one section per shot, in its board's shot order, and a last
// section "No shot" for takes of no shot (or of a shot since deleted). Takes carry shot_id
// and board_id; the shots' labels and order come from GET /boards/<id>, fetched for the
// boards the loaded takes belong to. The keyboard and Shift+click follow displayOrder(), the
// order the grid shows.

import { state } from "../store.js";
import { getBridge } from "../sync.js";

export const NO_SHOT = "no-shot";

/**
 * Where a shot sits: its board, its place on it, its label, and its takes in the library.
 * @typedef {{boardId: string, boardName: string, position: number, label: string, total: number}} ShotPlace
 */
/** A section of the grouped grid (total: the shot's takes in the library; null: no shot). */
/** @typedef {{key: string, label: string, ids: string[], total: number | null}} Section */

/** shot id -> where it sits: its board's place in the list, its own place, its label. */
/** @type {Map<string, ShotPlace>} */
const shots = new Map();
/** Shot ids looked for since the last fresh load: an unknown shot asks once, not forever. */
/** @type {Set<string>} */
const asked = new Set();
/** @type {string[]} */
let boardOrder = [];

/**
 * Fetches the shots of every board the loaded takes belong to (`fresh`: all again, e.g. when
 * the view is opened after shots were relabelled or moved). Answers whether anything changed.
 * @param {boolean} [fresh]
 */
export async function loadShotIndex(fresh = false) {
  if (fresh) asked.clear();
  /** @type {Set<string>} */
  const wanted = new Set();
  for (const id of state.takeOrder) {
    const t = state.takes.get(id);
    if (t && t.board_id && t.shot_id && (fresh || !shots.has(t.shot_id)) && !asked.has(t.shot_id)) {
      wanted.add(t.board_id);
      asked.add(t.shot_id);
    }
  }
  if (!wanted.size) return false;
  const bridge = getBridge();
  boardOrder = (await bridge.boards()).boards.map((b) => b.id);
  for (const boardId of wanted) {
    let board = null;
    try {
      board = await bridge.board(boardId);
    } catch {
      continue; // a deleted board: its takes go to "No shot"
    }
    for (const [key, s] of shots) if (s.boardId === boardId) shots.delete(key);
    for (const s of board.shots) {
      shots.set(s.id, { boardId, boardName: board.name, position: s.position, label: s.label,
        total: s.take_count });
    }
  }
  return true;
}

/**
 * The sections the grid shows when grouped: shots in board order then shot order, then
 * "No shot". Each: {key, label, ids, total} (total: the shot's takes in the library).
 * @returns {Section[]}
 */
export function sections() {
  /** @type {Map<string, string[]>} */
  const byShot = new Map();
  /** @type {string[]} */
  const loose = [];
  for (const id of state.takeOrder) {
    const shotId = state.takes.get(id)?.shot_id;
    const known = shotId ? shots.get(shotId) : undefined;
    if (!shotId || !known) {
      loose.push(id);
      continue;
    }
    const ids = byShot.get(shotId);
    if (ids) ids.push(id);
    else byShot.set(shotId, [id]);
  }
  // Every key of byShot is a shot the index knows (checked above).
  const place = (/** @type {string} */ shotId) => /** @type {ShotPlace} */ (shots.get(shotId));
  const boardsSeen = new Set([...byShot.keys()].map((s) => place(s).boardId));
  const rank = (/** @type {string} */ shotId) => {
    const s = place(shotId);
    const b = boardOrder.indexOf(s.boardId);
    return [b < 0 ? boardOrder.length : b, s.position];
  };
  const keys = [...byShot.keys()].sort((a, b) => {
    const [ba, pa] = rank(a);
    const [bb, pb] = rank(b);
    return ba - bb || pa - pb;
  });
  /** @type {Section[]} */
  const out = [];
  for (const key of keys) {
    const s = place(key);
    const label = `${boardsSeen.size > 1 ? `${s.boardName} · ` : ""}${s.position + 1}. ${s.label}`;
    out.push({ key, label, ids: byShot.get(key) || [], total: s.total });
  }
  if (loose.length) out.push({ key: NO_SHOT, label: "No shot", ids: loose, total: null });
  return out;
}

/** A shot's label where the index knows it (null before the shot's board is fetched). @param {string} shotId */
export function shotLabel(shotId) {
  const s = shots.get(shotId);
  return s ? s.label : null;
}

/** The takes in the order the grid shows them: by section when grouped. */
export function displayOrder() {
  return state.groupByShot ? sections().flatMap((s) => s.ids) : state.takeOrder;
}

/** "3 takes", or "3 of 8 takes" when the library holds more of the shot than is shown. @param {Section} section */
export function countText(section) {
  const n = section.ids.length;
  const noun = `take${(section.total ?? n) === 1 ? "" : "s"}`;
  return section.total != null && section.total > n ? `${n} of ${section.total} ${noun}` : `${n} ${noun}`;
}
