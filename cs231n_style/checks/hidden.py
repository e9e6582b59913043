"""What a hidden test cell does inside the notebook.

Hidden tests compare your functions with the reference on inputs you never
saw. The autograder runs them in its own process, after your notebook ran;
in your notebook, the cell only says so. The instructor's source notebook
passes the course's own checks in (`run_check`), so that there the cell runs
the same check right away and the source notebook tests itself.
"""
from ..autograding import being_graded
from .report import CheckFailed, note


def graded_outside(check_id, run_check=None, layers=None):
    """Run hidden check `check_id` with `run_check` if one is given, else say it is graded later.

    Inputs:
    - check_id: the test's grade id, e.g. "hidden_forward"
    - run_check: a function (check_id, layers) -> verdict with .lines ("✓ ..." or "✗ ..."), or None
    - layers: the module to check (default: cs231n_style.layers)
    Raises CheckFailed listing the failed lines.
    """
    if run_check is None or being_graded():
        note("hidden test: the autograder runs it against the reference when you submit")
        return None
    if layers is None:
        from cs231n_style import layers
    verdict = run_check(check_id, layers)
    failed = [line for line in verdict.lines if line.startswith("✗")]
    print(f"{check_id}: {len(verdict.lines) - len(failed)} of {len(verdict.lines)} checks passed")
    if failed:
        raise CheckFailed("\n".join(line[2:] for line in failed))
    return None
