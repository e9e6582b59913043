"""The plots of the notebook's section 6, each drawn from an experiment of experiments.py.

Each function first checks the gradients of a small network built with your
layers, then trains, draws, and returns the experiment's numbers. While the
autograder runs the notebook they print one line instead.
"""
from ..autograding import being_graded, skipped_while_grading
from ..checks.report import note, passed
from . import experiments
from .gradient_check import TOL, network_gradient_errors
from .model import LAYER_FUNCTIONS

LABELS = {None: "no normalization", "batchnorm": "batch norm", "layernorm": "layer norm"}


def _check_your_layers(layers, normalizations):
    """One line per normalization: does the network built with the student's layers have the right gradients?"""
    for normalization in normalizations:
        errors = network_gradient_errors(layers, normalization)
        worst = max(errors, key=errors.get)
        functions = " and ".join(LAYER_FUNCTIONS[normalization])
        line = f"a network with your {functions}: largest gradient error {errors[worst]:.1e} ({worst})"
        if errors[worst] <= TOL:
            passed(line)
        else:
            note(line + f", above {TOL:.0e}: the plots below show your layers as they are")


def show_training_curves(layers):
    """Loss and accuracy per epoch, with and without batch norm; returns {None: History, 'batchnorm': History}."""
    if being_graded():
        return skipped_while_grading("training the network")
    import matplotlib.pyplot as plt

    _check_your_layers(layers, ["batchnorm"])
    histories = experiments.training_curves(layers)
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 3.6))
    for normalization, history in histories.items():
        iterations_per_epoch = len(history.loss) / len(history.val_acc)
        epochs = [i / iterations_per_epoch for i in range(len(history.loss))]
        ax_loss.plot(epochs, history.loss, lw=0.8, label=LABELS[normalization])
        line, = ax_acc.plot(range(1, len(history.val_acc) + 1), history.val_acc, "o-", label=f"{LABELS[normalization]}, validation")
        ax_acc.plot(range(1, len(history.train_acc) + 1), history.train_acc, "--", color=line.get_color(), label=f"{LABELS[normalization]}, training")
    ax_loss.set(xlabel="epoch", ylabel="training loss", title="loss of every minibatch")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="accuracy after each epoch", ylim=(0, 1))
    ax_loss.legend()
    ax_acc.legend(loc="lower right", fontsize="small")
    fig.tight_layout()
    plt.show()
    return histories


def show_weight_scales(layers):
    """Final validation accuracy against the initial weight scale; returns the sweep's dict."""
    if being_graded():
        return skipped_while_grading("the weight-scale sweep")
    import matplotlib.pyplot as plt

    _check_your_layers(layers, ["batchnorm"])
    sweep = experiments.weight_scale_sweep(layers)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for normalization in (None, "batchnorm"):
        ax.semilogx(sweep["scales"], sweep[normalization], "o-", label=LABELS[normalization])
    ax.axhline(0.1, color="gray", lw=0.8, ls=":", label="guessing")
    ax.set(xlabel="standard deviation of the initial weights", ylabel="validation accuracy", ylim=(0, 1),
           title="after a few epochs, by initial weight scale")
    ax.legend()
    fig.tight_layout()
    plt.show()
    return sweep


def show_batch_sizes(layers):
    """Validation accuracy against the batch size, batch norm beside layer norm; returns the sweep's dict."""
    if being_graded():
        return skipped_while_grading("the batch-size experiment")
    import matplotlib.pyplot as plt

    _check_your_layers(layers, ["batchnorm", "layernorm"])
    sweep = experiments.batch_size_sweep(layers)
    fig, ax = plt.subplots(figsize=(6, 3.6))
    for normalization in ("batchnorm", "layernorm"):
        ax.semilogx(sweep["sizes"], sweep[normalization], "o-", label=LABELS[normalization])
    ax.set_xticks(sweep["sizes"], [str(size) for size in sweep["sizes"]])
    ax.minorticks_off()
    ax.set(xlabel="training batch size", ylabel="validation accuracy", ylim=(0, 1),
           title="the same examples and epochs, by batch size")
    ax.legend()
    fig.tight_layout()
    plt.show()
    for size, bn, ln in zip(sweep["sizes"], sweep["batchnorm"], sweep["layernorm"]):
        print(f"batch size {size:3d}: batch norm {bn:.2f}, layer norm {ln:.2f}")
    return sweep
