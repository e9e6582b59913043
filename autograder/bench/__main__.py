"""`python -m autograder.bench [NAME] [OPTIONS]`: run a benchmark (what `make bench` runs).

NAME is one of BENCHMARKS; without it the DEFAULT ones run in turn, each with
OPTIONS. `python -m autograder.bench NAME --help` lists a benchmark's options.
"""
# Before anything imports numpy: one BLAS thread, for a fair one-thread comparison.
from autograder.bench.threads import limit_blas_threads

limit_blas_threads()

import importlib  # noqa: E402
import sys  # noqa: E402

# name -> module with main(argv) -> exit status
BENCHMARKS = {"backward": "autograder.bench.backward", "timing": "autograder.bench.timing_check",
              "grading": "autograder.bench.grading", "tail": "autograder.bench.tail",
              "diagnosis": "autograder.bench.diagnosis", "explorer": "autograder.bench.explorer",
              "similarity": "autograder.bench.similarity"}
DEFAULT = ("backward",)


def main(argv=None):
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and not argv[0].startswith("-"):
        name = argv.pop(0)
        if name not in BENCHMARKS:
            print(f"python -m autograder.bench: error: benchmark: expected one of {', '.join(BENCHMARKS)}, "
                  f"got {name!r}", file=sys.stderr)
            return 2
        names = [name]
    else:
        names = list(DEFAULT)
    status = 0
    for name in names:
        status = max(status, importlib.import_module(BENCHMARKS[name]).main(argv))
    return status


if __name__ == "__main__":
    sys.exit(main())
