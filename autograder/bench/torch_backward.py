"""PyTorch's native CPU batch-norm backward as an outside reference (optional).

PyTorch is an optional dependency (`pip install torch==2.13.0`, or `make
bench`). Without it, `load_torch()` returns None and the benchmark says so.

The backward is `torch.ops.aten.native_batch_norm_backward`, the kernel that
autograd runs after `torch.nn.functional.batch_norm` in training mode. It gets
the reference forward's batch mean and 1 / sqrt(var + eps) as its saved
statistics (PyTorch normalizes with the biased variance in training, as the
reference does), so it computes the same dx, dgamma and dbeta
(tests/test_bench_torch.py checks). Its tensors share memory with the numpy
arrays (torch.from_numpy): nothing is copied when it is timed.
"""
import contextlib

NOT_INSTALLED = "PyTorch: not installed — pip install torch==2.13.0 (or `make bench` installs it)"
LEFT_OUT = "PyTorch: left out (--no-torch)"


def load_torch():
    """The torch module, or None if it cannot be imported."""
    try:
        import torch
    except ImportError:
        return None
    return torch


def describe(torch):
    """One line naming what the torch row measures, or why it is missing."""
    if torch is None:
        return NOT_INSTALLED
    return f"PyTorch {torch.__version__} aten.native_batch_norm_backward (train=True), 1 thread"


@contextlib.contextmanager
def one_thread(torch):
    """Run PyTorch on one thread inside the block, restoring its thread count afterwards."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def torch_backward_function(torch, dout, cache):
    """A function of no arguments returning PyTorch's (dx, dgamma, dbeta) as tensors.

    Inputs:
    - torch: the torch module
    - dout: upstream gradient, numpy array of shape (N, D)
    - cache: from the reference batchnorm_forward in train mode (x, mean, inv_std,
      gamma of matching dtype, and eps)
    """
    grad, x, gamma, mean, inv_std = (torch.from_numpy(a) for a in
                                     (dout, cache["x"], cache["gamma"], cache["mean"], cache["inv_std"]))
    eps = float(cache["eps"])
    backward = torch.ops.aten.native_batch_norm_backward

    def torch_backward():
        return backward(grad, x, gamma, None, None, mean, inv_std, True, eps, [True, True, True])

    return torch_backward
