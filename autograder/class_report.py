"""The class report: OUT/report.html, the class as a whole after grading.

    python -m autograder report OUT     (grade writes it at the end of every run)

One self-contained page: plots embedded as PNG images (matplotlib), formulas as
MathML, no script and nothing fetched (its Content-Security-Policy forbids both),
so it opens offline from the folder it is in. Its sections:
- the score distribution and summary figures;
- per test: its points and the share of the class with full, partial and no points;
- the most common diagnoses, with the students who got each, linked to their feedback;
- the submissions that could not be graded, and why; the slowest, and where their time went;
- similar submissions (autograder/similarity.py), which it flags and never scores.
Everything that comes from a submission (ids, diagnoses quoting a student's exception, code) is escaped.
"""
import base64
import csv
import dataclasses
import html
import io
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from urllib.parse import quote

from latex2mathml.converter import convert as latex_to_mathml

from . import course, gradebook, similarity
from .facts import ASSIGNMENT, NOTEBOOK

REPORT = "report.html"  # in OUT
COMMON_DIAGNOSES = 15  # the most frequent (test, diagnosis) pairs listed
SLOWEST = 10  # students listed with where their time went
PAIRS_SHOWN = 20  # similar pairs shown side by side; the others are listed in a table
AWAITS_MANUAL = "awaits manual grading"  # a report's diagnosis of an inline answer not graded yet
ALL_PASSED = "all tests passed"  # grades.csv's diagnosis of a submission that passed every test


@dataclasses.dataclass
class Student:
    """One student's row of the report, from OUT/reports/<student>.json (or only grades.csv's row)."""

    id: str
    score: float
    max_score: float
    tests: list = dataclasses.field(default_factory=list)  # the report's [{"id", "points", "max_points", "diagnosis"}]
    diagnosis: str = ""  # grades.csv's: the first failing test that names the mistake, or "all tests passed"
    error: str = ""  # why it could not be graded, if it could not
    seconds: dict = dataclasses.field(default_factory=dict)  # {"total", "checks", "notebook"}, as far as known
    feedback: str = ""  # its feedback page, relative to OUT ("" if there is none)


def read_class(out, db_url=None):
    """[Student] of OUT, in the order of grades.csv, with their scores as the gradebook holds them now (the
    inline answers' points included once graded in formgrader), where there is a gradebook."""
    out = Path(out)
    url = course.gradebook_url(out, db_url)
    scores = gradebook.read_scores(url) if db_url or (out / "gradebook.db").is_file() else {}
    students = []
    with (out / "grades.csv").open(newline="", encoding="utf-8", errors="replace") as f:
        rows = list(csv.DictReader(f))
    for row in rows:
        path = out / "reports" / f"{row['student_id']}.json"
        report = _read_json(path) if course.STUDENT_ID.match(row["student_id"]) else None
        if report is None:  # refused before grading (a folder name that is no student id): grades.csv says why
            students.append(Student(row["student_id"], _number(row["score"]), _number(row["max_score"]),
                                    diagnosis=row["diagnosis"], error=row["diagnosis"]))
            continue
        feedback = f"feedback/{row['student_id']}/{ASSIGNMENT}/{Path(NOTEBOOK).stem}.html"
        seconds = _seconds(report.get("seconds"))
        student = Student(row["student_id"], _number(report.get("score")), _number(report.get("max_score")),
                          tests=list(report.get("tests") or []), diagnosis=row["diagnosis"],
                          error=report.get("error") or "", seconds=seconds,
                          feedback=feedback if (out / feedback).is_file() else "")
        if not student.error and student.id in scores:
            _as_in_gradebook(student, scores[student.id])
        students.append(student)
    return students


def _as_in_gradebook(student, scores):
    """Student's score and test points as gradebook.read_scores gives them (None while awaiting manual grading)."""
    score, _, cells = scores
    student.score = round(float(score), 2)
    for test in student.tests:
        if test["id"] in cells:
            points, _, manual = cells[test["id"]]
            test["points"] = None if manual else round(float(points), 2)
            if not manual and test.get("diagnosis") == AWAITS_MANUAL:
                test["diagnosis"] = None


def _seconds(value):
    """{"checks", "notebook", "total": seconds} of a report, numbers only (whatever else it holds is left out)."""
    if not isinstance(value, dict):
        return {}
    return {key: float(value[key]) for key in ("checks", "notebook", "total")
            if isinstance(value.get(key), (int, float)) and not isinstance(value.get(key), bool)}


def _read_json(path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _number(text):
    try:
        return float(text)
    except (TypeError, ValueError):
        return 0.0


# --- what the page says ---------------------------------------------------------------------------------------

def test_shares(students):
    """[(test id, max points, {"full", "partial", "none", "manual": number of students})] over graded students."""
    shares = {}
    for student in students:
        if student.error:
            continue
        for test in student.tests:
            counts = shares.setdefault(test["id"], (test["max_points"], defaultdict(int)))[1]
            points = test["points"]
            kind = ("manual" if points is None else "full" if points >= test["max_points"]
                    else "none" if points <= 0 else "partial")
            counts[kind] += 1
    return [(test_id, max_points, dict(counts)) for test_id, (max_points, counts) in shares.items()]


def common_diagnoses(students, limit=COMMON_DIAGNOSES):
    """[(diagnosis as first seen, [student ids])] of the most frequent diagnoses of graded students (the one
    grades.csv gives each: its first failing test that names the mistake). Diagnoses that differ only in their
    numbers (a measured error, a shape) count as one."""
    groups = {}
    for student in students:
        if student.error or not student.diagnosis or student.diagnosis == ALL_PASSED:
            continue
        key = re.sub(r"\d+(\.\d+)?(e[-+]?\d+)?", "#", student.diagnosis)
        groups.setdefault(key, (student.diagnosis, []))[1].append(student.id)
    ranked = sorted(groups.values(), key=lambda group: (-len(group[1]), group[0]))
    return ranked[:limit]


def slowest(students, limit=SLOWEST):
    """The students whose grading took longest (by the total, else by checks and notebook together)."""
    timed = [s for s in students if s.seconds]
    return sorted(timed, key=lambda s: -(s.seconds.get("total") or
                                         s.seconds.get("checks", 0) + s.seconds.get("notebook", 0)))[:limit]


# --- plots ----------------------------------------------------------------------------------------------------

def _png(figure):
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    plt.close(figure)
    return f'<img alt="" src="data:image/png;base64,{base64.b64encode(buffer.getvalue()).decode()}">'


def score_histogram(students):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    graded = [s.score for s in students if not s.error]
    ungraded = [s.score for s in students if s.error]
    top = max([s.max_score for s in students] + [1])
    figure, axes = plt.subplots(figsize=(7, 2.8))
    bins = [top * k / 20 for k in range(21)]
    axes.hist([graded, ungraded], bins=bins, stacked=True, color=["#4472c4", "#c0504d"],
              label=["graded", "could not be graded"])
    axes.set_xlabel(f"score (of {top:g})")
    axes.set_ylabel("students")
    axes.legend(frameon=False)
    axes.spines[["top", "right"]].set_visible(False)
    return _png(figure)


def test_bars(shares):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    kinds = (("full", "full points", "#70ad47"), ("partial", "partial", "#ffc000"), ("none", "no points", "#c0504d"),
             ("manual", "awaits manual grading", "#a5a5a5"))
    figure, axes = plt.subplots(figsize=(7, 0.32 * len(shares) + 0.9))
    names = [f"{test_id} ({points:g})" for test_id, points, _ in shares][::-1]
    left = [0.0] * len(shares)
    for kind, label, colour in kinds:
        share = [counts.get(kind, 0) / max(1, sum(counts.values())) for _, _, counts in shares][::-1]
        axes.barh(names, share, left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, share)]
    axes.set_xlim(0, 1)
    axes.set_xlabel("share of the graded students")
    axes.legend(frameon=False, ncol=4, loc="lower center", bbox_to_anchor=(0.5, 1.0), fontsize="small")
    axes.spines[["top", "right"]].set_visible(False)
    axes.tick_params(axis="y", labelsize="small")
    return _png(figure)


# --- the page ---------------------------------------------------------------------------------------------------

STYLE = """
body { font: 15px/1.45 system-ui, sans-serif; max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; }
table { border-collapse: collapse; margin: .6rem 0; } td, th { padding: .2rem .6rem; text-align: left;
vertical-align: top; border-bottom: 1px solid #eee; } th { background: #f4f4f4; } td.n { text-align: right; }
.figures span { display: inline-block; margin-right: 2rem; } .figures b { font-size: 1.3rem; display: block; }
.pair { margin: 1rem 0 2rem; } .side { display: grid; grid-template-columns: 1fr 1fr; gap: .8rem; }
pre { background: #f8f8f8; padding: .5rem; overflow-x: auto; font-size: 12px; margin: 0; }
mark { background: #ffe08a; } .muted { color: #666; } img { max-width: 100%; }
"""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


def _e(text):
    return html.escape(str(text), quote=True)


def _link(student):
    name = _e(student.id)
    return f'<a href="{_e(quote(student.feedback))}">{name}</a>' if student.feedback else name


def _maths(latex):
    return latex_to_mathml(latex, display="inline")


def render(students, findings, codes, title="Class report"):
    """The page, as text, from read_class's students, similarity.find_similar's Findings and the codes compared."""
    by_id = {s.id: s for s in students}
    graded = [s for s in students if not s.error]
    scores = [s.score for s in graded]
    top = max([s.max_score for s in students] + [0])
    parts = [f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
             f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
             f"<title>{_e(title)}</title><style>{STYLE}</style></head><body>",
             f"<h1>{_e(title)}: {_e(ASSIGNMENT)}</h1>"]

    figures = [("students", len(students)), ("graded", len(graded)), ("could not be graded", len(students) - len(graded))]
    if scores:
        figures += [("mean", f"{statistics.mean(scores):.1f}"), ("median", f"{statistics.median(scores):g}"),
                    ("lowest", f"{min(scores):g}"), ("highest", f"{max(scores):g}"), ("out of", f"{top:g}")]
    parts.append('<section id="scores"><h2>Scores</h2><p class="figures">'
                 + "".join(f"<span><b>{_e(value)}</b>{_e(name)}</span>" for name, value in figures) + "</p>")
    parts.append(score_histogram(students) if students else "<p>No students.</p>")
    parts.append("</section>")

    shares = test_shares(students)
    parts.append('<section id="tests"><h2>Tests</h2>')
    if shares:
        parts.append(test_bars(shares))
        parts.append("<table><tr><th>test</th><th>points</th><th>full</th><th>partial</th><th>none</th>"
                     "<th>awaits manual grading</th></tr>")
        for test_id, points, counts in shares:
            total = max(1, sum(counts.values()))
            cells = "".join(f'<td class="n">{counts.get(kind, 0)} ({100 * counts.get(kind, 0) / total:.0f}%)</td>'
                            for kind in ("full", "partial", "none", "manual"))
            parts.append(f"<tr><td>{_e(test_id)}</td><td class='n'>{points:g}</td>{cells}</tr>")
        parts.append("</table>")
    else:
        parts.append("<p>No graded submission.</p>")
    parts.append("</section>")

    parts.append('<section id="diagnoses"><h2>Most common diagnoses</h2>'
                 "<p class='muted'>The diagnosis of each graded student (as in grades.csv: the first failing test "
                 "that names the mistake), most frequent first; diagnoses that differ only in their numbers count "
                 "as one. Each name links to that student's feedback.</p>"
                 "<table><tr><th>students</th><th>diagnosis (as first seen)</th><th>who</th></tr>")
    for text, ids in common_diagnoses(students):
        who = ", ".join(_link(by_id[i]) for i in ids)
        parts.append(f"<tr><td class='n'>{len(ids)}</td><td>{_e(text)}</td><td>{who}</td></tr>")
    parts.append("</table></section>")

    parts.append('<section id="ungraded"><h2>Could not be graded</h2>')
    ungraded = [s for s in students if s.error]
    if ungraded:
        parts.append("<table><tr><th>student</th><th>why</th></tr>" + "".join(
            f"<tr><td>{_link(s)}</td><td>{_e(s.error)}</td></tr>" for s in ungraded) + "</table>")
    else:
        parts.append("<p>Every submission was graded.</p>")
    parts.append("</section>")

    parts.append('<section id="slowest"><h2>Slowest to grade</h2>'
                 "<p class='muted'>Seconds of wall clock: the trusted checks on the student's layers.py, the run of "
                 "the notebook's cells, and the rest (nbgrader's own work and the feedback page).</p>"
                 "<table><tr><th>student</th><th>total</th><th>checks</th><th>notebook</th><th>rest</th></tr>")
    for s in slowest(students):
        total, checks, notebook = (s.seconds.get(key) for key in ("total", "checks", "notebook"))
        rest = total - (checks or 0) - (notebook or 0) if total is not None else None
        parts.append(f"<tr><td>{_link(s)}</td>" + "".join(
            f"<td class='n'>{'—' if v is None else f'{v:.1f}'}</td>" for v in (total, checks, notebook, rest))
            + "</tr>")
    parts.append("</table></section>")

    parts.append(similarity_section(findings, codes, by_id))
    parts.append("</body></html>")
    return "\n".join(parts)


def similarity_section(findings, codes, by_id):
    """The similar submissions (similarity.Findings, and the codes compared): groups of students whose code is
    much the same, then each pair with its shared lines side by side."""
    def who(student):
        return _link(by_id[student]) if student in by_id else _e(student)

    share = _maths(r"s = \frac{|F_a \cap F_b|}{\min(|F_a|, |F_b|)}")
    common = (f"and those that more than {findings.common_above} of the {findings.compared} students compared share "
              f"({similarity.COMMON_SHARE:.0%} of the class, and more than {similarity.COMMON_LEAST}): code "
              "everyone writes alike")
    parts = ['<section id="similarity"><h2>Similar submissions</h2>',
             "<p class='muted'>Each student's own lines of layers.py (those that are not the template's), with "
             "comments, layout and names taken out, are cut into fingerprints (winnowing, as MOSS does); "
             f"{share}, where F is a student's set of fingerprints after leaving out the template's {common}. "
             f"Pairs with s of at least {similarity.THRESHOLD:.0%} are listed. A high s says that two files share "
             "much code that few others share: a reason to read them side by side, not a finding, and it never "
             "changes a score.</p>"]
    if findings.skipped:
        parts.append("<p class='muted'>Not compared: " + "; ".join(
            f"{_e(student)} ({_e(why)})" for student, why in sorted(findings.skipped.items())) + "</p>")
    if findings.groups:
        parts.append("<h3>Groups</h3><ul class='groups'>" + "".join(
            f"<li>{len(group)} students: " + ", ".join(who(i) for i in group) + "</li>" for group in findings.groups)
            + "</ul>")
    if not findings.pairs:
        parts.append("<p>No pair of submissions at or above the threshold.</p>")
    for pair in findings.pairs[:PAIRS_SHOWN]:
        parts.append(f'<div class="pair"><h3>{who(pair.a)} and {who(pair.b)}: s = {pair.similarity:.0%}</h3>'
                     "<div class='side'>" + _code_with_marks(codes.get(pair.a, ""), pair.lines_a)
                     + _code_with_marks(codes.get(pair.b, ""), pair.lines_b) + "</div></div>")
    if len(findings.pairs) > PAIRS_SHOWN:
        parts.append(f"<h3>{len(findings.pairs) - PAIRS_SHOWN} more pairs</h3><table class='more'><tr><th>s</th>"
                     "<th>students</th></tr>" + "".join(
                         f"<tr><td class='n'>{pair.similarity:.0%}</td><td>{who(pair.a)} and {who(pair.b)}</td></tr>"
                         for pair in findings.pairs[PAIRS_SHOWN:]) + "</table>")
    parts.append("</section>")
    return "\n".join(parts)


def _code_with_marks(code, marked):
    """layers.py as a <pre>, its lines in the ranges of `marked` ([(first, last)], 1-based) highlighted."""
    marked_lines = {n for first, last in marked for n in range(first, last + 1)}
    lines = code.splitlines()
    shown = sorted({n for n in marked_lines if 1 <= n <= len(lines)})
    if not shown:
        return "<pre></pre>"
    out, previous = [], None
    for n in shown:
        if previous is not None and n > previous + 1:
            out.append("<span class='muted'>…</span>")
        out.append(f"<mark>{n:4d}  {_e(lines[n - 1])}</mark>")
        previous = n
    return "<pre>" + "\n".join(out) + "</pre>"


def write_report(out, db_url=None):
    """Write OUT/report.html from OUT's reports, grades.csv, logs, submitted files and gradebook; returns its
    path."""
    out = Path(out)
    students = read_class(out, db_url)
    codes, unread = similarity.read_codes(out)
    findings = similarity.find_similar(codes, similarity.TEMPLATE.read_text())
    findings = dataclasses.replace(findings, skipped={**unread, **findings.skipped})
    path = out / REPORT
    path.write_text(render(students, findings, codes), encoding="utf-8")
    return path


def main(args):
    out = Path(args.out)
    if not (out / "grades.csv").is_file():
        print(f"error: OUT: expected a folder graded by `python -m autograder grade` (with grades.csv), got {out}",
              file=sys.stderr)
        return 2
    try:
        course.check_db_url(args.db_url)
        print(write_report(out, args.db_url))
    except course.CourseError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    return 0
