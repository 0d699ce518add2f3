// @ts-check
// Finish: a pick re-rendered at delivery quality from the same seed and conditions, with
// the estimate shown first (GET /takes/<id>/finish), then queued like any job (its progress
// shows in the queue). "Finish all picks" adds up the board's estimates before it asks.

import { emit, putJob } from "../store.js";
import { getBridge } from "../sync.js";
import { fmtEta, guard, h } from "./dom.js";

/** @typedef {import("../bridge/schema").components["schemas"]} S */
/** @typedef {(message: string) => unknown} Say */

const ROUTES = /** @type {Record<string, string>} */ ({
  latent_upsample: "upsampled 2× in latent space, then a short refine pass",
  full_render: "rendered again at full size from the same seed",
});

/** One estimate in words. @param {S["FinishEstimate"]} e */
export function estimateText(e) {
  const size = `${e.draft.width}×${e.draft.height} → ${e.delivery.width}×${e.delivery.height}, ${e.delivery.num_frames} frames`;
  const time = e.estimate_s === null || e.estimate_s === undefined
    ? `no timing for ${e.model} on this machine yet`
    : `about ${fmtEta(e.estimate_s)} here${e.estimate_s > e.limit_s ? ` (over the bridge's limit of ${fmtEta(e.limit_s)})` : ""}`;
  return `${size}, ${ROUTES[e.route] || e.route}; ${time}.`;
}

/** A confirm row: the estimate, then Finish (or Finish anyway) and Cancel.
 * @param {HTMLElement} box @param {string} text @param {boolean} over @param {() => Promise<unknown>} go */
function ask(box, text, over, go) {
  const yes = h("button.small.primary.finish-go", { type: "button" }, over ? "Finish anyway" : "Finish");
  const no = h("button.small.finish-cancel", { type: "button" }, "Cancel");
  const row = h("div.finish-ask", { role: "group", "aria-label": "Finish estimate" },
    h("p.finish-estimate", null, text), h("div.row.wrap", null, yes, no));
  box.replaceChildren(row);
  no.addEventListener("click", () => { box.replaceChildren(); });
  yes.addEventListener("click", async () => {
    yes.disabled = true;
    await go();
    box.replaceChildren();
  });
  yes.focus();
}

/** @param {S["BatchOut"]} r */
function queued(r) {
  for (const j of r.jobs) putJob(j);
  emit("jobs");
}

/** The estimate of one take's final in `box`, then Finish queues it.
 * @param {HTMLElement} box @param {string} takeId @param {string} what @param {Say} say */
export async function askFinish(box, takeId, what, say) {
  const e = await getBridge().finishEstimate(takeId);
  const over = e.estimate_s !== null && e.estimate_s !== undefined && e.estimate_s > e.limit_s;
  ask(box, `Finish ${what}: ${estimateText(e)}`, over, () => guard(async () => {
    queued(await getBridge().finish(takeId, { force: over }));
    return say(`Finishing ${what}: its progress is in the queue.`);
  }));
}

/** "Finish…" for one take (a pick): the estimate, then the final is queued.
 * @param {string} takeId @param {string} what e.g. "the pick of shot 2" @param {Say} say */
export function finishButton(takeId, what, say) {
  const box = h("div.finish-box");
  const btn = h("button.small.shot-dx-finish.finish-one", { type: "button", "aria-label": `Finish ${what}`,
    title: "Re-render at delivery quality from the same seed; the estimate comes first" }, "Finish…");
  btn.addEventListener("click", () => guard(() => askFinish(box, takeId, what, say)));
  return h("div.finish", null, btn, box);
}

/** The board's "Finish all picks": the picks' estimates added up first.
 * @param {() => S["BoardOut"] | null} board @param {Say} say */
export function finishAllButton(board, say) {
  const box = h("div.finish-box");
  const btn = h("button.small.board-finish-all", { type: "button",
    title: "Re-render every pick at delivery quality; the total estimate comes first" }, "Finish all picks…");
  btn.addEventListener("click", () => guard(async () => {
    const b = board();
    const picks = b ? b.shots.filter((s) => s.selected_take_id && !(s.pick && s.pick.missing)) : [];
    if (!picks.length) throw new Error("No shot has a pick yet: pick a take per shot first.");
    /** @type {S["FinishEstimate"][]} */
    const all = [];
    for (const s of picks) all.push(await getBridge().finishEstimate(/** @type {string} */ (s.selected_take_id)));
    const timed = all.filter((e) => e.estimate_s !== null && e.estimate_s !== undefined);
    const total = timed.reduce((n, e) => n + /** @type {number} */ (e.estimate_s), 0);
    const untimed = all.length - timed.length;
    const over = all.some((e) => e.estimate_s !== null && e.estimate_s !== undefined && e.estimate_s > e.limit_s);
    const text = `Finish ${picks.length} pick${picks.length === 1 ? "" : "s"}: ` +
      (timed.length ? `about ${fmtEta(total)} in all here` : "no timing on this machine yet") +
      (untimed && timed.length ? ` (and ${untimed} without a timing yet)` : "") + ".";
    ask(box, text, over, () => guard(async () => {
      for (const s of picks) queued(await getBridge().finish(/** @type {string} */ (s.selected_take_id), { force: over }));
      return say(`Finishing ${picks.length} pick${picks.length === 1 ? "" : "s"}: progress is in the queue.`);
    }));
  }));
  return h("div.finish.finish-all", null, btn, box);
}
