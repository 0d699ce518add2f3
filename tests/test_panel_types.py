"""The panel's TypeScript types are generated from the bridge's OpenAPI document, and the
bridge client is checked against them under `tsc --strict`: a field renamed in the bridge
fails the panel's build. The whole UI is checked strictly by one config
(panel/tsconfig.ui.json), and no panel file escapes it. Skipped with the reason when Node or
openapi-typescript is absent."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.api.openapi import bare_document

PANEL = Path(__file__).resolve().parents[1] / "panel"
SCHEMA = PANEL / "src" / "bridge" / "schema.d.ts"
UI = PANEL / "tsconfig.ui.json"

def node_tools() -> str:
    exe = shutil.which("npx") or shutil.which("npx.cmd")
    if not exe or not shutil.which("node"):
        pytest.skip("Node.js is not installed")
    for pkg in ("typescript", "openapi-typescript"):
        if not (PANEL / "node_modules" / pkg).is_dir():
            pytest.skip(f"panel/node_modules/{pkg} is missing: run `npm ci` in panel/")
    return exe


def generate(doc: dict, out: Path, tmp: Path) -> None:
    doc_path = tmp / "openapi.json"
    doc_path.write_text(json.dumps(doc), encoding="utf-8")
    r = subprocess.run(["node", "scripts/types.mjs", "--doc", str(doc_path), "--out", str(out)],
                       cwd=PANEL, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr


def tsc(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([node_tools(), "tsc", "-p", str(project)], cwd=PANEL,
                          capture_output=True, text=True, timeout=240)


def test_committed_types_are_the_generated_ones(tmp_path):
    node_tools()
    fresh = tmp_path / "schema.d.ts"
    generate(bare_document(), fresh, tmp_path)
    assert fresh.read_text("utf-8") == SCHEMA.read_text("utf-8"), \
        "the bridge's contract changed: run `npm run types` in panel/"


def test_the_bridge_client_passes_tsc_strict():
    r = tsc(PANEL / "tsconfig.bridge.json")
    assert r.returncode == 0, r.stdout + r.stderr


@pytest.mark.parametrize(("schema", "field"), [
    ("DownloadBytes", "bytes_done"),  # the download percentage (it once read done_bytes)
    ("TimelineOut", "formats"),  # the export path (it once read timeline_id, paths, files)
])
def test_a_renamed_response_field_fails_tsc(tmp_path, schema, field):
    doc = bare_document()
    props = doc["components"]["schemas"][schema]["properties"]
    props[f"{field}_renamed"] = props.pop(field)
    required = doc["components"]["schemas"][schema].get("required", [])
    doc["components"]["schemas"][schema]["required"] = [
        f"{field}_renamed" if r == field else r for r in required]
    copy = tmp_path / "panel"
    shutil.copytree(PANEL / "src" / "bridge", copy / "src" / "bridge")
    shutil.copy(PANEL / "tsconfig.bridge.json", copy / "tsconfig.json")
    os.symlink(PANEL / "node_modules", copy / "node_modules", target_is_directory=True) \
        if sys.platform != "win32" else shutil.copytree(PANEL / "node_modules",
                                                        copy / "node_modules")
    assert tsc(copy / "tsconfig.json").returncode == 0  # the copy itself is sound
    generate(doc, copy / "src" / "bridge" / "schema.d.ts", tmp_path)
    r = tsc(copy / "tsconfig.json")
    assert r.returncode != 0
    assert field in r.stdout + r.stderr


def test_every_host_adapter_is_checked_against_the_host_interface(tmp_path):
    """src/hosts/host.d.ts is the one host interface: an adapter that drops a member fails
    tsc, naming it (the table of adapters in hosts/index.js is typed with it)."""
    r = tsc(PANEL / "tsconfig.hosts.json")
    assert r.returncode == 0, r.stdout + r.stderr
    copy = tmp_path / "panel"
    shutil.copytree(PANEL / "src" / "hosts", copy / "src" / "hosts")
    shutil.copytree(PANEL / "types", copy / "types")
    shutil.copy(PANEL / "tsconfig.hosts.json", copy / "tsconfig.json")
    if sys.platform != "win32":
        os.symlink(PANEL / "node_modules", copy / "node_modules", target_is_directory=True)
    else:
        shutil.copytree(PANEL / "node_modules", copy / "node_modules")
    adapter = copy / "src" / "hosts" / "desktop.js"
    text = adapter.read_text("utf-8")
    assert "export async function openTextFile()" in text
    adapter.write_text(text.replace("export async function openTextFile()",
                                    "async function openTextFile()"), "utf-8")
    r = tsc(copy / "tsconfig.json")
    assert r.returncode != 0
    assert "openTextFile" in r.stdout + r.stderr


def jsonc(path: Path) -> dict:
    """A tsconfig (JSON with // comment lines, as tsc reads it)."""
    return json.loads("\n".join(line for line in path.read_text("utf-8").splitlines()
                                 if not line.strip().startswith("//")))


def panel_files() -> list[Path]:
    return sorted([p for p in (PANEL / "src").rglob("*")
                   if p.is_file() and p.name.endswith((".js", ".d.ts"))]
                  + [PANEL / "cep" / "launcher.js"])


def test_the_ui_config_is_strict_and_no_panel_file_escapes_it():
    """tsconfig.ui.json checks the whole UI under strict (issue 18): strict, noImplicitAny and
    checkJs on (a file needs no pragma to be checked); every .js and .d.ts under src/ (and
    the CEP launcher) is among the files tsc reads with it; none opts out with @ts-nocheck."""
    options = jsonc(UI)["compilerOptions"]
    assert (options.get("strict"), options.get("noImplicitAny"), options.get("checkJs")) == \
        (True, True, True), options
    r = subprocess.run([node_tools(), "tsc", "-p", str(UI), "--listFilesOnly"], cwd=PANEL,
                       capture_output=True, text=True, timeout=240)
    assert r.returncode == 0, r.stdout + r.stderr
    read = {Path(line.strip()).resolve() for line in r.stdout.splitlines() if line.strip()}
    files = panel_files()
    assert len(files) > 40
    escaped = [p.relative_to(PANEL).as_posix() for p in files if p.resolve() not in read]
    assert not escaped, f"tsconfig.ui.json does not check these: {escaped}"
    opted_out = [p.relative_to(PANEL).as_posix() for p in files
                 if "@ts-nocheck" in p.read_text("utf-8")]
    assert not opted_out, f"these opt out of the type check: {opted_out}"


def test_the_whole_ui_passes_tsc_strict():
    r = tsc(UI)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_ui_config_fails_an_implicit_any(tmp_path):
    """The UI config's own options on a file with no pragma: an implicit `any` fails it."""
    unmarked = tmp_path / "unmarked.js"
    unmarked.write_text("export function g(b) { return b; }\n", "utf-8")
    config = tmp_path / "tsconfig.json"
    config.write_text(json.dumps({"extends": UI.as_posix(), "include": [],
                                  "files": [unmarked.as_posix()]}), "utf-8")
    r = tsc(config)
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert re.search(r"unmarked\.js.*TS7006", out), out
