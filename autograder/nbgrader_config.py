"""nbgrader configuration of the course (used by `make release` and by the grading command).

The grading command writes a course folder whose own nbgrader_config.py loads this
file, then sets that folder's paths.
"""
c = get_config()  # noqa: F821 -- provided by nbgrader when it loads this file

import os  # noqa: E402

import nbgrader  # noqa: E402

from autograder.facts import ASSIGNMENT, CELL_TIMEOUT, COURSE_ID, STUDENT_LAYERS  # noqa: E402

c.CourseDirectory.course_id = COURSE_ID
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".*"]

# nbgrader overwrites every non-notebook file of a submission with the source's copy,
# which protects the helpers; the student's own layers.py must be kept, or every
# student is graded on the solution.
c.Autograde.exclude_overwriting = {ASSIGNMENT: [STUDENT_LAYERS]}

# Judge the handed-in layers.py with the trusted checks, execute the notebook with an output cap, then score
# every test cell from the checks' verdicts. The checks and the cells share one budget (autograder/budget.py).
c.Autograde.autograde_preprocessors = [
    "autograder.preprocessors.TrustedChecks",
    "autograder.preprocessors.LimitedExecute",
    "autograder.preprocessors.ScoreTestCells",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "autograder.preprocessors.SanitizeStudentHTML",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Execute.timeout = CELL_TIMEOUT  # seconds per cell; the cells and checks of a submission share a budget
c.Execute.interrupt_on_timeout = True
# Widget state the kernel sends is not kept: it would reach the autograded notebook unbounded (comm messages
# pass LimitedExecute's output cap), and grading has no use for it.
c.Execute.store_widget_state = False
# The kernel holds nothing worth a graceful shutdown; killing it saves a few tenths of a second per student.
c.Execute.shutdown_kernel = "immediate"
# Sandboxed kernels forked from a server that has imported ipykernel once (autograder/isolation/kernels.py).
c.Execute.kernel_manager_class = "autograder.isolation.kernels.ForkingKernelManager"

# A student's HTML and JavaScript would reach whoever opens the autograded notebook or the feedback: both
# are sanitized with nbconvert's allow-list (SanitizeStudentHTML, a SanitizeHTML: outputs other than text,
# images and sanitized HTML are dropped, JavaScript among them; markup off the list is escaped, in the
# student's markdown cells too, whose rendering nbgrader's feedback template leaves unsanitized).
c.SanitizeStudentHTML.enabled = True
c.HTMLExporter.sanitize_html = True

# Feedback shows verdicts, never the source of hidden tests; its formulas are MathML, and the page loads no
# script: nbgrader's "feedback" template, with autograder/feedback_templates/feedback/mathjax.html.j2 found
# before nbconvert's, which loads MathJax from a CDN.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "nbgrader.preprocessors.ClearHiddenTests",
    "autograder.preprocessors.SanitizeStudentHTML",
    "autograder.preprocessors.RenderMaths",
]
c.HTMLExporter.extra_template_basedirs = [
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "feedback_templates"),
    os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader", "templates"),
]
