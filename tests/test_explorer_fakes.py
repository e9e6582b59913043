"""Fake implementations shared by the explorer tests: correct, buggy and unfinished ones.

(No tests here; the test_explorer_* modules import these.)
"""
import types

import numpy as np

import autograder.reference as reference


def fake_module(**functions):
    """A module-like object with the reference's three functions, some replaced by `functions`."""
    names = ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt")
    return types.SimpleNamespace(**{name: functions.get(name, getattr(reference, name)) for name in names})


def _parts(dout, cache):
    xhat, gamma, inv_std = cache["xhat"], cache["gamma"], cache["inv_std"]
    return xhat, dout * gamma, inv_std, dout.sum(axis=0), (dout * xhat).sum(axis=0)


def backward_without_variance_term(dout, cache):
    """The closed form forgetting the path through the variance: dx = (dxhat - mean(dxhat)) / s."""
    xhat, dxhat, inv_std, dbeta, dgamma = _parts(dout, cache)
    return (dxhat - dxhat.mean(axis=0)) * inv_std, dgamma, dbeta


def backward_without_mean_term(dout, cache):
    """The closed form forgetting the path through the mean: dx no longer sums to zero."""
    xhat, dxhat, inv_std, dbeta, dgamma = _parts(dout, cache)
    return (dxhat - xhat * (dxhat * xhat).mean(axis=0)) * inv_std, dgamma, dbeta


def stub(name):
    """A function raising NotImplementedError the way the generated stubs do."""
    def function(*args):
        raise NotImplementedError(f"{name} in cs231n_style/layers.py is not implemented yet")
    function.__name__ = name
    return function


def scaled(factor):
    """A graph backward whose dx is `factor` times the right one."""
    def backward(dout, cache):
        dx, dgamma, dbeta = reference.batchnorm_backward(dout, cache)
        return factor * dx, dgamma, dbeta
    return backward


def unit_rows(N, D, seed):
    """A (N, D) float64 array of standard normals."""
    return np.random.default_rng(seed).standard_normal((N, D))
