"""Whether this code runs under the autograder.

The autograder's sandbox sets CS231N_STYLE_GRADING=1 for the student's kernel and
for its own checks. Cells that only illustrate (the graph figure, the explorer,
the timing, which the autograder measures in a process of its own) then print one
line instead of their work, so that grading a class takes seconds per student.
"""
import os

GRADING_ENV = "CS231N_STYLE_GRADING"


def being_graded():
    """True inside the autograder."""
    return bool(os.environ.get(GRADING_ENV))


def skipped_while_grading(what):
    """Print that `what` is left out while grading; returns None (for a cell's last line)."""
    print(f"({what} is left out while the autograder runs your notebook; run it yourself to see it)")
    return None
