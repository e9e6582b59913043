"""A PostgreSQL gradebook (--db-url): password authentication, and a class graded on a Dask cluster into it."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from postgres import postgres_server

from autograder import grade as grading
from autograder.samples import SAMPLES, write_submissions
from autograder.samples.verify import problems
from autograder.isolation.sandbox import groups_available, isolation_available
from autograder.course import CourseError
from autograder.facts import ASSIGNMENT, COURSE_ID

ROOT = Path(__file__).resolve().parent.parent
GRADED = ("correct_reference", "gamma_missing", "sign_error", "stubs")


@pytest.fixture(scope="module")
def server():
    with postgres_server() as (create, pgpass):
        yield create, pgpass


def test_the_server_asks_for_the_password(server):
    from nbgrader.api import Gradebook

    create, pgpass = server
    url = create("no_password")
    with pytest.raises(Exception, match="password"):
        with Gradebook(url, "batchnorm-backward"):
            pass


def test_a_class_graded_on_a_dask_cluster_fills_the_postgresql_gradebook(tmp_path, server, dask_cluster, monkeypatch):
    from nbgrader.api import Gradebook

    create, pgpass = server
    url = create("course")
    monkeypatch.setenv("PGPASSFILE", str(pgpass))  # the instructor's process alone writes the gradebook
    samples = [s for s in SAMPLES if s.name in GRADED]
    submissions = write_submissions(tmp_path / "submissions", samples)
    out = tmp_path / "out"
    # tests/conftest.py's cluster: its workers already set up for these timeouts, where tests/test_cluster.py ran
    grading.grade(submissions, out, db_url=url, progress=False, scheduler=dask_cluster.address,
                  cell_timeout=20, check_timeout=15)
    assert not (out / "gradebook.db").exists()  # nothing went to SQLite

    with Gradebook(url, COURSE_ID) as gradebook:
        in_database = {s.student.id: s.score for s in gradebook.assignment_submissions(ASSIGNMENT)}
    assert sorted(in_database) == sorted(GRADED)
    with (out / "grades.csv").open() as f:
        rows = {row["student_id"]: row for row in csv.DictReader(f)}
    for sample in samples:
        report = json.loads((out / "reports" / f"{sample.name}.json").read_text())
        assert in_database[sample.name] == pytest.approx(report["score"]) == pytest.approx(
            float(rows[sample.name]["score"]))
        assert not problems(sample, report, rows[sample.name]["diagnosis"], isolation_available(),
                            groups_available()), sample.name


def test_a_password_in_the_url_is_refused(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path), "--out", str(tmp_path / "out"),
                          "--db-url", "postgresql://grader:s3cret@127.0.0.1/course"], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and "--db-url: leave the password out" in run.stderr and "PGPASSFILE" in run.stderr
    assert "s3cret" not in run.stderr


@pytest.mark.parametrize("error, tries", [
    ("psycopg.errors.ForeignKeyViolation: ... still referenced from table \"source_cell\"", 2),
    ("psycopg.errors.UniqueViolation: duplicate key value", 2),
    ("nbgrader.api.InvalidEntry: a cell has no grade_id", 1),  # not a race: said at once
])
def test_setting_up_the_gradebook_tries_again_only_after_a_race(tmp_path, monkeypatch, error, tries):
    from autograder import course

    calls = []

    def nbgrader(out, *args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise CourseError(f"nbgrader {' '.join(args)} failed:\n{error}")
        return "registered"

    monkeypatch.setattr(course, "nbgrader", nbgrader)
    monkeypatch.setattr(course.time, "sleep", lambda seconds: None)
    if tries == 1:
        with pytest.raises(CourseError, match="no grade_id"):
            course.register_assignment(tmp_path)
    else:
        assert course.register_assignment(tmp_path) == "registered"
    assert len(calls) == tries
