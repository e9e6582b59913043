"""The explorer's figure: six panels in a 2 x 3 grid, drawn to PNG for an image widget."""
from matplotlib.figure import Figure

from .batch import batch_noise
from .blit import BlitRenderer
from .panels import AgreementPanel, DxSizePanel, EpsPanel, FactsPanel, NoisePanel, TermsPanel
from .settings import BATCH_SIZES

FIGSIZE = (13.0, 7.6)  # inches
DPI = 90


def headline(settings, label):
    """The figure's title: what is shown, e.g. 'yours · graph backward · N = 64 · ε = 1e-05 · ...'."""
    s = settings
    return (f"dx of {label} ({s.backward} backward)   ·   N = {s.batch_size}   ·   ε = {s.eps:.1e}   ·   "
            f"σ = {s.spread:.3g}  (σ² = {s.spread ** 2:.3g}, ε/σ² = {s.eps / s.spread ** 2:.1e})   ·   "
            f"{s.dtype}   ·   {s.features} features   ·   by N: {s.normalization}")


class Dashboard:
    """The figure and its panels.

    Inputs:
    - features: D, the number of features shown per panel (fixed for the life of the figure)

    Attributes: figure, renderer (BlitRenderer), panels (dict name -> panel).
    """

    def __init__(self, features):
        self.features = features
        self.figure = Figure(figsize=FIGSIZE, dpi=DPI, facecolor="white")
        self.renderer = BlitRenderer(self.figure)
        grid = self.figure.subplots(2, 3)
        self.figure.subplots_adjust(left=0.05, right=0.99, top=0.95, bottom=0.08, wspace=0.25, hspace=0.36)
        self.panels = {
            "dx_size": DxSizePanel(grid[0, 0], self.renderer),
            "noise": NoisePanel(grid[0, 1], self.renderer, batch_noise(BATCH_SIZES)),
            "epsilon": EpsPanel(grid[0, 2], self.renderer),
            "terms": TermsPanel(grid[1, 0], self.renderer, features),
            "facts": FactsPanel(grid[1, 1], self.renderer, features),
            "agreement": AgreementPanel(grid[1, 2], self.renderer),
        }

    def show(self, measurements):
        """Put `measurements` (from measure.measure) into every panel.

        The headline naming the settings is not part of the figure (text is the slowest thing
        to draw); the widget and the static page show headline(...) as HTML.
        """
        changed = [panel.update(measurements) for panel in self.panels.values()]
        if any(changed):
            self.renderer.invalidate()

    def png(self):
        """The figure as PNG bytes."""
        return self.renderer.png()
