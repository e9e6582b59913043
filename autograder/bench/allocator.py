"""Keep freed memory for reuse, so timings measure arithmetic and memory traffic, not page faults.

With its default settings, glibc's malloc gives large blocks straight to and
from the operating system (mmap, and trimming the heap), and the threshold for
"large" moves with the sizes the process has freed before. A freshly mapped
block page-faults on first touch, and on a virtual machine a page fault is
slow: here a 16 MB output cost PyTorch 15 ms of faults on top of 5 ms of work,
in some processes and not in others, depending on what they had allocated
before. The ratios would then measure the process's history.

`keep_freed_memory()` turns that off for the whole process (glibc's mallopt:
no mmap for large blocks, no trimming), so after their first call all
implementations reuse memory that is already mapped: numpy and PyTorch alike,
since both allocate through malloc. `python -m autograder.bench` does this
unless given --system-allocator.
"""
import ctypes
import sys

M_TRIM_THRESHOLD = -1  # from glibc's malloc.h
M_MMAP_MAX = -4
STATE = {"kept": False}

KEPT = ("memory allocator: freed memory kept for reuse (glibc mallopt M_MMAP_MAX=0, M_TRIM_THRESHOLD=2^31-1), "
        "so repeated calls do not page-fault")
SYSTEM = ("memory allocator: system default; times include the page faults of freshly mapped memory, "
          "which depend on what the process allocated before")


def keep_freed_memory():
    """Ask glibc's malloc to keep all freed memory in the process; returns True if it agreed.

    Returns False (and changes nothing) where malloc is not glibc's.
    """
    if not sys.platform.startswith("linux"):
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    mallopt.restype = ctypes.c_int
    # mallopt returns 1 on success; musl's stub returns 0.
    kept = mallopt(M_MMAP_MAX, 0) == 1 and mallopt(M_TRIM_THRESHOLD, 2**31 - 1) == 1
    STATE["kept"] = STATE["kept"] or kept
    return kept


def allocator_note():
    """One line saying which allocator behaviour the timings were taken with."""
    return KEPT if STATE["kept"] else SYSTEM
