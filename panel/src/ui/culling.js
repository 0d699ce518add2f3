// @ts-check
// Curation of takes: stars, pick/reject and tags on the whole selection, each change
// remembered so Ctrl+Z (Cmd+Z) puts every take back; delete to the trash, undone by restoring.

import { emit, putTake, removeTake, state } from "../store.js";
import { getBridge } from "../sync.js";
import { announce, guard, toast } from "./dom.js";

/** @typedef {import("../bridge/schema").components["schemas"]["TakePatch"]} TakePatch */
/** @typedef {import("../store.js").Take} Take */
/**
 * One step Ctrl+Z puts back: the fields the takes had before, or the takes sent to the trash.
 * @typedef {{label: string, patches?: {id: string, body: TakePatch}[], deleted?: string[]}} UndoEntry
 */

/** @param {string} id @param {TakePatch} body */
async function patchTake(id, body) {
  const take = await getBridge().patchTake(id, body);
  // The server answer is the truth; if it no longer matches the filters it leaves the view.
  putTake(take);
  emit("takes");
  return take;
}

/** The takes a curation acts on: the whole selection when `id` is in it, else `id` alone. @param {string} id */
function cullTargets(id) {
  return state.selection.has(id) ? [...state.selection] : [id];
}

/**
 * One change to every target, remembered so Ctrl+Z (or Cmd+Z) puts every take back.
 * @param {string} id @param {TakePatch} change @param {string} label
 */
function cull(id, change, label) {
  /** @type {Take[]} */
  const takes = [];
  for (const x of cullTargets(id)) {
    const t = state.takes.get(x);
    if (t) takes.push(t);
  }
  const ids = takes.map((t) => t.id);
  const fields = /** @type {(keyof TakePatch)[]} */ (Object.keys(change));
  return guard(async () => {
    const before = takes.map((t) => ({ id: t.id, body: Object.fromEntries(fields.map((k) => [k, t[k]])) }));
    for (const x of ids) await patchTake(x, change);
    pushUndo({ label, patches: before });
    if (ids.length > 1) toast(`${label}: ${ids.length} takes (Ctrl+Z undoes).`, "ok");
    else announce(label); // a toast is said too; one take's change is said here, once
  });
}

/** @param {string} id @param {number} n 0 clears */
export function rate(id, n) {
  return cull(id, { rating: n }, n ? `Rated ${n} star${n > 1 ? "s" : ""}` : "Rating cleared");
}

/** Marks the take (and the selection it is in); the same mark again unmarks. @param {string} id @param {Take["status"]} status */
export function setStatus(id, status) {
  const cur = state.takes.get(id);
  /** @type {Take["status"]} */
  const next = cur && cur.status === status ? "new" : status;
  return cull(id, { status: next }, next === "new" ? "Unmarked" : `Marked ${next}`);
}

/** @param {string} id @param {string[]} tags */
export function setTags(id, tags) {
  return guard(() => patchTake(id, { tags }));
}

/** @type {UndoEntry[]} */
const undoStack = [];

/** @param {UndoEntry} entry */
function pushUndo(entry) {
  undoStack.push(entry);
  if (undoStack.length > 50) undoStack.shift();
}

/** Undo the last curation or delete: ratings, picks and rejects back, deleted takes out of
 * the trash. */
export function undo() {
  const entry = undoStack.pop();
  if (!entry) {
    toast("Nothing to undo.", "info");
    return undefined;
  }
  return guard(async () => {
    for (const p of entry.patches || []) await patchTake(p.id, p.body);
    for (const id of entry.deleted || []) putTake(await getBridge().restoreTake(id));
    emit("takes");
    return `Undone: ${entry.label}.`;
  }, (m) => m);
}

/** To the trash, one by one; what went is remembered for Ctrl+Z even when one fails. @param {string[]} ids */
export async function deleteTakes(ids) {
  /** @type {string[]} */
  const done = [];
  try {
    for (const id of ids) {
      await getBridge().deleteTake(id);
      removeTake(id);
      done.push(id);
    }
  } finally {
    if (done.length) pushUndo({ label: `deleted ${done.length} take${done.length === 1 ? "" : "s"}`, deleted: done });
    emit("takes");
  }
}
