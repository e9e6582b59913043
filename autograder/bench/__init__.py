"""Benchmarks of the reference implementations: `python -m autograder.bench` (what `make bench` runs).

- `backward.py`: the batch-norm backward pass, from the graph version down to
  the memory-traffic floor, in float64 and float32 over batch sizes; its
  table is `backward_table.py`, its tuned closed form `fast.py`, its outside
  references `torch_backward.py` (PyTorch, optional), cs231n_style/fused.py
  (the fused kernel, optional: numba) and cs231n_style/memory_floor.py (the
  memory-traffic floor).
- `timing_check.py`: the grader's timing check, run as grading runs it, under load;
  `tail.py` its worst cases; `grading.py`: grading N generated submissions;
  `diagnosis.py`: how well mistakes are told and named; `explorer.py`: the
  explorer's redraw time; `similarity.py`: finding similar submissions in a
  class of generated ones, with one disguised copy planted.
- `loopback_cluster.py`: a Dask scheduler and workers on loopback, for
  `grading.py --dask` and tests/test_cluster.py.
- shared by benchmarks: `interleaved.py` (times several functions in
  interleaved rounds, ratios with their spread), `agreement.py` (do two
  results agree before their speeds are compared), `options.py` (command-line
  argument types), `threads.py` and `allocator.py` (one BLAS thread; no page
  faults in repeated calls).

Importing this package imports nothing else: `__main__` limits the BLAS
threads before numpy is first imported.
"""
