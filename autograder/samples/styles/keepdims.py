"""A correct submission as many CS231n students write it: keepdims=True throughout, a dict cache
with names of its own, the graph backward in the paper's equations, (D,) results."""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == "train":
        sample_mean = np.mean(x, axis=0, keepdims=True)
        sample_var = np.var(x, axis=0, keepdims=True)
        x_norm = (x - sample_mean) / np.sqrt(sample_var + eps)
        out = gamma * x_norm + beta
        cache = {"x": x, "x_norm": x_norm, "mu": sample_mean, "var": sample_var, "gamma": gamma, "eps": eps}
        running_mean = momentum * running_mean + (1 - momentum) * sample_mean.ravel()
        running_var = momentum * running_var + (1 - momentum) * sample_var.ravel()
    elif mode == "test":
        x_norm = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_norm + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    x, x_norm, mu, var = cache["x"], cache["x_norm"], cache["mu"], cache["var"]
    gamma, eps = cache["gamma"], cache["eps"]
    N = x.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_norm, axis=0)
    dxhat = dout * gamma
    dvar = np.sum(dxhat * (x - mu), axis=0, keepdims=True) * -0.5 * (var + eps) ** (-1.5)
    dmean = np.sum(-dxhat / np.sqrt(var + eps), axis=0, keepdims=True) + \
        dvar * np.sum(-2.0 * (x - mu), axis=0, keepdims=True) / N
    dx = dxhat / np.sqrt(var + eps) + dvar * 2.0 * (x - mu) / N + dmean / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    x_norm, var, gamma, eps = cache["x_norm"], cache["var"], cache["gamma"], cache["eps"]
    N = dout.shape[0]
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * x_norm, axis=0)
    dx_norm = dout * gamma
    dx = (1.0 / N) / np.sqrt(var + eps) * (N * dx_norm - np.sum(dx_norm, axis=0, keepdims=True)
                                          - x_norm * np.sum(dx_norm * x_norm, axis=0, keepdims=True))
    return dx, dgamma, dbeta
