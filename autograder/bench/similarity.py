"""How long finding similar submissions takes: `python -m autograder.bench similarity [--n 500] [--rounds 3] [--seed 0] [--write FOLDER]`.

Generates a class of N distinct layers.py. Each student's batchnorm_forward, batchnorm_backward and
batchnorm_backward_alt are drawn from the samples (autograder/samples: the correct styles, the
diagnosis corpus's variants, the submissions written apart), each going-further function is left a
stub or filled in with the solution's, and then every function is rewritten as students differ:
variables renamed, independent lines swapped, numbers spelled otherwise, checks added, comments and
spacing changed. Into one student's place goes a copy of another's file, every identifier renamed,
its comments replaced and its spacing changed.

Times autograder.similarity.find_similar on the class (the median and range over the rounds),
prints what it flagged, and fails unless the copied pair is flagged. With --write FOLDER it also writes
the class and the bundled samples as student folders, for grading as a whole: the class report's
similar submissions should then show the planted pair (and some pairs of samples, most of them one
solution with one mistake each).
"""
import argparse
import ast
import inspect
import io
import json
import keyword
import random
import re
import statistics
import sys
import time
import tokenize
from pathlib import Path

from .. import similarity
from ..samples import SAMPLES, write_submission, write_submissions
from ..samples.corpus import BUGGY, CORRECT
from ..samples.edit import replace_function, solution_text, student_text
from ..samples.styles import keepdims, list_cache, nine_steps
from . import options
from .diagnosis import WRITTEN_APART

MAIN = ("batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt")
GOING_FURTHER = ("batchnorm_forward_sigma_eps", "batchnorm_backward_sigma_eps", "batchnorm_forward_unbiased",
                 "batchnorm_backward_unbiased", "affine_batchnorm_forward", "affine_batchnorm_backward")
FILLED_IN = 0.6  # share of the going-further functions a student fills in
REWRITE = 0.5  # chance that a variable is renamed, that a line is rewritten (REWRITES), half that of a swap
CHECK = 0.15  # chance of a check (an assert) after an assignment
COMMENT = 0.2  # chance of a comment before a line
NEVER_RENAMED = set(MAIN + GOING_FURTHER) | {"np", "self"}
COMMENTS = ("# forward", "# see the notebook", "# step", "# gradient", "# tidy up later", "# shapes (N, D)",
            "# closed form", "# chain rule", "# per feature", "# check")
NUMBERS = {"1.0": ("1.", "1"), "2.0": ("2.", "2"), "0.5": (".5",), "1.": ("1.0",), "2.": ("2.0",)}
SUFFIXES = ("_", "2", "_v", "_tmp", "_arr", "_val")


def function_sources():
    """{function: [distinct sources of its def]} of MAIN, from every sample that defines them."""
    texts = [variant.text() for variant in CORRECT + BUGGY]
    texts += [inspect.getsource(module) for module in (keepdims, list_cache, nine_steps)]
    texts += [entry["source"] for entries in json.loads(WRITTEN_APART.read_text()).values()
              for entry in entries.values()]
    found = {name: [] for name in MAIN}
    for text in texts:
        for name, source in _definitions(text).items():
            if name in found and source not in found[name]:
                found[name].append(source)
    return found


def _definitions(text):
    lines = text.split("\n")
    return {node.name: "\n".join(lines[node.lineno - 1:node.end_lineno]) for node in ast.parse(text).body
            if isinstance(node, ast.FunctionDef)}


def _tokens(source):
    return list(tokenize.generate_tokens(io.StringIO(source + "\n").readline))


def _local_names(source):
    """Names assigned or taken as arguments in `source`, apart from NEVER_RENAMED."""
    names = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
    return names - NEVER_RENAMED


def rename(source, names):
    """`source` with each name of `names` ({old: new}) renamed where it is a variable (not an attribute, not
    a keyword argument's name, not inside a string)."""
    tokens = _tokens(source)
    edits, depth, header = [], 0, False  # header: in a def line, where name=value is a parameter
    for i, token in enumerate(tokens):
        if token.type == tokenize.NAME and token.string == "def":
            header = True
        elif token.type == tokenize.OP and token.string in "([{":
            depth += 1
        elif token.type == tokenize.OP and token.string in ")]}":
            depth -= 1
        elif token.type == tokenize.OP and token.string == ":" and depth == 0:
            header = False
        if token.type != tokenize.NAME or token.string not in names:
            continue
        before = tokens[i - 1].string if i else ""
        after = tokens[i + 1].string if i + 1 < len(tokens) else ""
        if before == "." or (not header and depth > 0 and after == "=" and before in ("(", ",")):
            continue
        edits.append((token.start, token.end, names[token.string]))
    lines = source.split("\n")
    for (row, start), (_, end), new in reversed(edits):
        lines[row - 1] = lines[row - 1][:start] + new + lines[row - 1][end:]
    return "\n".join(lines)


def _fresh_names(names, rng, taken):
    """{old: new} for each of `names`, new names unused in `taken` and not keywords."""
    mapping = {}
    for old in sorted(names):
        new = old
        while new in taken or keyword.iskeyword(new):
            new = rng.choice((old + rng.choice(SUFFIXES), f"{old[:1]}{rng.randrange(10, 99)}",
                              f"v_{rng.randrange(1000)}"))
        mapping[old] = new
        taken.add(new)
    return mapping


def _assigned(line):
    match = re.match(r"\s*([A-Za-z_]\w*)\s*=[^=]", line)
    return match.group(1) if match else None


def _whole_lines(source):
    """0-based indexes of the lines of `source` that hold one whole statement, not a block's header."""
    whole, first, last = set(), None, None
    for token in _tokens(source):
        if token.type in (tokenize.INDENT, tokenize.DEDENT, tokenize.NL, tokenize.COMMENT, tokenize.ENDMARKER):
            continue
        if token.type == tokenize.NEWLINE:
            if first and first.start[0] == token.start[0] and last.string != ":":
                whole.add(first.start[0] - 1)
            first = None
        else:
            first, last = first or token, token
    return whole


def vary(source, rng):
    """`source` (one def) rewritten as another student would have written it; it still means the same."""
    taken = set(re.findall(r"\w+", source))
    source = rename(source, {old: new for old, new in _fresh_names(_local_names(source), rng, taken).items()
                             if rng.random() < REWRITE})
    lines = source.split("\n")
    simple = sorted(i for i in _whole_lines(source) if i > 0)
    for i in simple:  # swap neighbours that do not depend on each other
        j = i + 1
        first, second = _assigned(lines[i]), _assigned(lines[j]) if j in simple else None
        if first and second and first != second and rng.random() < REWRITE / 2 \
                and not re.search(rf"\b{first}\b", lines[j]) and not re.search(rf"\b{second}\b", lines[i]) \
                and _indent(lines[i]) == _indent(lines[j]):
            lines[i], lines[j] = lines[j], lines[i]
    for i in simple:
        rewritten = {rewrite(lines[i], rng) for rewrite in REWRITES} - {lines[i]}
        if rewritten and rng.random() < REWRITE:
            lines[i] = rng.choice(sorted(rewritten))
    out = []
    for i, line in enumerate(lines):
        if i in simple and rng.random() < COMMENT:
            out.append(_indent(line) + rng.choice(COMMENTS))
        out.append(line)
        name = _assigned(line) if i in simple and "np." in line else None
        if name and rng.random() < CHECK:
            out.append(f"{_indent(line)}assert np.all(np.isfinite({name}))")
    varied = "\n".join(out)
    try:
        ast.parse(varied)
    except SyntaxError:  # a rewrite that does not fit the line (a positional argument after a keyword one)
        return source
    return varied


def _parenthesized(line, rng):
    """name = (expression)."""
    match = re.match(r"(\s*\w+\s*=)(?!=)\s*(.+)$", line)
    return f"{match.group(1)} ({match.group(2)})" if match and "#" not in line else line


def _axis_by_position(line, rng):
    """axis=0 given by position."""
    return re.sub(r"\baxis=(\d)", r"\1", line, count=1)


def _method_or_function(line, rng):
    """x.sum(axis=0) as np.sum(x, axis=0), or the other way round."""
    method = re.sub(r"\b(\w+)\.(sum|mean|var)\(axis=", r"np.\2(\1, axis=", line, count=1)
    if method != line:
        return method
    return re.sub(r"\bnp\.(sum|mean|var)\((\w+), axis=", r"\2.\1(axis=", line, count=1)


def _numbers_respelled(line, rng):
    """1.0 as 1., 2.0 as 2, 0.5 as .5, ..."""
    return re.sub(r"(?<![\w.])(\d+\.\d*|\d*\.\d+)(?![\w.])",
                  lambda m: rng.choice(NUMBERS.get(m.group(1), (m.group(1),))), line)


REWRITES = (_parenthesized, _axis_by_position, _method_or_function, _numbers_respelled)


def _indent(line):
    return line[:len(line) - len(line.lstrip())]


def disguise(text, rng):
    """A copy of `text` (a layers.py) with every local identifier renamed, its comments replaced and its spacing
    changed: what copying a file and hiding it looks like."""
    definitions = _definitions(text)
    taken = set(re.findall(r"\w+", text))
    for source in definitions.values():
        lines = rename(source, _fresh_names(_local_names(source), rng, taken)).split("\n")
        code = _whole_lines("\n".join(lines))
        lines = [_respace(line, rng) if i in code else line for i, line in enumerate(lines)
                 if i in code or not line.strip().startswith("#")]
        text = text.replace(source, "\n".join(lines))
    return text


def _respace(line, rng):
    """`line` with its spacing changed around commas, an assignment's = and binary operators, and maybe a comment
    added (lines with strings are left alone)."""
    if '"' in line or "'" in line or not line.strip():
        return line
    body = line.strip()
    body = re.sub(r",\s*", lambda _: rng.choice((",", ",  ")), body)
    body = re.sub(r"^(\w+)\s*=\s*(?!=)", lambda m: m.group(1) + rng.choice(("=", "  =  ", " =\t")), body)
    for operator in ("*", "/", "+", "-"):
        body = body.replace(f" {operator} ", rng.choice((operator, f"  {operator}  ", f" {operator} ")))
    comment = rng.choice(("", "", "  # " + rng.choice(("mine", "ok", "works", "derived on paper"))))
    return _indent(line) + body + comment


def generate(n, rng):
    """A class of n students: ({student id: text of layers.py}, {student id: {function of MAIN: which of its
    function_sources it was drawn from}}); raises ValueError if n < 2."""
    if n < 2:
        raise ValueError(f"n: expected at least 2 students, got {n}")
    pools = function_sources()
    solution = _definitions(solution_text())
    codes, drawn = {}, {}
    for i in range(n):
        student, text = f"student-{i + 1:04d}", student_text()
        drawn[student] = {name: rng.randrange(len(pools[name])) for name in MAIN}
        for name in MAIN:
            text = replace_function(text, vary(pools[name][drawn[student][name]], rng))
        for name in GOING_FURTHER:
            if rng.random() < FILLED_IN:
                text = replace_function(text, vary(solution[name], rng))
        codes[student] = text
    return codes, drawn


def plant_copy(codes, rng):
    """Put into one student's place a disguised copy of another's file; returns (original, copy), sorted."""
    original, copy = rng.sample(sorted(codes), 2)
    codes[copy] = disguise(codes[original], rng)
    return tuple(sorted((original, copy)))


def parser():
    p = argparse.ArgumentParser(prog="python -m autograder.bench similarity", description=__doc__.splitlines()[0])
    p.add_argument("--n", type=options.positive_int, default=500, help="students in the class (default 500)")
    p.add_argument("--rounds", type=options.positive_int, default=3, help="times to run find_similar (default 3)")
    p.add_argument("--seed", type=int, default=0, help="of the generated class (default 0)")
    p.add_argument("--write", type=Path, default=None, metavar="FOLDER",
                   help="also write the class, and the bundled samples, as a SUBMISSIONS folder to grade "
                        "(python -m autograder grade FOLDER --out OUT); FOLDER must not exist")
    return p


def write_class(folder, codes):
    """Write each generated student, and the bundled samples, as a student folder of `folder` (a new folder)."""
    write_submissions(folder)
    for student, text in codes.items():
        write_submission(folder / student, text)


def main(argv=None):
    args = parser().parse_args(argv)
    if args.n < 2:
        print(f"error: --n: expected at least 2 students, got {args.n}", file=sys.stderr)
        return 2
    if args.write is not None and args.write.exists():
        print(f"error: --write: {args.write} exists; give a folder to create", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    codes, drawn = generate(args.n, rng)
    planted = plant_copy(codes, rng)
    if args.write is not None:
        write_class(args.write, codes)
        print(f"wrote {args.n} generated submissions and {len(SAMPLES)} samples into {args.write}")
    template = similarity.TEMPLATE.read_text()
    print(f"{args.n} generated submissions ({len(set(codes.values()))} distinct files), "
          f"one disguised copy planted: {planted[0]} and {planted[1]}", flush=True)
    seconds, findings = [], None
    for _ in range(args.rounds):
        start = time.perf_counter()
        findings = similarity.find_similar(codes, template)
        seconds.append(time.perf_counter() - start)
    spread = f" (range {min(seconds):.2f}–{max(seconds):.2f} s over {args.rounds} rounds)" if args.rounds > 1 else ""
    print(f"find_similar: {statistics.median(seconds):.2f} s{spread}")
    print(f"compared {findings.compared}, skipped {len(findings.skipped)}; code that more than "
          f"{findings.common_above} of them have in common left out")
    print(f"flagged {len(findings.pairs)} pairs in {len(findings.groups)} groups (similarity >= {similarity.THRESHOLD})")
    same = sum(1 for pair in findings.pairs if (pair.a, pair.b) != planted
               and any(drawn[pair.a][name] == drawn[pair.b][name] for name in MAIN))
    print(f"  of the others, {same} drew a function from the same sample (and share it, rewritten apart)")
    print(f"  largest groups: {', '.join(str(len(group)) for group in findings.groups[:5]) or 'none'} students")
    for pair in findings.pairs[:10]:
        mark = "   <- the planted copy" if (pair.a, pair.b) == planted else ""
        print(f"  {pair.a} {pair.b}  similarity {pair.similarity:.2f}  shared {pair.shared} characters, "
              f"lines {_lines(pair.lines_a)} / {_lines(pair.lines_b)}{mark}")
    found = any((pair.a, pair.b) == planted for pair in findings.pairs)
    print(f"the planted copy: {'flagged' if found else 'NOT flagged'}")
    return 0 if found else 1


def _lines(regions):
    shown = ", ".join(f"{first}-{last}" if last > first else f"{first}" for first, last in regions[:4])
    return shown + (", ..." if len(regions) > 4 else "")


if __name__ == "__main__":
    sys.exit(main())
