"""Grades for a learning management system, read from the gradebook as it is now.

    python -m autograder export OUT --format canvas|moodle|csv [--roster ROSTER.csv] [--output FILE]

The scores are the gradebook's at the time of the export, so the points of the
inline answers are in them once they have been graded in nbgrader's formgrader
(an answer still awaiting grading counts 0, and the command says how many do).

- csv: student_id (and lms_id from the roster), score, max_score, awaiting_manual
  (answers not graded yet), then the points of every graded cell, in the
  notebook's order.
- canvas: Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID,
  Section, then the assignment's column, with a "Points Possible" row first.
- moodle: Moodle's grade import (CSV): Username, Email address, ID number, then
  the grade item's column; map one of the first three to the user on import.

ROSTER is a CSV file whose `student_id` column holds the ids graded here; its
other columns give the LMS's: name, canvas_id, sis_user_id, sis_login_id,
section (Canvas), username, email, idnumber (Moodle), lms_id (csv). Without a
roster the student id stands in for the SIS login id (Canvas) and the username
(Moodle). Students of the gradebook missing from a given roster are left out,
and named.
"""
import csv
import sys
from pathlib import Path

from . import course, gradebook
from .facts import ASSIGNMENT, SOURCE
from .nbgrader_cells import graded_cells

FORMATS = ("canvas", "moodle", "csv")
ROSTER_COLUMNS = {"canvas": ("name", "canvas_id", "sis_user_id", "sis_login_id", "section"),
                  "moodle": ("username", "email", "idnumber"), "csv": ("lms_id",)}
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet would read as a formula


class ExportError(ValueError):
    pass


def read_grades(db_url):
    """{student id: (score, max score, {grade id: points, or None while awaiting manual grading}, answers awaiting
    manual grading)}: every student of the gradebook; one without a submission scores 0."""
    students, max_score = gradebook.students_and_max_score(db_url)
    scores = gradebook.read_scores(db_url, students)
    grades = {}
    for student in students:
        score, top, cells = scores.get(student, (0.0, max_score, {}))
        grades[student] = (float(score), float(top), {name: None if manual else points
                                                      for name, (points, _, manual) in cells.items()},
                           sum(manual for _, _, manual in cells.values()))
    return grades


def read_roster(path, fmt):
    """{student id: {column: value}} of a roster CSV; raises ExportError naming what is wrong."""
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            rows = list(csv.DictReader(f))
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise ExportError(f"--roster: cannot read {path}: {error}") from None
    if not rows or "student_id" not in rows[0]:
        raise ExportError(f"--roster: expected a CSV file with a header naming student_id and any of "
                          f"{', '.join(ROSTER_COLUMNS[fmt])}, got {path}")
    roster = {}
    for row in rows:
        student = (row.get("student_id") or "").strip()
        if student in roster:
            raise ExportError(f"--roster: student_id {student!r} appears twice in {path}")
        if student:
            roster[student] = {key: (value or "").strip() for key, value in row.items() if key}
    return roster


def cell(value):
    """A CSV cell that no spreadsheet runs as a formula: text starting with = + - @ gets a leading '."""
    text = f"{value:g}" if isinstance(value, float) else str(value)
    if text.startswith(FORMULA_START) and not _is_number(text):
        return "'" + text
    return text


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def rows(fmt, grades, roster, cells, column):
    """The file's rows (header first) for `fmt`."""
    def lms(student, key, default=""):
        return (roster or {}).get(student, {}).get(key) or default

    students = [s for s in sorted(grades) if roster is None or s in roster]
    max_score = max([g[1] for g in grades.values()] + [0.0])
    if fmt == "csv":
        table = [["student_id"] + (["lms_id"] if roster is not None else [])
                 + ["score", "max_score", "awaiting_manual"] + cells]
        for s in students:
            score, top, points, waiting = grades[s]
            table.append([s] + ([lms(s, "lms_id")] if roster is not None else []) + [score, top, waiting]
                         + ["" if points.get(c) is None else float(points[c]) for c in cells])
        return table
    if fmt == "canvas":
        table = [["Student", "ID", "SIS User ID", "SIS Login ID", "Section", column],
                 ["Points Possible", "", "", "", "", max_score]]
        for s in students:
            table.append([lms(s, "name", s), lms(s, "canvas_id"), lms(s, "sis_user_id"),
                          lms(s, "sis_login_id", "" if roster is not None else s), lms(s, "section"), grades[s][0]])
        return table
    table = [["Username", "Email address", "ID number", column]]
    for s in students:
        table.append([lms(s, "username", "" if roster is not None else s), lms(s, "email"), lms(s, "idnumber"),
                      grades[s][0]])
    return table


def export(out, fmt, roster_path=None, output=None, db_url=None, column=None):
    """Write the export of OUT's gradebook; returns (its path, students written, [students left out], answers
    still awaiting manual grading)."""
    if fmt not in FORMATS:
        raise ExportError(f"--format: expected one of {', '.join(FORMATS)}, got {fmt!r}")
    out = Path(out)
    if db_url is None and not (out / "gradebook.db").is_file():
        raise ExportError(f"OUT: expected a folder graded by `python -m autograder grade` (with gradebook.db), "
                          f"got {out}; or give --db-url")
    course.check_db_url(db_url)
    grades = read_grades(course.gradebook_url(out, db_url))
    roster = read_roster(roster_path, fmt) if roster_path else None
    source = out / SOURCE / f"{ASSIGNMENT}.ipynb"
    cells = [grade_id for grade_id, _, _ in graded_cells(source)] if source.is_file() else sorted(
        {c for g in grades.values() for c in g[2]})
    table = rows(fmt, grades, roster, cells, column or ASSIGNMENT)
    path = Path(output) if output else out / "export" / f"{fmt}.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([[cell(value) for value in row] for row in table])
    left_out = sorted(set(grades) - set(roster)) if roster is not None else []
    waiting = sum(grades[s][3] for s in grades if s not in left_out)
    return path, len(table) - (2 if fmt == "canvas" else 1), left_out, waiting


def main(args):
    try:
        path, written, left_out, waiting = export(args.out, args.format, args.roster, args.output, args.db_url,
                                                  args.column)
    except (ExportError, course.CourseError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{path}: {written} student(s), {args.format} layout")
    if left_out:
        print(f"warning: {len(left_out)} student(s) of the gradebook are not in the roster and were left out: "
              f"{', '.join(left_out[:20])}{' ...' if len(left_out) > 20 else ''}", file=sys.stderr)
    if waiting:
        print(f"note: {waiting} answer(s) still await manual grading (nbgrader formgrader) and count 0 for now",
              file=sys.stderr)
    return 0
