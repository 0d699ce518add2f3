// @ts-check
// The bridge's HTTP client: the only panel code that builds bridge URLs, one typed method
// per route, on the transport (transport.js: the token, ApiError and OfflineError). Bodies
// and answers are typed by schema.d.ts,
// generated from the bridge's OpenAPI document (`npm run types`), and this file is checked
// by `tsc --strict` (tsconfig.bridge.json): a field renamed in the bridge fails the build.

/** @typedef {import("./schema").components["schemas"]} S */
/** @typedef {S["JobOut"]} Job */
/** @typedef {S["TakeOut"]} Take */
/** @typedef {S["ModelOut"]} Model */
/** @typedef {S["EventPage"]["events"][number]} BridgeEvent */
/** @typedef {S["TimelineOut"]} Timeline */
/** @typedef {S["Cut"]} Cut */
/** @typedef {import("./schema").operations["takes_list_takes"]["parameters"]["query"]} TakeQuery */
/** @typedef {import("./schema").operations["events_poll"]["parameters"]["query"]} EventsQuery */

import { ApiError, OfflineError, Transport, qs, seg } from "./transport.js";

export { ApiError, OfflineError, qs };

export class Bridge extends Transport {
  /** Health needs no token: it tells "not running" apart from "not paired". @returns {Promise<S["Health"] | null>} */
  async health() {
    try {
      const res = await fetch(this.url("/health"), { cache: "no-store" });
      return res.ok ? await res.json() : null;
    } catch {
      return null;
    }
  }

  /** Trades a one-time pairing code for the token (no token needed). @param {string} code */
  async pair(code) {
    let res;
    /** @type {S["PairIn"]} */
    const body = { code: code.trim() };
    try {
      res = await fetch(this.url("/pair"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify(body),
        cache: "no-store",
      });
    } catch (e) {
      throw new OfflineError(e);
    }
    const answer = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, answer);
    this.token = /** @type {S["PairOut"]} */ (answer).token;
    return this.token;
  }

  /** @returns {Promise<S["ModelList"]>} */
  models() { return this.call("GET", "/models"); }

  /** @returns {Promise<S["JobList"]>} */
  jobs() { return this.call("GET", "/jobs"); }

  /** @param {string} id @returns {Promise<Job>} */
  job(id) { return this.call("GET", `/jobs/${seg(id)}`); }

  /** The fields of POST /jobs with their defaults and limits. @returns {Promise<S["JobFieldsOut"]>} */
  jobFields() { return this.call("GET", "/jobs/fields"); }

  /** @param {S["JobSubmit"]} body @returns {Promise<S["BatchOut"]>} */
  submit(body) { return this.call("POST", "/jobs", body); }

  /** @param {string} id @returns {Promise<Job>} */
  cancel(id) { return this.call("POST", `/jobs/${seg(id)}/cancel`, {}); }

  /** @param {string} id @param {number} priority @returns {Promise<Job>} */
  setPriority(id, priority) {
    /** @type {S["JobPatch"]} */
    const body = { priority };
    return this.call("PATCH", `/jobs/${seg(id)}`, body);
  }

  /** @param {TakeQuery} query @returns {Promise<S["TakePage"]>} */
  takes(query) { return this.call("GET", `/takes${qs(query || {})}`); }

  /** @param {string} id @returns {Promise<Take>} */
  take(id) { return this.call("GET", `/takes/${seg(id)}`); }

  /** @param {string} id @param {S["TakePatch"]} changes @returns {Promise<Take>} */
  patchTake(id, changes) { return this.call("PATCH", `/takes/${seg(id)}`, changes); }

  /** @param {string} id @returns {Promise<null>} */
  deleteTake(id) { return this.call("DELETE", `/takes/${seg(id)}`); }

  /** Back from the trash. @param {string} id @returns {Promise<Take>} */
  restoreTake(id) { return this.call("POST", `/takes/${seg(id)}/restore`, {}); }

  /** @param {EventsQuery} query @returns {Promise<S["EventPage"]>} */
  events(query) { return this.call("GET", `/events${qs(query || {})}`); }

  /** @param {S["TimelineIn"]} body @returns {Promise<Timeline>} */
  timeline(body) { return this.call("POST", "/timelines", body); }

  /** The timeline formats and what each carries. @returns {Promise<S["FormatList"]>} */
  timelineFormats() { return this.call("GET", "/timelines/formats"); }

  /**
   * The bytes of one written timeline file (downloads need the token, so no plain <a href>).
   * @param {Timeline} timeline @param {string} format
   */
  async timelineBytes(timeline, format) {
    const file = timeline.formats[format];
    if (!file) throw new Error(`The bridge wrote no ${format} file.`);
    const res = await this.fetchRaw("GET", `/timelines/${seg(timeline.id)}/${seg(format)}`);
    return new Uint8Array(await res.arrayBuffer());
  }

  // ------------------------------------------------------------------ boards and songs

  /** @returns {Promise<S["BoardList"]>} */
  boards() { return this.call("GET", "/boards"); }

  /** @param {string} id @returns {Promise<S["BoardOut"]>} */
  board(id) { return this.call("GET", `/boards/${seg(id)}`); }

  /** @param {S["BoardCreate"]} body @returns {Promise<S["BoardOut"]>} */
  createBoard(body) { return this.call("POST", "/boards", body); }

  /** @param {string} id @param {S["BoardFields"]} body @returns {Promise<S["BoardOut"]>} */
  patchBoard(id, body) { return this.call("PATCH", `/boards/${seg(id)}`, body); }

  /** @param {string} id @returns {Promise<null>} */
  deleteBoard(id) { return this.call("DELETE", `/boards/${seg(id)}`); }

  /** @param {string} id @param {S["DuplicateIn"]} body @returns {Promise<S["BoardOut"]>} */
  duplicateBoard(id, body) { return this.call("POST", `/boards/${seg(id)}/duplicate`, body); }

  /** Undo (or redo) the board's last edit. @param {string} id @param {"undo" | "redo"} way
   * @returns {Promise<S["BoardOut"]>} */
  boardHistory(id, way) { return this.call("POST", `/boards/${seg(id)}/${way}`, {}); }

  /** The board's shot list as CSV text. @param {string} id @returns {Promise<string>} */
  async boardCsv(id) {
    const res = await this.fetchRaw("GET", `/boards/${seg(id)}/shots.csv`);
    return res.text();
  }

  /** @param {string} id @param {S["ShotsAdd"]} body @returns {Promise<S["ShotsOut"]>} */
  addShots(id, body) { return this.call("POST", `/boards/${seg(id)}/shots`, body); }

  /** Takes back the board's last edit (409: nothing to undo). @param {string} id @returns {Promise<S["BoardOut"]>} */
  undoBoard(id) { return this.call("POST", `/boards/${seg(id)}/undo`, {}); }

  /** Makes again the edit the last undo took back (409: nothing to redo). @param {string} id @returns {Promise<S["BoardOut"]>} */
  redoBoard(id) { return this.call("POST", `/boards/${seg(id)}/redo`, {}); }

  /** @param {string} id @param {S["FillIn"]} body @returns {Promise<S["BoardOut"]>} */
  fillBoard(id, body) { return this.call("POST", `/boards/${seg(id)}/fill`, body); }

  /** @param {string} id @param {S["MarkersIn"]} body @returns {Promise<S["BoardOut"]>} */
  boardMarkers(id, body) { return this.call("POST", `/boards/${seg(id)}/markers`, body); }

  /** @param {string} id @param {S["GenerateIn"]} body @returns {Promise<S["GenerateOut"]>} */
  generateBoard(id, body) { return this.call("POST", `/boards/${seg(id)}/generate`, body); }

  /** @param {string} id @param {S["AssembleIn"]} body @returns {Promise<S["AssembleOut"]>} */
  assembleBoard(id, body) { return this.call("POST", `/boards/${seg(id)}/assemble`, body); }

  /** @param {string} id @param {S["ShotPatch"]} body @returns {Promise<S["ShotOut"]>} */
  patchShot(id, body) { return this.call("PATCH", `/shots/${seg(id)}`, body); }

  /** @param {string} id @returns {Promise<null>} */
  deleteShot(id) { return this.call("DELETE", `/shots/${seg(id)}`); }

  /** @param {string} id @param {S["SplitIn"]} body @returns {Promise<S["SplitOut"]>} */
  splitShot(id, body) { return this.call("POST", `/shots/${seg(id)}/split`, body); }

  /** @param {string} id @param {S["ChainIn"]} body @returns {Promise<S["ChainStarted"]>} */
  startChain(id, body) { return this.call("POST", `/shots/${seg(id)}/chain`, body); }

  /** A song (POST /songs): answered at once, pending while its analysis runs (202; the
   * panel polls `song` and says how long it has taken) or analysed when it knew the song.
   * @param {Blob & {name?: string}} file @returns {Promise<S["SongOut"] | S["SongPending"]>} */
  uploadSong(file) {
    const form = new FormData();
    form.append("file", file, file.name || "song");
    form.append("wait", "0");
    return this.postForm("/songs", form);
  }

  /** A song once analysed, or its state while it is (202).
   * @param {string} id @returns {Promise<S["SongOut"] | S["SongPending"]>} */
  song(id) { return this.call("GET", `/songs/${seg(id)}`); }

  /** A shot-list file onto a board (POST /boards/<id>/shots).
   * @param {string} boardId @param {Blob & {name?: string}} file @returns {Promise<S["ShotsOut"]>} */
  uploadShotList(boardId, file) {
    const form = new FormData();
    form.append("file", file, file.name || "shots");
    return this.postForm(`/boards/${seg(boardId)}/shots`, form);
  }

  /**
   * An editor's timeline file (.otio, FCP7 XML, EDL) read into a cut list: its markers and
   * clips in sequence frames at the cut's `fps` (an EDL is read at `edlFps`).
   * @param {Blob & {name?: string}} file @param {number} [edlFps]
   * @returns {Promise<Cut>}
   */
  importTimeline(file, edlFps) {
    const form = new FormData();
    form.append("file", file, file.name || "timeline.otio");
    if (edlFps) form.append("fps", String(edlFps));
    return this.postForm("/timelines/import", form);
  }

  // ------------------------------------------------------------------ directing (pdirect)

  /** An image for a keyframe or a reference. @param {Blob & {name?: string}} file
   * @returns {Promise<S["ImageOut"]>} */
  uploadImage(file) {
    const form = new FormData();
    form.append("file", file, file.name || "image.png");
    return this.postForm("/images", form);
  }

  /** An uploaded image by its sha256 (it needs the token, so no plain <img src>).
   * @param {string} sha256 @returns {Promise<Blob>} */
  async imageBlob(sha256) {
    return (await this.fetchRaw("GET", `/images/${seg(sha256)}`)).blob();
  }

  /** The LoRA shelf. @returns {Promise<S["LoraList"]>} */
  loras() { return this.call("GET", "/loras"); }

  /** What finishing a take would make, and about how long. @param {string} id
   * @returns {Promise<S["FinishEstimate"]>} */
  finishEstimate(id) { return this.call("GET", `/takes/${seg(id)}/finish`); }

  /** Queue a take's final. @param {string} id @param {S["FinishIn"]} body
   * @returns {Promise<S["BatchOut"]>} */
  finish(id, body) { return this.call("POST", `/takes/${seg(id)}/finish`, body); }

  /** What finishing every pick of a board would make, the shots it skips and why, and about
   * how long. @param {string} id @returns {Promise<S["BoardFinishEstimate"]>} */
  boardFinishEstimate(id) { return this.call("GET", `/boards/${seg(id)}/finish`); }

  /** Queue the final of every pick of a board (each becomes its shot's pick when done).
   * @param {string} id @param {S["BoardFinishIn"]} body @returns {Promise<S["BoardFinishOut"]>} */
  boardFinish(id, body) { return this.call("POST", `/boards/${seg(id)}/finish`, body); }
}

/** A download's percentage from a model's state, or null when unknown. @param {Model} model */
export function downloadPercent(model) {
  const p = model.details.progress;
  if (!p || !p.bytes_total) return null;
  return Math.round((100 * p.bytes_done) / p.bytes_total);
}

/** The same from a `model.progress` event. @param {S["DownloadProgress"]} data */
export function eventPercent(data) {
  return data.bytes_total ? Math.round((100 * data.bytes_done) / data.bytes_total) : null;
}
