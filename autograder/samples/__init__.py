"""Sample submissions with the grades they must get (see catalog.py), written out as a SUBMISSIONS folder."""
import shutil
from pathlib import Path

import nbformat

from ..facts import ASSIGNMENT, NOTEBOOK, ROOT
from .catalog import SAMPLES, Expect, Sample

__all__ = ["SAMPLES", "Expect", "Sample", "write_submission", "write_submissions"]


def write_submission(folder, layers_text):
    """Write a student folder at `folder`: a copy of the release with `layers_text` as its layers.py; returns it."""
    folder = Path(folder)
    shutil.copytree(ROOT / "release" / ASSIGNMENT, folder, ignore=shutil.ignore_patterns("__pycache__"))
    (folder / "cs231n_style" / "layers.py").write_text(layers_text)
    return folder


def write_submissions(target, samples=SAMPLES):
    """Write one student folder per sample into `target` (a copy of the release with the sample's edits)."""
    target = Path(target)
    target.mkdir(parents=True, exist_ok=True)
    for sample in samples:
        folder = write_submission(target / sample.name, sample.layers())
        if sample.notebook:
            nb = nbformat.read(folder / NOTEBOOK, as_version=4)
            sample.notebook(nb)
            nbformat.write(nb, folder / NOTEBOOK)
        if sample.files:
            sample.files(folder)
    return target
