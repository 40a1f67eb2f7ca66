"""Satisfaction and service-quality metrics: CSAT, NPS, CES, SERVQUAL, reliability, IPA, benchmarks, drivers.

Every function is pure: it takes survey answers (a Series, a list or a tidy DataFrame,
see the ``nps_survey`` and ``servqual`` tables of ``datasets/README.md``), validates
them, and returns a new small DataFrame or a named result. Input is never changed.
Unanswered questions (NaN) are left out of each metric; answers outside the scale raise
:class:`~workbook.errors.WorkbookInputError` with a message in the active language.

Metrics at a glance (formulas in each function's docstring):

====================================  ===============================================
:func:`csat`                          share of top-box answers (4–5 of 1–5), %
:func:`nps`, :func:`nps_groups`       % promoters − % detractors, with SE and CI
:func:`ces`                           mean effort score or share of "easy" answers
:func:`servqual_gaps`                 perception − expectation per item/dimension
:func:`cronbach_alpha`                scale reliability with Feldt's interval
:func:`item_total`                    item–total correlation, alpha if item deleted
:func:`importance_performance`        four IPA quadrants with the reason
:func:`benchmark_gap`                 score − benchmark per metric, flag when behind
:func:`key_drivers`                   ranking by correlation or standardised beta
====================================  ===============================================

Defaults (scales, top boxes, NPS bands, SERVQUAL dimensions, tolerances) live in one
place, :data:`DEFAULTS`.

Example
-------
>>> from workbook.satisfaction import nps
>>> nps([10, 9, 9, 8, 6, 3])[["n", "nps"]].round(1)   # (3 promoters − 2 detractors) / 6
     n   nps
all  6  16.7
"""

from __future__ import annotations

import re
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import pandas as pd

from workbook.errors import Problem, WorkbookInputError, fail
from workbook.i18n import label, t

__all__ = [
    "DEFAULTS",
    "DEFAULT_SERVQUAL_DIMENSIONS",
    "IPA_QUADRANTS",
    "NPS_GROUPS",
    "CronbachAlpha",
    "SatisfactionDefaults",
    "ServqualGaps",
    "benchmark_gap",
    "ces",
    "cronbach_alpha",
    "csat",
    "importance_performance",
    "item_total",
    "key_drivers",
    "nps",
    "nps_groups",
    "servqual_gaps",
]


@dataclass(frozen=True)
class SatisfactionDefaults:
    """Documented defaults of every metric in this module (scales are inclusive ``(lowest, highest)``).

    ``csat_scale``/``csat_top``: 5-point satisfaction, top-2-box = 4 and 5.
    ``nps_scale``/``nps_promoter_min``/``nps_detractor_max``: 0–10 likelihood to recommend;
    promoters 9–10, passives 7–8, detractors 0–6 (Reichheld 2003).
    ``ces_scale``/``ces_top``: 7-point "the company made it easy" agreement, 7 = very easy;
    top box 6–7 (Dixon, Freeman & Toman 2010).
    ``servqual_dimensions``/``servqual_scale``: the five RATER dimensions, items rated 1–7.
    ``importance_total``/``importance_tolerance``: points each respondent allocates across
    the dimensions, and the rounding slack accepted in their sum.
    ``confidence``: level of every confidence interval.
    ``ipa_scale``/``ipa_crosshair``: rating scale and crosshair rule of importance–performance analysis.
    ``*_column``: canonical column names used when a whole survey table is passed.
    """

    csat_scale: tuple[int, int] = (1, 5)
    csat_top: tuple[int, ...] = (4, 5)
    nps_scale: tuple[int, int] = (0, 10)
    nps_promoter_min: int = 9
    nps_detractor_max: int = 6
    ces_scale: int = 7
    ces_top: tuple[int, ...] = (6, 7)
    servqual_dimensions: tuple[str, ...] = (
        "tangibles",
        "reliability",
        "responsiveness",
        "assurance",
        "empathy",
    )
    servqual_scale: tuple[int, int] = (1, 7)
    importance_total: float = 100.0
    importance_tolerance: float = 0.5
    confidence: float = 0.95
    ipa_scale: tuple[float, float] = (1, 5)
    ipa_crosshair: str = "mean"
    csat_column: str = "csat"
    nps_column: str = "recommend_score"
    ces_column: str = "ces"


DEFAULTS = SatisfactionDefaults()
DEFAULT_SERVQUAL_DIMENSIONS = DEFAULTS.servqual_dimensions
NPS_GROUPS = ("promoters", "passives", "detractors")
IPA_QUADRANTS = ("keep_up_good_work", "concentrate_here", "low_priority", "possible_overkill")
CROSSHAIRS = ("mean", "median", "midpoint")
MISSING_POLICIES = ("pairwise", "listwise")
ALL = "all"  # row label of an ungrouped result
MAX_VALUES_SHOWN = 5  # offending values quoted in an error message
_UNNAMED = "\x00answers"  # column label of answers given without a name (reported without a column)


# ====================================================================== CSAT / NPS / CES


def csat(
    ratings,
    top: Sequence[int] = DEFAULTS.csat_top,
    *,
    scale: tuple[int, int] = DEFAULTS.csat_scale,
    by=None,
    column: str = DEFAULTS.csat_column,
) -> pd.DataFrame:
    """Customer satisfaction score: the share of top-box answers, in percent.

    .. math:: \\mathrm{CSAT} = 100 \\cdot \\frac{\\#\\{r_i \\in \\text{top}\\}}{n}

    with :math:`n` the number of answers (unanswered questions are left out).

    Parameters
    ----------
    ratings : Series, list, array or DataFrame
        Whole-number ratings on ``scale``; with a DataFrame, the column ``column`` is used.
    top : sequence of int
        Answers counted as satisfied; default 4 and 5 ("top-2-box").
    scale : (int, int)
        Lowest and highest possible answer; default 1–5.
    by : str or array-like, optional
        Group answers: a column name of the DataFrame, or one value per answer.
    column : str
        Column holding the ratings when ``ratings`` is a DataFrame (default ``csat``).

    Returns
    -------
    DataFrame
        One row per group (a single row ``all`` without ``by``) with ``n``, ``n_top`` and
        ``csat`` (percent, 0–100).

    References
    ----------
    Hayes, B. E. (2008). *Measuring Customer Satisfaction and Loyalty* (3rd ed.). ASQ Quality Press.

    Examples
    --------
    >>> csat([5, 4, 3, 5, 1])
         n  n_top  csat
    all  5      3  60.0
    """
    low, high = _check_scale(scale, "csat")
    top = _check_top(top, low, high, "csat")
    values, groups = _answers(ratings, column, by, "csat", low, high)
    counts = pd.DataFrame({"n": 1, "n_top": values.isin(top)}).groupby(groups, sort=True).sum()
    counts["csat"] = 100.0 * counts["n_top"] / counts["n"]
    return counts


def nps(
    scores,
    confidence: float = DEFAULTS.confidence,
    *,
    by=None,
    column: str = DEFAULTS.nps_column,
) -> pd.DataFrame:
    """Net Promoter Score with its standard error and a Wald confidence interval.

    Answers to "how likely are you to recommend us?" (0–10) are grouped into promoters
    (9–10), passives (7–8) and detractors (0–6). With shares :math:`p_P, p_D` of all
    :math:`n` answers (passives count in the denominator):

    .. math::

        \\mathrm{NPS} = 100\\,(p_P - p_D), \\qquad
        \\mathrm{SE} = 100\\sqrt{\\frac{p_P(1-p_P) + p_D(1-p_D) + 2\\,p_P\\,p_D}{n}}

    the SE being the multinomial variance of the difference of two shares (equivalently
    the variance of a score of +1/0/−1 per answer, :math:`p_P + p_D - (p_P - p_D)^2`,
    divided by :math:`n`). The interval is Wald's, :math:`\\mathrm{NPS} \\pm z_{1-\\gamma/2}\\,
    \\mathrm{SE}` with :math:`\\gamma = 1 -` ``confidence``, clipped to [−100, 100] because the
    normal approximation can step outside the possible range. It is too narrow for small
    samples or shares near 0 or 1 (it collapses to a point when every answer falls in one
    group); read it as a guide to how much a difference between groups could be noise.

    Parameters
    ----------
    scores : Series, list, array or DataFrame
        Whole numbers 0–10; with a DataFrame, the column ``column`` (default ``recommend_score``).
    confidence : float
        Level of the interval, default 0.95.
    by : str or array-like, optional
        Group answers (e.g. ``by="touchpoint"``).
    column : str
        Column of scores when ``scores`` is a DataFrame.

    Returns
    -------
    DataFrame
        One row per group with ``n``; ``promoters``, ``passives``, ``detractors`` (counts)
        and their shares ``*_pct`` (percent); ``nps`` (−100..100); ``se`` (NPS points);
        ``ci_low``, ``ci_high`` and the ``confidence`` used.

    References
    ----------
    Reichheld, F. F. (2003). The one number you need to grow. *Harvard Business Review*, 81(12), 46–54.
    Rocks, B. (2016). Interval estimation for the "Net Promoter Score". *The American
    Statistician*, 70(4), 365–372.

    Examples
    --------
    >>> r = nps([10, 10, 9, 8, 7, 6, 2])
    >>> r[["n", "promoters", "passives", "detractors", "nps"]].round(1)
         n  promoters  passives  detractors   nps
    all  7          3         2           2  14.3
    """
    _check_confidence(confidence, "nps")
    low, high = DEFAULTS.nps_scale
    values, groups = _answers(scores, column, by, "nps", low, high)
    codes = _nps_codes(values)
    counts = pd.get_dummies(pd.Categorical(codes, categories=NPS_GROUPS)).set_axis(values.index)
    out = counts.astype("int64").groupby(groups, sort=True).sum()
    out.insert(0, "n", out.sum(axis=1))
    shares = out[list(NPS_GROUPS)].div(out["n"], axis=0)
    for group in NPS_GROUPS:
        out[f"{group}_pct"] = 100.0 * shares[group]
    p_p, p_d = shares["promoters"], shares["detractors"]
    out["nps"] = 100.0 * (p_p - p_d)
    variance = (p_p * (1 - p_p) + p_d * (1 - p_d) + 2 * p_p * p_d).clip(lower=0.0)
    out["se"] = 100.0 * np.sqrt(variance / out["n"])
    from scipy import special  # here, not at the top: classroom kernels import this module

    z = special.ndtri(0.5 + confidence / 2)  # standard normal quantile (not scipy.stats: lighter)
    out["ci_low"] = (out["nps"] - z * out["se"]).clip(-100.0, 100.0)
    out["ci_high"] = (out["nps"] + z * out["se"]).clip(-100.0, 100.0)
    out["confidence"] = float(confidence)
    return out


def nps_groups(scores, *, column: str = DEFAULTS.nps_column) -> pd.DataFrame:
    """Each answer's NPS group (``promoters``/``passives``/``detractors``) and why.

    Bands: promoters 9–10, passives 7–8, detractors 0–6 (:data:`DEFAULTS`).
    Unanswered questions get no group (missing) and no reason.

    Returns
    -------
    DataFrame
        Same index as the answers, columns ``score``, ``nps_group`` and ``reason``.

    Examples
    --------
    >>> from workbook.i18n import language
    >>> with language("en"):
    ...     nps_groups([9, 7, 0]).loc[0, "reason"]
    'likelihood to recommend 9, within 9–10 → promoters'
    """
    low, high = DEFAULTS.nps_scale
    values = _scale_values(_series(scores, column, "nps"), "nps", low, high)
    # Reasons depend on the score only: word the 11 scale points once, then look them up.
    points = pd.Series(np.arange(low, high + 1), dtype=float)
    point_codes = pd.Series(_nps_codes(points))
    bands = {
        "promoters": f"{DEFAULTS.nps_promoter_min}–{high:g}",
        "passives": f"{DEFAULTS.nps_detractor_max + 1}–{DEFAULTS.nps_promoter_min - 1}",
        "detractors": f"{low:g}–{DEFAULTS.nps_detractor_max}",
    }
    point_reasons = _vformat(
        "satisfaction.nps_reason",
        score=_fmt(points, decimals=0),
        band=point_codes.map(bands),
        group=point_codes.map({g: label("nps", g) for g in NPS_GROUPS}),
    )
    codes = values.map(dict(zip(points, point_codes, strict=True))).astype("str")
    reason = values.map(dict(zip(points, point_reasons, strict=True))).astype("str")
    return pd.DataFrame({"score": values, "nps_group": codes, "reason": reason})


def ces(
    scores,
    scale: int = DEFAULTS.ces_scale,
    method: str = "mean",
    top: Sequence[int] = DEFAULTS.ces_top,
    *,
    by=None,
    column: str = DEFAULTS.ces_column,
) -> pd.DataFrame:
    """Customer effort score on a 1..``scale`` agreement scale where high means easy.

    Two named variants:

    * ``method="mean"``: :math:`\\mathrm{CES} = \\bar r`, the mean answer (1..scale), with
      its sample standard deviation ``sd``;
    * ``method="top_box"``: :math:`100 \\cdot \\#\\{r_i \\in \\text{top}\\}/n`, the percent of
      answers that found it easy (default 6 and 7 of 7).

    The question is "The company made it easy for me to handle my issue" (CES 2.0); a
    reversed scale (1 = very easy) must be recoded as ``scale + 1 - r`` first.

    Returns
    -------
    DataFrame
        One row per group with ``n`` and either ``ces_mean`` and ``sd``, or ``n_top`` and
        ``ces_top_box_pct``.

    References
    ----------
    Dixon, M., Freeman, K., & Toman, N. (2010). Stop trying to delight your customers.
    *Harvard Business Review*, 88(7/8), 116–122.

    Examples
    --------
    >>> ces([7, 6, 5, 2], method="mean")
         n  ces_mean        sd
    all  4       5.0  2.160247
    >>> ces([7, 6, 5, 2], method="top_box")
         n  n_top  ces_top_box_pct
    all  4      2             50.0
    """
    _check_option(method, ("mean", "top_box"), "method", "ces")
    low, high = _check_scale((1, scale), "ces")
    values, groups = _answers(scores, column, by, "ces", low, high)
    if method == "mean":
        grouped = values.groupby(groups, sort=True)
        return pd.DataFrame({"n": grouped.size(), "ces_mean": grouped.mean(), "sd": grouped.std()})
    top = _check_top(top, low, high, "ces")
    counts = pd.DataFrame({"n": 1, "n_top": values.isin(top)}).groupby(groups, sort=True).sum()
    counts["ces_top_box_pct"] = 100.0 * counts["n_top"] / counts["n"]
    return counts


def _nps_codes(values: pd.Series) -> np.ndarray:
    """Group code per answered score, by the bands of :data:`DEFAULTS`."""
    return np.select(
        [values >= DEFAULTS.nps_promoter_min, values <= DEFAULTS.nps_detractor_max],
        ["promoters", "detractors"],
        default="passives",
    )


# ====================================================================== SERVQUAL


@dataclass(frozen=True)
class ServqualGaps:
    """Result of :func:`servqual_gaps`.

    ``items``: one row per item (``item``, ``dimension``, ``k``, ``n``, ``expectation``,
    ``perception``, ``gap``). ``dimensions``: one row per dimension (``dimension``,
    ``n_items``, ``expectation``, ``perception``, ``gap``, ``importance``, ``weight``,
    ``weighted_gap``, ``rank``, ``rank_unweighted``). ``unweighted_score``: mean of the
    dimension gaps. ``weighted_score``: sum of the weighted gaps (NaN without importance points).
    """

    items: pd.DataFrame
    dimensions: pd.DataFrame
    unweighted_score: float
    weighted_score: float


def servqual_gaps(
    df: pd.DataFrame,
    dimensions: Sequence[str] = DEFAULT_SERVQUAL_DIMENSIONS,
    *,
    scale: tuple[int, int] = DEFAULTS.servqual_scale,
    importance_tolerance: float = DEFAULTS.importance_tolerance,
) -> ServqualGaps:
    """SERVQUAL gap scores (perception − expectation) per item and dimension, unweighted and weighted.

    Item columns are found by name: ``exp_<dimension>_<k>`` (expectation) and
    ``per_<dimension>_<k>`` (perception), rated on ``scale`` (default 1–7); optional
    ``imp_<dimension>`` hold the points each respondent allocated across the dimensions
    (summing to 100).

    * item gap :math:`G_j = \\overline{P_j - E_j}` over the respondents who answered both
      (``expectation``/``perception`` are the means over the same respondents, so
      gap = perception − expectation);
    * dimension gap :math:`G_d` = unweighted mean of its item gaps (same for E and P);
    * importance :math:`I_d` = mean points, weight :math:`w_d = I_d / 100`, weighted gap
      :math:`w_d G_d`; weighted SERVQUAL score :math:`\\sum_d w_d G_d`, unweighted score
      :math:`\\frac{1}{D}\\sum_d G_d`.

    A negative gap means service falls short of expectations. ``rank`` orders dimensions by
    weighted gap (1 = largest shortfall, the first to improve; by the plain gap when no
    importance points were collected); ``rank_unweighted`` by the plain gap.

    Parameters
    ----------
    df : DataFrame
        One row per respondent (the ``servqual`` table).
    dimensions : sequence of str
        Dimensions to analyse: all those the importance points were allocated across.
    scale : (int, int)
        Rating scale of the items.
    importance_tolerance : float
        Slack accepted when checking that each respondent's points add up to 100.

    Returns
    -------
    ServqualGaps

    References
    ----------
    Parasuraman, A., Zeithaml, V. A., & Berry, L. L. (1988). SERVQUAL: A multiple-item scale
    for measuring consumer perceptions of service quality. *Journal of Retailing*, 64(1), 12–40.
    Zeithaml, V. A., Parasuraman, A., & Berry, L. L. (1990). *Delivering Quality Service*. Free Press.

    Examples
    --------
    >>> answers = pd.DataFrame({"exp_reliability_1": [7, 6], "per_reliability_1": [5, 5],
    ...                         "exp_tangibles_1": [5, 5], "per_tangibles_1": [6, 5],
    ...                         "imp_reliability": [70, 60], "imp_tangibles": [30, 40]})
    >>> result = servqual_gaps(answers, ["reliability", "tangibles"])
    >>> result.dimensions[["dimension", "gap", "weighted_gap", "rank"]]
         dimension  gap  weighted_gap  rank
    0  reliability -1.5        -0.975     1
    1    tangibles  0.5         0.175     2
    """
    low, high = _check_scale(scale, "servqual")
    dimensions = list(dict.fromkeys(dimensions))
    pairs = _servqual_items(df, dimensions)
    expect = _check_matrix(df[pairs["exp"].tolist()], "servqual", low, high, whole=True)
    perceive = _check_matrix(df[pairs["per"].tolist()], "servqual", low, high, whole=True)
    items = _item_gaps(pairs, expect.to_numpy(float), perceive.to_numpy(float))
    table = items.groupby("dimension", sort=False)[["expectation", "perception", "gap"]].mean()
    table.insert(0, "n_items", items.groupby("dimension", sort=False).size())
    table = table.reindex(dimensions)
    importance = _importance(df, dimensions, importance_tolerance)
    table["importance"] = importance
    table["weight"] = importance / DEFAULTS.importance_total
    table["weighted_gap"] = table["gap"] * table["weight"]
    priority = table["weighted_gap"] if importance.notna().all() else table["gap"]
    table["rank"] = priority.rank(method="min").astype("Int64")
    table["rank_unweighted"] = table["gap"].rank(method="min").astype("Int64")
    weighted = float(table["weighted_gap"].sum()) if importance.notna().all() else float("nan")
    return ServqualGaps(
        items=items,
        dimensions=table.rename_axis("dimension").reset_index(),
        unweighted_score=float(table["gap"].mean()),
        weighted_score=weighted,
    )


def _servqual_items(df: pd.DataFrame, dimensions: list[str]) -> pd.DataFrame:
    """Matched ``exp_``/``per_`` column pairs per dimension: columns dimension, k, exp, per, item."""
    names = pd.Series([str(c) for c in df.columns], dtype=object)
    parts = names.str.extract(r"^(exp|per)_(.+)_(\d+)$")
    parts.columns = ["kind", "dimension", "k"]
    parts["column"] = names
    parts = parts[parts["dimension"].isin(dimensions)].dropna()
    wide = parts.pivot(index=["dimension", "k"], columns="kind", values="column")
    wide = wide.reindex(columns=["exp", "per"]).reset_index()
    problems = [
        Problem("satisfaction.servqual_unpaired", params={"have": have_col, "missing": f"{need}_{dim}_{k}"})
        for have, need in (("exp", "per"), ("per", "exp"))
        for have_col, dim, k in wide.loc[wide[need].isna(), [have, "dimension", "k"]].itertuples(index=False)
    ]
    wide = wide.dropna()
    problems += [
        Problem("satisfaction.servqual_no_items", params={"dimension": d})
        for d in dimensions
        if d not in set(wide["dimension"])
    ]
    if problems:
        raise WorkbookInputError("servqual", problems)
    wide["k"] = wide["k"].astype(int)
    wide["order"] = wide["dimension"].map({d: i for i, d in enumerate(dimensions)})
    wide = wide.sort_values(["order", "k"]).drop(columns="order").reset_index(drop=True)
    wide["item"] = wide["dimension"] + "_" + wide["k"].astype(str)
    return wide


def _item_gaps(pairs: pd.DataFrame, expect: np.ndarray, perceive: np.ndarray) -> pd.DataFrame:
    """Per item: respondents answering both, mean E, mean P and mean gap over those respondents."""
    both = ~np.isnan(expect) & ~np.isnan(perceive)
    n = both.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_e = np.where(both, expect, 0.0).sum(axis=0) / n
        mean_p = np.where(both, perceive, 0.0).sum(axis=0) / n
    return pd.DataFrame(
        {
            "item": pairs["item"],
            "dimension": pairs["dimension"],
            "k": pairs["k"],
            "n": n,
            "expectation": mean_e,
            "perception": mean_p,
            "gap": mean_p - mean_e,
        }
    )


def _importance(df: pd.DataFrame, dimensions: list[str], tolerance: float) -> pd.Series:
    """Mean importance points per dimension; NaN when the survey collected none."""
    columns = [f"imp_{d}" for d in dimensions]
    present = [c for c in columns if c in df.columns]
    if not present:
        return pd.Series(np.nan, index=dimensions)
    if len(present) < len(columns):
        raise WorkbookInputError(
            "servqual",
            [
                Problem("satisfaction.missing_column", column=c, params={"available": _names(df.columns)})
                for c in columns
                if c not in present
            ],
        )
    total = DEFAULTS.importance_total
    points = _check_matrix(df[columns], "servqual", 0, total, whole=False)
    answered = points.notna().any(axis=1)
    sums = points.sum(axis=1)
    bad = answered & ((sums - total).abs() > tolerance)
    if bad.any():
        problem = _problem(
            "satisfaction.importance_not_100",
            bad,
            sums.round(2),
            total=f"{total:g}",
            tolerance=f"{tolerance:g}",
        )
        raise WorkbookInputError("servqual", [problem])
    return pd.Series(points[answered].mean().to_numpy(), index=dimensions)


# ====================================================================== reliability


class CronbachAlpha(NamedTuple):
    """Result of :func:`cronbach_alpha`: alpha, its Feldt interval, and the sample it came from."""

    alpha: float
    ci_low: float
    ci_high: float
    n: int
    k: int
    confidence: float
    missing: str


def cronbach_alpha(
    items: pd.DataFrame,
    missing: str = "pairwise",
    confidence: float = DEFAULTS.confidence,
) -> CronbachAlpha:
    """Cronbach's alpha of a multi-item scale, with Feldt's confidence interval.

    .. math::

        \\alpha = \\frac{k}{k-1}\\left(1 - \\frac{\\sum_i \\sigma^2_i}{\\sigma^2_X}\\right)
        = \\frac{k}{k-1}\\left(1 - \\frac{\\operatorname{tr} C}{\\mathbf 1^\\top C\\,\\mathbf 1}\\right)

    with :math:`k` items, item variances :math:`\\sigma^2_i`, total-score variance
    :math:`\\sigma^2_X`, and :math:`C` the item covariance matrix (sample, ``ddof=1``).
    Feldt's interval at level :math:`1-\\gamma`, with :math:`F_p` the :math:`p`-quantile of
    the F distribution with :math:`(n-1, (n-1)(k-1))` degrees of freedom:

    .. math::

        \\alpha_L = 1 - (1-\\alpha)\\,F_{1-\\gamma/2}, \\qquad \\alpha_U = 1 - (1-\\alpha)\\,F_{\\gamma/2}

    Missing answers: ``"pairwise"`` (default, as pingouin and R's ``psych::alpha(use=
    "pairwise")``) builds :math:`C` from the pairwise-complete covariances and counts every
    respondent who answered at least one item in :math:`n`; ``"listwise"`` first drops every
    respondent with a missing item. Rule of thumb: α ≥ 0.7 acceptable, ≥ 0.8 good.

    Parameters
    ----------
    items : DataFrame
        One row per respondent, one numeric column per item (reverse-scored items already recoded).
    missing : {"pairwise", "listwise"}
    confidence : float
        Level of the interval, default 0.95.

    Returns
    -------
    CronbachAlpha
        ``alpha``, ``ci_low``, ``ci_high``, ``n`` (respondents), ``k`` (items), ``confidence``, ``missing``.

    References
    ----------
    Cronbach, L. J. (1951). Coefficient alpha and the internal structure of tests.
    *Psychometrika*, 16(3), 297–334.
    Feldt, L. S., Woodruff, D. J., & Salih, F. A. (1987). Statistical inference for coefficient
    alpha. *Applied Psychological Measurement*, 11(1), 93–103.

    Examples
    --------
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4], "q2": [2, 3, 3, 4], "q3": [2, 3, 4, 5]})
    >>> round(cronbach_alpha(items).alpha, 6)   # 3/2 · (1 − 4 / (34/3)) = 33/34
    0.970588
    """
    _check_confidence(confidence, "cronbach_alpha")
    frame, cov = _item_covariance(items, missing, "cronbach_alpha")
    n, k = frame.shape
    total = cov.sum()
    if not total > 0:
        raise fail("cronbach_alpha", "satisfaction.alpha_no_variance")
    alpha = k / (k - 1) * (1 - np.trace(cov) / total)
    gamma = 1 - confidence
    df1, df2 = n - 1, (n - 1) * (k - 1)
    from scipy import special

    low = 1 - (1 - alpha) * special.fdtri(df1, df2, 1 - gamma / 2)  # F quantiles
    high = 1 - (1 - alpha) * special.fdtri(df1, df2, gamma / 2)
    return CronbachAlpha(float(alpha), float(low), float(high), int(n), int(k), float(confidence), missing)


def item_total(items: pd.DataFrame, corrected: bool = True, missing: str = "pairwise") -> pd.DataFrame:
    """Item analysis: each item's correlation with the total score and alpha if it were deleted.

    All from the item covariance matrix :math:`C` (``missing`` as in :func:`cronbach_alpha`),
    with row sums :math:`s_i = \\sum_j C_{ij}` and :math:`S = \\sum_{ij} C_{ij}`:

    * corrected item–total correlation (item vs. the total of the *other* items)
      :math:`r_{i,X-i} = (s_i - C_{ii}) / \\sqrt{C_{ii}\\,(S - 2 s_i + C_{ii})}`;
    * uncorrected (``corrected=False``, item vs. the total including itself)
      :math:`r_{i,X} = s_i / \\sqrt{C_{ii}\\,S}`;
    * alpha if item deleted: alpha of the other :math:`k-1` items,
      :math:`\\frac{k-1}{k-2}\\bigl(1 - \\frac{\\operatorname{tr} C - C_{ii}}{S - 2 s_i + C_{ii}}\\bigr)`
      (NaN when only two items are left… i.e. when :math:`k = 2`).

    Items with a low corrected correlation (below about 0.3), or whose deletion raises alpha,
    measure something else than the rest of the scale.

    Returns
    -------
    DataFrame
        Indexed by item, columns ``n`` (answers), ``mean``, ``sd``, ``item_total_r`` and
        ``alpha_if_deleted``.

    Examples
    --------
    >>> items = pd.DataFrame({"q1": [1, 2, 3, 4], "q2": [2, 3, 3, 4], "q3": [2, 3, 4, 5]})
    >>> item_total(items)["alpha_if_deleted"].round(4).tolist()   # q1 and q3 move in lockstep
    [0.9231, 1.0, 0.9231]
    """
    frame, cov = _item_covariance(items, missing, "item_total")
    k = frame.shape[1]
    diag = np.diag(cov)
    row = cov.sum(axis=1)
    total = cov.sum()
    rest = total - 2 * row + diag  # variance of the total without item i
    with np.errstate(invalid="ignore", divide="ignore"):
        r = (row - diag) / np.sqrt(diag * rest) if corrected else row / np.sqrt(diag * total)
        alpha_del = (k - 1) / (k - 2) * (1 - (np.trace(cov) - diag) / rest) if k > 2 else np.full(k, np.nan)
    return pd.DataFrame(
        {
            "n": frame.notna().sum(),
            "mean": frame.mean(),
            "sd": frame.std(),
            "item_total_r": r,
            "alpha_if_deleted": alpha_del,
        },
        index=frame.columns,
    ).rename_axis("item")


def _item_covariance(items: pd.DataFrame, missing: str, source: str) -> tuple[pd.DataFrame, np.ndarray]:
    """Validated numeric item matrix (after the missing-value policy) and its covariance matrix."""
    _check_option(missing, MISSING_POLICIES, "missing", source)
    if not isinstance(items, pd.DataFrame):
        items = pd.DataFrame(items)
    if items.shape[1] < 2:
        raise fail(source, "satisfaction.alpha_too_few_items", k=items.shape[1])
    frame = _check_matrix(items, source, -np.inf, np.inf, whole=False)
    frame = frame.dropna(how="all") if missing == "pairwise" else frame.dropna(how="any")
    if len(frame) < 2:
        raise fail(source, "satisfaction.alpha_too_few_respondents", n=len(frame))
    cov = frame.cov().to_numpy()
    unknown = np.argwhere(np.triu(np.isnan(cov)))
    if len(unknown):
        names = [f"{frame.columns[i]}–{frame.columns[j]}" for i, j in unknown[:MAX_VALUES_SHOWN]]
        raise fail(source, "satisfaction.alpha_pairs_missing", pairs=", ".join(names))
    return frame, cov


# ====================================================================== IPA, benchmark, drivers


def importance_performance(
    df: pd.DataFrame,
    importance: str,
    performance: str,
    crosshair: str | tuple[float, float] = DEFAULTS.ipa_crosshair,
    scale: tuple[float, float] = DEFAULTS.ipa_scale,
    *,
    importance_scale: tuple[float, float] | None = None,
) -> pd.DataFrame:
    """Importance–performance analysis: put each attribute in one of four quadrants, with the reason.

    The crosshair splits both axes; a value on the line counts as high. Quadrants
    (Martilla & James 1977):

    ==================  ===============  ==================  =================
    importance          performance      quadrant            显示
    ==================  ===============  ==================  =================
    high (≥ cut)        high (≥ cut)     keep_up_good_work   继续保持
    high                low (< cut)      concentrate_here    重点改进
    low                 low              low_priority        低优先
    low                 high             possible_overkill   过度投入
    ==================  ===============  ==================  =================

    Crosshair rules: ``"mean"`` (default) or ``"median"`` of the attributes' values — relative
    positions, so there is always something to improve; ``"midpoint"`` of the scale,
    :math:`(lo + hi)/2` — absolute positions; or an explicit ``(importance_cut, performance_cut)``.

    Parameters
    ----------
    df : DataFrame
        One row per attribute with its mean importance and mean performance.
    importance, performance : str
        Column names.
    crosshair : {"mean", "median", "midpoint"} or (float, float)
    scale : (float, float)
        Range of the ratings (default 1–5); values outside it raise an error.
    importance_scale : (float, float), optional
        Range of importance when it differs from ``scale`` (e.g. (0, 100) for allocated points).

    Returns
    -------
    DataFrame
        Same index as ``df``: ``importance``, ``performance``, ``importance_crosshair``,
        ``performance_crosshair`` (the cuts used), ``quadrant`` (code, see :data:`IPA_QUADRANTS`;
        display with ``label("ipa", code)``) and ``reason``.

    References
    ----------
    Martilla, J. A., & James, J. C. (1977). Importance-performance analysis.
    *Journal of Marketing*, 41(1), 77–79.

    Examples
    --------
    >>> attrs = pd.DataFrame({"imp": [4.6, 4.4, 3.1, 3.3], "perf": [4.5, 3.0, 3.2, 4.4]},
    ...                      index=["delivery", "after_sales", "packaging", "showroom"])
    >>> importance_performance(attrs, "imp", "perf")["quadrant"].tolist()
    ['keep_up_good_work', 'concentrate_here', 'low_priority', 'possible_overkill']
    """
    perf_low, perf_high = _check_scale(scale, "importance_performance", whole=False)
    imp_low, imp_high = _check_scale(importance_scale or scale, "importance_performance", whole=False)
    imp = _check_matrix(
        _column(df, importance, "importance_performance").to_frame(),
        "importance_performance",
        imp_low,
        imp_high,
        whole=False,
    ).iloc[:, 0]
    perf = _check_matrix(
        _column(df, performance, "importance_performance").to_frame(),
        "importance_performance",
        perf_low,
        perf_high,
        whole=False,
    ).iloc[:, 0]
    imp_cut = _crosshair(imp, crosshair, 0, (imp_low, imp_high))
    perf_cut = _crosshair(perf, crosshair, 1, (perf_low, perf_high))
    high_i, high_p = imp >= imp_cut, perf >= perf_cut
    quadrant = np.select(
        [high_i & high_p, high_i & ~high_p, ~high_i & ~high_p],
        ["keep_up_good_work", "concentrate_here", "low_priority"],
        default="possible_overkill",
    )
    quadrant = pd.Series(quadrant, index=df.index).where(imp.notna() & perf.notna())
    return pd.DataFrame(
        {
            "importance": imp,
            "performance": perf,
            "importance_crosshair": imp_cut,
            "performance_crosshair": perf_cut,
            "quadrant": quadrant,
            "reason": _ipa_reason(imp, perf, imp_cut, perf_cut, quadrant),
        },
        index=df.index,
    )


def _crosshair(values: pd.Series, rule, axis: int, scale: tuple[float, float]) -> float:
    if isinstance(rule, str):
        _check_option(rule, CROSSHAIRS, "crosshair", "importance_performance")
        if rule == "midpoint":
            return (scale[0] + scale[1]) / 2
        return float(values.mean() if rule == "mean" else values.median())
    try:
        return float(rule[axis])
    except (TypeError, ValueError, IndexError, KeyError):
        raise fail(
            "importance_performance",
            "satisfaction.bad_option",
            option="crosshair",
            allowed=", ".join([*CROSSHAIRS, "(importance, performance)"]),
            value=repr(rule),
        ) from None


def _ipa_reason(imp, perf, imp_cut, perf_cut, quadrant: pd.Series) -> pd.Series:
    """'importance 4.40 ≥ crosshair 3.85; performance 3.00 < crosshair 3.78 → concentrate here'."""
    parts = {}
    for axis, values, cut in (("importance", imp, imp_cut), ("performance", perf, perf_cut)):
        high = _vformat(f"satisfaction.ipa_{axis}_high", value=_fmt(values), cut=f"{cut:.2f}")
        low = _vformat(f"satisfaction.ipa_{axis}_low", value=_fmt(values), cut=f"{cut:.2f}")
        parts[axis] = high.where(values >= cut, low)
    names = quadrant.map({q: label("ipa", q) for q in IPA_QUADRANTS})
    return _vformat("satisfaction.ipa_reason", quadrant=names, **parts).where(quadrant.notna())


def benchmark_gap(
    scores: pd.Series | pd.DataFrame | Mapping,
    benchmark: pd.Series | pd.DataFrame | Mapping,
    *,
    higher_is_better: bool | Mapping[str, bool] = True,
) -> pd.DataFrame:
    """Gap of each score to its benchmark (e.g. the industry average per metric).

    Sign convention: :math:`\\text{gap} = \\text{score} - \\text{benchmark}`, in the metric's
    own units, so a negative gap means the score is numerically below the benchmark
    (``below_benchmark``); ``gap_pct`` = 100 · gap / |benchmark| (NaN when the benchmark is 0).
    Whether below is bad depends on the metric: for metrics where lower is better
    (complaint rate, waiting time) pass ``higher_is_better={"complaint_rate": False}``;
    ``behind`` then flags scores worse than the benchmark in that direction.

    Parameters
    ----------
    scores : Series/Mapping (metric → score) or DataFrame
        A DataFrame holds one row per unit (store, team, month) and one column per metric.
    benchmark : Series/Mapping (metric → value) or DataFrame with columns ``metric`` and ``benchmark``
        Every benchmark metric must have a score; other score columns are ignored.
    higher_is_better : bool or mapping metric → bool

    Returns
    -------
    DataFrame
        One row per metric (per unit and metric for a DataFrame, indexed by the unit's index
        and ``metric``): ``score``, ``benchmark``, ``gap``, ``gap_pct``, ``below_benchmark``,
        ``behind`` and ``reason``.

    Examples
    --------
    >>> gaps = benchmark_gap({"csat": 78.0, "nps": 35.0}, {"csat": 82.0, "nps": 30.0})
    >>> gaps["gap"].to_dict(), gaps["behind"].to_dict()
    ({'csat': -4.0, 'nps': 5.0}, {'csat': True, 'nps': False})
    """
    bench = _benchmark_series(benchmark)
    long = _scores_long(scores, bench.index)
    direction = _directions(higher_is_better, bench.index)
    metric = long.index.get_level_values("metric")
    out = pd.DataFrame({"score": long, "benchmark": bench.reindex(metric).to_numpy()}, index=long.index)
    out["gap"] = out["score"] - out["benchmark"]
    with np.errstate(divide="ignore", invalid="ignore"):
        out["gap_pct"] = (100.0 * out["gap"] / out["benchmark"].abs()).replace([np.inf, -np.inf], np.nan)
    out["below_benchmark"] = out["gap"] < 0
    sign = np.where(direction.reindex(metric).to_numpy(bool), 1.0, -1.0)
    oriented = out["gap"] * sign
    out["behind"] = oriented < 0
    out["reason"] = _benchmark_reason(out, oriented)
    return out


def _benchmark_series(benchmark) -> pd.Series:
    if isinstance(benchmark, pd.DataFrame):
        missing = [c for c in ("metric", "benchmark") if c not in benchmark.columns]
        if missing:
            raise fail(
                "benchmark",
                "satisfaction.missing_column",
                column=missing[0],
                available=_names(benchmark.columns),
            )
        benchmark = benchmark.set_index("metric")["benchmark"]
    bench = pd.Series(benchmark, dtype=object) if isinstance(benchmark, Mapping) else pd.Series(benchmark)
    bench = _check_matrix(bench.to_frame("benchmark"), "benchmark", -np.inf, np.inf, whole=False)["benchmark"]
    return bench.rename_axis("metric")


def _scores_long(scores, metrics: pd.Index) -> pd.Series:
    """Scores as one value per (unit, metric), or per metric, for the benchmark's metrics."""
    table = scores if isinstance(scores, pd.DataFrame) else None
    available = table.columns if table is not None else pd.Series(scores, dtype=object).index
    absent = [m for m in metrics if m not in available]
    if absent:
        raise WorkbookInputError(
            "benchmark",
            [
                Problem(
                    "satisfaction.benchmark_metric_missing",
                    column=str(m),
                    params={"available": _names(available)},
                )
                for m in absent
            ],
        )
    if table is None:
        series = pd.Series(scores, dtype=object)[list(metrics)]
        return _check_matrix(series.to_frame("score"), "scores", -np.inf, np.inf, whole=False)[
            "score"
        ].rename_axis("metric")
    values = _check_matrix(table[list(metrics)], "scores", -np.inf, np.inf, whole=False)
    return values.rename_axis(columns="metric").stack(future_stack=True)  # type: ignore[return-value]  # a Series


def _directions(higher_is_better, metrics: pd.Index) -> pd.Series:
    if isinstance(higher_is_better, Mapping):
        return pd.Series({m: bool(higher_is_better.get(m, True)) for m in metrics})
    return pd.Series(bool(higher_is_better), index=metrics)


def _benchmark_reason(out: pd.DataFrame, oriented: pd.Series) -> pd.Series:
    params = {"score": _fmt(out["score"]), "benchmark": _fmt(out["benchmark"])}
    gap = _fmt(out["gap"])
    texts = [
        _vformat("satisfaction.benchmark_behind", gap=gap, **params),
        _vformat("satisfaction.benchmark_ahead", gap=gap, **params),
        _vformat("satisfaction.benchmark_level", **params),
    ]
    choice = np.select([oriented < 0, oriented > 0, oriented == 0], [s.to_numpy() for s in texts], default="")
    return pd.Series(choice, index=out.index).where(out["gap"].notna())


def key_drivers(
    df: pd.DataFrame,
    outcome: str,
    drivers: Sequence[str],
    method: str = "correlation",
) -> pd.DataFrame:
    """Rank drivers (e.g. attribute ratings) by their link with an outcome (overall satisfaction, NPS).

    Rows with a missing outcome or driver are dropped first, so both methods use the same
    :math:`n` respondents. With z-scores :math:`z = (x - \\bar x)/s` (``ddof=1``):

    * ``"correlation"``: coefficient = Pearson :math:`r_j = \\frac{1}{n-1}\\sum_i z_{ij} z_{iy}`;
      ``r2`` = :math:`r_j^2`, the share of outcome variance the driver explains alone;
    * ``"regression"``: coefficients = standardised OLS betas :math:`\\hat\\beta` solving
      :math:`\\min \\lVert Z\\beta - z_y \\rVert^2` (numpy ``lstsq``; no intercept needed as
      z-scores are centred); ``r2`` = the model's :math:`R^2 = 1 - \\lVert Z\\hat\\beta -
      z_y\\rVert^2/(n-1)`, the same on every row. Betas separate overlapping drivers but
      become unstable when drivers are strongly correlated.

    ``rank`` orders drivers by absolute coefficient (1 = strongest); the sign says the direction.

    Returns
    -------
    DataFrame
        Indexed by driver, sorted by rank: ``coefficient``, ``rank``, ``r2``, ``n``, ``method``.

    References
    ----------
    Johnson, J. W., & LeBreton, J. M. (2004). History and use of relative importance indices
    in organizational research. *Organizational Research Methods*, 7(3), 238–257.

    Examples
    --------
    >>> ratings = pd.DataFrame({"speed": [1, 2, 3, 4, 5], "price": [2, 1, 2, 1, 2],
    ...                         "overall": [1, 2, 3, 4, 5]})
    >>> key_drivers(ratings, "overall", ["price", "speed"]).index.tolist()
    ['speed', 'price']
    """
    _check_option(method, ("correlation", "regression"), "method", "key_drivers")
    drivers = list(dict.fromkeys(drivers))
    if not drivers:
        raise fail("key_drivers", "satisfaction.drivers_none")
    z, zy = _zscores(df, outcome, drivers, method)
    n = len(zy)
    if method == "correlation":
        coef = z.T @ zy / (n - 1)
        r2 = coef**2
    else:
        _check_rank(z, drivers)
        coef = np.linalg.lstsq(z, zy, rcond=None)[0]
        r2 = np.full(len(drivers), 1 - np.sum((z @ coef - zy) ** 2) / (n - 1))
    out = pd.DataFrame({"coefficient": coef}, index=pd.Index(drivers, name="driver"))
    out["rank"] = out["coefficient"].abs().rank(method="min", ascending=False).astype("int64")
    out["r2"] = r2
    out["n"] = n
    out["method"] = method
    return out.sort_values("rank", kind="stable")


def _zscores(df: pd.DataFrame, outcome: str, drivers: list[str], method: str) -> tuple[np.ndarray, ...]:
    """Z-scored complete rows of drivers and outcome, after checking size and variance."""
    columns = [*drivers, outcome] if outcome not in drivers else drivers
    for name in columns:
        _column(df, name, "key_drivers")
    data = _check_matrix(df[columns], "key_drivers", -np.inf, np.inf, whole=False).dropna()
    need = len(drivers) + 2 if method == "regression" else 3
    if len(data) < need:
        raise fail("key_drivers", "satisfaction.drivers_too_few_rows", n=len(data), need=need)
    sd = data.std()
    flat = [c for c in columns if not sd[c] > 0]
    if flat:
        raise WorkbookInputError(
            "key_drivers", [Problem("satisfaction.drivers_no_variance", column=str(c)) for c in flat]
        )
    z = ((data - data.mean()) / sd).to_numpy(float)
    return z[:, : len(drivers)], z[:, columns.index(outcome)]


def _check_rank(z: np.ndarray, drivers: list[str]) -> None:
    if np.linalg.matrix_rank(z) < z.shape[1]:
        raise fail("key_drivers", "satisfaction.drivers_collinear", columns=", ".join(map(str, drivers)))


# ====================================================================== shared helpers


def _answers(data, column: str, by, source: str, low: float, high: float) -> tuple[pd.Series, pd.Series]:
    """Validated answered ratings and their group keys (``all`` when not grouped), NaN answers dropped."""
    values = _scale_values(_series(data, column, source), source, low, high)
    groups = _group_keys(data, by, values.index, source)
    keep = values.notna() & groups.notna()
    if not keep.any():
        raise fail(source, "satisfaction.no_answers")
    return values[keep], groups[keep]


def _series(data, column: str, source: str) -> pd.Series:
    """The answers as a Series: a DataFrame's ``column``, a Series as is, anything else wrapped."""
    if isinstance(data, pd.DataFrame):
        return _column(data, column, source)
    if isinstance(data, pd.Series):
        return data
    return pd.Series(list(data) if not isinstance(data, np.ndarray) else data, dtype=object)


def _column(df: pd.DataFrame, name: Hashable, source: str) -> pd.Series:
    if name not in df.columns:
        raise fail(source, "satisfaction.missing_column", column=str(name), available=_names(df.columns))
    return df[name]


def _group_keys(data, by, index: pd.Index, source: str) -> pd.Series:
    if by is None:
        return pd.Series(ALL, index=index, dtype=object)
    if isinstance(by, str):
        if not isinstance(data, pd.DataFrame):
            raise fail(source, "satisfaction.by_needs_table", by=by)
        return _column(data, by, source)
    keys = np.asarray(by, dtype=object)
    if len(keys) != len(index):
        raise fail(source, "satisfaction.by_length", n_by=len(keys), n=len(index))
    return pd.Series(
        by.to_numpy() if isinstance(by, pd.Series) else keys, index=index, name=getattr(by, "name", None)
    )


def _scale_values(values: pd.Series, source: str, low: float, high: float) -> pd.Series:
    """Float answers after checking they are whole numbers on ``low``..``high`` (NaN = not answered)."""
    frame = values.to_frame(_UNNAMED if values.name is None else values.name)
    return _check_matrix(frame, source, low, high, whole=True).iloc[:, 0].rename(values.name)


def _check_matrix(frame: pd.DataFrame, source: str, low: float, high: float, *, whole: bool) -> pd.DataFrame:
    """Numeric copy of ``frame``; every column with non-numbers or values off ``low..high`` is reported."""
    numeric = frame.apply(pd.to_numeric, errors="coerce").astype(float)
    text = numeric.isna() & frame.notna()
    off = numeric.notna() & ((numeric < low) | (numeric > high) | ((numeric % 1 != 0) if whole else False))
    key = "satisfaction.out_of_scale" if whole else "satisfaction.out_of_range"
    problems = [
        _problem("satisfaction.not_numeric", text[col], frame[col], col)
        for col in frame.columns[text.any().to_numpy()]
    ]
    problems += [
        _problem(key, off[col], numeric[col], col, low=f"{low:g}", high=f"{high:g}")
        for col in frame.columns[off.any().to_numpy()]
    ]
    if problems:
        raise WorkbookInputError(source, problems)
    return numeric


def _problem(
    key: str, mask: pd.Series, values: pd.Series, column: Hashable | None = None, **params
) -> Problem:
    """A problem at the flagged rows: first row labels, their count, and the distinct values found."""
    rows = tuple(mask.index[mask.to_numpy()][:MAX_VALUES_SHOWN])
    flagged = values[mask]
    if pd.api.types.is_numeric_dtype(flagged):
        flagged = pd.Series(np.char.mod("%g", flagged.to_numpy(float)))  # 7, not 7.0
    shown = pd.unique(flagged.astype(str))[:MAX_VALUES_SHOWN]
    named = column is not None and column != _UNNAMED
    return Problem(
        key,
        column=str(column) if named else None,
        rows=rows,
        n_rows=int(mask.sum()),
        params={"values": ", ".join(shown), **params},
    )


def _check_scale(scale, source: str, *, whole: bool = True) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in scale)
        ok = low < high and (not whole or (low.is_integer() and high.is_integer()))
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise fail(source, "satisfaction.bad_scale", value=repr(scale))
    return low, high


def _check_top(top, low: float, high: float, source: str) -> list[float]:
    values = np.atleast_1d(np.asarray(top, dtype=object))
    numeric = pd.to_numeric(pd.Series(values), errors="coerce")
    bad = numeric.isna() | (numeric < low) | (numeric > high) | (numeric % 1 != 0)
    if len(values) == 0 or bad.any():
        raise fail(
            source,
            "satisfaction.bad_top",
            values=", ".join(map(str, values)),
            low=f"{low:g}",
            high=f"{high:g}",
        )
    return numeric.tolist()


def _check_confidence(confidence, source: str) -> None:
    if not (isinstance(confidence, int | float) and 0 < confidence < 1):
        raise fail(source, "satisfaction.bad_confidence", value=repr(confidence))


def _check_option(value, allowed: Iterable[str], option: str, source: str) -> None:
    allowed = tuple(allowed)
    if value not in allowed:
        raise fail(
            source, "satisfaction.bad_option", option=option, allowed=", ".join(allowed), value=repr(value)
        )


def _names(columns: Iterable) -> str:
    names = [str(c) for c in columns]
    return ", ".join(names[:12]) + (" …" if len(names) > 12 else "")


def _fmt(values: pd.Series, decimals: int = 2) -> pd.Series:
    """Numbers as display text, vectorised (NaN shown as empty)."""
    arr = values.to_numpy(dtype=float, na_value=np.nan)
    text = np.char.mod(f"%.{decimals}f", np.nan_to_num(arr))
    return pd.Series(np.where(np.isnan(arr), "", text), index=values.index, dtype=object)


_MARK = re.compile("\x00(\\d+)\x00")


def _vformat(key: str, **params) -> pd.Series:
    """Fill a catalogue template, some of whose placeholders are Series: one text per row, vectorised.

    The template is formatted once with a marker in place of each Series; the pieces between
    markers are then joined to the Series by column-wise string concatenation.
    """
    series = {k: v for k, v in params.items() if isinstance(v, pd.Series)}
    names = list(series)
    marked = {k: f"\x00{i}\x00" for i, k in enumerate(names)}
    text = t(key, **{**params, **marked})
    index = next(iter(series.values())).index
    out = pd.Series("", index=index, dtype=object)
    pos = 0
    for match in _MARK.finditer(text):
        piece = series[names[int(match.group(1))]].astype(object).fillna("").astype(str)
        out = out + text[pos : match.start()] + piece
        pos = match.end()
    return out + text[pos:]
