"""Formulas exactly as they were published, mistakes included, for the lesson on checking.

The CS231n "alternative backward" notes give this code for the convention
x̂ = (x - μ)/(σ + ε). It divides by sqrt(σ + ε) where (σ + ε) is right; a
numerical gradient check catches it at once. Do not copy it into layers.py.
"""
import numpy as np


def sigma_eps_dx_as_published(dy, x, gamma, eps):
    """dx for x̂ = (x - μ)/(σ + ε), verbatim from the notes (wrong).

    Inputs: dy (N, D) upstream gradient; x (N, D) the forward input; gamma (D,); eps >= 0.
    Returns dx of shape (N, D).
    """
    mu = np.mean(x, axis=0)
    var = np.var(x, axis=0)
    # backward part, as published
    std = np.sqrt(var)
    dx = (dy - np.mean(dy, axis=0) - (x - mu) / (std * (std + eps))
          * np.mean(dy * (x - mu), axis=0)) * gamma / np.sqrt(std + eps)
    return dx
