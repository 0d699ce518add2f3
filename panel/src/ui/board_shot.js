// @ts-check
// One shot of a board: label, length (seconds, frames, bars), take count, its pick's
// poster with its rating (hover or V plays it, muted and looping), a warning with Extend and
// Longer take when the pick is shorter than the shot, the shot's editor in place (length in
// any unit, label, notes), its takes (pick one; in Premiere, swap it into the cut), generate,
// split, move.

import { absolute } from "../boards/calls.js";
import { h } from "./dom.js";
import { directButton, directDrawer } from "./direct.js";

/** "4.00 s · 100 f · 2 bars" for a laid-out shot. @param {any} shot @returns {string} */
export function lengthText(shot) {
  if (shot.frames == null) return "not laid out";
  const parts = [`${shot.seconds.toFixed(2)} s`, `${shot.frames} f`];
  if (shot.bars != null) parts.push(`${+shot.bars.toFixed(2)} bars`);
  return parts.join(" · ");
}

/** The units a shot's length is typed in; beats and bars only on a board with a song. */
export const LENGTH_UNITS = [
  { unit: "s", label: "seconds" }, { unit: "frames", label: "frames" },
  { unit: "beats", label: "beats", song: true }, { unit: "bars", label: "bars", song: true },
];

/**
 * How many seconds the pick falls short of its shot in the cut, or 0 when it covers it: the
 * bridge counts the frames as the cut lays them, a chain of continuations included
 * (`pick_short_frames`).
 * @param {any} board @param {any} shot @returns {number}
 */
export function pickShortBy(board, shot) {
  const frames = shot.pick_short_frames;
  if (!shot.pick || shot.pick.missing || !frames || frames <= 0) return 0;
  return Math.round((frames / board.fps) * 100) / 100;
}

/** "★★★☆☆" and its words. @param {number} rating */
function stars(rating) {
  const r = Math.max(0, Math.min(5, Math.round(rating || 0)));
  return h("span.shot-rating", { role: "img", "aria-label": r ? `Rated ${r} of 5` : "Not rated",
    title: r ? `Rated ${r} of 5` : "Not rated" }, r ? "★".repeat(r) + "☆".repeat(5 - r) : "☆ unrated");
}

/**
 * The pick plays in the card's poster, muted and looping, while the pointer is over it (or
 * the card has focus and V was pressed); the still comes back after.
 * @param {HTMLElement} card @param {boolean} on
 */
export function playPick(card, on) {
  const box = card.querySelector(".shot-media");
  if (!box) return;
  const url = box.getAttribute("data-media");
  const playing = box.querySelector("video");
  if (on && !playing && url) {
    const video = /** @type {HTMLVideoElement} */ (h("video.shot-poster.shot-pick-video", {
      src: url, autoplay: true, loop: true, muted: true, playsinline: true,
      "aria-label": box.getAttribute("data-name") || "Pick" }));
    video.muted = true; // the property, not only the attribute: autoplay needs it
    box.replaceChildren(video);
    video.play().catch(() => {});
  } else if (!on && playing) {
    const still = box.getAttribute("data-poster");
    box.replaceChildren(h("img.shot-poster", { src: still, alt: box.getAttribute("data-name") || "" }));
  }
  card.classList.toggle("playing", on && !!url);
}

/**
 * The shot's editor, in place: its length (a number and a unit), label and notes; Save
 * sends them as one change (one undo step).
 * @param {any} board @param {any} shot @param {any} a the Board's actions
 */
function shotEditor(board, shot, a) {
  const name = `shot ${shot.position + 1} '${shot.label}'`;
  const own = shot.duration || shot.effective_duration || { value: shot.seconds || 4, unit: "s" };
  const units = LENGTH_UNITS.filter((u) => !u.song || board.song);
  const unitNow = units.some((u) => u.unit === own.unit) ? own.unit : "s";
  const shown = unitNow === own.unit ? +Number(own.value).toFixed(4) : shot.seconds;
  const value = h("input.shot-edit-length", { type: "number", min: "0.01", step: "any",
    value: String(shown),
    "aria-label": `Length of ${name}`, required: true });
  const unit = h("select.shot-edit-unit", { "aria-label": `Unit of the length of ${name}` },
    units.map((u) => h("option", { value: u.unit, selected: u.unit === unitNow ? true : null }, u.label)));
  const label = h("input.shot-edit-label", { value: shot.label, maxlength: "200", "aria-label": `Label of ${name}` });
  const notes = h("textarea.shot-edit-notes", { rows: 3, maxlength: "10000", "aria-label": `Notes of ${name}`,
    placeholder: "Notes: what the shot needs, for you and the cut" }, shot.notes || "");
  const form = h("form.shot-editor", { "aria-label": `Edit ${name}` },
    h("div.row.wrap", null,
      h("label.field.shot-edit-len", null, h("span", null, "Length"), h("span.row", null, value, unit))),
    h("label.field", null, h("span", null, "Label"), label),
    h("label.field", null, h("span", null, "Notes"), notes),
    h("div.row.wrap", null,
      h("button.small.primary.shot-edit-save", { type: "submit" }, "Save"),
      h("button.small.shot-edit-cancel", { type: "button", onclick: () => a.edit(shot, false) }, "Cancel")));
  form.addEventListener("submit", (/** @type {Event} */ e) => {
    e.preventDefault();
    /** @type {Record<string, any>} */
    const body = {};
    const n = Number(value.value);
    if (!(n > 0)) {
      value.focus();
      a.say(`The length must be a number above 0.`);
      return;
    }
    if (n !== shown || unit.value !== unitNow) {
      body.duration = { value: n, unit: unit.value };
    }
    if (label.value.trim() !== shot.label) body.label = label.value;
    if (notes.value !== (shot.notes || "")) body.notes = notes.value;
    a.saveEdit(shot, body);
  });
  form.addEventListener("keydown", (/** @type {KeyboardEvent} */ e) => {
    if (e.key === "Escape") {
      e.stopPropagation();
      a.edit(shot, false);
    }
  });
  return form;
}

/**
 * One card; ctx.current: the card that is the list's one Tab stop (roving tabindex): only its
 * controls are in the Tab order, the other cards are reached by arrows.
 * @param {any} board @param {any} shot
 * @param {any} ctx {selected, current, open, takes, actions, timeline, gap, preview, editing, playing}
 */
export function shotCard(board, shot, ctx) {
  const a = ctx.actions;
  const pick = shot.pick && !shot.pick.missing ? shot.pick : null;
  const name = `shot ${shot.position + 1} '${shot.label}'`;
  const poster = pick
    ? h("div.shot-media", { "data-media": absolute(pick.media_url), "data-poster": absolute(pick.poster_url),
      "data-name": `Pick of ${shot.label}` },
    h("img.shot-poster", { src: absolute(pick.poster_url), alt: `Pick of ${shot.label}` }))
    : h("div.shot-poster.none", null, shot.take_count ? "no pick" : "no takes");
  const label = h("input.shot-label", { value: shot.label, "aria-label": `Label of ${name}`,
    onchange: (/** @type {any} */ e) => a.patch(shot, { label: e.target.value }) });
  const counts = `${shot.take_count} / ${shot.takes_target} takes` +
    (shot.pending ? ` · ${shot.pending} queued` : "");
  const plan = shot.plan && shot.plan.num_frames == null
    ? h("div.hint.warn.shot-plan", null, shot.plan.message) : null;
  const short = pickShortBy(board, shot);
  const shortNote = pick && short ? h("div.hint.warn.shot-short", { role: "note" },
    h("span", null, `Pick is ${short.toFixed(short < 1 ? 2 : 1).replace(/0$/, "")} s short.`),
    h("button.small.shot-extend", { type: "button", "aria-label": `Extend the pick of ${name}`,
      title: "Continue the pick from its last frames for the missing time (a chain link); pick the new take when it is done",
      onclick: () => a.extend(shot, short) }, "Extend"),
    h("button.small.shot-longer", { type: "button", "aria-label": `Make a longer take of ${name}`,
      title: "Generate takes as long as the shot", onclick: () => a.generate(shot) }, "Longer take")) : null;
  const head = h("div.shot-head", null,
    h("span.shot-no", null, String(shot.position + 1)), label,
    h("button.icon.shot-up", { type: "button", title: "Move earlier", "aria-label": `Move ${name} earlier`,
      disabled: shot.position === 0 ? true : null, onclick: () => a.move(shot, shot.position - 1) }, "▲"),
    h("button.icon.shot-down", { type: "button", title: "Move later", "aria-label": `Move ${name} later`,
      disabled: shot.position === board.shots.length - 1 ? true : null,
      onclick: () => a.move(shot, shot.position + 1) }, "▼"));
  const prompt = h("textarea.shot-prompt", { rows: 2, "aria-label": `Prompt of ${name}`,
    placeholder: "Prompt for this shot", onchange: (/** @type {any} */ e) => a.patch(shot, { prompt: e.target.value }) },
  shot.prompt);
  const buttons = h("div.row.wrap.shot-buttons", null,
    h("button.small.shot-generate", { type: "button", "aria-label": `Generate ${name}`, onclick: () => a.generate(shot) }, "Generate"),
    h("button.small.shot-takes-toggle", { type: "button", "aria-expanded": ctx.open ? "true" : "false",
      "aria-label": `${ctx.open ? "Hide takes of" : "Takes of"} ${name}`, "aria-controls": `takes-${shot.id}`,
      onclick: () => a.toggle(shot) }, ctx.open ? "Hide takes" : "Takes"),
    h("button.small.shot-edit", { type: "button", "aria-expanded": ctx.editing ? "true" : "false",
      "aria-label": `Edit ${name}: length, label, notes`, onclick: () => a.edit(shot, !ctx.editing) }, "Edit"),
    h("button.small.shot-split", { type: "button", "aria-label": `Split ${name}`, onclick: () => a.split(shot) }, "Split"),
    directButton(shot, ctx),
    ctx.gap ? h("button.small.primary.shot-place-gap", { type: "button", disabled: pick ? null : true,
      onclick: () => a.placeInGap(shot) }, "Place in gap") : null,
    h("span.grow"),
    h("button.icon.shot-delete", { type: "button", title: "Delete shot (Ctrl+Z brings it back)", "aria-label": `Delete ${name}`,
      onclick: () => a.remove(shot) }, "✕"));
  const rating = pick ? ` rated ${pick.rating || 0} of 5` : "";
  const state = `${pick ? `picked,${rating}` : shot.take_count ? "no pick" : "no takes"}, ${shot.take_count} takes` +
    (short ? `, pick ${short} s short` : "");
  const card = h(`div.shot${ctx.selected ? ".selected" : ""}${pick ? ".has-pick" : ""}`, {
    draggable: "true", tabindex: ctx.current ? "0" : "-1", role: "listitem", dataset: { shotId: shot.id },
    "aria-current": ctx.selected ? "true" : null, "aria-keyshortcuts": pick ? "V" : null,
    title: pick ? "Hover (or V) plays the pick" : null,
    "aria-label": `Shot ${shot.position + 1}: ${shot.label}, ${state}` },
  poster, h("div.shot-body", null, head,
    h("div.row.wrap.shot-meta", null, h("span.info.shot-length", null, lengthText(shot)),
      pick ? stars(pick.rating) : null),
    h("div.info.shot-count", null, counts), plan, shortNote,
    shot.notes && !ctx.editing ? h("div.hint.shot-notes", null, shot.notes) : null,
    ctx.editing ? shotEditor(board, shot, a) : prompt, buttons,
    ctx.open ? takeStrip(board, shot, ctx) : null, directDrawer(board, shot, ctx)));
  card.addEventListener("click", (/** @type {MouseEvent} */ e) => {
    const t = /** @type {HTMLElement} */ (e.target);
    if (t === card || poster.contains(t)) a.select(shot);
  });
  if (pick) {
    poster.addEventListener("mouseenter", () => playPick(card, true));
    poster.addEventListener("mouseleave", () => playPick(card, false));
    if (ctx.playing) playPick(card, true);
  }
  if (!ctx.current) {
    for (const c of card.querySelectorAll("button, input, textarea, select, video")) c.setAttribute("tabindex", "-1");
  }
  return card;
}

/**
 * A shot's takes: a list with one Tab stop (the pick, else the first take); on a take, ← →
 * move, Space previews it in place, P or Enter picks it, Esc goes back to the shot.
 * @param {any} board @param {any} shot @param {any} ctx
 */
function takeStrip(board, shot, ctx) {
  /** @type {import("../boards/calls.js").S["TakeOut"][]} */
  const takes = ctx.takes || [];
  if (!takes.length) return h("div.hint.shot-takes", { id: `takes-${shot.id}` }, "No takes yet: Generate makes some.");
  const stop = takes.some((t) => t.id === shot.selected_take_id) ? shot.selected_take_id : takes[0].id;
  return h("div.shot-takes", { role: "list", id: `takes-${shot.id}`, "aria-label": `Takes of shot ${shot.position + 1} '${shot.label}'` }, takes.map((t, i) => {
    const chosen = t.id === shot.selected_take_id;
    const other = t.fps && Math.abs(t.fps - board.fps) > 0.01;
    const name = `take ${i + 1} of shot '${shot.label}'`;
    const playing = ctx.preview === t.id;
    const media = playing
      ? h("video.shot-preview", { src: absolute(t.media_url), autoplay: true, muted: true, loop: true,
        playsinline: true, "aria-label": `Preview of ${name}` })
      : h("img", { src: absolute(t.poster_url), alt: "" });
    if (playing) /** @type {HTMLVideoElement} */ (media).muted = true;
    return h(`div.shot-take${chosen ? ".chosen" : ""}`, { role: "listitem", dataset: { takeId: t.id },
      tabindex: t.id === stop && ctx.current ? "0" : "-1",
      "aria-label": `${name[0].toUpperCase()}${name.slice(1)}, seed ${t.seed}${chosen ? ", picked" : ""}` },
    media,
    h("div.info", null, `seed ${t.seed} · ${t.num_frames} f @ ${t.fps}${other ? " (own rate)" : ""}`),
    h("div.row.wrap", null,
      h("button.small.take-preview", { type: "button", "aria-pressed": String(playing), "aria-label": `Preview ${name}`,
        title: "Play it here (Space)", onclick: () => ctx.actions.preview(shot, t) }, playing ? "■" : "▶"),
      h("button.small.take-pick", { type: "button", "aria-pressed": chosen ? "true" : "false", "aria-label": `Pick ${name}`,
        // A toggle keeps one label (WCAG 2.5.3, label in name): aria-pressed and the tick
        // say that it is the pick.
        title: "Pick (P)", onclick: () => ctx.actions.pick(shot, chosen ? null : t) }, "Pick"),
      ctx.timeline ? h("button.small.take-swap", { type: "button", "aria-label": `Swap in ${name}`,
        title: "Put this take where the shot is in the sequence: same place, same length",
        onclick: () => ctx.actions.swap(shot, t) }, "Swap in") : null));
  }));
}
