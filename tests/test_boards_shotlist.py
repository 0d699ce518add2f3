"""Shot lists in every format an editor has one in, good and bad, and CSV out."""

from __future__ import annotations

import json

import pytest

from bridge.boards.records import Duration
from bridge.boards.shotlist import ShotListError, parse, parse_duration, to_csv

CSV = (
    "Shot,Prompt,Negative,Duration,Takes,Seed,Camera,Notes\r\n"
    'Intro,"a lighthouse at dusk, slow push in",blurry,4.5s,8,42,"35mm, dolly",opening\r\n'
    "Chorus,neon rain on a crowd,,2 bars,,,,\r\n"
    "Verse,\"quotes \"\"inside\"\" é 東京\",,96f,12,,handheld,\r\n"
)


def test_csv_with_every_column_and_an_unknown_one():
    specs = parse(CSV.encode("utf-8-sig"), "shots.csv")
    assert [s.label for s in specs] == ["Intro", "Chorus", "Verse"]
    first = specs[0]
    assert first.prompt == "a lighthouse at dusk, slow push in"
    assert first.negative_prompt == "blurry"
    assert first.duration == Duration(4.5, "s")
    assert (first.takes, first.seed) == (8, 42)
    # The unknown column is kept, in the notes and by name
    assert first.extra == {"Camera": "35mm, dolly"}
    assert first.notes == "opening\nCamera: 35mm, dolly"
    assert specs[1].duration == Duration(2, "bars")
    assert specs[2].prompt == 'quotes "inside" é 東京'
    assert specs[2].duration == Duration(96, "frames")


def test_tsv_markdown_and_json_read_the_same_rows():
    tsv = "shot\tprompt\tbars\nA\tfirst\t2\nB\tsecond\t4\n"
    md = ("| shot | prompt | bars |\n|------|:------:|-----:|\n| A | first | 2 |\n"
          "| B | second \\| pipe | 4 |\n")
    js = json.dumps({"shots": [{"shot": "A", "prompt": "first", "bars": 2},
                               {"label": "B", "prompt": "second", "bars": 4}]})
    for data, name in ((tsv, "s.tsv"), (md, "s.md"), (js, "s.json"), (tsv, ""), (md, ""),
                       (js, "")):
        specs = parse(data, name)
        assert [s.label for s in specs] == ["A", "B"], name
        assert [s.duration for s in specs] == [Duration(2, "bars"), Duration(4, "bars")]
    assert parse(md, "s.md")[1].prompt == "second | pipe"


@pytest.mark.parametrize(("text", "row", "column"), [
    ("shot,prompt,duration\nA,x,soon\n", 1, "duration"),
    ("shot,prompt,duration\nA,x,4\nB,y,-2\n", 2, "duration"),
    ("shot,prompt,takes\nA,x,2.5\n", 1, "takes"),
    ("shot,prompt,takes\nA,x,65\n", 1, "takes"),
    ("shot,prompt,seed\nA,x,seven\n", 1, "seed"),
    ("shot,prompt,duration,bars\nA,x,4,2\n", 1, "bars"),
    ("shot,prompt,duration\nA,x,2.5f\n", 1, "duration"),
    ('[{"shot": "A", "takes": true}]', 1, "takes"),
    ('[{"shot": "A"}, 3]', 2, None),
    ("shot,prompt\nA,x,extra cell\n", 1, None),
])
def test_a_bad_cell_names_its_row_and_column(text, row, column):
    with pytest.raises(ShotListError) as caught:
        parse(text)
    err = caught.value
    assert (err.row, err.column) == (row, column)
    assert f"Row {row}" in err.message
    assert err.field == f"rows[{row}]" + (f".{column}" if column else "")


@pytest.mark.parametrize("text", ["", "just some words\nno header here\n", "[1, 2",
                                  "shot,prompt\n", b"\xff\xfe\x00s\x00h"])
def test_files_that_are_no_shot_list(text):
    with pytest.raises(ShotListError) as caught:
        parse(text)
    assert caught.value.field == "file"


def test_durations_as_editors_write_them():
    assert parse_duration("4") == Duration(4, "s")
    assert parse_duration("0:04.5") == Duration(4.5, "s")
    assert parse_duration("1:00:02") == Duration(3602, "s")
    assert parse_duration("3,5 s") == Duration(3.5, "s")
    assert parse_duration("8 Beats") == Duration(8, "beats")
    assert parse_duration({"value": 2, "unit": "bars"}) == Duration(2, "bars")
    assert parse_duration(12) == Duration(12, "s")


def test_csv_out_reads_back_the_same():
    specs = parse(CSV, "shots.csv")
    shots = [{"label": s.label, "prompt": s.prompt, "negative_prompt": s.negative_prompt,
              "duration": s.duration.to_dict(), "overrides": {"seed": s.seed} if s.seed else {},
              "takes_target": s.takes or 12, "notes": s.notes} for s in specs]
    shots[0]["duration"] = Duration(4.5, "s")
    shots[1]["duration"] = Duration(2, "bars")
    shots[2]["duration"] = Duration(96, "frames")
    again = parse(to_csv(shots), "out.csv")
    assert [(s.label, s.prompt, s.duration, s.seed) for s in again] == [
        (s.label, s.prompt, s.duration, s.seed) for s in specs]
    assert again[0].notes == specs[0].notes
