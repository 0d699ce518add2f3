// The bridge's HTTP client. Every /api/v1 call carries the bearer token; errors become
// ApiError (the bridge answered with a 4xx/5xx) or OfflineError (nothing answered), because
// the UI treats "you did something wrong" and "the bridge is not running" very differently.

export class ApiError extends Error {
  constructor(status, body) {
    const err = (body && body.error) || {};
    super(err.message || `The bridge answered ${status}.`);
    this.status = status;
    this.code = err.code || `http_${status}`;
    this.field = err.field || null;
    this.details = err.details || null;
  }
}

export class OfflineError extends Error {
  constructor(cause) {
    super("The bridge is not running.");
    this.cause = cause;
  }
}

export class Bridge {
  /** @param {{base: string, token: string}} opts base is the origin, e.g. http://127.0.0.1:8642 */
  constructor({ base, token }) {
    this.base = base.replace(/\/+$/, "");
    this.token = token || "";
  }

  url(path) {
    return `${this.base}/api/v1${path}`;
  }

  headers(json) {
    const h = { Accept: "application/json" };
    if (this.token) h.Authorization = `Bearer ${this.token}`;
    if (json) h["Content-Type"] = "application/json";
    return h;
  }

  /**
   * Raw fetch under /api/v1; returns the Response after turning failures into errors.
   * @param {string} method @param {string} path @param {any} [body]
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
      if (e && e.name === "AbortError") throw e;
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

  async call(method, path, body, opts) {
    const res = await this.fetchRaw(method, path, body, opts);
    if (res.status === 204) return null;
    return res.json();
  }

  get(path, opts) { return this.call("GET", path, undefined, opts); }
  post(path, body, opts) { return this.call("POST", path, body ?? {}, opts); }
  patch(path, body, opts) { return this.call("PATCH", path, body, opts); }
  del(path, opts) { return this.call("DELETE", path, undefined, opts); }

  /** Health needs no token: it tells "not running" apart from "not paired". */
  async health() {
    try {
      const res = await fetch(this.url("/health"), { cache: "no-store" });
      return res.ok ? await res.json() : null;
    } catch {
      return null;
    }
  }

  /** Trades a one-time pairing code for the token (no token needed for this call). */
  async pair(code) {
    let res;
    try {
      res = await fetch(this.url("/pair"), {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: "application/json" },
        body: JSON.stringify({ code: code.trim() }),
        cache: "no-store",
      });
    } catch (e) {
      throw new OfflineError(e);
    }
    const body = await res.json().catch(() => null);
    if (!res.ok) throw new ApiError(res.status, body);
    this.token = body.token;
    return body.token;
  }

  /** Bytes of an API file (timeline downloads need the token, so no plain <a href>). */
  async bytes(path) {
    const res = await this.fetchRaw("GET", path);
    return new Uint8Array(await res.arrayBuffer());
  }
}

/** Query string from an object, leaving out empty values. */
export function qs(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params)) {
    if (v === undefined || v === null || v === "") continue;
    parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  }
  return parts.length ? `?${parts.join("&")}` : "";
}
