"""Reference forms that students do not write but the lesson and the grader use.

- batchnorm_backward_stages: the graph backward's intermediate gradients
  (dxhat, dvar, dmean), for checking a student's stages one by one.
- published_sigma_eps_backward: seed 001's published code for the
  x̂ = (x - μ)/(σ + ε) convention, kept verbatim because it is wrong: it divides
  by sqrt(σ + ε) where (σ + ε) is right, and a gradient check catches it.
- affine_batchnorm_design_matrix: seed 003's design-matrix view of a linear
  layer followed by batch norm, where the variance of each output feature is
  wᵀ C w for the covariance C of the layer's inputs.
"""
import numpy as np

from cs231n_style.published import sigma_eps_dx_as_published
from cs231n_style.stages import backward_stages
from cs231n_style.validation import check_affine_args, check_dout, check_eps, check_forward_args

from .layers import batchnorm_backward


def batchnorm_backward_stages(dout, cache):
    """The reference graph backward with its stages.

    Inputs: dout (N, D); cache from reference batchnorm_forward in train mode.
    Returns a dict: dxhat (N, D), dvar (D,), dmean (D,), dx (N, D), dgamma (D,), dbeta (D,).
    """
    return backward_stages(batchnorm_backward, dout, cache)


def published_sigma_eps_backward(dout, cache):
    """Seed 001's dx for x̂ = (x - μ)/(σ + ε), as published (wrong), on a batchnorm_forward_sigma_eps cache.

    Inputs: dout (N, D); cache from batchnorm_forward_sigma_eps.
    Returns dx of shape (N, D).
    """
    x = cache["xmu"]  # the published formula subtracts the mean itself; a centered x gives the same result
    return sigma_eps_dx_as_published(dout, x, cache["gamma"], cache["eps"])


def affine_batchnorm_design_matrix(x, w, b, gamma, beta, dout, eps=1e-5):
    """Forward and backward of out = BN(x @ w + b) in seed 003's design-matrix form.

    With Xc the centered inputs, C = Xcᵀ Xc / N their covariance, S = diag(1/sqrt(σ² + ε)),
    σ² = diag(wᵀ C w), Ĥ = Xc w S and G = dout · γ:

        dL/dH = (G - 1 ḡᵀ - Ĥ diag(c)) S,   c_j = mean_i(Ĥ_ij G_ij)
        dw    = (Xcᵀ G - N C w S diag(c)) S
        dx    = dL/dH wᵀ,   db = 1ᵀ dL/dH = 0

    Inputs: x (N, M), w (M, D), b (D,), gamma (D,), beta (D,), dout (N, D), eps >= 0.
    Returns a tuple (out (N, D), dx (N, M), dw (M, D), db (D,), dgamma (D,), dbeta (D,)).
    """
    check_affine_args(x, w, b)
    N = x.shape[0]
    check_forward_args(np.empty((N, w.shape[1]), dtype=x.dtype), gamma, beta, {"mode": "train"})
    check_dout(dout, (N, w.shape[1]))
    check_eps(eps)
    xc = x - x.mean(axis=0)
    cov = xc.T @ xc / N  # the hidden (M, M) covariance of the inputs
    var = ((cov @ w) * w).sum(axis=0)  # diag(wᵀ C w)
    s = 1.0 / np.sqrt(var + eps)
    hhat = (xc @ w) * s  # b drops out: BN removes every per-feature shift
    out = gamma * hhat + beta

    g = dout * gamma
    c = (hhat * g).mean(axis=0)
    dh = (g - g.mean(axis=0) - hhat * c) * s
    dw = (xc.T @ g - N * (cov @ w) * s * c) * s
    dx = dh @ w.T
    db = dh.sum(axis=0)
    return out, dx, dw, db, (dout * hhat).sum(axis=0), dout.sum(axis=0)
