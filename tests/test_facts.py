"""Each course fact lives in autograder/facts.py; what cannot import it repeats it, and is checked here."""
import ast
from pathlib import Path

from autograder import facts
from autograder.isolation import sandbox

GRADER = Path(facts.ROOT) / "autograder"


def test_the_sandbox_script_defaults_to_the_course_limits():
    defaults = {action.dest: action.default for action in sandbox.parser()._actions}
    assert defaults["memory_mb"] == facts.MEMORY_MB
    assert defaults["processes"] == facts.PROCESSES


def _constants(path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Constant) and not isinstance(node.value, bool):
            yield node.lineno, node.value


def test_no_module_of_the_grader_repeats_the_memory_limit_or_the_course_id():
    repeated = []
    for path in sorted(GRADER.rglob("*.py")):
        if path.name in ("facts.py", "sandbox.py") or "__pycache__" in path.parts:
            continue
        repeated += [f"{path.relative_to(GRADER)}:{line}: {value!r}" for line, value in _constants(path)
                     if value in (facts.MEMORY_MB, facts.COURSE_ID)]
    assert repeated == []


def test_the_nbgrader_config_takes_the_course_id_and_the_timeout_from_the_facts():
    from traitlets.config import Config
    config = Config()
    code = (GRADER / "nbgrader_config.py").read_text()
    exec(compile(code, "nbgrader_config.py", "exec"), {"get_config": lambda: config,
                                                      "__file__": str(GRADER / "nbgrader_config.py")})
    assert config.CourseDirectory.course_id == facts.COURSE_ID
    assert config.Execute.timeout == facts.CELL_TIMEOUT
    assert config.Autograde.exclude_overwriting == {facts.ASSIGNMENT: [facts.STUDENT_LAYERS]}
