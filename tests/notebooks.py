"""Running the assignment notebooks in tests: copy a folder, execute with nbclient, read the outputs."""
import shutil
from pathlib import Path

import nbformat
from nbclient import NotebookClient

from autograder.facts import ROOT, SOLUTION_LAYERS as SOLUTION, SOURCE
from autograder.release import assemble_source


def copy_assignment(folder, tmp_path, with_solution=False):
    """Copy an assignment folder (notebook + cs231n_style) to tmp_path; returns the copy's path."""
    target = tmp_path / Path(folder).name
    if folder == SOURCE:  # assembled: its cs231n_style is never committed
        assemble_source(target)
    else:
        shutil.copytree(ROOT / folder, target, ignore=shutil.ignore_patterns("__pycache__"))
    if with_solution:
        shutil.copy(SOLUTION, target / "cs231n_style" / "layers.py")
    return target


def execute(path, timeout=120):
    """Execute a notebook in its own folder, errors allowed; returns the executed notebook."""
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(Path(path).parent)}}).execute()
    return nb


def grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def is_test(cell):
    meta = cell.metadata.get("nbgrader", {})
    return cell.cell_type == "code" and meta.get("grade") and not meta.get("solution")


def errors(cell):
    return [o for o in cell.get("outputs", []) if o.output_type == "error"]


def text(cell):
    return "".join(o.get("text", "") for o in cell.get("outputs", []) if o.output_type == "stream")
