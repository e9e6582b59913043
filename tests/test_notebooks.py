"""The assignment notebook: the source runs clean, the release fails cleanly, the solution passes the release."""
import json
import re
import subprocess
import sys
import time

import nbformat
import pytest
from nbclient import NotebookClient
from notebooks import ROOT, SOLUTION, copy_assignment, errors, execute, grade_id, is_test, text

from autograder.facts import NOTEBOOK, RELEASE, SOURCE
from autograder.trusted.registry import CHECKS

ILLUSTRATIONS_OF_THE_STUDENTS_CODE = {"timing", "network_curves", "network_scales", "network_batch"}
HIDDEN_IDS = sorted(check_id for check_id in CHECKS if check_id.startswith("hidden_"))


def test_source_notebook_runs_top_to_bottom_with_every_test_passing(tmp_path):
    # Copied to <tmp>/source/<assignment> with the repository's autograder beside it, as in the course folder.
    folder = copy_assignment(SOURCE, tmp_path / "source")
    (tmp_path / "autograder").symlink_to(ROOT / "autograder")
    start = time.perf_counter()
    nb = execute(folder / NOTEBOOK)
    seconds = time.perf_counter() - start
    print(f"source notebook executed in {seconds:.1f} s")
    tests = [c for c in nb.cells if is_test(c)]
    assert len(tests) == len(CHECKS)
    for cell in nb.cells:
        assert not errors(cell), f"{grade_id(cell)}: {errors(cell)[0].evalue}"
    hidden = [c for c in tests if "BEGIN HIDDEN TESTS" in c.source]
    assert sorted(grade_id(c) for c in hidden) == HIDDEN_IDS
    for cell in hidden:  # in the source folder the hidden tests really run, against the reference
        assert re.search(r"(\d+) of \1 checks passed", text(cell)), grade_id(cell)


def test_release_notebook_with_stubs_reports_not_implemented_in_one_line(tmp_path):
    folder = copy_assignment(RELEASE, tmp_path)
    nb = execute(folder / NOTEBOOK)
    visible_tests = [c for c in nb.cells if is_test(c) and c.source.strip().startswith("checks.")]
    assert len(visible_tests) >= 9
    # the cells that time or train with the student's functions say which one is missing, in one line too
    illustrations = [c for c in nb.cells if grade_id(c) in ILLUSTRATIONS_OF_THE_STUDENTS_CODE]
    assert len(illustrations) == len(ILLUSTRATIONS_OF_THE_STUDENTS_CODE)
    for cell in visible_tests + illustrations:
        (error,) = errors(cell)
        assert error.ename == "CheckFailed", grade_id(cell)
        assert len(error.traceback) == 1, f"{grade_id(cell)}: a traceback wall: {error.traceback}"
        assert re.fullmatch(r"✗ \w+ is not implemented yet — fill it in in cs231n_style/layers\.py",
                            error.traceback[0]), error.traceback
    for cell in nb.cells:  # nothing else fails: setup, figures, the published-formula demo
        if cell not in visible_tests + illustrations:
            assert not errors(cell), grade_id(cell)


def test_release_notebook_with_the_solution_passes_every_visible_test(tmp_path):
    folder = copy_assignment(RELEASE, tmp_path, with_solution=True)
    nb = execute(folder / NOTEBOOK)
    tests = [c for c in nb.cells if is_test(c)]
    for cell in nb.cells:
        assert not errors(cell), f"{grade_id(cell)}: {errors(cell)[0].evalue}"
    assert "✓" in "".join(text(c) for c in tests)
    hidden = [c for c in tests if grade_id(c).startswith("hidden_")]
    assert sorted(grade_id(c) for c in hidden) == HIDDEN_IDS and all(c.source.startswith("# Hidden test (") for c in hidden)


def test_edits_to_layers_take_effect_without_restarting_the_kernel(tmp_path):
    folder = copy_assignment(RELEASE, tmp_path)
    nb = nbformat.read(folder / NOTEBOOK, as_version=4)
    setup = next(c for c in nb.cells if grade_id(c) == "setup")
    check = next(c for c in nb.cells if grade_id(c) == "test_forward_train")
    client = NotebookClient(nb, timeout=60, kernel_name="python3", allow_errors=True,
                            resources={"metadata": {"path": str(folder)}})
    with client.setup_kernel():
        client.execute_cell(setup, 0)
        client.execute_cell(check, 1)
        assert "not implemented yet" in errors(check)[0].evalue
        layers = folder / "cs231n_style" / "layers.py"
        layers.write_text(SOLUTION.read_text())  # the student saves their work
        time.sleep(1.1)  # a new modification time for autoreload to see
        check.outputs = []
        client.execute_cell(check, 1)
        assert not errors(check), errors(check)[0].evalue
        assert "✓ float32 in, float32 out" in text(check)


def test_nbgrader_validate_accepts_the_source(tmp_path):
    folder = copy_assignment(SOURCE, tmp_path / "source")
    (tmp_path / "autograder").symlink_to(ROOT / "autograder")
    run = subprocess.run([sys.executable, "-m", "nbgrader", "validate", NOTEBOOK], cwd=folder,
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success! Your notebook passes all the tests." in run.stdout


def _student_files():
    files = [ROOT / "assignment.ipynb", ROOT / "cs231n_style" / "layers.py"]
    files += [p for p in (ROOT / RELEASE).rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return files


def _solution_fragments():
    """Lines that only a solution contains: the reference's solution regions and the answers of the source."""
    from test_student_edition import _solution_lines  # one definition of what a solution line is

    fragments = set(_solution_lines(SOLUTION.read_text()))
    source = nbformat.read(ROOT / SOURCE / NOTEBOOK, as_version=4)
    for cell in source.cells:
        for region in re.findall(r"### BEGIN (SOLUTION|HIDDEN TESTS)\n(.*?)### END \1", cell.source, re.S):
            fragments |= {line.strip() for line in region[1].splitlines() if len(line.strip()) > 12}
    return fragments


def test_no_solution_or_hidden_test_reaches_a_student_file():
    fragments = _solution_fragments()
    assert len(fragments) > 40
    for path in _student_files():
        content = path.read_text()
        assert "BEGIN SOLUTION" not in content and "BEGIN HIDDEN TESTS" not in content, path
        if path.suffix == ".ipynb":
            lines = {line.strip() for cell in json.loads(content)["cells"] for line in "".join(cell["source"]).splitlines()}
        else:
            lines = {line.strip() for line in content.splitlines()}
        leaked = fragments & lines
        assert not leaked, f"{path.relative_to(ROOT)}: {sorted(leaked)[:3]}"


def test_root_assignment_is_the_release_notebook():
    assert (ROOT / "assignment.ipynb").read_bytes() == (ROOT / RELEASE / NOTEBOOK).read_bytes()


@pytest.mark.parametrize("folder", [SOURCE, RELEASE])
def test_points_add_up(folder):
    nb = nbformat.read(ROOT / folder / NOTEBOOK, as_version=4)
    points = [c.metadata["nbgrader"]["points"] for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert sum(points) == 100
    hidden = sum(c.metadata["nbgrader"]["points"] for c in nb.cells
                 if c.metadata.get("nbgrader", {}).get("grade_id", "").startswith("hidden_"))
    assert hidden > 50  # hidden tests carry most of the points
