"""What a hidden test cell does inside the notebook.

Hidden tests compare your functions with the reference on inputs you never
saw. The autograder runs them in its own process, after your notebook ran;
in your notebook, the cell only says so. In the instructor's source folder,
where the reference sits two levels up (course/source/<assignment>/), the
cell runs the same check right away, so the source notebook tests itself.
"""
import sys
from pathlib import Path

from ..autograding import being_graded
from .report import CheckFailed, note



def _instructor_root():
    """The course repository root if this notebook runs in its source folder, else None."""
    if being_graded():  # never look for the reference then
        return None
    here = Path.cwd().resolve()
    if here.parent.name != "source" or len(here.parents) < 2:
        return None
    root = here.parents[1]
    return root if (root / "autograder" / "trusted" / "registry.py").is_file() else None


def graded_outside(check_id, layers=None):
    """Run hidden check `check_id` here if the reference is at hand, else say it is graded later."""
    root = _instructor_root()
    if root is None:
        note("hidden test: the autograder runs it against the reference when you submit")
        return None
    if str(root) not in sys.path:
        sys.path.append(str(root))
    from autograder.trusted import run_check

    if layers is None:
        from cs231n_style import layers
    verdict = run_check(check_id, layers)
    failed = [line for line in verdict.lines if line.startswith("✗")]
    print(f"{check_id}: {len(verdict.lines) - len(failed)} of {len(verdict.lines)} checks passed")
    if failed:
        raise CheckFailed("\n".join(line[2:] for line in failed))
    return None
