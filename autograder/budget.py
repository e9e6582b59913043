"""The time one submission's code may take in all: its trusted checks and its notebook's cells share it.

Each cell and each check has a timeout of its own (--cell-timeout, --check-timeout; a check also
stops at probe_runner.CHECK_CPU_SECONDS of CPU); the budget bounds their sum, so that a submission
that loops costs the run one budget at most, not one timeout per cell and check. Once the
submission's code has run out of time once, it has shown that it can loop: every later cell and
check gets at most AFTER_TIMEOUT seconds, many times what they need under the autograder (a cell
of the reference solution 0.26 s at most, since the figure, the explorer and the timing are left
out while grading; a check 0.17 s, for pure-Python loops over every element). A check that runs out
of time names the function that was running; the speed check does not time it.
"""
import time
from contextlib import contextmanager

from traitlets import Float
from traitlets.config import Configurable

from .facts import BUDGET_SECONDS



class SubmissionBudget(Configurable):
    """Seconds of wall clock a submission's code may use in all, and what has been used."""

    seconds = Float(float(BUDGET_SECONDS), help="seconds of wall clock for one submission's checks and cells together "
                                "(grade --budget)").tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.used = 0.0
        self.ran_out = None  # what first ran out of time, e.g. "the check test_backward_alt"

    @classmethod
    def of(cls, resources, config):
        """The budget of the notebook being graded (one per `resources`, which nbconvert passes along)."""
        if "submission_budget" not in resources:
            resources["submission_budget"] = cls(config=config)
        return resources["submission_budget"]

    def left(self):
        return max(self.seconds - self.used, 0.0)

    def limit(self, timeout, after_timeout=None):
        """The time to give a cell or check whose own limit is `timeout`; 0 once the budget is spent."""
        limit = min(float("inf") if timeout is None else timeout, self.left())
        if self.ran_out and after_timeout is not None:
            limit = min(limit, after_timeout)
        return limit

    @contextmanager
    def spending(self):
        """Charge the wall-clock time of the `with` block."""
        start = time.monotonic()
        try:
            yield
        finally:
            self.used += time.monotonic() - start

    def spent_message(self):
        return f"the submission had used its {self.seconds:g} s budget"
