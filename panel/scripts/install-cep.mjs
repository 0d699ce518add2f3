// `npm run install:cep [-- --link] [-- --dest DIR]`: bundles the CEP extension and copies
// (or symlinks, with --link) it into the user's CEP extensions folder, for development.
// Unsigned extensions load only with PlayerDebugMode on (panel/README.md has the steps).
import { cpSync, existsSync, mkdirSync, rmSync, symlinkSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { bundleAll } from "./bundle.mjs";

const ID = "org.promptcut.panel";

function extensionsDir() {
  const i = process.argv.indexOf("--dest");
  if (i > 0 && process.argv[i + 1]) return process.argv[i + 1];
  if (process.platform === "win32") return join(process.env.APPDATA || join(homedir(), "AppData", "Roaming"), "Adobe", "CEP", "extensions");
  if (process.platform === "darwin") return join(homedir(), "Library", "Application Support", "Adobe", "CEP", "extensions");
  throw new Error("Premiere runs on Windows and macOS only; pass --dest DIR to install elsewhere.");
}

const { cep } = await bundleAll();
const parent = extensionsDir();
const target = join(parent, ID);
mkdirSync(parent, { recursive: true });
if (existsSync(target)) rmSync(target, { recursive: true, force: true });
if (process.argv.includes("--link")) symlinkSync(cep, target, process.platform === "win32" ? "junction" : "dir");
else cpSync(cep, target, { recursive: true });
console.log(`Installed the CEP panel at ${target}. Restart Premiere, then Window > Extensions > Promptcut.`);
