"""How batchnorm_backward_alt is written, read from the submitted source in the grader's own process.

    facts = analyze(source_text)   # SourceFacts(calls_graph=..., loops=[...], error=...)

The probe also observes the closed form at run time (which functions of layers.py
run, how many lines), but it reports from the student's process, which the student's
import can patch. The syntax tree cannot be patched: it is parsed here, from the
file that was graded, and it decides; the run-time observation is a second opinion
that can only add a failure (a call made through getattr, say), never remove one.

A function counts as part of the closed form when the closed form names it, directly
or through other functions of layers.py that it names (a helper, an alias).
"""
import ast
from dataclasses import dataclass, field

ALT = "batchnorm_backward_alt"
GRAPH = "batchnorm_backward"


@dataclass
class SourceFacts:
    calls_graph: bool = False
    loops: list = field(default_factory=list)  # "line N: for ..." of each loop over the batch in the closed form
    dynamic: list = field(default_factory=list)  # "line N: getattr" of each call that reaches functions unnamed
    error: str = ""  # why the source could not be read ("" if it was)


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
        {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


def _reached(tree):
    """The module's functions the closed form names, itself included, transitively; None if it is missing."""
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    # Module-level aliases (g = batchnorm_backward) make a name stand for another.
    aliases = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Name):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    aliases[target.id] = node.value.id
    if ALT not in functions:
        return None, functions
    reached, todo = set(), [ALT]
    while todo:
        name = todo.pop()
        name = aliases.get(name, name)
        if name in reached or name not in functions:
            if name == GRAPH:
                reached.add(GRAPH)
            continue
        reached.add(name)
        if name == GRAPH:
            continue  # the graph version's own body is not the closed form's
        todo += sorted(_names(functions[name]) - {name})
    return reached, functions


# How a feature count is written: a loop over features (or a fixed number of things) is not one over the batch.
FEATURE_NAMES = {"D", "d", "F", "num_features", "features", "n_features"}
# Calls by which a closed form could reach a function without naming it.
DYNAMIC = {"globals", "locals", "vars", "getattr", "eval", "exec", "__import__", "import_module"}


def _counts_features(node):
    """True if the expression is a constant or a feature count: D, x.shape[1], x.shape[-1]."""
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id in FEATURE_NAMES
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
        index = node.slice
        if isinstance(index, ast.UnaryOp) and isinstance(index.op, ast.USub) and isinstance(index.operand, ast.Constant):
            return index.operand.value == 1
        return isinstance(index, ast.Constant) and index.value == 1
    return False


def _over_the_batch(node, parameters):
    """True unless the loop `node` visibly runs over something else than the batch.

    range(...) counts unless its bounds are constants or feature counts; any other iterable counts when it
    is (or enumerates, or zips) the rows of dout (`parameters`: the names that hold it); a while loop counts.
    """
    if isinstance(node, ast.While):
        return True
    iterables = [node.iter] if isinstance(node, (ast.For, ast.AsyncFor)) else [g.iter for g in node.generators]
    for iterable in iterables:
        calls = [iterable.func.id] if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) else []
        if calls == ["range"]:
            if not all(_counts_features(a) for a in iterable.args):
                return True
        elif calls in (["enumerate"], ["zip"]) or isinstance(iterable, ast.Name):
            if _names(iterable) & parameters:
                return True
    return False


def _dynamic_calls(function, source):
    found = []
    for node in ast.walk(function):
        name = None
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
        elif isinstance(node, ast.Attribute) and node.attr == "__dict__":
            name = "__dict__"
        if name in DYNAMIC | {"__dict__"}:
            found.append(f"line {node.lineno}: {name}")
    return found


def _loop_text(node, source):
    segment = ast.get_source_segment(source, node) or ""
    return f"line {node.lineno}: {segment.splitlines()[0].strip()}" if segment else f"line {node.lineno}"


def analyze(source):
    """SourceFacts of the closed form in `source` (the text of layers.py)."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError) as exc:
        return SourceFacts(error=f"layers.py does not parse ({type(exc).__name__})")
    reached, functions = _reached(tree)
    if reached is None:
        return SourceFacts(error=f"{ALT} is not defined in layers.py")
    facts = SourceFacts(calls_graph=GRAPH in reached)
    for name in sorted(reached - {GRAPH}):
        function = functions[name]
        # Its first parameter is dout (N, D), whose rows are the batch; the cache is the student's own container.
        parameters = {a.arg for a in function.args.args[:1]}
        for node in ast.walk(function):
            loop = isinstance(node, (ast.For, ast.AsyncFor, ast.While, ast.ListComp, ast.SetComp, ast.DictComp,
                                     ast.GeneratorExp))
            if loop and _over_the_batch(node, parameters):
                facts.loops.append(_loop_text(node, source))
        facts.dynamic += _dynamic_calls(function, source)
    return facts
