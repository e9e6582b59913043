"""Generate every copy that the project keeps in two places, from its one authored source.

    python -m autograder.release           # write the generated files (what `make release` runs)
    python -m autograder.release --check   # list stale files and exit 1 if any

Authored:
- autograder/reference/layers.py: the solution of the student file layers.py;
- cs231n_style/*: the helpers students use but do not edit;
- source/batchnorm_backward/batchnorm_backward.ipynb: the nbgrader source notebook.
Generated from them:
- cs231n_style/layers.py: the student edition (solution regions become stubs);
- source/batchnorm_backward/cs231n_style/: the helpers, with the solution edition of layers.py;
- release/batchnorm_backward/: nbgrader's student version of the source, with the student layers.py
  (nbgrader strips solutions from notebooks only, so the .py is replaced here);
- assignment.ipynb: the release notebook, for self-learners at the repository root.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .editions import student_edition

ROOT = Path(__file__).resolve().parent.parent
ASSIGNMENT = "batchnorm_backward"
NOTEBOOK = f"{ASSIGNMENT}.ipynb"
SOLUTION_LAYERS = ROOT / "autograder" / "reference" / "layers.py"
NBGRADER_CONFIG = ROOT / "autograder" / "nbgrader_config.py"
STUDENT_LAYERS = "cs231n_style/layers.py"
SOURCE = f"source/{ASSIGNMENT}"
RELEASE = f"release/{ASSIGNMENT}"
# Directories whose every file is generated: files there that are not generated are stale.
GENERATED_DIRS = (f"{SOURCE}/cs231n_style", RELEASE)


def _helper_files():
    """The authored helper files of cs231n_style, {path inside the package: bytes}."""
    package = ROOT / "cs231n_style"
    files = {}
    for path in sorted(package.rglob("*.py")):
        rel = path.relative_to(package).as_posix()
        if rel != "layers.py" and "__pycache__" not in rel:
            files[rel] = path.read_bytes()
    return files


def student_layers():
    """The student edition of layers.py."""
    return student_edition(SOLUTION_LAYERS.read_text(), STUDENT_LAYERS).encode()


def _source_package():
    """{repository path: bytes} of the source assignment's cs231n_style folder."""
    files = {f"{SOURCE}/cs231n_style/{rel}": data for rel, data in _helper_files().items()}
    files[f"{SOURCE}/cs231n_style/layers.py"] = SOLUTION_LAYERS.read_bytes()
    return files


def _nbgrader_release(source_files):
    """Run nbgrader generate_assignment on the given source files; returns {path in release folder: bytes}."""
    with tempfile.TemporaryDirectory() as tmp:
        course = Path(tmp)
        for rel, data in source_files.items():
            path = course / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        shutil.copy(NBGRADER_CONFIG, course / "nbgrader_config.py")
        run = subprocess.run([sys.executable, "-m", "nbgrader", "generate_assignment", ASSIGNMENT, "--no-db",
                              "--force", "--log-level=WARN"], cwd=course, capture_output=True, text=True)
        if run.returncode != 0:
            raise RuntimeError(f"nbgrader generate_assignment failed:\n{run.stdout}\n{run.stderr}")
        release = course / RELEASE
        return {p.relative_to(release).as_posix(): p.read_bytes() for p in sorted(release.rglob("*")) if p.is_file()}


def generated_files():
    """{repository path: bytes} of every generated file."""
    files = {STUDENT_LAYERS: student_layers()}
    package = _source_package()
    files.update(package)
    notebook = (ROOT / SOURCE / NOTEBOOK).read_bytes()
    released = _nbgrader_release({**package, f"{SOURCE}/{NOTEBOOK}": notebook})
    released["cs231n_style/layers.py"] = student_layers()
    files.update({f"{RELEASE}/{rel}": data for rel, data in released.items()})
    files["assignment.ipynb"] = released[NOTEBOOK]
    return files


def _existing_generated_paths():
    paths = set()
    for folder in GENERATED_DIRS:
        for path in (ROOT / folder).rglob("*"):
            if path.is_file() and "__pycache__" not in path.parts:
                paths.add(path.relative_to(ROOT).as_posix())
    return paths


def stale_files(files=None):
    """Paths that differ from what would be generated, or that are left over from an earlier generation."""
    files = generated_files() if files is None else files
    stale = [rel for rel, data in files.items() if not (ROOT / rel).is_file() or (ROOT / rel).read_bytes() != data]
    stale += sorted(_existing_generated_paths() - set(files))
    return stale


def write_generated():
    """Write every generated file and remove left-over ones; returns the paths changed."""
    files = generated_files()
    changed = stale_files(files)
    for rel in changed:
        path = ROOT / rel
        if rel in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[rel])
        else:
            path.unlink()
    return changed


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder.release", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale generated files")
    args = parser.parse_args(argv)
    if args.check:
        stale = stale_files()
        for rel in stale:
            print(f"stale: {rel} (run `make release`)")
        return 1 if stale else 0
    changed = write_generated()
    for rel in changed:
        print(f"wrote {rel}")
    print(f"{len(changed)} generated file(s) changed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
