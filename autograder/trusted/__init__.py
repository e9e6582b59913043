"""The trusted checks: every graded test of the notebook, judged against the reference outside
the student's process. See registry.py for the list and probe_runner.py for how they run."""
from .compare import Verdict
from .registry import CHECKS, judge, make_requests, run_check

__all__ = ["CHECKS", "Verdict", "judge", "make_requests", "run_check"]
