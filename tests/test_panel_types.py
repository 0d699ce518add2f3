"""The panel's TypeScript types are generated from the bridge's OpenAPI document, and the
bridge client is checked against them under `tsc --strict`: a field renamed in the bridge
fails the panel's build. Skipped with the reason when Node or openapi-typescript is absent."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from bridge.api.openapi import bare_document

PANEL = Path(__file__).resolve().parents[1] / "panel"
SCHEMA = PANEL / "src" / "bridge" / "schema.d.ts"


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
