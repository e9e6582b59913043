"""The printed report of the backward-pass benchmark: what each name means, then one table per dtype.

A row reads, for example,

    4096×512    24.3 ms   1.3 (1.2–1.5)      2.3 (2.1–2.5)      1.7 (1.5–1.9)      2.4 (2.1–2.9)      0.70 (0.62–0.81)   1.0 (0.94–1.1)     23.8

size, the graph version's median time per call, then the time ratios of RATIOS as
"median (lowest–highest)" over the interleaved rounds ('—' where torch or fused
is missing), then the floor's bandwidth.
"""
from .allocator import allocator_note
from cs231n_style.memory_floor import floor_bytes
from .threads import blas_threads_note

IMPLEMENTATIONS = {
    "graph": "reference batchnorm_backward: node by node through the graph",
    "alt": "reference batchnorm_backward_alt: the closed form",
    "fast": "autograder.bench.fast.batchnorm_backward_fast: the closed form, tuned numpy",
    "torch": None,  # described by torch_backward.describe
    "fused": None,  # described by backward.describe_fused
    "floor": "memory-traffic floor: time to stream 5·N·D·itemsize bytes (read dout and x twice, write dx once)",
}
# (heading, numerator, denominator): each column is time(numerator) / time(denominator).
RATIOS = (("graph/alt", "graph", "alt"), ("alt/fast", "alt", "fast"),
          ("fast/torch", "fast", "torch"), ("fast/floor", "fast", "floor"),
          ("fused/torch", "fused", "torch"), ("fused/floor", "fused", "floor"))


def format_seconds(seconds):
    """E.g. '85 µs', '1.23 ms', '0.41 s'."""
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.3g} ms"
    return f"{seconds:.2f} s"


COLUMNS = ("N×D", "graph") + tuple(heading for heading, _, _ in RATIOS) + ("floor GB/s",)
WIDTHS = (12, 10) + (19,) * len(RATIOS) + (10,)


def table_line(cells):
    """The cells of one line, padded to the column widths."""
    return "  " + "".join(f"{cell:<{width}}" for cell, width in zip(cells, WIDTHS)).rstrip()


def format_row(N, D, dtype, times):
    """One table line: size, graph's median time, each ratio (or '—' without torch or fused), floor bandwidth."""
    cells = [f"{N}×{D}", format_seconds(times.median("graph"))]
    for _, numerator, denominator in RATIOS:
        timed = numerator in times.names and denominator in times.names
        cells.append(str(times.ratio(numerator, denominator)) if timed else "—")
    cells.append(f"{floor_bytes(N, D, dtype) / times.median('floor') / 1e9:.3g}")
    return table_line(cells)


def header(described, rounds):
    """The lines above the tables: what each name means, how ratios are read, the thread settings.

    - described: dict name -> the line for each implementation that IMPLEMENTATIONS leaves
      to be described at run time (torch, fused: what was measured, or why it is missing)
    - rounds: the number of interleaved rounds
    """
    lines = ["Batch-norm backward benchmark: time per call, one thread, the same arrays for every implementation."]
    for name, description in IMPLEMENTATIONS.items():
        lines.append(f"  {name:<6} {description or described[name]}")
    lines += [
        "Ratios are time(A) / time(B) for the column A/B (B is that many times faster than A), taken within",
        f"each of {rounds} interleaved rounds (every implementation timed once per round, in rotating order):",
        "median (lowest–highest) over the rounds. 'graph' is the graph version's median time per call.",
        "The floor runs in numpy on the same arrays: two matrix-vector products read dout and x, then",
        "dout + x is written to a buffer allocated once; floor GB/s is 5·N·D·itemsize / its time. Small",
        "sizes fit in the cache, so their floor is cache speed plus numpy's call overhead.",
        blas_threads_note(),
        allocator_note(),
    ]
    return lines
