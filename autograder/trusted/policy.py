"""The grading policy: what each kind of deviation from the functions' contract costs.

A check earns the share of its inputs (groups) on which everything was right; a
visible test, like its cell in the notebook, earns all or nothing. Two deviations
leave the values right and cost only a small, stated share of the check concerned:

- SHAPE: an array with the values asked for, with leading axes of length 1 added
  (dgamma of shape (1, D) where (D,) is asked, as keepdims=True gives;
  cs231n_style.gradient_check.same_entries, which the notebook's checks use too);
- DTYPE: an array with the values asked for, in a wider float type than the input's
  (float64 returned for float32 input).

Each kind is taken once per check, however many of its inputs or arrays show it,
as a share of the check's points (subtracted from what it earns, never below 0),
and the check's message says that the values are right and what to return instead.
Anything else that differs (values, a narrower dtype, another number of entries)
fails the input it was found on. The README's grading policy states the same
(tests/test_grading_policy.py compares them).
"""
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Deviation:
    """A way of returning the right values that the contract does not ask for, and its cost."""

    kind: str
    share: float  # of the check's points, once per check

    def cost(self):
        return f"costs {self.share:.0%} of this check's points"


SHAPE = Deviation("shape", 0.05)
DTYPE = Deviation("dtype", 0.05)
DEVIATIONS = (SHAPE, DTYPE)
LEAST_KEPT = 1 - sum(deviation.share for deviation in DEVIATIONS)  # of a check that shows every deviation


def widened(student_dtype, expected_dtype):
    """True if student_dtype is a float type that holds every value of the float type expected, and more."""
    student_dtype, expected_dtype = np.dtype(student_dtype), np.dtype(expected_dtype)
    return (student_dtype != expected_dtype and student_dtype.kind == expected_dtype.kind == "f"
            and student_dtype.itemsize > expected_dtype.itemsize)


def advice(deviation, name, student, expected):
    """The message of a deviation found in array `name`: the values are right, what to return instead."""
    if deviation is SHAPE:
        return (f"{name} has the right values but shape {student.shape}: return shape {expected.shape} "
                f"(sum without keepdims=True, or reshape) — {deviation.cost()}")
    if deviation is DTYPE:
        return (f"{name} has the right values but is {student.dtype} for {expected.dtype} input: keep the input's "
                f"dtype (compute from x, gamma and dout without converting, or .astype(x.dtype)) — {deviation.cost()}")
    raise ValueError(f"deviation: expected one of {', '.join(d.kind for d in DEVIATIONS)}, got {deviation!r}")
