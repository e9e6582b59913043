"""The endless-loops benchmark: which students loop, and a small real run."""
from autograder import grade as grade_command
from autograder.bench import grading, tail


def test_every_twentieth_student_is_replaced_by_the_looping_sample(tmp_path):
    plain = grading.generate(tmp_path / "plain", 45)
    looping, replaced = tail.with_loops(plain, tmp_path / "looping", 5)
    assert replaced == ["student-0020", "student-0040"]
    endless = "while True:\n        pass"
    for student in sorted(p.name for p in looping.iterdir()):
        text = (looping / student / "cs231n_style" / "layers.py").read_text()
        assert (endless in text) == (student in replaced), student
        assert endless not in (plain / student / "cs231n_style" / "layers.py").read_text()


def test_a_small_run_reports_the_ratio_and_the_other_students_scores(capsys, monkeypatch):
    def grade_with_short_limits(submissions, out, jobs, scheduler=None):  # the loop is cut sooner than by default
        grade_command.grade(submissions, out, jobs=jobs, progress=False, cell_timeout=10, check_timeout=8)

    monkeypatch.setattr(tail, "grade_with_project", grade_with_short_limits)
    assert tail.main(["--n", "2", "--loops", "50", "--jobs", "2"]) == 0
    out = capsys.readouterr().out
    assert "with   1 of 2" in out and "x\n" in out
    assert "scores: identical for the other 1 students" in out


def test_a_percentage_out_of_range_is_refused(capsys):
    assert tail.main(["--loops", "0"]) == 2
    assert "--loops: expected a percentage above 0 and at most 50, got 0" in capsys.readouterr().err
