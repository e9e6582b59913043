"""copydetect's filtered code, made fast (autograder/filtered_code.py on autograder/python_lexer.py's tokens), is
copydetect's own: the same text and offsets as copydetect.utils.filter_code and the same tokens as pygments, on
every sample layers.py, a generated class, tricky Python and hypothesis' text; text the faster lexer fails on is
filtered by copydetect."""
import json
import random
import types

import numpy as np
import pytest
from copydetect import utils as copydetect_utils
from hypothesis import given, settings
from hypothesis import strategies as st
from pygments.lexers.python import PythonLexer as PygmentsLexer

from autograder import filtered_code, similarity
from autograder.bench import similarity as bench
from autograder.bench.diagnosis import WRITTEN_APART
from autograder.python_lexer import PythonLexer
from autograder.samples.catalog import SAMPLES
from autograder.samples.corpus import CORRECT, BUGGY
from autograder.samples.edit import solution_text, student_text

TRICKY = [
    "", "\n\n\n", "   ", "x", "\\", "x = \\", "\ufeffx = 1\n", "x = 1\r\ny = 2\r", "\tif x:\n\t\treturn y\n  \t z\x0c",
    # f-strings and t-strings: conversions, specs, debug, nested quotes and braces, escapes, raw, unterminated
    'f"{x!r:>{width}} {y=} {{not}} {z:{a}.{b}f}"', "f'{a[\"k\"]}' rf\"\\d{x}\" fr'{x}\\n' F\"\"\"a\n{b}\nc\"\"\"",
    "f\"{f'{x}'}\" f'{x}' t\"{x}\" T'{y!s}' Rb'x' f\"{x:\n}\"", 'f"{x', 'f"{', "f'{" * 20 + "x" + "}'" * 20, "f'{(x[1]}'",
    # strings of every kind, with escapes, formats and quotes inside
    "\"it's\" 'say \"hi\"' \"\"\"a \"b\" 'c'\"\"\" '''x''' \"\\\"e\\\"\" r\"\\\"\" b'\\x00\\xff' rb\"r\" u\"u\" BR'x'",
    "'\\N{BULLET} \\u00e9 \\U0001F600 \\777 \\q' \"%s %(name)-5.2f %%\" % x \"{} {0} {name!r:>3}\".format(1)",
    'x = "abc', "x = '''abc", "'''", '"""\n', "b'\\", 'x = "a\\\nb"', "'a\nb'", '"""doc"""\n  r"""raw doc"""',
    # names: unicode identifiers, builtins, magic names, attributes, keywords as attributes
    "café = 1\n变量 = 2\nℌ = 3\ne\u0301 = 4\nx·y = 5\nΩ", "print(len(x)); x.print; x.self; self.x; cls",
    "def __init__(self): return self.__class__.__name__\nif __name__ == '__main__': pass", "x.__init__; None.x",
    "class A(B): pass\nclass\\\n  C: pass\nclass", "def \\\n f(): pass\ndef\n\ng\ndef", "@decorator\ndef f(): a @ b @",
    # imports, soft keywords, numbers, junk and invalid syntax
    "import a.b as c, d\nfrom . import (a,\n b)\nfrom .x import y as z\nraise X from None\nimport\nfrom",
    "match x:\n    case [a, _]:\n        pass\n    case _:\n        pass\nmatch = 1\ncase(x)\nmatch x, y:\n  case {'k': _, **r}:",
    "1_000.5e-3j 0x_FF 0o17 0b1_0 1. .5 1e5 1__2 0xZ 09 1j 1.e2", "#!/usr/bin/env python\n# only a comment\n#",
    "def (:\nx = = 1\nreturn )))\n$ ? ` ! \x7f \x01", "(" * 300 + ")" * 299, "[" * 500, "x" * 5000,
    "lambda: (yield)\nasync for x in y: await z\nnonlocal q; global w; del e; assert r, 't'",
    bytes(range(1, 256)).decode("latin-1"), "if x:\n\tpass\n        pass\n  pass",
    " ".join(chr(0x4E00 + i) for i in range(5000)) + "'" + "".join(map(chr, range(0x1F300, 0x1F300 + 5000))),  # more
    # characters than the lexer remembers
]


@pytest.fixture(autouse=True)
def no_fallback(monkeypatch):
    """copydetect's filter_code is not used by filtered_code (so that what is compared is the faster path)."""
    def fails(*args, **kwargs):
        raise AssertionError("filtered_code fell back on copydetect's filter_code")
    monkeypatch.setattr(filtered_code, "copydetect_utils", types.SimpleNamespace(filter_code=fails))


def assert_same_as_copydetect(text):
    expected_code, expected_offsets = copydetect_utils.filter_code(text, "layers.py", "python")
    code, offsets = filtered_code.filter_code(text)
    assert code == expected_code
    assert offsets.dtype == expected_offsets.dtype and offsets.shape == expected_offsets.shape
    assert np.array_equal(offsets, expected_offsets)


def sample_texts():
    """Every sample layers.py of autograder/samples, and every function the benchmark's class is drawn from."""
    texts = [sample.layers() for sample in SAMPLES] + [variant.text() for variant in CORRECT + BUGGY]
    texts += [entry["source"] for entries in json.loads(WRITTEN_APART.read_text()).values()
              for entry in entries.values()]
    texts += [source for sources in bench.function_sources().values() for source in sources]
    return texts + [solution_text(), student_text(), similarity.TEMPLATE.read_text()]


def test_every_sample_is_filtered_as_copydetect_filters_it():
    texts = sample_texts()
    assert len(texts) > 150
    for text in texts:
        assert_same_as_copydetect(text)


def test_a_generated_class_is_filtered_as_copydetect_filters_it():
    rng = random.Random(5)
    codes, _ = bench.generate(40, rng)
    bench.plant_copy(codes, rng)
    own = similarity._OwnLines(similarity.TEMPLATE.read_text())
    for text in codes.values():
        assert_same_as_copydetect(text)
        lines = text.split("\n")
        assert_same_as_copydetect(similarity._own_code([lines[number] for number in own(lines)]))  # what is compared


@pytest.mark.parametrize("text", TRICKY)
def test_tricky_python_is_filtered_and_tokenized_as_copydetect_and_pygments_do(text):
    assert_same_as_copydetect(text)
    assert list(PythonLexer().get_tokens(text)) == list(PygmentsLexer().get_tokens(text))


PYTHONISH = list("abcfrtuFRBN_xyz019 \t\n\r\\'\"#{}[]():=!.,@%*+-<>|&^~;$?`é变\u0301\ufeff\x0c") + [
    "def ", "class ", "import ", "from ", "as ", "match ", "case ", "None", "self", "print", "__init__", "lambda",
    '"""', "'''", "f'", 'rb"', "\\N{", "{{", "}}", "!r", "  ", "\n    ", "yield from", "0x", "1e", "\\\n"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PYTHONISH + TRICKY[:40]), max_size=60).map("".join))
def test_python_like_text_is_filtered_and_tokenized_as_copydetect_and_pygments_do(text):
    assert_same_as_copydetect(text)
    assert list(PythonLexer().get_tokens(text)) == list(PygmentsLexer().get_tokens(text))


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=400), st.binary(max_size=400).map(lambda data: data.decode("latin-1"))))
def test_any_text_is_filtered_as_copydetect_filters_it(text):
    assert_same_as_copydetect(text)


def test_text_the_faster_lexer_fails_on_is_filtered_by_copydetect(monkeypatch):
    monkeypatch.setattr(filtered_code, "copydetect_utils", copydetect_utils)

    def fails(self, text, stack=("root",)):
        raise RecursionError
        yield

    monkeypatch.setattr(PythonLexer, "get_tokens_unprocessed", fails)
    text = solution_text()
    assert_same_as_copydetect(text)
    findings = similarity.find_similar({"a": text, "b": text, "c": student_text()}, similarity.TEMPLATE.read_text())
    assert [(pair.a, pair.b) for pair in findings.pairs] == [("a", "b")] and findings.skipped == {}


def test_the_similarities_are_those_of_copydetects_filtering(monkeypatch):
    rng = random.Random(7)
    codes, _ = bench.generate(30, rng)
    bench.plant_copy(codes, rng)
    template = similarity.TEMPLATE.read_text()
    fast = similarity.find_similar(codes, template, threshold=0.05)
    monkeypatch.setattr(similarity, "filter_code", lambda text, name: copydetect_utils.filter_code(text, name, "python"))
    assert similarity.find_similar(codes, template, threshold=0.05) == fast
    assert len(fast.pairs) >= 10
