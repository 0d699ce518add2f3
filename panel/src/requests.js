// @ts-check
// Job bodies built from what the bridge already knows: retry a failed job, re-roll a take
// (same settings, new seed), continue a take from its last frames, retake it.
//
// No list of fields here: the bridge declares them once (bridge/request.py). A take's stored
// request holds POST /jobs fields under the same names (the bridge's tests hold it to that),
// except its schema version, which is not sent, and init_image, which is stored as a hash
// and sent as an upload or a take. Defaults and limits come from GET /jobs/fields.

/** @typedef {import("./bridge/schema").components["schemas"]} S */
/** @typedef {Record<string, any>} Fields  a body being built, field by field (sent as S["JobSubmit"]) */

/** A POST /jobs body from a stored request. @param {S["RequestRecord"]} request
 * @returns {S["JobSubmit"]} */
export function jobBody(request) {
  const body = /** @type {Fields} */ ({});
  // Left out: the version, the start image (sent as an upload or a take below), and `final`,
  // which only the bridge's Finish sets (a re-rolled final is a plain take at its size).
  for (const [k, v] of Object.entries(request)) {
    if (k !== "schema_version" && k !== "init_image" && k !== "final" && v !== undefined && v !== null) body[k] = v;
  }
  const init = request.init_image;
  if (init && init.take_id) body.init_image = { take_id: init.take_id, frame: sentFrame(init.frame) };
  else if (init && init.sha256) body.init_image = { upload: init.sha256 };
  return /** @type {S["JobSubmit"]} */ (body);
}

/** A stored frame ("first", "last" or seconds written as text) as a body sends it.
 * @param {string | null | undefined} frame @returns {"first" | "last" | number} */
export function sentFrame(frame) {
  if (!frame || frame === "last") return "last";
  return frame === "first" ? "first" : Number(frame);
}

/** A field's bounds on a number input, as GET /jobs/fields gives them.
 * @param {HTMLInputElement} input @param {S["FieldOut"] | undefined} field */
export function applyLimits(input, field) {
  if (!field) return;
  if (field.minimum !== null) input.min = String(field.minimum);
  if (field.maximum !== null) input.max = String(field.maximum);
}

/** name -> field, from GET /jobs/fields. @param {S["JobFieldsOut"]} answer
 * @returns {Record<string, S["FieldOut"]>} */
export function fieldsByName(answer) {
  return Object.fromEntries(answer.fields.map((f) => [f.name, f]));
}

/** The request a take was made from: the record's request, else the take's own fields.
 * @param {any} take @returns {S["RequestRecord"]} */
export function takeRequest(take) {
  const rec = take.record || {};
  const req = rec.request || (rec.prompt ? rec : null);
  if (req) return req;
  const { prompt, model, seed, width, height, num_frames, fps } = take;
  return /** @type {S["RequestRecord"]} */ ({ prompt, model, seed, width, height, num_frames, fps });
}

/** The shot (and through it the board) a take was made for: a new take made from it
 * belongs there too, so it can be picked for that shot at once. @param {any} take @param {Fields} body */
function keepShot(take, body) {
  if (take.shot_id) body.shot_id = take.shot_id;
  return /** @type {S["JobSubmit"]} */ (body);
}

/** Re-roll: same request, a seed the bridge picks. @param {any} take @returns {S["JobSubmit"]} */
export function rerollBody(take) {
  const body = /** @type {Fields} */ (jobBody(takeRequest(take)));
  delete body.seed;
  body.takes = 1;
  return keepShot(take, body);
}

/** Continue: the same shot, starting where this take ends. `continue_from` lets the bridge
 * hold on the take's last frames where the model can (else on its last frame); what the
 * take itself was conditioned on (its start image, frames, keyframes) is not the new take's.
 * @param {any} take @returns {S["JobSubmit"]} */
export function continueBody(take) {
  const body = /** @type {Fields} */ (jobBody(takeRequest(take)));
  // What belonged to the take's own frames stays with it: its pins, its handles (the
  // continuation starts on its last frames), its camera move and its timed sections.
  for (const k of ["seed", "init_image", "video", "keyframes", "parent_take_id", "handles",
    "camera", "prompts", "sections_as"]) delete body[k];
  body.takes = 1;
  body.continue_from = take.id;
  return keepShot(take, body);
}

/** Retake: the take's shot again, following its motion and framing, at `strength`
 * (0.1 touches up, 1 reimagines); a new seed, and `changes` (a new prompt) on top.
 * @param {any} take @param {number} strength @param {Record<string, any>} [changes]
 * @returns {S["JobSubmit"]} */
export function retakeBody(take, strength, changes = {}) {
  const body = /** @type {Fields} */ (jobBody(takeRequest(take)));
  for (const k of ["seed", "init_image", "video", "parent_take_id"]) delete body[k];
  Object.assign(body, changes);
  body.takes = 1;
  body.retake = { take_id: take.id, strength };
  return keepShot(take, body);
}

/** Retry: exactly the same request, seed included (the seed did not make it fail).
 * @param {any} job @returns {S["JobSubmit"]} */
export function retryBody(job) {
  const body = /** @type {Fields} */ (jobBody(job.request || {}));
  body.takes = 1;
  if (job.priority) body.priority = job.priority;
  return /** @type {S["JobSubmit"]} */ (body);
}

export function newKey() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  return `k${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}
