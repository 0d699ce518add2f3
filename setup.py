"""The one build step pyproject.toml cannot say: the panel's files become package data.

Everything else about the package is in pyproject.toml. The panel lives in panel/ beside
the `bridge` package (its own tools, its own tests), so setuptools' package-data cannot
name it; this copies what the service serves into `bridge/_panel/` of the build, where
`bridge.panel_assets` finds it through importlib.resources:

- the browser panel: index.html, styles.css, src/;
- the bundled Premiere plugins, dist/uxp/ and dist/cep/, made by `node scripts/bundle.mjs`
  when Node and the panel's npm packages are here (a checkout after `npm ci`), else taken as
  they are (a wheel built from the sdist, which carries them). With neither, the build
  fails with a sentence saying so, unless PROMPTCUT_BUILD_WITHOUT_PLUGINS=1 asks for a
  package with the browser panel only: a wheel without its Premiere plugins is a mistake
  that a warning among a thousand lines of build output hides.

The docs that messages cite (`docs/*.md`) and the LICENSE go to `bridge/_docs/`, so an
installed copy can show them (`promptcut docs`).

An editable install needs none of it: the service then reads panel/ in the checkout.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

ROOT = Path(__file__).resolve().parent
PANEL = ROOT / "panel"
SERVED = ("index.html", "styles.css", "src", "dist/uxp", "dist/cep")


WITHOUT_PLUGINS = "PROMPTCUT_BUILD_WITHOUT_PLUGINS"


class NoPlugins(SystemExit):
    pass


def bundle_panel() -> None:
    node = shutil.which("node")
    if node and (PANEL / "node_modules" / "esbuild").is_dir():
        subprocess.run([node, "scripts/bundle.mjs"], cwd=PANEL, check=True)
    elif not (PANEL / "dist" / "uxp" / "panel.js").is_file():
        if os.environ.get(WITHOUT_PLUGINS, "").strip() in ("1", "true", "yes"):
            print(f"{WITHOUT_PLUGINS} is set: building without the Premiere plugins "
                  "(the browser panel only).")
            return
        raise NoPlugins(
            "error: cannot build the Premiere plugins: panel/dist/ is missing and Node 20+ "
            "or the panel's npm packages are not here. Run `npm ci` in panel/ and build "
            f"again, or set {WITHOUT_PLUGINS}=1 for a package with the browser panel only.")


def panel_files() -> list[Path]:
    out: list[Path] = []
    for rel in SERVED:
        path = PANEL / rel
        if path.is_file():
            out.append(path)
        elif path.is_dir():
            out += sorted(p for p in path.rglob("*") if p.is_file()
                          and not any(part.startswith(".") for part in p.parts[-3:]))
    return out


class BuildPy(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False) or not PANEL.is_dir():
            return
        bundle_panel()
        target = Path(self.build_lib) / "bridge" / "_panel"
        if target.exists():
            shutil.rmtree(target)  # this build's own output from an earlier run
        for path in panel_files():
            dest = target / path.relative_to(PANEL)
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)
        docs = Path(self.build_lib) / "bridge" / "_docs"
        docs.mkdir(parents=True, exist_ok=True)
        for path in [*sorted((ROOT / "docs").glob("*.md")), ROOT / "LICENSE"]:
            if path.is_file():
                shutil.copy2(path, docs / path.name)


class Sdist(sdist):
    def run(self) -> None:
        bundle_panel()  # the sdist carries the bundles, so a wheel built from it has them
        super().run()


setup(cmdclass={"build_py": BuildPy, "sdist": Sdist})
