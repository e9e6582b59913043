"""Section 6: the network built with the student's layers, its training, and what its plots show."""
import sys

import matplotlib
import numpy as np
import pytest
from mutants import mutant

import autograder.reference.layers as REF
import cs231n_style.layers as STUBS
from cs231n_style.autograding import GRADING_ENV
from cs231n_style.checks.report import CheckFailed
from cs231n_style.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from cs231n_style.network import blocks, experiments, figures
from cs231n_style.network.digits import NUM_VALIDATION, load_digits_split
from cs231n_style.network.gradient_check import TOL, network_gradient_errors
from cs231n_style.network.model import FullyConnectedNet
from cs231n_style.network.training import train

matplotlib.use("Agg")
rng = np.random.default_rng(7)


def test_the_given_blocks_match_their_numerical_gradients():
    x, w, b, dout = rng.standard_normal((5, 4)), rng.standard_normal((4, 3)), rng.standard_normal(3), rng.standard_normal((5, 3))
    _, cache = blocks.affine_forward(x, w, b)
    dx, dw, db = blocks.affine_backward(dout, cache)
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: blocks.affine_forward(v, w, b)[0], x, dout)) < 1e-8
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: blocks.affine_forward(x, v, b)[0], w, dout)) < 1e-8
    assert rel_error(db, eval_numerical_gradient_array(lambda v: blocks.affine_forward(x, w, v)[0], b, dout)) < 1e-8
    h = rng.standard_normal((5, 4)) + 0.1  # no entry at the kink
    dh = blocks.relu_backward(dout[:, :1] * np.ones((5, 4)), blocks.relu_forward(h)[1])
    assert rel_error(dh, eval_numerical_gradient_array(lambda v: blocks.relu_forward(v)[0], h, dout[:, :1] * np.ones((5, 4)))) < 1e-8
    scores, y = rng.standard_normal((6, 10)), rng.integers(10, size=6)
    loss, dscores = blocks.softmax_loss(scores, y)
    assert rel_error(dscores, eval_numerical_gradient(lambda s: blocks.softmax_loss(s, y)[0], scores)) < 1e-7
    assert blocks.softmax_loss(np.zeros((3, 10)), np.arange(3))[0] == pytest.approx(np.log(10))


@pytest.mark.parametrize("normalization", [None, "batchnorm", "layernorm"])
def test_the_network_with_the_reference_layers_has_the_right_gradients(normalization):
    errors = network_gradient_errors(REF, normalization)
    expected = {"W1", "W2", "W3", "b1", "b2", "b3"} | ({"gamma1", "gamma2", "beta1", "beta2"} if normalization else set())
    assert set(errors) == expected
    assert max(errors.values()) < TOL


def test_a_wrong_backward_pass_shows_in_the_network_gradient_check():
    wrong = mutant(("dgamma = (dout * xhat).sum(axis=0)", "dgamma = dout.sum(axis=0)", "batchnorm_backward_alt"))
    errors = network_gradient_errors(wrong, "batchnorm")
    assert errors["gamma1"] > 1e-2 and errors["W3"] < TOL


def test_stubs_are_named_before_any_training():
    with pytest.raises(CheckFailed, match="^batchnorm_forward is not implemented yet"):
        network_gradient_errors(STUBS, "batchnorm")
    only_forward = mutant(('    dx = ', '    raise NotImplementedError\n    dx = ', "layernorm_backward"))
    with pytest.raises(CheckFailed, match="^layernorm_backward is not implemented yet"):
        network_gradient_errors(only_forward, "layernorm")


def test_a_bad_normalization_is_named():
    with pytest.raises(ValueError, match="normalization must be one of .*'groupnorm'"):
        FullyConnectedNet(REF, (3,), 4, 2, normalization="groupnorm")


def test_test_mode_uses_the_running_averages_and_leaves_them_alone():
    model = FullyConnectedNet(REF, (8,), 5, 3, normalization="batchnorm", weight_scale=0.5)
    X, y = rng.standard_normal((16, 5)) * 3 + 2, rng.integers(3, size=16)
    model.loss(X, y)
    running = model.norm_params[0]["running_mean"].copy()
    assert np.abs(running).max() > 0
    scores_one = model.loss(X[:1])
    scores_all = model.loss(X)
    np.testing.assert_array_equal(model.norm_params[0]["running_mean"], running)
    np.testing.assert_allclose(scores_one, scores_all[:1])  # in test mode an example does not depend on the batch


def test_the_digits_split_is_seeded_disjoint_and_read_only():
    data = load_digits_split(0)
    assert data["X_train"].shape == (1797 - NUM_VALIDATION, 64) and data["X_val"].shape == (NUM_VALIDATION, 64)
    assert set(np.unique(data["y_train"])) == set(range(10))
    assert abs(data["X_train"].mean()) < 1e-12 and data["X_train"].std() == pytest.approx(1.0)
    train_rows = {row.tobytes() for row in data["X_train"]}
    assert sum(row.tobytes() in train_rows for row in data["X_val"]) < 10  # a handful of duplicate images in the data set
    with pytest.raises(ValueError):
        data["X_train"][0, 0] = 1.0
    assert not np.array_equal(load_digits_split(1)["y_val"], data["y_val"])


def test_without_scikit_learn_the_cell_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # as if it were not installed
    with pytest.raises(ImportError, match="scikit-learn is not installed here: pip install scikit-learn"):
        load_digits_split.__wrapped__(3)


def test_training_is_seeded_and_learns():
    data = load_digits_split(0)
    data = dict(data, X_train=data["X_train"][:200], y_train=data["y_train"][:200])
    runs = [train(FullyConnectedNet(REF, (20,), 64, 10, normalization="batchnorm", weight_scale=0.1), data,
                  epochs=3, batch_size=20, learning_rate=1e-2) for _ in range(2)]
    assert runs[0] == runs[1]
    assert len(runs[0].loss) == 30 and len(runs[0].val_acc) == 3
    assert runs[0].loss[-1] < runs[0].loss[0] / 2 and runs[0].val_acc[-1] > 0.7


@pytest.fixture(scope="module")
def plots():
    """The three cells of section 6 with the reference layers: their printed lines and returned numbers."""
    return {name: getattr(figures, name)(REF) for name in ("show_training_curves", "show_weight_scales", "show_batch_sizes")}


def test_batch_norm_trains_faster(plots):
    curves = plots["show_training_curves"]
    assert curves["batchnorm"].val_acc[0] > curves[None].val_acc[0] + 0.3
    assert curves["batchnorm"].val_acc[-1] > 0.95 and curves[None].val_acc[-1] > 0.85


def test_batch_norm_makes_small_initial_weights_train(plots):
    sweep = plots["show_weight_scales"]
    small = [i for i, scale in enumerate(sweep["scales"]) if scale <= 1e-3]
    assert len(small) == 3
    assert all(sweep[None][i] < 0.2 for i in small) and all(sweep["batchnorm"][i] > 0.8 for i in small)
    assert max(sweep[None]) > 0.9  # the band where it trains without normalization exists


def test_batch_norm_degrades_at_small_batches_and_layer_norm_does_not(plots):
    sweep = plots["show_batch_sizes"]
    assert sweep["sizes"][0] == 2
    assert sweep["layernorm"][0] > sweep["batchnorm"][0] + 0.2
    assert min(sweep["layernorm"]) > 0.8 and sweep["batchnorm"][-1] > 0.85


def test_the_cells_print_the_check_of_the_students_layers_first_and_are_the_same_every_run(plots, capsys):
    capsys.readouterr()
    assert figures.show_batch_sizes(REF) == plots["show_batch_sizes"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("✓ a network with your batchnorm_forward and batchnorm_backward_alt: largest gradient error")
    assert lines[1].startswith("✓ a network with your layernorm_forward and layernorm_backward:")
    sweep = plots["show_batch_sizes"]
    assert lines[2] == f"batch size   2: batch norm {sweep['batchnorm'][0]:.2f}, layer norm {sweep['layernorm'][0]:.2f}"
    wrong = mutant(("dgamma = (dout * xhat).sum(axis=0)", "dgamma = dout.sum(axis=0)", "batchnorm_backward_alt"))
    figures._check_your_layers(wrong, ["batchnorm"])
    assert "above 1e-06: the plots below show your layers as they are" in capsys.readouterr().out


def test_while_grading_the_cells_print_one_line_and_train_nothing(monkeypatch, capsys):
    monkeypatch.setenv(GRADING_ENV, "1")
    monkeypatch.setattr(experiments, "load_digits_split", None)  # any training would fail
    for show in (figures.show_training_curves, figures.show_weight_scales, figures.show_batch_sizes):
        assert show(STUBS) is None
    lines = capsys.readouterr().out.splitlines()
    assert [line.split(" is left out")[0] for line in lines] == [
        "(training the network", "(the weight-scale sweep", "(the batch-size experiment"]
