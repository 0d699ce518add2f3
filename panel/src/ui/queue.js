// @ts-check
// The job queue: live progress with phase and ETA, cancel, reorder (PATCH priority), and
// failed jobs with the bridge's sentence and a retry. Rows are keyed by job id and updated in
// place, because progress arrives every denoising step and rebuilding rows would swallow
// clicks on their buttons.

import { retryBody } from "../requests.js";
import { emit, hideJobs, on, putJob, state, time } from "../store.js";
import { getBridge, loadJobs } from "../sync.js";
import { fmtEta, guard, h } from "./dom.js";

/** @typedef {import("../store.js").Job} Job */
/** A job's row: its element, its progress bar and its line of details. */
/** @typedef {{el: HTMLElement, bar: HTMLElement, meta: HTMLElement}} Row */

/** @type {Job["status"][]} */
const ACTIVE = ["running", "queued"];

/** Running first, then queued in run order, then the rest newest first. */
export function orderedJobs() {
  const jobs = [...state.jobs.values()];
  const rank = (/** @type {Job} */ j) => (j.status === "running" ? 0 : j.status === "queued" ? 1 : 2);
  return jobs.sort((a, b) => rank(a) - rank(b) ||
    (a.status === "queued" ? queueCmp(a, b) : time(b) - time(a)));
}

/** @param {Job} a @param {Job} b */
function queueCmp(a, b) {
  if (a.position != null && b.position != null && a.position !== b.position) return a.position - b.position;
  return (b.priority || 0) - (a.priority || 0) || time(a) - time(b);
}

/** @param {HTMLElement} root */
export function mountQueue(root) {
  const summary = h("div.queue-summary#queue-summary");
  const list = h("div.queue#queue", { role: "list" });
  const empty = h("div.empty#queue-empty");
  const clearBtn = h("button.small#clear-finished", { type: "button" }, "Clear finished");
  // The empty state sits beside the list, not in it: a list holds only its items.
  root.append(h("div.section-head", null, h("h2", null, "Queue"), summary, h("span.grow"), clearBtn), list, empty);
  /** @type {Map<string, Row & {sig: string}>} */
  const rows = new Map();

  clearBtn.addEventListener("click", () => {
    hideJobs([...state.jobs.values()].filter((j) => !ACTIVE.includes(j.status)).map((j) => j.id));
  });

  function render() {
    const jobs = orderedJobs();
    const visible = jobs.filter((j) => ACTIVE.includes(j.status) ||
      ((j.status === "failed" || j.status === "cancelled") && !state.hiddenJobs.has(j.id)));
    const running = jobs.filter((j) => j.status === "running").length;
    const queued = jobs.filter((j) => j.status === "queued").length;
    const done = jobs.filter((j) => j.status === "done").length;
    summary.textContent = `${running} running · ${queued} queued · ${done} done`;
    /** @type {Set<string>} */
    const seen = new Set();
    const queuedIds = visible.filter((j) => j.status === "queued").map((j) => j.id);
    visible.forEach((job, i) => {
      seen.add(job.id);
      const named = job.shot_id && state.board && state.board.id === job.board_id ? state.board.updated_at : "";
      const sig = `${job.status}|${job.priority}|${queuedIds.indexOf(job.id)}|${queuedIds.length}|${!!job.stopping}|${named}`;
      if (job.stopping) watchStopping(job.id);
      let row = rows.get(job.id);
      if (!row || row.sig !== sig) {
        const fresh = buildRow(job, queuedIds);
        if (row) row.el.replaceWith(fresh.el);
        row = { ...fresh, sig };
        rows.set(job.id, row);
      }
      updateProgress(row, job);
      if (list.children[i] !== row.el) list.insertBefore(row.el, list.children[i] || null);
    });
    for (const [id, row] of rows) {
      if (!seen.has(id)) {
        row.el.remove();
        rows.delete(id);
      }
    }
    empty.textContent = jobs.length ? "Nothing queued." : "No jobs yet. Generate takes to fill the queue.";
    empty.style.display = visible.length ? "none" : "";
    list.style.display = visible.length ? "" : "none";
  }

  let scheduled = false;
  on((what) => {
    if ((what !== "jobs" && what !== "board") || scheduled) return;
    scheduled = true;
    // Not every host has requestAnimationFrame; a 16 ms timer does the same job there.
    (globalThis.requestAnimationFrame || ((/** @type {() => void} */ f) => setTimeout(f, 16)))(() => {
      scheduled = false;
      render();
    });
  });
  render();
}

/** @param {Job} job @param {string[]} queuedIds @returns {Row} */
function buildRow(job, queuedIds) {
  const prompt = (job.request && job.request.prompt) || "";
  const bar = h("div.bar-fill");
  const meta = h("span.job-meta");
  /** @type {HTMLButtonElement[]} */
  const buttons = [];
  const b = getBridge;
  if (job.status === "queued") {
    const idx = queuedIds.indexOf(job.id);
    buttons.push(h("button.icon.move-up", { type: "button", title: "Run sooner", "aria-label": "Run sooner",
      disabled: idx <= 0, onclick: () => move(job, queuedIds, -1) }, "▲"));
    buttons.push(h("button.icon.move-down", { type: "button", title: "Run later", "aria-label": "Run later",
      disabled: idx === queuedIds.length - 1, onclick: () => move(job, queuedIds, +1) }, "▼"));
  }
  if (ACTIVE.includes(job.status)) {
    buttons.push(h("button.small.cancel", { type: "button", onclick: () =>
      guard(async () => {
        const answer = await b().cancel(job.id);
        putAndEmit(answer);
        return answer.stopping ? "Cancelled: the device stops after the step it is in." : "Cancelled.";
      }, (m) => m) }, "Cancel"));
  }
  if (job.status === "failed" || job.status === "cancelled") {
    buttons.push(h("button.small.retry", { type: "button", onclick: () =>
      guard(async () => {
        const r = await b().submit(retryBody(job));
        for (const j of r.jobs || []) putJob(j);
        hideJobs([job.id]);
      }, "Queued again.") }, "Retry"));
    buttons.push(h("button.icon.dismiss", { type: "button", title: "Dismiss", "aria-label": "Dismiss",
      onclick: () => hideJobs([job.id]) }, "×"));
  }
  const error = job.status === "failed" && job.error
    ? h("div.job-error", { role: "alert" }, job.error.message || job.error.code) : null;
  const el = h(`div.job.${job.status}${job.stopping ? ".stopping" : ""}`, { role: "listitem", dataset: { jobId: job.id, status: job.status } },
    h("div.job-top", null, h(`span.chip.${job.status}`, null, job.status),
      shotChip(job), h("span.job-prompt", { title: prompt }, prompt),
      h("span.job-buttons", null, buttons)),
    job.status === "running" ? h("div.bar", { role: "progressbar", "aria-label": `Progress: ${prompt.slice(0, 40)}`,
      "aria-valuemin": "0", "aria-valuemax": "100", "aria-valuenow": "0" }, bar) : null,
    h("div.job-bottom", null, meta), error);
  return { el, bar, meta };
}

/** Which shot of which board a job is for, when it is for one. @param {Job} job */
function shotChip(job) {
  if (!job.shot_id) return null;
  const board = state.board && state.board.id === job.board_id ? state.board : null;
  const shot = board && board.shots.find((x) => x.id === job.shot_id);
  const text = shot ? `Shot ${shot.position + 1} · ${shot.label}` : "Board shot";
  return h("span.chip.shot-chip", { title: board && shot ? `For ${shot.label} of ${board.name}` : "For a board's shot" }, text);
}

/** @param {Row} row @param {Job} job */
function updateProgress(row, job) {
  /** @type {Partial<NonNullable<Job["progress"]>>} */
  const p = job.progress || {};
  const frac = p.steps ? Math.min(1, (p.step || 0) / p.steps) : 0;
  row.bar.style.width = `${Math.round(frac * 100)}%`;
  const meter = row.bar.parentElement;
  if (meter) meter.setAttribute("aria-valuenow", String(Math.round(frac * 100)));
  /** @type {string[]} */
  const parts = [];
  if (job.status === "running") {
    parts.push(p.phase || "starting");
    if (p.steps) parts.push(`step ${p.step || 0}/${p.steps}`);
    const eta = fmtEta(p.eta_s);
    if (eta) parts.push(`ETA ${eta}`);
  } else if (job.status === "queued") {
    parts.push(job.position != null ? `#${job.position + 1} in queue` : "waiting");
    if (job.priority) parts.push(`priority ${job.priority}`);
  } else if (job.stopping) {
    parts.push("Stopping after this step…"); // cancelled; the device finishes its step first
  } else if (job.request) {
    parts.push(`seed ${job.request.seed ?? "?"}`);
  }
  row.meta.textContent = parts.join(" · ");
}

/** @type {Set<string>} */
const watched = new Set();

/** A cancelled job whose device is still finishing its step: ask again until it has let go
 * (no event says so), so the row stops saying "Stopping" when the device is free. */
/** @param {string} id */
function watchStopping(id) {
  if (watched.has(id)) return;
  watched.add(id);
  const again = async () => {
    try {
      const job = await getBridge().job(id);
      putAndEmit(job);
      if (job.stopping) {
        setTimeout(again, 300);
        return;
      }
    } catch (e) {
      console.error(e);
    }
    watched.delete(id);
  };
  setTimeout(again, 300);
}

/** @param {Job} job */
function putAndEmit(job) {
  putJob(job);
  emit("jobs");
}

/**
 * Moves a queued job one place by giving it a priority just past its neighbour's.
 * @param {Job} job @param {string[]} queuedIds @param {number} dir -1 sooner, +1 later
 */
async function move(job, queuedIds, dir) {
  const idx = queuedIds.indexOf(job.id);
  const other = state.jobs.get(queuedIds[idx + dir]);
  if (!other) return;
  const priority = (other.priority || 0) + (dir < 0 ? 1 : -1);
  await guard(async () => {
    putAndEmit(await getBridge().setPriority(job.id, priority));
    await loadJobs(); // every queued job's position may have changed
  });
}
