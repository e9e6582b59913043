"""Batch normalization: forward pass and two backward passes.

You fill in the functions of this file; the notebook imports them and checks
each one. Every function takes and returns numpy arrays; shapes are given in
the docstrings, with N the batch size and D the number of features.

Only edit between the "YOUR CODE HERE" markers, replacing the line that raises
NotImplementedError. Keep the argument checks at the top of each function: they
turn a wrong shape or a wrong bn_param into a clear error message.
"""
import numpy as np

from cs231n_style.validation import check_affine_args, check_dout, check_eps, check_forward_args, check_layernorm_args


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass for batch normalization.

    In train mode, normalize each feature (column) of x with the mean and the
    biased variance of the batch, then scale by gamma and shift by beta:

        xhat = (x - mean) / sqrt(var + eps)        out = gamma * xhat + beta

    and update the running averages used in test mode:

        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var  = momentum * running_var  + (1 - momentum) * var

    In test mode, normalize with running_mean and running_var instead of the
    batch statistics, and leave them unchanged. Leave x, gamma and beta
    unchanged too: compute new arrays rather than changing them in place.

    Inputs:
    - x: data of shape (N, D)
    - gamma: scale parameter of shape (D,)
    - beta: shift parameter of shape (D,)
    - bn_param: dict with the keys
      - mode: 'train' or 'test'; required
      - eps: constant for numeric stability, default 1e-5
      - momentum: constant for the running averages, default 0.9
      - running_mean: array of shape (D,), the running mean of the features
      - running_var: array of shape (D,), the running variance of the features

    Returns a tuple of:
    - out: of shape (N, D), the same dtype as x
    - cache: whatever your backward passes need (train mode); None in test mode
    and bn_param's running_mean and running_var, updated in train mode, of shape (D,)
    """
    check_forward_args(x, gamma, beta, bn_param)
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        # Compute the batch mean and (biased) variance of each feature, the
        # normalized xhat, and out; store in cache what the backward passes
        # need; update running_mean and running_var.
        # YOUR CODE HERE
        raise NotImplementedError("batchnorm_forward in cs231n_style/layers.py is not implemented yet")
    else:
        # Normalize with the running averages instead of the batch statistics.
        # YOUR CODE HERE
        raise NotImplementedError("batchnorm_forward in cs231n_style/layers.py is not implemented yet")

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass for batch normalization, through the computation graph.

    Go node by node through the staged equations of the notebook (those of the
    batch-norm paper), from the output back to the input:

        dxhat -> dvar -> dmean -> dx, and dgamma, dbeta

    Name your intermediate gradients dxhat, dvar and dmean: the notebook finds
    them by these names to check each stage on its own. Leave dout and the
    cache unchanged (no in-place operations on them).

    Inputs:
    - dout: upstream gradient dL/dout, of shape (N, D)
    - cache: what your batchnorm_forward returned in train mode

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    each of the dtype of x and dout (float32 in, float32 out)
    """
    dx, dgamma, dbeta = None, None, None
    # Unpack your cache, check dout with check_dout(dout, x.shape), then compute.
    # YOUR CODE HERE
    raise NotImplementedError("batchnorm_backward in cs231n_style/layers.py is not implemented yet")
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass for batch normalization, in the simplified closed form.

    Derive dL/dx on paper (the notebook walks through it) and simplify it to a
    single expression in xhat, dxhat = gamma * dout and 1 / sqrt(var + eps).
    Do not call batchnorm_backward, and use no Python loop over the batch
    (whole-array operations only): the point is a faster, shorter formula, at
    least 1.1 times as fast as your batchnorm_backward. Leave dout and the cache
    unchanged.

    Inputs:
    - dout: upstream gradient dL/dout, of shape (N, D)
    - cache: what your batchnorm_forward returned in train mode

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    each of the dtype of x and dout (float32 in, float32 out)
    """
    dx, dgamma, dbeta = None, None, None
    # Unpack your cache, check dout with check_dout(dout, x.shape), then compute.
    # YOUR CODE HERE
    raise NotImplementedError("batchnorm_backward_alt in cs231n_style/layers.py is not implemented yet")
    return dx, dgamma, dbeta


# ---------------------------------------------------------------------------
# Going further. The same layer with other conventions, and a linear layer
# followed by batch norm. These run in train mode only.
# ---------------------------------------------------------------------------


def batchnorm_forward_sigma_eps(x, gamma, beta, eps=1e-5):
    """Batch norm with eps added to the standard deviation instead of the variance:

        xhat = (x - mean) / (std + eps),   std = sqrt(var),   out = gamma * xhat + beta

    Inputs:
    - x: data of shape (N, D)
    - gamma, beta: of shape (D,)
    - eps: a number >= 0

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: whatever batchnorm_backward_sigma_eps needs
    """
    check_forward_args(x, gamma, beta, {"mode": "train"})
    check_eps(eps)
    out, cache = None, None
    # YOUR CODE HERE
    raise NotImplementedError("batchnorm_forward_sigma_eps in cs231n_style/layers.py is not implemented yet")
    return out, cache


def batchnorm_backward_sigma_eps(dout, cache):
    """Backward pass of batchnorm_forward_sigma_eps, in closed form.

    Inputs:
    - dout: upstream gradient of shape (N, D)
    - cache: from batchnorm_forward_sigma_eps

    Returns a tuple of:
    - dx: of shape (N, D)
    - dgamma, dbeta: of shape (D,)

    A feature with zero spread (all rows equal) has no derivative through std;
    give it dx = (dxhat - mean(dxhat)) / eps for that feature.
    """
    dx, dgamma, dbeta = None, None, None
    # Unpack your cache, check dout with check_dout(dout, x.shape), then compute.
    # YOUR CODE HERE
    raise NotImplementedError("batchnorm_backward_sigma_eps in cs231n_style/layers.py is not implemented yet")
    return dx, dgamma, dbeta


def batchnorm_forward_unbiased(x, gamma, beta, eps=1e-5):
    """Batch norm with the unbiased variance, sum((x - mean)**2) / (N - 1).

    Inputs:
    - x: data of shape (N, D), with N >= 2
    - gamma, beta: of shape (D,)
    - eps: a number >= 0

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: whatever batchnorm_backward_unbiased needs
    """
    check_forward_args(x, gamma, beta, {"mode": "train"})
    check_eps(eps)
    if x.shape[0] < 2:
        raise ValueError(f"x: the unbiased variance needs at least N = 2 rows, got shape {x.shape}")
    out, cache = None, None
    # YOUR CODE HERE
    raise NotImplementedError("batchnorm_forward_unbiased in cs231n_style/layers.py is not implemented yet")
    return out, cache


def batchnorm_backward_unbiased(dout, cache):
    """Backward pass of batchnorm_forward_unbiased, in closed form.

    Inputs:
    - dout: upstream gradient of shape (N, D)
    - cache: from batchnorm_forward_unbiased

    Returns a tuple of:
    - dx: of shape (N, D)
    - dgamma, dbeta: of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    # Unpack your cache, check dout with check_dout(dout, x.shape), then compute.
    # YOUR CODE HERE
    raise NotImplementedError("batchnorm_backward_unbiased in cs231n_style/layers.py is not implemented yet")
    return dx, dgamma, dbeta


def affine_batchnorm_forward(x, w, b, gamma, beta, bn_param):
    """A linear (affine) layer followed by batch norm: out = BN(x @ w + b).

    Inputs:
    - x: input of shape (N, M)
    - w: weights of shape (M, D)
    - b: bias of shape (D,)
    - gamma, beta: of shape (D,)
    - bn_param: as for batchnorm_forward

    Returns a tuple of:
    - out: of shape (N, D)
    - cache: whatever affine_batchnorm_backward needs
    """
    check_affine_args(x, w, b)
    out, cache = None, None
    # Reuse your batchnorm_forward for the normalization.
    # YOUR CODE HERE
    raise NotImplementedError("affine_batchnorm_forward in cs231n_style/layers.py is not implemented yet")
    return out, cache


def affine_batchnorm_backward(dout, cache):
    """Backward pass of affine_batchnorm_forward.

    Inputs:
    - dout: upstream gradient of shape (N, D)
    - cache: from affine_batchnorm_forward

    Returns a tuple of:
    - dx: of shape (N, M)
    - dw: of shape (M, D)
    - db: of shape (D,)
    - dgamma, dbeta: of shape (D,)
    """
    dx, dw, db, dgamma, dbeta = None, None, None, None, None
    # dh = dL/d(x @ w + b) is a batch-norm backward; the rest is the affine backward.
    # YOUR CODE HERE
    raise NotImplementedError("affine_batchnorm_backward in cs231n_style/layers.py is not implemented yet")
    return dx, dw, db, dgamma, dbeta


# ---------------------------------------------------------------------------
# Layer normalization: the statistics of each example (row) over its features,
# instead of each feature (column) over the batch.
# ---------------------------------------------------------------------------


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass for layer normalization.

    Normalize each example (row) of x with the mean and the biased variance of
    its own D features, then scale and shift each feature as batch norm does:

        xhat = (x - mean) / sqrt(var + eps)   (mean, var of each row)   out = gamma * xhat + beta

    There are no running averages and no train/test modes: an example's
    statistics are its own, at training and at test time alike. Leave x, gamma
    and beta unchanged.

    Inputs:
    - x: data of shape (N, D)
    - gamma: scale parameter of shape (D,)
    - beta: shift parameter of shape (D,)
    - ln_param: dict with the key
      - eps: constant for numeric stability, default 1e-5
      (any other key, such as 'mode', is ignored)

    Returns a tuple of:
    - out: of shape (N, D), the same dtype as x
    - cache: whatever layernorm_backward needs
    """
    check_layernorm_args(x, gamma, beta, ln_param)
    eps = ln_param.get("eps", 1e-5)
    out, cache = None, None
    # Compute the mean and (biased) variance of each row, xhat and out.
    # YOUR CODE HERE
    raise NotImplementedError("layernorm_forward in cs231n_style/layers.py is not implemented yet")
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass for layer normalization.

    The closed form of batch norm's backward pass holds with the axis changed:
    the means run over the features of each row instead of over the batch.
    dgamma and dbeta still sum over the batch. Leave dout and the cache unchanged.

    Inputs:
    - dout: upstream gradient dL/dout, of shape (N, D)
    - cache: what your layernorm_forward returned

    Returns a tuple of:
    - dx: gradient with respect to x, of shape (N, D)
    - dgamma: gradient with respect to gamma, of shape (D,)
    - dbeta: gradient with respect to beta, of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    # Unpack your cache, check dout with check_dout(dout, x.shape), then compute.
    # YOUR CODE HERE
    raise NotImplementedError("layernorm_backward in cs231n_style/layers.py is not implemented yet")
    return dx, dgamma, dbeta
