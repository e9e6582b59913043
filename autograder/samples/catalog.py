"""The sample submissions: correct ones in other styles, buggy ones, broken and hostile ones.

Each sample is the release folder with a layers.py made by a small edit of the
solution or of the student edition (and, for a few, an edit of the notebook),
with what grading must give it: the tests it must lose (every other automatic
test must score full marks), or zero for every automatic test, and a phrase
its diagnosis must contain.
"""
import inspect
import os
from dataclasses import dataclass
from typing import Callable, Optional

from ..facts import ROOT
from .edit import rename, replace, replace_function, solution_text, student_text
from .styles import nine_steps

FORWARD = ("test_forward_train", "test_forward_test", "hidden_forward")
GRAPH = ("test_backward_stages", "test_backward_graph", "hidden_backward_graph")
ALT = ("test_backward_alt", "test_alt_matches_graph", "hidden_backward_alt")
ALT_WRITING = ("hidden_alt_properties", "hidden_alt_faster")
SPEED = ("hidden_alt_faster",)  # timed only where both backward passes return (within 1% of) the gradient
AFFINE = ("test_affine", "hidden_going_further")  # affine_batchnorm_* calls the forward and the closed form
LAYERNORM = ("test_layernorm", "hidden_layernorm")


@dataclass(frozen=True)
class Expect:
    """What grading must give a sample.

    - lost: tests that must score below their maximum; every other automatic test must score full marks
    - deducted: tests that must lose a deduction of the grading policy (trusted/policy.py) and nothing more
    - may_lose: tests whose outcome depends on how small the mistake's effect is on their inputs
    - zero: every automatic test scores 0 (lost and may_lose are then ignored)
    - diagnosis: a phrase the sample's diagnosis in grades.csv must contain
    - needs_isolation: the expectation holds only where the sandbox gets its namespaces (sandbox.isolation_available)
    - needs_group: the expectation holds only where the sandbox gets a control group (sandbox.groups_available)
    - refused: the submission is refused as a whole before anything of it runs (zero, no feedback)
    """

    lost: tuple = ()
    deducted: tuple = ()
    may_lose: tuple = ()
    zero: bool = False
    diagnosis: str = ""
    needs_isolation: bool = False
    needs_group: bool = False
    refused: bool = False


@dataclass(frozen=True)
class Sample:
    name: str
    description: str
    layers: Callable[[], str]
    expect: Expect
    notebook: Optional[Callable] = None  # edits the notebook (an nbformat node) in place
    files: Optional[Callable] = None  # edits the written student folder (a Path) in place: links, odd files


def _solution_with(*replacements):
    def make():
        text = solution_text()
        for replacement in replacements:
            text = replace(text, *replacement)
        return text
    return make


def _prepend_after_imports(code, base=solution_text):
    def make():
        text = base()
        anchor = "from cs231n_style.validation import"
        line_end = text.index("\n", text.index(anchor)) + 1
        return text[:line_end] + "\n" + code.strip() + "\n" + text[line_end:]
    return make


def _nine_steps():
    text = solution_text()
    for function in (nine_steps.batchnorm_forward, nine_steps.batchnorm_backward, nine_steps.batchnorm_backward_alt):
        text = replace_function(text, inspect.getsource(function))
    return text


def _stub_backward():
    """The solution with the two backward passes left as stubs."""
    text = solution_text()
    student = student_text()
    for name in ("batchnorm_backward", "batchnorm_backward_alt"):
        start = student.index(f"def {name}(")
        end = student.index("    return dx, dgamma, dbeta\n", start) + len("    return dx, dgamma, dbeta\n")
        text = replace_function(text, student[start:end])
    return text


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


BACKWARD_TESTS = ("test_backward_stages", "test_backward_graph", "test_backward_alt", "test_alt_matches_graph")


def _edit_backward_tests(nb):
    for cell in nb.cells:
        if _grade_id(cell) in BACKWARD_TESTS:
            cell.source = 'print("✓ all good")'


def _delete_backward_tests(nb):
    nb.cells = [cell for cell in nb.cells if _grade_id(cell) not in BACKWARD_TESTS]


def _copy_a_test_cell(nb):
    """A test cell copied and pasted further down: Jupyter's copy keeps its nbgrader metadata, grade_id included."""
    import copy

    pasted = copy.deepcopy(next(cell for cell in nb.cells if _grade_id(cell) == "test_backward_graph"))
    pasted.id = "pasted-test"  # Jupyter gives the copy an id of its own
    nb.cells.append(pasted)


def _ungrade_a_test_cell(nb):
    """A test cell's nbgrader "grade" flag turned off (the cell toolbar's "Autograder tests" changed)."""
    cell = next(cell for cell in nb.cells if _grade_id(cell) == "test_backward_graph")
    cell.metadata["nbgrader"]["grade"] = False


def _flood_widget_state(nb):
    """A cell that sends 200 MB of widget state: comm messages, which no output cap counts."""
    import nbformat

    setup = next(i for i, cell in enumerate(nb.cells) if _grade_id(cell) == "setup")
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(
        "import uuid\nfrom ipykernel.comm import Comm\nblob = 'x' * (10 << 20)\nfor _ in range(20):\n"
        "    Comm(target_name='t', data={'state': {'_model_name': 'm', 'v': blob}}, comm_id=uuid.uuid4().hex)"))


# What the hostile-HTML sample's script sets where it runs; tests look for it in the feedback and in a browser.
SCRIPT_MARK = "student script ran"


def _script_in_outputs(nb):
    """A markdown cell and a code cell's outputs that run JavaScript where they are shown unsanitized."""
    import nbformat

    setup = next(i for i, cell in enumerate(nb.cells) if _grade_id(cell) == "setup")
    run = f"document.title = '{SCRIPT_MARK}'"
    nb.cells.insert(setup + 1, nbformat.v4.new_markdown_cell(
        f'Notes <script>{run}</script> <img src="x" onerror="{run}">'))
    html = f'<script>{run}</script><img src="x" onerror="{run}">'
    nb.cells.insert(setup + 2, nbformat.v4.new_code_cell(
        f"from IPython.display import HTML, Javascript, display\ndisplay(HTML({html!r}))\ndisplay(Javascript({run!r}))"))


def _fork_to_hold_memory(nb):
    """A cell that forks six processes holding 768 MB each at once: 4.5 GB, under each one's own 3 GB limit."""
    import nbformat

    setup = next(i for i, cell in enumerate(nb.cells) if _grade_id(cell) == "setup")
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell(
        "import os, time\nchildren = []\nfor _ in range(6):\n    pid = os.fork()\n    if pid == 0:\n"
        "        block = b'x' * (768 << 20)\n        time.sleep(2)\n        os._exit(0)\n    children.append(pid)\n"
        "held = sum(os.waitpid(pid, 0)[1] == 0 for pid in children)\nprint(f'{held} of 6 held their memory')"))


def _huge_markdown_cell(nb):
    """15 MB of markdown in one cell (under the 20 MB a file may have): minutes of rendering, untrimmed."""
    import nbformat

    nb.cells.insert(1, nbformat.v4.new_markdown_cell("My notes. " + "*a* " * (15 << 18)))


def _thousands_of_cells(nb):
    import nbformat

    nb.cells.extend(nbformat.v4.new_code_cell(f"x{i} = {i}") for i in range(5000))


def _not_a_notebook(folder):
    (folder / "batchnorm_backward.ipynb").write_text('{"cells": [' * 5 + "half a notebook")


def _break_the_kernel_state(nb):
    import nbformat

    setup = next(i for i, cell in enumerate(nb.cells) if _grade_id(cell) == "setup")
    nb.cells.insert(setup + 1, nbformat.v4.new_code_cell("del layers  # a stray cell"))


_READ_SOLUTION = f'''
import importlib.util as _util
import os as _os
_candidates = [{str(ROOT / "autograder" / "reference" / "layers.py")!r},
               {str(ROOT / "source" / "batchnorm_backward" / "cs231n_style" / "layers.py")!r},
               {str(ROOT / "demo-output" / "course" / "source" / "batchnorm_backward" / "cs231n_style" / "layers.py")!r}]
_here = _os.getcwd()
while _here != _os.path.dirname(_here):
    _candidates.append(_os.path.join(_here, "source", "batchnorm_backward", "cs231n_style", "layers.py"))
    _candidates.append(_os.path.join(_here, "autograder", "reference", "layers.py"))
    _here = _os.path.dirname(_here)
for _path in _candidates:
    try:
        _spec = _util.spec_from_file_location("_found_solution", _path)
        _solution = _util.module_from_spec(_spec)
        _spec.loader.exec_module(_solution)
    except Exception:
        continue
    if "BEGIN SOLUTION" in open(_path).read() or "cache[" in open(_path).read():
        globals().update({{k: v for k, v in vars(_solution).items() if k.startswith(("batchnorm", "affine", "layernorm"))}})
        break
'''

# Another student's work: any layers.py near this folder (the course folder's other submissions) that
# implements something.
_COPY_ANOTHER_STUDENT = '''
import glob as _glob
import importlib.util as _util
import os as _os
_here = _os.getcwd()
_mine = _os.path.realpath(_os.path.join(_here, "cs231n_style", "layers.py"))
for _level in range(5):
    _here = _os.path.dirname(_here)
    _found = [p for pattern in ("*/cs231n_style/layers.py", "*/*/cs231n_style/layers.py", "*/*/*/cs231n_style/layers.py")
              for p in sorted(_glob.glob(_os.path.join(_here, pattern)))]
    for _path in _found:
        try:
            if _os.path.realpath(_path) == _mine or "not implemented" in open(_path).read():
                continue
            _spec = _util.spec_from_file_location("_theirs", _path)
            _theirs = _util.module_from_spec(_spec)
            _spec.loader.exec_module(_theirs)
        except Exception:
            continue
        globals().update({k: v for k, v in vars(_theirs).items() if k.startswith(("batchnorm", "affine", "layernorm"))})
        break
    else:
        continue
    break
'''

# Folders nested far past shutil.rmtree's recursion limit, with 20 MB at the bottom, in the one folder of the host the
# kernel may write: the folder of its sockets, named in its connection file.
_NESTS_IN_SOCKET_FOLDER = '''
import json as _json, os as _os, sys as _sys
if "ipykernel" in _sys.modules and _os.path.exists("/tmp/connection.json"):
    _here = _os.path.dirname(_json.load(open("/tmp/connection.json"))["ip"])
    for _ in range(3000):
        _here = _os.path.join(_here, "d")
        _os.mkdir(_here)
        _os.chdir(_here)
    with open("blob", "wb") as _f:
        _f.write(b"x" * (20 << 20))
    _os.chdir(_os.path.dirname(__file__))
'''

# A daemon that outlives the student's process and kills whatever it can reach for a minute: with no PID
# namespace it would reach the grader (same user) or the next student to get its user id.
_KILLER_DAEMON = '''
import subprocess as _subprocess
import sys as _sys
_subprocess.Popen([_sys.executable, "-c", "import os, time\\nend = time.time() + 60\\nwhile time.time() < end:\\n"
                   "    try:\\n        os.kill(-1, 9)\\n    except OSError:\\n        pass\\n    time.sleep(0.01)"],
                  start_new_session=True, stdin=_subprocess.DEVNULL, stdout=_subprocess.DEVNULL,
                  stderr=_subprocess.DEVNULL)
'''

# Quiet the probe's recorder of which functions and lines run (it records them in the student's process).
_QUIET_RECORDER = '''
import cs231n_style.probe_requests as _requests


class _Quiet(_requests._CallRecorder):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        pass


_requests._CallRecorder = _Quiet
'''

_ALT_CALLS_GRAPH = ("    xhat, gamma, inv_std = cache",
                    "    return batchnorm_backward(dout, cache)\n    xhat, gamma, inv_std = cache", "batchnorm_backward_alt")
# What keepdims=True leaves: right values of shape (1, D) (costs the grading policy's SHAPE share).
KEEPDIMS = tuple([(f"    {grad} = {expr}.sum(axis=0)", f"    {grad} = {expr}.sum(axis=0, keepdims=True)", name)
                   for name, exprs in (("batchnorm_backward", ("dout", '(dout * cache["xhat"])')),
                                       ("batchnorm_backward_alt", ("dout", "(dout * xhat)")))
                   for grad, expr in zip(("dbeta", "dgamma"), exprs)]
                  + [(f"        {key} = momentum * {key} + (1 - momentum) * {stat}",
                      f"        {key} = (momentum * {key} + (1 - momentum) * {stat}).reshape(1, -1)", "batchnorm_forward")
                     for key, stat in (("running_mean", "mean"), ("running_var", "var"))])
_ALT_LOOPS = ("    dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) * inv_std\n",
              "    dx = np.empty_like(dxhat)\n    for i in range(len(dxhat)):\n        dx[i] = (dxhat[i] - "
              "dxhat.mean(axis=0) - xhat[i] * (dxhat * xhat).mean(axis=0)) * inv_std\n",
              "batchnorm_backward_alt")


def _solution_patched(code, *replacements):
    def make():
        return _prepend_after_imports(code, base=_solution_with(*replacements))()
    return make


# Reports written straight into the probe's results pipe (a duplicate of its stdout, found among the open
# descriptors), past what the grader reads, or nested past what it parses.
_WRITE_TO_PIPES = '''
import os as _os
import stat as _stat


def _to_every_pipe(data):
    for fd in range(3, 64):
        try:
            if _stat.S_ISFIFO(_os.fstat(fd).st_mode):
                _os.write(fd, data)
        except OSError:
            pass
'''
_FLOOD_REPORT = _WRITE_TO_PIPES + '_to_every_pipe(b" " * (80 * 1024 * 1024))\n'
_NESTED_REPORT = _WRITE_TO_PIPES + '_to_every_pipe(b"[" * 200000 + b"]" * 200000)\n_os._exit(0)\n'

_PATCH_CHECKS = '''
import numpy as _np
import cs231n_style.checks as _checks
for _name in dir(_checks):
    if _name.startswith("check_"):
        setattr(_checks, _name, lambda *args, **kwargs: print("✓ all good"))
_np.allclose = lambda *args, **kwargs: True
_np.testing.assert_allclose = lambda *args, **kwargs: None
'''

_PATCH_PROBE = '''
import cs231n_style.probe_requests as _requests
_requests.run_requests = lambda layers, requests: [{"forward": {"out": None}} for _ in requests]
'''

# The probe's in-process timing reports made-up ratios, and its timed-calls server (the probe runs as __main__)
# answers at once, with zeros for gradients.
_FAKE_TIMER = '''
import sys as _sys
import cs231n_style.probe_requests as _requests
_requests.KINDS["timing"] = lambda layers, request: {"timing": {"ratios": [9.0] * 15, "calls_per_timing": [1, 1]}}
_probe = _sys.modules.get("__main__")
if hasattr(_probe, "serve"):
    def _answer_at_once(layers, channel):
        message, (x, gamma, beta) = channel.receive()
        channel.send({"ready": True})
        while True:
            message, _ = channel.receive()
            if "end" in message:
                return
            if "send" in message:
                channel.send({"grads": True}, [np.zeros_like(x), np.zeros_like(gamma), np.zeros_like(beta)])
                continue
            channel.send({"armed": True})
            channel.receive()
            channel.send({"done": True})
    _probe.serve = _answer_at_once
'''

# A closed form three times slower than it need be, that returns its last result again when called again
# on the very same arrays, as a timing loop does.
_MEMOIZED_ALT = '''

_last_call = None


def batchnorm_backward_alt(dout, cache):
    global _last_call
    if _last_call is not None and _last_call[0] is dout and _last_call[1] is cache:
        return _last_call[2]
    for _ in range(3):
        grads = _closed_form(dout, cache)
    _last_call = (dout, cache, grads)
    return grads
'''


# A "closed form" that is the graph version under another name, returning results that compute themselves
# only when they are turned into arrays: timed as the call returns, it costs nothing.
_LAZY_ALT = '''


class _Later:
    def __init__(self, dout, cache, which):
        self.dout, self.cache, self.which = dout, cache, which

    def __array__(self, dtype=None, copy=None):
        return _graph_copy(self.dout, self.cache)[self.which]


def batchnorm_backward_alt(dout, cache):
    return tuple(_Later(dout, cache, which) for which in range(3))
'''


def _with_graph_copy():
    """The solution, its closed form renamed out of the way, and a copy of its graph version as _graph_copy."""
    text = solution_text()
    start = text.index("def batchnorm_backward(")
    graph = text[start:text.index("\ndef ", start + 1)].replace("def batchnorm_backward(", "def _graph_copy(")
    return text.replace("def batchnorm_backward_alt(", "def _unused_closed_form(") + "\n\n" + graph


def _lazy_alt():
    return _with_graph_copy() + _LAZY_ALT


def graph_under_another_name():
    """A "closed form" that is the graph version under another name: never faster, and no call to tell it by
    (the timing benchmark's case that must fail)."""
    return _with_graph_copy() + "\n\ndef batchnorm_backward_alt(dout, cache):\n    return _graph_copy(dout, cache)\n"


def _memoized_alt():
    return solution_text().replace("def batchnorm_backward_alt(", "def _closed_form(") + _MEMOIZED_ALT


def _symlink(relative, target):
    """A files edit: replace the file at `relative` inside the student folder by a symbolic link to `target`."""
    def edit(folder):
        path = folder / relative
        path.unlink(missing_ok=True)
        path.symlink_to(target)
    return edit


def _hard_link_from_outside(folder):
    """layers.py as a hard link to a copy of the solution outside the student's folder."""
    outside = folder.parent / ".outside" / folder.name
    outside.mkdir(parents=True, exist_ok=True)
    (outside / "layers.py").write_text(solution_text())
    (folder / "cs231n_style" / "layers.py").unlink()
    os.link(outside / "layers.py", folder / "cs231n_style" / "layers.py")


def _fifo(folder):
    os.mkfifo(folder / "cs231n_style" / "results.fifo")  # copying it naively waits forever for a writer


def _sparse_file(folder):
    with open(folder / "data.bin", "wb") as f:  # 1 GiB that takes no disk space
        f.truncate(1 << 30)


def _many_files(folder):
    junk = folder / "junk"
    junk.mkdir()
    for i in range(2000):
        (junk / f"{i:04}.txt").touch()


# The course's source folder (the solution, the instructor's notebook), from a submission's copy in the
# course folder (course/submitted/<student>/batchnorm_backward/).
_COURSE_SOURCE = "../../../source/batchnorm_backward/"

SAMPLES = (
    Sample("correct_reference", "correct: the reference solution",
           solution_text, Expect(diagnosis="all tests passed")),
    Sample("correct_nine_steps", "correct: a tuple cache, a nine-step graph, an einsum closed form",
           _nine_steps, Expect(diagnosis="all tests passed")),
    Sample("correct_other_names", "correct, but the graph's stages are not named dxhat, dvar, dmean",
           lambda: rename(rename(rename(solution_text(), "dxhat", "g", "batchnorm_backward"),
                                 "dvar", "d_var", "batchnorm_backward"), "dmean", "d_mu", "batchnorm_backward"),
           Expect(diagnosis="all tests passed")),
    Sample("no_variance_path", "closed form without the path through the variance",
           _solution_with((" - xhat * (dxhat * xhat).mean(axis=0)", "", "batchnorm_backward_alt")),
           Expect(lost=ALT[:3] + SPEED + AFFINE, diagnosis="without the path through the variance")),
    Sample("unbiased_variance", "forward pass divides the variance by N - 1",
           _solution_with(("var = (xmu * xmu).mean(axis=0)", "var = (xmu * xmu).sum(axis=0) / (N - 1)",
                           "batchnorm_forward")),
           Expect(lost=FORWARD + GRAPH + ("test_backward_alt", "hidden_backward_alt") + AFFINE,
                  diagnosis="unbiased variance")),
    Sample("gamma_missing", "closed form uses dout where gamma * dout belongs",
           _solution_with(("dxhat = dout * gamma", "dxhat = dout", "batchnorm_backward_alt")),
           Expect(lost=ALT + SPEED + AFFINE, diagnosis="gamma missing")),
    Sample("wrong_axis", "closed form averages over each row (axis=1)",
           _solution_with(("dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)",
                           "dxhat.mean(axis=1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=1, keepdims=True)",
                           "batchnorm_backward_alt")),
           Expect(lost=ALT + SPEED + AFFINE, diagnosis="axis=1")),
    Sample("sign_error", "graph backward flips the sign of the mean term",
           _solution_with(("dmean = -dxhat.sum(axis=0) / std", "dmean = dxhat.sum(axis=0) / std",
                           "batchnorm_backward")),
           Expect(lost=GRAPH + ("test_alt_matches_graph", "hidden_backward_alt") + SPEED,
                  diagnosis="wrong sign on the mean term")),
    Sample("eps_left_out", "forward pass divides by sqrt(var), without eps",
           _solution_with(("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / np.sqrt(var)", "batchnorm_forward")),
           Expect(lost=("hidden_forward",), may_lose=FORWARD + GRAPH + ALT + AFFINE, diagnosis="eps left out")),
    Sample("momentum_swapped", "running averages weight the batch by momentum instead of 1 - momentum",
           _solution_with(("running_mean = momentum * running_mean + (1 - momentum) * mean",
                           "running_mean = (1 - momentum) * running_mean + momentum * mean", "batchnorm_forward"),
                          ("running_var = momentum * running_var + (1 - momentum) * var",
                           "running_var = (1 - momentum) * running_var + momentum * var", "batchnorm_forward")),
           Expect(lost=FORWARD, diagnosis="momentum and 1 - momentum swapped")),
    Sample("test_mode_batch_statistics", "test mode normalizes with the batch's own statistics",
           _solution_with(("out = gamma * ((x - running_mean) / np.sqrt(running_var + eps)) + beta",
                           "out = gamma * ((x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)) + beta",
                           "batchnorm_forward")),
           Expect(lost=("test_forward_test", "hidden_forward"), diagnosis="batch's own statistics")),
    Sample("test_mode_without_gamma_beta", "test mode normalizes with the running averages but leaves out gamma "
           "and beta",
           _solution_with(("out = gamma * ((x - running_mean) / np.sqrt(running_var + eps)) + beta",
                           "out = (x - running_mean) / np.sqrt(running_var + eps)", "batchnorm_forward")),
           Expect(lost=("hidden_forward",), may_lose=("test_forward_test",), diagnosis="gamma missing; beta missing")),
    Sample("eps_outside_sqrt_test_mode", "test mode divides by sqrt(running_var) + eps",
           _solution_with(("out = gamma * ((x - running_mean) / np.sqrt(running_var + eps)) + beta",
                           "out = gamma * ((x - running_mean) / (np.sqrt(running_var) + eps)) + beta",
                           "batchnorm_forward")),
           Expect(lost=("hidden_forward",), may_lose=("test_forward_test",),
                  diagnosis="eps outside the square root")),
    Sample("running_var_with_eps", "the running variance averages var + eps",
           _solution_with(("running_var = momentum * running_var + (1 - momentum) * var",
                           "running_var = momentum * running_var + (1 - momentum) * (var + eps)", "batchnorm_forward")),
           Expect(lost=("hidden_forward",), may_lose=("test_forward_train", "test_forward_test"),
                  diagnosis="the batch variance + eps averaged")),
    Sample("alt_diagonal_only", "the closed form keeps only the diagonal of the Jacobian (no sums over the batch)",
           _solution_with(("dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) * inv_std",
                           "dx = dxhat * (1 - 1 / xhat.shape[0] - xhat ** 2 / xhat.shape[0]) * inv_std",
                           "batchnorm_backward_alt")),
           Expect(lost=ALT + SPEED + AFFINE, diagnosis="only the diagonal of the Jacobian")),
    Sample("alt_calls_graph", "the closed form just calls the graph version",
           _solution_with(_ALT_CALLS_GRAPH), Expect(lost=ALT_WRITING, diagnosis="calls batchnorm_backward")),
    Sample("alt_loops_over_batch", "the closed form loops over the rows in Python",
           _solution_with(_ALT_LOOPS), Expect(lost=ALT_WRITING, diagnosis="loops over the batch")),
    Sample("alt_calls_graph_quiets_probe", "the closed form calls the graph version, and layers.py quiets the "
           "probe's record of what runs", _solution_patched(_QUIET_RECORDER, _ALT_CALLS_GRAPH),
           Expect(lost=ALT_WRITING, diagnosis="calls batchnorm_backward")),
    Sample("alt_loops_quiets_probe", "the closed form loops over the rows, and layers.py quiets the probe's "
           "record of what runs", _solution_patched(_QUIET_RECORDER, _ALT_LOOPS),
           Expect(lost=ALT_WRITING, diagnosis="loops over the batch")),
    Sample("alt_changes_dout", "the closed form multiplies dout by gamma in place",
           _solution_with(("    dxhat = dout * gamma\n", "    dout *= gamma\n    dxhat = dout\n", "batchnorm_backward_alt")),
           Expect(lost=("test_backward_alt", "hidden_backward_alt", "hidden_alt_properties"), diagnosis="in place")),
    Sample("layernorm_batch_axis", "layer norm written as batch norm: the statistics of each feature over the batch",
           _solution_with(("mean = x.mean(axis=1, keepdims=True)", "mean = x.mean(axis=0)", "layernorm_forward"),
                          ("(xmu * xmu).mean(axis=1, keepdims=True)", "(xmu * xmu).mean(axis=0)", "layernorm_forward"),
                          ("dxhat.mean(axis=1, keepdims=True) - xhat * (dxhat * xhat).mean(axis=1, keepdims=True)",
                           "dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)", "layernorm_backward")),
           Expect(lost=LAYERNORM, diagnosis="batch norm's statistics")),
    Sample("layernorm_no_keepdims", "layer norm's row means without keepdims=True",
           _solution_with(("mean = x.mean(axis=1, keepdims=True)", "mean = x.mean(axis=1)", "layernorm_forward")),
           Expect(lost=LAYERNORM, diagnosis="keepdims=True")),
    Sample("layernorm_test_mode", "layer norm with batch norm's test mode: the running averages, which it has not",
           _solution_with(('    eps = ln_param.get("eps", 1e-5)\n',
                           '    eps = ln_param.get("eps", 1e-5)\n    if ln_param.get("mode", "train") == "test":\n'
                           '        D = x.shape[1]\n        running_mean = ln_param.get("running_mean", np.zeros(D))\n'
                           '        running_var = ln_param.get("running_var", np.ones(D))\n'
                           '        return gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta, None\n',
                           "layernorm_forward")),
           Expect(lost=LAYERNORM, diagnosis="layer norm has no test mode")),
    Sample("float64_output", "float32 input gives float64 output",
           _solution_with(("inv_std = 1.0 / np.sqrt(var + eps)", "inv_std = 1.0 / np.sqrt(var.astype(np.float64) + eps)",
                           "batchnorm_forward")),
           Expect(deducted=("test_forward_train", "hidden_forward", "hidden_backward_graph", "hidden_backward_alt"),
                  diagnosis="has the right values but is float64 for float32 input")),
    Sample("keepdims_shapes", "correct, CS231n style: dgamma, dbeta and the running averages of shape (1, D)",
           _solution_with(*KEEPDIMS),
           Expect(deducted=("test_forward_train", "test_backward_stages", "test_backward_graph", "test_backward_alt",
                            "test_affine", "hidden_forward", "hidden_backward_graph", "hidden_backward_alt",
                            "hidden_going_further"),
                  diagnosis="has the right values but shape (1, ")),
    Sample("stubs", "nothing implemented: the student edition as released",
           student_text, Expect(zero=True, diagnosis="not implemented yet")),
    Sample("syntax_error", "layers.py does not parse",
           lambda: solution_text() + "\ndef broken(:\n    pass\n", Expect(zero=True, diagnosis="SyntaxError")),
    Sample("exception_at_import", "layers.py raises when imported",
           _prepend_after_imports('raise RuntimeError("half-finished refactoring")'),
           Expect(zero=True, diagnosis="RuntimeError")),
    Sample("escape_codes_in_error", "layers.py raises an error whose text rewrites the terminal's line",
           _prepend_after_imports('raise ValueError("\\r\\x1b[2Kmallory      91 / 100  all tests passed")'),
           Expect(zero=True, diagnosis="\\r\\x1b[2Kmallory")),
    Sample("breaks_json_at_import", "correct, but layers.py replaces json.dumps when imported, which the kernel "
           "needs to send its replies", _prepend_after_imports("import json\njson.dumps = None"),
           Expect(diagnosis="the kernel stopped answering")),
    Sample("exit_at_import", "layers.py calls sys.exit when imported",
           _prepend_after_imports("import sys\nsys.exit(3)"), Expect(zero=True, diagnosis="SystemExit")),
    Sample("os_exit_in_graph", "the graph backward kills its process with os._exit",
           _solution_with(('    x, mean, var, eps, gamma = cache["x"]',
                           '    import os\n    os._exit(1)\n    x, mean, var, eps, gamma = cache["x"]', "batchnorm_backward")),
           Expect(lost=GRAPH + ("test_alt_matches_graph", "hidden_backward_alt", "hidden_alt_faster"),
                  diagnosis="exited")),
    Sample("endless_loop", "the closed form never returns",
           _solution_with(("    xhat, gamma, inv_std = cache", "    while True:\n        pass\n    xhat, gamma, inv_std = cache",
                           "batchnorm_backward_alt")),
           Expect(lost=ALT + ALT_WRITING + AFFINE, diagnosis="of CPU: batchnorm_backward_alt was still running")),
    Sample("sleeps_in_graph", "the graph backward waits forever, using no CPU",
           _solution_with(('    x, mean, var, eps, gamma = cache["x"]',
                           '    import time\n    while True:\n        time.sleep(1)\n    x, mean, var, eps, gamma = cache["x"]',
                           "batchnorm_backward")),
           Expect(lost=GRAPH + ("test_alt_matches_graph", "hidden_backward_alt", "hidden_alt_faster"),
                  diagnosis="batchnorm_backward was still running")),
    Sample("memory_bomb", "the closed form allocates 16 GB",
           _solution_with(("    xhat, gamma, inv_std = cache", "    waste = np.ones(1 << 31)\n    xhat, gamma, inv_std = cache",
                           "batchnorm_backward_alt")),
           Expect(lost=ALT + ALT_WRITING + AFFINE, diagnosis="MemoryError")),
    Sample("huge_output", "layers.py prints 20 MB when imported, and is otherwise correct",
           _prepend_after_imports('for _ in range(20000):\n    print("x" * 1000)'), Expect(diagnosis="all tests passed")),
    Sample("patches_checks", "nothing implemented, but the notebook's checks and numpy are patched to pass",
           _prepend_after_imports(_PATCH_CHECKS, base=student_text), Expect(zero=True, diagnosis="not implemented yet")),
    Sample("patches_probe", "nothing implemented, but the grader's probe is patched to report made-up results",
           _prepend_after_imports(_PATCH_PROBE, base=student_text), Expect(zero=True)),
    Sample("fakes_the_timer", "nothing implemented, but layers.py makes the probe report a large speed-up and "
           "answer the timed calls at once", _prepend_after_imports(_FAKE_TIMER, base=student_text),
           Expect(zero=True, diagnosis="not implemented yet")),
    Sample("alt_memoizes", "correct, but the closed form is three times slower than it need be and returns its last "
           "result again for the same arrays", _memoized_alt,
           Expect(lost=("hidden_alt_faster",), diagnosis="as fast as your graph version")),
    Sample("alt_lazy_results", "the closed form is a renamed copy of the graph version whose results compute "
           "themselves only when read", _lazy_alt,
           Expect(lost=SPEED + AFFINE, diagnosis="as fast as your graph version")),
    Sample("reads_solution", "nothing implemented, but layers.py looks for the solution on disk and loads it",
           _prepend_after_imports(_READ_SOLUTION, base=student_text),
           Expect(zero=True, diagnosis="not implemented yet", needs_isolation=True)),
    Sample("copies_another_student", "nothing implemented, but layers.py loads another student's layers.py",
           _prepend_after_imports(_COPY_ANOTHER_STUDENT, base=student_text),
           Expect(zero=True, diagnosis="not implemented yet", needs_isolation=True)),
    Sample("killer_daemon", "nothing implemented, and layers.py leaves a daemon that kills every process it can",
           _prepend_after_imports(_KILLER_DAEMON, base=student_text), Expect(zero=True, needs_isolation=True)),
    Sample("nests_folders_in_socket_folder", "correct, and layers.py nests 3,000 folders and 20 MB in the kernel's "
           "socket folder", _prepend_after_imports(_NESTS_IN_SOCKET_FOLDER), Expect(diagnosis="all tests passed")),
    Sample("floods_the_probe", "nothing implemented, and layers.py writes 80 MB into the probe's results pipe",
           _prepend_after_imports(_FLOOD_REPORT, base=student_text),
           Expect(zero=True, diagnosis="more output than the grader reads")),
    Sample("nests_the_probe_report", "nothing implemented, and layers.py writes a report nested 200,000 deep "
           "into the probe's results pipe",
           _prepend_after_imports(_NESTED_REPORT, base=student_text), Expect(zero=True, diagnosis="nested too deeply")),
    Sample("edits_test_cells", "backward passes not implemented, and their test cells edited to print a pass",
           _stub_backward, Expect(lost=GRAPH + ALT + ALT_WRITING + AFFINE, diagnosis="not implemented yet"),
           notebook=_edit_backward_tests),
    Sample("deletes_test_cells", "backward passes not implemented, and their test cells deleted",
           _stub_backward, Expect(lost=GRAPH + ALT + ALT_WRITING + AFFINE, diagnosis="not implemented yet"),
           notebook=_delete_backward_tests),
    Sample("copies_a_test_cell", "correct, and a test cell copied and pasted with its nbgrader metadata",
           solution_text, Expect(diagnosis="all tests passed"), notebook=_copy_a_test_cell),
    Sample("ungrades_a_test_cell", "correct, and a test cell's grade flag turned off", solution_text,
           Expect(diagnosis="all tests passed"), notebook=_ungrade_a_test_cell),
    Sample("deletes_test_cells_correct", "correct, and the backward passes' test cells deleted", solution_text,
           Expect(diagnosis="all tests passed"), notebook=_delete_backward_tests),
    Sample("broken_notebook_state", "correct, but a stray notebook cell deletes `layers`",
           solution_text, Expect(diagnosis="all tests passed"), notebook=_break_the_kernel_state),
    Sample("floods_widget_state", "correct, and a notebook cell sends 200 MB of widget state",
           solution_text, Expect(diagnosis="all tests passed"), notebook=_flood_widget_state),
    Sample("forks_to_hold_memory", "correct, and a notebook cell forks six processes that hold 768 MB each at once",
           solution_text, Expect(diagnosis="its sandbox used all of its", needs_group=True),
           notebook=_fork_to_hold_memory),
    Sample("huge_markdown_cell", "correct, with a markdown cell of 15 MB", solution_text,
           Expect(diagnosis="over the 100,000 a cell may hold"), notebook=_huge_markdown_cell),
    Sample("thousands_of_cells", "correct, with 5,000 extra cells", solution_text,
           Expect(diagnosis="cells past the 400 a notebook may have were dropped"), notebook=_thousands_of_cells),
    Sample("not_a_notebook", "correct layers.py, but the notebook is cut off in the middle", solution_text,
           Expect(zero=True, refused=True, diagnosis="not a Jupyter notebook"), files=_not_a_notebook),
    Sample("scripts_in_outputs", "correct, and a markdown cell and a cell's outputs carry JavaScript for whoever "
           "opens the feedback", solution_text, Expect(diagnosis="all tests passed"), notebook=_script_in_outputs),
    Sample("links_to_solution", "layers.py is a symbolic link to the solution in the course folder",
           student_text, Expect(zero=True, refused=True, diagnosis="cs231n_style/layers.py: a symbolic link"),
           files=_symlink("cs231n_style/layers.py", "../" + _COURSE_SOURCE + "cs231n_style/layers.py")),
    Sample("links_to_other_student", "layers.py is a symbolic link to another student's layers.py",
           student_text, Expect(zero=True, refused=True, diagnosis="cs231n_style/layers.py: a symbolic link"),
           files=_symlink("cs231n_style/layers.py", "../../correct_reference/cs231n_style/layers.py")),
    Sample("links_notebook", "the notebook is a symbolic link to the source notebook, with the instructor's answers",
           solution_text, Expect(zero=True, refused=True, diagnosis="batchnorm_backward.ipynb: a symbolic link"),
           files=_symlink("batchnorm_backward.ipynb", _COURSE_SOURCE + "batchnorm_backward.ipynb")),
    Sample("hard_link_from_outside", "layers.py is a hard link to a copy of the solution outside the folder",
           student_text, Expect(zero=True, refused=True, diagnosis="a hard link to a file outside the submission"),
           files=_hard_link_from_outside),
    Sample("links_secret_file", "correct, with an extra file that is a symbolic link to a root-only file",
           solution_text, Expect(diagnosis="cs231n_style/notes.txt: a symbolic link"),
           files=_symlink("cs231n_style/notes.txt", "/etc/shadow")),
    Sample("fifo_in_submission", "correct, with a FIFO among the helpers",
           solution_text, Expect(diagnosis="cs231n_style/results.fifo: a FIFO"), files=_fifo),
    Sample("huge_sparse_file", "correct, with a 1 GiB file beside the notebook",
           solution_text, Expect(diagnosis="data.bin: 1073741824 bytes, more than"), files=_sparse_file),
    Sample("many_files", "correct, with 2,000 empty files in a folder of its own",
           solution_text, Expect(diagnosis="past the 500 files and folders"), files=_many_files),
)
