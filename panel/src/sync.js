// @ts-check
// Keeps the panel's state in step with the bridge: initial loads, the long-poll event loop
// (GET /events?after=SEQ&timeout=25, the one transport UXP, CEP and browsers all have), the
// "bridge not running" state, and recovery. A new epoch or `reset: true` means the bridge
// restarted or dropped old events: reload everything rather than guess what was missed.

import { ApiError, OfflineError } from "./bridge/client.js";
import { emit, putJob, putTake, removeTake, set, state } from "./store.js";

/** @typedef {import("./bridge/client.js").Bridge} Bridge */
/** @typedef {import("./bridge/client.js").BridgeEvent} BridgeEvent */
/** @typedef {import("./bridge/client.js").TakeQuery} TakeQuery */
/** @typedef {import("./store.js").Model} Model */

const POLL_TIMEOUT_S = 25;
/** @type {Bridge | null} */
let bridge = null;
/** @type {string | null} */
let epoch = null;
let seq = 0;
let running = false;
/** @type {(() => void) | null} */
let wake = null; // resolves the offline back-off early (Retry button)

/** Boot sets the one bridge client, before any view is mounted. @param {Bridge} b */
export function setBridge(b) {
  bridge = b;
}

/**
 * The bridge client. Boot sets it before mounting any view, so a view never sees none; a
 * call before that is a programming error, and says so rather than failing on `null`.
 * @returns {Bridge}
 */
export function getBridge() {
  if (!bridge) throw new Error("no bridge yet: setBridge() runs at boot, before the views");
  return bridge;
}

export async function loadModels() {
  /** @type {Model[]} */
  let models = [];
  try {
    models = (await getBridge().models()).models || [];
  } catch (e) {
    // A bridge without the models route still generates with its default model.
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
  set({ models }, "models");
}

export async function loadJobs() {
  const r = await getBridge().jobs();
  state.jobs.clear();
  for (const j of r.jobs || []) putJob(j);
  emit("jobs");
}

/** The gallery's filters as GET /takes reads them. @param {string} [cursor] @returns {TakeQuery} */
function takeQuery(cursor) {
  const f = state.filters;
  // An empty filter is no filter (the query string leaves it out either way).
  return {
    q: f.q || undefined, batch_id: f.batch || undefined,
    min_rating: f.minRating ? Number(f.minRating) : undefined, status: f.status || undefined,
    sort: "-created", limit: 200, cursor,
  };
}

export async function loadTakes() {
  const r = await getBridge().takes(takeQuery());
  state.takes.clear();
  state.takeOrder = [];
  for (const t of r.takes || []) putTake(t);
  state.nextCursor = r.next_cursor || null;
  state.takeTotal = typeof r.total === "number" ? r.total : state.takeOrder.length;
  for (const id of [...state.selection]) if (!state.takes.has(id)) state.selection.delete(id);
  if (!state.cursor || !state.takes.has(state.cursor)) state.cursor = state.takeOrder[0] || null;
  emit("takes");
}

export async function loadMoreTakes() {
  if (!state.nextCursor) return;
  const r = await getBridge().takes(takeQuery(state.nextCursor));
  for (const t of r.takes || []) putTake(t);
  state.nextCursor = r.next_cursor || null;
  state.takeTotal = typeof r.total === "number" ? r.total : state.takeOrder.length;
  emit("takes");
}

/** Every page still to come, drawn once at the end (grouping by shot shows whole shots). */
export async function loadAllTakes() {
  if (!state.nextCursor) return; // all here already: nothing to redraw
  while (state.nextCursor) {
    const r = await getBridge().takes(takeQuery(state.nextCursor));
    for (const t of r.takes || []) putTake(t);
    state.nextCursor = r.next_cursor || null;
    state.takeTotal = typeof r.total === "number" ? r.total : state.takeOrder.length;
  }
  emit("takes");
}

export async function reloadAll() {
  await Promise.all([loadModels(), loadJobs(), loadTakes()]);
}

// Events name what changed; fetching the current record is simpler and always right,
// except progress, which comes often and carries everything in the event itself.
/** @type {Set<string>} */
const pendingJobs = new Set();
/** @type {Set<string>} */
const pendingTakes = new Set();
let pendingModels = false;

/** @param {BridgeEvent} ev */
function applyEvent(ev) {
  const kind = ev.kind || "";
  const job = ev.job_id ? state.jobs.get(ev.job_id) : undefined;
  if (ev.kind === "job.progress" && job) {
    const progress = ev.data;
    // A late report of a cancelled job (its device finishing a step) must not revive it.
    const status = job.status === "queued" ? "running" : job.status;
    state.jobs.set(job.id, { ...job, status, progress: { ...job.progress, ...progress } });
    emit("jobs");
    return;
  }
  if (kind.startsWith("job.") && ev.job_id) pendingJobs.add(ev.job_id);
  if ((kind === "take.created" || kind === "take.updated") && ev.take_id) pendingTakes.add(ev.take_id);
  if (kind === "take.deleted" && ev.take_id) {
    removeTake(ev.take_id);
    emit("takes");
  }
  if (kind.startsWith("model.")) pendingModels = true;
}

async function flushPending() {
  const jobs = [...pendingJobs];
  const takes = [...pendingTakes];
  const models = pendingModels;
  pendingJobs.clear();
  pendingTakes.clear();
  pendingModels = false;
  const bridge = getBridge();
  /** @type {Promise<void>[]} */
  const work = [];
  for (const id of jobs) work.push(bridge.job(id).then(putJob, ignore404));
  for (const id of takes) work.push(bridge.take(id).then(putTake, ignore404));
  if (models) work.push(loadModels());
  await Promise.all(work);
  if (jobs.length) emit("jobs");
  if (takes.length) emit("takes");
}

/** @param {unknown} e */
function ignore404(e) {
  if (!(e instanceof ApiError && e.status === 404)) throw e;
}

/** @param {number} ms @returns {Promise<void>} */
function sleep(ms) {
  return new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    wake = () => {
      clearTimeout(t);
      resolve();
    };
  });
}

export function retryNow() {
  if (wake) wake();
}

function goOnline() {
  if (state.conn !== "online") set({ conn: "online", connDetail: "" }, "conn");
}

/** One long-poll; returns after the events it brought are applied. */
async function pollOnce() {
  const wait = epoch === null ? 0 : POLL_TIMEOUT_S;
  // Sending the epoch we know lets the bridge answer `reset` at once when it restarted.
  const r = await getBridge().events({ after: seq, timeout: wait, epoch: epoch ?? undefined });
  if (r.epoch !== epoch || r.reset) {
    // Bridge restarted (or we are new): everything we hold may be stale.
    epoch = r.epoch;
    seq = r.last_seq || 0;
    await reloadAll();
    goOnline();
    return;
  }
  goOnline();
  for (const ev of r.events || []) {
    applyEvent(ev);
    if (ev.seq > seq) seq = ev.seq;
  }
  if (typeof r.last_seq === "number" && r.last_seq > seq) seq = r.last_seq;
  await flushPending();
}

/** Runs forever: poll, and when the bridge goes away, wait for it with a gentle back-off. */
export async function runEventLoop() {
  if (running) return;
  running = true;
  let backoff = 1000;
  for (;;) {
    try {
      await pollOnce();
      backoff = 1000;
    } catch (e) {
      if (e instanceof OfflineError) {
        epoch = null; // force a full reload when it comes back
        if (state.conn !== "offline") set({ conn: "offline", connDetail: "" }, "conn");
        await sleep(backoff);
        backoff = Math.min(backoff * 2, 5000);
      } else if (e instanceof ApiError && e.status === 401) {
        epoch = null;
        set({ conn: "unauthorized", connDetail: e.message }, "conn");
        await sleep(3000);
      } else {
        console.error(e);
        set({ connDetail: (e instanceof Error && e.message) || String(e) }, "conn");
        await sleep(2000);
      }
    }
  }
}
