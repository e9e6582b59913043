"""Argument checks for the batch-norm layers.

A bad argument raises ValueError with a message that names the argument and
says what was expected, e.g. "gamma: expected shape (5,) to match D = 5 columns
of x, got (4,)". The stubs in layers.py call these before any math, so a
student's own implementation gets the same clear errors for free.
"""
import math
import numbers

import numpy as np

MODES = ("train", "test")


def check_array(name, value, ndim=None, shape=None, shape_hint=""):
    """Raise ValueError unless `value` is a floating-point ndarray of the given rank/shape."""
    if not isinstance(value, np.ndarray):
        raise ValueError(f"{name}: expected a numpy array, got {type(value).__name__}")
    if not np.issubdtype(value.dtype, np.floating):
        raise ValueError(f"{name}: expected a floating-point array (float32 or float64), got dtype {value.dtype}")
    if ndim is not None and value.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array{shape_hint}, got shape {value.shape}")
    if shape is not None and value.shape != tuple(shape):
        raise ValueError(f"{name}: expected shape {tuple(shape)}{shape_hint}, got {value.shape}")


def check_number(name, value, low=None, high=None):
    """Raise ValueError unless `value` is a finite real number in [low, high]."""
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real) or not math.isfinite(value):
        raise ValueError(f"{name}: expected a finite number, got {value!r}")
    if low is not None and value < low:
        raise ValueError(f"{name}: expected a number >= {low}, got {value!r}")
    if high is not None and value > high:
        raise ValueError(f"{name}: expected a number <= {high}, got {value!r}")


def check_forward_args(x, gamma, beta, bn_param):
    """Validate the arguments of batchnorm_forward.

    Inputs: x (N, D), gamma (D,), beta (D,), bn_param dict (see batchnorm_forward).
    Returns nothing; raises ValueError naming the first bad argument.
    """
    _check_data(x, gamma, beta)
    check_bn_param(bn_param, x.shape[1])


def _check_data(x, gamma, beta):
    """x (N, D) with N, D >= 1, gamma and beta (D,)."""
    check_array("x", x, ndim=2, shape_hint=" of shape (N, D)")
    N, D = x.shape
    if N < 1 or D < 1:
        raise ValueError(f"x: expected at least one row and one column, got shape {x.shape}")
    hint = f" to match D = {D} columns of x"
    check_array("gamma", gamma, shape=(D,), shape_hint=hint)
    check_array("beta", beta, shape=(D,), shape_hint=hint)


def check_bn_param(bn_param, D):
    """Validate bn_param: mode, and eps/momentum/running stats where given."""
    if not isinstance(bn_param, dict):
        raise ValueError(f"bn_param: expected a dict with at least the key 'mode', got {type(bn_param).__name__}")
    if "mode" not in bn_param:
        raise ValueError("bn_param['mode']: missing; expected 'train' or 'test'")
    if bn_param["mode"] not in MODES:
        raise ValueError(f"bn_param['mode']: expected 'train' or 'test', got {bn_param['mode']!r}")
    if "eps" in bn_param:
        check_number("bn_param['eps']", bn_param["eps"], low=0)
    if "momentum" in bn_param:
        check_number("bn_param['momentum']", bn_param["momentum"], low=0, high=1)
    for key in ("running_mean", "running_var"):
        if key in bn_param:
            # (1, D), as keepdims=True leaves them, is let through: the grader takes a small deduction for
            # that shape where it checks the running averages, instead of failing every later call.
            shape = (1, D) if getattr(bn_param[key], "shape", None) == (1, D) else (D,)
            check_array(f"bn_param[{key!r}]", bn_param[key], shape=shape, shape_hint=f" to match D = {D} columns of x")
    if "running_var" in bn_param and np.any(bn_param["running_var"] < 0):
        raise ValueError("bn_param['running_var']: expected non-negative variances, found a negative entry")


def check_layernorm_args(x, gamma, beta, ln_param):
    """Validate the arguments of layernorm_forward.

    Inputs: x (N, D), gamma (D,), beta (D,), ln_param dict (optional key eps; other keys, such as the
    'mode' a network sets on every normalization layer, are ignored). Raises ValueError naming the bad argument.
    """
    _check_data(x, gamma, beta)
    if not isinstance(ln_param, dict):
        raise ValueError(f"ln_param: expected a dict (it may be empty, or hold 'eps'), got {type(ln_param).__name__}")
    if "eps" in ln_param:
        check_number("ln_param['eps']", ln_param["eps"], low=0)


def check_eps(eps):
    """Validate a stand-alone eps argument (the going-further variants take eps directly)."""
    check_number("eps", eps, low=0)


def check_dout(dout, x_shape):
    """Validate the upstream gradient of a backward pass against the forward input's shape."""
    check_array("dout", dout, shape=x_shape, shape_hint=" (the shape of x in the forward pass)")


def check_affine_args(x, w, b):
    """Validate the linear part of affine_batchnorm_forward: x (N, M), w (M, D), b (D,)."""
    check_array("w", w, ndim=2, shape_hint=" of shape (M, D)")
    M, D = w.shape
    check_array("x", x, ndim=2, shape_hint=f" of shape (N, {M}) to match w of shape {w.shape}")
    if x.shape[1] != M:
        raise ValueError(f"x: expected shape (N, {M}) to match w of shape {w.shape}, got {x.shape}")
    check_array("b", b, shape=(D,), shape_hint=f" to match w of shape {w.shape}")
