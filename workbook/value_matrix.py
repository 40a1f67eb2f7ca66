"""The customer value matrix: five dimensions → a weighted value score 0–100 → tier, quadrant, strategy.

Module 3 of the course. Each customer is scored on five dimensions (购买潜力 purchase
potential, 利润贡献 profit contribution, 忠诚度 loyalty, 合作意愿 willingness to
cooperate, 推荐能力 referral ability); each dimension is normalised to 0–1, the weighted
sum × 100 is the value score, and thresholds cut it into high / mid / low tiers. The
two-axis view (current value × potential value) puts every customer in one of four
quadrants, each with a strategy, a contact mode and a share of resources.

Formula::

    value_score = 100 · Σ_d w_d · x_d        with Σ_d w_d = 1, w_d ≥ 0, x_d ∈ [0, 1]

Defaults (weights, normalisation per dimension, tier thresholds, resource shares) live in
one place below. Re-scoring after a weight change is one matrix–vector product on the
cached normalised matrix (:func:`normalized_dimensions` then :func:`rescore`).

The default weights are the course's teaching choice (profit contribution first, purchase
potential next), not an estimate from data; trainers and trainees change them. The dimensions
follow the literature on customer value: what a customer is worth now and could be worth
(Peppers, Rogers & Dorf 1999; Ryals 2005), and what the relationship adds beyond purchases,
such as referrals (Kumar, Petersen & Leone 2007; Kumar et al. 2010). Ranking customers by
value to allocate resources is the customer-portfolio idea of Kumar & Reinartz (2006).

References
----------
Kumar, V., Aksoy, L., Donkers, B., Venkatesan, R., Wiesel, T., & Tillmanns, S. (2010).
Undervalued or overvalued customers: Capturing total customer engagement value. *Journal of
Service Research*, 13(3), 297–310.

Kumar, V., Petersen, J. A., & Leone, R. P. (2007). How valuable is word of mouth? *Harvard
Business Review*, 85(10), 139–146.

Kumar, V., & Reinartz, W. (2006). *Customer Relationship Management: A Databased Approach*.
Wiley.

Peppers, D., Rogers, M., & Dorf, B. (1999). Is your company ready for one-to-one marketing?
*Harvard Business Review*, 77(1), 151–160.

Ryals, L. (2005). Making customer relationship management work: The measurement and profitable
management of customer relationships. *Journal of Marketing*, 69(4), 252–261.

Example
-------
>>> import pandas as pd
>>> from workbook import value_matrix as vm
>>> m = pd.DataFrame({"purchase_potential": [1.0, 0.0], "profit_contribution": [1.0, 0.5],
...                   "loyalty": [0.5, 0.5], "cooperation": [1.0, 0.0], "referral": [0.0, 1.0]})
>>> vm.rescore(m, vm.DEFAULT_WEIGHTS).round(1).tolist()
[80.0, 35.0]
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from workbook.errors import Problem, WorkbookInputError, fail
from workbook.i18n import label, t

DIMENSIONS = ("purchase_potential", "profit_contribution", "loyalty", "cooperation", "referral")

# Weights: profit now counts most, potential next (curriculum module 3); trainers change them.
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "purchase_potential": 0.25,
    "profit_contribution": 0.30,
    "loyalty": 0.20,
    "cooperation": 0.15,
    "referral": 0.10,
}
# Money is heavily skewed, so it is ranked (percentile); ratings keep their scale meaning.
DEFAULT_METHODS: Mapping[str, str] = {
    "purchase_potential": "percentile",
    "profit_contribution": "percentile",
    "loyalty": "rating",
    "cooperation": "rating",
    "referral": "rating",
    "revenue": "percentile",
    "frequency": "percentile",
}
RATING_SCALES: Mapping[str, tuple[float, float]] = {
    "loyalty": (1, 5),
    "cooperation": (1, 5),
    "referral": (0, 1),
}
# From an order ledger alone (no survey columns): what customers bought, how much it earned and
# how often they came back, each ranked (percentile). Profit still counts most; without a profit
# column the weights are shared by the other two.
LEDGER_DIMENSIONS = ("revenue", "profit_contribution", "frequency")
LEDGER_WEIGHTS: Mapping[str, float] = {"revenue": 0.35, "profit_contribution": 0.40, "frequency": 0.25}
# The customer columns each dimension is computed from.
DIMENSION_INPUTS: Mapping[str, tuple[str, ...]] = {
    "purchase_potential": ("purchase_potential",),
    "profit_contribution": ("gross_profit_12m",),
    "loyalty": ("satisfaction", "trust"),
    "cooperation": ("cooperation",),
    "referral": ("recommend_score", "referrals"),
    "revenue": ("revenue_12m",),
    "frequency": ("orders_12m",),
}
DEFAULT_TIER_THRESHOLDS = (40.0, 70.0)  # value_score ≥ 70 high, ≥ 40 mid, else low
TIERS = ("low", "mid", "high")
QUADRANTS = ("strategic", "core", "growth", "basic")
FS_QUADRANTS = ("best", "frequent", "big_ticket", "occasional")
CONTACT_MODES = ("face_to_face", "phone", "online")
# Share of the service budget and contact mode per tier and per quadrant (curriculum module 2/3).
TIER_PLAN = {"high": (0.50, "face_to_face"), "mid": (0.35, "phone"), "low": (0.15, "online")}
QUADRANT_PLAN = {
    "strategic": (0.40, "face_to_face"),
    "core": (0.30, "face_to_face"),
    "growth": (0.20, "phone"),
    "basic": (0.10, "online"),
}
DEFAULT_SHARES = {tier: share for tier, (share, _) in TIER_PLAN.items()}
SOURCE = "value_matrix"


# ---------------------------------------------------------------- dimensions


def dimensions_for(customers: pd.DataFrame) -> tuple[str, ...]:
    """The dimensions a customer table can be valued on.

    The five of :data:`DIMENSIONS` for a customer table with any of their survey or potential
    columns (if some are missing, :func:`dimension_values` names them). A table with none of them
    but with ``revenue_12m`` and ``orders_12m``, as an order ledger gives
    (:func:`workbook.data.derive_customers`), is valued on :data:`LEDGER_DIMENSIONS`: revenue,
    frequency and, when ``gross_profit_12m`` is there, profit.

    >>> dimensions_for(pd.DataFrame(columns=["revenue_12m", "orders_12m"]))
    ('revenue', 'frequency')
    >>> dimensions_for(pd.DataFrame(columns=["revenue_12m", "orders_12m", "satisfaction"]))[:2]
    ('purchase_potential', 'profit_contribution')
    """

    def has(dimension: str) -> bool:
        return all(c in customers.columns for c in DIMENSION_INPUTS[dimension])

    survey = {c for d in DIMENSIONS for c in DIMENSION_INPUTS[d]} - {"gross_profit_12m"}
    if survey & set(customers.columns) or not (has("revenue") and has("frequency")):
        return DIMENSIONS
    return tuple(d for d in LEDGER_DIMENSIONS if has(d))


def default_weights(dimensions: Sequence[str] = DIMENSIONS) -> dict[str, float]:
    """The starting weights for ``dimensions``: :data:`DEFAULT_WEIGHTS` for the five,
    :data:`LEDGER_WEIGHTS` (rescaled to the ones present) for a ledger.

    >>> default_weights(("revenue", "frequency"))
    {'revenue': 0.5833333333333334, 'frequency': 0.4166666666666667}
    """
    given = DEFAULT_WEIGHTS if tuple(dimensions) == DIMENSIONS else LEDGER_WEIGHTS
    total = sum(given[d] for d in dimensions)
    return {d: given[d] / total for d in dimensions}


def dimension_values(customers: pd.DataFrame) -> pd.DataFrame:
    """Raw value of each dimension from canonical customer columns (index preserved).

    * purchase_potential = ``purchase_potential`` (CNY per year)
    * profit_contribution = ``gross_profit_12m`` (CNY)
    * loyalty = mean of ``satisfaction`` and ``trust`` (1–5)
    * cooperation = ``cooperation`` (1–5)
    * referral = ½ · ``recommend_score``/10 + ½ · min(``referrals``, 3)/3 (0–1): willingness
      to recommend and referrals actually made count alike, three or more referrals is full marks.
    * revenue = ``revenue_12m`` (CNY), frequency = ``orders_12m`` (orders): the ledger's dimensions.

    The dimensions are those :func:`dimensions_for` gives the table.

    >>> c = pd.DataFrame({"purchase_potential": [5e5], "gross_profit_12m": [8e4], "satisfaction": [4],
    ...                   "trust": [5], "cooperation": [3], "recommend_score": [8], "referrals": [1]})
    >>> dimension_values(c).round(3).iloc[0].tolist()
    [500000.0, 80000.0, 4.5, 3.0, 0.567]
    """
    dimensions = dimensions_for(customers)
    needed = dict.fromkeys(c for d in dimensions for c in DIMENSION_INPUTS[d])
    missing = [c for c in needed if c not in customers.columns]
    if missing:
        raise WorkbookInputError(SOURCE, [Problem("data.missing_column", column=c) for c in missing])
    number = {c: customers[c].astype("float64") for c in needed}
    formulas = {
        "purchase_potential": lambda: number["purchase_potential"],
        "profit_contribution": lambda: number["gross_profit_12m"],
        "loyalty": lambda: (number["satisfaction"] + number["trust"]) / 2,
        "cooperation": lambda: number["cooperation"],
        "referral": lambda: (
            0.5 * number["recommend_score"] / 10 + 0.5 * number["referrals"].clip(upper=3) / 3
        ),
        "revenue": lambda: number["revenue_12m"],
        "frequency": lambda: number["orders_12m"],
    }
    return pd.DataFrame({d: formulas[d]() for d in dimensions}, index=customers.index)


def normalize(
    values: pd.Series, method: str = "minmax", scale: tuple[float, float] | None = None
) -> pd.Series:
    """Map ``values`` to 0–1.

    * ``minmax``: (x − min)/(max − min); a constant column gives 0.5 (nobody is better).
    * ``percentile``: share of customers at or below (average rank for ties), rank/n.
    * ``rating``: (x − low)/(high − low) on the rating ``scale`` (default 1–5), clipped to 0–1.
    Missing values stay missing (the weighted score then treats them as 0, see :func:`rescore`).

    >>> normalize(pd.Series([10.0, 20.0, 40.0])).tolist()
    [0.0, 0.3333333333333333, 1.0]
    >>> normalize(pd.Series([1, 3, 5]), "rating").tolist()
    [0.0, 0.5, 1.0]
    """
    x = values.astype("float64")
    if method == "minmax":
        low, high = x.min(), x.max()
        return (x - low) / (high - low) if high > low else x.where(x.isna(), 0.5)
    if method == "percentile":
        return _percentile_ranks(x)
    if method == "rating":
        low, high = scale or (1, 5)
        return ((x - low) / (high - low)).clip(0, 1)
    raise fail(SOURCE, "value_matrix.unknown_method", method=method, allowed="minmax, percentile, rating")


def _percentile_ranks(x: pd.Series) -> pd.Series:
    """``x.rank(method="average", pct=True)`` with one NumPy sort: the average 1-based position of
    each value's ties, divided by the number of values given (missing ones stay missing).

    Bit for bit what pandas gives (an average of whole positions is exact in float64), in about a
    third of the time on half a million customers.

    >>> _percentile_ranks(pd.Series([30.0, 10.0, None, 30.0])).tolist()
    [0.8333333333333334, 0.3333333333333333, nan, 0.8333333333333334]
    """
    values = x.to_numpy(dtype="float64", na_value=np.nan)
    given = ~np.isnan(values)
    v = values[given]
    order = np.argsort(v)  # any order of equal values: they share their average position
    ordered = v[order]
    first = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))  # of each run of ties
    end = np.append(first[1:], len(v))  # one past its last
    ranks = np.empty(len(v))
    ranks[order] = np.repeat((first + 1 + end) / 2 / max(len(v), 1), end - first)
    out = np.full(len(values), np.nan)
    out[given] = ranks
    return pd.Series(out, index=x.index, name=x.name)


def normalized_dimensions(customers: pd.DataFrame, method: str | None = None) -> pd.DataFrame:
    """The dimensions (:func:`dimensions_for` the table) normalised to 0–1; ``method`` overrides
    :data:`DEFAULT_METHODS` for all.

    Compute this once and call :func:`rescore` for every weight change.
    """
    raw = dimension_values(customers)
    return pd.DataFrame(
        {d: normalize(raw[d], method or DEFAULT_METHODS[d], RATING_SCALES.get(d)) for d in raw.columns},
        index=raw.index,
    )


# ---------------------------------------------------------------- weights and score


def validate_weights(weights: Mapping[str, float], dimensions: Sequence[str] = DIMENSIONS) -> pd.Series:
    """Weights as a Series over ``dimensions`` (default the five), rescaled to sum to 1 (missing
    dimensions get 0).

    Raises :class:`WorkbookInputError` naming every unknown dimension (with a suggestion),
    non-number or negative weight, or when all weights are 0.

    >>> validate_weights({"loyalty": 2, "referral": 2}).tolist()
    [0.0, 0.0, 0.5, 0.0, 0.5]
    """
    problems = []
    for name, value in weights.items():
        if name not in dimensions:
            close = difflib.get_close_matches(str(name), dimensions, n=1, cutoff=0.6)
            key = "value_matrix.unknown_dimension_suggest" if close else "value_matrix.unknown_dimension"
            problems.append(
                Problem(
                    key,
                    column=str(name),
                    params={"suggest": close[0] if close else "", "allowed": ", ".join(dimensions)},
                )
            )
        elif isinstance(value, bool) or not isinstance(value, int | float | np.number) or np.isnan(value):
            problems.append(Problem("value_matrix.weight_not_number", column=name, params={"value": value}))
        elif value < 0:
            problems.append(Problem("value_matrix.weight_negative", column=name, params={"value": value}))
    if problems:
        raise WorkbookInputError(t("value_matrix.weights"), problems)
    series = pd.Series({d: float(weights.get(d, 0.0)) for d in dimensions})
    if series.sum() <= 0:
        raise fail(t("value_matrix.weights"), "value_matrix.weights_all_zero")
    return series / series.sum()


def rescore(normalized: pd.DataFrame, weights: Mapping[str, float]) -> pd.Series:
    """value_score = 100 · (normalised matrix @ weights); missing dimension values count as 0.

    The fast path for sliders: about a millisecond for 10,000 customers.
    """
    dimensions = tuple(normalized.columns)  # the five, or a ledger's (dimensions_for)
    w = validate_weights(weights, dimensions).to_numpy()
    matrix = np.nan_to_num(normalized.to_numpy(dtype="float64"))
    return pd.Series(100 * (matrix @ w), index=normalized.index, name="value_score")


def tier(score: pd.Series, thresholds: Sequence[float] = DEFAULT_TIER_THRESHOLDS) -> pd.Series:
    """high / mid / low from value scores: ≥ thresholds[1] high, ≥ thresholds[0] mid, else low."""
    low, high = _check_thresholds(thresholds)
    codes = (score.to_numpy() >= low).astype("int8") + (score.to_numpy() >= high)
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=list(TIERS), ordered=True),
        index=score.index,
        name="value_tier",
    )


def _check_thresholds(thresholds: Sequence[float]) -> tuple[float, float]:
    low, high = (float(x) for x in thresholds)
    if not 0 <= low <= high <= 100:
        raise fail(SOURCE, "value_matrix.bad_thresholds", low=low, high=high)
    return low, high


def value_scores(
    customers: pd.DataFrame,
    weights: Mapping[str, float] | None = None,
    *,
    method: str | None = None,
    thresholds: Sequence[float] = DEFAULT_TIER_THRESHOLDS,
    explain: bool = True,
) -> pd.DataFrame:
    """Per customer: ``score_<dimension>`` (0–100), ``value_score`` (0–100), ``value_tier`` and ``reason``.

    The reason names the two dimensions that contribute most points (weight × score). The
    dimensions are those the table has (:func:`dimensions_for`: the five, or a ledger's revenue,
    profit and frequency); ``weights`` default to :func:`default_weights` for them.

    >>> c = pd.DataFrame({"purchase_potential": [1e6, 1e5], "gross_profit_12m": [2e5, 1e4],
    ...                   "satisfaction": [5, 3], "trust": [5, 3], "cooperation": [5, 3],
    ...                   "recommend_score": [10, 5], "referrals": [3, 0]})
    >>> value_scores(c, explain=False)[["value_score", "value_tier"]].round(1).values.tolist()
    [[100.0, 'high'], [47.5, 'mid']]
    """
    normalized = normalized_dimensions(customers, method)
    weights = weights if weights is not None else default_weights(tuple(normalized.columns))
    score = rescore(normalized, weights)
    out = (normalized * 100).add_prefix("score_")
    out["value_score"] = score
    out["value_tier"] = tier(score, thresholds)
    if explain:
        w = validate_weights(weights, tuple(normalized.columns))
        out["reason"] = _reason(normalized, w, thresholds, score)
    return out


def _reason(
    normalized: pd.DataFrame, w: pd.Series, thresholds: Sequence[float], score: pd.Series
) -> pd.Series:
    points = np.nan_to_num(normalized.to_numpy(dtype="float64")) * w.to_numpy() * 100
    order = np.argsort(-points, axis=1, kind="stable")[:, :2]
    names = np.array([label("vm_dimension", d) for d in normalized.columns], dtype=object)
    first, second = names[order[:, 0]], names[order[:, 1]]
    p1 = np.take_along_axis(points, order[:, :1], axis=1)[:, 0]
    p2 = np.take_along_axis(points, order[:, 1:2], axis=1)[:, 0]
    template = t("value_matrix.reason")
    low, high = thresholds
    # Formatting per row is unavoidable for free text; it is one f-string per customer, no pandas per row.
    return pd.Series(
        [
            template.format(score=s, first=a, p1=x, second=b, p2=y, low=low, high=high)
            for s, a, x, b, y in zip(score.to_numpy(), first, p1, second, p2, strict=True)
        ],
        index=normalized.index,
        dtype="string",
    )


# ---------------------------------------------------------------- the two-axis views


def _split_value(values: pd.Series, split: str | float) -> float:
    if split == "median":
        return float(values.median())
    if split == "mean":
        return float(values.mean())
    if isinstance(split, int | float):
        return float(split)
    raise fail(SOURCE, "value_matrix.bad_split", split=split)


def _quadrant_codes(high_x: np.ndarray, high_y: np.ndarray, codes: Sequence[str]) -> pd.Categorical:
    """codes ordered (high x & high y, high x only, high y only, neither)."""
    index = np.where(high_x & high_y, 0, np.where(high_x, 1, np.where(high_y, 2, 3)))
    return pd.Categorical.from_codes(index, categories=list(codes))


def value_quadrants(
    scored: pd.DataFrame,
    current: str = "current_value",
    potential: str = "potential_value",
    split: str | float = "median",
) -> pd.DataFrame:
    """Current × potential value: ``strategic`` (both high), ``core`` (current high), ``growth``
    (potential high), ``basic`` (both low), split at the median, the mean or a given number.

    Columns kept: the two axes, ``quadrant``, ``x_split``, ``y_split``, ``reason``.
    :func:`current_potential` gives the default axes from customer data.
    """
    x, y = scored[current].astype("float64"), scored[potential].astype("float64")
    xs, ys = _split_value(x, split), _split_value(y, split)
    quadrant = _quadrant_codes((x >= xs).to_numpy(), (y >= ys).to_numpy(), QUADRANTS)
    out = pd.DataFrame(
        {current: x, potential: y, "quadrant": quadrant, "x_split": xs, "y_split": ys}, index=scored.index
    )
    names = {q: label("quadrant", q) for q in QUADRANTS}
    out["reason"] = (
        pd.Series(quadrant, index=scored.index)
        .map(lambda q: t("value_matrix.quadrant_reason", quadrant=names[q], x=round(xs, 1), y=round(ys, 1)))
        .astype("string")
    )
    return out


def current_potential(customers: pd.DataFrame) -> pd.DataFrame:
    """Default axes 0–100: current value = percentile of 12-month gross profit; potential value =
    percentile of the wallet not yet won, ``purchase_potential − revenue_12m`` (floored at 0)."""
    headroom = (customers["purchase_potential"] - customers["revenue_12m"]).clip(lower=0)
    return pd.DataFrame(
        {
            "current_value": 100 * normalize(customers["gross_profit_12m"], "percentile"),
            "potential_value": 100 * normalize(headroom, "percentile"),
        },
        index=customers.index,
    )


def frequency_spend_quadrants(
    customers: pd.DataFrame,
    frequency: str = "orders_12m",
    spend: str | None = None,
    split: str | float = "median",
) -> pd.DataFrame:
    """The classic frequency × average-spend view: ``best`` (both high), ``frequent`` (often, small),
    ``big_ticket`` (rarely, large), ``occasional`` (both low). Average spend = revenue_12m / orders_12m
    unless ``spend`` names a column; customers without orders are left out (NaN quadrant)."""
    freq = customers[frequency].astype("float64")
    avg = customers[spend].astype("float64") if spend else customers["revenue_12m"] / freq.where(freq > 0)
    buying = freq > 0
    fs, ss = _split_value(freq[buying], split), _split_value(avg[buying], split)
    quadrant = _quadrant_codes((freq >= fs).to_numpy(), (avg >= ss).to_numpy(), FS_QUADRANTS)
    out = pd.DataFrame(
        {
            "frequency": freq,
            "avg_spend": avg,
            "fs_quadrant": quadrant,
            "frequency_split": fs,
            "spend_split": ss,
        },
        index=customers.index,
    )
    out.loc[~buying, "fs_quadrant"] = np.nan
    return out


# ---------------------------------------------------------------- strategy and resources


def strategy_table(lang: str | None = None) -> pd.DataFrame:
    """For each tier and quadrant: strategy text, contact mode and default share of resources."""
    rows = [
        {
            "group": "value_tier",
            "code": code,
            "name": label("value_tier", code, lang),
            "strategy": t(f"value_matrix.strategy.{code}", lang),
            "contact_mode": label("contact_mode", mode, lang),
            "resource_share": share,
        }
        for code, (share, mode) in TIER_PLAN.items()
    ]
    rows += [
        {
            "group": "quadrant",
            "code": code,
            "name": label("quadrant", code, lang),
            "strategy": t(f"value_matrix.strategy.{code}", lang),
            "contact_mode": label("contact_mode", mode, lang),
            "resource_share": share,
        }
        for code, (share, mode) in QUADRANT_PLAN.items()
    ]
    return pd.DataFrame(rows)


def allocate_budget(
    scored: pd.DataFrame, budget: float, shares: Mapping[str, float] | None = None, by: str = "value_tier"
) -> pd.DataFrame:
    """Split ``budget`` (CNY) over the groups in column ``by`` by ``shares``, then evenly per customer.

    Shares are rescaled over the groups that have customers (an empty group's share goes to the
    others in proportion). Amounts are in fen (0.01 CNY) and sum exactly to the budget: each
    group gets its floor and the leftover fen go to the largest remainders (Hamilton's method).

    >>> s = pd.DataFrame({"value_tier": ["high", "mid", "mid", "low"]})
    >>> allocate_budget(s, 1000)[["budget", "per_customer"]].values.tolist()
    [[500.0, 500.0], [350.0, 175.0], [150.0, 150.0]]
    """
    if not budget >= 0:
        raise fail(SOURCE, "value_matrix.bad_budget", budget=budget)
    plan = shares or (DEFAULT_SHARES if by == "value_tier" else {q: s for q, (s, _) in QUADRANT_PLAN.items()})
    counts = scored[by].astype("object").value_counts()
    groups = [g for g in plan if counts.get(g, 0) > 0]
    if not groups:
        raise fail(SOURCE, "value_matrix.no_groups", by=by)
    weights = np.array([plan[g] for g in groups], dtype="float64")
    if (weights < 0).any() or weights.sum() <= 0:
        raise fail(SOURCE, "value_matrix.bad_shares")
    exact = round(budget * 100) * weights / weights.sum()
    fen = np.floor(exact).astype(np.int64)
    leftover = round(budget * 100) - fen.sum()
    fen[np.argsort(-(exact - fen), kind="stable")[:leftover]] += 1
    n = np.array([counts[g] for g in groups])
    return pd.DataFrame(
        {
            "customers": n,
            "share": weights / weights.sum(),
            "budget": fen / 100,
            "per_customer": np.floor(fen / n) / 100,
        },
        index=pd.Index(groups, name=by),
    )


def weight_sensitivity(
    customers: pd.DataFrame,
    weights: Mapping[str, float] = DEFAULT_WEIGHTS,
    deltas: Sequence[float] = (-0.10, -0.05, 0.05, 0.10),
    *,
    method: str | None = None,
    thresholds: Sequence[float] = DEFAULT_TIER_THRESHOLDS,
) -> pd.DataFrame:
    """How many customers change tier when one weight moves by ``delta`` (others rescaled to keep Σ = 1).

    The moved weight is clipped at 0. All scenarios are scored in one matrix product.
    Columns: dimension, delta, weight (after the move, before rescaling the others), changed, up, down,
    changed_share.
    """
    normalized = normalized_dimensions(customers, method)
    base = validate_weights(weights)
    scenarios = [(d, float(delta)) for d in DIMENSIONS for delta in deltas]
    table = np.empty((len(DIMENSIONS), len(scenarios)))
    for j, (d, delta) in enumerate(scenarios):  # a loop over a few dozen scenarios, not customers
        w = base.copy()
        w[d] = max(w[d] + delta, 0.0)
        table[:, j] = (w / w.sum()).to_numpy()
    matrix = np.nan_to_num(normalized[list(DIMENSIONS)].to_numpy())
    low, high = _check_thresholds(thresholds)
    scores = 100 * (matrix @ table)
    tiers = (scores >= low).astype("int8") + (scores >= high)
    base_tier = tier(rescore(normalized, base), thresholds).cat.codes.to_numpy()[:, None]
    up, down = (tiers > base_tier).sum(axis=0), (tiers < base_tier).sum(axis=0)
    return pd.DataFrame(
        {
            "dimension": [d for d, _ in scenarios],
            "delta": [x for _, x in scenarios],
            "weight": [max(base[d] + x, 0.0) for d, x in scenarios],
            "changed": up + down,
            "up": up,
            "down": down,
            "changed_share": (up + down) / max(len(matrix), 1),
        }
    )
