"""What `make demo` runs: the reference math, checked numerically and timed."""
from cs231n_style.data import make_case
from cs231n_style.timing import compare_speed

from . import reference
from .reference.verify import verify_all, verify_published_sigma_eps


def print_reference_checks():
    """Print every reference gradient check; returns True if all passed."""
    print("Reference formulas against centered-difference numerical gradients (float64):")
    all_ok = True
    current = None
    for formula, case, check in verify_all():
        if (formula, case) != current:
            current = (formula, case)
            print(f"  {formula} on {case}")
        print(f"    {check}")
        all_ok &= check.ok
    published = verify_published_sigma_eps()
    print("  seed 001's published formula for x̂ = (x - μ)/(σ + ε), which divides by sqrt(σ + ε):")
    print(f"    {published}  <- caught by the gradient check, as it should be")
    return all_ok and not published.ok


def print_reference_timing(pairs=15):
    """Time the reference graph backward against the closed form on the 'timing' case."""
    case = make_case("timing")
    _, cache = reference.batchnorm_forward(case.x, case.gamma, case.beta, case.bn_param)
    result = compare_speed(reference.batchnorm_backward, reference.batchnorm_backward_alt, case.dout, cache,
                           names=("graph", "alt"), pairs=pairs)
    print(f"Reference timing on {case.shape[0]}x{case.shape[1]} float64: {result}")
    return result


def run():
    ok = print_reference_checks()
    print()
    print_reference_timing()
    return 0 if ok else 1
