"""The ipywidgets controls of the explorer, one per field of Settings they set."""
import math

import ipywidgets as widgets

from .settings import BACKWARDS, BATCH_SIZES, DTYPES, EPS_RANGE, NORMALIZATIONS, SPREAD_RANGE

_SLIDER_LAYOUT = {"width": "100%", "max_width": "520px"}
_SLIDER_STYLE = {"description_width": "170px"}
_TOGGLE_STYLE = {"description_width": "70px"}


def _log_slider(description, value, value_range, readout_format):
    low, high = (math.log10(v) for v in value_range)
    return widgets.FloatLogSlider(value=value, base=10, min=low, max=high, step=0.125, description=description,
                                  readout_format=readout_format, layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE)


def _implementation_options(implementations):
    options = []
    for label, implementation in implementations.items():
        name = "your code" if label == "yours" else label
        options.append((name if implementation.available else f"{name} (unavailable)", label))
    return options


def build_controls(settings, implementations):
    """Make the controls, set to `settings`. Returns a dict: Settings field name -> widget."""
    return {
        "batch_size": widgets.SelectionSlider(options=[(str(n), n) for n in BATCH_SIZES], value=settings.batch_size,
                                              description="batch size N", layout=_SLIDER_LAYOUT, style=_SLIDER_STYLE),
        "eps": _log_slider("ε", settings.eps, EPS_RANGE, ".1e"),
        "spread": _log_slider("spread of the features σ", settings.spread, SPREAD_RANGE, ".3g"),
        "dtype": widgets.ToggleButtons(options=list(DTYPES), value=settings.dtype, description="dtype",
                                       style={**_TOGGLE_STYLE, "button_width": "90px"}),
        "implementation": widgets.ToggleButtons(options=_implementation_options(implementations),
                                                value=settings.implementation, description="code",
                                                style={**_TOGGLE_STYLE, "button_width": "180px"}),
        "backward": widgets.ToggleButtons(options=[(f"{key}: {name}", key) for key, name in BACKWARDS.items()],
                                          value=settings.backward, description="backward",
                                          style={**_TOGGLE_STYLE, "button_width": "275px"}),
        "normalization": widgets.ToggleButtons(options=list(NORMALIZATIONS), value=settings.normalization,
                                               description="by N", tooltips=[
                                                   "the batch-size panels draw batch norm",
                                                   "the batch-size panels draw layer norm (section 5.4)",
                                                   "the batch-size panels draw both, side by side"],
                                               style={**_TOGGLE_STYLE, "button_width": "120px"}),
    }


def unavailable_note(implementations):
    """One line per implementation that cannot be used here, as HTML ('' when all can)."""
    return "".join(f'<div style="color:#666">{label}: {implementation.unavailable}</div>'
                   for label, implementation in implementations.items() if not implementation.available)
