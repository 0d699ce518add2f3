// @ts-check
// One take's card in the gallery: poster with hover-scrub from the filmstrip sprite, play in
// place, stars, pick/reject, tags. Built once per take and patched in place (updateCard
// compares a signature) so a playing video or a hover is not torn down by an unrelated update.

import { state } from "../store.js";
import { clear, getData, h, setData } from "./dom.js";
import { credentialsBadge } from "./credentials.js";
import { rate, setStatus, setTags } from "./culling.js";
import { onCardClick, togglePlay, toggleSelect } from "./selection.js";

/** @typedef {import("../store.js").Take} Take */
/** @typedef {ReturnType<typeof buildCard>} Card */

/** The take as the store holds it now (a card may outlive its take's latest copy). @param {Take} take */
const latest = (take) => state.takes.get(take.id) || take;

/** @param {Take} take */
function stars(take) {
  const box = h("div.stars", { role: "group", "aria-label": "Rating" });
  for (let n = 1; n <= 5; n++) {
    box.appendChild(h("button.star", {
      type: "button", title: `${n} star${n > 1 ? "s" : ""} (${n})`, "aria-label": `${n} star${n > 1 ? "s" : ""}`,
      "aria-pressed": "false",
      dataset: { n: String(n) },
      onclick: (ev) => { ev.stopPropagation(); rate(take.id, latest(take).rating === n ? 0 : n); },
    }, "★"));
  }
  return box;
}

/** @param {Take} take */
export function buildCard(take) {
  const poster = h("img.poster", { alt: "", loading: "lazy", draggable: "false" });
  const scrub = h("div.scrub");
  const play = h("button.play", { type: "button", title: "Play in place (Space)", "aria-label": "Play" }, "▶");
  const thumb = h("div.thumb", null, poster, scrub, play);
  const check = h("input.select", { type: "checkbox", "aria-label": "Select take", title: "Select" });
  const pick = h("button.pick", { type: "button", title: "Pick (P)", "aria-label": "Pick", "aria-pressed": "false" }, "✓");
  const reject = h("button.reject", { type: "button", title: "Reject (X)", "aria-label": "Reject", "aria-pressed": "false" }, "✕");
  const info = h("div.info");
  const tags = h("div.tags");
  const prompt = h("div.prompt");
  // A list item, not an option: it holds controls of its own (an option may not). One Tab
  // stop for the whole grid: the cursor card and its controls; arrows move between cards.
  const el = h("div.take", { role: "listitem", dataset: { takeId: take.id }, tabindex: -1 },
    thumb, h("div.overlay-top", null, check, h("span.grow"), crBadge(take), h("span.badge.dur")),
    h("div.take-body", null, prompt,
      h("div.take-row", null, stars(take), h("span.grow"), pick, reject), info, tags));
  const card = { el, poster, scrub, thumb, check, play, pick, reject, prompt, info, tags, sig: "" };

  el.addEventListener("click", (ev) => onCardClick(take.id, ev));
  el.addEventListener("dblclick", () => togglePlay(take.id));
  check.addEventListener("click", (ev) => {
    ev.stopPropagation();
    toggleSelect(take.id);
  });
  pick.addEventListener("click", (ev) => { ev.stopPropagation(); setStatus(take.id, "picked"); });
  reject.addEventListener("click", (ev) => { ev.stopPropagation(); setStatus(take.id, "rejected"); });
  play.addEventListener("click", (ev) => { ev.stopPropagation(); togglePlay(take.id); });
  // On the whole card: the badges over the thumbnail must not interrupt the scrub.
  el.addEventListener("mousemove", (ev) => scrubTo(card, state.takes.get(take.id), ev));
  el.addEventListener("mouseleave", () => { scrub.style.display = "none"; });
  return card;
}

/** Content Credentials: fixed when the take was made, so set once (ui/credentials.js). @param {Take} take */
function crBadge(take) {
  const cr = credentialsBadge(take);
  return h(`span.badge.cr.${cr.state}`, { title: cr.title, "aria-label": cr.title, dataset: { cr: cr.state } }, cr.text);
}

/**
 * Shows the filmstrip tile under the pointer: the sprite is a columns x rows grid.
 * @param {Card} card @param {Take | undefined} take @param {MouseEvent} ev
 */
function scrubTo(card, take, ev) {
  const fs = take && take.filmstrip;
  if (!fs || !take.filmstrip_url || state.playing === take.id) return;
  const rect = card.thumb.getBoundingClientRect();
  if (ev.clientY > rect.bottom) {
    card.scrub.style.display = "none";
    return;
  }
  const frac = Math.min(0.999, Math.max(0, (ev.clientX - rect.left) / rect.width));
  const frames = fs.frames || fs.columns * fs.rows;
  const i = Math.floor(frac * frames);
  const col = i % fs.columns;
  const row = Math.floor(i / fs.columns);
  const s = card.scrub.style;
  s.display = "block";
  s.backgroundImage = `url("${take.filmstrip_url}")`;
  s.backgroundSize = `${fs.columns * 100}% ${fs.rows * 100}%`;
  s.backgroundPosition = `${fs.columns > 1 ? (col / (fs.columns - 1)) * 100 : 0}% ${fs.rows > 1 ? (row / (fs.rows - 1)) * 100 : 0}%`;
  setData(card.el, "scrubFrame", i);
}

/**
 * Patches a card to its take as it is now.
 * @param {Card} card @param {Take} take
 * @param {string} [name] what the card is called: "take 3 of shot 'Bikes'"
 */
export function updateCard(card, take, name = `take seed ${take.seed}`) {
  const selected = state.selection.has(take.id);
  const current = state.cursor === take.id;
  const sig = [take.rating, take.status, (take.tags || []).join(","), selected, current,
    state.playing === take.id, take.poster_url, name].join("|");
  if (sig === card.sig) return;
  card.sig = sig;
  const el = card.el;
  el.classList.toggle("selected", selected);
  el.classList.toggle("cursor", state.cursor === take.id);
  el.classList.toggle("picked", take.status === "picked");
  el.classList.toggle("rejected", take.status === "rejected");
  const rating = take.rating || 0;
  const status = take.status === "picked" || take.status === "rejected" ? `, ${take.status}` : "";
  el.setAttribute("aria-label", `${cap(name)}, ${rating ? `${rating} star${rating > 1 ? "s" : ""}` : "unrated"}${status}${selected ? ", selected" : ""}`);
  // Roving tabindex: only the cursor card (and what it holds) is in the Tab order.
  el.setAttribute("tabindex", current ? "0" : "-1");
  for (const c of el.querySelectorAll("button, input")) c.setAttribute("tabindex", current ? "0" : "-1");
  card.check.setAttribute("aria-label", `Select ${name}`);
  card.pick.setAttribute("aria-label", `Pick ${name}`);
  card.reject.setAttribute("aria-label", `Reject ${name}`);
  card.pick.setAttribute("aria-pressed", String(take.status === "picked"));
  card.reject.setAttribute("aria-pressed", String(take.status === "rejected"));
  el.querySelector(".stars")?.setAttribute("aria-label", `Rating of ${name}`);
  setData(el, "rating", take.rating || 0);
  setData(el, "status", take.status || "new");
  card.check.checked = selected;
  if (card.poster.getAttribute("src") !== take.poster_url && take.poster_url) card.poster.src = take.poster_url;
  // Height from the take's shape via padding-top (a percentage of the width): UXP has no
  // aspect-ratio property.
  const ratio = take.width && take.height ? take.height / take.width : 9 / 16;
  card.thumb.style.paddingTop = `${(Math.min(ratio, 1.5) * 100).toFixed(2)}%`;
  el.querySelectorAll(".star").forEach((s) => {
    const n = Number(getData(s, "n"));
    s.classList.toggle("on", n <= rating);
    s.setAttribute("aria-pressed", String(n === rating));
  });
  const duration = el.querySelector(".badge.dur");
  if (duration) duration.textContent = take.duration_s ? `${Number(take.duration_s).toFixed(1)} s` : "";
  card.prompt.textContent = take.prompt || "";
  card.prompt.title = take.prompt || "";
  card.info.textContent = `${take.model || ""} · seed ${take.seed ?? "?"} · ${take.width}×${take.height}` +
    (take.test_model ? " · test model" : "");
  renderTags(card, take, current);
  const playing = state.playing === take.id;
  card.play.textContent = playing ? "❚❚" : "▶";
  card.play.setAttribute("aria-label", `${playing ? "Stop" : "Play"} ${name}`);
  let video = card.thumb.querySelector("video");
  if (playing && !video) {
    video = h("video.inplace", { src: take.media_url, autoplay: true, loop: true, muted: true, playsinline: true, controls: true,
      "aria-label": `Preview of ${name}` });
    video.muted = true;
    card.thumb.appendChild(video);
    card.scrub.style.display = "none";
  } else if (!playing && video) {
    video.remove();
  }
}

/** @param {string} text */
function cap(text) {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** @param {Card} card @param {Take} take @param {boolean} current */
function renderTags(card, take, current) {
  const tab = current ? "0" : "-1";
  clear(card.tags);
  for (const tag of take.tags || []) {
    card.tags.appendChild(h("span.tag", null, tag, h("button.tag-x", {
      type: "button", "aria-label": `Remove tag ${tag}`, tabindex: tab,
      onclick: (ev) => { ev.stopPropagation(); setTags(take.id, (take.tags || []).filter((t) => t !== tag)); },
    }, "×")));
  }
  const input = h("input.tag-input", { type: "text", placeholder: "+ tag", "aria-label": "Add tag", size: 6, tabindex: tab });
  input.addEventListener("click", (ev) => ev.stopPropagation());
  input.addEventListener("keydown", (ev) => {
    ev.stopPropagation();
    const v = input.value.trim();
    if (ev.key === "Enter" && v) {
      const cur = latest(take).tags || [];
      if (!cur.includes(v)) setTags(take.id, [...cur, v]);
    }
  });
  card.tags.appendChild(input);
}
