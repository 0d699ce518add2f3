// The small part of UXP's own modules the UXP host uses, declared here so tsc can check the
// adapter without a further package. Premiere's API types come from @adobe/premierepro.

interface UxpFile {
  nativePath: string;
  name: string;
  write(data: Uint8Array | ArrayBuffer | string, options?: { format?: unknown }): Promise<number>;
  read(options?: { format?: unknown }): Promise<string | ArrayBuffer>;
}

interface UxpFolder {
  nativePath: string;
  createFile(name: string, options?: { overwrite?: boolean }): Promise<UxpFile>;
  getEntry(name: string): Promise<UxpFile>;
}

interface UxpModule {
  storage: {
    localFileSystem: {
      getTemporaryFolder(): Promise<UxpFolder>;
      getDataFolder(): Promise<UxpFolder>;
      getFileForSaving(suggestedName: string, options?: { types?: string[] }): Promise<UxpFile | null>;
      getFileForOpening(options?: { types?: string[]; allowMultiple?: boolean }): Promise<UxpFile | null>;
    };
    formats: { binary: unknown; utf8: unknown };
  };
  shell: { openPath(path: string, developerText?: string): Promise<string>; openExternal(url: string): Promise<string> };
}

declare module "uxp" {
  const uxp: UxpModule;
  export = uxp;
}

declare module "premierepro" {
  const ppro: import("@adobe/premierepro").premierepro;
  export = ppro;
}

/** UXP's require, for the two modules the UXP host loads. */
declare function require(id: "uxp"): UxpModule;
declare function require(id: "premierepro"): import("@adobe/premierepro").premierepro;
