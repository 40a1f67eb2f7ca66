"""Customer classification: relationship ladder, value tiers, behaviour, needs, types, RFM, migration.

Computes modules 1 and 2 of the course. Each function takes a table with the canonical columns
of the data dictionary and returns a **new** DataFrame: one row per customer with the input's
index (RFM from transactions: one row per customer id), English codes as values and a
``reason`` column in the active language that names the rule that decided and the customer's
own numbers, so a trainee can argue with the result. Display names of the codes come from
the catalogue: ``label("level", "loyal")`` → ``忠诚客户``.

Reasons are built vectorised: a catalogue template is formatted once per distinct combination
of the numbers it shows and the texts are then gathered by row. That is cheap for counts,
days and scores; reasons that quote a unique number per row (value tiers) cost about a
microsecond per row. Every labelling function takes ``explain=True``; ``explain=False``
leaves the ``reason`` column out, which is the fast path for very large tables.

All thresholds have documented defaults in the block below (the one place to look them up);
bad parameters or input raise :class:`~workbook.errors.WorkbookInputError`.

References
----------
Christopher, M., Payne, A., & Ballantyne, D. (1991). *Relationship Marketing: Bringing Quality,
Customer Service and Marketing Together*. Butterworth-Heinemann. (The ladder of customer
relationships, from prospect to partner.)

Dickie, H. F. (1951). ABC inventory analysis shoots for dollars, not pennies. *Factory Management
and Maintenance*, 109(7), 92–94. (ABC classes by cumulative share of value.)

Juran, J. M. (1951). *Quality Control Handbook*. McGraw-Hill. (The Pareto principle: the vital
few and the trivial many.)

Hughes, A. M. (1994). *Strategic Database Marketing*. Probus. (RFM: recency, frequency and
monetary value scored in quintiles.)

Example
-------
>>> import pandas as pd
>>> from workbook import classify, i18n
>>> customers = pd.DataFrame({
...     "customer_id": ["C1", "C2"], "orders_12m": [8, 0], "enquiries_12m": [0, 2],
...     "satisfaction": [4, 3], "joint_projects": [0, 0], "contacts_decision": [1, 0],
...     "first_purchase_date": pd.to_datetime(["2023-04-01", None]),
...     "last_purchase_date": pd.to_datetime(["2026-06-01", None])})
>>> with i18n.language("en"):
...     result = classify.relationship_level(customers, as_of="2026-06-30")
>>> result["level"].tolist()
['loyal', 'initial_contact']
>>> result.loc[0, "reason"]
'orders in the last 12 months 8 ≥ 6, years as a customer 3.2 ≥ 2, satisfaction 4 ≥ 4'
"""

from __future__ import annotations

import itertools
import math
import string
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from numbers import Real
from types import MappingProxyType

import numpy as np
import pandas as pd

from workbook.errors import Problem, WorkbookInputError, fail
from workbook.i18n import label, t

# ================================================================ defaults: the one place

LEVELS = ("prospect", "initial_contact", "active", "loyal", "strategic_partner")  # ladder, low → high
VALUE_TIERS = ("low", "mid", "high")  # low → high; ABC: high = A, mid = B, low = C
ABC_CLASSES = ("A", "B", "C")
BEHAVIOURS = ("active", "potential", "churned")
NEEDS_TYPES = ("explicit", "fuzzy", "latent")
CUSTOMER_TYPES = ("high_value", "member", "prospect", "one_off", "regular")  # precedence: first match wins
LAYERS = ("decision", "management", "operational")  # three-layer engagement, read from contacts_<layer>
NEW, LOST = "new", "lost"  # migration: absent before / absent after

DEFAULT_VALUE_MEASURE = "gross_profit_12m"
DEFAULT_ABC_CUTOFFS = (0.8, 0.95)  # A: the top customers making the first 80 % of the total, B: up to 95 %
DEFAULT_TIER_QUANTILES = (1 / 3, 2 / 3)  # value_tier_quantile: tertiles
DEFAULT_ACTIVE_DAYS = 90  # behaviour: bought within 90 days → active
DEFAULT_CHURN_DAYS = 365  # behaviour: no purchase for more than a year → churned
DEFAULT_MIN_ENQUIRIES = 1  # needs: at least one enquiry in 12 months shows a (fuzzy) need
RFM_BINS = 5  # RFM scores are quintiles 1..5
DAYS_PER_YEAR = 365.25  # only for showing tenure in years; the tenure rule itself uses calendar months
MISSING_TEXT = "—"  # shown in a reason where the customer's number is missing


def _threshold_problem(name: str, value) -> Problem | None:
    """A Problem when a threshold is not a finite number ≥ 0, else None."""
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        return Problem("classify.rule_not_number", params={"rule": name, "value": value})
    if value < 0:
        return Problem("classify.rule_negative", params={"rule": name, "value": value})
    return None


@dataclass(frozen=True)
class LadderRules:
    """Thresholds of the relationship ladder (the course's default rules).

    The ladder is evaluated top-down and the first rule a customer meets decides:

    ========================  =============================================================
    strategic_partner         joint_projects ≥ 1, contacts_decision ≥ 1, orders_12m ≥ 6,
                              tenure ≥ 2 years
    loyal                     orders_12m ≥ 6, tenure ≥ 2 years, satisfaction ≥ 4
    active                    orders_12m ≥ 3, recency ≤ 180 days
    initial_contact           orders_12m ≥ 1 or enquiries_12m ≥ 1
    prospect                  otherwise
    ========================  =============================================================

    tenure = ``as_of`` − first_purchase_date, tested in calendar months (2 years: first purchase
    on or before the same day 24 months earlier; fractional years are rounded to whole months);
    recency = ``as_of`` − last_purchase_date in days. Customers without a purchase date have
    neither tenure nor recency and cannot meet a rule that needs one.

    All thresholds must be finite numbers ≥ 0; satisfaction is on the 1–5 scale. Nonsense raises
    :class:`WorkbookInputError` when the rules are built.

    >>> LadderRules(active_min_orders=4).active_min_orders
    4
    """

    partner_min_joint_projects: float = 1
    partner_min_decision_contacts: float = 1
    partner_min_orders: float = 6
    partner_min_tenure_years: float = 2
    loyal_min_orders: float = 6
    loyal_min_tenure_years: float = 2
    loyal_min_satisfaction: float = 4
    active_min_orders: float = 3
    active_max_recency_days: float = 180
    initial_min_orders: float = 1
    initial_min_enquiries: float = 1

    def __post_init__(self) -> None:
        problems = [p for f in fields(self) if (p := _threshold_problem(f.name, getattr(self, f.name)))]
        if not problems and not 1 <= self.loyal_min_satisfaction <= 5:
            problems.append(
                Problem(
                    "classify.rule_out_of_range",
                    params={
                        "rule": "loyal_min_satisfaction",
                        "value": self.loyal_min_satisfaction,
                        "range": "1–5",
                    },
                )
            )
        if problems:
            raise WorkbookInputError("rules", problems)

    @classmethod
    def from_mapping(cls, values: Mapping[str, float]) -> LadderRules:
        """Rules from a dict such as ``{"active_min_orders": 4}``; unnamed thresholds keep their default."""
        known = [f.name for f in fields(cls)]
        unknown = [k for k in values if k not in known]
        if unknown:
            raise WorkbookInputError(
                "rules",
                [
                    Problem("classify.rule_unknown", params={"rule": k, "known": ", ".join(known)})
                    for k in unknown
                ],
            )
        return cls(**values)


DEFAULT_LADDER_RULES = LadderRules()

# RFM segments: the widely used R × F grid (10 named cells of the 5 × 5 recency/frequency
# grid); M does not move a customer between these segments and is shown in the reason.
# Each segment lists boxes (R, F, M); a part is a score, an inclusive (low, high) range or
# None for any score. Every one of the 125 (R, F, M) cells must fall in exactly one box.
DEFAULT_RFM_SEGMENTS: Mapping[str, tuple] = MappingProxyType(
    {
        "champions": ((5, (4, 5), None),),
        "loyal": (((3, 4), (4, 5), None),),
        "potential_loyalist": (((4, 5), (2, 3), None),),
        "new": ((5, 1, None),),
        "promising": ((4, 1, None),),
        "need_attention": ((3, 3, None),),
        "about_to_sleep": ((3, (1, 2), None),),
        "at_risk": (((1, 2), (3, 4), None),),
        "cant_lose": (((1, 2), 5, None),),
        "hibernating": (((1, 2), (1, 2), None),),
    }
)

LADDER_COLUMNS = (
    "orders_12m",
    "enquiries_12m",
    "satisfaction",
    "joint_projects",
    "contacts_decision",
    "first_purchase_date",
    "last_purchase_date",
)
LEVEL_DTYPE = pd.CategoricalDtype(LEVELS, ordered=True)
VALUE_TIER_DTYPE = pd.CategoricalDtype(VALUE_TIERS, ordered=True)
ABC_DTYPE = pd.CategoricalDtype(ABC_CLASSES)
BEHAVIOUR_DTYPE = pd.CategoricalDtype(BEHAVIOURS)
NEEDS_DTYPE = pd.CategoricalDtype(NEEDS_TYPES)
CUSTOMER_TYPE_DTYPE = pd.CategoricalDtype(CUSTOMER_TYPES)


# ================================================================ relationship ladder


def relationship_level(
    customers: pd.DataFrame,
    rules: LadderRules | Mapping = DEFAULT_LADDER_RULES,
    as_of=None,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """Place every customer on the five-step relationship ladder (module 1).

    Parameters
    ----------
    customers : DataFrame with ``orders_12m``, ``enquiries_12m``, ``satisfaction``, ``joint_projects``,
        ``contacts_decision``, ``first_purchase_date`` and ``last_purchase_date``.
    rules : :class:`LadderRules` or a dict of thresholds to change (default :data:`DEFAULT_LADDER_RULES`).
    as_of : date of the assessment (anything ``pd.Timestamp`` reads); default: the latest
        ``last_purchase_date`` in the table. Pass it explicitly for a fixed snapshot.
    explain : add the ``reason`` column (default); ``False`` is the fast path.

    Returns
    -------
    DataFrame, same index: ``level`` (ordered categorical of :data:`LEVELS`) and ``reason``,
    e.g. ``近12月订单 8 次 ≥ 6，合作 3.2 年 ≥ 2 年，满意度 4 ≥ 4``.

    Example
    -------
    >>> one = pd.DataFrame({"orders_12m": [4], "enquiries_12m": [0], "satisfaction": [3],
    ...     "joint_projects": [0], "contacts_decision": [0],
    ...     "first_purchase_date": pd.to_datetime(["2025-01-10"]),
    ...     "last_purchase_date": pd.to_datetime(["2026-05-31"])})
    >>> relationship_level(one, as_of="2026-06-30").loc[0, "reason"]
    '近12月订单 4 次 ≥ 3，最近一次购买在 30 天前 ≤ 180 天'
    """
    rules = _ladder_rules(rules)
    _require(customers, LADDER_COLUMNS, "customers")
    facts = _ladder_facts(customers, as_of)
    tests = [
        _is_partner(facts, rules),
        _is_loyal(facts, rules),
        _is_active(facts, rules),
        _is_initial(facts, rules),
    ]
    codes = np.select(tests, [4, 3, 2, 1], default=0).astype(np.int8)
    out = pd.DataFrame({"level": pd.Categorical.from_codes(codes, dtype=LEVEL_DTYPE)}, index=customers.index)
    if explain:
        out["reason"] = _reason_series(_ladder_reasons(codes, facts, rules), customers.index)
    return out


def _ladder_rules(rules) -> LadderRules:
    if isinstance(rules, LadderRules):
        return rules
    if isinstance(rules, Mapping):
        return LadderRules.from_mapping(rules)
    raise fail("rules", "classify.rules_type", value=type(rules).__name__)


def _ladder_facts(customers: pd.DataFrame, as_of) -> dict:
    """The customer's numbers the ladder looks at, as float arrays (NaN where unknown)."""
    first = _dates(customers, "first_purchase_date", "customers")
    last = _dates(customers, "last_purchase_date", "customers")
    day = _resolve_as_of(as_of, last, "customers")
    facts = {c: _numbers(customers, c, "customers") for c in LADDER_COLUMNS[:5]}
    facts.update(
        first=first,
        as_of=day,
        recency=_days_between(last, day),
        tenure=_days_between(first, day) / DAYS_PER_YEAR,
    )
    return facts


def _tenure_reached(facts: dict, years: float) -> np.ndarray:
    """First purchase on or before as_of minus ``years`` (rounded to calendar months): 2 years on
    2026-06-30 means first purchase on or before 2024-06-30, whatever the leap days."""
    cutoff = pd.Timestamp(facts["as_of"]) - pd.DateOffset(months=round(years * 12))
    return facts["first"] <= cutoff.to_datetime64()


def _is_partner(f: dict, r: LadderRules) -> np.ndarray:
    return (
        (f["joint_projects"] >= r.partner_min_joint_projects)
        & (f["contacts_decision"] >= r.partner_min_decision_contacts)
        & (f["orders_12m"] >= r.partner_min_orders)
        & _tenure_reached(f, r.partner_min_tenure_years)
    )


def _is_loyal(f: dict, r: LadderRules) -> np.ndarray:
    return (
        (f["orders_12m"] >= r.loyal_min_orders)
        & _tenure_reached(f, r.loyal_min_tenure_years)
        & (f["satisfaction"] >= r.loyal_min_satisfaction)
    )


def _is_active(f: dict, r: LadderRules) -> np.ndarray:
    return (f["orders_12m"] >= r.active_min_orders) & (f["recency"] <= r.active_max_recency_days)


def _is_initial(f: dict, r: LadderRules) -> np.ndarray:
    return (f["orders_12m"] >= r.initial_min_orders) | (f["enquiries_12m"] >= r.initial_min_enquiries)


def _ladder_reasons(codes: np.ndarray, f: dict, r: LadderRules) -> np.ndarray:
    out = np.empty(len(codes), dtype=object)
    orders, tenure = f["orders_12m"], f["tenure"]
    _fill(
        out,
        codes == 4,
        "classify.level.strategic_partner",
        joint=f["joint_projects"],
        decision=f["contacts_decision"],
        orders=orders,
        tenure=tenure,
        min_joint=r.partner_min_joint_projects,
        min_decision=r.partner_min_decision_contacts,
        min_orders=r.partner_min_orders,
        min_tenure=r.partner_min_tenure_years,
    )
    _fill(
        out,
        codes == 3,
        "classify.level.loyal",
        orders=orders,
        tenure=tenure,
        satisfaction=f["satisfaction"],
        min_orders=r.loyal_min_orders,
        min_tenure=r.loyal_min_tenure_years,
        min_satisfaction=r.loyal_min_satisfaction,
    )
    _fill(
        out,
        codes == 2,
        "classify.level.active",
        orders=orders,
        recency=f["recency"],
        min_orders=r.active_min_orders,
        max_recency=r.active_max_recency_days,
    )
    for code, key in ((1, "classify.level.initial_contact"), (0, "classify.level.prospect")):
        _fill(
            out,
            codes == code,
            key,
            orders=orders,
            enquiries=f["enquiries_12m"],
            min_orders=r.initial_min_orders,
            min_enquiries=r.initial_min_enquiries,
        )
    return out


# ================================================================ value tiers


def value_tier_abc(
    customers: pd.DataFrame,
    by: str = DEFAULT_VALUE_MEASURE,
    cutoffs: tuple[float, float] = DEFAULT_ABC_CUTOFFS,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """Pareto / ABC value tiers by cumulative share of ``by`` (module 2, profit contribution).

    Customers are sorted by ``by`` from high to low (equal values: by ``customer_id`` ascending,
    or the index when there is no such column, so the result never depends on row order).
    With ``S`` the total and ``P_i`` the sum of the customers ranked above customer ``i``:

    * A = ``high``: ``P_i < a·S`` — the fewest top customers that together reach ``a`` (80 %);
    * B = ``mid``:  ``a·S ≤ P_i < b·S`` — the next ones until ``b`` (95 %) is reached;
    * C = ``low``:  ``P_i ≥ b·S`` — the rest, including customers with negative values.

    Parameters
    ----------
    by : numeric column, default ``gross_profit_12m`` (CNY); its total must be > 0.
    cutoffs : ``(a, b)`` with ``0 < a < b ≤ 1``, default ``(0.8, 0.95)``.

    Returns
    -------
    DataFrame, same index: ``value_tier`` (ordered categorical low < mid < high), ``abc_class``
    (A/B/C), ``rank`` (1 = highest), ``cum_share`` (share of the total up to and including the
    customer, 0–1) and ``reason``.

    Example
    -------
    >>> five = pd.DataFrame({"customer_id": list("abcde"), "gross_profit_12m": [50, 30, 10, 5, 5]})
    >>> value_tier_abc(five, explain=False)["abc_class"].tolist()
    ['A', 'A', 'B', 'B', 'C']
    """
    a, b = _fraction_pair(cutoffs, "cutoffs", closed_top=True)
    values = _complete_numbers(customers, by)
    total = values.sum()
    if not total > 0:
        raise fail("customers", "classify.total_not_positive", column=by, total=f"{total:,.2f}")
    order = np.lexsort((_id_codes(customers), -values))
    cum = np.cumsum(values[order])
    before = np.concatenate(([0.0], cum[:-1]))
    tol = 1e-9 * total  # a running sum that reaches the cut-off up to rounding counts as reached
    tier_sorted = np.where(before < a * total - tol, 2, np.where(before < b * total - tol, 1, 0))
    tier, rank, share, prev = _unsort(
        order, tier_sorted, np.arange(1, len(values) + 1), cum / total, before / total
    )
    out = pd.DataFrame(
        {
            "value_tier": pd.Categorical.from_codes(tier, dtype=VALUE_TIER_DTYPE),
            "abc_class": pd.Categorical.from_codes(2 - tier, dtype=ABC_DTYPE),
            "rank": rank,
            "cum_share": share,
        },
        index=customers.index,
    )
    if explain:
        reasons = np.empty(len(values), dtype=object)
        common = {"measure": _measure(by), "n": len(values), "cut_a": _percent(a), "cut_b": _percent(b)}
        shown = np.floor(prev * 1000 + 1e-6) / 1000  # rounded down to 0.1 %: never "80.0 %" below 80 %
        for code, key in ((2, "classify.abc.high"), (1, "classify.abc.mid"), (0, "classify.abc.low")):
            _fill(reasons, tier == code, key, value=values, rank=rank, prev=shown, **common)
        out["reason"] = _reason_series(reasons, customers.index)
    return out


def _unsort(order: np.ndarray, *sorted_arrays: np.ndarray) -> list[np.ndarray]:
    """Put arrays computed in ``order`` back into row order."""
    result = []
    for values in sorted_arrays:
        back = np.empty_like(values)
        back[order] = values
        result.append(back)
    return result


def value_tier_quantile(
    customers: pd.DataFrame,
    by: str = DEFAULT_VALUE_MEASURE,
    q: tuple[float, float] = DEFAULT_TIER_QUANTILES,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """Value tiers by quantiles of ``by``: low / mid / high (default: thirds).

    The cut points are the ``q`` quantiles of ``by`` with linear interpolation (as Excel's
    PERCENTILE.INC and ``numpy.quantile``): ``low`` if value ≤ lower cut, ``mid`` if
    lower < value ≤ upper, ``high`` if value > upper. Equal values always share a tier, so with
    many ties the tiers are not equally large.

    Returns a DataFrame with the same index: ``value_tier`` (ordered categorical) and ``reason``.

    Example
    -------
    >>> six = pd.DataFrame({"gross_profit_12m": [10, 20, 30, 40, 50, 60]})
    >>> value_tier_quantile(six, explain=False)["value_tier"].tolist()
    ['low', 'low', 'mid', 'mid', 'high', 'high']
    """
    q_lo, q_hi = _fraction_pair(q, "q", closed_top=False)
    values = _complete_numbers(customers, by)
    lower, upper = np.quantile(values, [q_lo, q_hi]) if len(values) else (np.nan, np.nan)
    tier = np.where(values > upper, 2, np.where(values > lower, 1, 0)).astype(np.int8)
    out = pd.DataFrame(
        {"value_tier": pd.Categorical.from_codes(tier, dtype=VALUE_TIER_DTYPE)}, index=customers.index
    )
    if explain:
        reasons = np.empty(len(values), dtype=object)
        common = {
            "measure": _measure(by),
            "lower": _number_text(lower),
            "upper": _number_text(upper),
            "q_lo": _percent(q_lo),
            "q_hi": _percent(q_hi),
        }
        for code, name in enumerate(VALUE_TIERS):
            _fill(reasons, tier == code, f"classify.quantile.{name}", value=values, **common)
        out["reason"] = _reason_series(reasons, customers.index)
    return out


# ================================================================ behaviour, needs, customer type


def behaviour_status(
    customers: pd.DataFrame,
    as_of=None,
    active_days: float = DEFAULT_ACTIVE_DAYS,
    churn_days: float = DEFAULT_CHURN_DAYS,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """Behaviour dimension (module 2): active / potential / churned from days since the last purchase.

    With recency = ``as_of`` − ``last_purchase_date`` in days:
    ``active`` if recency ≤ ``active_days`` (90); ``churned`` if recency > ``churn_days`` (365);
    ``potential`` otherwise — lapsing customers in between and customers who never bought.

    Parameters
    ----------
    as_of : assessment date; default the latest ``last_purchase_date`` in the table.
    active_days, churn_days : day thresholds, ``0 ≤ active_days ≤ churn_days``.

    Returns a DataFrame with the same index: ``behaviour`` (categorical of :data:`BEHAVIOURS`),
    ``recency_days`` (float, NaN for never bought) and ``reason``.

    Example
    -------
    >>> two = pd.DataFrame({"last_purchase_date": pd.to_datetime(["2026-06-01", "2025-01-01"])})
    >>> behaviour_status(two, as_of="2026-06-30", explain=False)["behaviour"].tolist()
    ['active', 'churned']
    """
    _check_days(active_days, churn_days)
    last = _dates(customers, "last_purchase_date", "customers")
    recency = _days_between(last, _resolve_as_of(as_of, last, "customers"))
    codes = np.where(recency <= active_days, 0, np.where(recency > churn_days, 2, 1)).astype(np.int8)
    out = pd.DataFrame(
        {"behaviour": pd.Categorical.from_codes(codes, dtype=BEHAVIOUR_DTYPE), "recency_days": recency},
        index=customers.index,
    )
    if explain:
        reasons = np.empty(len(codes), dtype=object)
        days = {"active_days": active_days, "churn_days": churn_days}
        _fill(reasons, codes == 0, "classify.behaviour.active", recency=recency, **days)
        lapsing = (codes == 1) & ~np.isnan(recency)
        _fill(reasons, lapsing, "classify.behaviour.potential", recency=recency, **days)
        _fill(reasons, np.isnan(recency), "classify.behaviour.never")
        _fill(reasons, codes == 2, "classify.behaviour.churned", recency=recency, **days)
        out["reason"] = _reason_series(reasons, customers.index)
    return out


def needs_type(
    customers: pd.DataFrame, min_enquiries: float = DEFAULT_MIN_ENQUIRIES, *, explain: bool = True
) -> pd.DataFrame:
    """Needs dimension (module 2): explicit / fuzzy / latent (需求明确型 / 需求模糊型 / 潜在需求型).

    Rule, first match wins:

    * ``explicit`` — ``needs_documented`` is true: the requirements are confirmed in writing;
    * ``fuzzy`` — not documented, but ``enquiries_12m`` ≥ ``min_enquiries`` (1): the customer
      asks, tries and requests quotes, yet the need is not pinned down;
    * ``latent`` — neither: a need may exist but the customer has not voiced it.

    A missing ``needs_documented`` counts as not documented.

    Returns a DataFrame with the same index: ``needs`` (categorical of :data:`NEEDS_TYPES`) and ``reason``.

    Example
    -------
    >>> three = pd.DataFrame({"needs_documented": [True, False, False], "enquiries_12m": [0, 2, 0]})
    >>> needs_type(three, explain=False)["needs"].tolist()
    ['explicit', 'fuzzy', 'latent']
    """
    _check_threshold("min_enquiries", min_enquiries)
    _require(customers, ("needs_documented", "enquiries_12m"), "customers")
    documented = _flags(customers, "needs_documented")
    enquiries = _numbers(customers, "enquiries_12m", "customers")
    codes = np.where(documented, 0, np.where(enquiries >= min_enquiries, 1, 2)).astype(np.int8)
    out = pd.DataFrame({"needs": pd.Categorical.from_codes(codes, dtype=NEEDS_DTYPE)}, index=customers.index)
    if explain:
        reasons = np.empty(len(codes), dtype=object)
        numbers = {"enquiries": enquiries, "min_enquiries": min_enquiries}
        for code, name in enumerate(NEEDS_TYPES):
            _fill(reasons, codes == code, f"classify.needs.{name}", **numbers)
        out["reason"] = _reason_series(reasons, customers.index)
    return out


def customer_type(
    customers: pd.DataFrame,
    value_tiers: pd.Series | None = None,
    *,
    by: str = DEFAULT_VALUE_MEASURE,
    cutoffs: tuple[float, float] = DEFAULT_ABC_CUTOFFS,
    explain: bool = True,
) -> pd.DataFrame:
    """Customer identification (module 2): high-value / member / prospect / one-off / regular.

    Precedence, first match wins (:data:`CUSTOMER_TYPES`):

    1. ``high_value`` 高价值客户 — value tier ``high``. Value decides the service level, so it is
       never hidden behind membership;
    2. ``member`` 会员客户 — ``member`` is true;
    3. ``prospect`` 潜在客户 — has never bought (no ``first_purchase_date``);
    4. ``one_off`` 一次性客户 — bought on one day only (first = last purchase date);
    5. ``regular`` 普通客户 — everyone else (repeat buyers, not members, not high value). The
       course names four types; this fifth one keeps the classification complete.

    Parameters
    ----------
    value_tiers : Series of value tier codes aligned on the index (e.g. the ``value_tier``
        column of :func:`value_tier_quantile`); default: :func:`value_tier_abc` on ``by``
        with ``cutoffs`` (A = high).

    Returns a DataFrame with the same index: ``customer_type`` (categorical) and ``reason``.

    Example
    -------
    >>> two = pd.DataFrame({"customer_id": ["a", "b"], "member": [False, True],
    ...     "gross_profit_12m": [90.0, 10.0],
    ...     "first_purchase_date": pd.to_datetime(["2025-01-05", "2026-03-01"]),
    ...     "last_purchase_date": pd.to_datetime(["2026-06-01", "2026-03-01"])})
    >>> customer_type(two, explain=False)["customer_type"].tolist()
    ['high_value', 'member']
    """
    _require(customers, ("member", "first_purchase_date", "last_purchase_date"), "customers")
    high = _high_value(customers, value_tiers, by, cutoffs)
    member = _flags(customers, "member")
    first = _dates(customers, "first_purchase_date", "customers")
    last = _dates(customers, "last_purchase_date", "customers")
    codes = np.select([high, member, np.isnat(first), first == last], [0, 1, 2, 3], default=4).astype(np.int8)
    out = pd.DataFrame(
        {"customer_type": pd.Categorical.from_codes(codes, dtype=CUSTOMER_TYPE_DTYPE)}, index=customers.index
    )
    if explain:
        reasons = np.empty(len(codes), dtype=object)
        for code, name in enumerate(CUSTOMER_TYPES):
            dates = {"date": pd.array(first)} if name == "one_off" else {}
            _fill(reasons, codes == code, f"classify.type.{name}", **dates)
        out["reason"] = _reason_series(reasons, customers.index)
    return out


def _high_value(customers: pd.DataFrame, value_tiers, by: str, cutoffs) -> np.ndarray:
    if value_tiers is None:
        return value_tier_abc(customers, by, cutoffs, explain=False)["value_tier"].to_numpy() == "high"
    tiers = pd.Series(value_tiers).reindex(customers.index)
    unknown = sorted({str(v) for v in tiers.dropna().unique()} - set(VALUE_TIERS))
    if unknown:
        raise fail(
            "value_tiers", "classify.unknown_labels", values=", ".join(unknown), order=", ".join(VALUE_TIERS)
        )
    return (tiers == "high").to_numpy(dtype=bool, na_value=False)


# ================================================================ RFM


def rfm_scores(
    transactions: pd.DataFrame,
    as_of=None,
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
    window_days: float | None = None,
) -> pd.DataFrame:
    """RFM scores 1–5 per customer from a transaction table (module 2, data method).

    Only orders on or before ``as_of`` (and, with ``window_days``, after ``as_of − window_days``)
    count. Per customer with at least one such order:

    * ``recency_days`` = ``as_of`` − date of the last order, in whole days;
    * ``frequency`` = number of orders (rows); ``monetary`` = sum of ``amount`` (CNY);
    * ``r_score``, ``f_score``, ``m_score`` = quintile of the customer's position among all
      customers, ``1 + ⌊5·(p − 1)/n⌋`` where ``p`` = 1 for the worst customer and ``n`` for
      the best; fewer recency days, more orders and more money are better. Equal values are
      ordered by customer id (ascending: a lower id gets the lower score), i.e. the result of
      ``rank(method="first")`` after a stable sort by value then id, so scores are
      deterministic. With ``n`` divisible by 5 each score holds exactly ``n/5`` customers;
      with ``n < 5`` the scores spread over 1–5 (``n = 3`` gives 1, 2, 4);
    * ``rfm_cell`` = ``100·R + 10·F + M`` (e.g. 545).

    Parameters
    ----------
    as_of : default the latest ``order_date``.
    customer_col, date_col, amount_col : column names. A categorical ``customer_col`` is much
        faster on millions of rows than text ids (no hashing of strings).

    Returns
    -------
    DataFrame indexed by customer id (sorted), columns ``recency_days``, ``frequency``,
    ``monetary``, ``r_score``, ``f_score``, ``m_score``, ``rfm_cell``.

    Example
    -------
    >>> orders = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [100.0, 50.0, 80.0],
    ...     "order_date": pd.to_datetime(["2026-01-10", "2026-06-20", "2026-03-01"])})
    >>> scores = rfm_scores(orders, as_of="2026-06-30")
    >>> scores["recency_days"].to_dict(), scores["rfm_cell"].to_dict()
    ({'a': 10, 'b': 121}, {'a': 333, 'b': 111})
    """
    _require(transactions, (customer_col, date_col, amount_col), "transactions")
    # The column's own time unit: whole days come out the same, and converting ten million
    # microsecond dates to nanoseconds would cost more than the rest of the counting.
    dates = _dates(transactions, date_col, "transactions", unit=None)
    amounts = _numbers(transactions, amount_col, "transactions")
    for column, missing in ((date_col, np.isnat(dates)), (amount_col, np.isnan(amounts))):
        _refuse_missing(transactions, column, missing, "transactions")
    day = _resolve_as_of(as_of, dates, "transactions")
    codes, ids = _sorted_codes(transactions[customer_col])
    codes = codes.astype(np.intp, copy=False)  # NumPy's index type: bincount would convert each time
    if window_days is not None or (len(dates) and dates.max() > day):  # else every order counts
        keep = _in_window(dates, day, window_days)
        codes, amounts, dates = codes[keep], amounts[keep], dates[keep]
    frequency = np.bincount(codes, minlength=len(ids))
    monetary = np.bincount(codes, weights=amounts, minlength=len(ids))
    last = np.full(len(ids), np.iinfo(np.int64).min)  # latest order per customer, in the dates' unit
    np.maximum.at(last, codes, dates.view(np.int64))
    seen = frequency > 0
    recency = (day - last[seen].view(dates.dtype)) // np.timedelta64(1, "D")
    index = pd.Index(ids[seen], name=customer_col)
    return _scored(index, recency, frequency[seen], monetary[seen], np.arange(seen.sum()))


def rfm_from_customers(
    customers: pd.DataFrame,
    as_of=None,
    *,
    frequency_col: str = "orders_12m",
    monetary_col: str = "revenue_12m",
) -> pd.DataFrame:
    """RFM scores from the customer table when no transactions are at hand.

    recency = ``as_of`` − ``last_purchase_date`` (default ``as_of``: the latest one), frequency =
    ``orders_12m``, monetary = ``revenue_12m``; scored exactly as :func:`rfm_scores`. Customers
    who never bought keep their row: ``recency_days`` is missing and ranks as the worst.

    Returns a DataFrame with the same index and the columns of :func:`rfm_scores`
    (``recency_days`` as nullable ``Int64``).

    Example
    -------
    >>> two = pd.DataFrame({"customer_id": ["a", "b"], "orders_12m": [5, 0], "revenue_12m": [900.0, 0.0],
    ...     "last_purchase_date": pd.to_datetime(["2026-06-20", None])})
    >>> rfm_from_customers(two, as_of="2026-06-30")["rfm_cell"].tolist()
    [333, 111]
    """
    _require(customers, ("last_purchase_date", frequency_col, monetary_col), "customers")
    last = _dates(customers, "last_purchase_date", "customers")
    recency = _days_between(last, _resolve_as_of(as_of, last, "customers"))
    frequency = _complete_numbers(customers, frequency_col)
    monetary = _complete_numbers(customers, monetary_col)
    out = _scored(customers.index, np.floor(recency), frequency, monetary, _id_codes(customers))
    out["recency_days"] = pd.array(np.floor(recency), dtype="Int64")
    out["frequency"] = customers[frequency_col].to_numpy()  # as given: counts stay integers
    return out


def _scored(index: pd.Index, recency, frequency, monetary, tiebreak) -> pd.DataFrame:
    r = _quintiles(-np.asarray(recency, dtype=float), tiebreak)
    f = _quintiles(np.asarray(frequency, dtype=float), tiebreak)
    m = _quintiles(np.asarray(monetary, dtype=float), tiebreak)
    return pd.DataFrame(
        {
            "recency_days": recency,
            "frequency": frequency,
            "monetary": monetary,
            "r_score": r,
            "f_score": f,
            "m_score": m,
            "rfm_cell": 100 * r + 10 * f + m,
        },
        index=index,
    )


def _quintiles(goodness: np.ndarray, tiebreak: np.ndarray) -> np.ndarray:
    """Score 1..5 = 1 + ⌊5·(p − 1)/n⌋, p the 1-based position from worst to best (NaN = worst);
    ties in ``goodness`` are ordered by ``tiebreak`` ascending (then by row), so the result is
    deterministic: exactly the positions a sort by (goodness, tiebreak) gives.

    No full sort: the value at each of the four score boundaries is found by selection
    (``np.partition``, linear time), every customer is compared with those four values, and only
    the customers equal to a boundary value are ordered by ``tiebreak``. Half a million
    customers take a few milliseconds instead of a sort's 50–80 ms.

    >>> _quintiles(np.array([3.0, 1.0, np.nan, 2.0, 2.0]), np.array([0, 1, 2, 4, 3]))
    array([5, 2, 1, 4, 3])
    """
    n = len(goodness)
    key = np.where(np.isnan(goodness), -np.inf, goodness)
    score = np.ones(n, dtype=np.int64)
    # First 0-based position of scores 2..5: p·5//n ≥ s  ⇔  p ≥ ⌈s·n/5⌉.
    starts = [b for b in (-(-s * n // RFM_BINS) for s in range(1, RFM_BINS)) if b < n]
    if not starts:
        return score
    boundary = np.partition(key, starts)[starts]
    for start, value in zip(starts, boundary, strict=True):
        score += key > value
        tied = np.flatnonzero(key == value)
        before = start - int(np.count_nonzero(key < value))  # tied customers below the boundary
        order = np.argsort(tiebreak[tied], kind="stable")
        score[tied[order[before:]]] += 1
    return score


def rfm_segment(
    scores: pd.DataFrame, segment_map: Mapping = DEFAULT_RFM_SEGMENTS, *, explain: bool = True
) -> pd.DataFrame:
    """Named RFM segments from ``r_score``, ``f_score``, ``m_score`` (1–5).

    The map (default :data:`DEFAULT_RFM_SEGMENTS`, the R × F grid) is checked and compiled into a
    125-entry lookup table indexed by ``25·(R−1) + 5·(F−1) + (M−1)``, so labelling is one array
    lookup however many customers there are. A map that leaves a cell uncovered or puts a cell in
    two segments raises :class:`WorkbookInputError` naming the cells.

    Default grid (M free)::

                F=1             F=2                 F=3                 F=4        F=5
        R=5     new             potential_loyalist  potential_loyalist  champions  champions
        R=4     promising       potential_loyalist  potential_loyalist  loyal      loyal
        R=3     about_to_sleep  about_to_sleep      need_attention      loyal      loyal
        R=1–2   hibernating     hibernating         at_risk             at_risk    cant_lose

    Returns a DataFrame with the same index: ``segment`` (categorical, categories in map order)
    and ``reason`` (the scores and the box that matched).

    Example
    -------
    >>> s = pd.DataFrame({"r_score": [5, 1], "f_score": [5, 5], "m_score": [4, 2]})
    >>> rfm_segment(s, explain=False)["segment"].tolist()
    ['champions', 'cant_lose']
    """
    segments, cell_segment, cell_box, boxes = _compile_segments(segment_map)
    cell = _rfm_cells(scores)
    out = pd.DataFrame(
        {"segment": pd.Categorical.from_codes(cell_segment[cell], dtype=pd.CategoricalDtype(segments))},
        index=scores.index,
    )
    if explain:
        texts = np.array([_cell_reason(c, boxes[cell_box[c]]) for c in range(125)], dtype=object)
        out["reason"] = _reason_series(texts[cell], scores.index)
    return out


def rfm_segment_table(segment_map: Mapping = DEFAULT_RFM_SEGMENTS) -> pd.DataFrame:
    """The segment map as a 125-row table (``r_score``, ``f_score``, ``m_score``, ``segment``, ``rule``).

    Handy to show trainees the whole map, or to check one's own map before using it.

    >>> table = rfm_segment_table()
    >>> len(table), table.loc[table["segment"] == "champions", "f_score"].unique().tolist()
    (125, [4, 5])
    """
    segments, cell_segment, cell_box, boxes = _compile_segments(segment_map)
    cells = np.arange(125)
    segment = pd.Categorical.from_codes(cell_segment, dtype=pd.CategoricalDtype(segments))
    return pd.DataFrame(
        {
            "r_score": cells // 25 + 1,
            "f_score": cells // 5 % 5 + 1,
            "m_score": cells % 5 + 1,
            "segment": segment,
            "rule": [_box_text(boxes[cell_box[c]]) for c in cells],
        }
    )


def _rfm_cells(scores: pd.DataFrame) -> np.ndarray:
    """Lookup index 25·(R−1) + 5·(F−1) + (M−1); refuses scores that are not whole numbers 1–5."""
    cols = ("r_score", "f_score", "m_score")
    _require(scores, cols, "scores")
    cell = np.zeros(len(scores), dtype=np.int64)
    problems = []
    for weight, col in zip((25, 5, 1), cols, strict=True):
        v = _numbers(scores, col, "scores")
        bad = ~((v >= 1) & (v <= RFM_BINS) & (v == np.floor(v)))
        if bad.any():
            problems.append(
                _rows_problem(
                    scores,
                    col,
                    bad,
                    "classify.rfm_score_invalid",
                    values=", ".join(map(str, pd.unique(v[bad])[:5])),
                )
            )
        cell += np.where(bad, 0, v - 1).astype(np.int64) * weight
    if problems:
        raise WorkbookInputError("scores", problems)
    return cell


def _compile_segments(segment_map: Mapping):
    """(segment names, segment code per cell[125], box number per cell[125], boxes)."""
    if not isinstance(segment_map, Mapping) or not segment_map:
        raise fail("segment_map", "classify.rfm_map_empty")
    boxes, owner, problems = [], [[] for _ in range(125)], []
    for s, (name, spec) in enumerate(segment_map.items()):
        for raw in _box_list(spec):
            box = _parse_box(raw)
            if box is None:
                problems.append(
                    Problem("classify.rfm_map_bad_box", params={"segment": name, "box": repr(raw)})
                )
                continue
            for c in _box_cells(box):
                owner[c].append((s, len(boxes)))
            boxes.append(box)
    problems += _coverage_problems(owner, list(segment_map))
    if problems:
        raise WorkbookInputError("segment_map", problems)
    cell_segment = np.array([o[0][0] for o in owner], dtype=np.int16)
    cell_box = np.array([o[0][1] for o in owner], dtype=np.int64)
    return tuple(segment_map), cell_segment, cell_box, boxes


def _box_list(spec) -> list:
    """A segment's spec is one box ``(R, F, M)`` or a sequence of boxes (every element a triple)."""

    def is_triple(x) -> bool:
        return isinstance(x, Sequence) and not isinstance(x, str) and len(x) == 3

    many = isinstance(spec, Sequence) and not isinstance(spec, str) and len(spec) > 0
    return list(spec) if many and all(is_triple(box) for box in spec) else [spec]


def _parse_box(raw) -> tuple | None:
    if isinstance(raw, str) or not isinstance(raw, Sequence) or len(raw) != 3:
        return None
    parts = tuple(_parse_part(p) for p in raw)
    return None if None in parts else parts


def _parse_part(part) -> tuple[int, int] | None:
    """A score ``4``, a range ``(4, 5)`` or ``"4-5"``, or any score ``None`` / ``"*"`` → (low, high)."""
    if part is None or part == "*":
        return (1, RFM_BINS)
    if isinstance(part, str):
        pieces = part.replace("–", "-").split("-")
        try:
            part = tuple(int(p) for p in pieces) if len(pieces) == 2 else int(part)
        except ValueError:
            return None
    if isinstance(part, Sequence) and len(part) == 2:
        low, high = part
    else:
        low = high = part
    ok = all(isinstance(v, int | np.integer) and not isinstance(v, bool) for v in (low, high))
    return (int(low), int(high)) if ok and 1 <= low <= high <= RFM_BINS else None


def _box_cells(box: tuple) -> np.ndarray:
    (r0, r1), (f0, f1), (m0, m1) = box
    r, f, m = np.meshgrid(np.arange(r0, r1 + 1), np.arange(f0, f1 + 1), np.arange(m0, m1 + 1), indexing="ij")
    return ((r - 1) * 25 + (f - 1) * 5 + (m - 1)).ravel()


def _coverage_problems(owner: list, names: list) -> list[Problem]:
    gaps = [c for c in range(125) if not owner[c]]
    problems = []
    if gaps:
        problems.append(Problem("classify.rfm_map_gap", params={"cells": _cell_list(gaps), "n": len(gaps)}))
    clashes: dict[tuple, list[int]] = {}
    for c in range(125):
        segs = tuple(dict.fromkeys(names[s] for s, _ in owner[c]))
        if len(owner[c]) > 1:
            clashes.setdefault(segs, []).append(c)
    for segs, cells in clashes.items():
        problems.append(
            Problem(
                "classify.rfm_map_overlap",
                params={"segments": ", ".join(segs), "cells": _cell_list(cells), "n": len(cells)},
            )
        )
    return problems


def _cell_list(cells: list[int], shown: int = 20) -> str:
    """Cells as RFM codes (``111, 112, …``): the first ``shown``, then an ellipsis."""
    codes = [f"{c // 25 + 1}{c // 5 % 5 + 1}{c % 5 + 1}" for c in cells]
    return ", ".join(codes[:shown]) + (", …" if len(codes) > shown else "")


def _box_text(box: tuple) -> str:
    parts = [
        f"{letter} {lo}" if lo == hi else f"{letter} {lo}–{hi}"
        for letter, (lo, hi) in zip("RFM", box, strict=True)
        if (lo, hi) != (1, RFM_BINS)
    ]
    return t("classify.sep").join(parts) if parts else t("classify.rfm.any_cell")


def _cell_reason(cell: int, box: tuple) -> str:
    r, f, m = cell // 25 + 1, cell // 5 % 5 + 1, cell % 5 + 1
    return t("classify.rfm.reason", r=r, f=f, m=m, rule=_box_text(box))


# ================================================================ migration between snapshots


def migration_matrix(
    before: pd.DataFrame | pd.Series,
    after: pd.DataFrame | pd.Series,
    column: str = "level",
    normalize: str | None = None,
    include_new_and_lost: bool = True,
    *,
    id_col: str = "customer_id",
    order: Sequence | None = None,
) -> pd.DataFrame:
    """Transition matrix of a label between two snapshots (module 1: re-assess on a cycle).

    Customers are matched on ``id_col`` (or on the index when the table has no such column; a
    Series is matched on its index). Rows are the label before, columns the label after, in the
    order of ``order``, else of the categorical's categories, else sorted. Customers only in
    ``after`` are counted in row ``new``; customers only in ``before`` in column ``lost`` (they
    are absent from the later snapshot; churned customers still listed appear under their label).

    Parameters
    ----------
    column : the label column (``level``, ``value_tier``, ``segment``, …).
    normalize : ``None`` counts; ``"index"`` share of each row (rows sum to 1, empty rows 0);
        ``"all"`` share of all customers.
    include_new_and_lost : ``False`` keeps only customers present in both snapshots.

    Example
    -------
    >>> b = pd.DataFrame({"customer_id": ["a", "b", "c"], "level": ["active", "loyal", "active"]})
    >>> a = pd.DataFrame({"customer_id": ["a", "b", "d"], "level": ["loyal", "loyal", "active"]})
    >>> matrix = migration_matrix(b, a, order=["active", "loyal"])
    >>> matrix.index.tolist(), matrix.columns.tolist()
    (['active', 'loyal', 'new'], ['active', 'loyal', 'lost'])
    >>> matrix.to_numpy().tolist()
    [[0, 1, 1], [0, 1, 0], [1, 0, 0]]
    """
    if normalize not in (None, "index", "all"):
        raise fail("normalize", "classify.bad_normalize", value=repr(normalize))
    rows, cols, cats = _migration_codes(before, after, column, id_col, order, include_new_and_lost)
    k = len(cats) + 1
    counts = np.bincount(rows * k + cols, minlength=k * k).reshape(k, k)
    matrix = pd.DataFrame(
        counts, index=pd.Index([*cats, NEW], name="before"), columns=pd.Index([*cats, LOST], name="after")
    )
    if not include_new_and_lost:
        matrix = matrix.iloc[:-1, :-1]
    if normalize == "all":
        return matrix / max(matrix.to_numpy().sum(), 1)
    if normalize == "index":
        return matrix.div(matrix.sum(axis=1).clip(lower=1), axis=0)
    return matrix


def migration_summary(
    before: pd.DataFrame | pd.Series,
    after: pd.DataFrame | pd.Series,
    column: str = "level",
    *,
    id_col: str = "customer_id",
    order: Sequence | None = None,
) -> pd.DataFrame:
    """How many customers stayed, moved up, moved down, are new or were lost between two snapshots.

    Up and down follow ``order`` (low → high) or the order of an ordered categorical such as
    ``level``. Returns a DataFrame indexed by ``stayed, upgraded, downgraded, new, lost`` with
    ``count`` and ``share`` (of all customers in either snapshot).

    >>> b = pd.Series(["active", "loyal", "active"], index=["a", "b", "c"])
    >>> a = pd.Series(["loyal", "loyal", "active"], index=["a", "b", "d"])
    >>> migration_summary(b, a, order=["active", "loyal"])["count"].tolist()
    [1, 1, 0, 1, 1]
    """
    labels = _labels_by_id(before, column, id_col, "before")
    if order is None and not (isinstance(labels.dtype, pd.CategoricalDtype) and labels.dtype.ordered):
        raise fail("order", "classify.migration_unordered")
    rows, cols, cats = _migration_codes(before, after, column, id_col, order, True)
    k = len(cats)
    both = (rows < k) & (cols < k)
    counts = np.array(
        [
            (both & (rows == cols)).sum(),
            (both & (cols > rows)).sum(),
            (both & (cols < rows)).sum(),
            (rows == k).sum(),
            (cols == k).sum(),
        ]
    )
    index = pd.Index(["stayed", "upgraded", "downgraded", NEW, LOST], name="movement")
    return pd.DataFrame({"count": counts, "share": counts / max(counts.sum(), 1)}, index=index)


def _migration_codes(before, after, column, id_col, order, include):
    """Row and column codes per customer: category position, ``k`` for new (row) / lost (column)."""
    b = _labels_by_id(before, column, id_col, "before")
    a = _labels_by_id(after, column, id_col, "after")
    cats = _category_order(b, a, order)
    k = len(cats)
    b_codes = pd.Categorical(b, categories=cats).codes.astype(np.int64)
    a_codes = pd.Categorical(a, categories=cats).codes.astype(np.int64)
    where = a.index.get_indexer(b.index)
    matched = where >= 0
    rows, cols = b_codes, np.where(matched, a_codes[where], k)
    if not include:
        return rows[matched], cols[matched], cats
    new = ~a.index.isin(b.index)
    return np.concatenate([rows, np.full(new.sum(), k)]), np.concatenate([cols, a_codes[new]]), cats


def _labels_by_id(table, column: str, id_col: str, source: str) -> pd.Series:
    if isinstance(table, pd.Series):
        labels = table
    else:
        _require(table, (column,), source)
        labels = table[column]
        if id_col in table.columns:
            labels = pd.Series(labels.to_numpy(), index=pd.Index(table[id_col]), dtype=labels.dtype)
    if not labels.index.is_unique:
        dup = labels.index[labels.index.duplicated()].unique()[:5]
        raise fail(source, "classify.duplicate_ids", ids=", ".join(map(str, dup)))
    _refuse_missing(labels.to_frame(column), column, labels.isna().to_numpy(), source)
    return labels


def _category_order(b: pd.Series, a: pd.Series, order) -> list:
    seen = pd.unique(pd.concat([b.astype(object), a.astype(object)], ignore_index=True))
    if order is not None:
        cats = list(dict.fromkeys(order))
        known = set(cats)
        unknown = [str(v) for v in seen if v not in known]
        if unknown:
            raise fail(
                "order",
                "classify.unknown_labels",
                values=", ".join(unknown[:10]),
                order=", ".join(map(str, cats)),
            )
        return cats
    for s in (b, a):
        if isinstance(s.dtype, pd.CategoricalDtype):
            cats = list(s.dtype.categories)
            known = set(cats)
            return cats + sorted((v for v in seen if v not in known), key=str)
    return sorted(seen, key=str)


# ================================================================ three-layer engagement


def contact_coverage(
    customers: pd.DataFrame, layers: Sequence[str] = LAYERS, *, explain: bool = True
) -> pd.DataFrame:
    """Contact coverage of the three layers (决策层 / 管理层 / 执行层) per customer (module 2).

    A layer is covered when ``contacts_<layer>`` ≥ 1 (missing counts as 0).

    Returns a DataFrame with the same index: ``layers_covered`` (count), ``coverage``
    (= layers_covered / number of layers, 0–1), ``missing_layers`` (codes joined by ``,``,
    empty when none), ``three_layer`` (all layers covered) and ``reason``.

    Example
    -------
    >>> two = pd.DataFrame({"contacts_decision": [1, 0], "contacts_management": [2, 1],
    ...     "contacts_operational": [3, 0]})
    >>> coverage = contact_coverage(two, explain=False)
    >>> coverage["layers_covered"].tolist(), coverage["missing_layers"].tolist()
    ([3, 1], ['', 'decision,operational'])
    """
    layers = _check_layers(layers)
    columns = [f"contacts_{layer}" for layer in layers]
    _require(customers, columns, "customers")
    counts = np.column_stack([np.nan_to_num(_numbers(customers, c, "customers")) for c in columns])
    covered = counts >= 1
    mask = covered.astype(np.int64) @ (1 << np.arange(len(layers)))
    n_covered = covered.sum(axis=1)
    missing = np.array(
        [
            ",".join(layer for i, layer in enumerate(layers) if not m >> i & 1)
            for m in range(1 << len(layers))
        ],
        dtype=object,
    )
    out = pd.DataFrame(
        {
            "layers_covered": n_covered,
            "coverage": n_covered / len(layers),
            "missing_layers": pd.Series(missing[mask], index=customers.index, dtype="str"),
            "three_layer": n_covered == len(layers),
        },
        index=customers.index,
    )
    if explain:
        out["reason"] = _reason_series(_coverage_reasons(layers, counts, mask), customers.index)
    return out


def _check_layers(layers) -> tuple[str, ...]:
    layers = (layers,) if isinstance(layers, str) else tuple(layers)
    distinct_names = len(set(layers)) == len(layers) and all(isinstance(x, str) for x in layers)
    if not (1 <= len(layers) <= 10 and distinct_names):
        raise fail("layers", "classify.bad_layers", value=repr(layers))
    return layers


def _coverage_reasons(layers: tuple, counts: np.ndarray, mask: np.ndarray) -> np.ndarray:
    sep = t("classify.sep")
    parts = sep.join(
        t("classify.coverage.count", layer=label("layer", x), n=f"{{c{i}:.0f}}") for i, x in enumerate(layers)
    )
    status = np.array([_coverage_status(layers, m) for m in range(1 << len(layers))], dtype=object)
    template = t("classify.coverage.reason", counts=parts, status="{status}")
    fields = {f"c{i}": counts[:, i] for i in range(len(layers))}
    return _render(template, len(mask), status=status[mask], **fields)


def _coverage_status(layers: tuple, m: int) -> str:
    k = len(layers)
    if m == (1 << k) - 1:
        return t("classify.coverage.full", total=k)
    missing = t("classify.sep").join(label("layer", x) for i, x in enumerate(layers) if not m >> i & 1)
    return t("classify.coverage.partial", covered=int(m).bit_count(), total=k, missing=missing)


# ================================================================ vectorised reasons


class _Missing:
    """Stands in for a missing number in a reason, whatever the format spec."""

    def __format__(self, spec: str) -> str:
        return MISSING_TEXT


_MISSING = _Missing()


def _fill(out: np.ndarray, mask: np.ndarray, key: str, /, **fields) -> None:
    """Write catalogue text ``key`` into ``out`` where ``mask`` holds, formatted with ``fields``.

    Array fields (one value per row of ``out``) vary per row; other fields are fixed.
    """
    if not mask.any():
        return
    varying = {k: _subset(v, mask) for k, v in fields.items() if _is_column(v)}
    fixed = {k: v for k, v in fields.items() if not _is_column(v)}
    out[mask] = _render(t(key), int(mask.sum()), **varying, **fixed)


def _is_column(value) -> bool:
    return isinstance(value, np.ndarray | pd.Series | pd.api.extensions.ExtensionArray)


def _subset(values, mask: np.ndarray):
    return values.array[mask] if isinstance(values, pd.Series) else values[mask]


def _render(template: str, n: int, /, **fields) -> np.ndarray:
    """``template.format(**fields)`` for ``n`` rows without formatting every row from scratch.

    Array fields are factorised first. When rows share few combinations of values (counts,
    days, scores), the template is formatted once per combination and the texts are gathered
    by row; when most rows differ (money amounts, ranks), each field is formatted once per
    distinct value and the pieces are joined per row. Missing values show as ``—``.
    """
    varying = {k: v for k, v in fields.items() if _is_column(v)}
    fixed = {k: v for k, v in fields.items() if not _is_column(v)}
    if not varying:
        return np.full(n, template.format(**fixed), dtype=object)
    codes, uniques = {}, {}
    combo = np.zeros(n, dtype=np.int64)
    for name, values in varying.items():
        codes[name], found = pd.factorize(values, use_na_sentinel=True)
        uniques[name] = [*found, _MISSING]  # code −1 (missing) picks the last entry
        combo, _ = pd.factorize(combo * (len(found) + 1) + codes[name] + 1)  # stays < n: no overflow
    if combo.max() + 1 > n // 4:
        return _join_pieces(template, n, fixed, codes, uniques)
    representative = np.empty(combo.max() + 1, dtype=np.int64)
    representative[combo] = np.arange(n)  # any row of a combination will do
    texts = [
        template.format(**fixed, **{k: uniques[k][codes[k][row]] for k in varying}) for row in representative
    ]
    return np.array(texts, dtype=object)[combo]


def _join_pieces(template: str, n: int, fixed: dict, codes: dict, uniques: dict) -> np.ndarray:
    """The template's literal text and fields as columns of strings, joined row by row."""
    columns: list = []
    for literal, name, spec, _conversion in string.Formatter().parse(template):
        if literal:
            columns.append(literal)
        if name is None:
            continue
        if name in fixed:
            columns.append(format(fixed[name], spec))
        else:  # each distinct value formatted once, then gathered by row
            formatted = np.array(_format_each(uniques[name], spec), dtype=object)  # type: ignore[type-var]
            columns.append(formatted[codes[name]])
    rows = [itertools.repeat(c, n) if isinstance(c, str) else c for c in columns]
    return np.array(["".join(parts) for parts in zip(*rows, strict=False)], dtype=object)


def _format_each(values: list, spec: str) -> list[str]:
    """``format(v, spec)`` for each value; whole numbers (``.0f``) take a faster route, same text."""
    if spec == ".0f":
        numbers = np.array(values[:-1], dtype=float)  # the last entry stands for "missing"
        if np.isfinite(numbers).all():
            return [*map(str, np.rint(numbers).astype(np.int64).tolist()), MISSING_TEXT]
    return [format(v, spec) for v in values]


def _reason_series(texts: np.ndarray, index: pd.Index) -> pd.Series:
    return pd.Series(texts, index=index, dtype="str", name="reason")


def _measure(column: str) -> str:
    """Display name of a measure column (``gross_profit_12m`` → 近12月毛利), else the column name."""
    return label("classify.measure", column)


def _percent(fraction: float) -> str:
    return f"{fraction * 100:.4g}%"


def _number_text(value: float) -> str:
    return MISSING_TEXT if np.isnan(value) else f"{value:,.2f}".rstrip("0").rstrip(".")


# ================================================================ input checks and conversions


def _require(frame, columns, source: str) -> None:
    if not isinstance(frame, pd.DataFrame):
        raise fail(source, "classify.not_a_table", kind=type(frame).__name__)
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise WorkbookInputError(source, [Problem("classify.missing_column", column=c) for c in missing])


def _numbers(frame: pd.DataFrame, column: str, source: str) -> np.ndarray:
    """A numeric column as float64 (missing → NaN)."""
    _require(frame, (column,), source)
    series = frame[column]
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        raise fail(source, "classify.not_numeric", column=column)
    return series.to_numpy(dtype="float64", na_value=np.nan)


def _complete_numbers(frame: pd.DataFrame, column: str) -> np.ndarray:
    values = _numbers(frame, column, "customers")
    _refuse_missing(frame, column, np.isnan(values), "customers")
    return values


def _flags(frame: pd.DataFrame, column: str) -> np.ndarray:
    """A yes/no column as bool (missing → False)."""
    series = frame[column]
    if not pd.api.types.is_bool_dtype(series.dtype) and not (
        series.dtype == object and series.map(lambda v: isinstance(v, bool | np.bool_) or v is None).all()
    ):
        raise fail("customers", "classify.not_bool", column=column)
    return series.fillna(False).to_numpy(dtype=bool)


def _dates(frame: pd.DataFrame, column: str, source: str, unit: str | None = "ns") -> np.ndarray:
    """A date column as datetime64[``unit``] (missing → NaT); text dates are read, unreadable ones
    refused. ``unit=None`` keeps the column's own unit (no conversion of every value).

    >>> frame = pd.DataFrame({"d": pd.to_datetime(["2026-01-05"]).as_unit("us")})
    >>> _dates(frame, "d", "t").dtype, _dates(frame, "d", "t", unit=None).dtype
    (dtype('<M8[ns]'), dtype('<M8[us]'))
    """
    _require(frame, (column,), source)
    series = frame[column]
    if not pd.api.types.is_datetime64_any_dtype(series.dtype):
        try:
            with warnings.catch_warnings():  # "could not infer format": each cell is parsed on its own, fine
                warnings.simplefilter("ignore", UserWarning)
                series = pd.to_datetime(series, errors="raise")
        except (ValueError, TypeError) as exc:
            raise fail(source, "classify.not_date", column=column) from exc
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    return series.to_numpy() if unit is None else series.to_numpy(dtype=f"datetime64[{unit}]")


def _resolve_as_of(as_of, dates: np.ndarray, source: str) -> np.datetime64:
    """The assessment date: ``as_of`` if given, else the latest date in ``dates``."""
    if as_of is None:
        known = dates[~np.isnat(dates)]
        if not len(known):
            raise fail(source, "classify.no_dates")
        return known.max()
    try:
        day = pd.Timestamp(as_of)
    except (ValueError, TypeError) as exc:
        raise fail("as_of", "classify.bad_as_of", value=repr(as_of)) from exc
    if day is pd.NaT:
        raise fail("as_of", "classify.bad_as_of", value=repr(as_of))
    return day.tz_localize(None).to_datetime64() if day.tzinfo else day.to_datetime64()


def _days_between(dates: np.ndarray, as_of: np.datetime64) -> np.ndarray:
    """Days from each date to ``as_of`` as float (NaN where the date is missing)."""
    return (as_of - dates) / np.timedelta64(1, "D")


def _in_window(dates: np.ndarray, as_of: np.datetime64, window_days) -> np.ndarray:
    keep = dates <= as_of
    if window_days is not None:
        _check_threshold("window_days", window_days)
        keep &= dates > as_of - np.timedelta64(round(window_days * 86_400), "s")
    return keep


def _refuse_missing(frame: pd.DataFrame, column: str, missing: np.ndarray, source: str) -> None:
    if missing.any():
        raise WorkbookInputError(source, [_rows_problem(frame, column, missing, "classify.missing_values")])


def _rows_problem(frame: pd.DataFrame, column: str, bad: np.ndarray, key: str, **params) -> Problem:
    rows = tuple(frame.index[bad][:5])
    return Problem(key, column=column, rows=rows, n_rows=int(bad.sum()), params=params)


def _sorted_codes(ids: pd.Series, source: str = "transactions") -> tuple[np.ndarray, pd.Index]:
    """(code per row, distinct ids) with codes following the sorted ids: the tie-break order.

    Categorical ids reuse their codes (no hashing); other ids are factorised once. Only the
    distinct ids are sorted, which is much cheaper than a sorted factorisation of every row."""
    if isinstance(ids.dtype, pd.CategoricalDtype):
        codes, distinct = ids.cat.codes.to_numpy(), ids.cat.categories
    elif strictly_increasing(ids):  # a customer table sorted by id: its rows are the order
        return np.arange(len(ids)), pd.Index(ids)
    else:
        codes, distinct = pd.factorize(ids, use_na_sentinel=True)
        distinct = pd.Index(distinct)
    _refuse_missing(ids.to_frame(), str(ids.name), codes < 0, source)
    if distinct.is_monotonic_increasing:
        return codes, distinct
    order = distinct.argsort()
    rank = np.empty(len(distinct), dtype=np.int64)
    rank[order] = np.arange(len(distinct))
    return rank[codes], distinct[order]


def strictly_increasing(values: pd.Series) -> bool:
    """True when each value is greater than the one before, none missing: the values are then
    distinct and already sorted, which costs one comparison per row instead of hashing them.
    Text compares by code point, as sorting it does.

    >>> strictly_increasing(pd.Series(["C001", "C002", "C010"])), strictly_increasing(pd.Series([3, 3]))
    (True, False)
    """
    if isinstance(values.dtype, pd.StringDtype) or values.dtype == object:
        try:  # imported here: the self-assessment kernels run without pyarrow, and this is a shortcut
            import pyarrow as pa
            import pyarrow.compute as pc
        except ImportError:
            return False
        try:
            arr = pa.array(values, from_pandas=True, type=pa.large_string())
        except (pa.ArrowInvalid, pa.ArrowTypeError):  # not all text
            return False
        return arr.null_count == 0 and pc.all(pc.greater(arr[1:], arr[:-1])).as_py() is not False
    if values.dtype.kind in "iu":
        numbers = values.to_numpy()
        return bool((numbers[1:] > numbers[:-1]).all())
    return False


def _id_codes(frame: pd.DataFrame) -> np.ndarray:
    """Tie-break key: position of each row's ``customer_id`` (else index label) in sorted order."""
    ids = frame["customer_id"] if "customer_id" in frame.columns else frame.index.to_series()
    try:
        return _sorted_codes(ids, "customers")[0]
    except TypeError:  # mixed types cannot be sorted: compare them as text
        return _sorted_codes(ids.astype(str), "customers")[0]


def _fraction_pair(pair, name: str, *, closed_top: bool) -> tuple[float, float]:
    """Two fractions ``0 < a < b < 1`` (``b ≤ 1`` when ``closed_top``)."""
    try:
        a, b = (float(x) for x in pair)
    except (TypeError, ValueError):
        a = b = math.nan
    top_ok = b <= 1 if closed_top else b < 1
    if not (0 < a < b and top_ok):
        allowed = "(0, 1]" if closed_top else "(0, 1)"
        raise fail(name, "classify.bad_pair", name=name, value=repr(pair), range=allowed)
    return a, b


def _check_threshold(name: str, value) -> None:
    problem = _threshold_problem(name, value)
    if problem:
        raise WorkbookInputError(name, [problem])


def _check_days(active_days, churn_days) -> None:
    problems = [
        p
        for p in (
            _threshold_problem("active_days", active_days),
            _threshold_problem("churn_days", churn_days),
        )
        if p
    ]
    if not problems and active_days > churn_days:
        problems.append(Problem("classify.days_order", params={"active": active_days, "churn": churn_days}))
    if problems:
        raise WorkbookInputError("behaviour", problems)


__all__ = [
    "ABC_CLASSES",
    "BEHAVIOURS",
    "CUSTOMER_TYPES",
    "DEFAULT_ABC_CUTOFFS",
    "DEFAULT_ACTIVE_DAYS",
    "DEFAULT_CHURN_DAYS",
    "DEFAULT_LADDER_RULES",
    "DEFAULT_MIN_ENQUIRIES",
    "DEFAULT_RFM_SEGMENTS",
    "DEFAULT_TIER_QUANTILES",
    "DEFAULT_VALUE_MEASURE",
    "LAYERS",
    "LEVELS",
    "LOST",
    "NEEDS_TYPES",
    "NEW",
    "VALUE_TIERS",
    "LadderRules",
    "behaviour_status",
    "contact_coverage",
    "customer_type",
    "migration_matrix",
    "migration_summary",
    "needs_type",
    "relationship_level",
    "rfm_from_customers",
    "rfm_scores",
    "rfm_segment",
    "rfm_segment_table",
    "value_tier_abc",
    "value_tier_quantile",
]
