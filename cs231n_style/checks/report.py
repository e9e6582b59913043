"""How a check talks to the student: one line per result, no traceback walls.

A failed check raises CheckFailed. It is an AssertionError, so nbgrader scores
the test cell 0, but IPython shows only its message (through
`_render_traceback_`), e.g.

    ✗ batchnorm_backward_alt is not implemented yet — fill it in in cs231n_style/layers.py
"""
from contextlib import contextmanager

from ..errors import raised

STUDENT_FILE = "cs231n_style/layers.py"


class CheckFailed(AssertionError):
    """A check found a problem; the message says what, in one or two lines."""

    def _render_traceback_(self):
        return [f"✗ {line}" if i == 0 else f"  {line}" for i, line in enumerate(str(self).splitlines())]


def passed(message):
    """Print one passing result."""
    print(f"✓ {message}")


def note(message):
    """Print a remark that is neither a pass nor a failure."""
    print(f"• {message}")


def student_function(module, name):
    """module.name, or CheckFailed if the student's file has no such function."""
    function = getattr(module, name, None)
    if not callable(function):
        raise CheckFailed(f"{name} is missing from {STUDENT_FILE}")
    return function


@contextmanager
def running_student_code(name):
    """Turn every way the student's function `name` can fail into a one-line CheckFailed."""
    try:
        yield
    except NotImplementedError:
        raise CheckFailed(f"{name} is not implemented yet — fill it in in {STUDENT_FILE}") from None
    except CheckFailed:
        raise
    except Exception as error:  # the student's code: anything can happen
        raise CheckFailed(raised(name, error)) from None


def call_student(module, name, *args):
    """Call module.name(*args), turning every way it can fail into a one-line CheckFailed."""
    function = student_function(module, name)
    with running_student_code(name):
        return function(*args)


def unpack(name, result, count, what):
    """Check that a student function returned a tuple of `count` items; returns them."""
    if not isinstance(result, tuple) or len(result) != count:
        got = f"a tuple of {len(result)}" if isinstance(result, tuple) else type(result).__name__
        raise CheckFailed(f"{name} should return a tuple ({what}), got {got}")
    return result


def report_gradient_checks(checks, name):
    """Print each GradientCheck with ✓ or ✗; raise CheckFailed naming the wrong ones of function `name`."""
    for check in checks:
        print(("✓ " if check.ok else "✗ ") + str(check))
    wrong = [c.name for c in checks if not c.ok]
    if wrong:
        raise CheckFailed(f"{', '.join(wrong)} of {name} {'does' if len(wrong) == 1 else 'do'} not match "
                          "the numerical gradient")
