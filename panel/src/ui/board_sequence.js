// @ts-check
// The Board view's commands that meet a timeline: markers (the active sequence's, or a
// timeline file's) as cuts, a shot for a gap at the gap's place, a take swapped into the cut
// or placed in the gap, and the board's own sequence. Host calls go through hosts/*.js.

import * as api from "../boards/calls.js";
import { markerCuts } from "../boards/markers.js";
import { ticksToFrames } from "../hosts/ticks.js";
import { state } from "../store.js";
import { guard, toast } from "./dom.js";

/** guard's message: what the command answered. @param {any} m @returns {string} */
const said = (m) => m;

/** What POST /timelines/import reads (otio_export/read.py), by extension. */
export const TIMELINE_TYPES = ["otio", "otioz", "xml", "fcpxml", "edl"];

/** What POST /boards/<id>/assemble writes (otio_export/catalog.py), as the menu names them. */
export const ASSEMBLE_FORMATS = [
  { name: "otio", label: "OpenTimelineIO (.otio)", ext: ".otio" },
  { name: "otioz", label: "OTIO bundle with media (.otioz)", ext: ".otioz" },
  { name: "fcp7xml", label: "FCP7 XML (.xml)", ext: ".xml" },
  { name: "fcpxml", label: "FCPXML (.fcpxml)", ext: ".fcpxml" },
  { name: "edl", label: "EDL, CMX3600 (.edl)", ext: ".edl" },
];

/**
 * @param {{view: any, host: any, render: () => void, pickTimeline: () => void}} ctx
 * view: the Board view's state; pickTimeline: opens the page's timeline file input
 */
export function sequenceCommands(ctx) {
  const { view, host, render } = ctx;

  function markersToCuts() {
    return guard(async () => {
      const marks = await host.getSequenceMarkers();
      if (!marks.length) throw new Error("The active sequence has no markers: tap M on the beats first.");
      view.board = await api.markersToCuts(view.board.id, marks.map((/** @type {{seconds: number}} */ m) => m.seconds));
      render();
      return `${marks.length} markers became cuts.`;
    }, said);
  }

  /** A timeline file the editor picks: the host's picker where there is no file input. */
  async function openTimeline() {
    const picked = await host.openFile(TIMELINE_TYPES);
    if (picked) return timelineMarkers(new File([picked.bytes], picked.name));
    ctx.pickTimeline();
    return null;
  }

  /** A timeline file's markers (.otio, .otioz, FCP7 XML, FCPXML, EDL) become the board's cut points.
   * @param {File} file */
  function timelineMarkers(file) {
    return guard(async () => {
      const cut = await api.importTimeline(file, view.board.fps);
      const found = markerCuts(cut);
      if (!found.seconds.length) {
        throw new Error(`${file.name} has no markers after its first frame: add markers on the beats (M in Premiere) and export it again.`);
      }
      view.board = await api.markersToCuts(view.board.id, found.seconds);
      render();
      const where = found.from === "clips" ? " (on its clips)" : "";
      return `${found.seconds.length} markers of ${file.name}${where} became cuts.`;
    }, said);
  }

  /** A shot exactly as long as the gap, put where the gap is in the cut (at_frame). */
  function fillGap() {
    return guard(async () => {
      const gap = await host.findGap({ track: state.track });
      if (!gap) throw new Error("Set in and out points, or put the playhead in a gap on the chosen track.");
      const start = ticksToFrames(gap.startTicks, view.board.fps);
      const frames = ticksToFrames(gap.endTicks, view.board.fps) - start;
      if (frames <= 0) throw new Error("The gap is shorter than a frame.");
      const r = await api.addShots(view.board.id, { label: `Gap at frame ${start}`,
        duration: { value: frames, unit: "frames" }, at_frame: start,
        notes: `Fills ${frames} frames from frame ${start} on V${(gap.track || 0) + 1}.` });
      view.gaps.set(r.shots[0].id, { startFrame: start, frames, track: gap.track || 0 });
      view.board = r.board;
      view.selected = r.shots[0].id;
      render();
      return `A shot of ${frames} frames for the gap: generate it, pick a take, then Place in gap.`;
    }, said);
  }

  /** Checks before a take goes on the timeline: the file is there; its rate is said. */
  /** @param {any} take */
  async function placeable(take) {
    if (!(await api.mediaExists(take))) throw new Error(`The take's file is missing: ${take.media_path}`);
    if (take.fps && Math.abs(take.fps - view.board.fps) > 0.01) {
      toast(`This take is ${take.fps} fps in a ${view.board.fps} fps sequence: placed at its own rate (real-time speed; Premiere repeats or skips frames), not conformed.`, "info");
    }
  }

  const swap = (/** @type {any} */ shot, /** @type {any} */ take) => guard(async () => {
    await placeable(take);
    await host.swapTake(take.media_path, { track: state.track, startFrame: shot.start_frame,
      frames: shot.frames, fps: view.board.fps });
    return `Swapped ${shot.label} to seed ${take.seed} on V${state.track + 1}.`;
  }, said);

  const placeInGap = (/** @type {any} */ shot) => guard(async () => {
    const gap = view.gaps.get(shot.id);
    const take = shot.pick;
    await placeable(take);
    await host.placeTrimmed(take.media_path, { track: gap.track, startFrame: gap.startFrame,
      frames: gap.frames, fps: view.board.fps, label: "Promptcut: fill gap" });
    return `Filled the gap on V${gap.track + 1} with ${shot.label}.`;
  }, said);

  /**
   * The board's cut: into the host's sequence (format "sequence": Premiere imports it), or
   * written in one of the formats Promptcut writes and saved as a file. What the format
   * could not carry (the answer's warnings) and what the editor should know (its notes)
   * are said, each once.
   * @param {string} [format] "sequence" or a name of ASSEMBLE_FORMATS
   */
  /** @param {string} [format] */
  function assembleBoard(format) {
    return guard(() => boardCut(host, view.board, format), said);
  }

  return { markersToCuts, openTimeline, timelineMarkers, fillGap, swap, placeInGap, assembleBoard };
}

/**
 * A board's cut: into the host's sequence (format "sequence": Premiere imports it), or
 * written in one of ASSEMBLE_FORMATS and saved as a file. What the format could not carry
 * (the answer's warnings) and what the editor should know (its notes) are said in one toast.
 * The Takes view's "Export cut" offers it too, for takes of one board.
 * @param {any} host @param {{id: string, name: string}} board @param {string} [format]
 * @returns {Promise<string>} what was done
 */
export async function boardCut(host, board, format) {
  const intoSequence = !format || format === "sequence";
  const fmt = intoSequence ? host.capabilities.timelineFormat || "otio" : format;
  const tl = await api.assemble(board.id, { formats: [fmt] });
  const bytes = await api.timelineBytes(tl, fmt);
  const ext = (ASSEMBLE_FORMATS.find((f) => f.name === fmt) || { ext: ".xml" }).ext;
  const name = `${board.name}${ext}`;
  if (intoSequence) await host.importTimeline({ bytes, name });
  else await host.saveFile(bytes, name);
  const said = [...(tl.warnings || []), ...(tl.notes || [])];
  if (said.length) toast(said.join(" "), "info");
  if (intoSequence && host.capabilities.timeline) return `Created the sequence "${board.name}".`;
  return `Assembled the board's cut: saved ${name}.`;
}
