"""Stored timelines on disk: retention (keep the newest N, those younger than D days), and
pruning that only ever deletes what Promptcut wrote. Real folders, no server."""

from __future__ import annotations

import json
import time
from dataclasses import replace

import pytest

from bridge.config import Settings
from bridge.errors import NotFound
from bridge.library import timeline_store
from otio_export import Cut, Entry, WriteOptions

CUT = Cut(name="kept", fps=24, entries=[Entry(media_path="/m/a.mp4", duration=12)])


def make(settings: Settings, age_days: float = 0) -> str:
    meta = timeline_store.create(settings, CUT, ["otio", "edl"], WriteOptions())
    if age_days:
        path = settings.timelines_dir / meta.id / "timeline.json"
        data = json.loads(path.read_text("utf-8"))
        data["created_at"] = time.time() - age_days * 86400
        path.write_text(json.dumps(data), "utf-8")
    return meta.id


@pytest.fixture
def settings(tmp_path):
    return Settings(data_dir=tmp_path / "data é", timelines_keep=None,
                    timelines_max_age_days=None)


def test_keep_the_newest(settings):
    ids = [make(settings, age_days=4 - i) for i in range(4)]  # oldest first
    foreign = settings.timelines_dir / "tl_0123456789abcdef"  # no timeline.json: not ours
    foreign.mkdir()
    (foreign / "x.otio").write_text("someone else's")
    (settings.timelines_dir / "cut.otio").write_text("loose")
    stray = settings.timelines_dir / ids[0] / "my notes.txt"
    stray.write_text("mine")
    gone = timeline_store.prune(replace(settings, timelines_keep=2))
    assert sorted(gone) == sorted(ids[:2])
    left = sorted(p.name for p in settings.timelines_dir.iterdir())
    assert left == sorted([*ids[2:], "tl_0123456789abcdef", "cut.otio",
                           f".{ids[0]}.deleting"])
    assert not stray.exists()  # moved with its folder, and kept there: only the files a
    assert (settings.timelines_dir / f".{ids[0]}.deleting" / "my notes.txt").read_text() == \
        "mine"  # description lists are deleted
    assert (foreign / "x.otio").read_text() == "someone else's"


def test_keep_the_young_and_apply_on_every_write(settings):
    old, young = make(settings, age_days=40), make(settings, age_days=1)
    aged = replace(settings, timelines_max_age_days=30)
    new = make(aged)  # storing a timeline applies the settings
    assert sorted(p.name for p in aged.timelines_dir.iterdir()) == sorted([young, new])
    with pytest.raises(NotFound):
        timeline_store.load(aged, old)


def test_a_delete_cut_short_is_finished(settings):
    first = make(settings)
    folder = settings.timelines_dir / first
    doomed = settings.timelines_dir / f".{first}.deleting"
    folder.rename(doomed)  # as a crash right after the first step of a delete leaves it
    timeline_store.prune(settings)
    assert not doomed.exists()


def test_a_failed_write_leaves_nothing(settings):
    bad = Cut(fps=24, entries=[Entry(media_path="/m/missing.mp4", duration=5)])
    with pytest.raises(Exception):  # noqa: B017 (any failure: the point is what is left)
        timeline_store.create(settings, bad, ["otio", "otioz"], WriteOptions())
    assert list(settings.timelines_dir.iterdir()) == []


def test_retention_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("PROMPTCUT_TIMELINES_KEEP", "none")
    monkeypatch.setenv("PROMPTCUT_TIMELINES_MAX_AGE_DAYS", "7.5")
    s = Settings(data_dir=tmp_path)
    assert (s.timelines_keep, s.timelines_max_age_days) == (None, 7.5)
    monkeypatch.delenv("PROMPTCUT_TIMELINES_KEEP")
    assert Settings(data_dir=tmp_path).timelines_keep == 500
