// What the panel reads from the page's global object: the hooks the hosts put there (CEP's
// bridge and file API, pywebview's js_api), the values a build sets (scripts/bundle.mjs), and
// the test host's hooks. Only the members the panel uses, with the shapes it relies on.

/** CEP's native bridge (window.__adobe_cep__, what CSInterface.js wraps). */
interface CepNativeBridge {
  evalScript(script: string, callback: (result: string | undefined) => void): void;
  getSystemPath(kind: string): string;
}

/** A cep.fs call's answer: err 0 is success; data is the text, the chosen path, or the files. */
interface CepFsResult<T = string> {
  err: number;
  data: T;
}

/** CEP's file API (window.cep.fs). */
interface CepFs {
  readFile(path: string, encoding?: string): CepFsResult;
  writeFile(path: string, data: string, encoding?: string): CepFsResult<unknown>;
  makedir(path: string): CepFsResult<unknown>;
  showSaveDialogEx(title: string, initialPath: string, fileTypes: string[], defaultName: string): CepFsResult;
}

/** The js_api bridge/desktop.py gives the desktop window (pywebview). */
interface DesktopApi {
  save_file(suggestedName: string, base64: string): Promise<string | null>;
  save_copy(path: string, suggestedName: string): Promise<string | null>;
  reveal(path: string): Promise<unknown>;
}

/** One call the test host recorded (tests read window.__promptcutHostCalls). */
interface HostCall {
  method: string;
  args: unknown;
}

interface Window {
  __adobe_cep__?: CepNativeBridge;
  cep?: { fs: CepFs; encoding: { Base64: string; UTF8: string } };
  pywebview?: { api?: Partial<DesktopApi> };
  /** The test host: what it was asked to do, and the editor state tests give it. */
  __promptcutHostCalls?: HostCall[];
  __promptcutPlayhead?: number;
  __promptcutPlayheadColour?: string;
  __promptcutSequence?: { fps: number; width: number; height: number; name?: string; videoTracks?: number };
  __promptcutMarkers?: number[];
  __promptcutGap?: import("../src/hosts/host").Gap;
}

/** Set by scripts/bundle.mjs in the Adobe panels: the bridge port and the host. */
declare var PROMPTCUT_PORT: number | undefined;
declare var PROMPTCUT_HOST: string | undefined;
