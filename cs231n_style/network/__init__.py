"""Batch norm in a small network: the notebook's section 6.

The network (model.py) is built from the given layers of blocks.py and your
normalization functions, trained with Adam (adam.py, training.py) on
scikit-learn's 8x8 digits (digits.py). experiments.py runs the three
experiments and figures.py draws them.
"""
from .figures import show_batch_sizes, show_training_curves, show_weight_scales

__all__ = ["show_batch_sizes", "show_training_curves", "show_weight_scales"]
