"""ARCHITECTURE.md stays honest: every file or folder it names exists (OUT/..., what grading writes, apart), and
it names every module of the trusted checks and of the isolation."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEXT = (ROOT / "ARCHITECTURE.md").read_text()
# `a/b.py`, `c/`, `d.ipynb`: a path; not a command (`python -m ...`) or a name (`THRESHOLD`)
PATH = re.compile(r"`([\w.\-]+/[\w./\-]*|[\w\-]+\.(?:py|md|ipynb|toml|yml))`")


def named_paths():
    return sorted({match.group(1) for match in PATH.finditer(TEXT)})


def test_every_path_it_names_exists():
    paths = named_paths()
    assert len(paths) > 30
    missing = [p for p in paths if not p.startswith("OUT/") and not (ROOT / p.rstrip("/")).exists()]
    assert missing == []


def test_it_names_every_module_of_the_trusted_checks_and_the_isolation():
    named = set(named_paths())
    for package in ("autograder/trusted", "autograder/isolation"):
        modules = {p.relative_to(ROOT).as_posix() for p in (ROOT / package).glob("*.py") if p.name != "__init__.py"}
        assert modules - named == set(), package


def test_the_path_pattern_tells_paths_from_commands_and_names():
    found = [m.group(1) for m in PATH.finditer("`a/b.py` `python -m x` `THRESHOLD` `c/` `facts.py`")]
    assert found == ["a/b.py", "c/", "facts.py"]
