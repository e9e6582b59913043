"""Undo the nbgrader-metadata mishaps of honest students, from the assignment's source, before nbgrader runs.

    sentences = nbgrader_cells.repair(notebook_path, release_notebook_path)

Jupyter's copy and paste keeps a cell's nbgrader metadata, so a copied test cell
carries a grade_id twice, and nbgrader then refuses the whole notebook ("an old
version"); a "grade" flag switched off in the cell toolbar fails its validation.
A deleted test cell would score nothing. Here, before nbgrader sees the notebook,
against the notebook the students were given (the release):
- a second cell with a grade_id already seen loses its nbgrader metadata (it stays
  a plain cell; the first is the one graded, unless it is an answer cell still as
  given and the copy holds the answer);
- metadata with a grade_id the assignment does not have is removed;
- the grading keys (KEYS) of every other nbgrader cell are set back to the release's;
- a cell of the release with a grade_id that is missing is put back, the release's
  copy, after the nearest cell before it that is still there. (nbgrader's own
  OverwriteCells.add_missing_cells fails when that cell is a locked markdown cell.)
Returns one sentence for each repair (for the student's report). The notebook
has passed notebook_limits, so it is JSON with a list of cells.

    graded_cells(source_notebook_path)

is the one reader of which cells are graded and how (for the grades, the self-check
and the test that keeps the notebook and the trusted checks in step).
"""
import copy
import json

from .intake import shown
from .notebook_limits import cell_text

KEYS = ("grade", "solution", "locked", "points", "task", "schema_version")


def _nbgrader(cell):
    metadata = cell.get("metadata")
    value = metadata.get("nbgrader") if isinstance(metadata, dict) else None
    return value if isinstance(value, dict) else None


def _with_ids(cells):
    """[(grade_id, cell)] of the cells with an nbgrader grade_id, in order."""
    return [(_nbgrader(c)["grade_id"], c) for c in cells if "grade_id" in (_nbgrader(c) or {})]


def repair(path, release_path):
    """Repair the notebook at `path` in place against the release's notebook; returns the sentences."""
    with open(release_path, encoding="utf-8") as f:
        release = _with_ids(json.load(f)["cells"])
    expected = {grade_id: _nbgrader(cell) for grade_id, cell in release}
    given_text = {grade_id: cell_text(cell) for grade_id, cell in release}
    with open(path, encoding="utf-8") as f:
        nb = json.load(f)
    sentences, seen = [], {}  # grade_id -> the cell graded under it
    for number, cell in enumerate(nb["cells"], 1):
        metadata = cell.get("metadata")
        if not isinstance(metadata, dict) or "nbgrader" not in metadata:
            continue
        meta = _nbgrader(cell) or {}
        grade_id = meta.get("grade_id")
        if not isinstance(grade_id, str) or grade_id not in expected:
            del metadata["nbgrader"]
            sentences.append(f"cell {number}: nbgrader metadata for a cell the assignment does not have "
                             f"({shown(repr(grade_id))[:60]}) removed")
        elif grade_id in seen:
            graded = seen[grade_id]
            as_given = cell_text(graded) == given_text[grade_id]
            if expected[grade_id].get("solution") and as_given and cell_text(cell) != given_text[grade_id]:
                # An answer cell whose copy holds the student's work while the first is as given: the copy
                # is graded.
                metadata["nbgrader"] = graded["metadata"].pop("nbgrader")
                seen[grade_id] = cell
                where = "the copy, which holds the answer"
            else:
                del metadata["nbgrader"]
                where = "where it first appears"
            sentences.append(f"cell {number}: a copy of the cell {grade_id}, which is graded once: {where}")
        else:
            seen[grade_id] = cell
            given = expected[grade_id]
            changed = [key for key in KEYS if meta.get(key) != given.get(key)]
            if changed:
                for key in changed:
                    if key in given:
                        meta[key] = given[key]
                    else:
                        meta.pop(key, None)
                metadata["nbgrader"] = meta
                sentences.append(f"cell {grade_id}: its nbgrader metadata was changed ({', '.join(changed)}); "
                                 "set back to the assignment's")
    for position, (grade_id, cell) in enumerate(release):
        if grade_id in seen:
            continue
        before = [gid for gid, _ in release[:position] if gid in seen]
        at = 0 if not before else 1 + max(i for i, c in enumerate(nb["cells"])
                                          if (_nbgrader(c) or {}).get("grade_id") == before[-1])
        seen[grade_id] = copy.deepcopy(cell)
        nb["cells"].insert(at, seen[grade_id])
        sentences.append(f"cell {grade_id} was missing: put back from the assignment")
    if sentences:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(nb, f, indent=1, ensure_ascii=False)
            f.write("\n")
    return sentences


def graded_cells(path):
    """[(grade_id, points, "auto" or "manual")] of every graded cell of the notebook at `path`, in order: a graded
    cell is graded by hand when it is also a solution cell (an answer), else by its tests."""
    cells = json.loads(open(path, encoding="utf-8").read())["cells"]
    found = []
    for cell in cells:
        meta = _nbgrader(cell) or {}
        if meta.get("grade"):
            found.append((meta["grade_id"], float(meta.get("points", 0)), "manual" if meta.get("solution") else "auto"))
    return found
