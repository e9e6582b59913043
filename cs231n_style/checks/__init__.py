"""The notebook's check cells: each prints a one-line verdict per result.

A failure raises CheckFailed, which the notebook shows as one line (and
nbgrader scores as a failed test); a stub that is not implemented yet says so
in one line too.
"""
from .backward import check_alt_matches_graph, check_backward, check_backward_stages
from .forward import check_forward_test, check_forward_train
from .going_further import check_affine, check_layernorm, check_sigma_eps, check_unbiased, show_published_sigma_eps
from .hidden import graded_outside
from .report import CheckFailed
from .speed import time_alt_vs_graph, time_fused_kernel

__all__ = [
    "CheckFailed",
    "check_affine",
    "check_alt_matches_graph",
    "check_backward",
    "check_backward_stages",
    "check_forward_test",
    "check_forward_train",
    "check_layernorm",
    "check_sigma_eps",
    "check_unbiased",
    "graded_outside",
    "show_published_sigma_eps",
    "time_alt_vs_graph",
    "time_fused_kernel",
]
