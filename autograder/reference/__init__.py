"""The trusted reference: every batch-norm formula of the assignment, authored once.

`layers.py` here is the solution edition of the student file
`cs231n_style/layers.py`; `python -m autograder.release` makes the student and
nbgrader-source copies from it. The grader compares students with these
functions, in its own process: this package is never shipped to students.
"""
from .derivations import affine_batchnorm_design_matrix, batchnorm_backward_stages, published_sigma_eps_backward
from .layers import (
    affine_batchnorm_backward,
    affine_batchnorm_forward,
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_backward_sigma_eps,
    batchnorm_backward_unbiased,
    batchnorm_forward,
    batchnorm_forward_sigma_eps,
    batchnorm_forward_unbiased,
    layernorm_backward,
    layernorm_forward,
)

__all__ = [
    "affine_batchnorm_backward",
    "affine_batchnorm_design_matrix",
    "affine_batchnorm_forward",
    "batchnorm_backward",
    "batchnorm_backward_alt",
    "batchnorm_backward_sigma_eps",
    "batchnorm_backward_stages",
    "batchnorm_backward_unbiased",
    "batchnorm_forward",
    "batchnorm_forward_sigma_eps",
    "batchnorm_forward_unbiased",
    "layernorm_backward",
    "layernorm_forward",
    "published_sigma_eps_backward",
]
