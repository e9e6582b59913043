"""A PostgreSQL gradebook (--db-url), filled by two grading processes that share nothing but the database."""
import csv
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from postgres import postgres_server

from autograder.grade import in_shard, parse_shard
from autograder.samples import SAMPLES, write_submissions
from autograder.samples.verify import problems
from autograder.isolation.sandbox import groups_available, isolation_available
from autograder.course import CourseError

ROOT = Path(__file__).resolve().parent.parent
SHARDED = ("correct_reference", "gamma_missing", "sign_error", "stubs")


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


def test_two_processes_grade_disjoint_shards_into_one_postgresql_gradebook(tmp_path, server, monkeypatch):
    from nbgrader.api import Gradebook

    create, pgpass = server
    url = create("course")
    monkeypatch.setenv("PGPASSFILE", str(pgpass))
    samples = [s for s in SAMPLES if s.name in SHARDED]
    submissions = write_submissions(tmp_path / "submissions", samples)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    processes = [subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(submissions),
                                   "--out", str(tmp_path / f"machine{k}"), "--db-url", url, "--shard", f"{k}/2",
                                   "--jobs", "1", "--cell-timeout", "20", "--check-timeout", "15"],
                                  env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
                 for k in (1, 2)]
    outputs = [p.communicate(timeout=900)[0] for p in processes]
    assert [p.returncode for p in processes] == [0, 0], "\n".join(outputs)

    graded = []
    for k in (1, 2):
        with (tmp_path / f"machine{k}" / "grades.csv").open() as f:
            graded.append([row["student_id"] for row in csv.DictReader(f)])
        assert not (tmp_path / f"machine{k}" / "gradebook.db").exists()  # nothing went to SQLite
    assert sorted(graded[0] + graded[1]) == sorted(SHARDED) and not set(graded[0]) & set(graded[1])

    with Gradebook(url, "batchnorm-backward") as gradebook:
        in_database = {s.student.id: s.score for s in gradebook.assignment_submissions("batchnorm_backward")}
    assert sorted(in_database) == sorted(SHARDED)
    for sample in samples:
        machine = 1 if sample.name in graded[0] else 2
        report = json.loads((tmp_path / f"machine{machine}" / "reports" / f"{sample.name}.json").read_text())
        assert in_database[sample.name] == pytest.approx(report["score"])
        with (tmp_path / f"machine{machine}" / "grades.csv").open() as f:
            diagnosis = next(r for r in csv.DictReader(f) if r["student_id"] == sample.name)["diagnosis"]
        assert not problems(sample, report, diagnosis, isolation_available(), groups_available()), sample.name


def test_a_password_in_the_url_is_refused(tmp_path):
    run = subprocess.run([sys.executable, "-m", "autograder", "grade", str(tmp_path), "--out", str(tmp_path / "out"),
                          "--db-url", "postgresql://grader:s3cret@127.0.0.1/course"], cwd=ROOT, capture_output=True,
                         text=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert run.returncode == 2 and "--db-url: leave the password out" in run.stderr and "PGPASSFILE" in run.stderr
    assert "s3cret" not in run.stderr


def test_shards_split_the_class_without_overlap():
    names = [f"s{i}" for i in range(7)]
    shards = [in_shard(names, (k, 3)) for k in (1, 2, 3)]
    assert sorted(sum(shards, [])) == sorted(names)
    assert [len(s) for s in shards] == [3, 2, 2]
    assert in_shard(names, (1, 1)) == sorted(names)


@pytest.mark.parametrize("text", ["0/2", "3/2", "1", "a/b", "1/0", ""])
def test_bad_shard_is_named(text):
    with pytest.raises(CourseError, match="^--shard: "):
        parse_shard(text)


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
