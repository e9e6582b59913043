"""The course's facts, each in one place: the assignment and its files, the course id, and the limits a
student's code runs under. Change a limit here (or per run, with the `grade` option named beside it).

The sandbox (isolation/sandbox.py) runs as a script of its own and cannot import this module: its option
defaults repeat MEMORY_MB and PROCESSES, and tests/test_facts.py keeps them equal.
"""
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent  # the course repository

ASSIGNMENT = "batchnorm_backward"  # nbgrader's assignment name, and the folder under source/ and release/
COURSE_ID = "batchnorm-backward"  # nbgrader's course id, in the gradebook
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOURCE = f"source/{ASSIGNMENT}"  # the instructor's version (solutions, hidden tests), from the repository root
RELEASE = f"release/{ASSIGNMENT}"  # what students receive
STUDENT_LAYERS = "cs231n_style/layers.py"  # the one file students edit, inside the assignment folder
SOLUTION_LAYERS = ROOT / "autograder" / "reference" / "layers.py"  # its solution, the authored copy

# What a student's code may use. Seconds are of wall clock unless said otherwise.
MEMORY_MB = 3072  # memory of a student's sandbox: each process's address space, and the whole sandbox's
PROCESSES = 256  # processes and threads of a student's sandbox
CELL_TIMEOUT = 60  # per notebook cell (grade --cell-timeout)
CHECK_TIMEOUT = 60  # per trusted check (grade --check-timeout)
BUDGET_SECONDS = 120  # for all of one submission's checks and cells together (grade --budget)
AFTER_TIMEOUT = 1.0  # for each later cell and check, once a cell or a check has run out of time
