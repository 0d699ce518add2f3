// @ts-check
// Finish: a pick re-rendered at delivery quality from the same seed and conditions, with
// the estimate shown first (GET /takes/<id>/finish), then queued like any job (its progress
// shows in the queue). "Finish all picks" asks the board (GET /boards/<id>/finish) for the
// estimate of every pick, with the shots it skips, then queues them in one POST.

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

/** The board's estimate in words: how many finals, by which routes, how long, and each
 * shot it skips with the bridge's reason. @param {S["BoardFinishEstimate"]} e */
export function boardEstimateText(e) {
  const n = e.count;
  const routes = Object.entries(e.routes).filter(([, k]) => k)
    .map(([r, k]) => `${k} ${ROUTES[r] || r}`).join("; ");
  const time = !n ? "" : e.estimate_s === null || e.estimate_s === undefined
    ? " No timing on this machine yet." : ` About ${fmtEta(e.estimate_s)} in all here.`;
  const skipped = e.skipped.map((s) => `shot ${s.index + 1}: ${s.reason}`).join("; ");
  return `Finish ${n} pick${n === 1 ? "" : "s"}${routes ? ` (${routes})` : ""}.${time}` +
    (skipped ? ` Skipped ${e.skipped.length}: ${skipped}.` : "");
}

/** The board's "Finish all picks": the board's estimate first (GET /boards/<id>/finish),
 * then one POST queues every final. @param {() => S["BoardOut"] | null} board @param {Say} say */
export function finishAllButton(board, say) {
  const box = h("div.finish-box");
  const btn = h("button.small.board-finish-all", { type: "button",
    title: "Re-render every pick at delivery quality; the total estimate comes first" }, "Finish all picks…");
  btn.addEventListener("click", () => guard(async () => {
    const b = board();
    if (!b) return;
    const e = await getBridge().boardFinishEstimate(b.id);
    if (!e.count) throw new Error(`Nothing to finish. ${boardEstimateText(e)}`);
    const over = e.takes.some((t) => t.estimate_s !== null && t.estimate_s !== undefined && t.estimate_s > t.limit_s);
    ask(box, boardEstimateText(e), over, () => guard(async () => {
      const r = await getBridge().boardFinish(b.id, { force: over });
      for (const j of r.jobs) putJob(j);
      emit("jobs");
      return say(`Finishing ${r.shots.length} pick${r.shots.length === 1 ? "" : "s"}: progress is in the queue.`);
    }));
  }));
  return h("div.finish.finish-all", null, btn, box);
}
