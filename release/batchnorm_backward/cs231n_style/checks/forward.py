"""Checks of batchnorm_forward: statistics after normalizing, running averages, test mode."""
import numpy as np

from ..data import make_case
from ..gradient_check import same_entries
from .report import CheckFailed, call_student, note, passed, unpack

NAME = "batchnorm_forward"


def _forward(layers, x, gamma, beta, bn_param):
    out, cache = unpack(NAME, call_student(layers, NAME, x, gamma, beta, bn_param), 2, "out, cache")
    if not isinstance(out, np.ndarray) or out.shape != x.shape:
        raise CheckFailed(f"{NAME} returned out of shape {getattr(out, 'shape', type(out).__name__)}, expected {x.shape}")
    return out, cache


def _fmt(values):
    values = np.asarray(values, dtype=np.float64)
    return np.array2string(np.where(np.abs(values) < 5e-5, 0.0, values), precision=4)


def _check_normalized(out, x, gamma, beta, label):
    N = len(x)
    means, stds = out.mean(axis=0), out.std(axis=0)
    if np.allclose(out.mean(axis=1), beta.mean(), atol=1e-6) and not np.allclose(means, beta, atol=1e-4):
        raise CheckFailed(f"{label}: each row has mean 0 instead of each column — normalize each feature, "
                          "with statistics over the batch (axis=0)")
    if not np.allclose(means, beta, atol=1e-6 * (1 + np.abs(beta))):
        raise CheckFailed(f"{label}: feature means {_fmt(means)}, expected {_fmt(beta)} — "
                          "subtract the batch mean x.mean(axis=0), then shift by beta")
    if np.allclose(stds, np.abs(gamma) * np.sqrt((N - 1) / N), rtol=1e-5):
        raise CheckFailed(f"{label}: feature stds {_fmt(stds)} are sqrt((N-1)/N) too small — batch norm uses "
                          "the biased variance, the mean of (x - mean)**2 (divide by N, not N - 1)")
    if not np.allclose(stds, np.abs(gamma), rtol=1e-5):
        raise CheckFailed(f"{label}: feature stds {_fmt(stds)}, expected {_fmt(np.abs(gamma))} — "
                          "divide by sqrt(var + eps), then scale by gamma")
    passed(f"{label}: means {_fmt(means)}, stds {_fmt(stds)}")


def check_forward_train(layers):
    """Train mode: normalized statistics, gamma and beta, running averages, float32."""
    case = make_case("activations")
    x = case.x
    D = x.shape[1]
    note(f"before batch norm: means {_fmt(x.mean(axis=0))}, stds {_fmt(x.std(axis=0))}")

    bn_param = {"mode": "train"}
    out, _ = _forward(layers, x, np.ones(D), np.zeros(D), bn_param)
    _check_normalized(out, x, np.ones(D), np.zeros(D), "gamma = 1, beta = 0")

    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0])
    given = [a.copy() for a in (x, gamma, beta)]
    out, _ = _forward(layers, x, gamma, beta, {"mode": "train"})
    _check_normalized(out, x, gamma, beta, "gamma = [1, 2, 3], beta = [11, 12, 13]")
    if all(np.array_equal(a, b) for a, b in zip(given, (x, gamma, beta))):
        passed("x, gamma and beta left unchanged")
    else:
        note("batchnorm_forward changes x, gamma or beta in place: compute new arrays instead (a hidden test "
             "checks it)")

    _check_running_averages(bn_param, x)

    out32, _ = _forward(layers, x.astype(np.float32), np.ones(D, np.float32), np.zeros(D, np.float32), {"mode": "train"})
    if out32.dtype.kind != "f" or out32.dtype.itemsize < 4:
        raise CheckFailed(f"float32 input gave {out32.dtype} output — keep the input's dtype "
                          "(for example, create arrays with dtype=x.dtype)")
    if out32.dtype != np.float32:
        note(f"float32 input gave {out32.dtype} output: keep the input's dtype (for example, create arrays with "
             "dtype=x.dtype); the autograder takes a small deduction for a wider one")
    else:
        passed("float32 in, float32 out")


def _check_running_averages(bn_param, x):
    mean, var = x.mean(axis=0), x.var(axis=0)
    for key, batch in (("running_mean", mean), ("running_var", var)):
        running = bn_param.get(key)
        if running is None:
            raise CheckFailed(f"bn_param has no '{key}' after a train-mode call — store the updated average "
                              f"back: bn_param['{key}'] = {key}")
        running = np.asarray(running)
        if np.allclose(running, 0.1 * batch, rtol=1e-6):
            continue
        if np.allclose(running, 0.9 * batch, rtol=1e-6):
            raise CheckFailed(f"{key} is 0.9 * the batch value: momentum and 1 - momentum are swapped — "
                              f"{key} = momentum * {key} + (1 - momentum) * batch value")
        if np.allclose(running, batch, rtol=1e-6):
            raise CheckFailed(f"{key} equals the batch value: average it with momentum — "
                              f"{key} = momentum * {key} + (1 - momentum) * batch value")
        raise CheckFailed(f"{key} is {_fmt(running)} after one batch from zeros, expected 0.1 * the batch "
                          f"value = {_fmt(0.1 * batch)}")
    shapes = {key: np.shape(bn_param[key]) for key in ("running_mean", "running_var")
              if np.shape(bn_param[key]) != mean.shape}
    for key, shape in shapes.items():
        if not same_entries(shape, mean.shape):
            raise CheckFailed(f"{key} has shape {shape}, expected {mean.shape}")
    passed("running_mean and running_var after one batch: 0.1 * the batch mean and variance (momentum 0.9)")
    if shapes:
        note(f"{' and '.join(f'{key} has shape {shape}' for key, shape in shapes.items())}: the docstring asks "
             f"for {mean.shape} (the autograder takes a small deduction for another shape)")


def check_forward_test(layers):
    """Test mode: uses (and keeps) the running averages; outputs near zero mean, unit std."""
    D = make_case("activations").x.shape[1]
    gamma, beta = np.ones(D), np.zeros(D)
    bn_param = {"mode": "train"}
    for seed in range(1, 51):
        _forward(layers, make_case("activations", seed).x, gamma, beta, bn_param)
    running_mean = np.array(bn_param.get("running_mean", np.zeros(D)), dtype=np.float64)
    running_var = np.array(bn_param.get("running_var", np.zeros(D)), dtype=np.float64)

    bn_param["mode"] = "test"
    x = make_case("activations", 0).x
    out, _ = _forward(layers, x, gamma, beta, bn_param)
    if not (np.array_equal(bn_param["running_mean"], running_mean) and np.array_equal(bn_param["running_var"], running_var)):
        raise CheckFailed("test mode changed the running averages — only train mode updates them")
    if np.allclose(out.mean(axis=0), 0, atol=1e-7) and np.allclose(out.std(axis=0), 1, atol=1e-5):
        raise CheckFailed("test mode normalized with the batch's own statistics — use bn_param's running_mean "
                          "and running_var instead")
    expected = (x - running_mean) / np.sqrt(running_var + bn_param.get("eps", 1e-5))
    if not np.allclose(out, expected, rtol=1e-6, atol=1e-8):
        raise CheckFailed("test mode output differs from gamma * (x - running_mean) / sqrt(running_var + eps) + beta")
    passed("test mode uses running_mean and running_var, and leaves them unchanged")
    means, stds = out.mean(axis=0), out.std(axis=0)
    if np.any(np.abs(means) > 0.3) or np.any(np.abs(stds - 1) > 0.3):
        raise CheckFailed(f"after 50 training batches, test-mode means {_fmt(means)} and stds {_fmt(stds)} "
                          "should be near 0 and 1 — are the running averages updated in train mode?")
    passed(f"after 50 training batches, test-mode means {_fmt(means)}, stds {_fmt(stds)} (near 0 and 1)")
