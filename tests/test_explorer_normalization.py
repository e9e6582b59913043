"""The explorer's batch norm / layer norm choice: the batch-size panels draw either, or both side by side."""
import numpy as np
import pytest
from mutants import mutant
from test_explorer_fakes import fake_module

import autograder.reference as reference
from cs231n_style.explorer import Explorer
from cs231n_style.explorer.batch import LAYERNORM_FEATURES, output_dependence, predicted_dx_size
from cs231n_style.explorer.settings import BATCH_SIZES, Settings


@pytest.fixture(scope="module")
def explorer():
    return Explorer(implementations={"yours": reference, "without layer norm": fake_module()})


@pytest.fixture(autouse=True)
def defaults(explorer):
    for name, value in {"implementation": "yours", "normalization": "batch norm", "batch_size": 64, "eps": 1e-5}.items():
        explorer.controls[name].value = value


def legend_labels(panel):
    return [text.get_text() for text in panel.legend_.get_texts()]


def test_batch_norm_alone_is_the_default_and_draws_no_layer_norm(explorer):
    dx_size, noise = explorer.dashboard.panels["dx_size"], explorer.dashboard.panels["noise"]
    assert explorer.settings.normalization == "batch norm"
    assert len(dx_size.measured.get_xdata()) == len(BATCH_SIZES) and len(dx_size.ln_measured.get_xdata()) == 0
    assert len(noise.ln_dependence.get_xdata()) == 0 and len(noise.bn_dependence.get_xdata()) > 0
    assert not any("layer norm" in label for label in legend_labels(dx_size) + legend_labels(noise))
    assert "by N: batch norm" in explorer.headline.value


def test_layer_norm_dx_keeps_its_size_at_every_batch_size_even_one(explorer):
    explorer.controls["normalization"].value = "layer norm"
    panel = explorer.dashboard.panels["dx_size"]
    assert len(panel.measured.get_xdata()) == 0  # batch norm's points are gone
    measured = panel.ln_measured.get_ydata()
    expected = predicted_dx_size(np.array([LAYERNORM_FEATURES]), 1.0, 1e-5)[0]
    assert list(panel.ln_measured.get_xdata()) == list(BATCH_SIZES)
    assert measured == pytest.approx(np.full(len(BATCH_SIZES), expected), abs=0.03)  # N = 1 included
    assert any("layer norm" in label for label in legend_labels(panel))
    assert panel.note.get_text().startswith("layer norm, N = 64:")
    assert explorer.problems == []


def test_side_by_side_batch_norm_shrinks_at_small_batches_and_layer_norm_does_not(explorer):
    explorer.controls["normalization"].value = "both"
    panel = explorer.dashboard.panels["dx_size"]
    bn, ln = panel.measured.get_ydata(), panel.ln_measured.get_ydata()
    assert bn[0] == 0 and bn[1] < 0.1 and ln[0] > 0.9  # a batch of one: batch norm's dx vanishes
    assert panel.note.get_text().splitlines()[0].startswith("batch norm, N = 64:")
    noise = explorer.dashboard.panels["noise"]
    lines = noise.note.get_text().splitlines()
    assert lines[1].startswith("batch norm: out[0] moves by 0.1") and lines[2] == "layer norm: out[0] does not move"
    assert noise.bn_dependence.get_ydata()[0] > 0.5  # N = 2: the other example decides out[0]'s sign


def test_one_examples_output_depends_on_its_batch_only_under_batch_norm():
    settings = Settings().validate(["yours"])

    def bn(x, gamma, beta, eps):
        return reference.batchnorm_forward(x, gamma, beta, {"mode": "train", "eps": eps})

    def ln(x, gamma, beta, eps):
        return reference.layernorm_forward(x, gamma, beta, {"eps": eps})

    sizes = (2, 16, 256)
    moved = output_dependence(bn, settings, sizes=sizes, draws=64)
    assert moved[0] > 0.5 and moved[1] == pytest.approx(1 / np.sqrt(16), rel=0.5) and moved[2] < 0.12
    assert np.all(output_dependence(ln, settings, sizes=sizes) == 0)


def test_layer_norm_over_the_batch_axis_shows_as_a_dependence(explorer):
    wrong = mutant(("mean = x.mean(axis=1, keepdims=True)", "mean = x.mean(axis=0, keepdims=True)", "layernorm_forward"))
    lone = Explorer(implementations={"yours": wrong}, normalization="layer norm")
    line = lone.dashboard.panels["noise"].note.get_text().splitlines()[1]
    assert line.startswith("layer norm: out[0] moves by")


def test_code_without_layer_norm_says_so_and_the_other_panels_draw(explorer):
    explorer.controls["implementation"].value = "without layer norm"
    explorer.controls["normalization"].value = "both"
    assert any(p.startswith("layernorm_forward is missing from") for p in explorer.problems)
    panel = explorer.dashboard.panels["dx_size"]
    assert len(panel.measured.get_ydata()) == len(BATCH_SIZES) and len(panel.ln_measured.get_ydata()) == 0
    assert panel.message.get_text() == "needs layernorm_forward"
    assert len(explorer.dashboard.panels["terms"].heights("yours")) == explorer.settings.features


def test_a_bad_normalization_is_named():
    with pytest.raises(ValueError, match="^normalization: expected one of 'batch norm', 'layer norm', 'both'"):
        Explorer(implementations={"yours": reference}, normalization="group norm")


def test_an_edited_forward_pass_is_measured_again():
    module = fake_module()
    module.layernorm_forward, module.layernorm_backward = reference.layernorm_forward, reference.layernorm_backward
    lone = Explorer(implementations={"yours": module}, normalization="layer norm")
    note = lone.dashboard.panels["noise"].note
    assert note.get_text().splitlines()[1] == "layer norm: out[0] does not move"
    wrong = mutant(("mean = x.mean(axis=1, keepdims=True)", "mean = x.mean(axis=0, keepdims=True)", "layernorm_forward"))
    module.layernorm_forward = wrong.layernorm_forward  # as %autoreload would, after an edit
    lone.controls["batch_size"].value = 8
    assert note.get_text().splitlines()[1].startswith("layer norm: out[0] moves by")
