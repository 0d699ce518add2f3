// @ts-check
// Plays a board's song with its click track: one clock for the Board view (the animatic's
// picture follows it, ui/animatic.js). The song is decoded into an AudioBuffer and played
// by Web Audio, and each click is scheduled on the same audio clock a little ahead of time,
// so a click sits on its beat to the sample: an <audio> element's currentTime drifts from
// the audio clock by tens of milliseconds, which is the very error the editor listens for.
// Without Web Audio (an old host) nothing plays and `available` says so.

import { clicksHeard, songTime } from "./clicks.js";

/** @typedef {import("./clicks.js").Loop} Loop */
/** @typedef {{ song_s: number, accent: boolean, audio_s: number, started_s: number }}
 *  Scheduled a click handed to the audio clock: its beat, and when it sounds */

const AHEAD_S = 0.15; // how far ahead clicks are scheduled
const TICK_MS = 25; // how often the scheduler looks ahead
const CLICK_S = 0.03;

/** @type {Scheduled[]} */
const log = [];

/**
 * The clicks scheduled since the click track last started: each beat's song time, whether
 * it is accented, and the audio-clock time it sounds at (`audio_s`, with `started_s` when
 * playing started). For the panel's tests and a curious console; nothing else reads it.
 * @returns {Scheduled[]}
 */
export function scheduledClicks() {
  return log.slice();
}

/** @returns {typeof AudioContext | null} */
function audioContextClass() {
  const g = /** @type {any} */ (globalThis);
  return g.AudioContext || g.webkitAudioContext || null;
}

export class Player {
  constructor() {
    /** @type {AudioContext | null} */
    this.ctx = null;
    /** @type {AudioBuffer | null} */
    this.buffer = null;
    /** @type {string | null} */
    this.url = null;
    /** @type {string | null} */
    this.songId = null;
    /** @type {Promise<AudioBuffer | null> | null} */
    this.loading = null;
    /** @type {AudioBufferSourceNode | null} */
    this.source = null;
    this.playing = false;
    this.clicks = false;
    /** @type {Loop | null} */
    this.loop = null;
    this.startedAt = 0; // audio clock when playing started
    this.startPos = 0; // song time playing started from
    this.pos = 0; // song time while stopped
    this.scheduledTo = 0; // seconds of playing whose clicks are scheduled
    this.duration = 0;
    /** @type {readonly number[]} */
    this.beats = [];
    /** @type {readonly number[]} */
    this.downbeats = [];
    /** @type {ReturnType<typeof setInterval> | null} */
    this.timer = null;
    /** @type {Set<() => void>} */
    this.listeners = new Set();
  }

  /** Whether this host plays audio at all. */
  get available() {
    return audioContextClass() !== null;
  }

  /** Calls `fn` whenever playing starts or stops, or the playhead jumps. @param {() => void} fn */
  onChange(fn) {
    this.listeners.add(fn);
  }

  changed() {
    for (const fn of this.listeners) fn();
  }

  /**
   * The song (its id, and a signed media URL fetched when playing first needs it) and its
   * grid. Each board answer signs the URL anew: the same song id is the same song.
   * @param {string | null} id @param {string | null} url @param {number} duration
   * @param {readonly number[]} beats @param {readonly number[]} downbeats
   */
  setSong(id, url, duration, beats, downbeats) {
    this.url = url;
    if (id !== this.songId) {
      if (this.playing) this.stop();
      this.songId = id;
      this.buffer = null;
      this.loading = null;
    }
    this.duration = duration;
    if (beats !== this.beats || downbeats !== this.downbeats) {
      this.beats = beats;
      this.downbeats = downbeats;
      if (this.playing) this.rescheduleClicks();
    }
  }

  /** @returns {AudioContext} */
  context() {
    if (!this.ctx) {
      const Ctx = audioContextClass();
      if (!Ctx) throw new Error("This panel cannot play audio (no Web Audio).");
      this.ctx = new Ctx();
    }
    return this.ctx;
  }

  /** The decoded song (once; null without a song). @returns {Promise<AudioBuffer | null>} */
  load() {
    const url = this.url;
    if (!url) return Promise.resolve(null);
    if (!this.loading) {
      const ctx = this.context();
      const loading = fetch(url, { cache: "no-store" })
        .then((res) => {
          if (!res.ok) throw new Error(`The song did not load (${res.status}).`);
          return res.arrayBuffer();
        })
        .then((bytes) => ctx.decodeAudioData(bytes))
        .then((buffer) => {
          if (this.loading === loading) this.buffer = buffer; // still the same song
          return buffer;
        })
        .catch((e) => {
          this.loading = null; // the next Play tries again
          throw e;
        });
      this.loading = loading;
    }
    return this.loading;
  }

  /** Song time now: moving while playing (round the loop), else where it was left. */
  position() {
    if (!this.playing || !this.ctx) return this.pos;
    return songTime(this.startPos, Math.max(0, this.ctx.currentTime - this.startedAt), this.loop);
  }

  /** Plays from `from` (default: where the playhead is). @param {number} [from] */
  async play(from) {
    const ctx = this.context();
    if (ctx.state === "suspended") await ctx.resume();
    await this.load();
    this.halt();
    let start = Math.max(0, from ?? this.pos);
    if (this.loop && (start < this.loop.start || start >= this.loop.end)) start = this.loop.start;
    if (this.duration && start >= this.duration && !this.loop) start = 0;
    this.startPos = start;
    this.startedAt = ctx.currentTime + 0.05; // a moment to set everything up
    if (this.buffer) {
      const source = ctx.createBufferSource();
      source.buffer = this.buffer;
      if (this.loop) {
        source.loop = true;
        source.loopStart = this.loop.start;
        source.loopEnd = this.loop.end;
      }
      source.connect(ctx.destination);
      source.start(this.startedAt, start);
      this.source = source;
    }
    this.playing = true;
    this.scheduledTo = 0;
    log.length = 0;
    this.tick();
    this.timer = setInterval(() => this.tick(), TICK_MS);
    this.changed();
  }

  /** Stops, leaving the playhead where the song was. */
  stop() {
    if (!this.playing) return;
    this.pos = this.position();
    this.halt();
    this.changed();
  }

  /** Stops sound and the scheduler without moving the playhead's record. */
  halt() {
    if (this.timer !== null) clearInterval(this.timer);
    this.timer = null;
    if (this.source) {
      try {
        this.source.stop();
      } catch {
        // never started: nothing to stop
      }
      this.source.disconnect();
      this.source = null;
    }
    this.playing = false;
  }

  /** Moves the playhead; playing goes on from there. @param {number} t */
  async seek(t) {
    const to = Math.max(0, Math.min(t, this.duration || t));
    if (this.playing) return this.play(to);
    this.pos = to;
    this.changed();
    return undefined;
  }

  /** Clicks on or off, at once (while playing too). @param {boolean} on */
  setClicks(on) {
    this.clicks = on;
    if (this.playing) this.rescheduleClicks();
  }

  /** Plays the stretch over and over (null: straight on). @param {Loop | null} loop */
  async setLoop(loop) {
    this.loop = loop && loop.end > loop.start ? loop : null;
    if (this.playing) await this.play(this.position());
  }

  /** Clicks already handed to the clock stay; the next ones follow the new grid. */
  rescheduleClicks() {
    if (!this.ctx) return;
    this.scheduledTo = Math.max(this.scheduledTo, this.ctx.currentTime - this.startedAt);
  }

  /** Schedules the clicks of the next AHEAD_S seconds; stops at the song's end. */
  tick() {
    const ctx = this.ctx;
    if (!ctx || !this.playing) return;
    const elapsed = ctx.currentTime - this.startedAt;
    if (!this.loop && this.duration && this.startPos + elapsed >= this.duration) {
      this.pos = 0;
      this.halt();
      this.changed();
      return;
    }
    const until = Math.max(0, elapsed) + AHEAD_S;
    if (until <= this.scheduledTo) return;
    if (this.clicks) {
      for (const c of clicksHeard(this.beats, this.downbeats, this.startPos, this.scheduledTo,
        until, this.loop)) {
        const when = this.startedAt + c.at;
        if (when < ctx.currentTime) continue; // too late to sound on its beat
        this.click(ctx, when, c.accent);
        log.push({ song_s: c.time, accent: c.accent, audio_s: when, started_s: this.startedAt });
      }
    }
    this.scheduledTo = until;
  }

  /**
   * One click: a short sine blip, higher and louder on a downbeat.
   * @param {AudioContext} ctx @param {number} when @param {boolean} accent
   */
  click(ctx, when, accent) {
    const osc = ctx.createOscillator();
    const gain = ctx.createGain();
    osc.frequency.value = accent ? 1760 : 1175;
    gain.gain.setValueAtTime(accent ? 0.9 : 0.5, when);
    gain.gain.exponentialRampToValueAtTime(0.001, when + CLICK_S);
    osc.connect(gain);
    gain.connect(ctx.destination);
    osc.start(when);
    osc.stop(when + CLICK_S);
  }
}
