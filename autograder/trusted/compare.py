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

from cs231n_style.gradient_check import same_entries, scaled_error

from . import exceptions, policy

# Largest scaled error of a correct implementation: float64 rounding is ~1e-15 and
# float32 ~1e-6 times the data's conditioning; the mistakes of mistakes.py are >= 1e-2.
THRESHOLD = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 2e-3}


@dataclass(frozen=True)
class Comparison:
    """A student's array against the reference's: its scaled error, or why it could not be compared, and the
    deviations (policy.SHAPE, policy.DTYPE) it was compared in spite of."""

    error: float = None
    problem: str = None
    deviations: tuple = ()


def compare(name, student, expected, scale, values_only=False):
    """The Comparison of array `name`. values_only: any shape with the same entries and any float dtype are
    compared as they are, with no deviation noted (for two arrays of the student's own)."""
    if student is None:
        return Comparison(problem=f"{name} is not an array of numbers")
    expected = np.asarray(expected)
    deviations = []
    if student.shape != expected.shape:
        if not (same_entries(student.shape, expected.shape)
                or values_only and same_entries(expected.shape, student.shape)):
            return Comparison(problem=f"{name} has shape {student.shape}, expected {expected.shape}")
        deviations.append(policy.SHAPE)
    if values_only:
        if student.dtype.kind != "f" or expected.dtype.kind != "f":
            return Comparison(problem=f"{name} is {student.dtype}, expected {expected.dtype}")
    elif student.dtype != expected.dtype:
        if not policy.widened(student.dtype, expected.dtype):
            return Comparison(problem=f"{name} is {student.dtype}, expected {expected.dtype} (keep the input's dtype)")
        deviations.append(policy.DTYPE)
    if not np.all(np.isfinite(student)):
        return Comparison(problem=f"{name} contains nan or inf")
    error = scaled_error(student.reshape(expected.shape), expected, scale)
    return Comparison(error, None, () if values_only else tuple(deviations))


def limit(dtype):
    """The THRESHOLD of a dtype; other float types get float32's (if narrower than float64) or float64's."""
    dtype = np.dtype(dtype)
    return THRESHOLD.get(dtype, THRESHOLD[np.dtype(np.float32 if dtype.itemsize < 8 else np.float64)])


@dataclass
class Verdict:
    """How a check went: the fraction of its points earned, one line per finding, and the likely mistake."""

    fraction: float
    lines: list = field(default_factory=list)
    diagnosis: str = None
    measured: float = None  # the number a check measured, where it measures one (the timing check's ratio)
    pairs: int = None  # the timing check's: how many pairs that ratio is the median of
    deductions: list = field(default_factory=list)  # one message per policy.Deviation taken, with its cost
    named: bool = False  # whether the diagnosis names the mistake (not only an error or a difference)

    @property
    def failures(self):
        return [line[2:] for line in self.lines if line.startswith("✗")]

    def summary(self):
        """One line: all passed, or the diagnosis, or the first failure; the deductions where nothing failed."""
        if not self.failures:
            return "; ".join(self.deductions) or f"all {len(self.lines)} checks passed"
        return self.diagnosis or self.failures[0]


class Tally:
    """Counts passed sub-checks by group (the input they are about) and collects the lines that explain them."""

    def __init__(self):
        self.lines = []
        self.diagnoses = []
        self.named = False
        self.groups = {}  # group -> all its sub-checks passed so far
        self.deviations = {}  # policy.Deviation -> the message of where it was first found

    def check(self, group, ok, line, failure=None):
        """Count one sub-check of `group`, e.g. "train mode, 2x5 float64" (None: a group of its own).

        `line` says what passed, `failure` (default: line) what failed; each is shown after the
        group's name. A group counts as passed when all its sub-checks pass.
        """
        key = line if group is None else group
        self.groups[key] = self.groups.get(key, True) and bool(ok)
        text = line if ok else (failure or line)
        self.lines.append(("✓ " if ok else "✗ ") + (text if group is None else f"{group}: {text}"))
        return ok

    def compare(self, group, name, student, expected, scale, against=None, dtype=None):
        """Compare array `name` with `expected`, the reference's; against: what else `expected` is (say, "your
        graph version's"), when it is the student's own: then only values are compared, in any float dtype
        and shape with the same entries, to the limit of the input's `dtype` (so a narrower array gains nothing)."""
        found = compare(name, student, expected, scale, values_only=against is not None)
        if found.problem:
            return self.check(group, False, found.problem)
        allowed = limit(dtype if against else np.asarray(expected).dtype)
        ok = self.check(group, found.error <= allowed, f"{name} differs from {against or 'the reference'} by "
                                                       f"{found.error:.1e} of its size (allowed {allowed:.0e})")
        for deviation in found.deviations if ok else ():
            self.deviate(deviation, policy.advice(deviation, name, student, np.asarray(expected)))
        return ok

    def failed_call(self, group, info):
        """Record a call that raised (True), or do nothing (False)."""
        if info is None:
            return self.check(group, False, "not run") or True
        if "error" in info:
            self.check(group, False, str(info["error"]))
            missing = re.search(r"NotImplementedError: (\w+) in \S+ is not implemented yet", str(info["error"]))
            self.diagnose(f"{missing.group(1)} is not implemented yet" if missing else str(info["error"])[:300])
            self.name_mistake(exceptions.explain(info["error"]))
            return True
        return False

    def diagnose(self, diagnosis):
        if diagnosis and diagnosis not in self.diagnoses:
            self.diagnoses.append(diagnosis)

    def name_mistake(self, description):
        """Diagnose with the name of the mistake behind a wrong array (mistakes.py, structure.py), if found."""
        if description:
            self.named = True
            self.diagnose(description)

    def deviate(self, deviation, message):
        """Record a deviation of the policy found outside compare(), once per check."""
        self.deviations.setdefault(deviation, message)

    def verdict(self):
        """The fraction of groups (inputs) on which everything passed, less the share of the check's points of
        each deviation found (policy), the lines, the diagnoses."""
        fraction = sum(self.groups.values()) / len(self.groups) if self.groups else 0.0
        fraction = max(0.0, fraction - sum(deviation.share for deviation in self.deviations))
        return Verdict(round(fraction, 6), self.lines, "; ".join(self.diagnoses) or None,
                       deductions=list(self.deviations.values()), named=self.named)
