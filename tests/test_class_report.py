"""OUT/report.html, the class report: what it counts, what it links, and that a submission cannot script it.

The course folder here is made by hand (grades.csv, reports, logs, feedback pages, handed-in layers.py), so
that every section has something to show, including a diagnosis that carries markup; tests/test_export.py
checks that a real grading run writes the report.
"""
import base64
import csv
import json
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest

from autograder import class_report
from autograder.facts import ASSIGNMENT, NOTEBOOK, ROOT, STUDENT_LAYERS
from autograder.samples import SAMPLES, write_submissions

HOSTILE = '<script>document.title="owned"</script><img src=x onerror="document.title=\'owned\'">'
FEEDBACK = f"{ASSIGNMENT}/{Path(NOTEBOOK).stem}.html"


def _test(test_id, points, max_points, diagnosis=None):
    return {"id": test_id, "points": points, "max_points": max_points, "diagnosis": diagnosis}


# student id: (score, grades.csv diagnosis, tests, error, seconds, sample whose layers.py it handed in)
CLASS = {
    "ada": (91, "all tests passed", [_test("test_a", 4, 4), _test("test_b", 6, 6), _test("answer", None, 3)], None,
            {"checks": 5.0, "notebook": 2.0}, "correct_reference"),
    "bob": (60, "test_b: dx differs by 2.5e-01", [_test("test_a", 4, 4), _test("test_b", 0, 6, "dx differs")], None,
            {"checks": 9.0, "notebook": 1.0}, "correct_nine_steps"),
    "cy": (62, "test_b: dx differs by 3.1e+00", [_test("test_a", 2, 4, "x"), _test("test_b", 0, 6, "dx differs")],
           None, {"checks": 1.0, "notebook": 1.0}, "gamma_missing"),
    "dee": (50, f"test_b: {HOSTILE}", [_test("test_a", 4, 4), _test("test_b", 0, 6, HOSTILE)], None,
            {"checks": 2.0, "notebook": 2.0}, "sign_error"),
    "eve": (0, "could not be graded: grading took longer than 720 s", [_test("test_a", 0, 4, "could not")],
            "could not be graded: grading took longer than 720 s", {}, "stubs"),
    "copier": (91, "all tests passed", [_test("test_a", 4, 4), _test("test_b", 6, 6)], None,
               {"checks": 3.0, "notebook": "<b>1</b>", "x": [1]}, None),  # bob's layers.py, renamed and reworded
}
REFUSED = ("bad name!", "could not be graded: the folder name is not a usable student id")
TOTALS = {"ada": 12.5, "bob": 30.25, "cy": 4.0, "dee": 8.0, "copier": 9.0}


def _renamed_copy(text):
    """bob's file as a student who copied it would hand it in: other names, other comments, other spacing."""
    for old, new in (("dxhat", "grad_norm"), ("dvar", "g_variance"), ("dmean", "g_mu"), ("xmu", "centred"),
                     ("std", "sigma")):
        text = re.sub(rf"\b{old}\b", new, text)
    text = re.sub(r"#.*", "# my own work", text)
    return text.replace(" = ", "  =  ")


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report")
    samples = write_submissions(folder / "samples", [s for s in SAMPLES if s.name in {c[5] for c in CLASS.values()}])
    out = folder / "out"
    (out / "reports").mkdir(parents=True)
    (out / "logs").mkdir()
    with (out / "grades.csv").open("w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["student_id", "score", "max_score", "diagnosis"])
        for student, (score, diagnosis, tests, error, seconds, sample) in CLASS.items():
            writer.writerow([student, score, 100, diagnosis])
            seconds = {**seconds, "total": TOTALS[student]} if student in TOTALS else seconds  # as worker.py adds it
            (out / "reports" / f"{student}.json").write_text(json.dumps(
                {"student": student, "score": score, "max_score": 100, "tests": tests, "error": error,
                 "seconds": seconds}))
            if student != "eve":
                (out / "feedback" / student / FEEDBACK).parent.mkdir(parents=True)
                (out / "feedback" / student / FEEDBACK).write_text("<html>feedback</html>")
            shutil.copytree(samples / (sample or "correct_nine_steps"), out / "submitted" / student / ASSIGNMENT)
        writer.writerow([*REFUSED[:1], 0, 100, REFUSED[1]])
    copied = out / "submitted" / "copier" / ASSIGNMENT / STUDENT_LAYERS
    copied.write_text(_renamed_copy(copied.read_text()))
    class_report.write_report(out)
    return out


class _Page(HTMLParser):
    """The tags of a page: [(tag, {attribute: value})]."""

    def __init__(self, text):
        super().__init__()
        self.tags = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


def _page(out):
    text = (out / class_report.REPORT).read_text()
    return text, _Page(text).tags


def test_every_section_is_there_with_its_plots(out):
    text, tags = _page(out)
    sections = [attrs.get("id") for tag, attrs in tags if tag == "section"]
    assert sections == ["scores", "tests", "diagnoses", "ungraded", "slowest", "similarity"]
    images = [attrs["src"] for tag, attrs in tags if tag == "img"]
    assert len(images) == 2  # the score histogram, the tests' shares
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert "<math" in text  # the similarity's formula, as MathML


def test_a_diagnosis_cannot_script_the_page_and_nothing_is_fetched(out):
    text, tags = _page(out)
    assert not [attrs for tag, attrs in tags if tag == "script" or any(k.startswith("on") for k in attrs)]
    assert "&lt;script&gt;document.title" in text  # shown, as text
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", text)
    policy = next(attrs["content"] for tag, attrs in tags if tag == "meta" and attrs.get("http-equiv"))
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_links_lead_to_the_feedback_pages_there_are(out):
    _, tags = _page(out)
    links = {attrs["href"] for tag, attrs in tags if tag == "a"}
    assert links == {f"feedback/{student}/{FEEDBACK}" for student in CLASS if student != "eve"}
    assert all((out / link).is_file() for link in links)


def test_diagnoses_differing_only_in_numbers_count_as_one():
    students = [class_report.Student(s, v[0], 100, diagnosis=v[1], error=v[3] or "") for s, v in CLASS.items()]
    common = class_report.common_diagnoses(students)
    assert common[0] == ("test_b: dx differs by 2.5e-01", ["bob", "cy"])
    assert all("all tests passed" not in text and "could not be graded" not in text for text, _ in common)


def test_test_shares_and_the_slowest(out):
    students = class_report.read_class(out)
    shares = {test_id: (points, counts) for test_id, points, counts in class_report.test_shares(students)}
    assert shares["test_a"] == (4, {"full": 4, "partial": 1})  # eve could not be graded: not counted
    assert shares["test_b"] == (6, {"full": 2, "none": 3})
    assert shares["answer"] == (3, {"manual": 1})
    assert [s.id for s in class_report.slowest(students)][:3] == ["bob", "ada", "copier"]  # by the logs' totals
    assert next(s for s in students if s.id == "bob").seconds == {"checks": 9.0, "notebook": 1.0, "total": 30.25}
    assert next(s for s in students if s.id == "copier").seconds == {"checks": 3.0, "total": 9.0}  # numbers only


def test_the_ungraded_and_the_refused_are_listed_with_why(out):
    text, _ = _page(out)
    ungraded = text[text.index('id="ungraded"'):text.index('id="slowest"')]
    assert "eve" in ungraded and "grading took longer than 720 s" in ungraded
    assert "bad name!" in ungraded and "not a usable student id" in ungraded


def test_the_copied_pair_is_flagged_with_its_lines(out):
    text, _ = _page(out)
    similar = text[text.index('id="similarity"'):]
    assert re.search(r"bob</a> and <a [^>]*>copier</a>: s = (9\d|100)%", similar)
    assert "<mark>" in similar and "grad_norm" in similar  # the copier's lines, shown


def test_the_command_writes_the_report_and_names_a_folder_that_was_not_graded(out, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    (out / class_report.REPORT).unlink()
    run = subprocess.run([sys.executable, "-m", "autograder", "report", str(out)], capture_output=True, text=True,
                         env=env)
    assert run.returncode == 0 and (out / class_report.REPORT).is_file(), run.stderr
    run = subprocess.run([sys.executable, "-m", "autograder", "report", str(tmp_path)], capture_output=True,
                         text=True, env=env)
    assert run.returncode == 2 and "error: OUT: expected a folder graded by" in run.stderr


SCREENSHOT = ROOT / "artifacts" / "class_report.png"


def test_in_a_browser_offline_every_plot_formula_and_link_is_there(out):
    import optional
    from browser import chromium

    lacking = chromium.missing()
    if lacking:
        optional.missing("browser test needs " + " and ".join(lacking))
    from playwright.sync_api import sync_playwright

    requests = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium.CHROMIUM, args=chromium.ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.on("request", lambda request: requests.append(request.url))
            page.route("http*://**/*", lambda route: route.abort())  # offline
            page.goto((out / class_report.REPORT).as_uri(), wait_until="load")
            title = page.title()
            images = page.evaluate("Array.from(document.images, i => [i.complete, i.naturalWidth, i.naturalHeight])")
            formulas = page.evaluate("Array.from(document.querySelectorAll('math'), m => "
                                     "m.getBoundingClientRect().width * m.getBoundingClientRect().height)")
            links = page.evaluate("Array.from(document.links, a => a.href)")
            text = page.inner_text("body")
            SCREENSHOT.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(SCREENSHOT), full_page=True)
        finally:
            browser.close()
    assert title == "Class report"
    assert len(images) == 2 and all(done and width > 300 and height > 100 for done, width, height in images), images
    assert formulas and all(area > 0 for area in formulas)
    targets = {Path(link.removeprefix("file://")) for link in links}  # each student linked wherever named
    assert {target.relative_to(out).as_posix() for target in targets} == {
        f"feedback/{student}/{FEEDBACK}" for student in CLASS if student != "eve"}
    assert all(target.is_file() for target in targets)
    assert all(url.startswith(("file:", "data:")) for url in requests), requests
    assert "could not be graded" in text and "bob and copier: s = " in text
    assert SCREENSHOT.stat().st_size > 50_000
