"""Without a live kernel the explorer leaves a static grid of its figures.

A small notebook is executed with nbclient (as a kernel would run it) and
exported with nbconvert's HTMLExporter: where the notebook holds no widget
state (JupyterLab's default when saving), the export shows the text/html part
of the explorer's output — the six-panel figure as an <img>, the settings, and
the one problem line of unfinished code.
"""
import base64
import copy
import io
import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbconvert import HTMLExporter
from PIL import Image

from cs231n_style.explorer.dashboard import DPI, FIGSIZE
from cs231n_style.explorer.static import CSS_CLASS

ROOT = Path(__file__).resolve().parent.parent
IMG = re.compile(r'<img [^>]*src="data:image/png;base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def with_state():
    """The notebook executed as `jupyter nbconvert --execute` would: widget state kept in its metadata."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell("from cs231n_style.explorer import open_explorer"),
        nbformat.v4.new_code_cell('open_explorer(reference_module="autograder.reference", implementation="reference", '
                                  'eps=1e-2)'),
        nbformat.v4.new_code_cell("open_explorer()"),  # the student's stubs, not implemented yet
    ]
    NotebookClient(nb, timeout=180, kernel_name="python3", store_widget_state=True,
                   resources={"metadata": {"path": str(ROOT)}}).execute()
    return nb


@pytest.fixture(scope="module")
def executed(with_state):
    """The same notebook as JupyterLab saves it by default: without widget state."""
    nb = copy.deepcopy(with_state)
    del nb.metadata["widgets"]
    return nb


def test_each_explorer_output_has_the_widget_and_a_static_snapshot(executed):
    for cell in executed.cells[1:]:
        (output,) = cell.outputs
        assert output.output_type == "display_data"
        assert "application/vnd.jupyter.widget-view+json" in output.data
        assert CSS_CLASS in output.data["text/html"]


def test_html_export_shows_the_static_grid(executed):
    body, _ = HTMLExporter().from_notebook_node(executed)
    assert body.count(f'class="{CSS_CLASS}"') == 2
    assert "application/vnd.jupyter.widget-view+json" not in body  # no widget state: the fallback is shown
    images = IMG.findall(body)
    assert len(images) == 2
    for data in images:
        image = Image.open(io.BytesIO(base64.b64decode(data)))
        assert image.format == "PNG"
        assert image.size == (round(FIGSIZE[0] * DPI), round(FIGSIZE[1] * DPI))
    assert "ε = 1.0e-02" in body
    assert body.count("batchnorm_forward is not implemented yet — fill it in in cs231n_style/layers.py") == 1
    assert "Traceback" not in body


def test_with_widget_state_the_export_carries_the_figure_in_the_state(with_state):
    """nbconvert --execute keeps widget state: the exported page then shows the widget, image included."""
    nb = with_state
    body, _ = HTMLExporter().from_notebook_node(nb)
    state = nb.metadata["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]
    images = [model for model in state.values() if model["model_name"] == "ImageModel"]
    assert len(images) == 2
    for model in images:
        (buffer,) = [b for b in model.get("buffers", []) if b["path"] == ["value"]]
        assert base64.b64decode(buffer["data"]).startswith(b"\x89PNG")
    assert "application/vnd.jupyter.widget-state+json" in body and "application/vnd.jupyter.widget-view+json" in body
