// The bridge's HTTP client: the only panel code that builds bridge URLs. Every /api/v1 call
// carries the bearer token; errors become ApiError (the bridge answered 4xx/5xx) or
// OfflineError (nothing answered), because the UI treats "you did something wrong" and "the
// bridge is not running" very differently. Bodies and answers are typed by schema.d.ts,
// generated from the bridge's OpenAPI document (`npm run types`), and this file is checked
// by `tsc --strict` (tsconfig.bridge.json): a field renamed in the bridge fails the build.

/** @typedef {import("./schema").components["schemas"]} S */
/** @typedef {S["JobOut"]} Job */
/** @typedef {S["TakeOut"]} Take */
/** @typedef {S["ModelOut"]} Model */
/** @typedef {S["EventPage"]["events"][number]} BridgeEvent */
/** @typedef {S["TimelineOut"]} Timeline */
/** @typedef {import("./schema").operations["takes_list_takes"]["parameters"]["query"]} TakeQuery */
/** @typedef {import("./schema").operations["events_poll"]["parameters"]["query"]} EventsQuery */

export class ApiError extends Error {
  /** @param {number} status @param {any} body */
  constructor(status, body) {
    /** @type {Partial<S["ErrorDetail"]>} */
    const err = (body && body.error) || {};
    super(err.message || `The bridge answered ${status}.`);
    this.status = status;
    this.code = err.code || `http_${status}`;
    /** @type {string | null} */
    this.field = err.field || null;
    /** @type {Record<string, unknown> | null} */
    this.details = err.details || null;
  }
}

export class OfflineError extends Error {
  /** @param {unknown} cause */
  constructor(cause) {
    super("The bridge is not running.");
    this.cause = cause;
  }
}

/** Query string from an object, leaving out empty values. @param {Record<string, unknown>} params */
export function qs(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}

/** One path segment (ids come from the bridge, but never trust them into a path). @param {string} s */
const seg = (s) => encodeURIComponent(s);

export class Bridge {
  /** @param {{base: string, token?: string}} opts base is the origin, e.g. http://127.0.0.1:8642 */
  constructor({ base, token }) {
    this.base = base.replace(/\/+$/, "");
    this.token = token || "";
  }

  /** @param {string} path */
  url(path) {
    return `${this.base}/api/v1${path}`;
  }

  /** @param {boolean} json */
  headers(json) {
    /** @type {Record<string, string>} */
    const h = { Accept: "application/json" };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    if (json) h["Content-Type"] = "application/json";
    return h;
  }

  /**
   * Raw fetch under /api/v1; returns the Response after turning failures into errors.
   * @param {string} method @param {string} path @param {unknown} [body]
   * @param {{signal?: AbortSignal}} [opts]
   */
  async fetchRaw(method, path, body, { signal } = {}) {
    let res;
    try {
      res = await fetch(this.url(path), {
        method,
        headers: this.headers(body !== undefined),
        body: body === undefined ? undefined : JSON.stringify(body),
        signal,
        cache: "no-store",
      });
    } catch (e) {
      if (e instanceof Error && e.name === "AbortError") throw e;
      throw new OfflineError(e);
    }
    if (!res.ok) {
      let parsed = null;
      try {
        parsed = await res.json();
      } catch {
        parsed = null;
      }
      throw new ApiError(res.status, parsed);
    }
    return res;
  }

  /**
   * @template T
   * @param {string} method @param {string} path @param {unknown} [body]
   * @param {{signal?: AbortSignal}} [opts]
   * @returns {Promise<T>}
   */
  async call(method, path, body, opts) {
    const res = await this.fetchRaw(method, path, body, opts);
    if (res.status === 204) return /** @type {T} */ (/** @type {unknown} */ (null));
    return /** @type {Promise<T>} */ (res.json());
  }

  // ------------------------------------------------------------------ the API, typed

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

  /** @param {EventsQuery} query @returns {Promise<S["EventPage"]>} */
  events(query) { return this.call("GET", `/events${qs(query || {})}`); }

  /** @param {S["TimelineIn"]} body @returns {Promise<Timeline>} */
  timeline(body) { return this.call("POST", "/timelines", body); }

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
