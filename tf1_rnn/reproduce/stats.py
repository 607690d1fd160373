"""The few statistics the reproduction table needs, in plain Python (no SciPy required).

Seeds are few (3 to 5 a row), so every summary keeps the raw spread ([min, max]) beside the
mean and standard deviation, the port-vs-TF1 difference gets a Welch interval (the two
programs need not share a variance), and a published number is placed by its percentile
rank among our seeds rather than by a test that would assume normality.

A ``draw:N`` test subset (``mnist.test.next_batch(N)`` on a fresh test set) is a uniformly
random N of the test images, so a trained model's accuracy on such a draw depends only on how
many of the whole test set it gets wrong: the number of errors in the draw is hypergeometric.
:func:`draw_spread` uses that distribution exactly instead of sampling draws.
"""
import math
import statistics
from typing import NamedTuple, Optional, Sequence


class Summary(NamedTuple):
    n: int
    mean: float
    sd: Optional[float]     # sample standard deviation; None for a single value
    min: float
    max: float


def summarise(values: Sequence[float]) -> Summary:
    values = list(values)
    sd = statistics.stdev(values) if len(values) > 1 else None
    return Summary(len(values), statistics.fmean(values), sd, min(values), max(values))


def _beta_fraction(x, a, b):
    """The continued fraction of the regularized incomplete beta (modified Lentz), x < (a+1)/(a+b+2)."""
    tiny = 1e-300
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 1000):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < 1e-15:
            break
    return result


def incomplete_beta(x, a, b):
    """I_x(a, b), the regularized incomplete beta function, for 0 <= x <= 1."""
    if x <= 0.0 or x >= 1.0:
        return min(max(x, 0.0), 1.0)
    log_front = a * math.log(x) + b * math.log1p(-x) - (math.lgamma(a) + math.lgamma(b) - math.lgamma(a + b))
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_fraction(1.0 - x, b, a) / b


def t_cdf(t, df):
    """P(T <= t) for Student's t with ``df`` (real, > 0) degrees of freedom."""
    tail = 0.5 * incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
    return 1.0 - tail if t >= 0 else tail


def t_quantile(p, df):
    """The t with P(T <= t) = p, by bisection on :func:`t_cdf` (p in (0, 1))."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, 2.0 * high
    for _ in range(200):
        middle = 0.5 * (low + high)
        low, high = (middle, high) if t_cdf(middle, df) < p else (low, middle)
        if high - low < 1e-12 * max(1.0, high):
            break
    return 0.5 * (low + high)


class Difference(NamedTuple):
    estimate: float          # mean(a) - mean(b)
    low: float
    high: float
    df: Optional[float]      # Welch-Satterthwaite degrees of freedom; None when both spreads are 0


def welch_interval(a: Sequence[float], b: Sequence[float], level=0.95) -> Optional[Difference]:
    """mean(a) - mean(b) with its Welch interval; None unless both have at least two values."""
    if len(a) < 2 or len(b) < 2:
        return None
    sa, sb = summarise(a), summarise(b)
    va, vb = sa.sd ** 2 / sa.n, sb.sd ** 2 / sb.n
    estimate = sa.mean - sb.mean
    if va + vb == 0:
        return Difference(estimate, estimate, estimate, None)
    df = (va + vb) ** 2 / (va ** 2 / (sa.n - 1) + vb ** 2 / (sb.n - 1))
    half = t_quantile(0.5 + level / 2, df) * math.sqrt(va + vb)
    return Difference(estimate, estimate - half, estimate + half, df)


def percentile_rank(values: Sequence[float], x: float) -> float:
    """Percent of ``values`` below ``x``, ties counting half (0: below all, 100: above all)."""
    below = sum(v < x for v in values)
    ties = sum(v == x for v in values)
    return 100.0 * (below + 0.5 * ties) / len(values)


def errors_in_draw(wrong, population, n):
    """{k: P(k of the model's ``wrong`` test images fall in a uniform draw of ``n`` of ``population``)}."""
    def log_choose(total, k):
        return math.lgamma(total + 1) - math.lgamma(k + 1) - math.lgamma(total - k + 1)
    right = population - wrong
    return {k: math.exp(log_choose(wrong, k) + log_choose(right, n - k) - log_choose(population, n))
            for k in range(max(0, n - right), min(n, wrong) + 1)}


class DrawSpread(NamedTuple):
    n: int                   # images per draw
    models: int
    low: float               # 2.5th percentile of the accuracy on a draw, our models pooled
    high: float              # 97.5th percentile
    sd: float                # standard deviation a draw alone causes (mean over models)
    share_at_or_above: Optional[float]           # pooled P(accuracy on a draw >= the author's)
    per_model_share: Optional[list]              # the same for each model


def draw_spread(full_accuracies: Sequence[float], population: int, n: int,
                author: Optional[float] = None) -> DrawSpread:
    """What the choice of ``n`` test images alone does to each model's accuracy.

    ``full_accuracies`` are the models' accuracies on the whole test set of ``population``
    images; each model weighs equally in the pooled distribution.
    """
    pooled, shares, sds = {}, [], []
    for accuracy in full_accuracies:
        pmf = errors_in_draw(round((1.0 - accuracy) * population), population, n)
        mean = sum(k * p for k, p in pmf.items())
        sds.append(math.sqrt(sum((k - mean) ** 2 * p for k, p in pmf.items())) / n)
        for k, p in pmf.items():
            pooled[k] = pooled.get(k, 0.0) + p / len(full_accuracies)
        if author is not None:
            # Accuracy (n - k) / n >= author, with slack for the author's rounding to the printed digits.
            shares.append(sum(p for k, p in pmf.items() if (n - k) / n >= author - 1e-9))
    accuracies = sorted(((n - k) / n, p) for k, p in pooled.items())

    def quantile(q):
        total = 0.0
        for accuracy, p in accuracies:
            total += p
            if total >= q - 1e-12:
                return accuracy
        return accuracies[-1][0]

    share = statistics.fmean(shares) if shares else None
    return DrawSpread(n, len(full_accuracies), quantile(0.025), quantile(0.975), statistics.fmean(sds),
                      share, shares or None)
