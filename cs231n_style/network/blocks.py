"""The layers around the normalization: affine, ReLU and the softmax loss.

These are given, as in CS231n's layers.py; the network of this folder combines
them with your batchnorm_* and layernorm_* functions. Shapes: N examples,
D inputs, M outputs, C classes.
"""
import numpy as np


def affine_forward(x, w, b):
    """out = x @ w + b.

    Inputs: x (N, D), w (D, M), b (M,).
    Returns (out, cache): out (N, M); cache (x, w).
    """
    return x @ w + b, (x, w)


def affine_backward(dout, cache):
    """Gradients of affine_forward.

    Inputs: dout (N, M); cache from affine_forward.
    Returns (dx, dw, db): shapes (N, D), (D, M), (M,).
    """
    x, w = cache
    return dout @ w.T, x.T @ dout, dout.sum(axis=0)


def relu_forward(x):
    """out = max(x, 0), elementwise. Returns (out, cache); cache is x."""
    return np.maximum(x, 0), x


def relu_backward(dout, cache):
    """Gradient of relu_forward: dout where the input was positive, else 0."""
    return dout * (cache > 0)


def softmax_loss(scores, y):
    """Mean cross-entropy of the softmax of scores against the labels y.

    Inputs: scores (N, C); y (N,) integers in [0, C).
    Returns (loss, dscores): a float, and its gradient (N, C).
    """
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = scores.shape[0]
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    return float(loss), dscores / n
