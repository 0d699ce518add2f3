// Curation of takes: stars, pick/reject and tags on the whole selection, each change
// remembered so Ctrl+Z (Cmd+Z) puts every take back; delete to the trash, undone by restoring.

import { emit, putTake, removeTake, state } from "../store.js";
import { getBridge } from "../sync.js";
import { announce, guard, toast } from "./dom.js";

async function patchTake(id, body) {
  const take = await getBridge().patchTake(id, body);
  // The server answer is the truth; if it no longer matches the filters it leaves the view.
  putTake(take);
  emit("takes");
  return take;
}

/** The takes a curation acts on: the whole selection when `id` is in it, else `id` alone. */
function cullTargets(id) {
  return state.selection.has(id) ? [...state.selection] : [id];
}

/** One change to every target, remembered so Ctrl+Z (or Cmd+Z) puts every take back. */
function cull(id, change, label) {
  const ids = cullTargets(id).filter((x) => state.takes.has(x));
  return guard(async () => {
    const before = ids.map((x) => {
      const t = state.takes.get(x);
      return { id: x, body: Object.fromEntries(Object.keys(change(t)).map((k) => [k, t[k]])) };
    });
    for (const x of ids) await patchTake(x, change(state.takes.get(x)));
    pushUndo({ label, patches: before });
    if (ids.length > 1) toast(`${label}: ${ids.length} takes (Ctrl+Z undoes).`, "ok");
    else announce(label); // a toast is said too; one take's change is said here, once
  });
}

export function rate(id, n) {
  return cull(id, () => ({ rating: n }), n ? `Rated ${n} star${n > 1 ? "s" : ""}` : "Rating cleared");
}

export function setStatus(id, status) {
  const cur = state.takes.get(id);
  const next = cur && cur.status === status ? "new" : status;
  return cull(id, () => ({ status: next }), next === "new" ? "Unmarked" : `Marked ${next}`);
}

export function setTags(id, tags) {
  return guard(() => patchTake(id, { tags }));
}

const undoStack = [];

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

export async function deleteTakes(ids) {
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
