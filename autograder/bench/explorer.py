"""Benchmark: how long a redraw takes after each control moves.

    python -m autograder.bench explorer [--rounds 15]

Builds the explorer at its default sizes with the reference implementation
(under both labels, "yours" and "reference") and, round after round, moves every control once between two values, interleaving the controls so
that a slow moment of the machine hits all of them alike. Each timing covers
the whole redraw a slider move causes in the kernel: measuring every panel,
drawing the figure and encoding the PNG (not the trip to the browser). Prints
the median and the range per control, in milliseconds.
"""
import argparse
import statistics
import time

from cs231n_style.explorer import Explorer

from .. import reference

# Two values per control; a move goes from one to the other.
MOVES = {
    "batch_size": (64, 128),
    "eps": (1e-5, 1e-3),
    "spread": (1.0, 3.0),
    "dtype": ("float64", "float32"),
    "backward": ("graph", "closed form"),
    "implementation": ("yours", "reference"),
    "normalization": ("batch norm", "both"),
}


def time_moves(explorer, rounds, controls):
    """Time `rounds` moves of each of `controls` (keys of MOVES), interleaved. Returns dict control -> seconds."""
    times = {name: [] for name in controls}
    for _ in range(rounds):
        for name in controls:
            first, second = MOVES[name]
            target = first if explorer.controls[name].value == second else second
            start = time.perf_counter()
            explorer.controls[name].value = target
            times[name].append(time.perf_counter() - start)
    return times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=15, help="moves per control (default 15)")
    args = parser.parse_args(argv)
    if args.rounds < 1:
        parser.error(f"--rounds: expected at least 1, got {args.rounds}")
    explorer = Explorer({"yours": reference, "reference": reference})
    controls = list(MOVES)
    time_moves(explorer, 1, controls)  # warm-up: first draws, caches
    full_draws = explorer.dashboard.renderer.full_draws
    times = time_moves(explorer, args.rounds, controls)
    full_draws = explorer.dashboard.renderer.full_draws - full_draws
    s = explorer.settings
    print(f"Redraw time per control move, {args.rounds} interleaved rounds, the reference implementation, "
          f"default sizes: N = 64 (or 128), D = {s.features}")
    for name, seconds in times.items():
        ms = [1000 * t for t in seconds]
        print(f"  {name:<14} median {statistics.median(ms):6.1f} ms   range {min(ms):6.1f}–{max(ms):6.1f} ms")
    print(f"  full redraws of the figure during the timed moves: {full_draws} (the others redraw only what moves)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
