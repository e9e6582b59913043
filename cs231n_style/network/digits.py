"""A small real data set: scikit-learn's 8x8 handwritten digits, bundled with it (no download).

1797 images of the digits 0-9, 64 pixels each with values 0-16.
"""
import functools

import numpy as np

NUM_VALIDATION = 500


@functools.lru_cache(maxsize=None)
def load_digits_split(seed=0):
    """A seeded split into training and validation data, pixels centred and scaled on the training part.

    Returns a dict of read-only arrays: X_train (1297, 64), y_train (1297,),
    X_val (500, 64), y_val (500,); X float64, y int64.
    """
    try:
        from sklearn.datasets import load_digits  # imported here: scikit-learn takes a second to import
    except ImportError:
        raise ImportError("section 6 trains on scikit-learn's bundled digits, and scikit-learn is not installed "
                          "here: pip install scikit-learn (the course's `make` installs it)") from None

    digits = load_digits()
    order = np.random.default_rng(seed).permutation(len(digits.target))
    X, y = digits.data[order].astype(np.float64), digits.target[order].astype(np.int64)
    X_train, X_val = X[NUM_VALIDATION:], X[:NUM_VALIDATION]
    mean = X_train.mean(axis=0)
    std = (X_train - mean).std()  # one scale for all pixels, so that blank corners stay blank
    data = {
        "X_train": (X_train - mean) / std,
        "y_train": y[NUM_VALIDATION:],
        "X_val": (X_val - mean) / std,
        "y_val": y[:NUM_VALIDATION],
    }
    for array in data.values():
        array.flags.writeable = False
    return data
