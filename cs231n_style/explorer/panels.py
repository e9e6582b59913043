"""The six panels of the explorer, one class each.

Each panel builds its static parts (axes, labels, lines that never change)
once, and marks what changes with the controls as moving artists of the
BlitRenderer. `update(m)` takes Measurements (measure.py) and sets the data of
the moving artists; it returns True when it had to change the axis limits.
The artists are attributes, so tests read their data (get_ydata, get_height).
"""
import numpy as np

from .axes import FLOOR, fit_limits, floored, message_text
from .batch import LAYERNORM_FEATURES, DxSize, predicted_dx_size
from .epsilon import EPS_SWEEP
from .problems import Problem
from .settings import BATCH_SIZES, float_eps

SMALL = 7.5
TERMS_TOP = 1.45  # correct terms stay below 1; the legend sits above them
FACTS_TOP = 1e5
NOISE_BOTTOM = 0.02
AGREEMENT_TOP = 1e6
COLORS = {"direct": "#4c72b0", "mean": "#dd8452", "variance": "#55a868", "dx": "#333333", "yours": "#c44e52",
          "layernorm": "#8172b3"}


def _title(ax, text):
    ax.set_title(text, fontsize=9.5, loc="left", fontweight="bold")


def _style(ax):
    ax.tick_params(labelsize=SMALL)
    ax.grid(True, which="major", color="0.9", lw=0.6)
    ax.set_axisbelow(True)


class Panel:
    """Common parts: the axes, the renderer, a message for when the data are missing."""

    def __init__(self, ax, renderer):
        self.ax = ax
        self.renderer = renderer
        _style(ax)
        self.message = renderer.add(message_text(ax))
        self.data_artists = []

    def moving(self, artist, data=True):
        """Mark an artist (or the list ax.plot returns) as moving; `data` ones hide when data are missing."""
        for a in artist if isinstance(artist, list) else [artist]:
            self.renderer.add(a)
            if data:
                self.data_artists.append(a)
        return artist

    def legend(self, **kwargs):
        """A legend kept on top of the moving lines (an overlay: relabelling it needs a full draw)."""
        return self.renderer.add_overlay(self.ax.legend(fontsize=SMALL, framealpha=0.9, **kwargs))

    def legend_for(self, normalization, hidden):
        """Rebuild the legend without the `hidden` artists when the normalization shown changes.

        Returns True when it did (the legend is an overlay: the next render must be a full draw).
        """
        if normalization == getattr(self, "_legend_normalization", None):
            return False
        self._legend_normalization = normalization
        self.renderer.overlays.remove(self.legend_)
        self.legend_.remove()
        handles, labels = self.ax.get_legend_handles_labels()
        kept = [(h, label) for h, label in zip(handles, labels) if h not in hidden]
        self.legend_ = self.renderer.add_overlay(self.ax.legend(*zip(*kept), fontsize=SMALL, framealpha=0.9,
                                                                loc=self.legend_._loc))
        return True

    def show_problem(self, problem, artists=None):
        """Hide `artists` (default: all data artists) and say in a few words what is missing."""
        for artist in self.data_artists if artists is None else artists:
            artist.set_visible(False)
        self.message.set_text(problem.short)
        self.message.set_visible(True)

    def clear_problem(self):
        for artist in self.data_artists:
            artist.set_visible(True)
        self.message.set_text("")
        self.message.set_visible(False)


class DxSizePanel(Panel):
    """RMS(dx) ÷ RMS(direct term) against the batch size: measured, and eq. (4)'s expectation.

    With layer norm chosen, also layer norm's dx, which eq. (4ᵀ) expects to be the same at every N.
    """

    def __init__(self, ax, renderer):
        super().__init__(ax, renderer)
        n = np.asarray(BATCH_SIZES)
        ax.set_xscale("log", base=2)
        ax.set_xlim(0.8, 1300)
        ticks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.set_ylim(0, 1.1)
        ax.plot(n, predicted_dx_size(n, 1.0, 0.0), color="0.75", ls="--", lw=1,
                label=r"$\varepsilon \ll \sigma^2$: $\sqrt{1-2/N}$")
        ax.plot(n, predicted_dx_size(n, 1.0, 1e30), color="0.75", ls=":", lw=1.2,
                label=r"$\varepsilon \gg \sigma^2$: $\sqrt{1-1/N}$")
        self.predicted, = self.moving(ax.plot([], [], color="0.3", lw=1.3, label="eq. (4) at this ε, σ"))
        self.measured, = self.moving(ax.plot([], [], "o", ms=3.5, color=COLORS["yours"], label="dx of the chosen code"))
        self.ln_predicted, = self.moving(ax.plot([], [], color=COLORS["layernorm"], lw=1.1, ls="--",
                                                 label=f"eq. (4ᵀ), D = {LAYERNORM_FEATURES}"))
        self.ln_measured, = self.moving(ax.plot([], [], "s", ms=3.2, color=COLORS["layernorm"],
                                                label="layer norm's dx, chosen code"))
        self.current = self.moving(ax.axvline(64, color=COLORS["yours"], lw=0.9, ls=":"), data=False)
        self.note = self.moving(ax.text(0.98, 0.62, "", transform=ax.transAxes, ha="right", fontsize=SMALL), data=False)
        self.legend_ = self.legend(loc="lower right")
        _title(ax, "Does dx per example shrink with the batch size?")
        ax.set_xlabel("batch size N", fontsize=SMALL + 0.5)
        ax.set_ylabel("RMS dx ÷ RMS direct term", fontsize=SMALL + 0.5)

    def update(self, m):
        s = m.settings
        self.current.set_xdata([s.batch_size, s.batch_size])
        n = np.asarray(BATCH_SIZES)
        # eq. (4)'s curve whenever batch norm is shown; eq. (4ᵀ)'s with layer norm's measurements
        self.predicted.set_data(*((n, predicted_dx_size(n, s.spread, s.eps)) if m.dx_size is not None else ([], [])))
        ln = m.ln_dx_size
        self.ln_predicted.set_data(*((ln.sizes, ln.predicted) if isinstance(ln, DxSize) else ([], [])))
        k = BATCH_SIZES.index(s.batch_size)
        data, notes, failed = [], [], []
        for size, points, name in ((m.dx_size, self.measured, "batch norm"), (ln, self.ln_measured, "layer norm")):
            points.set_data([], [])
            if isinstance(size, Problem):
                failed.append((size, points))
            elif size is not None:
                points.set_data(size.sizes, size.measured)
                prefix = f"{name}, " if ln is not None else ""
                notes.append(f"{prefix}N = {s.batch_size}: {size.measured[k]:.3f}, expected {size.predicted[k]:.3f}")
                data.append(size.measured)
        self.clear_problem()
        if failed:
            self.show_problem(failed[0][0], [points for _, points in failed])
        self.note.set_text("\n".join(notes))
        hidden = ([] if s.shows_batchnorm else [self.measured, self.predicted]) + \
                 ([] if s.shows_layernorm else [self.ln_measured, self.ln_predicted])
        relabelled = self.legend_for(s.normalization, hidden)
        limits = fit_limits(self.ax, np.concatenate(data) if data else [], (0, 1.1), log=False, grow_low=False)
        return relabelled or limits


class NoisePanel(Panel):
    """Typical error of the batch mean and variance against the batch size (no implementation needed),
    and how much one example's output moves with the rest of its batch, for the chosen code."""

    def __init__(self, ax, renderer, noise):
        super().__init__(ax, renderer)
        self.noise = noise
        ax.set_xscale("log", base=2)
        ax.set_yscale("log")
        ax.set_xlim(0.8, 1300)
        ax.set_ylim(NOISE_BOTTOM, 2)
        ticks = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]
        ax.set_xticks(ticks, [str(t) for t in ticks])
        ax.plot(noise.sizes, noise.mean_predicted, color="#4c72b0", lw=1, alpha=0.6, label=r"$1/\sqrt{N}$")
        ax.plot(noise.sizes, noise.var_predicted, color="#dd8452", lw=1, alpha=0.6, label=r"$\sqrt{2N-1}/N$")
        self.mean_points, = ax.plot(noise.sizes, noise.mean_error, "o", ms=3.5, color="#4c72b0",
                                    label="batch mean − μ, in σ")
        self.var_points, = ax.plot(noise.sizes, noise.var_error, "s", ms=3.5, color="#dd8452",
                                   label="batch var ÷ σ² − 1")
        self.bn_dependence, = self.moving(ax.plot([], [], "-", lw=1.6, color=COLORS["yours"],
                                                  label="batch norm: out[0] moves by"))
        self.ln_dependence, = self.moving(ax.plot([], [], "-", lw=1.6, color=COLORS["layernorm"],
                                                  label="layer norm: out[0] moves by (0 at the bottom)"))
        self.legend_ = self.legend(loc="lower left")
        self.current = self.moving(ax.axvline(64, color=COLORS["yours"], lw=0.9, ls=":"), data=False)
        self.note = self.moving(ax.text(0.98, 0.95, "", transform=ax.transAxes, ha="right", va="top", fontsize=SMALL))
        _title(ax, "How noisy are the batch statistics?")
        ax.set_xlabel("batch size N  (RMS over 400 random batches)", fontsize=SMALL + 0.5)
        ax.set_ylabel("typical error", fontsize=SMALL + 0.5)

    def update(self, m):
        n = m.settings.batch_size
        mean_error, var_error = self.noise.at(n)
        self.current.set_xdata([n, n])
        lines = [f"N = {n}: mean off by {mean_error:.2f}σ, variance by {100 * var_error:.0f}%"]
        dependence = m.dependence
        for values, line, name in ((dependence.batchnorm, self.bn_dependence, "batch norm"),
                                   (dependence.layernorm, self.ln_dependence, "layer norm")):
            if values is None or isinstance(values, Problem):
                line.set_data([], [])
                continue
            line.set_data(dependence.sizes, floored(values, 1.1 * NOISE_BOTTOM))
            nearest = int(np.argmin(np.abs(np.log(dependence.sizes / n))))
            moved = values[nearest]
            at = "" if dependence.sizes[nearest] == n else f" (N = {dependence.sizes[nearest]})"
            lines.append(f"{name}: out[0] moves by {moved:.2g}{at}" if moved > 1e-12 else
                         f"{name}: out[0] does not move")
        self.note.set_text("\n".join(lines))
        hidden = ([] if m.settings.shows_batchnorm else [self.bn_dependence]) + \
                 ([] if m.settings.shows_layernorm else [self.ln_dependence])
        return self.legend_for(m.settings.normalization, hidden)


class EpsPanel(Panel):
    """RMS size of each term of eq. (4) against ε, with the implementation's dx on top."""

    def __init__(self, ax, renderer):
        super().__init__(ax, renderer)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(EPS_SWEEP[0], EPS_SWEEP[-1])
        ax.set_ylim(1e-6, 3)
        self.lines = {}
        for name, label in (("direct", "direct term"), ("mean", "mean term"), ("variance", "variance term"),
                            ("dx", "dx = sum (eq. 4)")):
            style = {"lw": 2.2, "alpha": 0.35} if name == "dx" else {"lw": 1.3}
            self.lines[name], = self.moving(ax.plot([], [], color=COLORS[name], label=label, **style))
        self.yours, = self.moving(ax.plot([], [], "o", ms=3, color=COLORS["yours"], label="dx of the chosen code"))
        self.current = self.moving(ax.axvline(1e-5, color=COLORS["yours"], lw=0.9, ls=":"), data=False)
        self.variance_line = self.moving(ax.axvline(1.0, color="0.4", lw=1, ls="--"), data=False)
        self.variance_label = self.moving(ax.text(1.0, 0.5, "ε = σ² ", transform=ax.get_xaxis_transform(),
                                                  ha="right", va="center", rotation=90, fontsize=SMALL, color="0.3"),
                                          data=False)
        self.legend_ = self.legend(loc="lower left")
        _title(ax, "ε grows past σ²: the variance term fades")
        ax.set_xlabel("ε", fontsize=SMALL + 0.5)
        ax.set_ylabel("RMS size ÷ (RMS γ·dout / σ)", fontsize=SMALL + 0.5)

    def update(self, m):
        sweep = m.eps_terms
        for name, line in self.lines.items():
            line.set_data(sweep.eps, getattr(sweep, name))
        self.current.set_xdata([m.settings.eps] * 2)
        self.variance_line.set_xdata([sweep.var] * 2)
        self.variance_label.set_x(sweep.var)
        values = [sweep.direct, sweep.mean, sweep.dx]
        if isinstance(m.eps_dx, Problem):
            self.show_problem(m.eps_dx, [self.yours])
        else:
            self.clear_problem()
            self.yours.set_data(m.eps_dx.eps, m.eps_dx.dx)
            values.append(m.eps_dx.dx)
        return fit_limits(self.ax, np.concatenate(values), (1e-6, 3), log=True, grow_low=False)


class TermsPanel(Panel):
    """Per feature, the three terms of eq. (4) and dx as bars, relative to the direct term."""

    SERIES = (("direct", "direct term"), ("mean", "mean term"), ("variance", "variance term"),
              ("yours", "dx of the chosen code"))

    def __init__(self, ax, renderer, features):
        super().__init__(ax, renderer)
        width = 0.8 / len(self.SERIES)
        x = np.arange(features)
        self.bars = {}
        for k, (name, label) in enumerate(self.SERIES):
            container = ax.bar(x + (k - 1.5) * width, np.zeros(features), width, color=COLORS[name], label=label)
            self.bars[name] = [self.moving(patch) for patch in container.patches]
        self.expected, = self.moving(ax.plot(x + 1.5 * width, np.zeros(features), "_", ms=11, mew=2, color="black",
                                             label="dx by eq. (4)"))
        ax.set_xticks(x, [f"feature {j + 1}" for j in range(features)])
        ax.set_xlim(-0.5, features - 0.5)
        ax.set_ylim(0, TERMS_TOP)
        ax.set_yticks(np.arange(0, 1.01, 0.2))
        self.legend_ = self.legend(loc="upper center", ncols=3, columnspacing=1.0, handlelength=1.5)
        _title(ax, "Which term of eq. (4) dominates?")
        ax.set_ylabel("RMS over the batch ÷ RMS direct term", fontsize=SMALL + 0.5)

    def heights(self, name):
        """Current bar heights of series `name`, shape (D,)."""
        return np.array([patch.get_height() for patch in self.bars[name]])

    def update(self, m):
        t = m.terms
        for name in ("direct", "mean", "variance"):
            for patch, height in zip(self.bars[name], getattr(t, name)):
                patch.set_height(height)
        self.expected.set_ydata(t.dx)
        values = [t.direct, t.mean, t.variance, t.dx]
        if isinstance(m.terms_dx, Problem):
            self.show_problem(m.terms_dx, self.bars["yours"])
        else:
            self.clear_problem()
            for patch, height in zip(self.bars["yours"], m.terms_dx):
                patch.set_height(height if np.isfinite(height) else 0.0)
            values.append(m.terms_dx)
        return fit_limits(self.ax, np.concatenate(values), (0, TERMS_TOP), log=False, grow_low=False)


class FactsPanel(Panel):
    """Per feature: |Σ dx| and the cosine of x̂ and dx for the implementation, with the prediction."""

    def __init__(self, ax, renderer, features):
        super().__init__(ax, renderer)
        x = np.arange(features)
        ax.set_yscale("log")
        ax.set_ylim(FLOOR / 2, FACTS_TOP)  # the ratios are at most 1; the legend sits above
        ax.set_yticks(10.0 ** np.arange(-18, 1, 3))
        ax.set_xlim(-0.5, features - 0.5)
        ax.set_xticks(x, [f"feature {j + 1}" for j in range(features)])
        self.batch_sum, = self.moving(ax.plot(x - 0.12, np.ones(features), "o", ms=6, color="#8172b2",
                                              label=r"$|\sum_i dx_i| \,/\, \sum_i |dx_i|$"))
        self.cosine, = self.moving(ax.plot(x + 0.12, np.ones(features), "s", ms=6, color="#937860",
                                           label=r"cosine of $\hat{x}$ and dx"))
        self.predicted, = self.moving(ax.plot(x + 0.12, np.ones(features), "x", ms=9, mew=1.6, color="black",
                                              label="cosine predicted for this ε"))
        self.rounding = self.moving(ax.axhline(1e-16, color="0.5", lw=0.9, ls="--", label="rounding unit of the dtype"),
                                    data=False)
        self.legend_ = self.legend(loc="upper center", ncols=2, columnspacing=1.0)
        _title(ax, r"Does dx sum to 0? Is it orthogonal to $\hat{x}$?")
        ax.set_ylabel("relative size (exact 0 drawn at 1e-18)", fontsize=SMALL + 0.5)

    def update(self, m):
        rounding = float_eps(m.settings.dtype)
        self.rounding.set_ydata([rounding] * 2)
        if isinstance(m.facts, Problem):
            self.show_problem(m.facts)
            return False
        self.clear_problem()
        self.batch_sum.set_ydata(floored(m.facts.batch_sum))
        self.cosine.set_ydata(floored(m.facts.cosine))
        self.predicted.set_ydata(floored(m.facts.predicted_cosine))
        return False


class AgreementPanel(Panel):
    """Scaled errors between graph, closed form and numerical gradient against ε."""

    SERIES = (("graph_vs_closed", "graph vs closed form", "#4c72b0", "o-"),
              ("graph_vs_numerical", "graph vs numerical", "#dd8452", "s-"),
              ("closed_vs_numerical", "closed form vs numerical", "#55a868", "^-"))

    def __init__(self, ax, renderer):
        super().__init__(ax, renderer)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(EPS_SWEEP[0], EPS_SWEEP[-1])
        ax.set_ylim(FLOOR / 2, AGREEMENT_TOP)
        ax.set_yticks(10.0 ** np.arange(-18, 1, 3))
        self.lines = {}
        for name, label, color, style in self.SERIES:
            self.lines[name], = self.moving(ax.plot([], [], style, ms=3.5, lw=1.2, color=color, label=label))
        self.current = self.moving(ax.axvline(1e-5, color=COLORS["yours"], lw=0.9, ls=":"), data=False)
        self.rounding = self.moving(ax.axhline(1e-16, color="0.5", lw=0.9, ls="--", label="rounding unit of the dtype"),
                                    data=False)
        self.legend_ = self.legend(loc="upper center", ncols=2, columnspacing=1.0)
        _title(ax, "Graph vs closed form vs numerical gradient")
        ax.set_xlabel("ε   (numerical gradient: centred differences, h = 1e-5)", fontsize=SMALL + 0.5)
        ax.set_ylabel("max |Δdx| ÷ max |direct term|", fontsize=SMALL + 0.5)

    def update(self, m):
        rounding = float_eps(m.settings.dtype)
        self.rounding.set_ydata([rounding] * 2)
        self.current.set_xdata([m.settings.eps] * 2)
        if isinstance(m.agreement, Problem):
            self.show_problem(m.agreement)
            return False
        self.clear_problem()
        values = []
        for name, line in self.lines.items():
            errors = getattr(m.agreement, name)
            line.set_data(m.agreement.eps, floored(errors))
            values.append(errors)
        if m.agreement.problems:
            self.message.set_text(", ".join(p.short for p in m.agreement.problems))
            self.message.set_visible(True)
        return fit_limits(self.ax, np.concatenate(values), (FLOOR / 2, AGREEMENT_TOP), log=True, grow_low=False)
