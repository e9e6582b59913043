"""Everything the six panels show, measured for one state of the controls.

Each panel's numbers come from one plain function (batch.py, epsilon.py,
terms.py, facts.py, agreement.py). Where a panel needs the implementation and
the implementation fails, that panel gets the Problem instead of numbers and
the others are measured all the same.
"""
from dataclasses import dataclass

from .agreement import agreement_by_eps
from .batch import batch_dependence, batch_noise, dx_size_by_batch, layernorm_dx_size_by_batch
from .epsilon import dx_by_eps, terms_by_eps
from .facts import facts
from .problems import Problem
from .settings import BATCH_SIZES
from .terms import dx_size, term_sizes


@dataclass(frozen=True)
class Measurements:
    """The numbers behind each panel; a field holds a Problem where its implementation failed.

    - settings: the Settings measured
    - dx_size: batch.DxSize (None when batch norm is not shown)
    - ln_dx_size: batch.DxSize of layer norm (None when it is not shown)
    - noise: batch.BatchNoise             - dependence: batch.BatchDependence
    - eps_terms: epsilon.EpsSweep         - eps_dx: epsilon.CodeSweep, the implementation's dx against eps
    - terms: terms.TermSizes              - terms_dx: (D,) size of the implementation's dx per feature
    - facts: facts.Facts                  - agreement: agreement.Agreement
    """

    settings: object
    dx_size: object
    ln_dx_size: object
    noise: object
    dependence: object
    eps_terms: object
    eps_dx: object
    terms: object
    terms_dx: object
    facts: object
    agreement: object

    @property
    def problems(self):
        """The distinct one-line messages of every Problem met, in panel order."""
        found = []
        for value in (self.dx_size, self.ln_dx_size, self.dependence, self.eps_dx, self.terms_dx, self.facts, self.agreement):
            found.extend([value] if isinstance(value, Problem) else getattr(value, "problems", ()))
        lines = []
        for problem in found:
            if str(problem) not in lines:
                lines.append(str(problem))
        return lines


def _attempt(fn, *args):
    try:
        return fn(*args)
    except Problem as problem:
        return problem


def _current_dx(implementation, settings, case):
    _, cache = implementation.forward(case.x, case.gamma, case.beta, settings.eps)
    return implementation.backward(settings.backward_name, case.dout, cache)


def measure(settings, implementation):
    """Measure every panel for `settings` (validated Settings) with `implementation`. Returns Measurements."""
    case = settings.case()
    dx = _attempt(_current_dx, implementation, settings, case)
    failed = isinstance(dx, Problem)
    return Measurements(
        settings=settings,
        dx_size=(_attempt(dx_size_by_batch, implementation, settings.backward_name, settings, BATCH_SIZES)
                 if settings.shows_batchnorm else None),
        ln_dx_size=(_attempt(layernorm_dx_size_by_batch, implementation, settings, BATCH_SIZES)
                    if settings.shows_layernorm else None),
        noise=batch_noise(BATCH_SIZES),
        dependence=batch_dependence(implementation, settings),
        eps_terms=terms_by_eps(case, settings.spread),
        eps_dx=_attempt(dx_by_eps, implementation, settings.backward_name, case, settings.spread),
        terms=term_sizes(case, settings.eps, settings.spread),
        terms_dx=dx if failed else dx_size(dx, case, settings.eps),
        facts=dx if failed else facts(dx, case, settings.eps),
        agreement=_attempt(agreement_by_eps, implementation, case),
    )
