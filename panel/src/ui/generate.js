// @ts-check
// The generate form and the shot list. Sizes and durations offered come from the chosen
// model's details, so the editor cannot pick what the model cannot do.

import { ApiError, downloadPercent } from "../bridge/client.js";
import { defaults, durationOptions, framesForSeconds, modelFps, modelLabel, sizeOptions } from "../presets.js";
import { applyLimits, fieldsByName, newKey } from "../requests.js";
import { parseShotList } from "../shotlist.js";
import { emit, on, putJob, state } from "../store.js";
import { getBridge, loadModels } from "../sync.js";
import { field, guard, h, option, toast } from "./dom.js";

/** @typedef {import("../bridge/schema").components["schemas"]} S */

/** @param {HTMLElement} root @param {import("../hosts/host").Host} host */
export function mountGenerate(root, host) {
  const prompt = h("textarea#prompt", { rows: 3, placeholder: "Describe the shot: subject, action, camera, light…" });
  const model = h("select#model", { "aria-label": "Model" });
  const modelNote = h("div.hint#model-note");
  // A cloud provider's preset needs its API key once; the bridge keeps it (mode 0600) and
  // never sends it back, so this field is always empty after saving.
  const keyInput = h("input#provider-key", { type: "password", autocomplete: "off",
    placeholder: "API key", "aria-label": "Provider API key" });
  const keySave = h("button#provider-key-save", { type: "button" }, "Store key");
  const keyRow = h("div.row#provider-key-row", null, keyInput, keySave);
  keyRow.hidden = true;
  const takes = h("input#takes", { type: "number", min: 1, max: 64, value: 3 });
  const size = h("select#size", { "aria-label": "Size" });
  const duration = h("select#duration", { "aria-label": "Duration" });
  const seed = h("input#seed", { type: "number", min: 0, placeholder: "random" });
  const negative = h("textarea#negative", { rows: 2, placeholder: "What to avoid" });
  const steps = h("input#steps", { type: "number", min: 1, max: 200, placeholder: "default" });
  const guidance = h("input#guidance", { type: "number", min: 0, max: 30, step: 0.5, placeholder: "default" });
  const priority = h("input#priority", { type: "number", value: 0 });
  const submit = h("button.primary#generate", { type: "submit" }, "Generate");

  const advanced = fold("Advanced", "advanced",
    field("Negative prompt", negative),
    h("div.row", null, field("Steps", steps), field("Guidance", guidance), field("Priority", priority)));

  const shots = h("textarea#shots", { rows: 4, placeholder: "One shot per line, or CSV with a header: prompt,duration" });
  const shotFile = h("input#shot-file", { type: "file", accept: ".txt,.csv,text/plain,text/csv" });
  const shotInfo = h("span.hint#shot-info", null, "");
  const queueShots = h("button#queue-shots", { type: "button" }, "Queue shots");
  const shotFold = fold("Shot list", "shotlist",
    shots,
    h("div.row.wrap", null, h("label.file", null, "Load file…", shotFile), shotInfo, h("span.grow"), queueShots),
    h("div.hint", null, "Each shot becomes its own batch with the takes, model and size above."));

  const form = h("form.card#generate-form", { novalidate: true },
    field("Prompt", prompt),
    field("Model", model, null), modelNote, keyRow,
    h("div.row", null, field("Takes", takes), field("Size", size), field("Duration", duration)),
    h("div.row", null, field("Seed", seed), h("div.grow.align-end", null, submit)),
    advanced, shotFold);
  root.appendChild(form);

  const current = () => state.models.find((m) => m.name === model.value) || null;

  function renderModels() {
    const keep = model.value;
    model.replaceChildren(...state.models.map((m) => option(m.name, modelLabel(m), m.name === keep)));
    if (!keep && state.models.length) {
      const ready = state.models.find((m) => m.state === "ready" && !m.test_model) ||
        state.models.find((m) => m.state === "ready") || state.models[0];
      model.value = ready.name;
    }
    renderPresets();
  }

  function renderPresets() {
    const m = current();
    const def = defaults(m);
    const sizes = sizeOptions(m);
    const keepSize = size.value;
    size.replaceChildren(...sizes.map((s) => option(`${s.width}x${s.height}`, s.label,
      keepSize ? keepSize === `${s.width}x${s.height}` : s.width === def.width && s.height === def.height)));
    const durs = durationOptions(m);
    const keepDur = duration.value;
    duration.replaceChildren(...durs.map((d) => option(String(d.frames), d.label,
      keepDur ? keepDur === String(d.frames) : d.frames === Number(def.num_frames))));
    modelNote.textContent = m ? modelNote_(m) : "";
    modelNote.className = `hint${m && m.state !== "ready" ? " warn" : ""}`;
    keyRow.hidden = !(m && m.state === "needs_key" && m.provider);
  }

  /** @param {S["ModelOut"]} m */
  function modelNote_(m) {
    if (m.test_model) return "Test model: random weights, makes noise. For checking the pipeline only.";
    const d = m.details || {};
    if (m.state === "needs_download") {
      return `Not downloaded yet${d.download ? `: run ${d.download}` : ""}. The first job downloads it.`;
    }
    if (m.state === "downloading") {
      const pct = downloadPercent(m);
      return pct === null ? "Downloading…" : `Downloading… ${pct}%`;
    }
    if (m.state === "unavailable") return d.reason || "Unavailable on this machine.";
    if (m.state === "needs_key") {
      return `Runs at ${m.provider}, a paid service: store its API key to use it.`;
    }
    if (m.provider) return `Runs at ${m.provider}, a paid service.${d.notes ? ` ${d.notes}` : ""}`;
    return d.notes || "";
  }

  keySave.addEventListener("click", () => guard(async () => {
    const m = current();
    const key = keyInput.value.trim();
    if (!m || !m.provider || !key) return;
    await getBridge().call("PUT", `/providers/${encodeURIComponent(m.provider)}/key`, { key });
    keyInput.value = "";
    await loadModels();
    toast(`${m.provider}: key stored.`, "ok");
  }));

  function baseBody() {
    const m = current();
    /** @type {Record<string, any>} */
    const body = { model: model.value, takes: Number(takes.value) || 1 };
    if (size.value) {
      const [w, hgt] = size.value.split("x").map(Number);
      body.width = w;
      body.height = hgt;
    }
    if (duration.value) body.num_frames = Number(duration.value);
    if (m && defaults(m).fps) body.fps = modelFps(m);
    if (seed.value !== "") body.seed = Number(seed.value);
    if (negative.value.trim()) body.negative_prompt = negative.value.trim();
    if (steps.value !== "") body.steps = Number(steps.value);
    if (guidance.value !== "") body.guidance = Number(guidance.value);
    if (priority.value !== "" && Number(priority.value)) body.priority = Number(priority.value);
    return body;
  }

  /** @param {unknown} e */
  function showFieldError(e) {
    form.querySelectorAll(".invalid").forEach((el) => el.classList.remove("invalid"));
    if (!(e instanceof ApiError) || !e.field) return;
    /** @type {Record<string, HTMLElement>} */
    const map = { prompt, model, takes, seed, negative_prompt: negative, steps, guidance, priority,
      width: size, height: size, num_frames: duration };
    const el = map[e.field];
    if (el) el.classList.add("invalid");
  }

  /** @param {Omit<S["JobSubmit"], "client_key">} body */
  async function post(body) {
    try {
      const r = await getBridge().submit({ ...body, client_key: newKey() });
      for (const j of r.jobs || []) putJob(j);
      emit("jobs");
      showFieldError(null);
      return r;
    } catch (e) {
      showFieldError(e);
      throw e;
    }
  }

  form.addEventListener("submit", (ev) => {
    ev.preventDefault();
    if (!prompt.value.trim()) {
      prompt.classList.add("invalid");
      toast("Write a prompt first.", "error");
      return;
    }
    submit.disabled = true;
    guard(() => post({ ...baseBody(), prompt: prompt.value.trim() }),
      (r) => `Queued ${r.jobs.length} take${r.jobs.length === 1 ? "" : "s"}.`)
      .finally(() => { submit.disabled = false; });
  });

  function updateShotInfo() {
    const n = parseShotList(shots.value).length;
    shotInfo.textContent = n ? `${n} shot${n === 1 ? "" : "s"}` : "";
  }
  shots.addEventListener("input", updateShotInfo);
  if (host.capabilities.nativeOpen) {
    shotFile.addEventListener("click", (ev) => {
      ev.preventDefault();
      guard(async () => {
        const text = await host.openTextFile();
        if (text !== null) {
          shots.value = text;
          updateShotInfo();
        }
      });
    });
  }
  shotFile.addEventListener("change", async () => {
    const file = shotFile.files && shotFile.files[0];
    if (!file) return;
    shots.value = await file.text();
    updateShotInfo();
    shotFile.value = "";
  });
  queueShots.addEventListener("click", () => {
    const list = parseShotList(shots.value);
    if (!list.length) {
      toast("The shot list is empty.", "error");
      return;
    }
    queueShots.disabled = true;
    guard(async () => {
      const base = baseBody();
      let n = 0;
      for (const shot of list) {
        /** @type {Record<string, any> & { prompt: string }} */
        const body = { ...base, prompt: shot.prompt };
        if (shot.duration) body.num_frames = framesForSeconds(current(), shot.duration);
        await post(body);
        n++;
      }
      return n;
    }, (n) => `Queued ${n} shot${n === 1 ? "" : "s"} as ${n} batch${n === 1 ? "" : "es"}.`)
      .finally(() => { queueShots.disabled = false; });
  });

  model.addEventListener("change", () => {
    size.value = "";
    duration.value = "";
    size.replaceChildren();
    duration.replaceChildren();
    renderPresets();
  });
  prompt.addEventListener("input", () => prompt.classList.remove("invalid"));
  // The number fields' limits are the bridge's (GET /jobs/fields), asked once it answers.
  let limited = false;
  function loadLimits() {
    const bridge = getBridge();
    if (limited || !bridge) return;
    limited = true;
    bridge.jobFields().then((answer) => {
      const f = fieldsByName(answer);
      /** @type {[HTMLInputElement, string][]} */
      const limits = [[takes, "takes"], [seed, "seed"], [steps, "steps"], [guidance, "guidance"], [priority, "priority"]];
      for (const [input, name] of limits) applyLimits(input, f[name]);
    }).catch(() => { limited = false; });
  }

  on((what) => { if (what === "models") { renderModels(); loadLimits(); } });
  renderModels();
}

/** A folded section: UXP lacks <details>, so a button toggles a class.
 * @param {string} title @param {string} id @param {...DomChild} children */
export function fold(title, id, ...children) {
  const body = h("div.fold-body", null, ...children);
  const btn = h("button.fold-toggle", { type: "button", "aria-expanded": "false", id: `fold-${id}` }, title);
  const box = h("div.fold", null, btn, body);
  btn.addEventListener("click", () => {
    const open = !box.classList.contains("open");
    box.classList.toggle("open", open);
    btn.setAttribute("aria-expanded", String(open));
  });
  return box;
}
