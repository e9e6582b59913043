"""A fully connected network with optional batch norm or layer norm.

    {affine - [batch norm | layer norm] - relu} x (L - 1) - affine - softmax

as CS231n's FullyConnectedNet, with the normalization taken from the module
you pass (your cs231n_style.layers): batchnorm_forward and
batchnorm_backward_alt, or layernorm_forward and layernorm_backward.
"""
import numpy as np

from .blocks import affine_backward, affine_forward, relu_backward, relu_forward, softmax_loss

NORMALIZATIONS = (None, "batchnorm", "layernorm")

# The functions of your layers.py each normalization uses, forward then backward.
LAYER_FUNCTIONS = {
    "batchnorm": ("batchnorm_forward", "batchnorm_backward_alt"),
    "layernorm": ("layernorm_forward", "layernorm_backward"),
}


class FullyConnectedNet:
    """Parameters: W1, b1, (gamma1, beta1), ..., WL, bL in self.params.

    Inputs:
    - layers: the module with the normalization functions (unused when normalization is None)
    - hidden_dims: sizes of the L - 1 hidden layers, e.g. (100, 100)
    - input_dim, num_classes: D and C
    - normalization: None, 'batchnorm' or 'layernorm'
    - weight_scale: standard deviation of the initial weights
    - reg: L2 regularization strength on the weights
    - seed: the initial weights are drawn from np.random.default_rng(seed)
    """

    def __init__(self, layers, hidden_dims, input_dim, num_classes, normalization=None,
                 weight_scale=1e-2, reg=0.0, seed=0):
        if normalization not in NORMALIZATIONS:
            raise ValueError(f"normalization must be one of {NORMALIZATIONS}, got {normalization!r}")
        self.layers = layers
        self.normalization = normalization
        self.reg = reg
        self.num_layers = len(hidden_dims) + 1
        rng = np.random.default_rng(seed)
        dims = [input_dim, *hidden_dims, num_classes]
        self.params = {}
        for i, (fan_in, fan_out) in enumerate(zip(dims[:-1], dims[1:]), start=1):
            self.params[f"W{i}"] = weight_scale * rng.standard_normal((fan_in, fan_out))
            self.params[f"b{i}"] = np.zeros(fan_out)
            if normalization and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(fan_out)
                self.params[f"beta{i}"] = np.zeros(fan_out)
        # one bn_param / ln_param per normalized layer; batch norm keeps its running averages there
        self.norm_params = [{"mode": "train"} for _ in hidden_dims]

    def loss(self, X, y=None):
        """Scores of X (N, D) if y is None (test mode); else (loss, grads), grads with the keys of params."""
        mode = "test" if y is None else "train"
        for norm_param in self.norm_params:
            norm_param["mode"] = mode
        if self.normalization:
            forward, backward = (getattr(self.layers, name) for name in LAYER_FUNCTIONS[self.normalization])

        caches = []
        h = X
        for i in range(1, self.num_layers):
            h, affine_cache = affine_forward(h, self.params[f"W{i}"], self.params[f"b{i}"])
            norm_cache = None
            if self.normalization:
                h, norm_cache = forward(h, self.params[f"gamma{i}"], self.params[f"beta{i}"], self.norm_params[i - 1])
            h, relu_cache = relu_forward(h)
            caches.append((affine_cache, norm_cache, relu_cache))
        L = self.num_layers
        scores, last_cache = affine_forward(h, self.params[f"W{L}"], self.params[f"b{L}"])
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dh, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, last_cache)
        for i in range(L - 1, 0, -1):
            affine_cache, norm_cache, relu_cache = caches[i - 1]
            dh = relu_backward(dh, relu_cache)
            if self.normalization:
                dh, grads[f"gamma{i}"], grads[f"beta{i}"] = backward(dh, norm_cache)
            dh, grads[f"W{i}"], grads[f"b{i}"] = affine_backward(dh, affine_cache)
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * float(np.sum(W * W))
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * W
        return loss, grads
