"""The three experiments of the notebook's section 6, as data (the figures are in figures.py).

Every run is seeded: the data split, the initial weights and the order of the
minibatches, so the numbers, and the conclusions drawn from them, are the same
on every run.
"""
import numpy as np

from .digits import load_digits_split
from .model import FullyConnectedNet
from .training import train

HIDDEN_DIMS = (100, 100, 100, 100)
LEARNING_RATE = 1e-3
WEIGHT_SCALES = tuple(np.logspace(-4, 0, 9))
BATCH_SIZES = (2, 5, 10, 50)
SEED = 0


def network(layers, normalization, weight_scale, seed=SEED):
    """The network of these experiments for the digits: 64 inputs, HIDDEN_DIMS, 10 classes."""
    return FullyConnectedNet(layers, HIDDEN_DIMS, input_dim=64, num_classes=10,
                             normalization=normalization, weight_scale=weight_scale, seed=seed)


def training_curves(layers, *, epochs=10, batch_size=50, weight_scale=2e-2):
    """The same network trained with and without batch norm: {None: History, 'batchnorm': History}."""
    data = load_digits_split(SEED)
    return {norm: train(network(layers, norm, weight_scale), data, epochs=epochs, batch_size=batch_size,
                        learning_rate=LEARNING_RATE, seed=SEED)
            for norm in (None, "batchnorm")}


def weight_scale_sweep(layers, *, scales=WEIGHT_SCALES, epochs=4, batch_size=50):
    """Final validation accuracy per initial weight scale, with and without batch norm.

    Returns {'scales': scales, None: [accuracy per scale], 'batchnorm': [...]}.
    """
    data = load_digits_split(SEED)
    result = {"scales": tuple(scales)}
    for norm in (None, "batchnorm"):
        result[norm] = [train(network(layers, norm, scale), data, epochs=epochs, batch_size=batch_size,
                              learning_rate=LEARNING_RATE, seed=SEED).val_acc[-1]
                        for scale in scales]
    return result


def batch_size_sweep(layers, *, sizes=BATCH_SIZES, num_train=300, epochs=4, weight_scale=2e-2):
    """Validation accuracy per training batch size, for batch norm and for layer norm.

    Each run sees the same num_train training examples for the same number of
    epochs, so smaller batches take more, noisier steps. Returns
    {'sizes': sizes, 'batchnorm': [accuracy per size], 'layernorm': [...]}.
    """
    full = load_digits_split(SEED)
    data = dict(full, X_train=full["X_train"][:num_train], y_train=full["y_train"][:num_train])
    result = {"sizes": tuple(sizes)}
    for norm in ("batchnorm", "layernorm"):
        result[norm] = [train(network(layers, norm, weight_scale), data, epochs=epochs, batch_size=size,
                              learning_rate=LEARNING_RATE, seed=SEED).val_acc[-1]
                        for size in sizes]
    return result
