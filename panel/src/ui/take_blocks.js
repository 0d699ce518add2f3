// @ts-check
// A long run of take cards rendered in blocks of whole rows, only the blocks near the screen
// holding their cards: 2,000 takes cost the DOM of the few dozen on screen. A block off
// screen keeps its place with its last height (or an estimate), so the scrollbar and the
// scroll position stay true. Whole rows per block keep the grid's rows as they would be
// unblocked. Where a host has no IntersectionObserver (older UXP), every block is filled.

/**
 * @typedef {{key: string, ids: string[], el: HTMLElement, live: boolean, filled: boolean,
 *   perRow: number}} Block
 */

const ROWS = 3; // rows of cards per block
const MARGIN = "500px 0px"; // filled ahead of the screen, so scrolling rarely shows a gap
const BUDGET_MS = 6; // script time a frame may spend filling (the cards' styles come after)

/**
 * @param {{cardEl: (id: string) => HTMLElement | null, h: (sel: string, attrs?: DomAttrs) => HTMLElement,
 *   keep: (el: HTMLElement) => boolean}} opts
 *   cardEl: the card element of a take (built once, patched), null for a take no longer
 *   loaded (the redraw that follows drops its id); keep: a block must stay filled
 *   (it holds focus or a playing video)
 */
export function takeBlocks(opts) {
  /** @type {Map<string, Block>} */
  const blocks = new Map();
  /** @type {WeakMap<Element, Block>} */
  const byEl = new WeakMap();
  const Observer = globalThis.IntersectionObserver;
  let rowHeight = 0;
  /** @type {Set<Block>} blocks waiting to be filled, nearest the screen first */
  const waiting = new Set();
  let draining = false;
  const io = Observer
    ? new Observer((entries) => {
      // Sizes come with the entries (no layout is forced here); writes follow.
      for (const e of entries) {
        const b = byEl.get(e.target);
        if (!b) continue;
        b.live = e.isIntersecting;
        const height = e.boundingClientRect.height;
        if (b.filled && height && b.ids.length) {
          rowHeight = height / Math.ceil(b.ids.length / Math.max(1, b.perRow)) - 6;
        }
        if (b.live) waiting.add(b);
        else {
          waiting.delete(b);
          empty(b, height);
        }
      }
      drain();
    }, { rootMargin: MARGIN })
    : null;

  /** Fills waiting blocks a few milliseconds at a time, on screen first, so no frame is
   * long however many blocks came into reach at once (grouping 2,000 takes). */
  function drain() {
    if (draining || !waiting.size) return;
    draining = true;
    const later = globalThis.requestAnimationFrame || ((/** @type {() => void} */ f) => setTimeout(f, 16));
    later(() => {
      draining = false;
      const view = globalThis.innerHeight || 800;
      const order = [...waiting].sort((a, b) => distance(a, view) - distance(b, view));
      const until = performance.now() + BUDGET_MS;
      for (const b of order) {
        if (performance.now() > until) break;
        waiting.delete(b);
        if (b.live && b.el.isConnected) fill(b);
      }
      drain();
    });
  }

  /** How far a block lies from the screen, in pixels (0: on it). @param {Block} b @param {number} view */
  function distance(b, view) {
    const r = b.el.getBoundingClientRect();
    return r.bottom < 0 ? -r.bottom : r.top > view ? r.top - view : 0;
  }

  /** Puts `els` first in `box`, in order, moving only what is out of place. @param {Element} box @param {Element[]} els */
  function place(box, els) {
    els.forEach((el, i) => {
      if (box.children[i] !== el) box.insertBefore(el, box.children[i] || null);
    });
    while (box.children.length > els.length) box.removeChild(/** @type {Element} */ (box.lastElementChild));
  }

  /** @param {Block} b */
  function fill(b) {
    /** @type {HTMLElement[]} */
    const els = [];
    for (const id of b.ids) {
      const el = opts.cardEl(id);
      if (el) els.push(el);
    }
    place(b.el, els);
    b.el.style.height = "";
    b.filled = true;
  }

  /**
   * Empties a block, keeping its place: `height` as last measured, else an estimate.
   * @param {Block} b @param {number} [height]
   */
  function empty(b, height = 0) {
    if (b.filled && (opts.keep(b.el) || !height)) return; // focus or a playing video inside
    if (b.filled) b.el.replaceChildren();
    b.filled = false;
    b.el.style.height = `${height || estimate(b)}px`;
  }

  /** @param {Block} b */
  function estimate(b) {
    const rows = Math.ceil(b.ids.length / Math.max(1, b.perRow || 1));
    return rows * ((rowHeight || 180) + 6);
  }

  /**
   * The blocks for `ids` under `prefix` (a section, or the flat grid), `perRow` cards a row.
   * Filled blocks are patched now; the rest wait for the screen.
   * @param {string} prefix @param {string[]} ids @param {number} perRow @param {Set<string>} used
   * @returns {HTMLElement[]}
   */
  function layout(prefix, ids, perRow, used) {
    const size = perRow * ROWS;
    const out = [];
    for (let i = 0, n = 0; i < ids.length; i += size, n++) {
      const key = `${prefix}:${n}`;
      used.add(key);
      let b = blocks.get(key);
      if (!b) {
        const el = opts.h("div.take-block", { role: "none" });
        // The first blocks of a render are at the top: filled at once, so the first cards
        // show without waiting a frame for the observer (which empties them if off screen).
        b = { key, ids: [], el, live: !io || used.size <= 2, filled: false, perRow };
        blocks.set(key, b);
        byEl.set(el, b);
        if (io) io.observe(el);
      }
      b.ids = ids.slice(i, i + size);
      b.perRow = perRow;
      if (b.live && b.filled) fill(b); // patched now; a new or refilled block waits its turn
      else if (b.live) {
        if (io && used.size > 2) waiting.add(b);
        else fill(b);
      } else empty(b);
      out.push(b.el);
    }
    drain();
    return out;
  }

  /** Forgets the blocks a render did not use. @param {Set<string>} used */
  function sweep(used) {
    for (const [key, b] of blocks) {
      if (used.has(key)) continue;
      if (io) io.unobserve(b.el);
      b.el.remove();
      blocks.delete(key);
    }
  }

  /** Fills the block that holds take `id` (the keyboard moves to a card off screen). @param {string} id */
  function reveal(id) {
    for (const b of blocks.values()) {
      if (b.ids.includes(id)) {
        if (!b.filled) fill(b);
        return true;
      }
    }
    return false;
  }

  /** How many blocks hold their cards (for tests and the bench). */
  function filledCount() {
    return [...blocks.values()].filter((b) => b.filled).length;
  }

  return { layout, sweep, reveal, filledCount };
}
