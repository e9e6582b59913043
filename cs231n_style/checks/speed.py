"""The timing cell: how much faster the student's closed form is than their graph version."""
from ..data import random_case
from ..timing import compare_speed
from .report import call_student, running_student_code, student_function, unpack


def time_alt_vs_graph(layers, N=1024, D=256, pairs=15):
    """Time batchnorm_backward against batchnorm_backward_alt on one cache; prints and returns the comparison."""
    case = random_case(N, D, seed=0, loc=12.0, scale=5.0)
    _, cache = unpack("batchnorm_forward", call_student(layers, "batchnorm_forward", case.x, case.gamma, case.beta,
                                                        dict(case.bn_param)), 2, "out, cache")
    graph = student_function(layers, "batchnorm_backward")
    alt = student_function(layers, "batchnorm_backward_alt")
    with running_student_code("batchnorm_backward"):
        graph(case.dout, cache)
    with running_student_code("batchnorm_backward_alt"):
        alt(case.dout, cache)
    result = compare_speed(graph, alt, case.dout, cache, names=("your graph version", "your closed form"), pairs=pairs)
    print(f"On a {N}x{D} float64 batch: {result}")
    return result
