"""The panel's TypeScript types are generated from the bridge's OpenAPI document, and the
bridge client is checked against them under `tsc --strict`: a field renamed in the bridge
fails the panel's build. Every panel file is either in the strict list
(panel/tsconfig.strict.json) or named below as not strict yet, so no new file slips in
unchecked. Skipped with the reason when Node or openapi-typescript is absent."""

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
STRICT = PANEL / "tsconfig.strict.json"

# The panel files not in the strict list yet (issue 18), each with why: its owner is
# rewriting it this round and converts it, or it waits on one. Strict errors counted with
# every file checked under strict. A file leaves this list when it joins tsconfig.strict.json;
# when the list is empty, tsconfig.ui.json turns strict and the strict list goes.
NOT_YET_STRICT = {
    "src/ui/generate.js": "9 strict errors; rewritten in the Direct work",
}


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


def strict_files() -> list[str]:
    """The `files` of tsconfig.strict.json (JSON with // comment lines, as tsc reads it)."""
    text = "\n".join(line for line in STRICT.read_text("utf-8").splitlines()
                     if not line.strip().startswith("//"))
    return json.loads(text)["files"]


def test_every_panel_file_is_strict_or_named_as_not_yet():
    """A file under panel/src is in the strict list or in NOT_YET_STRICT (not both), and each
    listed .js file starts with `// @ts-check`: the strict config leaves checkJs off (so the
    not-yet-strict files a strict one imports are read, not checked), and a file without the
    pragma would be listed yet never checked."""
    listed = strict_files()
    assert len(listed) == len(set(listed)), "a file is listed twice"
    missing = [f for f in listed if not (PANEL / f).is_file()]
    assert not missing, f"tsconfig.strict.json lists files that do not exist: {missing}"
    panel_files = sorted(p.relative_to(PANEL).as_posix() for p in (PANEL / "src").rglob("*")
                         if p.is_file() and p.name.endswith((".js", ".d.ts")))
    both = [f for f in panel_files if f in listed and f in NOT_YET_STRICT]
    assert not both, f"strict now: take these out of NOT_YET_STRICT: {both}"
    unchecked = [f for f in panel_files if f not in listed and f not in NOT_YET_STRICT]
    assert not unchecked, (f"add these to panel/tsconfig.strict.json (or, with a reason, to "
                           f"NOT_YET_STRICT): {unchecked}")
    stale = [f for f in NOT_YET_STRICT if f not in panel_files]
    assert not stale, f"NOT_YET_STRICT names files that are gone: {stale}"
    no_pragma = [f for f in listed if f.endswith(".js")
                 and not (PANEL / f).read_text("utf-8").startswith("// @ts-check")]
    assert not no_pragma, f"start these with `// @ts-check` (else unchecked): {no_pragma}"


def test_the_strict_list_passes_tsc_strict():
    r = tsc(STRICT)
    assert r.returncode == 0, r.stdout + r.stderr


def test_the_strict_config_is_strict_for_files_with_the_pragma(tmp_path):
    """The strict config's options, on one file with `// @ts-check` and one without: an
    implicit `any` fails the first (strict and noImplicitAny are on); the second is not
    checked at all, which is why the pragma is required above."""
    checked = tmp_path / "checked.js"
    checked.write_text("// @ts-check\nexport function f(a) { return a; }\n", "utf-8")
    unmarked = tmp_path / "unmarked.js"
    unmarked.write_text("export function g(b) { return b; }\n", "utf-8")
    config = tmp_path / "tsconfig.json"
    config.write_text(json.dumps({"extends": STRICT.as_posix(),
                                  "files": [checked.as_posix(), unmarked.as_posix()]}), "utf-8")
    r = tsc(config)
    out = r.stdout + r.stderr
    assert r.returncode != 0
    assert re.search(r"checked\.js.*TS7006", out), out
    assert "unmarked.js" not in out, out
