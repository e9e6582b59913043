"""`python -m autograder check` on a working copy, and the grading command's argument errors."""
import subprocess
import sys

from notebooks import ROOT, copy_assignment

from autograder.samples.edit import replace, solution_text


def _check(folder):
    return subprocess.run([sys.executable, "-m", "autograder", "check", str(folder)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)


def test_the_solution_scores_every_automatic_point(tmp_path):
    folder = copy_assignment("release/batchnorm_backward", tmp_path, with_solution=True)
    run = _check(folder)
    assert run.returncode == 0, run.stderr
    assert "Score: 92 / 92 automatic points (and 8 points of inline answers, graded by hand)" in run.stdout
    assert run.stdout.count(" / ") == 18  # 17 tests and the total
    assert "Debugger warning" not in run.stdout + run.stderr  # ipykernel's, quieted by the sandbox's environment


def test_a_mistake_is_scored_and_named(tmp_path):
    folder = copy_assignment("release/batchnorm_backward", tmp_path)
    wrong = replace(solution_text(), " - xhat * (dxhat * xhat).mean(axis=0)", "", "batchnorm_backward_alt")
    (folder / "cs231n_style" / "layers.py").write_text(wrong)
    run = _check(folder)
    line = next(l for l in run.stdout.splitlines() if l.strip().startswith("test_backward_alt"))
    assert "0 / 4" in line and "without the path through the variance" in line
    assert "test_backward_graph" in run.stdout and "4 / 4" in run.stdout


def test_the_untouched_release_scores_zero(tmp_path):
    run = _check(copy_assignment("release/batchnorm_backward", tmp_path))
    assert "Score: 0 / 92" in run.stdout
    assert "batchnorm_forward is not implemented yet" in run.stdout


def test_a_folder_without_layers_is_an_error(tmp_path):
    run = _check(tmp_path)
    assert run.returncode == 2 and "FOLDER:" in run.stderr and "cs231n_style/layers.py" in run.stderr


def test_grade_rejects_bad_arguments(tmp_path):
    def grade(*args):
        return subprocess.run([sys.executable, "-m", "autograder", "grade", *args], cwd=ROOT, capture_output=True,
                              text=True, timeout=120)

    missing = grade(str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"))
    assert missing.returncode == 2 and "SUBMISSIONS:" in missing.stderr
    (tmp_path / "subs" / "alice").mkdir(parents=True)
    jobs = grade(str(tmp_path / "subs"), "--out", str(tmp_path / "out"), "--jobs", "0")
    assert jobs.returncode == 2 and "--jobs: expected at least 1" in jobs.stderr
    (tmp_path / "used" / "submitted").mkdir(parents=True)
    used = grade(str(tmp_path / "subs"), "--out", str(tmp_path / "used"))
    assert used.returncode == 2 and "--out:" in used.stderr


def test_folder_names_that_are_no_student_id_get_an_escaped_row(tmp_path):
    import csv
    import os

    subs = tmp_path / "subs"
    subs.mkdir()
    os.mkdir(os.path.join(os.fsencode(subs), b"bad\xffname"))
    (subs / ("x" * 250)).mkdir()
    (subs / "new\nline").mkdir()
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(subs), "--out", str(tmp_path / "out")],
                         cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr[-3000:]
    with (tmp_path / "out" / "grades.csv").open(newline="") as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    assert sorted(rows) == ["bad\\udcffname", "new\\nline", "x" * 250]
    assert all(row["score"] == "0" and "not a usable student id" in row["diagnosis"] for row in rows.values())


def test_the_notebooks_graded_cells_and_the_trusted_checks_name_the_same_tests():
    from autograder.nbgrader_cells import graded_cells
    from autograder.facts import NOTEBOOK, ROOT, SOURCE
    from autograder.trusted import CHECKS

    cells = graded_cells(ROOT / SOURCE / NOTEBOOK)
    auto = [grade_id for grade_id, _, kind in cells if kind == "auto"]
    assert sorted(auto) == sorted(CHECKS), "a graded test cell without a trusted check, or a check without its cell"
    assert all(grade_id.startswith("answer_") for grade_id, _, kind in cells if kind == "manual")
