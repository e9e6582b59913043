"""The implementations the explorer can show: the student's and, where given and present, a reference.

The student's functions are looked up on the module object
`cs231n_style.layers` at every call, never copied, so an edit reloaded by
`%autoreload 2` shows at the next redraw. A reference solution is named by
the notebook (the course repository has one; the students' copy does not):
where it cannot be imported, the choice stays visible, marked unavailable,
with one line saying why.
"""
import importlib
from dataclasses import dataclass

from .problems import Problem, call, check_result

FUNCTIONS = ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt")
LAYERNORM_FUNCTIONS = ("layernorm_forward", "layernorm_backward")  # drawn when the batch-size panels show layer norm
STUDENT_FILE = "cs231n_style/layers.py"
REFERENCE_MISSING = "not available here: {module} cannot be imported (the students' copy has no solution)"


@dataclass(frozen=True)
class Implementation:
    """One set of the batch-norm (and layer-norm) functions, called through `forward`/`backward`
    (`layernorm_forward`/`layernorm_backward`).

    - label: how the explorer names it, e.g. "yours"
    - module: any object with the functions as attributes (looked up at each call); None if unavailable
    - where: where its code is edited, named in messages
    - unavailable: one line saying why it cannot be used ('' when it can)
    """

    label: str
    module: object
    where: str
    unavailable: str = ""

    @property
    def available(self):
        return self.module is not None and not self.unavailable

    def function(self, name):
        """The current `name` of the module, or raise Problem naming what is missing."""
        if not self.available:
            raise Problem(name, f"{self.label}: {self.unavailable}", short=f"{self.label}: not available here")
        fn = getattr(self.module, name, None)
        if not callable(fn):
            raise Problem(name, f"{name} is missing from {self.where}")
        return fn

    def _source_file(self):
        return getattr(self.module, "__file__", None)

    def forward(self, x, gamma, beta, eps):
        """Train-mode forward pass. Inputs x (N, D), gamma and beta (D,). Returns (out (N, D), cache).

        The code gets copies: one that changes its inputs in place cannot spoil the next call.
        """
        name = "batchnorm_forward"
        bn_param = {"mode": "train", "eps": eps}
        args = (x.copy(), gamma.copy(), beta.copy(), bn_param)
        result = call(name, self.function(name), args, self.where, self._source_file())
        check_result(name, result, ("out", "cache"), x.shape)
        return result

    def backward(self, name, dout, cache):
        """Backward pass `name` (batchnorm_backward or batchnorm_backward_alt). Returns dx of shape dout.shape."""
        result = call(name, self.function(name), (dout.copy(), cache), self.where, self._source_file())
        return check_result(name, result, ("dx", "dgamma", "dbeta"), dout.shape)

    def layernorm_forward(self, x, gamma, beta, eps):
        """layernorm_forward on copies of x (N, D), gamma and beta (D,). Returns (out (N, D), cache)."""
        name = "layernorm_forward"
        args = (x.copy(), gamma.copy(), beta.copy(), {"eps": eps})
        result = call(name, self.function(name), args, self.where, self._source_file())
        check_result(name, result, ("out", "cache"), x.shape)
        return result

    def layernorm_backward(self, dout, cache):
        """layernorm_backward. Returns dx of shape dout.shape."""
        name = "layernorm_backward"
        result = call(name, self.function(name), (dout.copy(), cache), self.where, self._source_file())
        return check_result(name, result, ("dx", "dgamma", "dbeta"), dout.shape)


def student():
    """The student's functions, read from cs231n_style.layers at each call."""
    from cs231n_style import layers

    return Implementation("yours", layers, STUDENT_FILE)


def reference(module_name):
    """The reference solution, the module `module_name`, or an unavailable Implementation where it cannot be
    imported."""
    try:
        module = importlib.import_module(module_name)
    except Exception:  # ImportError in the students' copy; anything else is just as unusable
        return Implementation("reference", None, module_name, REFERENCE_MISSING.format(module=module_name))
    return Implementation("reference", module, getattr(module, "__file__", None) or module_name)


def resolve(implementations=None, reference_module=None):
    """The implementations to offer, as a dict label -> Implementation.

    Inputs:
    - implementations: None for {"yours": the student's}, or a dict label -> module-like object
      (anything with the three functions as attributes) or Implementation
    - reference_module: with implementations None, the name of a module with a reference solution,
      offered as "reference" (marked unavailable where it cannot be imported)
    """
    if implementations is None:
        found = {"yours": student()}
        if reference_module is not None:
            if not isinstance(reference_module, str) or not reference_module:
                raise ValueError(f"reference_module: expected a module name, got {reference_module!r}")
            found["reference"] = reference(reference_module)
        return found
    if not isinstance(implementations, dict) or not implementations:
        raise ValueError("implementations: expected a non-empty dict label -> module with "
                         f"{', '.join(FUNCTIONS)}, got {implementations!r}")
    resolved = {}
    for label, module in implementations.items():
        if not isinstance(label, str) or not label:
            raise ValueError(f"implementations: expected non-empty str labels, got {label!r}")
        if isinstance(module, Implementation):
            resolved[label] = module
        elif module is None:
            raise ValueError(f"implementations[{label!r}]: expected a module-like object, got None")
        else:
            where = getattr(module, "__file__", None) or getattr(module, "__name__", None) or label
            resolved[label] = Implementation(label, module, str(where))
    return resolved
