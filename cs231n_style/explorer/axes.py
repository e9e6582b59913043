"""Small helpers for the panels: limits that move only when the data leave them, and messages."""
import math

import numpy as np

FLOOR = 1e-18  # where exact zeros go on a log axis


def _nice_ceil(value):
    """The next of 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10 times a power of ten at or above value."""
    power = 10.0 ** math.floor(math.log10(value))
    for step in (1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if step * power >= value:
            return step * power
    return 10 * power


def fit_limits(ax, values, default, log, grow_low=True, grow_high=True, cap=(1e-30, 1e30)):
    """Set the y-limits of `ax` to `default` grown to take in `values` (within cap).

    Log axes grow by whole decades, linear ones to round numbers, so small moves
    of the data leave the limits (and the kept background) alone.

    Returns True when the limits changed (the caller then needs a full draw).
    """
    low, high = default
    v = np.asarray(values, dtype=np.float64).ravel()
    v = v[np.isfinite(v)]
    if log:
        v = v[v > 0]
    if v.size:
        top = min(float(v.max()), cap[1])
        bottom = max(float(v.min()), cap[0])
        if log:
            if grow_high and top > high:
                high = 10.0 ** math.ceil(math.log10(top) - 1e-9)
            if grow_low and bottom < low:
                low = 10.0 ** math.floor(math.log10(bottom) + 1e-9)
        else:
            if grow_high and top > high:
                high = _nice_ceil(top * 1.05)
            if grow_low and bottom < low:
                low = -_nice_ceil(-bottom * 1.05) if bottom < 0 else low
    if np.allclose(ax.get_ylim(), (low, high), rtol=1e-9, atol=0):
        return False
    ax.set_ylim(low, high)
    return True


def floored(values, floor=FLOOR):
    """values as float64 with zeros (and anything below floor) raised to floor, for a log axis."""
    return np.maximum(np.asarray(values, dtype=np.float64), floor)


def message_text(ax):
    """An empty, centred text on `ax` for saying why the panel has no data (drawn over the data)."""
    return ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=9, color="0.25", zorder=10,
                   bbox={"boxstyle": "round,pad=0.5", "facecolor": "#fff4e0", "edgecolor": "#e0a040"})
