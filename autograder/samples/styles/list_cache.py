"""A correct submission with Python 2 habits: a list cache, float(N) and 1. / N, explicit loops of
numpy calls replaced by np.sum with axis, the graph backward step by step."""
import numpy as np


def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param['mode']
    eps = bn_param.get('eps', 1e-5)
    momentum = bn_param.get('momentum', 0.9)
    N, D = x.shape
    running_mean = bn_param.get('running_mean', np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get('running_var', np.zeros(D, dtype=x.dtype))
    out, cache = None, None
    if mode == 'train':
        mean = np.sum(x, axis=0) / float(N)
        centered = x - mean
        variance = np.sum(centered ** 2, axis=0) / float(N)
        std = np.sqrt(variance + eps)
        normalized = centered / std
        out = gamma * normalized + beta
        cache = [normalized, centered, std, gamma]
        running_mean = momentum * running_mean + (1. - momentum) * mean
        running_var = momentum * running_var + (1. - momentum) * variance
    elif mode == 'test':
        out = (x - running_mean) / np.sqrt(running_var + eps) * gamma + beta
    else:
        raise ValueError('Invalid forward batchnorm mode "%s"' % mode)
    bn_param['running_mean'] = running_mean
    bn_param['running_var'] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    normalized, centered, std, gamma = cache
    N = float(dout.shape[0])
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * normalized, axis=0)
    dxhat = dout * gamma
    dvar = np.sum(dxhat * centered, axis=0) * (-0.5) * std ** -3
    dmean = np.sum(-dxhat / std, axis=0) + dvar * np.sum(-2. * centered, axis=0) / N
    dx = dxhat / std + dvar * 2. * centered / N + dmean / N
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    normalized, centered, std, gamma = cache
    N = float(dout.shape[0])
    dbeta = np.sum(dout, axis=0)
    dgamma = np.sum(dout * normalized, axis=0)
    dx = gamma / (N * std) * (N * dout - dbeta - normalized * dgamma)
    return dx, dgamma, dbeta
