// @ts-check
// How the panel talks to the bridge: URLs under /api/v1, the bearer token, and failures
// turned into ApiError (the bridge answered 4xx/5xx) or OfflineError (nothing answered),
// because the UI treats "you did something wrong" and "the bridge is not running" very
// differently. The typed API on top of it is client.js; this file is checked by
// `tsc --strict` with it (tsconfig.bridge.json).

/** @typedef {import("./schema").components["schemas"]} S */

export class ApiError extends Error {
  /** @param {number} status @param {unknown} body the answer's JSON, null when it had none */
  constructor(status, body) {
    const answer = /** @type {{error?: Partial<S["ErrorDetail"]>} | null} */ (body);
    /** @type {Partial<S["ErrorDetail"]>} */
    const err = (answer && answer.error) || {};
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
export const seg = (s) => encodeURIComponent(s);

export class Transport {
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


  /** @param {string} path @param {FormData} form */
  async postForm(path, form) {
    /** @type {Record<string, string>} */
    const headers = this.token ? { Authorization: `Bearer ${this.token}` } : {};
    let res;
    try {
      res = await fetch(this.url(path), { method: "POST", body: form, headers });
    } catch (e) {
      throw new OfflineError(e);
    }
    const answer = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, answer);
    return answer;
  }

  /** A media URL the bridge answered (signed, origin-relative) made absolute. @param {string} url */
  mediaUrl(url) { return !url || /^https?:/.test(url) ? url : `${this.base}${url}`; }

  /** Whether a signed media URL still serves its file (HEAD; a missing file is a 404).
   * @param {string} url */
  async mediaExists(url) {
    try {
      return (await fetch(this.mediaUrl(url), { method: "HEAD", cache: "no-store" })).ok;
    } catch {
      return false;
    }
  }
}
