// @ts-check
// Observable panel state. One object, changed only through these functions, which emit the
// name of what changed so each view re-renders only its own part.

/** @typedef {import("./bridge/schema").components["schemas"]} S */
/** @typedef {S["JobOut"]} Job */
/** @typedef {S["TakeOut"]} Take */
/** @typedef {S["ModelOut"]} Model */
/** @typedef {S["BoardOut"]} Board */
/** @typedef {"connecting" | "online" | "offline" | "unauthorized"} Conn */
/** The gallery's filters, as the bridge's GET /takes reads them ("" = no filter). */
/** @typedef {{q: string, batch: string, minRating: string, status: S["TakeStatus"] | ""}} Filters */
/** The name of what changed, passed to every listener. @typedef {string} Change */
/** @typedef {(what: Change) => void} Listener */

/**
 * @typedef {object} State
 * @property {Conn} conn
 * @property {string} connDetail
 * @property {Model[]} models
 * @property {Map<string, Job>} jobs id -> job
 * @property {Map<string, Take>} takes id -> take (the loaded page, filtered by the server)
 * @property {string[]} takeOrder ids in display order
 * @property {string | null} nextCursor
 * @property {number} takeTotal
 * @property {Filters} filters
 * @property {boolean} groupByShot
 * @property {Set<string>} selection take ids
 * @property {string | null} cursor the take the keyboard acts on
 * @property {string | null} playing take id playing in place
 * @property {number} track
 * @property {string} tab
 * @property {Set<string>} hiddenJobs
 * @property {Map<string, string>} batches
 * @property {Board | null} board
 */

/** @type {Set<Listener>} */
const listeners = new Set();

/** @type {State} */
export const state = {
  conn: "connecting", // connecting | online | offline | unauthorized
  connDetail: "",
  models: [],
  jobs: new Map(), // id -> job
  takes: new Map(), // id -> take (the loaded page, filtered by the server)
  takeOrder: [], // ids in display order
  nextCursor: null,
  takeTotal: 0, // takes passing the filters in the whole library (GET /takes total)
  filters: { q: "", batch: "", minRating: "", status: "" },
  groupByShot: false, // the take grid in sections per shot (ui/take_groups.js)
  selection: new Set(), // take ids
  cursor: null, // the take the keyboard acts on
  playing: null, // take id playing in place
  track: 0, // 0-based video track index (V1 = 0), as in Premiere's API
  tab: "generate",
  hiddenJobs: new Set(), // failed/cancelled jobs the user dismissed
  batches: new Map(), // batch_id -> short label (first prompt seen)
  board: null, // the board the Board view shows (GET /boards/<id>); the queue names its shots
};

/** Calls `fn` with the name of each change; returns the unsubscribe. @param {Listener} fn */
export function on(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

/** @param {Change} what */
export function emit(what) {
  for (const fn of listeners) {
    try {
      fn(what);
    } catch (e) {
      console.error(e);
    }
  }
}

/** @param {Partial<State>} patch @param {Change} [what] */
export function set(patch, what) {
  Object.assign(state, patch);
  emit(what || Object.keys(patch)[0]);
}

// ---- Actions: the views change the state only through these (and set/putTake/putJob).

/** Clears the selection. */
export function clearSelection() {
  state.selection.clear();
  emit("selection");
}

/**
 * Selects `ids` (added to the selection when `extend`), moving the cursor to `cursor`.
 * @param {string[]} ids @param {{extend?: boolean, cursor?: string | null}} [opts]
 */
export function selectTakes(ids, opts = {}) {
  if (!opts.extend) state.selection.clear();
  for (const id of ids) state.selection.add(id);
  if (opts.cursor !== undefined) state.cursor = opts.cursor;
  emit("selection");
}

/** Adds or removes one take from the selection; the cursor goes to it. @param {string} id */
export function toggleSelected(id, withEmit = true) {
  if (state.selection.has(id)) state.selection.delete(id);
  else state.selection.add(id);
  state.cursor = id;
  if (withEmit) emit("selection");
}

/** Changes the gallery's filters (the caller reloads the takes). @param {Partial<typeof state.filters>} patch */
export function setFilters(patch) {
  Object.assign(state.filters, patch);
  emit("filters");
}

/** Hides finished jobs from the queue (nothing is deleted). @param {string[]} ids */
export function hideJobs(ids) {
  for (const id of ids) state.hiddenJobs.add(id);
  emit("jobs");
}

/** The board the Board view shows, for the views that name its shots. @param {Board | null} board */
export function setBoard(board) {
  state.board = board;
  emit("board");
}

/** @param {string | null | undefined} batchId @param {string | null | undefined} prompt */
export function rememberBatch(batchId, prompt) {
  if (batchId && !state.batches.has(batchId)) {
    state.batches.set(batchId, (prompt || "").slice(0, 40) || batchId.slice(0, 8));
  }
}

/** @param {Job} job */
export function putJob(job) {
  state.jobs.set(job.id, job);
  rememberBatch(job.batch_id, job.request && job.request.prompt);
}

/** Does a take pass the current filters? Mirrors GET /takes so live events agree with it. */
/** @param {Take} take */
export function matches(take) {
  const f = state.filters;
  if (f.batch && take.batch_id !== f.batch) return false;
  if (f.minRating && (take.rating || 0) < Number(f.minRating)) return false;
  if (f.status && take.status !== f.status) return false;
  if (f.q && !(take.prompt || "").toLowerCase().includes(f.q.toLowerCase())) return false;
  return true;
}

/** Adds or updates a take, keeping newest first; drops it if it no longer matches. */
/** @param {Take} take */
export function putTake(take) {
  rememberBatch(take.batch_id, take.prompt);
  if (!matches(take)) {
    removeTake(take.id);
    return;
  }
  const known = state.takes.has(take.id);
  state.takes.set(take.id, take);
  if (!known) {
    state.takeTotal += 1; // a new take in the library (loads set the bridge's count after)
    const order = state.takeOrder;
    const last = order.length ? state.takes.get(order[order.length - 1]) : null;
    if (!last || time(last) >= time(take)) {
      order.push(take.id); // a page of a newest-first load: the common case, at no search
      return;
    }
    const idx = state.takeOrder.findIndex((id) => time(state.takes.get(id)) < time(take));
    if (idx < 0) state.takeOrder.push(take.id);
    else state.takeOrder.splice(idx, 0, take.id);
  }
}

/** @param {string} id */
export function removeTake(id) {
  if (!state.takes.has(id)) return;
  state.takes.delete(id);
  state.takeTotal = Math.max(0, state.takeTotal - 1);
  state.takeOrder = state.takeOrder.filter((x) => x !== id);
  state.selection.delete(id);
  if (state.cursor === id) state.cursor = state.takeOrder[0] || null;
}

/** The library's count for the filters: its total, never less than what is on screen. */
export function takeCount() {
  return Math.max(state.takeTotal || 0, state.takeOrder.length);
}

/** @returns {Take[]} */
export function selectedTakes() {
  /** @type {Take[]} */
  const out = [];
  for (const id of state.takeOrder) {
    const take = state.selection.has(id) ? state.takes.get(id) : undefined;
    if (take) out.push(take);
  }
  return out;
}

/** The takes an action applies to: the selection, else the keyboard cursor. @returns {Take[]} */
export function targetTakes() {
  const sel = selectedTakes();
  if (sel.length) return sel;
  const t = state.cursor && state.takes.get(state.cursor);
  return t ? [t] : [];
}

/**
 * created_at as a number whether the bridge sends seconds or an ISO string.
 * @param {{created_at?: number | string | null} | null | undefined} obj
 */
export function time(obj) {
  const v = obj && obj.created_at;
  if (typeof v === "number") return v;
  const t = Date.parse(v || "");
  return Number.isNaN(t) ? 0 : t / 1000;
}
