"""The grading-throughput benchmark: generated classes, score comparison, and a small real run."""
import pytest

from autograder.bench import grading
from autograder.samples import SAMPLES


def test_generated_class_follows_the_mix(tmp_path):
    cycle = sum(weight for _, weight in grading.MIX)
    folder = grading.generate(tmp_path / "class", cycle + 2)
    students = sorted(p.name for p in folder.iterdir())
    assert students[0] == "student-0001" and students[-1] == f"student-{cycle + 2:04d}" and len(students) == cycle + 2
    names = {s.name for s in SAMPLES}
    assert all(name in names for name, _ in grading.MIX)
    reference = (folder / "student-0001" / "cs231n_style" / "layers.py").read_text()
    assert (folder / "student-0004" / "cs231n_style" / "layers.py").read_text() == reference  # weight 4
    assert (folder / "student-0005" / "cs231n_style" / "layers.py").read_text() != reference
    assert (folder / f"student-{cycle + 1:04d}" / "cs231n_style" / "layers.py").read_text() == reference  # restarts


def test_differences_name_each_changed_score():
    a = {"s1": {"t1": 1.0, "t2": 0.0}, "s2": {"t1": 1.0}}
    b = {"s1": {"t1": 1.0, "t2": 2.0}, "s2": {"t1": 1.0}, "s3": {"t1": 0.0}}
    assert grading.differences(a, b) == ["s1 t2: sequential 0.0, project 2.0", "s3 t1: sequential None, project 0.0"]
    assert grading.differences(a, a) == []


def test_a_small_run_grades_both_ways_with_identical_scores(tmp_path, capsys):
    assert grading.main(["--n", "2", "--jobs", "2", "--keep", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert "sequential nbgrader" in out and "python -m autograder grade" in out
    assert "scores: identical both ways for all 2 submissions (21 graded cells each)" in out
    for way in ("sequential-1", "project-1"):
        assert (tmp_path / "run" / way / "grades.csv").is_file()


def test_a_small_run_on_a_running_cluster_reports_dasks_overhead(tmp_path, capsys, dask_cluster):
    # The loopback cluster of --dask alone is LoopbackCluster, which test_cluster.py's shared one is as well.
    assert grading.main(["--n", "2", "--jobs", "2", "--dask", "--scheduler", dask_cluster.address,
                         "--keep", str(tmp_path / "run")]) == 0
    out = capsys.readouterr().out
    assert f"(2 Dask workers, {dask_cluster.address})" in out and "Dask's overhead: " in out
    assert "scores: identical both ways for all 2 submissions" in out
    for way in ("local-1", "dask-1"):
        assert (tmp_path / "run" / way / "grades.csv").is_file()


def test_scheduler_without_dask_is_refused(capsys):
    with pytest.raises(SystemExit):
        grading.main(["--scheduler", "tcp://127.0.0.1:8786"])
    assert "--scheduler: compares against a cluster, so it needs --dask" in capsys.readouterr().err
