// The host interface: what every adapter (browser, cep, desktop, test, uxp) offers the UI,
// and all the UI may ask of a host. hosts/index.js types its table of adapters with it, so
// `npm run typecheck` fails when an adapter lacks a member or offers it with another shape.

/** What a host can do, so the UI shows only what works there. */
export interface HostCapabilities {
  /** Shown in the header ("Premiere Pro (UXP)", "Browser"). */
  label: string;
  /** Premiere's timeline is reachable: insert/overwrite/swap place clips, not downloads. */
  timeline: boolean;
  exportSequence: boolean;
  reveal: boolean;
  /** The panel asks for a pairing code itself (no URL fragment brings the token). */
  pairing: boolean;
  /** The host has its own file dialogs (UXP): the page's <input type=file> does not work. */
  nativeOpen?: boolean;
  /** The timeline format this host imports ("otio", "fcp7xml"). */
  timelineFormat?: string;
  /** The host hands over the frame under Premiere's playhead (`playheadFrame`). */
  playheadFrame?: boolean;
}

/** Bytes to import or save, or where to find them. */
export interface TimelineSource {
  bytes?: Uint8Array | ArrayBuffer | null;
  url?: string;
  path?: string | null;
  name: string;
}

export interface PlaceOptions {
  track?: number;
  /** Where to place, in seconds of the sequence (CEP and the test host); else the playhead. */
  time?: number;
  overwrite?: boolean;
  url?: string;
  name?: string;
}

/** A span of the active sequence, in Premiere's ticks, on a video track. */
export interface Gap {
  startTicks: string | number;
  endTicks: string | number;
  track?: number;
}

export interface TrimOptions {
  track: number;
  startFrame: number;
  frames: number;
  fps: number;
  label?: string;
}

export interface Host {
  readonly name: string;
  readonly capabilities: HostCapabilities;
  readToken(): Promise<string | null>;
  importFile(path: string, opts?: PlaceOptions): Promise<unknown>;
  insertAtPlayhead(path: string, opts?: PlaceOptions): Promise<{ cancelled?: boolean } | unknown>;
  importTimeline(source: TimelineSource): Promise<unknown>;
  saveFile(source: string | Uint8Array | ArrayBuffer, suggestedName: string): Promise<{ cancelled?: boolean } | unknown>;
  revealFile(path: string): Promise<unknown>;
  openTextFile(): Promise<string | null>;
  openFile(types?: string[]): Promise<{ name: string; bytes: Uint8Array | ArrayBuffer } | null>;
  exportActiveSequence(format: string): Promise<{ path?: string } | null | unknown>;
  getPlayhead(): Promise<number | null>;
  getVideoTrackCount(): Promise<number | null>;
  getSequenceInfo(): Promise<{ fps: number; width: number; height: number } | null>;
  getSequenceMarkers(): Promise<{ seconds: number }[]>;
  findGap(opts?: { track?: number }): Promise<Gap | null>;
  placeTrimmed(path: string, opts: TrimOptions): Promise<unknown>;
  swapTake(path: string, opts: TrimOptions): Promise<unknown>;
  /** The active sequence's frame under the playhead as a PNG (a keyframe from Premiere);
   * only where `capabilities.playheadFrame`. */
  playheadFrame(): Promise<{ name: string; bytes: Uint8Array } | null>;
}
