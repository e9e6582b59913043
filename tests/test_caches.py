"""What a grading worker keeps between students gives the same results as building it anew."""
import jinja2
import jsonschema
import nbformat
import pytest
from nbconvert import HTMLExporter
from nbconvert.exporters.templateexporter import TemplateExporter

from autograder import caches
from autograder.facts import NOTEBOOK, ROOT


def test_cached_schema_validation_accepts_and_rejects_as_jsonschema_does():
    schema = {"type": "object", "properties": {"points": {"type": "number"}}, "required": ["points"]}
    plain = jsonschema.validate
    try:
        caches._cache_schema_validators()
        for _ in range(2):  # the second time from the cached validator
            jsonschema.validate({"points": 3}, schema)
            for bad in ({"points": "three"}, {}):
                with pytest.raises(jsonschema.ValidationError) as cached:
                    jsonschema.validate(bad, schema)
                with pytest.raises(jsonschema.ValidationError) as original:
                    plain(bad, schema)
                assert cached.value.message == original.value.message
    finally:
        jsonschema.validate = plain


def test_feedback_html_from_kept_templates_is_the_html_of_fresh_ones(monkeypatch):
    nb = nbformat.read(ROOT / "source" / "batchnorm_backward" / NOTEBOOK, as_version=4)
    compiled = []
    compile_template = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda self, *args, **kwargs: compiled.append(1) or compile_template(self, *args, **kwargs))
    create = TemplateExporter._create_environment
    try:
        fresh = HTMLExporter().from_notebook_node(nb)[0]
        caches._cache_compiled_templates()
        first, kept = HTMLExporter(), HTMLExporter()
        assert first.from_notebook_node(nb)[0] == fresh
        compiled.clear()
        assert kept.from_notebook_node(nb)[0] == fresh
        assert not compiled  # every template came from the first exporter's compiled code
    finally:
        TemplateExporter._create_environment = create
