"""A corpus to judge the diagnosis by: correct submissions in several styles, and single-mistake
variants of them written the way students write them (`python -m autograder.bench diagnosis`).

Each variant is a style's layers.py with one edit, inside one student function, and a phrase
that a diagnosis naming the mistake must contain. The sample submissions (catalog.py) are
graded end to end by `make demo`; this corpus is judged in-process by the trusted checks, so
that fifty submissions take seconds and its shares can be measured on every change.
"""
import inspect
from dataclasses import dataclass

from .edit import replace, replace_function, solution_text
from .styles import keepdims, list_cache, nine_steps

FORWARD, GRAPH, ALT = "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt"
LN_FORWARD, LN_BACKWARD = "layernorm_forward", "layernorm_backward"


def _style(module):
    text = solution_text()
    for function in (module.batchnorm_forward, module.batchnorm_backward, module.batchnorm_backward_alt):
        text = replace_function(text, inspect.getsource(function))
    return text


STYLES = {"reference": solution_text, "nine_steps": lambda: _style(nine_steps),
          "keepdims": lambda: _style(keepdims), "list_cache": lambda: _style(list_cache)}


@dataclass(frozen=True)
class Variant:
    name: str
    style: str  # a key of STYLES
    function: str = ""  # the student function the mistake is in; "" for a correct variant
    edits: tuple = ()  # (old, new) replacements inside `function` (or anywhere, for a correct variant)
    names: str = ""  # a phrase that a diagnosis naming the mistake contains

    def text(self):
        text = STYLES[self.style]()
        for old, new in self.edits:
            text = replace(text, old, new, self.function or None)
        return text


CORRECT = (
    Variant("reference", "reference"),
    Variant("nine_steps", "nine_steps"),
    Variant("keepdims", "keepdims"),
    Variant("list_cache", "list_cache"),
    Variant("reference_np_functions", "reference", edits=(
        ("mean = x.mean(axis=0)", "mean = np.mean(x, axis=0)"),
        ("var = (xmu * xmu).mean(axis=0)", "var = np.var(x, axis=0)"))),
    Variant("reference_keepdims_dgamma", "reference", edits=(  # in the closed form: the first dx line follows
        ("dgamma = (dout * xhat).sum(axis=0)\n    dxhat = dout * gamma\n    dx = (dxhat - dxhat.mean(axis=0)",
         "dgamma = (dout * xhat).sum(axis=0, keepdims=True)\n    dxhat = dout * gamma\n"
         "    dx = (dxhat - dxhat.mean(axis=0)"),
        ("dbeta = dout.sum(axis=0)\n    dgamma = (dout * xhat).sum(axis=0, keepdims=True)",
         "dbeta = dout.sum(axis=0, keepdims=True)\n    dgamma = (dout * xhat).sum(axis=0, keepdims=True)"))),
    Variant("reference_layernorm_np_functions", "reference", edits=(
        ("mean = x.mean(axis=1, keepdims=True)", "mean = np.mean(x, axis=1, keepdims=True)"),
        ("inv_std = 1.0 / np.sqrt((xmu * xmu).mean(axis=1, keepdims=True) + eps)",
         "inv_std = 1.0 / np.sqrt(np.var(x, axis=1, keepdims=True) + eps)"))),
    Variant("nine_steps_closed_form_sums", "nine_steps", edits=(
        ('dgamma = np.einsum("ij,ij->j", dout, xhat)', "dgamma = (dout * xhat).sum(0)"),)),
    Variant("keepdims_division", "keepdims", edits=(
        ("x_norm = (x - sample_mean) / np.sqrt(sample_var + eps)",
         "inv = 1.0 / np.sqrt(sample_var + eps)\n        x_norm = (x - sample_mean) * inv"),)),
    Variant("list_cache_power", "list_cache", edits=(("std ** -3", "1. / std ** 3"),)),
    Variant("list_cache_where_alt", "list_cache", edits=(
        ("dx = gamma / (N * std) * (N * dout - dbeta - normalized * dgamma)",
         "dx = (dout * gamma - np.mean(dout * gamma, axis=0)\n          - normalized * np.mean(dout * gamma * "
         "normalized, axis=0)) / std"),)),
)


def _bug(name, style, function, names, *edits):
    return Variant(name, style, function, edits, names)


# The closed form's two sums in the keepdims style, as one expression over two lines.
_KEEPDIMS_SUMS = ("(N * dx_norm - np.sum(dx_norm, axis=0, keepdims=True)\n"
                  "                                          - x_norm * np.sum(dx_norm * x_norm, axis=0, keepdims=True))")
_KEEPDIMS_DX = "dx = dxhat / np.sqrt(var + eps) + dvar * 2.0 * (x - mu) / N + dmean / N"
_REFERENCE_ALT = "dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) * inv_std"

BUGGY = (
    # batchnorm_forward, train mode
    _bug("unbiased_var_keepdims", "keepdims", FORWARD, "unbiased",
         ("np.var(x, axis=0, keepdims=True)", "np.var(x, axis=0, keepdims=True, ddof=1)")),
    _bug("eps_outside_sqrt_list", "list_cache", FORWARD, "eps outside the square root",
         ("std = np.sqrt(variance + eps)", "std = np.sqrt(variance) + eps")),
    _bug("no_sqrt_nine_steps", "nine_steps", FORWARD, "no square root",
         ("sqrtvar = np.sqrt(var + eps)", "sqrtvar = var + eps")),
    _bug("beta_sign_reference", "reference", FORWARD, "sign of beta",
         ("out = gamma * xhat + beta", "out = gamma * xhat - beta")),
    _bug("gamma_missing_keepdims", "keepdims", FORWARD, "gamma missing",
         ("out = gamma * x_norm + beta\n        cache", "out = x_norm + beta\n        cache")),
    _bug("beta_missing_list", "list_cache", FORWARD, "beta missing",
         ("out = gamma * normalized + beta", "out = gamma * normalized")),
    _bug("mean_not_subtracted_nine_steps", "nine_steps", FORWARD, "mean not subtracted",
         ("xhat = xmu * ivar", "xhat = x * ivar")),
    _bug("axis1_keepdims", "keepdims", FORWARD, "axis=1",
         ("sample_mean = np.mean(x, axis=0, keepdims=True)", "sample_mean = np.mean(x, axis=1, keepdims=True)"),
         ("sample_var = np.var(x, axis=0, keepdims=True)", "sample_var = np.var(x, axis=1, keepdims=True)")),
    # batchnorm_forward, running averages
    _bug("momentum_swapped_list", "list_cache", FORWARD, "swapped",
         ("running_mean = momentum * running_mean + (1. - momentum) * mean",
          "running_mean = (1. - momentum) * running_mean + momentum * mean")),
    _bug("running_var_plus_eps_nine_steps", "nine_steps", FORWARD, "variance + eps averaged",
         ("running_var = momentum * running_var + (1 - momentum) * var",
          "running_var = momentum * running_var + (1 - momentum) * (var + eps)")),
    _bug("running_var_std_keepdims", "keepdims", FORWARD, "standard deviation",
         ("(1 - momentum) * sample_var.ravel()", "(1 - momentum) * np.sqrt(sample_var.ravel())")),
    _bug("running_mean_not_averaged_reference", "reference", FORWARD, "without averaging",
         ("running_mean = momentum * running_mean + (1 - momentum) * mean", "running_mean = mean")),
    _bug("running_var_unbiased_list", "list_cache", FORWARD, "unbiased",
         ("(1. - momentum) * variance", "(1. - momentum) * variance * N / (N - 1.)")),
    # batchnorm_forward, test mode
    _bug("test_batch_stats_keepdims", "keepdims", FORWARD, "batch's own statistics",
         ("x_norm = (x - running_mean) / np.sqrt(running_var + eps)",
          "x_norm = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)")),
    _bug("test_no_gamma_beta_list", "list_cache", FORWARD, "gamma missing; beta missing",
         ("out = (x - running_mean) / np.sqrt(running_var + eps) * gamma + beta",
          "out = (x - running_mean) / np.sqrt(running_var + eps)")),
    _bug("test_eps_outside_nine_steps", "nine_steps", FORWARD, "eps outside the square root",
         ("out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta",
          "out = gamma * (x - running_mean) / (np.sqrt(running_var) + eps) + beta")),
    _bug("test_no_sqrt_reference", "reference", FORWARD, "no square root",
         ("out = gamma * ((x - running_mean) / np.sqrt(running_var + eps)) + beta",
          "out = gamma * ((x - running_mean) / (running_var + eps)) + beta")),
    _bug("test_mean_not_subtracted_keepdims", "keepdims", FORWARD, "running mean not subtracted",
         ("x_norm = (x - running_mean) / np.sqrt(running_var + eps)", "x_norm = x / np.sqrt(running_var + eps)")),
    # batchnorm_backward, the computation graph
    _bug("graph_mean_sign_keepdims", "keepdims", GRAPH, "wrong sign on the mean term",
         (_KEEPDIMS_DX, _KEEPDIMS_DX.replace("+ dmean / N", "- dmean / N"))),
    _bug("graph_dvar_half_list", "list_cache", GRAPH, "factor 2",
         ("dx = dxhat / std + dvar * 2. * centered / N", "dx = dxhat / std + dvar * centered / N")),
    _bug("graph_exponent_reference", "reference", GRAPH, "exponent", ("std**-3", "std**-1")),
    _bug("graph_dmean_no_n_nine_steps", "nine_steps", GRAPH, "1/N",
         ("dx2 = 1.0 / N * np.ones_like(dout) * dmean", "dx2 = np.ones_like(dout) * dmean")),
    _bug("graph_no_dvar_keepdims", "keepdims", GRAPH, "path through the variance",
         (_KEEPDIMS_DX, "dx = dxhat / np.sqrt(var + eps) + dmean / N")),
    _bug("graph_dgamma_x_list", "list_cache", GRAPH, "your dgamma is multiplied by sqrt(var + eps)",
         ("dgamma = np.sum(dout * normalized, axis=0)", "dgamma = np.sum(dout * centered, axis=0)")),
    _bug("graph_dbeta_mean_reference", "reference", GRAPH, "mean of dout instead",
         ("dbeta = dout.sum(axis=0)", "dbeta = dout.mean(axis=0)")),
    _bug("graph_gamma_missing_nine_steps", "nine_steps", GRAPH, "gamma missing", ("dxhat = dout * gamma", "dxhat = dout")),
    _bug("graph_dvar_n_minus_1_reference", "reference", GRAPH, "N - 1",
         ("dvar * 2.0 * xmu / N", "dvar * 2.0 * xmu / (N - 1)")),
    _bug("graph_no_std_direct_list", "list_cache", GRAPH, "direct term", ("dx = dxhat / std + ", "dx = dxhat + ")),
    # batchnorm_backward_alt, the closed form
    _bug("alt_no_variance_keepdims", "keepdims", ALT, "path through the variance",
         (_KEEPDIMS_SUMS, "(N * dx_norm - np.sum(dx_norm, axis=0, keepdims=True))")),
    _bug("alt_no_mean_list", "list_cache", ALT, "path through the mean",
         ("(N * dout - dbeta - normalized * dgamma)", "(N * dout - normalized * dgamma)")),
    _bug("alt_gamma_missing_reference", "reference", ALT, "gamma missing", ("dxhat = dout * gamma", "dxhat = dout")),
    _bug("alt_n_minus_1_nine_steps", "nine_steps", ALT, "N/(N - 1)",
         ("dx = (gamma * ivar / N)", "dx = (gamma * ivar / (N - 1))")),
    _bug("alt_row_means_reference", "reference", ALT, "axis=1",
         (_REFERENCE_ALT, _REFERENCE_ALT.replace("mean(axis=0)", "mean(axis=1, keepdims=True)"))),
    _bug("alt_diagonal_keepdims", "keepdims", ALT, "diagonal", (_KEEPDIMS_SUMS, "dx_norm * (N - 1 - x_norm ** 2)")),
    _bug("alt_sign_variance_list", "list_cache", ALT, "wrong sign on the variance term",
         ("- normalized * dgamma)", "+ normalized * dgamma)")),
    _bug("alt_mean_times_n_reference", "reference", ALT, "1/N",
         ("dxhat - dxhat.mean(axis=0)", "dxhat - dxhat.sum(axis=0)")),
    _bug("alt_no_inv_std_nine_steps", "nine_steps", ALT, "a division by it missing",
         ("dx = (gamma * ivar / N)", "dx = (gamma / N)")),
    _bug("alt_dgamma_mean_keepdims", "keepdims", ALT, "mean of dout * x̂",
         ("dgamma = np.sum(dout * x_norm, axis=0)\n    dx_norm", "dgamma = np.mean(dout * x_norm, axis=0)\n    dx_norm")),
    _bug("alt_variance_twice_list", "list_cache", ALT, "variance term -x̂·mean(g·x̂)/s is twice",
         ("- normalized * dgamma)", "- 2 * normalized * dgamma)")),
    _bug("alt_extra_std_reference", "reference", ALT, "once too often", (") * inv_std\n", ") * inv_std * inv_std\n")),
    _bug("alt_half_variance_nine_steps", "nine_steps", ALT, "factor 2",
         ("- xhat * dgamma)", "- 0.5 * xhat * dgamma)")),
    # mistakes named since the corpus was first measured
    _bug("centred_on_running_mean_keepdims", "keepdims", FORWARD, "running_mean after this batch's update",
         ("        x_norm = (x - sample_mean) / np.sqrt(sample_var + eps)\n",
          "        running_mean = momentum * running_mean + (1 - momentum) * sample_mean.ravel()\n"
          "        x_norm = (x - running_mean) / np.sqrt(sample_var + eps)\n"),
         ("        running_mean = momentum * running_mean + (1 - momentum) * sample_mean.ravel()\n"
          "        running_var", "        running_var")),
    _bug("graph_dvar_rows_keepdims", "keepdims", GRAPH, "dvar summed over each row",
         ("dvar = np.sum(dxhat * (x - mu), axis=0, keepdims=True)", "dvar = np.sum(dxhat * (x - mu), axis=1, keepdims=True)")),
    _bug("graph_dvar_rows_crash_list", "list_cache", GRAPH, "sum or mean over the other axis",
         ("dvar = np.sum(dxhat * centered, axis=0)", "dvar = np.sum(dxhat * centered, axis=1)")),
    _bug("graph_std_power_list", "list_cache", GRAPH, "std ** -1.5", ("std ** -3", "std ** -1.5")),
    _bug("graph_dxhat_xhat_keepdims", "keepdims", GRAPH, "x̂ where gamma belongs",
         ("dxhat = dout * gamma", "dxhat = dout * x_norm")),
    _bug("graph_dgamma_matrix_keepdims", "keepdims", GRAPH, "the matrix x̂ᵀ·dout",
         ("dgamma = np.sum(dout * x_norm, axis=0)", "dgamma = np.dot(x_norm.T, dout)")),
    _bug("alt_dbeta_for_dgamma_list", "list_cache", ALT, "replaced by the sum of dout",
         ("normalized * dgamma)", "normalized * dbeta)")),
    _bug("alt_dbeta_all_entries_keepdims", "keepdims", ALT, "np.sum without axis=0",
         ("    dbeta = np.sum(dout, axis=0)\n    dgamma = np.sum(dout * x_norm, axis=0)\n    dx_norm",
          "    dbeta = np.sum(dout)\n    dgamma = np.sum(dout * x_norm, axis=0)\n    dx_norm")),
    # layer norm, written as batch norm is written: along the wrong axis, without keepdims, with a test mode
    _bug("layernorm_batch_axis", "reference", LN_FORWARD, "batch norm's statistics",
         ("mean = x.mean(axis=1, keepdims=True)", "mean = x.mean(axis=0)"),
         ("(xmu * xmu).mean(axis=1, keepdims=True)", "(xmu * xmu).mean(axis=0)")),
    _bug("layernorm_var_no_keepdims", "reference", LN_FORWARD, "keepdims=True",
         ("(xmu * xmu).mean(axis=1, keepdims=True)", "(xmu * xmu).mean(axis=1)")),
    _bug("layernorm_test_mode", "reference", LN_FORWARD, "no test mode",
         ('    eps = ln_param.get("eps", 1e-5)\n',
          '    eps = ln_param.get("eps", 1e-5)\n    if ln_param.get("mode", "train") == "test":\n'
          '        return gamma * x / np.sqrt(1 + eps) + beta, None\n')),
    _bug("layernorm_backward_batch_means", "reference", LN_BACKWARD, "batch norm's backward pass",
         ("dxhat.mean(axis=1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=1, keepdims=True)",
          "dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)")),
    _bug("layernorm_dgamma_rows", "reference", LN_BACKWARD, "sum over each row",
         ("    dgamma = (dout * xhat).sum(axis=0)\n    dxhat = dout * gamma\n    dx = (dxhat - dxhat.mean(axis=1",
          "    dgamma = (dout * xhat).sum(axis=1)\n    dxhat = dout * gamma\n    dx = (dxhat - dxhat.mean(axis=1")),
)
