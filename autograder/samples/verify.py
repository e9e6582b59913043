"""Does a sample's grading match what its catalog entry expects?"""
from ..trusted.policy import LEAST_KEPT


def problems(sample, report, diagnosis, isolated=True, grouped=True):
    """The ways the graded `report` (reports/<student>.json) and `diagnosis` (grades.csv) miss the sample's Expect.

    isolated, grouped: whether the sandbox had its namespaces and its control group where it was graded.
    Returns a list of sentences; empty when grading gave what was expected.
    """
    expect = sample.expect
    if (expect.needs_isolation and not isolated) or (expect.needs_group and not grouped):
        return []
    found = []
    auto = [t for t in report["tests"] if not t["id"].startswith("answer_")]
    for test in auto:
        full, zero = test["points"] == test["max_points"], not test["points"]
        if expect.zero:
            if not zero:
                found.append(f"{test['id']} scored {test['points']}, expected 0")
        elif test["id"] in expect.lost:
            if full:
                found.append(f"{test['id']} scored full marks, expected fewer")
        elif test["id"] in expect.deducted:
            if not LEAST_KEPT * test["max_points"] <= (test["points"] or 0) < test["max_points"]:
                found.append(f"{test['id']} scored {test['points']} of {test['max_points']}, expected a deduction "
                             f"of the grading policy ({test['diagnosis']})")
        elif test["id"] not in expect.may_lose and not full:
            found.append(f"{test['id']} scored {test['points']} of {test['max_points']}, expected full marks "
                         f"({test['diagnosis']})")
    missing = set(expect.lost + expect.deducted) - {t["id"] for t in auto}
    found += [f"{test_id} is missing from the report" for test_id in sorted(missing)]
    if expect.diagnosis and expect.diagnosis not in diagnosis:
        found.append(f"diagnosis {diagnosis!r} does not mention {expect.diagnosis!r}")
    return found
