"""`promptcut board` as an editor runs it: import a shot list and a song, generate, assemble."""

from __future__ import annotations

from pathlib import Path

import opentimelineio as otio

from tests import drums
from tests.conftest import new_data_dir
from tests.test_cli import promptcut


def test_import_generate_assemble(tmp_path):
    data = new_data_dir(tmp_path)
    shots = tmp_path / "shot list é.md"
    shots.write_text("| shot | prompt | takes |\n|---|---|---|\n| One | a red fox | 1 |\n"
                     "| Two | snow falls | 1 |\n", encoding="utf-8")
    song = drums.write(tmp_path / "song.wav", drums.pattern(120.0, 9.0)[0])
    done = promptcut("board", "import", str(shots), "--song", str(song), "--bars-per-shot",
                     "2", "--fps", "25", "--data-dir", str(data), timeout=600)
    assert done.returncode == 0, done.stderr
    head, *rows = done.stdout.splitlines()
    board_id = head.split("\t")[1]
    assert [r.split("\t")[1] for r in rows] == ["One", "Two"]  # 4 bars: 2 shots of 2 bars
    assert rows[1].split("\t")[2] == "frame 100"  # bar 3 at 4.0 s

    bad = promptcut("board", "generate", board_id, "--takes", "0", "--data-dir", str(data))
    assert bad.returncode == 2 and "takes" in bad.stderr
    gen = promptcut("board", "generate", board_id, "--model", "tiny", "--width", "32",
                    "--height", "32", "--steps", "1", "--data-dir", str(data), timeout=600)
    assert gen.returncode == 0, gen.stderr
    assert gen.stdout.count("done\t") == 2

    out = promptcut("board", "assemble", board_id, "--format", "otio,fcp7xml", "--out",
                    str(tmp_path / "cut"), "--data-dir", str(data), timeout=300)
    # Nothing picked yet: a cut of gaps only is refused, naming what to do
    assert out.returncode == 2 and "unpicked" in out.stderr
    out = promptcut("board", "assemble", board_id, "--unpicked", "best", "--format",
                    "otio,fcp7xml", "--out",
                    str(tmp_path / "cut"), "--data-dir", str(data), timeout=300)
    assert out.returncode == 0, out.stderr
    files = dict(line.split("\t") for line in out.stdout.splitlines())
    timeline = otio.adapters.read_from_file(files["otio"])
    assert [m.name for m in timeline.tracks.markers][:2] == ["One", "Two"]
    assert len(timeline.video_tracks()[0]) == 2 and timeline.audio_tracks()
    assert Path(files["fcp7xml"]).is_file()



def test_duplicate_a_board(tmp_path, capsys):
    """`promptcut board duplicate`, run in this process (bridge.cli.main): the same service
    as POST /boards/<id>/duplicate; an unknown board is said on stderr with exit code 2."""
    from bridge.cli import main

    data = new_data_dir(tmp_path)
    shots = tmp_path / "shots.csv"
    shots.write_text("shot,prompt\nOne,a red fox\nTwo,snow falls\n", encoding="utf-8")
    assert main(["board", "import", str(shots), "--name", "Fox é", "--data-dir", str(data)]) == 0
    board_id = capsys.readouterr().out.split("\t")[1]
    assert main(["board", "duplicate", board_id, "--name", "Fox B", "--data-dir",
                 str(data)]) == 0
    _, copy_id, name, count = capsys.readouterr().out.strip().split("\t")
    assert copy_id != board_id and (name, count) == ("Fox B", "2 shots")
    assert main(["board", "duplicate", "bd_nope", "--data-dir", str(data)]) == 2
    assert "bd_nope" in capsys.readouterr().err
