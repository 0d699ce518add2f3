// Keeps the panel's state in step with the bridge: initial loads, the long-poll event loop
// (GET /events?after=SEQ&timeout=25, the one transport UXP, CEP and browsers all have), the
// "bridge not running" state, and recovery. A new epoch or `reset: true` means the bridge
// restarted or dropped old events: reload everything rather than guess what was missed.

import { ApiError, OfflineError } from "./bridge/client.js";
import { emit, putJob, putTake, removeTake, set, state } from "./store.js";

const POLL_TIMEOUT_S = 25;
let bridge = null;
let epoch = null;
let seq = 0;
let running = false;
let wake = null; // resolves the offline back-off early (Retry button)

export function setBridge(b) {
  bridge = b;
}

export function getBridge() {
  return bridge;
}

export async function loadModels() {
  let models = [];
  try {
    models = (await bridge.models()).models || [];
  } catch (e) {
    // A bridge without the models route still generates with its default model.
    if (!(e instanceof ApiError && e.status === 404)) throw e;
  }
  set({ models }, "models");
}

export async function loadJobs() {
  const r = await bridge.jobs();
  state.jobs.clear();
  for (const j of r.jobs || []) putJob(j);
  emit("jobs");
}

function takeQuery(cursor) {
  const f = state.filters;
  return {
    q: f.q, batch_id: f.batch, min_rating: f.minRating, status: f.status,
    sort: "-created", limit: 200, cursor,
  };
}

export async function loadTakes() {
  const r = await bridge.takes(takeQuery());
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
  const r = await bridge.takes(takeQuery(state.nextCursor));
  for (const t of r.takes || []) putTake(t);
  state.nextCursor = r.next_cursor || null;
  state.takeTotal = typeof r.total === "number" ? r.total : state.takeOrder.length;
  emit("takes");
}

/** Every page still to come, drawn once at the end (grouping by shot shows whole shots). */
export async function loadAllTakes() {
  if (!state.nextCursor) return; // all here already: nothing to redraw
  while (state.nextCursor) {
    const r = await bridge.takes(takeQuery(state.nextCursor));
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
const pendingJobs = new Set();
const pendingTakes = new Set();
let pendingModels = false;

function applyEvent(ev) {
  const kind = ev.kind || "";
  if (kind === "job.progress" && ev.job_id && state.jobs.has(ev.job_id)) {
    const job = state.jobs.get(ev.job_id);
    const data = ev.data || {};
    const progress = data.progress || data;
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
  const work = [];
  for (const id of jobs) work.push(bridge.job(id).then(putJob, ignore404));
  for (const id of takes) work.push(bridge.take(id).then(putTake, ignore404));
  if (models) work.push(loadModels());
  await Promise.all(work);
  if (jobs.length) emit("jobs");
  if (takes.length) emit("takes");
}

function ignore404(e) {
  if (!(e instanceof ApiError && e.status === 404)) throw e;
}

function sleep(ms) {
  return new Promise(/** @param {(v?: unknown) => void} resolve */ (resolve) => {
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
  const r = await bridge.events({ after: seq, timeout: wait, epoch });
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
        set({ connDetail: e.message || String(e) }, "conn");
        await sleep(2000);
      }
    }
  }
}
