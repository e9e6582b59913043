"""`make demo` end to end: every sample submission graded as its catalog entry expects."""
import csv
import json
from pathlib import Path

import pytest

from autograder.samples import SAMPLES

ROOT = Path(__file__).resolve().parent.parent
GRADED = [s for s in SAMPLES if not s.expect.refused]  # the others are refused before anything of them runs


@pytest.fixture(scope="module")
def demo(demo_run):
    return demo_run  # conftest.py: one demo run, shared with tests/test_cluster.py


def test_demo_grades_every_sample_as_expected(demo):
    out, run = demo
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-4000:]
    assert f"{len(SAMPLES)} of {len(SAMPLES)} samples graded as expected" in run.stdout
    assert "Reference formulas: 28 gradient checks" in run.stdout


def test_grades_csv_has_a_row_for_every_sample(demo):
    out, _ = demo
    with (out / "course" / "grades.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert [r["student_id"] for r in rows] == sorted(s.name for s in SAMPLES)
    assert list(rows[0])[:4] == ["student_id", "score", "max_score", "diagnosis"]
    assert "nbgrader_raw_score" in rows[0]
    for row in rows:
        assert row["max_score"] == "100" and row["diagnosis"]
        report = json.loads((out / "course" / "reports" / f"{row['student_id']}.json").read_text())
        assert float(row["score"]) == report["score"] == pytest.approx(sum(t["points"] or 0 for t in report["tests"]),
                                                                       abs=0.05)


def test_feedback_exists_and_hides_the_hidden_tests(demo):
    out, _ = demo
    assert sorted(p.name for p in (out / "course" / "feedback").iterdir()) == sorted(s.name for s in GRADED)
    for sample in GRADED:
        html = out / "course" / "feedback" / sample.name / "batchnorm_backward" / "batchnorm_backward.html"
        assert html.is_file(), sample.name
        text = html.read_text()
        assert "graded_outside" not in text and "BEGIN HIDDEN TESTS" not in text
        assert "Autograder:" in text


def test_gradebook_is_complete_and_consistent(demo):
    from nbgrader.api import Gradebook

    out, _ = demo
    with Gradebook(f"sqlite:///{out / 'course' / 'gradebook.db'}", "batchnorm-backward") as gradebook:
        assert sorted(s.id for s in gradebook.students) == sorted(s.name for s in SAMPLES)
        counts = set()
        for sample in GRADED:
            submission = gradebook.find_submission("batchnorm_backward", sample.name)
            grades = [g for nb in submission.notebooks for g in nb.grades]
            counts.add(len(grades))
            assert all(g.auto_score is None or 0 <= g.auto_score <= g.max_score for g in grades)
        assert counts == {21}  # 17 tests and 4 inline answers, for every student


def test_parallel_workers_leave_the_sqlite_gradebook_intact(demo):
    import sqlite3

    out, _ = demo
    with sqlite3.connect(out / "course" / "gradebook.db") as db:
        assert db.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    workers = sorted(p.name for p in (out / "course" / "logs").glob("worker-*.log"))
    assert workers == ["worker-1.log", "worker-2.log"]  # both workers graded
    graded = [line.split(":")[0] for w in workers for line in (out / "course" / "logs" / w).read_text().splitlines()
              if line.split(":")[0] in {s.name for s in SAMPLES}]
    assert sorted(graded) == sorted(s.name for s in GRADED)  # each sample once, by one of the workers


def test_a_flood_of_output_is_capped(demo):
    out, _ = demo
    for notebook in (out / "course" / "autograded").glob("*/batchnorm_backward/batchnorm_backward.ipynb"):
        assert notebook.stat().st_size < 3_000_000, notebook  # output and widget-state floods alike
    notebook = out / "course" / "autograded" / "huge_output" / "batchnorm_backward" / "batchnorm_backward.ipynb"
    assert notebook.stat().st_size < 3_000_000  # 20 MB printed at import
    assert "dropped by the autograder" in notebook.read_text()


def test_no_link_of_a_submission_is_followed(demo):
    out, _ = demo
    course = out / "course"
    for path in course.rglob("*"):
        assert not path.is_symlink(), path
    for sample in ("links_to_solution", "links_to_other_student", "links_notebook", "hard_link_from_outside"):
        assert not (course / "submitted" / sample).exists() and not (course / "autograded" / sample).exists()
    # the link to a root-only file: neither its target's content nor a copy of it reaches the feedback
    secret = course / "feedback" / "links_secret_file" / "batchnorm_backward" / "cs231n_style" / "notes.txt"
    assert not secret.exists() and not (course / "autograded" / "links_secret_file" / "batchnorm_backward"
                                        / "cs231n_style" / "notes.txt").exists()
    report = json.loads((course / "reports" / "links_secret_file.json").read_text())
    assert report["refused"] == ["cs231n_style/notes.txt: a symbolic link, and only regular files and folders are graded"]


def test_no_script_of_a_student_reaches_the_feedback_or_the_autograded_notebook(demo):
    import nbformat

    from autograder.samples.catalog import SCRIPT_MARK

    out, _ = demo
    run = f"document.title = '{SCRIPT_MARK}'"
    course = out / "course"
    html = (course / "feedback" / "scripts_in_outputs" / "batchnorm_backward" / "batchnorm_backward.html").read_text()
    assert f"<script>{run}" not in html and '<img src="x" onerror' not in html  # markup, not text: none
    assert f"&lt;script&gt;{run}" in html  # shown as text: the markdown cell and the HTML output
    nb = nbformat.read(course / "autograded" / "scripts_in_outputs" / "batchnorm_backward" / "batchnorm_backward.ipynb",
                       as_version=4)
    outputs = [o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not any("application/javascript" in o.get("data", {}) for o in outputs)
    assert not any("<script" in o.get("data", {}).get("text/html", "") for o in outputs)
    assert not any("<script" in cell.source for cell in nb.cells if cell.cell_type == "markdown")
