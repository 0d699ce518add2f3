"""The layering rule of docs/architecture.md, checked on the source: imports point down.

The bottom modules import nothing of the bridge above them; generators do not import the
engine; the library imports neither the engine's queue nor the generators' presets. The few
upward imports still there are listed by name, so a new one fails here and an old one that
goes away must be struck off the list."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BOTTOM = ("bridge/request.py", "bridge/conditions.py", "bridge/finals/records.py",
          "bridge/looks/records.py", "bridge/text.py", "bridge/errors.py")
# (importing file, imported module): upward imports that are known and due to move.
KNOWN: set[tuple[str, str]] = set()


def imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            out.add(node.module)
    return out


def upward(files: list[Path], forbidden: tuple[str, ...]) -> set[tuple[str, str]]:
    found = set()
    for path in files:
        rel = path.relative_to(ROOT).as_posix()
        for module in imports(path):
            if module.startswith(forbidden):
                found.add((rel, module))
    return found


def test_imports_point_down():
    allowed = tuple(p.removesuffix(".py").replace("/", ".") for p in BOTTOM)
    bottom = {(f, m) for f, m in upward([ROOT / p for p in BOTTOM], ("bridge.",))
              if m not in allowed}
    assert bottom == set(), "the bottom modules import only the bottom"
    generators = upward(sorted((ROOT / "bridge/generators").rglob("*.py")), ("bridge.engine",))
    assert generators == set()
    library = upward(sorted((ROOT / "bridge/library").rglob("*.py")),
                     ("bridge.engine.queue", "bridge.engine.events", "bridge.engine.slots",
                      "bridge.engine.executors", "bridge.generators.presets", "bridge.api"))
    assert library == KNOWN, "a new upward import, or a known one gone: update KNOWN"
