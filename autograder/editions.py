"""Make the student edition of a solution file.

nbgrader strips solutions from notebooks only; the helper package's .py files
it copies as they are. This module does for a .py file what nbgrader does for
a code cell: every region between "### BEGIN SOLUTION" and "### END SOLUTION"
is replaced by a stub that raises NotImplementedError naming the function and
the file.
"""
import re

BEGIN = "### BEGIN SOLUTION"
END = "### END SOLUTION"
_DEF = re.compile(r"^(\s*)def (\w+)\(")


class SolutionMarkerError(ValueError):
    """The solution markers of a file are unbalanced or outside a function."""


def student_edition(text, path):
    """Return `text` with each solution region replaced by a NotImplementedError stub.

    Inputs:
    - text: the solution edition of a Python file, as a string
    - path: how the file is named in the stub's message, e.g. "cs231n_style/layers.py"
    """
    out = []
    function = None
    inside = False
    for number, line in enumerate(text.splitlines(keepends=True), start=1):
        stripped = line.strip()
        match = _DEF.match(line)
        if match and not inside:
            function = match.group(2)
        if stripped == BEGIN:
            if inside:
                raise SolutionMarkerError(f"{path}:{number}: {BEGIN} inside another solution region")
            if function is None:
                raise SolutionMarkerError(f"{path}:{number}: {BEGIN} outside a function")
            indent = line[: len(line) - len(line.lstrip())]
            out.append(f"{indent}# YOUR CODE HERE\n")
            out.append(f'{indent}raise NotImplementedError("{function} in {path} is not implemented yet")\n')
            inside = True
        elif stripped == END:
            if not inside:
                raise SolutionMarkerError(f"{path}:{number}: {END} without {BEGIN}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise SolutionMarkerError(f"{path}: {BEGIN} never closed by {END}")
    return "".join(out)


def has_solution(text):
    """True if `text` still contains a solution marker."""
    return BEGIN in text or END in text
