"""nbgrader preprocessors the grading adds to nbgrader's own autograde pipeline.

- TrustedChecks (before the notebook runs): judges the student's layers.py, run by
  cs231n_style.probe in the sandbox, against the reference here, one verdict per
  graded test cell.
- LimitedExecute: nbgrader's Execute, with a cap on the output a cell may produce,
  applied while the kernel streams it (nbgrader's LimitOutput trims only afterwards,
  once a flood of output has already filled the grader's memory), and each cell's
  time taken from the submission's budget (autograder/budget.py).
- ScoreTestCells (after): writes each verdict into its test cell. Whatever the
  student's kernel printed for a test cell stays visible above the verdict, but only
  the verdict counts: a layers.py that patches the notebook's checks gains nothing.

- SanitizeStudentHTML and RenderMaths (autograde and feedback): a student's HTML made
  harmless; the instructor's formulas as MathML, for a feedback page that loads no script.

The checks run first, on the layers.py that was handed in, so that a function they
found looping costs the notebook's cells only their short after-timeout limit.
"""
import functools
import html
import json
import re
import time
from pathlib import Path

import nbformat
from latex2mathml.converter import convert as latex_to_mathml
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbclient.util import run_sync
from nbconvert.preprocessors.sanitize import SanitizeHTML
from nbgrader.preprocessors import Execute, NbGraderPreprocessor
from traitlets import Bool, Integer

from .budget import SubmissionBudget
from .facts import AFTER_TIMEOUT, CHECK_TIMEOUT, MEMORY_MB, NOTEBOOK, RELEASE, ROOT
from .trusted import CHECKS
from .trusted.probe_runner import run_trusted_checks

VERDICTS_FILE = ".trusted_checks.json"  # beside the autograded notebook; nbgrader ignores dot files
EXECUTION_KEY = "notebook_stopped"  # in VERDICTS_FILE, beside the grade_ids: why the notebook's execution ended early
KERNEL_KEY = "kernel_sandbox"  # in VERDICTS_FILE: what the kernel's sandbox said of its end (sandbox.NOTE)
SECONDS_KEY = "seconds_taken"  # in VERDICTS_FILE: {"checks": s, "notebook": s} of wall clock (the class report)
MAX_LINES_SHOWN = 12


class LimitedExecute(Execute):
    """nbgrader's Execute, keeping at most max_output_bytes of output per cell."""

    max_output_bytes = Integer(1_000_000, help="output kept per cell; the rest is dropped").tag(config=True)

    def preprocess(self, nb, resources=None, *args, **kwargs):
        self._spent, self._truncated, self._dead = {}, set(), False
        self._budget = SubmissionBudget.of(resources, self.config)
        start = time.perf_counter()
        try:
            return super().preprocess(nb, resources, *args, **kwargs)
        finally:
            record = self._read_record()
            record[SECONDS_KEY] = {**record.get(SECONDS_KEY, {}), "notebook": round(time.perf_counter() - start, 2)}
            self._write_record(record)

    def _get_timeout(self, cell):
        return self._budget.limit(self.timeout, AFTER_TIMEOUT)

    async def _async_handle_timeout(self, timeout, cell=None):
        self._budget.ran_out = self._budget.ran_out or "a cell of the notebook"
        return await super()._async_handle_timeout(timeout, cell)

    def preprocess_cell(self, cell, resources, index):
        if self._dead or cell.cell_type != "code":
            return cell, self.resources
        if self._budget.limit(self.timeout) <= 0:
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=(
                f"[not run by the autograder: {self._budget.spent_message()}; "
                "its own checks still score every test]\n"))]
            return cell, self.resources
        try:
            with self._budget.spending():
                return super().preprocess_cell(cell, resources, index)
        except DeadKernelError:
            return self._stopped(cell, "DeadKernelError", "the kernel died while running this cell",
                                 "did the code end its own process?")
        except CellTimeoutError:  # no answer to the interrupt, or output that stopped arriving: nbclient gives up
            return self._stopped(cell, "KernelStoppedAnswering", "the kernel stopped answering while running this "
                                 "cell", "did the code change what the kernel needs to send its results, such as "
                                 "json, sys or its standard streams, or block every signal?")

    def _stopped(self, cell, name, what, question):
        """End the execution at `cell`, not the grading: the trusted checks still score every test cell.
        The trusted checks' record keeps what happened (EXECUTION_KEY), for the student's diagnosis."""
        self._dead = True
        self._record(EXECUTION_KEY, f"{what} ({question})")
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename=name, evalue=what,
            traceback=[f"{what[0].upper()}{what[1:]} ({question}). The cells below were not run; the autograder's "
                       "own checks still score every test."]))
        return cell, self.resources

    def _record(self, key, text):
        record = self._read_record()
        record[key] = text
        self._write_record(record)

    def _read_record(self):
        record_path = Path(self.resources["metadata"]["path"]) / VERDICTS_FILE
        return json.loads(record_path.read_text()) if record_path.is_file() else {}

    def _write_record(self, record):
        (Path(self.resources["metadata"]["path"]) / VERDICTS_FILE).write_text(json.dumps(record, indent=1))

    async def _async_cleanup_kernel(self):
        provisioner = getattr(self.km, "provisioner", None)
        try:
            await super()._async_cleanup_kernel()
        finally:
            if getattr(provisioner, "sandbox_note", ""):
                self._record(KERNEL_KEY, provisioner.sandbox_note)

    _cleanup_kernel = run_sync(_async_cleanup_kernel)  # nbclient's is bound to its own _async_cleanup_kernel

    def output(self, outs, msg, display_id, cell_index):
        self._spent[cell_index] = self._spent.get(cell_index, 0) + len(json.dumps(msg.get("content", {}), default=str))
        if self._spent[cell_index] <= self.max_output_bytes:
            return super().output(outs, msg, display_id, cell_index)
        if cell_index not in self._truncated:
            self._truncated.add(cell_index)
            outs.append(nbformat.v4.new_output(
                "stream", name="stdout", text=f"\n[output beyond {self.max_output_bytes} bytes dropped by the autograder]\n"))
        return None


def _grade_id(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def verdict_outputs(verdict, points):
    """The outputs that make nbgrader give `verdict.fraction * points` to a test cell."""
    failures = verdict.failures
    shown = failures[:MAX_LINES_SHOWN] + ([f"... and {len(failures) - MAX_LINES_SHOWN} more"]
                                         if len(failures) > MAX_LINES_SHOWN else [])
    passed = len(verdict.lines) - len(failures)
    header = f"Autograder: {passed} of {len(verdict.lines)} checks passed"
    if verdict.diagnosis:
        header += f" — likely mistake: {verdict.diagnosis}"
    lines = [header] + [f"✗ {line}" for line in shown] + [f"− {deduction}" for deduction in verdict.deductions]
    if not failures and not verdict.deductions:
        return [nbformat.v4.new_output("stream", name="stdout", text=header + "\n")]
    if verdict.fraction <= 0:
        return [nbformat.v4.new_output("error", ename="TestFailed", evalue=verdict.summary(), traceback=lines)]
    earned = round(verdict.fraction * points, 2)
    return [nbformat.v4.new_output("stream", name="stdout", text="\n".join(lines) + "\n"),
            nbformat.v4.new_output("execute_result", data={"text/plain": repr(earned)}, execution_count=None)]


class TrustedChecks(NbGraderPreprocessor):
    """Judge the graded test cells from the trusted checks (see autograder.trusted); ScoreTestCells writes the
    verdicts into the cells once the notebook has run."""

    insecure = Bool(False, help="run the probe without the sandbox's namespaces where they are missing "
                                "(grade --insecure)").tag(config=True)
    memory_mb = Integer(MEMORY_MB, help="address-space limit of the student's process").tag(config=True)
    check_timeout = Integer(CHECK_TIMEOUT, help="seconds for each check").tag(config=True)

    def preprocess(self, nb, resources):
        directory = Path(resources["metadata"]["path"]).resolve()
        start = time.perf_counter()
        check_ids = [_grade_id(c) for c in nb.cells if _grade_id(c) in CHECKS]
        verdicts = run_trusted_checks(directory, check_ids, insecure=self.insecure, memory_mb=self.memory_mb,
                                      check_timeout=self.check_timeout,
                                      budget=SubmissionBudget.of(resources, self.config))
        resources["trusted_verdicts"] = verdicts
        record = {gid: {"fraction": v.fraction, "diagnosis": v.diagnosis, "summary": v.summary(),
                        "failures": v.failures, "deductions": v.deductions, "named": v.named}
                  for gid, v in verdicts.items()}
        record[SECONDS_KEY] = {"checks": round(time.perf_counter() - start, 2)}
        (directory / VERDICTS_FILE).write_text(json.dumps(record, indent=1))
        return nb, resources


class ScoreTestCells(NbGraderPreprocessor):
    """Write TrustedChecks' verdicts into the graded test cells, below what the kernel printed there."""

    def preprocess(self, nb, resources):
        verdicts = resources["trusted_verdicts"]
        for cell in nb.cells:
            if _grade_id(cell) in verdicts:
                kept = [o for o in cell.outputs if o.output_type == "stream" and o.get("name") == "stdout"]
                points = float(cell.metadata["nbgrader"].get("points", 0))
                cell.outputs = kept + verdict_outputs(verdicts[_grade_id(cell)], points)
        return nb, resources


class SanitizeStudentHTML(SanitizeHTML):
    """nbconvert's SanitizeHTML for what a student wrote or ran: every cell's outputs, and the text of every
    markdown or raw cell except the locked ones, which are the instructor's (nbgrader restores them from the
    source, and nbgrader_cells has set the "locked" flag back to the release's). Their formulas keep their
    `&` and `>`, which the sanitizer would escape."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type != "code" and cell.get("metadata", {}).get("nbgrader", {}).get("locked"):
            return cell, resources
        return super().preprocess_cell(cell, resources, cell_index)


# $$display$$, or $inline$ (which may wrap onto a second line, never across a blank line)
MATHS = re.compile(r"\$\$(.+?)\$\$|\$((?:[^$\n]|\n(?![ \t]*\n))+?)\$", re.S)


def _mathml(match):
    display = match.group(1) is not None
    latex = match.group(1) if display else match.group(2)
    try:
        return latex_to_mathml(latex.strip(), display="block" if display else "inline")
    except Exception:  # not LaTeX that latex2mathml reads: shown as written
        return html.escape(match.group(0))


@functools.lru_cache(maxsize=1)
def instructor_texts():
    """{markdown text of the release notebook: the same with its formulas as MathML}."""
    release = nbformat.read(ROOT / RELEASE / NOTEBOOK, as_version=4)
    return {cell.source: MATHS.sub(_mathml, cell.source) for cell in release.cells if cell.cell_type == "markdown"}


class RenderMaths(NbGraderPreprocessor):
    """The instructor's formulas as MathML, which browsers draw themselves, so that a feedback page loads no
    script and needs no network (autograder/feedback_templates leaves nbconvert's MathJax out). Only markdown
    cells whose text is, to the character, one of the release notebook's: latex2mathml copies markup such as
    \\text{<img onerror=...>} into the page, so a student's own text keeps its $...$ as typed."""

    def preprocess_cell(self, cell, resources, cell_index):
        if cell.cell_type == "markdown":
            cell.source = instructor_texts().get(cell.source, cell.source)
        return cell, resources
