// One shot of a board: label, length (seconds, frames, bars), take count, its pick's
// poster, its takes (pick one; in Premiere, swap it into the cut), generate, split, move.

import { absolute } from "../boards/calls.js";
import { h } from "./dom.js";
import { directButton, directDrawer } from "./direct.js";

/** "4.00 s · 100 f · 2 bars" for a laid-out shot. */
export function lengthText(shot) {
  if (shot.frames == null) return "not laid out";
  const parts = [`${shot.seconds.toFixed(2)} s`, `${shot.frames} f`];
  if (shot.bars != null) parts.push(`${+shot.bars.toFixed(2)} bars`);
  return parts.join(" · ");
}

/**
 * One card; ctx.current: the card that is the list's one Tab stop (roving tabindex): only its
 * controls are in the Tab order, the other cards are reached by arrows.
 * @param {any} board @param {any} shot
 * @param {any} ctx {selected, current, open, takes, actions, timeline, gap, preview}
 */
export function shotCard(board, shot, ctx) {
  const a = ctx.actions;
  const pick = shot.pick && !shot.pick.missing ? shot.pick : null;
  const poster = pick
    ? h("img.shot-poster", { src: absolute(pick.poster_url), alt: `Pick of ${shot.label}` })
    : h("div.shot-poster.none", null, shot.take_count ? "no pick" : "no takes");
  const name = `shot ${shot.position + 1} '${shot.label}'`;
  const label = h("input.shot-label", { value: shot.label, "aria-label": `Label of ${name}`,
    onchange: (e) => a.patch(shot, { label: e.target.value }) });
  const counts = `${shot.take_count} / ${shot.takes_target} takes` +
    (shot.pending ? ` · ${shot.pending} queued` : "");
  const plan = shot.plan && shot.plan.num_frames == null
    ? h("div.hint.warn.shot-plan", null, shot.plan.message) : null;
  const head = h("div.shot-head", null,
    h("span.shot-no", null, String(shot.position + 1)), label,
    h("button.icon.shot-up", { type: "button", title: "Move earlier", "aria-label": `Move ${name} earlier`,
      disabled: shot.position === 0 ? true : null, onclick: () => a.move(shot, shot.position - 1) }, "▲"),
    h("button.icon.shot-down", { type: "button", title: "Move later", "aria-label": `Move ${name} later`,
      disabled: shot.position === board.shots.length - 1 ? true : null,
      onclick: () => a.move(shot, shot.position + 1) }, "▼"));
  const prompt = h("textarea.shot-prompt", { rows: 2, "aria-label": `Prompt of ${name}`,
    placeholder: "Prompt for this shot", onchange: (e) => a.patch(shot, { prompt: e.target.value }) },
  shot.prompt);
  const buttons = h("div.row.wrap.shot-buttons", null,
    h("button.small.shot-generate", { type: "button", "aria-label": `Generate ${name}`, onclick: () => a.generate(shot) }, "Generate"),
    h("button.small.shot-takes-toggle", { type: "button", "aria-expanded": ctx.open ? "true" : "false",
      "aria-label": `${ctx.open ? "Hide takes of" : "Takes of"} ${name}`, "aria-controls": `takes-${shot.id}`,
      onclick: () => a.toggle(shot) }, ctx.open ? "Hide takes" : "Takes"),
    h("button.small.shot-split", { type: "button", "aria-label": `Split ${name}`, onclick: () => a.split(shot) }, "Split"),
    directButton(shot, ctx),
    ctx.gap ? h("button.small.primary.shot-place-gap", { type: "button", disabled: pick ? null : true,
      onclick: () => a.placeInGap(shot) }, "Place in gap") : null,
    h("span.grow"),
    h("button.icon.shot-delete", { type: "button", title: "Delete shot", "aria-label": `Delete ${name}`,
      onclick: () => a.remove(shot) }, "✕"));
  const state = `${pick ? "picked" : shot.take_count ? "no pick" : "no takes"}, ${shot.take_count} takes`;
  const card = h(`div.shot${ctx.selected ? ".selected" : ""}${pick ? ".has-pick" : ""}`, {
    draggable: "true", tabindex: ctx.current ? "0" : "-1", role: "listitem", dataset: { shotId: shot.id },
    "aria-current": ctx.selected ? "true" : null,
    "aria-label": `Shot ${shot.position + 1}: ${shot.label}, ${state}` },
  poster, h("div.shot-body", null, head,
    h("div.info.shot-length", null, lengthText(shot)),
    h("div.info.shot-count", null, counts), plan, prompt, buttons,
    ctx.open ? takeStrip(board, shot, ctx) : null, directDrawer(board, shot, ctx)));
  card.addEventListener("click", (e) => {
    if (e.target === card || e.target === poster) a.select(shot);
  });
  if (!ctx.current) {
    for (const c of card.querySelectorAll("button, input, textarea, video")) c.setAttribute("tabindex", "-1");
  }
  return card;
}

/**
 * A shot's takes: a list with one Tab stop (the pick, else the first take); on a take, ← →
 * move, Space previews it in place, P or Enter picks it, Esc goes back to the shot.
 */
function takeStrip(board, shot, ctx) {
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
