"""The set-up files agree with each other."""
import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(requirement):
    return re.split(r"[=<>!~\[ ;]", requirement, maxsplit=1)[0].strip().lower().replace("_", "-")


# Extras that environment.yml leaves out: installed on demand by their make target.
NOT_IN_CONDA = {"bench"}


def _pip_pins(extras_left_out=()):
    project = PYPROJECT["project"]
    extras = project["optional-dependencies"]
    requirements = project["dependencies"] + [r for name in extras if name not in extras_left_out for r in extras[name]]
    pins = {}
    for requirement in requirements:
        name, sep, version = requirement.partition("==")
        assert sep, f"{requirement}: pin it exactly with =="
        pins[_name(name)] = version.strip()
    return pins


def _conda_pins():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pins = {}
    for dep in env["dependencies"]:
        if isinstance(dep, dict):  # the pip subsection: pip's syntax
            for requirement in dep["pip"]:
                name, sep, version = requirement.partition("==")
                assert sep, f"environment.yml: {requirement}: pin it with =="
                pins[_name(name)] = version.strip()
        elif dep not in ("pip",) and not dep.startswith("python="):
            name, sep, version = dep.partition("=")
            assert sep, f"environment.yml: {dep}: pin it with ="
            pins[_name(name)] = version
    return pins


def test_environment_yml_has_the_same_pins_as_pyproject():
    assert _conda_pins() == _pip_pins(extras_left_out=NOT_IN_CONDA)


def test_environment_yml_python_satisfies_requires_python():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    python = next(d for d in env["dependencies"] if isinstance(d, str) and d.startswith("python="))
    minimum = PYPROJECT["project"]["requires-python"].removeprefix(">=")
    assert tuple(map(int, python.split("=")[1].split("."))) >= tuple(map(int, minimum.split(".")))


def test_constraints_pin_every_dependency_at_the_same_version():
    constraints = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            constraints[_name(name)] = version
    for name, version in _pip_pins().items():
        assert constraints.get(name) == version, f"constraints.txt: {name} should be {version}; run `make lock`"


def test_ci_runs_the_test_command_from_the_readme():
    readme = (ROOT / "README.md").read_text()
    assert "make test" in readme and "make demo" in readme
    ci = (ROOT / ".ci" / "run").read_text()
    assert re.search(r"^make test$", ci, re.M)
