// Job bodies built from what the bridge already knows: retry a failed job, re-roll a take
// (same settings, new seed), continue a take from its last frame. The resolved request in a
// record has a few fields POST /jobs spells differently (init_image), so map explicitly.

const COPY = [
  "prompt", "negative_prompt", "model", "seed", "steps", "guidance", "width", "height",
  "num_frames", "fps", "memory_profile", "cache", "compile", "parent_take_id",
];

export function jobBody(request) {
  const body = {};
  for (const k of COPY) {
    if (request[k] !== undefined && request[k] !== null) body[k] = request[k];
  }
  const init = request.init_image;
  if (init && init.take_id) body.init_image = { take_id: init.take_id, frame: init.frame || "last" };
  else if (init && (init.sha256 || init.upload)) body.init_image = { upload: init.sha256 || init.upload };
  return body;
}

/** The request a take was made from: the record's request, else the take's own fields. */
export function takeRequest(take) {
  const rec = take.record || {};
  const req = rec.request || (rec.prompt ? rec : null);
  if (req) return req;
  const { prompt, model, seed, width, height, num_frames, fps } = take;
  return { prompt, model, seed, width, height, num_frames, fps };
}

/** Re-roll: same request, a seed the bridge picks. */
export function rerollBody(take) {
  const body = jobBody(takeRequest(take));
  delete body.seed;
  body.takes = 1;
  if (take.shot_id) body.shot_id = take.shot_id; // the new take can be picked for its shot
  return body;
}

/** Continue: the same shot, starting where this take ends. */
export function continueBody(take) {
  const body = jobBody(takeRequest(take));
  delete body.seed;
  body.takes = 1;
  body.init_image = { take_id: take.id, frame: "last" };
  body.parent_take_id = take.id;
  return body;
}

/** Retry: exactly the same request, seed included (the seed did not make it fail). */
export function retryBody(job) {
  const body = jobBody(job.request || {});
  body.takes = 1;
  if (job.priority) body.priority = job.priority;
  return body;
}

export function newKey() {
  const c = globalThis.crypto;
  if (c && typeof c.randomUUID === "function") return c.randomUUID();
  return `k${Date.now().toString(36)}${Math.random().toString(36).slice(2)}`;
}
