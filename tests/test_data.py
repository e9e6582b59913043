import numpy as np
import pytest

from cs231n_style.data import CASES, make_case, random_case


@pytest.mark.parametrize("name", CASES)
def test_cases_are_seeded_fresh_and_consistent(name):
    a, b = make_case(name, seed=3), make_case(name, seed=3)
    N, D = a.x.shape
    assert a.gamma.shape == a.beta.shape == (D,) and a.dout.shape == (N, D)
    np.testing.assert_array_equal(a.x, b.x)
    assert a.x is not b.x and a.bn_param is not b.bn_param
    assert a.bn_param == {"mode": "train", "eps": 1e-5}
    assert not np.array_equal(make_case(name, seed=4).dout, a.dout)
    assert make_case(name, dtype=np.float32).x.dtype == np.float32


def test_edge_cases_are_what_they_say():
    assert make_case("batch_of_one").x.shape[0] == 1
    assert make_case("batch_of_two").x.shape[0] == 2
    assert make_case("single_feature").x.shape[1] == 1
    assert np.abs(make_case("large_values").x).min() > 9e5
    near = make_case("near_constant").x
    assert near[:, 1].var() < 1e-12 and near[:, 3].var() == 0


def test_bad_arguments():
    with pytest.raises(ValueError, match="^name: expected one of"):
        make_case("nope")
    with pytest.raises(ValueError, match="^dtype: "):
        make_case("gradcheck", dtype=np.int64)


def test_random_case_shape_and_scale():
    case = random_case(500, 3, seed=1, loc=10.0, scale=0.5)
    assert case.x.shape == (500, 3)
    assert np.all(np.abs(case.x.mean(axis=0) - 10) < 0.1) and np.all(np.abs(case.x.std(axis=0) - 0.5) < 0.1)


@pytest.mark.parametrize("N, D, argument", [(0, 3, "N"), (2, -1, "D"), (2.5, 3, "N")])
def test_random_case_rejects_bad_shapes(N, D, argument):
    with pytest.raises(ValueError, match=f"^{argument}: "):
        random_case(N, D)
