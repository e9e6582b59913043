"""Wrong implementations for tests: the reference's layers.py with a line or two changed."""
import linecache
import re
import types

from notebooks import SOLUTION


def _replace(source, old, new, function=None):
    """Replace `old` by `new` once: inside def `function` if given, else at its last occurrence
    (code comes after the docstrings that may quote it)."""
    start, end = 0, len(source)
    if function:
        match = re.search(rf"^def {function}\(", source, re.M)
        assert match, f"no function {function}"
        start = match.start()
        following = re.search(r"^def ", source[match.end():], re.M)
        end = match.end() + following.start() if following else len(source)
    region = source[start:end]
    assert old in region, f"not in the reference{' function ' + function if function else ''}: {old}"
    head, _, tail = region.rpartition(old)
    return source[:start] + head + new + tail + source[end:]


def mutant(*replacements, name="mutant_layers"):
    """A module made from the reference layers.py with each replacement applied.

    Each replacement is (old, new) or (old, new, function name).
    """
    source = SOLUTION.read_text()
    for replacement in replacements:
        source = _replace(source, *replacement)
    module = types.ModuleType(name)
    module.__file__ = f"/{name}/layers.py"
    linecache.cache[module.__file__] = (len(source), None, source.splitlines(True), module.__file__)
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module
