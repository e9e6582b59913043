"""Explain a wrong array from its structure, for mistakes that no catalogue lists.

The catalogue (mistakes.py) names a wrong answer that matches one known
variant exactly. A student's slip is often a variant nobody wrote down, or two at
once, so here the wrong array is fitted, feature by feature, with the pieces the
right formula is made of, and the piece whose coefficient is off is named:

- dx: the three terms of the closed form (eq. (4) of the notes),

      dx = g/s - mean(g)/s - x̂·mean(g·x̂)/s,   g = gamma·dout, s = sqrt(var + eps),

  the direct, mean and variance terms, each with coefficient 1, and the term a closed
  form that keeps only the Jacobian's diagonal adds (-g·x̂²/(N·s), coefficient 0).
  "the mean term is N = 16 times too large (a missing 1/N)".
- out in train mode: out = p·x̂ + q per feature, p = gamma, q = beta; p names the
  normalization (eps outside the square root, no square root, N - 1, ...) and gamma,
  q names beta and the mean.
- out in test mode: out = p·x + q per feature, from the running averages.
- the running averages: a·running + b·statistic, a = momentum, b = 1 - momentum,
  and which statistic of the batch was averaged.
- dgamma and dbeta: the right ones times a per-feature factor (sqrt(var + eps), gamma, ...).

Each function returns a sentence, or None where the array is not explained this way
(the comparison's own message then stands). All inputs are float64-convertible arrays:
x (N, D), gamma, beta (D,), dout (N, D); the student's array has the reference's shape.
"""
import numpy as np

FIT = {np.dtype(np.float64): 1e-7, np.dtype(np.float32): 2e-3}  # relative residual of an exact fit
MATCH = {np.dtype(np.float64): 1e-8, np.dtype(np.float32): 2e-3}  # how close a coefficient must be to its name


def _tolerances(student):
    dtype = np.dtype(student.dtype)
    dtype = dtype if dtype in FIT else np.dtype(np.float32 if dtype.itemsize < 8 else np.float64)
    return FIT[dtype], MATCH[dtype]


def _stats(x, eps):
    mean, var = x.mean(axis=0), x.var(axis=0)
    s = np.sqrt(var + eps)
    return mean, var, s, (x - mean) / s


def _fit(columns, target, fit):
    """Least-squares coefficients (terms, D) of target (N, D) on columns [(N, D)...], or None if not exact."""
    N, D = target.shape
    coefficients = np.empty((len(columns), D))
    for j in range(D):
        basis = np.stack([c[:, j] for c in columns], axis=1)
        solution, *_ = np.linalg.lstsq(basis, target[:, j], rcond=None)
        residual = np.linalg.norm(basis @ solution - target[:, j])
        if residual > fit * max(np.linalg.norm(target[:, j]), np.linalg.norm(basis, axis=0).max()):
            return None
        coefficients[:, j] = solution
    return coefficients


def _close(a, b, match):
    return np.all(np.abs(np.asarray(a) - b) <= match * np.maximum(1.0, np.abs(b)))


def _factor_words(k, N, match):
    """Words for a factor k (one number) that should be 1; None for 1 or a factor with no name."""
    named = [(0.0, "missing"), (-1.0, "of the wrong sign"),
             (float(N), f"N = {N} times too large (a missing 1/N)"),
             (1.0 / N, f"N = {N} times too small (an extra 1/N)"),
             (2.0, "twice too large"), (0.5, "half as large as it should be (a missing factor 2)"),
             (-2.0, "twice too large and of the wrong sign"), (-0.5, "half as large and of the wrong sign")]
    if N > 1:
        named += [(N / (N - 1), "N/(N - 1) times too large (N - 1 where N belongs)"),
                  ((N - 1) / N, "(N - 1)/N of what it should be")]
    for value, words in named:
        if _close(k, value, match):
            return words
    return None


def _zero(row, match):
    return bool(np.all(np.abs(row) <= match))


def _constant(row, match):
    return np.ptp(row) <= match * np.abs(row).max()


FACTORS = (("", lambda s, gamma: np.ones_like(s)),
           ("multiplied by sqrt(var + eps) (a division by it missing)", lambda s, gamma: s),
           ("divided by sqrt(var + eps) once too often", lambda s, gamma: 1 / s),
           ("divided by var + eps where sqrt(var + eps) belongs", lambda s, gamma: 1 / s ** 2),
           ("multiplied by var + eps (sqrt(var + eps) where its inverse belongs, say)", lambda s, gamma: s ** 2),
           ("without gamma (dout where gamma * dout belongs)", lambda s, gamma: 1 / gamma),
           ("multiplied by gamma once more than it should be", lambda s, gamma: gamma))


def _common_factor(k, N, s, gamma, match):
    """(words, constants): a per-feature factor of FACTORS shared by the rows of k (terms, D) that leaves each
    row constant across features, and those constants (terms,). The first whose constants all have a name
    (or are 1) wins, else the first that leaves the rows constant; None if none does."""
    found = None
    zero = [_zero(row, match) for row in k]  # a missing term: zero whatever the factor
    with np.errstate(divide="ignore", invalid="ignore"):
        for words, factor in FACTORS:
            f = factor(s, gamma)
            if all(zero) and words:
                break
            if not (np.all(np.isfinite(f)) and np.all(f != 0)) or \
                    not all(z or _constant(row / f, match) for z, row in zip(zero, k)):
                continue
            constants = np.array([0.0 if z else float((row / f).mean()) for z, row in zip(zero, k)])
            if all(_close(c, 1.0, match) or _factor_words(c, N, match) for c in constants):
                return words, constants
            found = found or (words, constants)
    return found


def dx(student, x, gamma, dout, eps):
    """Name the term of the closed form that a wrong dx (N, D) gets wrong, or None."""
    student, (x, gamma, dout) = np.asarray(student), (np.asarray(a, np.float64) for a in (x, gamma, dout))
    N, D = x.shape
    if N < 6:  # four terms need more rows than that to tell a fit from a coincidence
        return None
    fit, match = _tolerances(student)
    _, _, s, xhat = _stats(x, eps)
    g = gamma * dout
    direct, mean_term = g / s, -g.mean(axis=0) / s * np.ones_like(x)
    variance_term = -xhat * (g * xhat).mean(axis=0) / s
    diagonal = -g * xhat ** 2 / (N * s)
    k = _fit([direct, mean_term, variance_term, diagonal], np.asarray(student, np.float64), fit)
    if k is None:
        return None
    if _close(k[3], 1.0, match) and _close(k[1:3], 0.0, match) and _close(k[0], 1 - 1 / N, match):
        return ("your dx keeps only the diagonal of the Jacobian: each x_i's own path, without the sums over the "
                "batch that the mean and the variance bring")
    if not _close(k[3], 0.0, match):
        return None
    # x̂ left out of the variance term leaves a constant per feature, which the fit folds into the mean term.
    if _close(k[2], 0.0, match) and _close((k[1] - 1) * g.mean(axis=0), (g * xhat).mean(axis=0), match) and \
            _close(k[0], 1.0, match):
        return ("in your dx, the variance term -x̂·mean(g·x̂)/s is missing its x̂: a constant per feature where it "
                "belongs (g = gamma * dout, s = sqrt(var + eps))")
    common = _common_factor(k[:3], N, s, gamma, match)
    if common and _close(common[1], common[1][0], match):  # every term off in the same way
        words = _words(*common, N, match)
        return f"your dx is {words} (every term of the closed form alike)" if words else None
    parts = []
    for name, row in zip(("direct term g/s", "mean term -mean(g)/s", "variance term -x̂·mean(g·x̂)/s"), k[:3]):
        own = _common_factor(row[None, :], N, s, gamma, match)
        if own is None:
            return None  # a term that varies across features in no way known here
        words = _words(own[0], own[1][0], N, match)
        if words:
            parts.append(f"the {name} is {words}")
    return f"in your dx, {'; '.join(parts)} (g = gamma * dout, s = sqrt(var + eps))" if parts else None


def _words(factor_words, constant, N, match):
    """Words for a term that is `constant` times the right one, times FACTORS' factor_words; "" for the right one."""
    constant = float(np.ravel(constant)[0])
    parts = [factor_words] if factor_words else []
    if not _close(constant, 1.0, match):
        parts.append(_factor_words(constant, N, match) or f"{constant:.4g} times what it should be")
    return ", and ".join(parts)


def _normalizers(var, eps, s, v="var"):
    """What a student may divide x - mean by, in words (v names the variance), against sqrt(v + eps)."""
    return {f"sqrt({v} + eps)": s, f"sqrt({v}), eps left out": np.sqrt(var),
            f"sqrt({v}) + eps, eps outside the square root": np.sqrt(var) + eps,
            f"{v} + eps, with no square root": var + eps,
            "nothing (it is not divided at all)": np.ones_like(s)}


def _scale_words(p, gamma, normalizers, s, match, centred="x - mean"):
    """(words for what the student's p = gamma·s/normalizer reveals, or None, whether it was explained)."""
    for gamma_words, factor in (("", gamma), ("gamma missing", np.ones_like(gamma)),
                                ("the sign of gamma flipped", -gamma)):
        for name, normalizer in normalizers.items():
            if np.all(normalizer > 0) and _close(p, factor * s / normalizer, match):
                words = [w for w in (gamma_words, "" if normalizer is s else f"{centred} divided by {name}") if w]
                return "; ".join(words) or None, True
    return None, False


def out_train(student, x, gamma, beta, eps, running_means=None):
    """Name what a wrong train-mode out (N, D) gets wrong in its normalization, gamma or beta, or None.
    running_means: {"before": (D,), "after": (D,)}, the running mean before and after this batch's update, which
    a student may subtract in place of the batch mean."""
    student, (x, gamma, beta) = np.asarray(student), (np.asarray(a, np.float64) for a in (x, gamma, beta))
    N, D = x.shape
    if N < 4:
        return None
    fit, match = _tolerances(student)
    mean, var, s, xhat = _stats(x, eps)
    k = _fit([xhat, np.ones_like(x)], np.asarray(student, np.float64), fit)
    if k is None:
        return None
    p, q = k
    normalizers = _normalizers(var, eps, s)
    normalizers["sqrt of the unbiased variance (N - 1) + eps"] = np.sqrt(var * N / max(N - 1, 1) + eps)
    scale_words, explained = _scale_words(p, gamma, normalizers, s, match)
    shifts = {"": beta, "beta missing": np.zeros_like(beta), "the sign of beta flipped": -beta,
              "the mean over the whole batch subtracted, one number (np.mean without axis=0)":
                  beta + p * (mean - x.mean()) / s,
              "the mean not subtracted (x itself divided by the standard deviation)": beta + p * mean / s}
    for when, running_mean in (running_means or {}).items():
        shifts[f"the running_mean {when} this batch's update subtracted instead of the batch mean"] = \
            beta + p * (mean - np.asarray(running_mean, np.float64).reshape(-1)) / s
    shift_words = next((w for w, q_ in shifts.items() if _close(q, q_, match)), None)
    if not explained or shift_words is None:
        return None
    words = "; ".join(w for w in (scale_words, shift_words) if w)
    return f"your out (train mode): {words}" if words else None


def out_test(student, x, gamma, beta, running_mean, running_var, eps):
    """Name what a wrong test-mode out (N, D) gets wrong, from the running averages it should use, or None."""
    student = np.asarray(student)
    x, gamma, beta, rm, rv = (np.asarray(a, np.float64) for a in (x, gamma, beta, running_mean, running_var))
    N, D = x.shape
    if N < 4:
        return None
    fit, match = _tolerances(student)
    k = _fit([x, np.ones_like(x)], np.asarray(student, np.float64), fit)
    if k is None:
        return None
    p, q = k
    s = np.sqrt(rv + eps)
    normalizers = _normalizers(rv, eps, s, "running_var")
    normalizers["sqrt(batch variance + eps), the batch's own statistics"] = np.sqrt(x.var(axis=0) + eps)
    scale_words, explained = _scale_words(p * s, gamma, normalizers, s, match, "x - running_mean")
    centres = {"": rm, "the running mean not subtracted": np.zeros_like(rm),
               "the batch's own mean subtracted instead of the running mean": x.mean(axis=0)}
    found = None
    for centre_words, centre in centres.items():
        for beta_words, b in (("", beta), ("beta missing", np.zeros_like(beta)), ("the sign of beta flipped", -beta)):
            if _close(q, b - p * centre, match):
                found = [w for w in (centre_words, beta_words) if w]
                break
        if found is not None:
            break
    if not explained or found is None:
        return None
    words = "; ".join(w for w in ([scale_words] if scale_words else []) + found)
    return f"your out (test mode): {words}" if words else None


def running(key, student, start, x, momentum, eps, start_mean=None):
    """Name what a wrong running_mean or running_var (D,) gets wrong: its weights or the statistic, or None.
    start_mean: for running_var, the running mean before this batch (zeros if None)."""
    fit, match = _tolerances(np.asarray(student))
    student = np.asarray(student, np.float64).reshape(-1)
    x, start = np.asarray(x, np.float64), np.asarray(start, np.float64).reshape(-1)
    N = x.shape[0]
    if key == "running_mean":
        statistics = {"the batch mean": x.mean(axis=0)}
    else:
        var = x.var(axis=0)
        statistics = {"the batch variance": var, "the batch variance + eps": var + eps,
                      "the unbiased batch variance (N - 1)": var * N / max(N - 1, 1),
                      "the batch standard deviation": np.sqrt(var),
                      "sqrt(batch variance + eps)": np.sqrt(var + eps)}
        before = np.zeros(x.shape[1]) if start_mean is None else np.asarray(start_mean, np.float64).reshape(-1)
        updated = momentum * before + (1 - momentum) * x.mean(axis=0)
        statistics["the spread of x around the updated running_mean (not around the batch mean)"] = \
            ((x - updated) ** 2).mean(axis=0)
    weighs_start = np.abs(start).max() > 0
    weights = [((momentum, 1 - momentum), ""), ((1 - momentum, momentum), "momentum and 1 - momentum swapped"),
               ((0.0, 1.0), "the batch value stored without averaging"), ((1.0, 0.0), "never updated"),
               ((0.9, 0.1), "momentum 0.9 used where bn_param gives another")]  # the first that fits
    fits = []  # (words, whether the weights have a name), for each statistic the array is a combination of
    for stat_words, stat in statistics.items():
        basis = np.stack([start, stat], axis=1) if weighs_start else stat[:, None]
        if basis.shape[0] <= basis.shape[1]:
            continue
        coefficients, *_ = np.linalg.lstsq(basis, student, rcond=None)
        if np.linalg.norm(basis @ coefficients - student) > fit * max(np.linalg.norm(student), 1e-12):
            continue
        # With running averages that start at 0, only the batch's weight shows.
        named = [w for pair, w in weights if _close(coefficients, pair[-len(coefficients):], match)]
        weight_words = named[0] if named else (
            f"the batch weighted by {coefficients[-1]:.4g} where 1 - momentum = {1 - momentum:g} belongs")
        words = [w for w in (weight_words, "" if stat_words in ("the batch mean", "the batch variance")
                             else f"{stat_words} averaged") if w]
        fits.append(("; ".join(words), bool(named)))
    # A statistic that is a multiple of another (the unbiased variance) fits with other weights as well:
    # the fit whose weights have a name explains it.
    fits.sort(key=lambda f: not f[1])
    return f"your {key}: {fits[0][0]}" if fits and fits[0][0] else None


def per_feature(name, student, expected, x, gamma, eps):
    """Name what a wrong dgamma or dbeta (D,) is, as a multiple of the right one per feature, or None."""
    student, expected = np.asarray(student), np.asarray(expected, np.float64).reshape(-1)
    fit, match = _tolerances(student)
    x, gamma = np.asarray(x, np.float64), np.asarray(gamma, np.float64)
    if np.any(np.abs(expected) < 1e-12 * max(1.0, np.abs(expected).max())):
        return None
    N = x.shape[0]
    common = _common_factor((np.asarray(student, np.float64).reshape(-1) / expected)[None, :], N,
                            np.sqrt(x.var(axis=0) + eps), gamma, match)
    if common is None:
        return None
    words = _words(*common, N, match)
    return f"your {name} is {words}" if words else None
