"""Leave out an import that costs every grading process two seconds and that grading never uses.

    skip_unused_imports()                          (first thing in a grading process)
    python -m autograder.lean_imports nbgrader ARGS...    (python -m nbgrader ARGS..., without it)

nbformat imports jsonschema, and jsonschema imports rfc3987_syntax when it is
installed (jupyter_events, which nbgrader's server extensions need, installs
it), only to check the "iri" and "iri-reference" string formats; importing it
builds a Lark grammar, two seconds of CPU here. Formats are checked only by a
validator given a format checker, and neither nbformat nor nbgrader gives one,
so marking the module absent (jsonschema then leaves those two checks out)
changes no validation the grading does.
"""
import runpy
import sys

SKIPPED = ("rfc3987_syntax",)


def skip_unused_imports():
    """Mark SKIPPED as not installed; call it before anything imports jsonschema."""
    for name in SKIPPED:
        sys.modules.setdefault(name, None)


def main():
    if len(sys.argv) < 2:
        print("usage: python -m autograder.lean_imports MODULE [ARGS...]", file=sys.stderr)
        return 2
    skip_unused_imports()
    module = sys.argv[1]
    sys.argv = [module, *sys.argv[2:]]
    runpy.run_module(module, run_name="__main__", alter_sys=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
