// @ts-check
// The board as an animatic: the picture of the cut at the song's playhead. Each shot shows
// its pick from the take's first frame (the cut lays a shot's take from its in-point 0 and
// trims its end: otio_export/assemble.py), a shot without a pick (or past the end of a take
// too short for it) is black with the shot's name, as the assembled cut's gap will be.
// Where a shot sits is the board answer's own layout (start_frame/end_frame at the board's
// rate, seconds by markers.js's exact-rate rule), never a second computation.
//
// One <video> element is swapped from pick to pick and seeked to the song's time, because
// the song (boards/player.js) is the clock: the picture follows it, never the other way, so
// a slow decode costs a frame of picture, never the cut's timing; one element also keeps a
// 100-shot board to one decoder in a panel that shares the machine with Premiere.

import { frameSeconds } from "../boards/markers.js";

/** @typedef {import("./board_play_types").PlayContext} PlayContext */
/** @typedef {import("./board_play_types").Board} Board */
/** @typedef {import("./board_play_types").Shot} Shot */

/** What the cut shows at a time: a shot's pick at an offset into the take, or black with
 * the shot's name (null shot: past the last shot). */
/** @typedef {{ shot: Shot | null, start: number, end: number, media: string | null,
 *   offset: number, why: string }} Frame */

/**
 * The shot of the cut at `t` seconds and what shows: the pick's media and the second of the
 * take, or black (no pick, a deleted take, a take that ended early, no shot).
 * @param {Board} board @param {number} t @returns {Frame}
 */
export function frameAt(board, t) {
  const fps = board.fps;
  for (const shot of board.shots) {
    if (shot.start_frame == null || shot.end_frame == null) continue;
    const start = frameSeconds(shot.start_frame, fps);
    const end = frameSeconds(shot.end_frame, fps);
    if (t < start || t >= end) continue;
    const pick = shot.pick;
    const offset = t - start; // the take's in-point is its first frame
    if (!pick || pick.missing || !pick.media_url) {
      return { shot, start, end, media: null, offset, why: pick && pick.missing ? "take deleted" : "no pick yet" };
    }
    const length = pick.duration_s ?? (pick.num_frames && pick.fps ? pick.num_frames / pick.fps : Infinity);
    if (offset >= length) return { shot, start, end, media: null, offset, why: "take ends early" };
    return { shot, start, end, media: pick.media_url, offset, why: "" };
  }
  return { shot: null, start: t, end: t, media: null, offset: 0, why: "after the last shot" };
}

/**
 * @param {PlayContext} ctx
 * @param {(url: string) => string} absolute a signed media URL made absolute
 * @returns {{ el: HTMLElement, show: (t: number) => void, render: (board: Board) => void }}
 */
export function animatic(ctx, absolute) {
  const { h } = ctx.ui;
  const video = /** @type {HTMLVideoElement} */ (h("video#anim-video", { muted: true, playsinline: true,
    preload: "auto", "aria-label": "The pick at the playhead" }));
  video.muted = true; // the song is the sound
  const name = h("p.anim-name#anim-gap-name");
  const why = h("p.anim-why#anim-gap-why");
  const gap = h("div.anim-gap#anim-gap", { role: "img", "aria-label": "Black: no picture here" }, name, why);
  const caption = h("p.info.anim-caption#anim-caption", { "aria-live": "off" });
  const screen = h("div.anim-screen#anim-screen", null, video, gap);
  const el = h("section.animatic#animatic", { "aria-label": "Animatic" }, screen, caption);
  /** @type {string | null} */
  let showing = null; // the take in the video (its URL is signed anew in every board answer)

  /** The picture at song time `t`, the video following the player. @param {number} t */
  function show(t) {
    const board = ctx.board();
    if (!board) return;
    const f = frameAt(board, t);
    const label = f.shot ? f.shot.label || `Shot ${f.shot.position + 1}` : "";
    screen.setAttribute("data-shot-id", f.shot ? f.shot.id : "");
    caption.textContent = f.shot ? `${f.shot.position + 1}. ${label}` : "After the last shot";
    if (!f.media) {
      gap.hidden = false;
      video.hidden = true;
      name.textContent = label;
      why.textContent = f.why;
      gap.setAttribute("aria-label", f.shot ? `Black: ${label}, ${f.why}` : "Black: after the last shot");
      if (!video.paused) video.pause();
      return;
    }
    gap.hidden = true;
    video.hidden = false;
    video.setAttribute("aria-label", `${label}: its pick, ${f.offset.toFixed(2)} s in`);
    const take = f.shot && f.shot.pick ? f.shot.pick.id : f.media;
    if (showing !== take) {
      showing = take;
      video.src = absolute(f.media);
      screen.setAttribute("data-take-id", take);
    }
    // Seek only when off by more than a frame at the board's rate (every seek stalls the
    // decoder; a playing video keeps its own pace between checks).
    const slack = ctx.player.playing ? 0.08 : 0.5 / board.fps;
    if (Math.abs(video.currentTime - f.offset) > slack) video.currentTime = f.offset;
    if (ctx.player.playing && video.paused) video.play().catch(() => undefined);
    if (!ctx.player.playing && !video.paused) video.pause();
  }

  /** @param {Board} board */
  function render(board) {
    screen.style.aspectRatio = `${board.width} / ${board.height}`;
    show(ctx.player.position());
  }

  return { el, show, render };
}
