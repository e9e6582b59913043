"""nbgrader-metadata mishaps of honest students are repaired against the release (autograder/nbgrader_cells.py).

The samples copies_a_test_cell, ungrades_a_test_cell and deletes_test_cells_correct grade
them end to end (make demo); here each repair on its own.
"""
import copy
import json

import nbformat
import pytest

from autograder import nbgrader_cells
from autograder.facts import NOTEBOOK, RELEASE, ROOT

RELEASE_NOTEBOOK = ROOT / RELEASE / NOTEBOOK


@pytest.fixture
def release():
    return nbformat.read(RELEASE_NOTEBOOK, as_version=4)


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def _repair(tmp_path, nb):
    path = tmp_path / NOTEBOOK
    nbformat.write(nb, path)
    sentences = nbgrader_cells.repair(path, RELEASE_NOTEBOOK)
    return sentences, nbformat.read(path, as_version=4)


def test_the_release_itself_needs_no_repair(tmp_path, release):
    before = nbformat.writes(release)
    sentences, repaired = _repair(tmp_path, release)
    assert sentences == [] and nbformat.writes(repaired) == before


def test_a_pasted_copy_of_a_test_cell_becomes_a_plain_cell(tmp_path, release):
    original = next(i for i, c in enumerate(release.cells) if _grade_id(c) == "test_backward_graph")
    pasted = copy.deepcopy(release.cells[original])
    pasted.id = "pasted"  # Jupyter gives the copy an id of its own, and keeps its metadata
    release.cells.append(pasted)
    [sentence], repaired = _repair(tmp_path, release)
    assert "a copy of the cell test_backward_graph" in sentence
    assert _grade_id(repaired.cells[original]) == "test_backward_graph"
    assert "nbgrader" not in repaired.cells[-1].metadata


@pytest.mark.parametrize("key, value", [("grade", False), ("points", 100), ("locked", False), ("solution", True)])
def test_a_changed_grading_key_is_set_back(tmp_path, release, key, value):
    cell = next(c for c in release.cells if _grade_id(c) == "test_backward_graph")
    given = dict(cell.metadata.nbgrader)
    cell.metadata.nbgrader[key] = value
    [sentence], repaired = _repair(tmp_path, release)
    assert f"({key})" in sentence
    assert next(c for c in repaired.cells if _grade_id(c) == "test_backward_graph").metadata.nbgrader == given


def test_deleted_cells_are_put_back_in_their_places(tmp_path, release):
    order = [_grade_id(c) for c in release.cells]
    deleted = {"test_backward_stages", "test_backward_graph", "graph_stages_md"}
    release.cells = [c for c in release.cells if _grade_id(c) not in deleted]
    sentences, repaired = _repair(tmp_path, release)
    assert sorted(s.split()[1] for s in sentences) == sorted(deleted)
    assert [_grade_id(c) for c in repaired.cells] == order


def test_metadata_of_a_cell_the_assignment_lacks_is_removed(tmp_path, release):
    release.cells.append(nbformat.v4.new_code_cell("x = 1", metadata={"nbgrader": {"grade_id": "\x1b[2Jmine"}}))
    release.cells.append(nbformat.v4.new_code_cell("y = 2", metadata={"nbgrader": "not a dict"}))
    sentences, repaired = _repair(tmp_path, release)
    assert len(sentences) == 2 and "\x1b" not in "".join(sentences)
    assert "nbgrader" not in repaired.cells[-1].metadata and "nbgrader" not in repaired.cells[-2].metadata
    json.dumps(repaired)  # still a notebook nbformat writes


def test_an_answer_written_in_a_pasted_copy_is_the_one_graded(tmp_path, release):
    index = next(i for i, c in enumerate(release.cells)
                 if c.metadata.get("nbgrader", {}).get("solution") and c.cell_type == "markdown")
    grade_id = _grade_id(release.cells[index])
    pasted = copy.deepcopy(release.cells[index])
    pasted.id, pasted.source = "pasted", "My answer: epsilon keeps the division defined."
    release.cells.insert(index + 1, pasted)
    [sentence], repaired = _repair(tmp_path, release)
    assert "the copy, which holds the answer" in sentence
    graded = [c for c in repaired.cells if _grade_id(c) == grade_id]
    assert [c.source for c in graded] == [pasted.source]


def test_a_grade_id_that_is_not_text_is_removed(tmp_path, release):
    release.cells.append(nbformat.v4.new_code_cell("z = 3", metadata={"nbgrader": {"grade_id": []}}))
    [sentence], repaired = _repair(tmp_path, release)
    assert "does not have" in sentence and "nbgrader" not in repaired.cells[-1].metadata
