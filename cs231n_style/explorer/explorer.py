"""The explorer: controls wired to the figure.

Every control change updates the Settings, measures every panel again with the
chosen implementation (looked up afresh, so edits reloaded by %autoreload
count), redraws the figure and puts the PNG into an image widget. The
redraw runs in the control's callback, so setting a widget's value in Python
redraws before the assignment returns; tests rely on this.
"""
import html

import ipywidgets as widgets

from .controls import build_controls, unavailable_note
from .dashboard import Dashboard, headline
from .implementations import resolve
from .measure import measure
from .settings import Settings
from .static import problems_html, static_html


def _settings(implementations, options):
    labels = list(implementations)
    options = dict(options)
    options.setdefault("implementation", "yours" if "yours" in labels else labels[0])
    fields = set(Settings.__dataclass_fields__)
    unknown = sorted(set(options) - fields)
    if unknown:
        raise ValueError(f"{unknown[0]}: not an option of the explorer; the options are {', '.join(sorted(fields))}")
    return Settings(**options).validate(labels)


class Explorer:
    """The gradient explorer: six panels on how the batch-norm gradients behave, driven by widgets.

    Inputs:
    - implementations: None for the student's functions, or a dict label -> module-like object
      with batchnorm_forward, batchnorm_backward, batchnorm_backward_alt
    - reference_module: with implementations None, the name of a module with a reference solution,
      offered beside the student's where it can be imported (the notebook names the course's)
    - options: initial values of the controls, the fields of Settings (batch_size, eps, spread,
      dtype, implementation, backward, normalization, features, seed); a bad value raises ValueError naming it

    Attributes: widget (the ipywidgets box to display), controls (dict field -> widget),
    dashboard (the figure and its panels), measurements (the numbers last drawn), settings, png.
    Displaying the explorer shows the widget where widgets run, and a static snapshot elsewhere.
    """

    def __init__(self, implementations=None, reference_module=None, **options):
        self.implementations = resolve(implementations, reference_module)
        self.settings = _settings(self.implementations, options)
        self.dashboard = Dashboard(self.settings.features)
        self.controls = build_controls(self.settings, self.implementations)
        self.headline = widgets.HTML()
        self.status = widgets.HTML()
        self.image = widgets.Image(format="png", layout=widgets.Layout(max_width="100%"))
        sliders = widgets.VBox([self.controls[k] for k in ("batch_size", "eps", "spread")],
                               layout=widgets.Layout(flex="1 1 420px", min_width="380px"))
        toggles = widgets.VBox([self.controls[k] for k in ("dtype", "implementation", "backward", "normalization")]
                               + [widgets.HTML(unavailable_note(self.implementations))],
                               layout=widgets.Layout(flex="1 1 420px"))
        self.widget = widgets.VBox([
            widgets.HBox([sliders, toggles], layout=widgets.Layout(flex_flow="row wrap")),
            self.headline,
            self.status,
            self.image,
        ])
        for name, control in self.controls.items():
            control.observe(lambda change, name=name: self._changed(name, change["new"]), names="value")
        self.redraw()

    def _changed(self, name, value):
        self.settings = self.settings.with_(**{name: value})
        try:
            self.redraw()
        except Exception as exc:  # never a traceback under the widget: one line instead
            self.status.value = problems_html([f"the explorer could not redraw: {type(exc).__name__}: {exc}"])

    @property
    def label(self):
        """How the chosen implementation is named in the headline."""
        label = self.settings.implementation
        return "your code" if label == "yours" else label

    def redraw(self):
        """Measure and draw everything for the current settings."""
        self.measurements = measure(self.settings, self.implementations[self.settings.implementation])
        self.dashboard.show(self.measurements)
        self.png = self.dashboard.png()
        self.image.value = self.png
        self.headline.value = f'<div style="font-size:95%">{html.escape(headline(self.settings, self.label))}</div>'
        self.status.value = problems_html(self.measurements.problems)

    @property
    def problems(self):
        """The one-line messages of the last redraw (empty when every function worked)."""
        return list(self.measurements.problems)

    def static_html(self):
        """The static snapshot shown where widgets cannot run (see static.py)."""
        return static_html(self.png, headline(self.settings, self.label), self.problems)

    def _repr_mimebundle_(self, include=None, exclude=None):
        bundle = dict(self.widget._repr_mimebundle_())
        bundle["text/html"] = self.static_html()
        bundle["text/plain"] = f"Gradient explorer ({headline(self.settings, self.label)})"
        return bundle
