"""`python -m autograder export`: the gradebook's grades in Canvas's, Moodle's and a plain CSV layout."""
import csv
import os
import subprocess
import sys
import time

import nbformat
import pytest

from autograder import export, grade
from autograder.facts import ASSIGNMENT, COURSE_ID, NOTEBOOK, ROOT
from autograder.samples import SAMPLES, write_submissions

NAMES = ("correct_reference", "gamma_missing", "stubs")


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    write_submissions(folder / "submissions", [s for s in SAMPLES if s.name in NAMES])
    answered = folder / "submissions" / "correct_reference" / NOTEBOOK  # its inline answers, for formgrader
    notebook = nbformat.read(answered, as_version=4)
    for cell in notebook.cells:
        if cell.cell_type == "markdown" and "YOUR ANSWER HERE" in cell.source:
            cell.source = cell.source.replace("YOUR ANSWER HERE", "Batch statistics stop being noisy as N grows.")
    nbformat.write(notebook, answered)
    grade.grade(folder / "submissions", folder / "out", jobs=2, progress=False, cell_timeout=20, check_timeout=15)
    return folder / "out"


def _rows(path):
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.reader(f))


def _scores(out):
    with (out / "grades.csv").open() as f:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(f)}


def test_the_grading_run_wrote_the_class_report(out):
    page = (out / "report.html").read_text()
    assert all(f">{student}</a>" in page for student in NAMES if student != "stubs") and "stubs" in page
    assert page.count('src="data:image/png;base64,') == 2


def test_csv_has_every_student_and_every_graded_cell(out):
    path, written, left_out, waiting = export.export(out, "csv")
    rows = _rows(path)
    header, body = rows[0], {row[0]: dict(zip(rows[0], row)) for row in rows[1:]}
    assert header[:4] == ["student_id", "score", "max_score", "awaiting_manual"]
    assert {"test_forward_train", "hidden_backward_alt"} <= set(header)
    assert sorted(body) == sorted(NAMES) and written == len(NAMES) and not left_out
    for student, score in _scores(out).items():
        assert float(body[student]["score"]) == pytest.approx(score)
        cells = [float(body[student][c]) for c in header[4:] if body[student][c]]
        assert sum(cells) == pytest.approx(score)
    answers = sum(column.startswith("answer_") for column in header)
    assert answers == 4 and waiting == answers and body["correct_reference"]["awaiting_manual"] == str(answers)
    assert body["gamma_missing"]["awaiting_manual"] == "0"  # left unanswered: nbgrader gives them 0 at once


def test_canvas_layout_with_a_roster(out, tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name,canvas_id,sis_user_id,sis_login_id,section\n"
                      "correct_reference,\"Doe, Jane\",101,S1,jdoe,A\n"
                      "gamma_missing,=HYPERLINK(\"http://x\"),102,S2,rroe,B\n")
    path, written, left_out, _ = export.export(out, "canvas", roster, column="Batch norm (77)")
    rows = _rows(path)
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section", "Batch norm (77)"]
    assert rows[1][0] == "Points Possible" and float(rows[1][5]) == 100
    body = {row[1]: row for row in rows[2:]}
    assert sorted(body) == ["101", "102"] and written == 2 and left_out == ["stubs"]
    assert body["101"][:5] == ["Doe, Jane", "101", "S1", "jdoe", "A"]
    assert float(body["101"][5]) == pytest.approx(_scores(out)["correct_reference"])
    assert body["102"][0].startswith("'=")  # a formula in the roster is text in the export


def test_moodle_layout_without_a_roster(out):
    path, _, _, _ = export.export(out, "moodle", column="Batch norm")
    rows = _rows(path)
    assert rows[0] == ["Username", "Email address", "ID number", "Batch norm"]
    assert {row[0]: float(row[3]) for row in rows[1:]} == pytest.approx(_scores(out))


def test_manual_points_are_in_the_export_once_graded(out, tmp_path):
    from nbgrader.api import Gradebook

    url = f"sqlite:///{out / 'gradebook.db'}"
    with Gradebook(url, COURSE_ID) as gradebook:
        submission = gradebook.find_submission(ASSIGNMENT, "correct_reference")
        manual = [g for nb in submission.notebooks for g in nb.grades if g.needs_manual_grade]
        before = submission.score
        # What formgrader's API does with a score the instructor enters (its GradeHandler.put)
        manual[0].manual_score, manual[0].needs_manual_grade = manual[0].max_score, False
        gradebook.db.commit()
        points, graded = manual[0].max_score, manual[0].name
    try:
        path, _, _, _ = export.export(out, "csv", output=tmp_path / "after.csv")
        rows = _rows(path)
        row = dict(zip(rows[0], next(r for r in rows if r[0] == "correct_reference")))
        assert float(row["score"]) == pytest.approx(before + points)
        assert int(row["awaiting_manual"]) == len(manual) - 1
    finally:
        with Gradebook(url, COURSE_ID) as gradebook:
            submission = gradebook.find_submission(ASSIGNMENT, "correct_reference")
            for g in submission.notebooks[0].grades:
                if g.name == graded:
                    g.manual_score, g.needs_manual_grade = None, True
            gradebook.db.commit()


@pytest.mark.parametrize("roster, message", [
    ("name,canvas_id\nJane,1\n", "--roster: expected a CSV file with a header naming student_id"),
    ("student_id\na\na\n", "--roster: student_id 'a' appears twice"),
])
def test_a_bad_roster_is_named(out, tmp_path, roster, message):
    path = tmp_path / "roster.csv"
    path.write_text(roster)
    with pytest.raises(export.ExportError, match=f"^{message}"):
        export.export(out, "canvas", path)


def test_the_command_names_a_folder_that_was_not_graded(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "export", str(tmp_path), "--format", "canvas"],
                         capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and "error: OUT: expected a folder graded by" in run.stderr


@pytest.mark.parametrize("value, shown", [("=1+1", "'=1+1"), ("@SUM(A1)", "'@SUM(A1)"), ("-3", "-3"),
                                          (91.5, "91.5"), ("jdoe", "jdoe"), ("+x", "'+x")])
def test_no_cell_is_a_formula(value, shown):
    assert export.cell(value) == shown


FORMGRADER_SHOT = ROOT / "artifacts" / "formgrader.png"


def test_a_score_entered_in_formgrader_reaches_the_export_and_the_report(out, tmp_path):
    import optional
    from browser import chromium

    lacking = chromium.missing()
    if lacking:
        optional.missing("browser test needs " + " and ".join(lacking))
    from browser.lab import Lab
    from nbgrader.api import Gradebook
    from playwright.sync_api import sync_playwright

    from autograder import class_report

    url = f"sqlite:///{out / 'gradebook.db'}"
    with Gradebook(url, COURSE_ID) as gradebook:
        notebook = gradebook.find_submission_notebook(NOTEBOOK.removesuffix(".ipynb"), ASSIGNMENT, "correct_reference")
        submission_id = notebook.id
        answer = next(g for g in notebook.grades if g.needs_manual_grade)
        answer_id, answer_max = answer.name, answer.max_score
        before = gradebook.find_submission(ASSIGNMENT, "correct_reference").score
    try:
        with Lab(out, tmp_path / "state") as lab, sync_playwright() as p:  # the server runs in OUT, as README says
            browser = p.chromium.launch(executable_path=chromium.CHROMIUM, args=chromium.ARGS, headless=True)
            try:
                # The token as a header: formgrader's own requests carry it too (no login page in between)
                page = browser.new_page(viewport={"width": 1200, "height": 900},
                                        extra_http_headers={"Authorization": f"token {lab.token}"})
                page.goto(f"{lab.url}/formgrader/submissions/{submission_id}/", wait_until="load")
                score = page.locator(f"input.score#{answer_id}")
                score.fill(f"{answer_max - 1:g}")
                score.press("Tab")  # formgrader saves on change
                deadline = time.monotonic() + 30
                while time.monotonic() < deadline:
                    if export.read_grades(url)["correct_reference"][2][answer_id] is not None:
                        break
                    page.wait_for_timeout(300)
                FORMGRADER_SHOT.parent.mkdir(exist_ok=True)
                page.screenshot(path=str(FORMGRADER_SHOT))
            finally:
                browser.close()
        path, _, _, waiting = export.export(out, "csv", output=tmp_path / "graded.csv")
        row = dict(zip(*[r for r in _rows(path) if r[0] in ("student_id", "correct_reference")]))
        assert float(row[answer_id]) == answer_max - 1
        assert float(row["score"]) == pytest.approx(before + answer_max - 1) and waiting == 3  # of the 4
        class_report.write_report(out)
        student = next(s for s in class_report.read_class(out) if s.id == "correct_reference")
        assert student.score == pytest.approx(before + answer_max - 1)
        assert next(t for t in student.tests if t["id"] == answer_id)["points"] == answer_max - 1
    finally:
        with Gradebook(url, COURSE_ID) as gradebook:
            notebook = gradebook.find_submission_notebook(NOTEBOOK.removesuffix(".ipynb"), ASSIGNMENT,
                                                          "correct_reference")
            for cell in notebook.grades:
                if cell.name == answer_id:
                    cell.manual_score, cell.needs_manual_grade = None, True
            gradebook.db.commit()
