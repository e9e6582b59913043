"""Generate every copy that the project keeps in two places, from its one authored source.

    python -m autograder.release           # write the generated files
    python -m autograder.release --check   # list stale files and exit 1 if any

Authored here: the solution file autograder/reference/layers.py. Generated:
the student edition cs231n_style/layers.py, where each solution region is a
NotImplementedError stub.
"""
import argparse
import sys
from pathlib import Path

from .editions import student_edition

ROOT = Path(__file__).resolve().parent.parent
SOLUTION_LAYERS = ROOT / "autograder" / "reference" / "layers.py"
STUDENT_LAYERS = "cs231n_style/layers.py"


def generated_files():
    """Map each generated path (relative to the repository root) to its expected text."""
    return {STUDENT_LAYERS: student_edition(SOLUTION_LAYERS.read_text(), STUDENT_LAYERS)}


def stale_files():
    """Generated paths whose file on disk differs from what would be generated."""
    stale = []
    for rel, text in generated_files().items():
        path = ROOT / rel
        if not path.exists() or path.read_text() != text:
            stale.append(rel)
    return stale


def write_generated():
    """Write every generated file; returns the paths written."""
    written = []
    for rel, text in generated_files().items():
        path = ROOT / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        written.append(rel)
    return written


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.release", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale generated files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for rel in stale:
            print(f"stale: {rel} (run `make release`)")
        return 1 if stale else 0
    for rel in write_generated():
        print(f"wrote {rel}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
