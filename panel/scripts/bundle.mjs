// Bundles the ES-module UI into one classic script for UXP, which does not load ES modules
// from the plugin folder. Output: dist/uxp/ and dist/cep/, each a complete plugin folder.
// The browser, desktop and CEP hosts load src/ from the bridge directly, unbundled (CEP
// through its launcher page, cep/launcher.js).
import { build } from "esbuild";
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { png } from "./png.mjs";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const DIST = join(ROOT, "dist");

const page = () =>
  readFileSync(join(ROOT, "index.html"), "utf8")
    .replace('<script type="module" src="src/main.js"></script>', '<script src="panel.js"></script>');

async function bundle(host, outDir, target) {
  await build({
    entryPoints: [join(ROOT, "src/main.js")],
    bundle: true,
    format: "iife",
    target,
    outfile: join(outDir, "panel.js"),
    external: ["premierepro", "uxp"],
    banner: { js: `globalThis.PROMPTCUT_HOST = ${JSON.stringify(host)};` },
    legalComments: "none",
    logLevel: "warning",
  });
  writeFileSync(join(outDir, "index.html"), page());
  cpSync(join(ROOT, "styles.css"), join(outDir, "styles.css"));
}

export async function bundleAll() {
  rmSync(DIST, { recursive: true, force: true });
  const uxp = join(DIST, "uxp");
  mkdirSync(join(uxp, "icons"), { recursive: true });
  await bundle("uxp", uxp, "es2020");
  cpSync(join(ROOT, "uxp/manifest.json"), join(uxp, "manifest.json"));
  // Plain icons drawn here, so the package needs no binary files in git.
  writeFileSync(join(uxp, "icons/icon.png"), png(23, 23, [55, 142, 240]));
  writeFileSync(join(uxp, "icons/icon@2x.png"), png(46, 46, [55, 142, 240]));
  writeFileSync(join(uxp, "icons/plugin.png"), png(48, 48, [55, 142, 240]));
  writeFileSync(join(uxp, "icons/plugin@2x.png"), png(96, 96, [55, 142, 240]));

  // CEP ships only a launcher page: the panel itself loads from the bridge's origin
  // (/panel/?host=cep), so the extension keeps the same-origin policy on (cep/launcher.js).
  const cep = join(DIST, "cep");
  mkdirSync(cep, { recursive: true });
  for (const name of ["index.html", "launcher.js"]) cpSync(join(ROOT, "cep", name), join(cep, name));
  cpSync(join(ROOT, "cep/CSXS"), join(cep, "CSXS"), { recursive: true });
  cpSync(join(ROOT, "cep/jsx"), join(cep, "jsx"), { recursive: true });
  return { uxp, cep };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await bundleAll();
  console.log(`Bundled ${out.uxp} and ${out.cep}`);
}
