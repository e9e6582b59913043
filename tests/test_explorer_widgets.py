"""Each control of the explorer, moved from Python: the figure's data change as the derivation predicts.

The checks read the artists' data (line ydata, bar heights), not pixels, and
compare them with values computed here from the reference layer and eq. (4).
"""
import numpy as np
import pytest

import autograder.reference as reference
from cs231n_style.data import random_case
from cs231n_style.explorer import Explorer, open_explorer
from cs231n_style.explorer.batch import predicted_dx_size
from cs231n_style.explorer.equation4 import rms
from cs231n_style.explorer.equation4 import terms as eq4_terms
from cs231n_style.explorer.settings import CENTRE_IN_SPREADS
from test_explorer_fakes import backward_without_variance_term, fake_module, scaled


@pytest.fixture(scope="module")
def explorer():
    """One explorer for the whole module; each test sets the controls it needs."""
    return Explorer(implementations={"yours": fake_module(), "reference": reference})


@pytest.fixture(autouse=True)
def defaults(explorer):
    values = {"batch_size": 64, "eps": 1e-5, "spread": 1.0, "dtype": "float64", "implementation": "yours",
              "backward": "graph"}
    for name, value in values.items():
        explorer.controls[name].value = value
    yield


def _case(explorer):
    s = explorer.settings
    return random_case(s.batch_size, s.features, seed=s.seed, dtype=np.dtype(s.dtype),
                       loc=CENTRE_IN_SPREADS * s.spread, scale=s.spread)


def _dx(case, eps, backward=reference.batchnorm_backward):
    _, cache = reference.batchnorm_forward(case.x, case.gamma, case.beta, {"mode": "train", "eps": eps})
    return backward(case.dout, cache)[0]


def _relative_terms(case, eps):
    t = eq4_terms(case.x, case.gamma, case.dout, eps)
    size = rms(t.direct, axis=0)
    return {name: rms(getattr(t, name), axis=0) / size for name in ("mean", "variance", "dx")}


def test_batch_size_moves_the_markers_and_redraws_the_terms(explorer):
    panels = explorer.dashboard.panels
    before = explorer.png
    explorer.controls["batch_size"].value = 8
    assert explorer.settings.batch_size == 8
    assert list(panels["dx_size"].current.get_xdata()) == [8, 8]
    assert list(panels["noise"].current.get_xdata()) == [8, 8]
    assert panels["noise"].note.get_text().startswith("N = 8: mean off by 0.3")  # about 1/sqrt(8) = 0.35
    expected = _relative_terms(_case(explorer), 1e-5)
    assert panels["terms"].heights("mean") == pytest.approx(expected["mean"], rel=1e-9)
    assert panels["terms"].heights("yours") == pytest.approx(expected["dx"], rel=1e-9)
    assert explorer.png != before
    assert explorer.image.value == explorer.png


def test_eps_large_relative_to_the_variance_fades_the_variance_term(explorer):
    panels = explorer.dashboard.panels
    small = panels["terms"].heights("variance")
    cosine_small = panels["facts"].cosine.get_ydata().copy()
    explorer.controls["eps"].value = 10.0
    case = _case(explorer)
    var = case.x.var(axis=0)
    assert list(panels["epsilon"].current.get_xdata()) == [10.0, 10.0]
    # the variance term relative to the direct term shrinks by var / (var + eps), exactly
    assert panels["terms"].heights("variance") == pytest.approx(small * (var / (var + 10.0)) / (var / (var + 1e-5)),
                                                                rel=1e-6)
    # dx is no longer orthogonal to xhat: the cosine grows by about eps / (var + eps) / (1e-5 / var)
    assert np.all(panels["facts"].cosine.get_ydata() > 1e4 * cosine_small)
    # the layer is a centred shift now: dx per example is sqrt(1 - 1/N) of the direct term, not sqrt(1 - 2/N)
    predicted = panels["dx_size"].predicted.get_ydata()
    assert predicted == pytest.approx(predicted_dx_size(panels["dx_size"].predicted.get_xdata(), 1.0, 10.0))
    assert predicted[-1] == pytest.approx(np.sqrt(1 - 1 / 1024), rel=2e-3)
    measured = panels["dx_size"].measured.get_ydata()
    assert measured[-1] == pytest.approx(np.sqrt(1 - 1 / 1024), rel=0.05)


def test_spread_moves_the_variance_marker_of_the_eps_panel(explorer):
    panel = explorer.dashboard.panels["epsilon"]
    explorer.controls["spread"].value = 0.01
    case = _case(explorer)
    assert panel.variance_line.get_xdata()[0] == pytest.approx(case.x.var(axis=0).mean(), rel=1e-9)
    assert 0.3e-4 < panel.variance_line.get_xdata()[0] < 3e-4
    # the sizes are in units of RMS(gamma dout) / spread: the direct term at the smallest eps is about 1
    assert panel.lines["direct"].get_ydata()[0] == pytest.approx(1.0, rel=0.2)
    # with eps = 1e-5 against var = 1e-4 the variance term has already lost a tenth
    heights = explorer.dashboard.panels["terms"].heights("variance")
    assert heights == pytest.approx(_relative_terms(case, 1e-5)["variance"], rel=1e-9)


def test_float32_shows_in_the_rounding_level_and_breaks_the_numerical_check(explorer):
    panels = explorer.dashboard.panels
    numerical64 = panels["agreement"].lines["graph_vs_numerical"].get_ydata().copy()
    sums64 = panels["facts"].batch_sum.get_ydata().copy()
    explorer.controls["dtype"].value = "float32"
    numerical32 = panels["agreement"].lines["graph_vs_numerical"].get_ydata()
    assert np.all(numerical64 < 1e-6) and np.median(numerical32) > 1e-3
    assert panels["agreement"].rounding.get_ydata()[0] == np.finfo(np.float32).eps
    assert panels["facts"].rounding.get_ydata()[0] == np.finfo(np.float32).eps
    assert np.max(panels["facts"].batch_sum.get_ydata()) > 100 * np.max(sums64)
    graph_vs_closed = panels["agreement"].lines["graph_vs_closed"].get_ydata()
    assert np.all(graph_vs_closed < 1e-5)


def test_the_implementation_choice_switches_whose_dx_is_drawn():
    buggy = fake_module(batchnorm_backward=scaled(0.5))
    explorer = Explorer(implementations={"yours": buggy, "reference": reference})
    terms = explorer.dashboard.panels["terms"]
    expected = terms.expected.get_ydata().copy()  # eq. (4): independent of the implementation
    assert terms.heights("yours") == pytest.approx(0.5 * expected, rel=1e-9)
    explorer.controls["implementation"].value = "reference"
    assert terms.heights("yours") == pytest.approx(expected, rel=1e-9)
    assert "reference" in explorer.headline.value


def test_the_backward_choice_switches_between_graph_and_closed_form():
    module = fake_module(batchnorm_backward_alt=backward_without_variance_term)
    explorer = Explorer(implementations={"yours": module}, batch_size=4)
    dx_size = explorer.dashboard.panels["dx_size"]
    graph = dx_size.measured.get_ydata().copy()
    explorer.controls["backward"].value = "closed form"
    closed = dx_size.measured.get_ydata()
    k = list(dx_size.measured.get_xdata()).index(4)
    # removing only the mean leaves sqrt(1 - 1/N) of the direct term instead of sqrt(1 - 2/N)
    assert graph[k] < closed[k]
    facts = explorer.dashboard.panels["facts"]
    assert np.all(facts.cosine.get_ydata() > 1e3 * facts.predicted.get_ydata())


def test_edits_to_the_module_show_at_the_next_redraw():
    """%autoreload 2 updates the functions of cs231n_style.layers in place; the explorer must not keep copies."""
    module = fake_module()
    explorer = Explorer(implementations={"yours": module})
    terms = explorer.dashboard.panels["terms"]
    right = terms.heights("yours").copy()
    module.batchnorm_backward = scaled(2.0)
    explorer.controls["eps"].value = 1e-4
    assert terms.heights("yours") == pytest.approx(2 * terms.expected.get_ydata(), rel=1e-9)
    module.batchnorm_backward = reference.batchnorm_backward
    explorer.controls["eps"].value = 1e-5
    assert terms.heights("yours") == pytest.approx(right, rel=1e-12)


def test_a_failure_of_the_explorer_itself_is_one_line(explorer, monkeypatch):
    def broken(measurements):
        raise RuntimeError("boom")

    monkeypatch.setattr(explorer.dashboard, "show", broken)
    explorer.controls["eps"].value = 1e-3
    assert "the explorer could not redraw: RuntimeError: boom" in explorer.status.value


@pytest.mark.parametrize("option, value", [
    ("batch_size", 0), ("batch_size", 50), ("batch_size", True), ("eps", 0.0), ("eps", 100.0), ("eps", "small"),
    ("spread", -1.0), ("spread", float("nan")), ("dtype", "int32"), ("dtype", np.int64), ("implementation", "mine"),
    ("backward", "both"), ("features", 0), ("features", 2.5), ("seed", -1), ("colour", "red"),
])
def test_bad_options_name_the_option(option, value):
    with pytest.raises(ValueError, match=f"^{option}: "):
        Explorer(implementations={"yours": fake_module()}, **{option: value})
    with pytest.raises(ValueError, match=f"^{option}: "):
        open_explorer(implementations={"yours": fake_module()}, **{option: value})


def test_dtype_may_be_given_as_a_numpy_type():
    explorer = Explorer(implementations={"yours": fake_module()}, dtype=np.float32, features=2)
    assert explorer.settings.dtype == "float32" and explorer.controls["dtype"].value == "float32"
    assert len(explorer.dashboard.panels["terms"].heights("direct")) == 2


def test_the_display_carries_the_widget_and_a_static_snapshot(explorer):
    bundle = explorer._repr_mimebundle_()
    assert bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == explorer.widget.model_id
    assert '<img src="data:image/png;base64,' in bundle["text/html"]
    assert "N = 64" in bundle["text/html"]


def test_the_benchmark_runs_and_reports_every_control(capsys):
    from autograder.bench import explorer as bench

    assert bench.main(["--rounds", "2"]) == 0
    out = capsys.readouterr().out
    for name in bench.MOVES:
        assert f"  {name}" in out and "median" in out
    assert "the reference implementation" in out
    with pytest.raises(SystemExit):
        bench.main(["--rounds", "0"])
