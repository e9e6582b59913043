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


# Names of the batch size as students write it, and expressions that give it.
BATCH_NAMES = {"N", "n", "m", "B", "batch", "batch_size", "num_train", "num_samples"}
BATCH_TEXT = ("shape[0]", "len(")


def _over_the_batch(node, source, parameters):
    """True if the loop `node` visibly runs over the batch: range(N), range(x.shape[0]), or the rows of dout
    (`parameters`: the names that hold it)."""
    if isinstance(node, ast.While):
        return True
    iterables = [node.iter] if isinstance(node, (ast.For, ast.AsyncFor)) else [g.iter for g in node.generators]
    for iterable in iterables:
        calls = [iterable.func.id] if isinstance(iterable, ast.Call) and isinstance(iterable.func, ast.Name) else []
        if calls == ["range"]:
            text = " ".join(ast.get_source_segment(source, a) or "" for a in iterable.args)
            if any(t in text for t in BATCH_TEXT) or _names(iterable) & BATCH_NAMES:
                return True
        elif calls in (["enumerate"], ["zip"]) or isinstance(iterable, ast.Name):
            if _names(iterable) & parameters:  # the rows of an array handed in
                return True
    return False


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
            if loop and _over_the_batch(node, source, parameters):
                facts.loops.append(_loop_text(node, source))
    return facts
