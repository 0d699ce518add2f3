"""tsc over the host adapters: UXP against Adobe's @adobe/premierepro types, ExtendScript
against types-for-adobe, and the whole UI. Then the .ccx package and the CEP bundle build.
Skipped with the reason when Node or the panel's npm packages are absent."""

from __future__ import annotations

import json
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest

PANEL = Path(__file__).resolve().parents[1] / "panel"


def npx() -> str:
    exe = shutil.which("npx") or shutil.which("npx.cmd")
    if not exe or not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    if not (PANEL / "node_modules" / "typescript").is_dir():
        pytest.skip("panel/node_modules is missing: run `npm ci` in panel/ (dev.py test does)")
    return exe


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([npx(), *args], cwd=PANEL, capture_output=True, text=True, timeout=240)


@pytest.mark.parametrize("config", ["tsconfig.uxp.json", "tsconfig.cep.json", "tsconfig.ui.json"])
def test_tsc(config):
    r = run("tsc", "-p", config)
    assert r.returncode == 0, r.stdout + r.stderr


def test_tsc_catches_a_wrong_premiere_call(tmp_path):
    """The check has teeth: a misspelt Premiere API call fails it."""
    bad = PANEL / "types" / "_bad_call.test.js"
    bad.write_text('/** @type {import("@adobe/premierepro").premierepro} */\n'
                   'const ppro = require("premierepro");\n'
                   "ppro.Project.getActiveProjectz();\n", encoding="utf-8")
    cfg = tmp_path / "tsconfig.json"
    base = json.loads(_strip_comments((PANEL / "tsconfig.uxp.json").read_text("utf-8")))
    base["files"] = [str(bad), str(PANEL / "types" / "uxp.d.ts")]
    base["compilerOptions"]["typeRoots"] = [str(PANEL / "node_modules" / "@types")]
    cfg.write_text(json.dumps(base), encoding="utf-8")
    try:
        r = subprocess.run([npx(), "tsc", "-p", str(cfg)], cwd=PANEL, capture_output=True,
                           text=True, timeout=240)
    finally:
        bad.unlink()
    assert r.returncode != 0 and "getActiveProjectz" in r.stdout


def _strip_comments(text: str) -> str:
    return "\n".join(line for line in text.splitlines() if not line.strip().startswith("//"))


def test_build_ccx_and_cep_bundle():
    npx()
    r = subprocess.run(["node", "scripts/build-ccx.mjs"], cwd=PANEL, capture_output=True,
                       text=True, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    manifest = json.loads((PANEL / "uxp" / "manifest.json").read_text("utf-8"))
    ccx = PANEL / "dist" / f"promptcut-{manifest['version']}.ccx"
    with zipfile.ZipFile(ccx) as z:
        assert z.testzip() is None
        names = set(z.namelist())
        assert {"manifest.json", "index.html", "panel.js", "styles.css"} <= names
        assert json.loads(z.read("manifest.json")) == manifest
        for icon in manifest["entrypoints"][0]["icons"] + manifest["icons"]:
            assert icon["path"] in names
        page = z.read("index.html").decode()
        assert '<script src="panel.js"></script>' in page and "type=\"module\"" not in page
        assert z.read("panel.js").startswith(b'globalThis.PROMPTCUT_HOST = "uxp";')
    cep = PANEL / "dist" / "cep"
    assert (cep / "CSXS" / "manifest.xml").is_file() and (cep / "jsx" / "promptcut.jsx").is_file()
    # CEP ships the launcher, which opens the panel from the bridge's origin.
    assert '<script src="launcher.js"></script>' in (cep / "index.html").read_text("utf-8")
    assert "/panel/?host=cep" in (cep / "launcher.js").read_text("utf-8")
    assert not (cep / "panel.js").exists()
