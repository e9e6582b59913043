"""Minibatch training with Adam, and the history it records (as CS231n's Solver, in one function)."""
from dataclasses import dataclass, field

import numpy as np

from .adam import adam


@dataclass
class History:
    """What one training run records.

    loss: the training loss of every iteration; train_acc and val_acc: the
    accuracy in test mode after every epoch, on (up to 1000 of) the training
    examples and on the validation examples.
    """
    loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)


def accuracy(model, X, y):
    """Fraction of the rows of X (N, D) whose highest score is their label y (N,)."""
    return float(np.mean(np.argmax(model.loss(X), axis=1) == y))


def train(model, data, *, epochs, batch_size, learning_rate, seed=0):
    """Train model (a FullyConnectedNet) on data (the dict of load_digits_split); returns a History.

    Each epoch visits the training examples once, in an order drawn from
    np.random.default_rng(seed), in minibatches of batch_size.
    """
    rng = np.random.default_rng(seed)
    X, y = data["X_train"], data["y_train"]
    configs = {name: {"learning_rate": learning_rate} for name in model.params}
    history = History()
    for _ in range(epochs):
        order = rng.permutation(len(y))
        for start in range(0, len(y) - batch_size + 1, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = model.loss(X[batch], y[batch])
            history.loss.append(loss)
            for name, grad in grads.items():
                model.params[name], configs[name] = adam(model.params[name], grad, configs[name])
        history.train_acc.append(accuracy(model, X[:1000], y[:1000]))
        history.val_acc.append(accuracy(model, data["X_val"], data["y_val"]))
    return history
