"""A submitted notebook is kept within what grading can afford before it runs (autograder/notebook_limits.py)."""
import json

import nbformat
import pytest

from autograder import notebook_limits as limits


def _write(path, cells):
    nb = nbformat.v4.new_notebook(cells=cells)
    nbformat.write(nb, path)
    return path


def _cells(path):
    """The cells as written, each source as one string (on disk it may be a list of lines)."""
    cells = json.loads(path.read_text())["cells"]
    for cell in cells:
        cell["source"] = "".join(cell["source"])
    return cells


def test_a_notebook_within_the_limits_is_left_as_it_is(tmp_path):
    path = _write(tmp_path / "nb.ipynb", [nbformat.v4.new_markdown_cell("# Notes"), nbformat.v4.new_code_cell("x = 1")])
    before = path.read_bytes()
    assert limits.enforce(path) == []
    assert path.read_bytes() == before


def test_a_cell_over_the_limit_keeps_a_note_instead_of_its_text(tmp_path):
    big = "a" * (limits.MAX_CELL_CHARS + 1)
    path = _write(tmp_path / "nb.ipynb", [nbformat.v4.new_markdown_cell(big), nbformat.v4.new_code_cell(big),
                                          nbformat.v4.new_code_cell("y = 2")])
    sentences = limits.enforce(path)
    assert [s.split(":")[1].strip().split(" held")[0] for s in sentences] == ["cell 1", "cell 2"]
    cells = _cells(path)
    assert cells[0]["source"].startswith("*The autograder removed this cell's text")
    assert cells[1]["source"].startswith("# The autograder removed")  # still valid Python
    assert cells[2]["source"] == "y = 2"


def test_attachments_count_towards_a_cells_size(tmp_path):
    cell = nbformat.v4.new_markdown_cell("![p](attachment:p.png)")
    cell["attachments"] = {"p.png": {"image/png": "A" * limits.MAX_CELL_CHARS}}
    path = _write(tmp_path / "nb.ipynb", [cell])
    assert len(limits.enforce(path)) == 1
    assert "attachments" not in _cells(path)[0]


def test_past_the_cell_count_only_graded_cells_stay(tmp_path):
    graded = nbformat.v4.new_code_cell("assert True")
    graded.metadata["nbgrader"] = {"grade": True, "grade_id": "t", "points": 1}
    cells = [nbformat.v4.new_code_cell(f"x = {i}") for i in range(limits.MAX_CELLS + 50)] + [graded]
    path = _write(tmp_path / "nb.ipynb", cells)
    [sentence] = limits.enforce(path)
    assert "50 cells past the 400" in sentence
    kept = _cells(path)
    assert len(kept) == limits.MAX_CELLS + 1 and kept[-1]["metadata"]["nbgrader"]["grade_id"] == "t"


def test_past_the_notebook_total_later_cells_keep_notes(tmp_path):
    piece = "b" * (limits.MAX_CELL_CHARS - 10)
    count = limits.MAX_NOTEBOOK_CHARS // len(piece) + 3
    path = _write(tmp_path / "nb.ipynb", [nbformat.v4.new_markdown_cell(piece) for _ in range(count)])
    sentences = limits.enforce(path)
    assert len(sentences) >= 3 and all("past the 2,000,000 characters" in s for s in sentences)
    kept = [c["source"] for c in _cells(path) if "The autograder removed" not in c["source"]]
    assert sum(map(len, kept)) <= limits.MAX_NOTEBOOK_CHARS and len(kept) == count - len(sentences)


def test_outputs_handed_in_are_dropped(tmp_path):
    cell = nbformat.v4.new_code_cell("print(1)")
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="x" * 1000)]
    path = _write(tmp_path / "nb.ipynb", [cell])
    assert limits.enforce(path) == []
    assert _cells(path)[0]["outputs"] == []


@pytest.mark.parametrize("text", ["half a notebook", '{"cells": [' * 5, "[" * 100_000 + "]" * 100_000,
                                  '{"cells": "none"}', '{"cells": [1, 2]}', "[]"])
def test_what_is_not_a_notebook_is_refused(tmp_path, text):
    path = tmp_path / "nb.ipynb"
    path.write_text(text)
    with pytest.raises(limits.NotANotebook, match="not a Jupyter notebook"):
        limits.enforce(path)


@pytest.mark.parametrize("cell", [
    {"cell_type": "code", "source": ["a", 1], "metadata": {}, "outputs": []},
    {"cell_type": "markdown", "source": [None], "metadata": {}},
    {"cell_type": "markdown", "source": "x", "metadata": ["not", "a", "dict"]},
])
def test_cells_that_are_not_cells_refuse_the_notebook(tmp_path, cell):
    path = tmp_path / "nb.ipynb"
    path.write_text(json.dumps({"cells": [cell], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    with pytest.raises(limits.NotANotebook, match="not a Jupyter notebook"):
        limits.enforce(path)


def test_empty_nbgrader_metadata_does_not_keep_cells_past_the_limit(tmp_path):
    cells = [nbformat.v4.new_code_cell("", metadata={"nbgrader": {}}) for _ in range(limits.MAX_CELLS + 600)]
    path = _write(tmp_path / "nb.ipynb", cells)
    [sentence] = limits.enforce(path)
    assert "600 cells past the 400" in sentence
    assert len(_cells(path)) == limits.MAX_CELLS
