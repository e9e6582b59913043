"""Command line of the grading side: `python -m autograder COMMAND`."""
import argparse
import sys


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("demo", help="check and time the reference math (what `make demo` runs)")
    args = parser.parse_args(argv)
    if args.command == "demo":
        from .demo import run

        return run()
    return 2


if __name__ == "__main__":
    sys.exit(main())
