"""python -m autograder.bench diagnosis: the corpus is graded as the issue's bar asks, and --folder works."""
import io
import json

from autograder.bench import diagnosis
from autograder.samples.corpus import BUGGY, CORRECT, STYLES


def test_the_corpus_is_graded_fairly_and_its_mistakes_named():
    out = io.StringIO()
    shares = diagnosis.measure(show=True, out=out)
    assert len(CORRECT) >= 10 and len(BUGGY) >= 40
    assert shares["correct at full marks"] == 1.0, out.getvalue()
    assert shares["buggy losing points"] == 1.0, out.getvalue()
    assert shares["buggy with the mistake named"] >= 0.9, out.getvalue()
    assert shares["buggy blaming a function without the mistake"] == 0.0, out.getvalue()


def test_every_variant_is_one_real_edit_of_its_style():
    names = [v.name for v in CORRECT + BUGGY]
    assert len(names) == len(set(names))
    for variant in BUGGY:
        assert variant.function and variant.names and variant.text() != STYLES[variant.style](), variant.name
    assert len({v.style for v in CORRECT}) == len(STYLES)


def test_a_folder_of_submissions_is_judged_with_its_labels(tmp_path):
    right = "import numpy as np\n\n\ndef batchnorm_backward_alt(dout, cache):\n    return batchnorm_backward(dout, cache)\n"
    (tmp_path / "ok.py").write_text(right.replace("return batchnorm_backward(dout, cache)",
                                                  "dx, dgamma, dbeta = batchnorm_backward(dout, cache)\n"
                                                  "    return dx, dgamma, dbeta"))
    (tmp_path / "bug.py").write_text(right.replace("return batchnorm_backward(dout, cache)",
                                                   "dx, dgamma, dbeta = batchnorm_backward(dout, cache)\n"
                                                   "    return -dx, dgamma, dbeta"))
    (tmp_path / "labels.json").write_text(json.dumps({
        "ok.py": {"function": "", "mistake": ""},
        "bug.py": {"function": "batchnorm_backward_alt", "mistake": "the sign of dx"}}))
    out = io.StringIO()
    shares = diagnosis.measure(diagnosis.from_folder(tmp_path), show=True, out=out)
    assert shares["buggy losing points"] == 1.0 and shares["buggy with the mistake named"] == 1.0, out.getvalue()
    assert "(the mistake: the sign of dx)" in out.getvalue() and "wrong sign" in out.getvalue()


def test_the_sets_written_apart_stay_graded_as_measured():
    for which in ("first", "second", "third"):
        out = io.StringIO()
        shares = diagnosis.measure(diagnosis.written_apart(which), show=True, out=out)
        assert shares["correct at full marks"] == 1.0 and shares["buggy losing points"] == 1.0, out.getvalue()
        assert shares["buggy with the mistake named"] >= 0.9, out.getvalue()
        assert shares["buggy blaming a function without the mistake"] == 0.0, out.getvalue()
