// `npm run build:ccx`: bundles the UXP plugin and packs it as dist/promptcut-<version>.ccx,
// the package Creative Cloud installs by double-click (plugins loaded through the UXP
// Developer Tool vanish when Premiere restarts). A .ccx is a zip with manifest.json at its root.
import { readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { bundleAll } from "./bundle.mjs";
import { zip } from "./zip.mjs";

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const { uxp } = await bundleAll();
const manifest = JSON.parse(readFileSync(join(uxp, "manifest.json"), "utf8"));
const files = walk(uxp).sort().map((p) => ({ name: relative(uxp, p).split(sep).join("/"), data: readFileSync(p) }));
const out = join(uxp, "..", `promptcut-${manifest.version}.ccx`);
writeFileSync(out, zip(files));
console.log(`Wrote ${out} (${files.length} files)`);
