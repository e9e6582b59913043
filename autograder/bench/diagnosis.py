"""How well grading tells right from wrong and names the mistake:
`python -m autograder.bench diagnosis [--show] [--folder DIR | --written-apart SET]`.

Judges every submission of the corpus (autograder/samples/corpus.py: correct ones in four
styles, single-mistake variants of them) with the trusted checks, in this process (the
corpus is the project's own code, so no sandbox), and prints the shares the grading is
judged by:

- correct submissions at full marks, apart from the grading policy's stated deductions;
- buggy submissions that lose points;
- buggy submissions whose diagnosis names the mistake (contains the variant's phrase);
- buggy submissions that lose points on a check that does not call the function the
  mistake is in (a wrong function blamed).

With --folder, the submissions are DIR's *.py files instead, each defining the three functions
(appended to the solution's layers.py, so that the going-further functions exist), with
DIR/labels.json giving each file's {"function": the function with the mistake, or "" for a
correct one, "mistake": a sentence}; a mistake counts as named when a failing check's
diagnosis names one (Verdict.named), since no phrase is known: read them with --show.
--written-apart first|second|third judges one of the three sets of WRITTEN_APART in the same way.

The timing check (hidden_alt_faster) is left out: it times calls, which takes seconds per
submission, and no mistake of the corpus is about speed.
"""
import argparse
import importlib.util
import json
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ..samples.catalog import AFFINE, ALT, ALT_WRITING, FORWARD, GRAPH, LAYERNORM
from ..samples.corpus import BUGGY, CORRECT
from ..samples.edit import solution_text
from ..samples.corpus import FORWARD as FORWARD_FUNCTION
from ..samples.corpus import GRAPH as GRAPH_FUNCTION
from ..trusted.registry import CHECKS, TIMED_OUTSIDE, run_check

# Three sets of 30 single-mistake and 8 correct submissions, written apart from the grader's code (README.md,
# "How well mistakes are told and named"): {set: {name: {"function", "mistake", "source"}}}.
WRITTEN_APART = Path(__file__).resolve().parent.parent / "samples" / "written_apart.json"

# The checks whose points a mistake in each student function may cost (all of them call the forward pass).
CALLING = {FORWARD_FUNCTION: set(CHECKS),
           GRAPH_FUNCTION: set(GRAPH) | {"test_alt_matches_graph", "hidden_backward_alt"},
           "batchnorm_backward_alt": set(ALT) | set(ALT_WRITING) | set(AFFINE),
           "layernorm_forward": set(LAYERNORM), "layernorm_backward": set(LAYERNORM)}
assert set(FORWARD) <= CALLING[FORWARD_FUNCTION]


@dataclass(frozen=True)
class Submission:
    """A submission of its own three functions, appended to the solution's layers.py (so that the going-further
    functions exist): from --folder or from WRITTEN_APART."""

    name: str
    function: str  # the function with the mistake, or "" for a correct one
    mistake: str
    source: str
    names: str = ""

    def text(self):
        return solution_text() + "\n\n# --- the submission's own functions\n" + self.source


def from_folder(folder):
    """The Submissions of `folder` (see the module's docstring); raises ValueError if it has no labels."""
    folder = Path(folder)
    labels_file = folder / "labels.json"
    if not labels_file.is_file():
        raise ValueError(f"--folder: expected {labels_file} with each file's function and mistake")
    labels = json.loads(labels_file.read_text())
    return [Submission(Path(name).stem, label.get("function", ""), label.get("mistake", ""),
                       (folder / name).read_text()) for name, label in sorted(labels.items())]


def written_apart(which):
    """The Submissions of one set of WRITTEN_APART ("first" or "second")."""
    sets = json.loads(WRITTEN_APART.read_text())
    if which not in sets:
        raise ValueError(f"--written-apart: expected one of {', '.join(sets)}, got {which!r}")
    return [Submission(name, s["function"], s["mistake"], s["source"]) for name, s in sets[which].items()]


def _load(text, folder, name):
    path = Path(folder) / f"{name}.py"
    path.write_text(text)
    spec = importlib.util.spec_from_file_location(f"corpus_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def judge(variant, folder):
    """{check_id: Verdict} of one corpus variant."""
    module = _load(variant.text(), folder, variant.name)
    return {check_id: run_check(check_id, module) for check_id in CHECKS if check_id not in TIMED_OUTSIDE}


def outcome(variant, verdicts):
    """(lost points: a check failed, or only a stated deduction was taken; named the mistake; checks failed that
    do not call the mistaken function; the diagnosis shown). A correct submission's deduction is not a loss here
    (correct ones are judged at full marks apart from the policy's deductions); a buggy one's is, and is named by
    its message, which says what differs and what to return instead."""
    failing = {check_id: v for check_id, v in verdicts.items() if v.failures}
    deductions = [d for v in verdicts.values() for d in v.deductions]
    diagnoses = [v.summary() for v in failing.values()]
    named = (any(variant.names in d for d in diagnoses) if variant.names else
             any(v.named for v in failing.values()))
    blamed = sorted(set(failing) - CALLING.get(variant.function, set(CHECKS)))
    first = next(iter(failing.items()), None)
    shown = f"{first[0]}: {first[1].summary()}" if first else "all checks passed"
    named_first = next((f"{c}: {v.summary()}" for c, v in failing.items()
                        if (variant.names in v.summary() if variant.names else v.named)), shown)
    if variant.function and not failing and deductions:
        return True, True, blamed, f"deducted: {deductions[0]}"
    return bool(failing), named, blamed, named_first


def measure(submissions=CORRECT + BUGGY, show=False, out=sys.stdout):
    """Judge the submissions; prints the table (show) and the shares; returns the shares as a dict."""
    rows = []
    with tempfile.TemporaryDirectory(prefix="corpus-") as folder:
        for variant in submissions:
            rows.append((variant, *outcome(variant, judge(variant, folder))))
    if show:
        for variant, lost, named, blamed, diagnosis in rows:
            verdict = ("full marks" if not lost else "LOST POINTS") if not variant.function else (
                ("DEDUCTED" if diagnosis.startswith("deducted: ") else "named" if named else "NOT NAMED") if lost
                else "FULL MARKS")
            mistake = f"\n{'':38} (the mistake: {variant.mistake})" if getattr(variant, "mistake", "") else ""
            print(f"{variant.name:38} {verdict:11} {diagnosis[:150]}" + (f"  BLAMES {blamed}" if blamed else "")
                  + mistake, file=out)
    correct = [r for r in rows if not r[0].function]
    buggy = [r for r in rows if r[0].function]
    shares = {"correct at full marks": sum(not r[1] for r in correct) / len(correct),
              "buggy losing points": sum(r[1] for r in buggy) / len(buggy),
              "buggy with the mistake named": sum(r[1] and r[2] for r in buggy) / len(buggy),
              "buggy blaming a function without the mistake": sum(bool(r[3]) for r in buggy) / len(buggy)}
    print(f"{len(correct)} correct and {len(buggy)} buggy submissions:", file=out)
    for what, share in shares.items():
        print(f"  {what}: {share:.0%}", file=out)
    return shares


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.bench diagnosis", description=__doc__.splitlines()[0])
    parser.add_argument("--show", action="store_true", help="print each submission's outcome and diagnosis")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--folder", type=Path, help="judge DIR's *.py files, labelled in DIR/labels.json")
    source.add_argument("--written-apart", metavar="SET", help="judge a set of WRITTEN_APART: first, second or third")
    args = parser.parse_args(argv)
    try:
        submissions = (from_folder(args.folder) if args.folder else
                       written_apart(args.written_apart) if args.written_apart else CORRECT + BUGGY)
    except ValueError as error:
        parser.error(str(error))
    measure(submissions, show=args.show)
    return 0
