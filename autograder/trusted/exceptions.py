"""Name the likely mistake behind an exception a student's function raised, from numpy's message.

    operands could not be broadcast together with shapes (4,5) (4,)
        -> an array of shape (4,), one number per row of the batch: a sum or mean over axis=1 where axis=0 ...

Each function takes the error's text (cs231n_style/errors.py's line) and returns a sentence or None.
"""
import re

_SHAPE = re.compile(r"\(([\d,\s]*)\)")


def _shapes(text):
    return [tuple(int(n) for n in group.replace(" ", "").split(",") if n) for group in _SHAPE.findall(text)]


def _broadcast(text):
    if "could not be broadcast" not in text:
        return None
    shapes = _shapes(text.split("shapes", 1)[-1].split(" at line ", 1)[0])
    matrices = [s for s in shapes if len(s) == 2 and s[0] != s[1]]
    if text.startswith("layernorm_"):  # its statistics are each row's: the (N,) arrays are right but for keepdims
        for rows, columns in matrices:
            if (rows,) in shapes:
                return (f"an array of shape ({rows},), one number per row, meets one of shape ({rows}, {columns}): "
                        "keep each row's mean and variance a column, with keepdims=True (or [:, None]), so that "
                        "they broadcast across the row's features")
        return None
    for rows, columns in matrices:
        if (rows,) in shapes and columns > 1:
            return (f"an array of shape ({rows},), one number per row of the batch, meets one of shape ({rows}, "
                    f"{columns}): a sum or mean over axis=1 (each row) where axis=0 (over the batch) belongs?")
        if (columns, rows) in shapes:
            return (f"a ({columns}, {rows}) array meets a ({rows}, {columns}) one: a transpose (.T) too many or "
                    "too few, or np.dot's arguments in the wrong order?")
    vectors = [s for s in shapes if len(s) == 1]
    if len(vectors) == 2 and vectors[0] != vectors[1] and not matrices:
        (a,), (b,) = vectors
        return (f"a ({a},) array meets a ({b},) one: one of them is a sum or mean over the other axis (axis=1, "
                "each row, where axis=0, over the batch, belongs?)")
    return None


def _not_aligned(text):
    found = re.search(r"shapes \((\d+),\s*(\d+)\) and \((\d+),\s*(\d+)\) not aligned", text)
    if not found:
        return None
    a, b, c, d = (int(n) for n in found.groups())
    if (a, b) == (c, d):
        return (f"np.dot of two ({a}, {b}) arrays: np.dot is a matrix product; an entry-by-entry product is "
                "written with *, and a sum over the batch of one is np.dot(a.T, b) or (a * b).sum(axis=0)")
    return None


def _layernorm_param(text):
    found = re.match(r"layernorm_forward raised KeyError: '(\w+)'", text)
    if not found:
        return None
    if found.group(1) == "eps":
        return "ln_param may be empty ({}): read eps with ln_param.get('eps', 1e-5)"
    return (f"layer norm needs no {found.group(1)!r}: it has no train and test modes and no running averages, "
            "and ln_param may be empty ({}); normalize every row with its own statistics")


def explain(text):
    """The likely mistake behind a raised exception's one-line text, or None."""
    for explainer in (_broadcast, _not_aligned, _layernorm_param):
        found = explainer(str(text))
        if found:
            return found
    return None
