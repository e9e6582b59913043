"""The feedback's formulas: the instructor's LaTeX becomes MathML; any other text stays as typed."""
import re

import nbformat

from autograder.preprocessors import MATHS, RenderMaths, _mathml
from autograder.facts import NOTEBOOK, RELEASE, ROOT

RELEASE_NOTEBOOK = nbformat.read(ROOT / RELEASE / NOTEBOOK, as_version=4)
WITH_MATHS = [c.source for c in RELEASE_NOTEBOOK.cells if c.cell_type == "markdown" and "$" in c.source]


def _render(source, locked=True):
    cell = nbformat.v4.new_markdown_cell(source)
    cell.metadata["nbgrader"] = {"locked": locked, "grade_id": "text", "solution": not locked, "grade": False}
    return RenderMaths().preprocess_cell(cell, {}, 0)[0].source


def test_every_formula_of_the_release_becomes_mathml():
    assert len(WITH_MATHS) >= 10
    for source in WITH_MATHS:
        outside = re.sub(r"<math.*?</math>", "", _render(source), flags=re.S)
        assert "$" not in outside and not re.search(r"\\[a-zA-Z]", outside), outside[:200]


def test_inline_and_display_formulas_are_converted_as_such():
    inline = MATHS.sub(_mathml, "With $\\hat{x} = x - \\mu$ and\n\n$$\\frac{\\partial L}{\\partial x}$$\n\ndone.")
    assert inline.startswith("With <math") and inline.endswith("done.")
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline">' in inline
    assert '<math xmlns="http://www.w3.org/1998/Math/MathML" display="block">' in inline and "<mfrac>" in inline


def test_text_that_is_not_the_instructors_keeps_its_dollars_even_in_a_cell_marked_locked():
    # latex2mathml would copy this <img> into the page as markup
    text = "My answer: $\\text{<img src=x onerror=alert(1)>}$"
    assert _render(text, locked=True) == text
    changed = WITH_MATHS[0] + " "
    assert _render(changed) == changed


def test_latex_the_converter_cannot_read_is_shown_as_written_and_markup_stays_text():
    assert MATHS.sub(_mathml, "broken: $\\frac{1}{$ here") == "broken: $\\frac{1}{$ here"
    source = MATHS.sub(_mathml, "$<b>$")
    assert "<b>" not in source and "<mo>&#x0003C;</mo><mi>b</mi>" in source
