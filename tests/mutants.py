"""Wrong implementations for tests: the reference's layers.py with a line or two changed."""
import linecache
import types

from autograder.samples.edit import replace, solution_text


def mutant(*replacements, name="mutant_layers"):
    """A module made from the reference layers.py with each replacement applied.

    Each replacement is (old, new) or (old, new, function name); see autograder.samples.edit.replace.
    """
    source = solution_text()
    for replacement in replacements:
        source = replace(source, *replacement)
    module = types.ModuleType(name)
    module.__file__ = f"/{name}/layers.py"
    linecache.cache[module.__file__] = (len(source), None, source.splitlines(True), module.__file__)
    exec(compile(source, module.__file__, "exec"), module.__dict__)
    return module
