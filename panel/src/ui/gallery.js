// @ts-check
// The take gallery: search and filters, the count, Load more, and the grid of take cards
// (ui/take_card.js), flat and newest first or grouped by shot (ui/take_groups.js). Cards are
// keyed by take id and moved, never rebuilt, so a playing video or a hover survives an
// unrelated update or a switch between flat and grouped.

import { on, set, setFilters, state, takeCount } from "../store.js";
import { loadAllTakes, loadMoreTakes, loadTakes } from "../sync.js";
import { guard, h, option } from "./dom.js";
import { buildCard, updateCard } from "./take_card.js";
import { takeBlocks } from "./take_blocks.js";

/** Fills the part of the grid that holds a take, so the keyboard can move onto it. */
export let revealTake = (/** @type {string} */ _id) => false;
/** @typedef {import("../store.js").Take} Take */
/** @typedef {import("../store.js").Filters} Filters */
/** @typedef {import("./take_card.js").Card} Card */
/** @typedef {import("./take_groups.js").Section} Section */
/** @typedef {{el: HTMLElement, label: HTMLElement, n: HTMLElement, body: HTMLElement}} Group */
import { countText, loadShotIndex, sections, shotLabel } from "./take_groups.js";

/**
 * Short names for the loaded takes: "take 3 of shot 'Bikes'" (counted oldest first within
 * the shot, among the loaded takes) where the shot is known, else "take seed 42".
 * @returns {Map<string, string>}
 */
export function takeNames() {
  const names = new Map();
  const seen = new Map();
  for (let i = state.takeOrder.length - 1; i >= 0; i--) {
    const t = state.takes.get(state.takeOrder[i]);
    if (!t) continue;
    const label = t.shot_id ? shotLabel(t.shot_id) : null;
    if (label == null) {
      names.set(t.id, `take seed ${t.seed}`);
      continue;
    }
    const n = (seen.get(t.shot_id) || 0) + 1;
    seen.set(t.shot_id, n);
    names.set(t.id, `take ${n} of shot '${label}'`);
  }
  return names;
}

/** @param {HTMLElement} root */
export function mountGallery(root) {
  const search = h("input#search", { type: "search", placeholder: "Search prompts", "aria-label": "Search prompts" });
  const batch = h("select#filter-batch", { "aria-label": "Batch" });
  const rating = h("select#filter-rating", { "aria-label": "Minimum rating" },
    option("", "Any rating"), [1, 2, 3, 4, 5].map((n) => option(String(n), `${"★".repeat(n)}+`)));
  const status = h("select#filter-status", { "aria-label": "Status" },
    option("", "All"), option("new", "New"), option("picked", "Picked"), option("rejected", "Rejected"));
  const count = h("span.hint#take-count");
  const byShot = h("button.small#group-by-shot", { type: "button", "aria-pressed": "false",
    title: "Show the takes in sections, one per shot of a board", onclick: () => toggleGroups() }, "By shot");
  // A list of take cards (flat), or a group of sections each with its own list (by shot).
  const grid = h("div.grid#gallery", { role: "list", "aria-label": "Takes" });
  const empty = h("div.empty#gallery-empty", null, "No takes yet.");
  const more = h("button.small#load-more", { type: "button", onclick: () => guard(loadMoreTakes) }, "Load more");
  root.append(
    h("div.toolbar", null, search, h("div.row", null, batch, rating, status),
      h("div.row.toolbar-count", null, count, h("span.grow"), byShot)),
    grid, empty, h("div.center", null, more));

  /** @type {ReturnType<typeof setTimeout> | undefined} */
  let debounce;
  const refilter = () => guard(loadTakes);
  search.addEventListener("input", () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => { setFilters({ q: search.value.trim() }); refilter(); }, 250);
  });
  batch.addEventListener("change", () => { setFilters({ batch: batch.value }); refilter(); });
  rating.addEventListener("change", () => { setFilters({ minRating: rating.value }); refilter(); });
  // Its options are "" and the take statuses (above).
  status.addEventListener("change", () => { setFilters({ status: /** @type {Filters["status"]} */ (status.value) }); refilter(); });

  /** @type {Map<string, Card>} */
  const cards = new Map();
  /** @type {Map<string, Group>} */
  const groups = new Map(); // section key -> {el, label, n, body}
  let names = new Map();
  const blocks = takeBlocks({
    h, cardEl: (id) => cardEl(id),
    keep: (el) => el.contains(document.activeElement) ||
      !!(state.playing && el.querySelector(`[data-take-id="${state.playing}"]`)),
  });
  revealTake = blocks.reveal;

  // The grid's width from a ResizeObserver: reading clientWidth in every render would force
  // a layout each time (the grouping of 2,000 takes spent 35 ms on it).
  let width = 0;
  const Resize = globalThis.ResizeObserver;
  if (Resize) {
    new Resize((entries) => {
      const w = entries[0].contentRect.width;
      if (Math.abs(w - width) > 1) {
        width = w;
        render(); // whole rows per block at the new width
      }
    }).observe(root);
  } else {
    /** @type {ReturnType<typeof setTimeout> | undefined} */
    let resized;
    window.addEventListener("resize", () => {
      clearTimeout(resized);
      resized = setTimeout(render, 100);
    });
  }

  /** Cards a row at the grid's width: the cards' basis (220 px wide, 130 px docked) + gap. */
  function perRow() {
    if (!Resize) width = grid.clientWidth || root.clientWidth;
    if (!width) return 1;
    const basis = document.documentElement.classList.contains("wide") ? 220 : 130;
    return Math.max(1, Math.floor((width + 6) / (basis + 6)));
  }

  function toggleGroups() {
    return guard(async () => {
      const on = !state.groupByShot;
      // Whole shots: "13 takes", not "1 of 13" until Load more is pressed three times.
      if (on) await loadAllTakes();
      if (on) await loadShotIndex(true);
      set({ groupByShot: on }, "groups");
    });
  }

  /** Shots unknown to the index (a take of a new shot): fetch their boards, then redraw. */
  function learnShots(fresh = false) {
    guard(async () => { if (await loadShotIndex(fresh)) render(); });
  }

  let batchesShown = "";
  function renderBatches() {
    const keep = state.filters.batch;
    // Rebuilt only when the batches changed: hundreds of options on every redraw add up.
    const sig = `${state.batches.size}|${keep}`;
    if (sig === batchesShown) return;
    batchesShown = sig;
    const opts = [option("", "All batches")];
    for (const [id, label] of state.batches) opts.push(option(id, label, id === keep));
    batch.replaceChildren(...opts);
    batch.value = keep;
  }

  /**
   * The card element of a take, built on first sight and patched to the take as it is; null
   * for a take that left the store since the blocks were laid out (deleted, or filtered out:
   * the redraw that follows takes it away).
   * @param {string} id @returns {HTMLElement | null}
   */
  function cardEl(id) {
    const take = state.takes.get(id);
    if (!take) return null;
    let card = cards.get(id);
    if (!card) {
      card = buildCard(take);
      cards.set(id, card);
    }
    updateCard(card, take, names.get(id));
    return card.el;
  }

  /** Puts `els` in `box`, in order, moving only what is out of place. @param {Element} box @param {Element[]} els */
  function place(box, els) {
    els.forEach((el, i) => {
      if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null);
    });
    while (box.children.length > els.length) box.removeChild(/** @type {Element} */ (box.lastElementChild));
  }

  /** The element of a section of the grouped grid, made on first sight. @param {Section} section */
  function group(section) {
    let g = groups.get(section.key);
    if (!g) {
      const label = h("span.group-label");
      const n = h("span.hint.group-count");
      const body = h("div.grid.group-body", { role: "list" });
      g = { el: h("div.take-group", { role: "group", dataset: { group: section.key } },
        h("div.group-head", null, label, n), body), label, n, body };
      groups.set(section.key, g);
    }
    g.label.textContent = section.label;
    g.n.textContent = countText(section);
    g.el.setAttribute("aria-label", `${section.label}: ${countText(section)}`);
    g.body.setAttribute("aria-label", section.label);
    return g;
  }

  function render() {
    renderBatches();
    /** @type {Set<string>} */
    const keep = new Set();
    /** @type {Set<string>} */
    const used = new Set();
    names = takeNames();
    const across = perRow();
    grid.setAttribute("role", state.groupByShot ? "group" : "list");
    if (state.groupByShot) {
      const secs = sections();
      place(grid, secs.map((sec) => {
        const g = group(sec);
        keep.add(sec.key);
        place(g.body, blocks.layout(sec.key, sec.ids, across, used));
        return g.el;
      }));
    } else {
      place(grid, blocks.layout("flat", state.takeOrder, across, used));
    }
    blocks.sweep(used);
    for (const [key, g] of groups) {
      if (!keep.has(key)) {
        g.el.remove();
        groups.delete(key);
      }
    }
    for (const [id, card] of cards) {
      if (!state.takes.has(id)) {
        card.el.remove();
        cards.delete(id);
      }
    }
    empty.style.display = state.takeOrder.length ? "none" : "";
    grid.style.display = state.takeOrder.length ? "" : "none";
    byShot.setAttribute("aria-pressed", String(state.groupByShot));
    byShot.classList.toggle("on", state.groupByShot);
    const sel = state.selection.size;
    const total = takeCount();
    const shown = state.takeOrder.length < total ? `${state.takeOrder.length} of ` : "";
    count.textContent = `${shown}${total} take${total === 1 ? "" : "s"}` +
      (sel ? ` · ${sel} selected` : "");
    more.style.display = state.nextCursor ? "" : "none";
  }

  on((what) => {
    if (what === "takes") learnShots(); // the shots' labels name the cards, grouped or not
    if (what === "tab" && state.tab === "gallery" && state.groupByShot) learnShots(true);
    if (["takes", "groups", "selection", "cursor", "playing", "tab"].includes(what)) render();
  });
  render();
}
