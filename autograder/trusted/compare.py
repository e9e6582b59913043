"""How a student's array is compared with the reference's, and how findings add up to a score.

CS231n's rel_error divides each entry's difference by the entry itself, so an
entry near zero (dx has many: its columns sum to zero) turns rounding into a
large "error": in float32, a correct closed form against a correct graph
version shows element-wise errors of 1e-2 to 1e-1 at 1024x1024. Here each
difference is divided by the size of its column's largest term instead (for
dx, max_i |gamma * dout| / sqrt(var + eps)), and the limit depends on the dtype.
"""
import re
from dataclasses import dataclass, field

import numpy as np

# Largest scaled error of a correct implementation: float64 rounding is ~1e-15 and
# float32 ~1e-6 times the data's conditioning; the mistakes of mistakes.py are >= 1e-2.
THRESHOLD = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 2e-3}


def scales(x, gamma, dout, eps):
    """Per-column sizes of out, dx, dgamma and dbeta (float64, positive), each of shape (D,)."""
    x, gamma, dout = (np.asarray(a, dtype=np.float64) for a in (x, gamma, dout))
    var = x.var(axis=0)
    xhat = (x - x.mean(axis=0)) / np.sqrt(var + eps)
    tiny = 1e-300
    return {"out": np.abs(gamma) + 1.0,
            "dx": np.abs(gamma * dout).max(axis=0) / np.sqrt(var + eps) + tiny,
            "dgamma": np.abs(dout * xhat).sum(axis=0) + tiny,
            "dbeta": np.abs(dout).sum(axis=0) + tiny}


def compare(name, student, expected, scale):
    """(scaled error, problem): problem says why the arrays could not be compared, else None."""
    if student is None:
        return None, f"{name} is not an array of numbers"
    expected = np.asarray(expected)
    if student.shape != expected.shape:
        return None, f"{name} has shape {student.shape}, expected {expected.shape}"
    if student.dtype != expected.dtype:
        return None, f"{name} is {student.dtype}, expected {expected.dtype} (keep the input's dtype)"
    if not np.all(np.isfinite(student)):
        return None, f"{name} contains nan or inf"
    return scaled_error(student, expected, scale), None


def scaled_error(a, b, scale):
    return float(np.max(np.abs(np.asarray(a, np.float64) - np.asarray(b, np.float64)) / scale))


def limit(dtype):
    return THRESHOLD[np.dtype(dtype)]


@dataclass
class Verdict:
    """How a check went: the fraction of its points earned, one line per finding, and the likely mistake."""

    fraction: float
    lines: list = field(default_factory=list)
    diagnosis: str = None
    measured: float = None  # the number a check measured, where it measures one (the timing check's ratio)

    @property
    def failures(self):
        return [line[2:] for line in self.lines if line.startswith("✗")]

    def summary(self):
        """One line: all passed, or the diagnosis, or the first failure."""
        if not self.failures:
            return f"all {len(self.lines)} checks passed"
        return self.diagnosis or self.failures[0]


class Tally:
    """Counts passed sub-checks and collects the lines that explain them."""

    def __init__(self):
        self.lines = []
        self.diagnoses = []
        self.groups = {}  # the part of a line before ": " (the input it is about) -> all passed so far

    def check(self, ok, line, failure=None):
        """Count one sub-check; `line` says what passed, `failure` (default: line) what failed.

        Sub-checks are grouped by the text of `line` before its first ": ", which names the
        input they are about; a group counts as passed when all its sub-checks pass.
        """
        group = line.split(": ", 1)[0]
        self.groups[group] = self.groups.get(group, True) and bool(ok)
        self.lines.append("✓ " + line if ok else "✗ " + (failure or line))
        return ok

    def compare(self, label, name, student, expected, scale):
        error, problem = compare(name, student, expected, scale)
        if problem:
            return self.check(False, f"{label}: {problem}")
        allowed = limit(np.asarray(expected).dtype)
        return self.check(error <= allowed, f"{label}: {name} differs from the reference by {error:.1e} "
                                            f"of its size (allowed {allowed:.0e})")

    def failed_call(self, label, info):
        """Record a call that raised (True), or do nothing (False)."""
        if info is None:
            return self.check(False, f"{label}: not run") or True
        if "error" in info:
            self.check(False, f"{label}: {info['error']}")
            missing = re.search(r"NotImplementedError: (\w+) in \S+ is not implemented yet", str(info["error"]))
            self.diagnose(f"{missing.group(1)} is not implemented yet" if missing else str(info["error"])[:300])
            return True
        return False

    def diagnose(self, diagnosis):
        if diagnosis and diagnosis not in self.diagnoses:
            self.diagnoses.append(diagnosis)

    def verdict(self):
        """The fraction of groups (inputs) on which everything passed, the lines, the diagnoses."""
        fraction = sum(self.groups.values()) / len(self.groups) if self.groups else 0.0
        return Verdict(fraction, self.lines, "; ".join(self.diagnoses) or None)
