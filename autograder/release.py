"""Generate every copy that the project keeps in two places, from its one authored source.

    python -m autograder.release           # write the generated files (what `make release` runs)
    python -m autograder.release --check   # list stale committed files and exit 1 if any

Authored:
- autograder/reference/layers.py: the solution of the student file layers.py;
- cs231n_style/*: the helpers students use but do not edit;
- source/batchnorm_backward/batchnorm_backward.ipynb: the nbgrader source notebook.
Generated from them and committed, because the repository's users need them as they are
(.gitattributes marks them linguist-generated):
- cs231n_style/layers.py: the student edition (solution regions become stubs; nbgrader strips
  solutions from notebooks only);
- assignment.ipynb: nbgrader's student version of the source notebook, for self-learners at the
  repository root.
- release/batchnorm_backward/: nbgrader's student version of the source is exactly those two and
  the helpers, so the folder students receive holds two links, batchnorm_backward.ipynb to
  ../../assignment.ipynb and cs231n_style to ../../cs231n_style (a copy of it, for handing out,
  follows them: `cp -rL`, `zip -r`, nbgrader's release_assignment).
Assembled, never committed (.gitignore):
- source/batchnorm_backward/cs231n_style/: the helpers with the solution edition of layers.py,
  which the source notebook imports. `make release` writes it for an instructor who opens the
  source notebook in place; grading (course.prepare) and the tests assemble their own copy
  (assemble_source), so a stale one here is never graded with.
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from .editions import student_edition
from .facts import ASSIGNMENT, NOTEBOOK, RELEASE, ROOT, SOLUTION_LAYERS, SOURCE, STUDENT_LAYERS

NBGRADER_CONFIG = ROOT / "autograder" / "nbgrader_config.py"
# nbgrader's student version of the source is the root's notebook and package, to the byte (generated_files
# checks): the release folder links to them instead of holding a second copy.
RELEASE_LINKS = {f"{RELEASE}/{NOTEBOOK}": "../../assignment.ipynb", f"{RELEASE}/cs231n_style": "../../cs231n_style"}
SOURCE_PACKAGE = f"{SOURCE}/cs231n_style"  # assembled, never committed


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
    """{path inside the source assignment folder: bytes} of its cs231n_style folder."""
    files = {f"cs231n_style/{rel}": data for rel, data in _helper_files().items()}
    files["cs231n_style/layers.py"] = SOLUTION_LAYERS.read_bytes()
    return files


def assemble_source(target):
    """Write the source assignment into the folder `target`: the source notebook, and cs231n_style with the
    solution's layers.py. Files of an earlier assembly that are no longer generated are removed."""
    target = Path(target)
    files = {NOTEBOOK: (ROOT / SOURCE / NOTEBOOK).read_bytes(), **_source_package()}
    changed = _write_tree(target, files, target / "cs231n_style")
    return [f"{target}/{rel}" for rel in changed]


def _write_tree(target, files, owned):
    """Write {path under target: bytes}; remove files under `owned` that are not among them. Returns the paths
    (under target) written or removed."""
    changed = []
    for rel, data in files.items():
        path = target / rel
        if not path.is_file() or path.read_bytes() != data:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            changed.append(rel)
    if owned.is_dir():
        for path in sorted(owned.rglob("*")):
            rel = path.relative_to(target).as_posix()
            if path.is_file() and "__pycache__" not in path.parts and rel not in files:
                path.unlink()
                changed.append(rel)
    return changed


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
    """{repository path: bytes} of every generated file that is committed (RELEASE_LINKS apart)."""
    source = {f"{SOURCE}/{rel}": data for rel, data in _source_package().items()}
    source[f"{SOURCE}/{NOTEBOOK}"] = (ROOT / SOURCE / NOTEBOOK).read_bytes()
    released = _nbgrader_release(source)
    helpers = {f"cs231n_style/{rel}": data for rel, data in _helper_files().items()}
    files = {STUDENT_LAYERS: student_layers(), "assignment.ipynb": released.pop(NOTEBOOK)}
    released.pop(STUDENT_LAYERS)  # the solution, which nbgrader copies as it is: the student edition replaces it
    for rel, data in released.items():  # the rest is the helpers, which the root's cs231n_style holds already
        if helpers.get(rel) != data:
            raise RuntimeError(f"nbgrader's student version has {rel}, which is not a helper of cs231n_style/: "
                               "the release folder's links would not show it")
    return files


def _link_problems():
    """The release folder's entries that are not RELEASE_LINKS, each as a repository path."""
    folder = ROOT / RELEASE
    problems = [rel for rel, target in RELEASE_LINKS.items()
                if not (ROOT / rel).is_symlink() or os.readlink(ROOT / rel) != target]
    if folder.is_dir():
        problems += sorted(f"{RELEASE}/{p.name}" for p in folder.iterdir() if f"{RELEASE}/{p.name}" not in RELEASE_LINKS)
    return problems


def stale_files(files=None):
    """Paths that differ from what would be generated, or that are left over from an earlier generation."""
    files = generated_files() if files is None else files
    stale = [rel for rel, data in files.items() if not (ROOT / rel).is_file() or (ROOT / rel).read_bytes() != data]
    return stale + _link_problems()


def write_generated():
    """Write every generated file, the release folder's links and the assembled source package, and remove
    left-over ones; returns the repository paths changed."""
    files = generated_files()
    changed = stale_files(files)
    for rel in changed:
        path = ROOT / rel
        if rel in files:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(files[rel])
        else:  # a release folder entry: whatever is there makes way for its link, or goes
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()
            if rel in RELEASE_LINKS:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.symlink_to(RELEASE_LINKS[rel])
    package = _write_tree(ROOT / SOURCE, _source_package(), ROOT / SOURCE_PACKAGE)
    return changed + [f"{SOURCE}/{rel}" for rel in package]


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
