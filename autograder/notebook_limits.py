"""Keep a submitted notebook within what grading can afford, before anything executes or renders it.

    sentences = notebook_limits.enforce(path)

A cell of 20 MB of markdown costs nbconvert minutes and gigabytes to render as
feedback; ten thousand cells cost the execution and the gradebook as much. The
release's notebook has 39 cells, the largest 5.5 kB. Here a cell past
MAX_CELL_CHARS (its source and attachments) keeps a one-line note in place of its
text, cells past MAX_CELLS that nbgrader does not grade are dropped, and once the
cells hold MAX_NOTEBOOK_CHARS in all, the text of the later ones is replaced as
well. The outputs a student hands in are dropped: grading runs the notebook again.
Returns one sentence for each change (for the student's report), and rewrites the
file only if something changed. A file that is not a notebook raises
NotANotebook.
"""
import json

MAX_CELLS = 400
MAX_CELL_CHARS = 100_000
MAX_NOTEBOOK_CHARS = 2_000_000


class NotANotebook(ValueError):
    """The file cannot be read as a Jupyter notebook."""


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            nb = json.load(f)
    except (ValueError, RecursionError, UnicodeDecodeError) as error:  # RecursionError: nested too deeply
        raise NotANotebook(f"not a Jupyter notebook (not JSON: {type(error).__name__})") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list) or not all(isinstance(c, dict) and isinstance(c.get("cell_type"), str)
                                              for c in cells):
        raise NotANotebook("not a Jupyter notebook (no list of cells)")
    for number, cell in enumerate(cells, 1):
        source = cell.get("source", "")
        if not (isinstance(source, str) or isinstance(source, list) and all(isinstance(s, str) for s in source)):
            raise NotANotebook(f"not a Jupyter notebook (cell {number}'s source is not text)")
        if not isinstance(cell.get("metadata", {}), dict):
            raise NotANotebook(f"not a Jupyter notebook (cell {number}'s metadata is not a dictionary)")
    return nb


def cell_text(cell):
    """A cell's source as one string (on disk it may be a list of lines)."""
    source = cell.get("source", "")
    return "".join(source) if isinstance(source, list) else str(source)


def _size(cell):
    attachments = cell.get("attachments")
    return len(cell_text(cell)) + (len(json.dumps(attachments)) if attachments else 0)


def _note(cell, why):
    cell.pop("attachments", None)
    note = f"The autograder removed this cell's text: {why}."
    cell["source"] = f"# {note}" if cell["cell_type"] == "code" else f"*{note}*"


def _graded(cell):
    nbgrader = cell.get("metadata", {}).get("nbgrader")
    return isinstance(nbgrader, dict) and isinstance(nbgrader.get("grade_id"), str)


def enforce(path):
    """Apply the limits to the notebook file at `path` in place; returns the sentences on what changed."""
    nb = _read(path)
    sentences, changed = [], False
    name = path.name
    cells = nb["cells"]
    if len(cells) > MAX_CELLS:
        # nbgrader's cells past the limit stay (as many as the limit again): a student may have added
        # cells above them; nbgrader_cells then removes metadata the assignment does not have.
        graded_after = [c for c in cells[MAX_CELLS:] if _graded(c)][:MAX_CELLS]
        kept = cells[:MAX_CELLS] + graded_after
        sentences.append(f"{name}: {len(cells) - len(kept)} cells past the {MAX_CELLS} a notebook may have "
                         "were dropped")
        nb["cells"] = cells = kept
        changed = True
    total = 0
    for number, cell in enumerate(cells, 1):
        if cell["cell_type"] == "code" and cell.get("outputs"):
            cell["outputs"], changed = [], True
        size = _size(cell)
        if size > MAX_CELL_CHARS:
            _note(cell, f"{size:,} characters, over the {MAX_CELL_CHARS:,} a cell may hold")
            sentences.append(f"{name}: cell {number} held {size:,} characters, over the {MAX_CELL_CHARS:,} a cell "
                             "may hold; its text was replaced by a note")
            changed = True
        elif total + size > MAX_NOTEBOOK_CHARS:
            _note(cell, f"the cells before it already hold the {MAX_NOTEBOOK_CHARS:,} characters a notebook may")
            sentences.append(f"{name}: cell {number} is past the {MAX_NOTEBOOK_CHARS:,} characters a notebook may "
                             "hold in all; its text was replaced by a note")
            changed = True
        total += _size(cell)
    if changed:
        with open(path, "w", encoding="utf-8") as f:
            json.dump(nb, f, indent=1, ensure_ascii=False)
            f.write("\n")
    return sentences
