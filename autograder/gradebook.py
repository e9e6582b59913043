"""Reading and filling nbgrader's gradebook (SQLite in OUT, or --db-url): one reader for the grading command,
the class report and the export, so that all three give the scores as the gradebook holds them now (the points
of the inline answers included, once graded in formgrader)."""
from .facts import ASSIGNMENT, COURSE_ID


def read_scores(db_url, students=None):
    """{student: (score, max_score, {grade_id: (score, max_score, needs_manual)})} of `students` (default: every
    student of the gradebook); a student without a submission is left out."""
    from nbgrader.api import Gradebook, MissingEntry

    results = {}
    with Gradebook(db_url, COURSE_ID) as gradebook:
        for student in students if students is not None else [s.id for s in gradebook.students]:
            try:
                submission = gradebook.find_submission(ASSIGNMENT, student)
            except MissingEntry:
                continue
            grades = {}
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    grades[grade.name] = (grade.score, grade.max_score, grade.needs_manual_grade)
            results[student] = (submission.score, submission.max_score, grades)
    return results


def students_and_max_score(db_url):
    """([every student id of the gradebook], the assignment's max score)."""
    from nbgrader.api import Gradebook

    with Gradebook(db_url, COURSE_ID) as gradebook:
        return [s.id for s in gradebook.students], gradebook.find_assignment(ASSIGNMENT).max_score


def add_students(db_url, students):
    """Put students whose submission was refused in the gradebook, so that nbgrader's export lists them."""
    if not students:
        return
    from nbgrader.api import Gradebook

    with Gradebook(db_url, COURSE_ID) as gradebook:
        for student in students:
            gradebook.update_or_create_student(student)
