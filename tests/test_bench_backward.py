"""The backward-pass benchmark's table, options and outside references, from quick runs.

Speed is shown by the benchmark, not asserted here: real timings on a shared
machine would make such assertions flaky.
"""
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from optional import import_or_skip

from autograder.bench import backward, torch_backward
from autograder.bench.__main__ import BENCHMARKS
from autograder.bench.__main__ import main as bench_main
from autograder.bench.backward_table import COLUMNS
from cs231n_style.memory_floor import floor_bytes, floor_function
from autograder.reference import batchnorm_forward
from cs231n_style.data import random_case

ROOT = Path(__file__).resolve().parent.parent
NAMES = ("graph", "alt", "fast", "torch", "fused", "floor")
RATIO = re.compile(r"(\d+\.\d+) \((\d+\.\d+)–(\d+\.\d+)\)")
CELL = {"N×D": re.compile(r"\d+×\d+"), "graph": re.compile(r"\d+(\.\d+)? (µs|ms|s)"),
        "floor GB/s": re.compile(r"\d+(\.\d+)?")}
NUMBA = "make bench-deps, or pip install numba"
TORCH = "make bench-deps, or pip install torch==2.13.0"


def _tables(output):
    """{dtype: [row, ...]} from the printed tables, each row a dict column heading -> cell text."""
    tables, current = {}, None
    for line in output.splitlines():
        if line in ("float64", "float32"):
            current = tables.setdefault(line, [])
        elif current is not None and line.startswith("  ") and "×" in line and not line.startswith("  N×D"):
            cells = re.split(r" {2,}", line.strip())  # columns are at least two spaces apart
            assert len(cells) == len(COLUMNS), f"row not in the expected format: {line!r}"
            row = dict(zip(COLUMNS, cells))
            for heading, cell in row.items():
                pattern = CELL.get(heading, RATIO)
                assert pattern.fullmatch(cell) or (pattern is RATIO and cell == "—"), f"{heading}: {line!r}"
            current.append(row)
    return tables


def _check_ratio(cell):
    median, low, high = (float(value) for value in RATIO.fullmatch(cell).groups())
    assert 0 < low <= median <= high


def _quick(capsys, *options):
    assert backward.main(["--quick", "--system-allocator", *options]) == 0
    return capsys.readouterr().out


def _hide(monkeypatch, *names):
    for name in names:
        monkeypatch.setitem(sys.modules, name, None)  # `import name` now raises ImportError


def test_quick_run_without_torch_and_numba_says_so(monkeypatch, capsys):
    _hide(monkeypatch, "torch", "numba")
    output = _quick(capsys)
    lines = output.splitlines()
    for name in NAMES:
        assert any(line.startswith(f"  {name} ") for line in lines), name
    assert ("  torch  PyTorch: not installed — pip install torch==2.13.0 (or `make bench` installs it)"
            in lines)
    assert ("  fused  numba: not installed — pip install numba (or, in the course repository, make bench-deps)"
            in lines)
    tables = _tables(output)
    assert list(tables) == ["float64", "float32"]
    for rows in tables.values():
        assert [row["N×D"] for row in rows] == ["8×4", "32×16"]
        for row in rows:
            for heading in ("graph/alt", "alt/fast", "fast/floor"):
                _check_ratio(row[heading])
            for heading in ("fast/torch", "fused/torch", "fused/floor"):
                assert row[heading] == "—"
            assert float(row["graph"].split()[0]) > 0 and float(row["floor GB/s"]) > 0


def test_table_header_names_every_column(monkeypatch, capsys):
    _hide(monkeypatch, "torch", "numba")
    output = _quick(capsys, "--dtypes", "float32", "--sizes", "5x3")
    header = [line for line in output.splitlines() if line.startswith("  N×D")]
    assert len(header) == 1
    assert header[0].split() == ["N×D", "graph", "graph/alt", "alt/fast", "fast/torch", "fast/floor", "fused/torch",
                                 "fused/floor", "floor", "GB/s"]
    assert "numpy BLAS:" in output and "memory allocator: system default" in output


def test_run_returns_the_times_of_every_implementation():
    results = backward.run(sizes=((6, 3),), dtypes=("float64",), rounds=2, min_seconds=0.001, torch=None,
                           fused=None, out=lambda line: None)
    [(dtype, size, times)] = results
    assert (dtype, size, times.rounds) == ("float64", (6, 3), 2)
    assert times.names == ("graph", "alt", "fast", "floor")


def test_no_torch_and_no_fused_options_leave_them_out(capsys):
    output = _quick(capsys, "--no-torch", "--no-fused", "--dtypes", "float64")
    assert "  torch  PyTorch: left out (--no-torch)" in output.splitlines()
    assert "  fused  fused kernel: left out (--no-fused)" in output.splitlines()
    for row in _tables(output)["float64"]:
        assert row["fast/torch"] == row["fused/torch"] == row["fused/floor"] == "—"


def test_quick_run_with_torch(capsys):
    torch = import_or_skip("torch", TORCH)
    threads = torch.get_num_threads()
    output = _quick(capsys, "--dtypes", "float32", "--no-fused")
    assert f"  torch  PyTorch {torch.__version__} aten.native_batch_norm_backward (train=True), 1 thread" in output
    for row in _tables(output)["float32"]:
        _check_ratio(row["fast/torch"])
    assert torch.get_num_threads() == threads  # restored after the run


def test_quick_run_with_the_fused_kernel(monkeypatch, capsys):
    numba = import_or_skip("numba", NUMBA)
    _hide(monkeypatch, "torch")
    output = _quick(capsys)
    assert (f"  fused  cs231n_style.fused.batchnorm_backward_fused: eq. (4) as one loop, two passes over dout and x, "
            f"compiled by numba {numba.__version__}, 1 thread (parallel=False)") in output.splitlines()
    for rows in _tables(output).values():
        for row in rows:
            _check_ratio(row["fused/floor"])
            assert row["fused/torch"] == "—"


def test_the_fused_kernel_is_timed_against_torch_when_both_are_installed(capsys):
    import_or_skip("numba", NUMBA)
    import_or_skip("torch", TORCH)
    for row in _tables(_quick(capsys, "--dtypes", "float64", "--sizes", "16x8"))["float64"]:
        for heading in ("fast/torch", "fused/torch", "fused/floor"):
            _check_ratio(row[heading])


def test_load_torch_returns_none_when_it_cannot_be_imported(monkeypatch):
    _hide(monkeypatch, "torch")
    assert torch_backward.load_torch() is None
    assert torch_backward.describe(None) == torch_backward.NOT_INSTALLED


def test_a_wrong_implementation_is_refused_before_timing():
    case = random_case(7, 3, seed=0)
    _, cache = batchnorm_forward(case.x, case.gamma, case.beta, case.bn_param)
    functions = backward.backward_functions(case.dout, cache)
    backward.check_agreement(functions, case.dout, cache)  # the real ones agree
    dx, dgamma, dbeta = functions["fast"]()
    functions["fast"] = lambda: (dx, dgamma * 1.001, dbeta)
    with pytest.raises(RuntimeError, match=r"^fast: disagrees with the reference closed form"):
        backward.check_agreement(functions, case.dout, cache)


def test_a_wrong_fused_kernel_is_refused_before_timing():
    # The fused row gets dout and the cache's x, gamma, mean and inv_std, and is checked like the others.
    case = random_case(7, 3, seed=0)
    _, cache = batchnorm_forward(case.x, case.gamma, case.beta, case.bn_param)
    given = []

    def wrong(dout, x, gamma, mean, inv_std):
        given.append((dout, x, gamma, mean, inv_std))
        return np.zeros_like(dout), np.zeros_like(gamma), dout.sum(axis=0)

    functions = backward.backward_functions(case.dout, cache, fused=wrong)
    assert list(functions) == ["graph", "alt", "fast", "fused", "floor"]
    with pytest.raises(RuntimeError, match=r"^fused: disagrees with the reference closed form"):
        backward.check_agreement(functions, case.dout, cache)
    [arguments] = given
    assert all(a is b for a, b in zip(arguments, (case.dout, *(cache[k] for k in ("x", "gamma", "mean", "inv_std")))))


def test_floor_moves_five_arrays_and_reads_its_inputs_only():
    assert floor_bytes(16384, 512, np.float32) == 5 * 16384 * 512 * 4
    case = random_case(9, 4, seed=0)
    dout, x = case.dout.copy(), case.x.copy()
    case.dout.flags.writeable = case.x.flags.writeable = False
    floor_function(case.dout, case.x)()
    np.testing.assert_array_equal(case.dout, dout)
    np.testing.assert_array_equal(case.x, x)


@pytest.mark.parametrize("option, value", [
    ("--sizes", "64by256"), ("--sizes", "0x5"), ("--sizes", "64x256,"), ("--dtypes", "float16"),
    ("--rounds", "0"), ("--rounds", "two"), ("--min-seconds", "0"), ("--min-seconds", "inf"),
])
def test_bad_option_names_the_option(capsys, option, value):
    with pytest.raises(SystemExit) as exit_:
        backward.main([option, value])
    assert exit_.value.code == 2
    assert f"error: argument {option}: expected" in capsys.readouterr().err


def test_unknown_benchmark_name(capsys):
    assert bench_main(["speed"]) == 2
    assert f"benchmark: expected one of {', '.join(BENCHMARKS)}, got 'speed'" in capsys.readouterr().err
    assert {"backward", "grading", "similarity"} <= set(BENCHMARKS)


def test_runs_as_a_new_user_would():
    run = subprocess.run([sys.executable, "-m", "autograder.bench", "--quick"], cwd=ROOT, capture_output=True,
                         text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert "numpy BLAS: 1 thread" in run.stdout
    if sys.platform.startswith("linux"):
        assert "memory allocator: freed memory kept for reuse" in run.stdout
    assert list(_tables(run.stdout)) == ["float64", "float32"]
