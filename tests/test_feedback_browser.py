"""In a real browser: the feedback of a submission whose notebook carries JavaScript runs none of it.

The sample `scripts_in_outputs` puts a <script> and an <img onerror> in a markdown cell and in
an HTML output, and a JavaScript output, each setting the page's title to SCRIPT_MARK. It is
graded as `python -m autograder grade` grades, and its feedback page is opened in headless
Chromium (see tests/browser/chromium.py), offline: the page loads, shows the student's markup as
text, its title is not the mark, it asks for nothing but its own file, and its formulas are drawn
(MathML, no MathJax). Skipped without Chromium and playwright, saying what to install;
a failure under REQUIRE_OPTIONAL=1, as in CI.
"""
import optional
import pytest
from browser import chromium

from autograder import grade
from autograder.samples import SAMPLES, write_submissions
from autograder.samples.catalog import SCRIPT_MARK

SAMPLE = next(s for s in SAMPLES if s.name == "scripts_in_outputs")


@pytest.fixture(scope="module")
def feedback(tmp_path_factory):
    missing = chromium.missing()
    if missing:
        optional.missing("browser test needs " + " and ".join(missing))
    folder = tmp_path_factory.mktemp("feedback")
    write_submissions(folder / "submissions", [SAMPLE])
    [outcome] = grade.grade(folder / "submissions", folder / "out", progress=False)
    assert outcome.diagnosis == "all tests passed", outcome.diagnosis
    return folder / "out" / "feedback" / SAMPLE.name / "batchnorm_backward" / "batchnorm_backward.html"


def test_the_feedback_page_runs_nothing_of_the_students(feedback):
    from playwright.sync_api import sync_playwright

    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium.CHROMIUM, args=chromium.ARGS, headless=True)
        try:
            page = browser.new_page()
            page.on("request", lambda request: requests.append(request.url))
            page.route("http*://**/*", lambda route: route.abort())  # offline, as a grader's laptop may be
            page.goto(feedback.as_uri(), wait_until="load")
            page.wait_for_timeout(500)  # an onerror handler runs after the image fails to load
            title, text = page.title(), page.inner_text("body")
            formulas = page.evaluate("Array.from(document.querySelectorAll('math'), m => "
                                     "[m.getBoundingClientRect().width, m.getBoundingClientRect().height])")
        finally:
            browser.close()
    assert title != SCRIPT_MARK
    assert "batchnorm_backward" in title  # the page is the feedback, not an error page
    assert f"<script>document.title = '{SCRIPT_MARK}'</script>" in text  # the markup, shown as text
    assert "Autograder:" in text
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert len(formulas) >= 20 and all(width > 0 and height > 0 for width, height in formulas), formulas
    assert "\\frac" not in text and "\\hat" not in text  # no formula left as LaTeX source
