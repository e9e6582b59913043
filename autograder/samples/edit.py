"""Edits that turn the solution or the student edition of layers.py into a sample submission."""
import ast
import re

from ..editions import BEGIN, END, student_edition
from ..facts import SOLUTION_LAYERS, STUDENT_LAYERS


def solution_text():
    """layers.py as a student who wrote the reference solution would submit it (no markers)."""
    return "".join(line for line in SOLUTION_LAYERS.read_text().splitlines(keepends=True)
                   if line.strip() not in (BEGIN, END))


def student_text():
    """The untouched student edition of layers.py."""
    return student_edition(SOLUTION_LAYERS.read_text(), STUDENT_LAYERS)


def _function_span(source, function):
    match = re.search(rf"^def {function}\(", source, re.M)
    if not match:
        raise ValueError(f"function: no def {function} in the text")
    following = re.search(r"^(def |# -{10})", source[match.end():], re.M)
    return match.start(), (match.end() + following.start() if following else len(source))


def replace(source, old, new, function=None):
    """Replace the last occurrence of `old` (inside def `function` if given) by `new`.

    The last one, because code comes after the docstrings that may quote it.
    """
    start, end = _function_span(source, function) if function else (0, len(source))
    region = source[start:end]
    if old not in region:
        raise ValueError(f"old: not found{' in ' + function if function else ''}: {old!r}")
    head, _, tail = region.rpartition(old)
    return source[:start] + head + new + tail + source[end:]


def replace_function(source, new_definition):
    """Replace a whole top-level function by `new_definition` (source text of one def)."""
    name = ast.parse(new_definition).body[0].name
    start, end = _function_span(source, name)
    return source[:start] + new_definition.rstrip() + "\n\n\n" + source[end:].lstrip("\n")


def rename(source, old, new, function):
    """Rename the identifier `old` to `new` everywhere inside def `function`."""
    start, end = _function_span(source, function)
    return source[:start] + re.sub(rf"\b{re.escape(old)}\b", new, source[start:end]) + source[end:]
