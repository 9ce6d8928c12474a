"""Many stories in one command (`synth summarise --each`) and `synth.summarise_many`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import synth
from synth.cli import main
from synth.config import resolve_settings
from synth.many import StoryRow, stories_from_paths, summary_table
from synth.models import Report
from synth.progress import Progress
from synth.terminal import progress_line
from tests.fault_server import FaultServer
from tests.stories import write_story


def three_stories(root: Path) -> list[Path]:
    """Two readable stories and a folder with nothing synth can read."""
    write_story(root / "flood-monday", 3)
    write_story(root / "flood-tuesday", 2, start=5)
    (root / "notes").mkdir(parents=True)
    (root / "notes" / "scan.pdf").write_bytes(b"%PDF-1.4 not an article")
    return [root / "flood-monday", root / "flood-tuesday", root / "notes"]


def test_each_folder_gets_its_own_report_and_a_broken_one_stops_nothing(tmp_path, capsys):
    stories = three_stories(tmp_path / "in")
    status = main(["summarise", "--each", "-o", str(tmp_path / "out"), "-f", "json", *map(str, stories)])
    assert status == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert written == ["flood-monday.json", "flood-tuesday.json"]
    monday = json.loads((tmp_path / "out" / "flood-monday.json").read_text())
    tuesday = json.loads((tmp_path / "out" / "flood-tuesday.json").read_text())
    assert len(monday["sources"]) == 3 and len(tuesday["sources"]) == 2
    err = capsys.readouterr().err.splitlines()
    assert any(line.startswith("synth: notes: no article could be read") for line in err)
    table = [line for line in err if line.startswith("synth: ") and "  " in line]
    assert table[0].split()[1:4] == ["story", "sources", "claims"]
    assert table[1].startswith("synth: flood-monday ") and "wrote " in table[1]
    assert table[3].startswith("synth: notes ") and "no report: no article could be read" in table[3]
    assert table[4].startswith("synth: 2 of 3 stories")


def test_the_format_defaults_to_markdown_and_the_folder_is_made(tmp_path, capsys):
    write_story(tmp_path / "in" / "flood", 2)
    assert (
        main(["summarise", "--each", "--out", str(tmp_path / "reports"), str(tmp_path / "in" / "flood")]) == 0
    )
    assert (tmp_path / "reports" / "flood.md").read_text().startswith("# Fact sheet")


def test_no_story_with_a_report_exits_1(tmp_path, capsys):
    (tmp_path / "empty").mkdir()
    assert main(["summarise", "--each", "-o", str(tmp_path / "out"), str(tmp_path / "empty")]) == 1
    assert list((tmp_path / "out").iterdir()) == []
    assert "synth: 0 of 1 stories" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, error",
    [
        (["--each", "{story}"], "--each needs --out FOLDER"),
        (["--each", "-o", "{out}", "{file}"], "--each takes one folder per story"),
        (["--each", "-o", "{out}", "-"], "--each takes one folder per story: - is not a folder"),
        (["--each", "-o", "{file}", "{story}"], "is a file; with --each it names a folder"),
        (["--each", "-o", "{missing}/out", "{story}"], "does not exist"),
    ],
)
def test_each_usage_errors_are_one_line_before_any_work(args, error, tmp_path, capsys):
    [article] = write_story(tmp_path / "story", 1)
    names = {
        "story": str(tmp_path / "story"),
        "out": str(tmp_path / "out"),
        "file": str(article),
        "missing": str(tmp_path / "missing"),
    }
    assert main(["summarise", *(a.format(**names) for a in args)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0].startswith("usage: ") and error in err[1]
    assert not (tmp_path / "out").exists()


def test_two_folders_of_one_name_get_two_reports(tmp_path):
    write_story(tmp_path / "a" / "flood", 1)
    write_story(tmp_path / "b" / "flood", 1)
    write_story(tmp_path / "c" / "Flood", 1)
    names = [
        s.name
        for s in stories_from_paths(
            [tmp_path / "a" / "flood", tmp_path / "b" / "flood", tmp_path / "c" / "Flood"]
        )
    ]
    assert names == ["flood", "flood-2", "Flood-3"]


def test_summarise_many_returns_reports_by_story_and_why_the_others_have_none(tmp_path):
    stories = three_stories(tmp_path)
    heard: list[Progress] = []
    reports = synth.summarise_many(stories, offline=True, progress=heard.append)
    assert list(reports) == ["flood-monday", "flood-tuesday"]
    assert all(isinstance(r, Report) for r in reports.values())
    assert reports.names == ["flood-monday", "flood-tuesday", "notes"]
    assert reports.failures["notes"].startswith("no article could be read")
    # One line for the whole run: every report is of the stories stage, and it ends done.
    assert {p.stage for p in heard} == {"stories"}
    assert heard[-1] == Progress("stories", 3, 3)
    assert any(p.item == "flood-tuesday: extracting 2/2 articles" and p.done == 1 for p in heard)


def test_with_a_model_a_story_the_server_refuses_does_not_stop_the_next(tmp_path):
    write_story(tmp_path / "first", 2)
    write_story(tmp_path / "second", 2, start=4)
    with FaultServer() as server:
        server.enqueue("401")  # the first story's first request
        settings = resolve_settings(
            {},
            model="fault-model",
            base_url=server.base_url,
            api_key="sk-many-stories-key-0001",
            cache_dir=tmp_path / "cache",
            reconcile="rules",
        )
        reports = synth.summarise_many([tmp_path / "first", tmp_path / "second"], settings=settings)
    assert list(reports) == ["second"]
    assert "the API key was refused" in reports.failures["first"]
    assert reports["second"].usage.requests == 2 and len(reports["second"].claims) > 0


def test_the_run_line_keeps_its_counts_and_cuts_what_runs_now():
    line = progress_line(
        Progress("stories", 2, 6, 3, item="a-very-long-story-name-" * 5 + ": extracting 1/5 articles"),
        seconds=12,
        inputs="",
        width=80,
    )
    assert line.startswith("synth: stories [####........] 2/6, a-very-long-sto…, 3 requests")
    assert line.endswith(" in flight, 12 s") and len(line) <= 79


def test_the_table_has_a_row_per_story_and_a_total():
    report = Report()
    report.usage.requests, report.usage.estimated_cost_usd = 4, 0.01
    lines = summary_table(
        [
            StoryRow("one", report, "wrote out/one.md"),
            StoryRow("two", None, "no report: no article could be read"),
        ]
    )
    assert lines[1].split() == ["one", "0", "0", "0", "4", "$0.0100", "wrote", "out/one.md"]
    assert lines[2].split()[:3] == ["two", "-", "-"]
    assert lines[3].startswith("1 of 2 stories") and "$0.0100" in lines[3]
