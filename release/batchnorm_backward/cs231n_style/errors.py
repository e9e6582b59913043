"""One line for an exception raised in the student's code: what was raised, and where in layers.py.

    batchnorm_backward raised ValueError: operands could not be broadcast together with shapes (4,5) (4,)
    at line 213 of layers.py: dx = dx1 + dmean / N

(on one line). Used by the visible checks, the explorer and the grader's probe alike.
"""
import os
import traceback

MAX_DETAIL = 160  # characters of the exception's message kept: one line in a widget or a report


def where(exc, source_file=None):
    """' at line 57 of layers.py: dx = ...' for the innermost frame of `exc` in source_file (in any file named
    layers.py if None), or ''."""
    target = os.path.realpath(source_file) if source_file else None
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__)
              if (os.path.realpath(frame.filename) == target if target else frame.filename.endswith("layers.py"))]
    if not frames:
        return ""
    frame = frames[-1]
    at = f" at line {frame.lineno} of {os.path.basename(frame.filename)}"
    return f"{at}: {frame.line}" if frame.line else at


def raised(function, exc, source_file=None):
    """'{function} raised {type}: {first line of the message}{where}', one line."""
    lines = str(exc).strip().splitlines()
    detail = lines[0] if lines else ""
    detail = detail if len(detail) <= MAX_DETAIL else detail[:MAX_DETAIL - 1] + "…"
    return f"{function} raised {type(exc).__name__}{': ' + detail if detail else ''}{where(exc, source_file)}"
