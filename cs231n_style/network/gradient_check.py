"""A numerical gradient check of the whole network, with your normalization layers inside."""
import numpy as np

from ..checks.report import CheckFailed, call_student, running_student_code, unpack
from ..gradient_check import eval_numerical_gradient, rel_error
from .model import LAYER_FUNCTIONS, FullyConnectedNet

TOL = 1e-6  # the loss adds up rounding from every layer, so the tolerance is looser than the layers' 1e-7


def network_gradient_errors(layers, normalization, seed=0):
    """Relative error of each parameter's gradient in a small network: {'W1': 3e-9, 'gamma1': ..., ...}.

    The network: 6 examples of 5 features, hidden layers of 7 and 6 units, 4
    classes, a little L2 regularization, initial weights from seed. A failing
    function of yours raises CheckFailed naming it.
    """
    rng = np.random.default_rng(seed)
    if normalization:
        _call_each_function(layers, normalization, rng)
    X, y = rng.standard_normal((6, 5)), rng.integers(4, size=6)
    model = FullyConnectedNet(layers, (7, 6), input_dim=5, num_classes=4, normalization=normalization,
                              weight_scale=0.5, reg=0.1, seed=seed)
    with running_student_code("the network's loss"):
        _, grads = model.loss(X, y)
        errors = {}
        for name in sorted(model.params):
            def loss_at(value, name=name):
                model.params[name] = value
                return model.loss(X, y)[0]
            original = model.params[name]
            numeric = eval_numerical_gradient(loss_at, original)
            model.params[name] = original
            if name not in grads:
                raise CheckFailed(f"the network's backward pass gave no gradient for {name}")
            errors[name] = rel_error(grads[name], numeric)
    return errors


def _call_each_function(layers, normalization, rng):
    """Call the forward and backward function once on their own, so that a failure names the one that failed."""
    forward_name, backward_name = LAYER_FUNCTIONS[normalization]
    x, dout = rng.standard_normal((4, 3)), rng.standard_normal((4, 3))
    result = call_student(layers, forward_name, x, np.ones(3), np.zeros(3), {"mode": "train"})
    _, cache = unpack(forward_name, result, 2, "out, cache")
    unpack(backward_name, call_student(layers, backward_name, dout, cache), 3, "dx, dgamma, dbeta")
