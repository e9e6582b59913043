import sys

import pytest

from cs231n_style.stages import backward_stages, capture_locals


def test_capture_locals_returns_result_and_locals_at_return():
    def f(a):
        b = a + 1
        c = [b] * 2
        return c

    result, names = capture_locals(f, 3)
    assert result == [4, 4]
    assert names == {"a": 3, "b": 4, "c": [4, 4]}


def test_only_the_outer_functions_frame_is_captured():
    def inner():
        secret = 1
        return secret

    def outer():
        value = inner() + 1
        return value

    _, names = capture_locals(outer)
    assert names["value"] == 2
    assert "secret" not in names


def test_profiler_is_restored_even_on_error():
    def previous(frame, event, arg):
        return None

    sys.setprofile(previous)
    try:
        def broken():
            raise KeyError("boom")

        with pytest.raises(KeyError):
            capture_locals(broken)
        assert sys.getprofile() is previous
    finally:
        sys.setprofile(None)


def test_backward_stages_reports_only_the_stages_it_finds():
    def backward(dout, cache):
        dxhat = dout * 2
        dvar = 3
        return dxhat, "dg", "db"

    stages = backward_stages(backward, 1, None)
    assert stages == {"dxhat": 2, "dvar": 3, "dx": 2, "dgamma": "dg", "dbeta": "db"}


def test_a_stage_in_the_transposed_layout_or_with_keepdims_is_compared_as_the_reference_shape():
    import numpy as np

    from cs231n_style.stages import as_stage

    value = np.arange(20.0).reshape(4, 5)
    assert np.array_equal(as_stage(value.T, (4, 5)), value)  # a graph written with the batch along the columns
    assert as_stage(np.ones((1, 5)), (5,)).shape == (5,)
    assert as_stage(np.ones((3, 5)), (5,)).shape == (3, 5)  # another size: left to fail its check
