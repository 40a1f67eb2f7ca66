"""Customer operations: loyalty rates, customer lifetime value, risk early warning, predictive CLV.

Module 5 of the course (and the CLV note of module 3). All functions are pure and
vectorised; thresholds and defaults live in one place (:data:`DEFAULT_RISK_THRESHOLDS`,
:data:`RISK_SIGNALS`).

* :func:`retention_rates`, :func:`cohort_retention`, :func:`repurchase_rate`,
  :func:`referral_rate` — 留存率 retention, 流失率 churn, 复购率 repurchase, 推荐率 referral.
* :func:`clv` — the three textbook formulas of the simple retention model.
* :func:`risk_signals` — green / amber / red per signal with the reason, the risk category
  (信用 credit, 市场 market, 操作 operational, 法律 legal) and the response
  (规避 avoid, 降低 reduce, 转移 transfer, 承担 accept).
* :func:`rfm_summary`, :func:`fit_bgnbd`, :func:`fit_gamma_gamma`, :func:`predictive_clv` —
  BG/NBD (Fader, Hardie & Lee 2005) and Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and
  CLV") fitted by maximum likelihood with SciPy.

Example
-------
>>> round(float(clv(100, 0.8, 0.1, timing="end")), 2)   # m·r/(1+d−r) = 80/0.3
266.67
"""

from __future__ import annotations

import string
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from scipy import optimize

from workbook.errors import Problem, WorkbookInputError, fail
from workbook.i18n import label, t

SOURCE = "operations"
RISK_LEVELS = ("green", "amber", "red")

# amber from the first number, red from the second (inclusive). Units in the comments.
DEFAULT_RISK_THRESHOLDS: Mapping[str, tuple[float, float]] = {
    "overdue_days": (30, 90),  # days the oldest invoice is overdue
    "overdue_amount": (10_000, 50_000),  # CNY overdue
    "legal_overdue": (120, 180),  # days overdue at which legal collection is on the table
    "recency_jump": (2.0, 4.0),  # days since last order ÷ the customer's usual gap (365 / orders_12m)
    "frequency_drop": (30, 60),  # % fewer orders than a year ago
    "satisfaction_drop": (1, 2),  # satisfaction points lost since the previous snapshot
}
# signal → (risk category, needs the previous snapshot)
RISK_SIGNALS: Mapping[str, tuple[str, bool]] = {
    "overdue_days": ("credit", False),
    "overdue_amount": ("credit", False),
    "legal_overdue": ("legal", False),
    "recency_jump": ("market", False),
    "frequency_drop": ("market", True),
    "satisfaction_drop": ("operational", True),
}
# Response by risk category at amber and at red; green is always "accept" (承担: monitor only).
RISK_RESPONSES: Mapping[str, tuple[str, str]] = {
    "credit": ("reduce", "transfer"),  # tighten terms; at red move the risk (credit insurance, factoring)
    "legal": ("reduce", "avoid"),  # at red stop new business until settled
    "market": ("reduce", "reduce"),  # win-back actions; the customer is not dropped
    "operational": ("reduce", "avoid"),  # fix the service; at red stop the failing practice
}


# ---------------------------------------------------------------- loyalty rates


def _periods(dates: pd.Series, period: str) -> pd.Series:
    return dates.dt.to_period(period)


def retention_rates(
    transactions: pd.DataFrame,
    period: str = "Q",
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Per period: customers who bought, how many of the previous period's buyers bought again.

    ``retention_rate`` = retained / previous period's buyers; ``churn_rate`` = 1 − retention.
    The first period has no rate (NaN). ``period`` is a pandas period code: M, Q or Y.

    >>> tx = pd.DataFrame({"customer_id": list("abcab"), "order_date": pd.to_datetime(
    ...     ["2026-01-05", "2026-02-01", "2026-03-01", "2026-04-02", "2026-05-09"])})
    >>> retention_rates(tx)["retention_rate"].round(3).tolist()   # Q2 kept a, b of a, b, c
    [nan, 0.667]
    """
    active = pd.DataFrame(
        {"c": transactions[customer_col], "p": _periods(transactions[date_col], period)}
    ).drop_duplicates()
    active["n"] = 1
    grid = active.pivot_table(index="c", columns="p", values="n", aggfunc="max", fill_value=0, observed=True)
    grid = grid.reindex(
        columns=pd.period_range(grid.columns.min(), grid.columns.max(), freq=period), fill_value=0
    )
    now = grid.to_numpy().astype(bool)
    previous = np.zeros_like(now)
    previous[:, 1:] = now[:, :-1]
    base = previous.sum(axis=0)
    retained = (now & previous).sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        rate = np.where(base > 0, retained / np.maximum(base, 1), np.nan)
    return pd.DataFrame(
        {
            "customers": now.sum(axis=0),
            "previous": base,
            "retained": retained,
            "retention_rate": rate,
            "churn_rate": 1 - rate,
        },
        index=pd.Index(grid.columns, name="period"),
    )


def cohort_retention(
    transactions: pd.DataFrame,
    period: str = "Q",
    *,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> pd.DataFrame:
    """Cohort × periods since first purchase: share of each cohort buying in that period (offset 0 = 1)."""
    p = _periods(transactions[date_col], period)
    frame = pd.DataFrame({"c": transactions[customer_col], "p": p})
    first = frame.groupby("c", observed=True)["p"].transform("min")
    frame["cohort"] = first
    frame["offset"] = p.array.asi8 - first.array.asi8  # period ordinals: whole periods apart
    counts = frame.drop_duplicates(["c", "offset"]).groupby(["cohort", "offset"], observed=True).size()
    table = counts.unstack("offset")
    return table.div(table[0], axis=0)


def repurchase_rate(
    transactions: pd.DataFrame,
    *,
    start=None,
    end=None,
    customer_col: str = "customer_id",
    date_col: str = "order_date",
) -> float:
    """Share of customers buying in the window [start, end] who bought at least twice in it.

    >>> tx = pd.DataFrame({"customer_id": list("aab"), "order_date": pd.to_datetime(["2026-01-01"] * 3)})
    >>> repurchase_rate(tx)
    0.5
    """
    dates = transactions[date_col]
    inside = pd.Series(True, index=transactions.index)
    if start is not None:
        inside &= dates >= pd.Timestamp(start)
    if end is not None:
        inside &= dates <= pd.Timestamp(end)
    orders = transactions.loc[inside, customer_col].value_counts()
    orders = orders[orders > 0]
    if orders.empty:
        raise fail(SOURCE, "operations.no_orders")
    return float((orders >= 2).mean())


def referral_rate(customers: pd.DataFrame) -> pd.Series:
    """Share of customers with ≥ 1 referral (``referral_rate``) and mean ``referrals_per_customer``."""
    referrals = customers["referrals"].astype("float64")
    return pd.Series(
        {
            "customers": len(referrals),
            "referral_rate": float((referrals >= 1).mean()),
            "referrals_per_customer": float(referrals.mean()),
        }
    )


# ---------------------------------------------------------------- CLV, simple retention model

CLV_TIMINGS = ("end", "start", "finite")


def clv(margin, retention, discount, timing: str = "end", periods: int | None = None):
    """Customer lifetime value of a margin ``m`` per period, retention ``r`` and discount rate ``d``.

    * ``timing="end"``: margins at the end of each period, first one next period —
      CLV = m · r / (1 + d − r) (Gupta & Lehmann 2003).
    * ``timing="start"``: first margin now, included — CLV = m · (1 + d) / (1 + d − r).
    * ``timing="finite"``: first margin now, ``periods`` periods in all —
      CLV = Σ_{t=0}^{T−1} m · r^t / (1 + d)^t.
    Arrays broadcast. Requires 0 ≤ r < 1 + d and d > −1.

    >>> [round(float(clv(100, 0.8, 0.1, k, periods=3)), 2) for k in CLV_TIMINGS]
    [266.67, 366.67, 225.62]
    """
    m, r, d = (np.asarray(x, dtype="float64") for x in (margin, retention, discount))
    if timing not in CLV_TIMINGS:
        raise fail(SOURCE, "operations.bad_timing", timing=timing, allowed=", ".join(CLV_TIMINGS))
    if np.any(d <= -1) or np.any(r < 0) or np.any(r >= 1 + d):
        raise fail(SOURCE, "operations.bad_clv_inputs")
    if timing == "end":
        return m * r / (1 + d - r)
    if timing == "start":
        return m * (1 + d) / (1 + d - r)
    if not periods or periods < 1:
        raise fail(SOURCE, "operations.bad_periods")
    t_ = np.arange(periods).reshape((-1,) + (1,) * np.broadcast(m, r, d).ndim)
    return (m * (r / (1 + d)) ** t_).sum(axis=0)


# ---------------------------------------------------------------- risk early warning


def _level(values: pd.Series, amber: float, red: float) -> np.ndarray:
    """0 green, 1 amber, 2 red; −1 where the value is missing (not assessed)."""
    v = values.to_numpy(dtype="float64")
    level = (v >= amber).astype("int8") + (v >= red)
    return np.where(np.isnan(v), -1, level)


def _signal_values(customers: pd.DataFrame, previous: pd.DataFrame | None, as_of) -> dict[str, pd.Series]:
    values = {
        "overdue_days": customers["overdue_days"].astype("float64"),
        "overdue_amount": customers["overdue_amount"].astype("float64"),
        "legal_overdue": customers["overdue_days"].astype("float64"),
    }
    recency = (as_of - customers["last_purchase_date"]).dt.days.astype("float64")
    usual_gap = 365 / customers["orders_12m"].where(customers["orders_12m"] > 0)
    # No orders in the year: the usual gap is unknown, so the jump is measured against a year.
    values["recency_jump"] = recency / usual_gap.fillna(365)
    if previous is not None:
        before = previous.set_index("customer_id").reindex(customers["customer_id"])
        before.index = customers.index
        prior_orders = before["orders_12m"].astype("float64")
        drop = 100 * (1 - customers["orders_12m"] / prior_orders.where(prior_orders > 0))
        values["frequency_drop"] = drop.clip(lower=0)
        values["satisfaction_drop"] = (
            before["satisfaction"].astype("float64") - customers["satisfaction"]
        ).clip(0)
    return values


def _fill(template: str, frame: pd.DataFrame) -> pd.Series:
    """Format a catalogue template with columns of ``frame``, whole columns at a time."""
    out = pd.Series("", index=frame.index, dtype="string")
    for literal, name, spec, _ in string.Formatter().parse(template):
        out = out + literal
        if name:
            values = frame[name]
            # "{value:.1f}" → one decimal; a plain "{value}" → a whole number
            digits = int(spec[1]) if spec.startswith(".") else 0
            rounded = values.astype("float64").round(digits)
            text = (rounded if digits else rounded.astype("Int64")).astype("string")
            out = out + text
    return out


RISK_COLUMNS = ("overdue_days", "overdue_amount", "last_purchase_date", "orders_12m")  # what the signals read


def risk_signals(
    customers: pd.DataFrame,
    thresholds: Mapping[str, tuple[float, float]] | None = None,
    previous: pd.DataFrame | None = None,
    as_of=None,
    *,
    explain: bool = True,
) -> pd.DataFrame:
    """Green / amber / red per risk signal, the overall level (worst), category, response and reason.

    Signals (thresholds in :data:`DEFAULT_RISK_THRESHOLDS`, amber ≥ first, red ≥ second):
    credit — ``overdue_days``, ``overdue_amount``; legal — ``legal_overdue`` (long overdue);
    market (churn) — ``recency_jump`` (days since the last order ÷ the usual gap 365/orders_12m),
    ``frequency_drop`` (% fewer orders than a year ago); operational — ``satisfaction_drop``
    (points lost). The last two need ``previous`` (last year's snapshot); without it they are
    ``not_assessed``. Columns: ``<signal>_value``, ``<signal>_level`` per signal, then
    ``risk_level``, ``risk_category``, ``response`` and ``reason``.
    """
    needed = [*RISK_COLUMNS, *(["satisfaction"] if previous is not None else [])]
    missing = [column for column in needed if column not in customers.columns]
    if missing:  # a customer table without the overdue columns is common: say which, do not crash
        raise WorkbookInputError(SOURCE, [Problem("data.missing_column", column=c) for c in missing])
    limits = {**DEFAULT_RISK_THRESHOLDS, **(thresholds or {})}
    bad = [k for k, (a, r) in limits.items() if k not in RISK_SIGNALS or not 0 <= a <= r]
    if bad:
        raise fail(SOURCE, "operations.bad_thresholds", signals=", ".join(map(str, bad)))
    as_of = pd.Timestamp(as_of) if as_of is not None else customers["last_purchase_date"].max()
    values = _signal_values(customers, previous, as_of)
    out = pd.DataFrame(index=customers.index)
    levels = {}
    for signal in RISK_SIGNALS:
        level = (
            _level(values[signal], *limits[signal])
            if signal in values
            else np.full(len(customers), -1, dtype="int8")
        )
        levels[signal] = level
        out[f"{signal}_value"] = values.get(signal, pd.Series(np.nan, index=customers.index))
        out[f"{signal}_level"] = pd.Categorical.from_codes(level, categories=list(RISK_LEVELS))
    matrix = np.column_stack(list(levels.values()))
    worst = matrix.max(axis=1)
    worst_signal = np.array(list(RISK_SIGNALS))[matrix.argmax(axis=1)]
    category = np.array([RISK_SIGNALS[s][0] for s in worst_signal], dtype=object)
    out["risk_level"] = pd.Categorical.from_codes(np.maximum(worst, 0), categories=list(RISK_LEVELS))
    out["risk_category"] = np.where(worst > 0, category, None)
    response = np.where(
        worst == 2, [RISK_RESPONSES[c][1] for c in category], [RISK_RESPONSES[c][0] for c in category]
    )
    out["response"] = np.where(worst > 0, response, "accept")
    if explain:
        out["reason"] = _risk_reason(out, limits)
    return out


def _risk_reason(out: pd.DataFrame, limits: Mapping[str, tuple[float, float]]) -> pd.Series:
    reason = pd.Series("", index=out.index, dtype="string")
    for signal in RISK_SIGNALS:
        level = out[f"{signal}_level"]
        flagged = level.isin(["amber", "red"]).to_numpy()
        if not flagged.any():
            continue
        amber, red = limits[signal]
        frame = pd.DataFrame(
            {"value": out[f"{signal}_value"], "limit": np.where(level == "red", red, amber).astype("float64")}
        )
        text = label("risk_level", "red") + "：" + _fill(t(f"operations.signal.{signal}"), frame)
        text = text.where(
            level != "amber",
            label("risk_level", "amber") + "：" + _fill(t(f"operations.signal.{signal}"), frame),
        )
        sep = reason.where(reason == "", reason + t("operations.reason_sep"))
        reason = reason.where(~flagged, sep + text)
    return reason.where(reason != "", t("operations.no_warning"))


# ---------------------------------------------------------------- BG/NBD and Gamma-Gamma


def rfm_summary(
    transactions: pd.DataFrame,
    as_of=None,
    period: str = "D",
    *,
    weeks: str = "as_of",
    customer_col: str = "customer_id",
    date_col: str = "order_date",
    amount_col: str = "amount",
) -> pd.DataFrame:
    """Per customer: ``frequency`` (repeat purchase periods), ``recency`` (first → last purchase),
    ``T`` (first purchase → ``as_of``), in ``period`` units (D days, W weeks), and ``monetary_value``
    (mean amount per repeat purchase period, 0 without repeats).

    Same definitions as lifetimes' ``summary_data_from_transaction_data``: purchases after
    ``as_of`` are left out (the model only sees what was known on that day), purchases in one
    period count once (their amounts add up), the first purchase counts in neither frequency nor
    monetary value. ``as_of`` defaults to the last purchase.

    Weekly periods (``period="W"``): with ``weeks="as_of"`` (the default) a week is a 7-day slot
    counted back from ``as_of``, so ``T`` of a customer who first bought 14 days before ``as_of``
    is exactly 2. With ``weeks="calendar"`` weeks are calendar weeks (Monday to Sunday), as in
    lifetimes (``freq="W"``): two purchases on Sunday and the next Monday are then one week apart.

    >>> tx = pd.DataFrame({"customer_id": ["a", "a", "a"], "order_date": pd.to_datetime(
    ...     ["2026-01-01", "2026-01-11", "2026-02-01"]), "amount": [10.0, 30.0, 99.0]})
    >>> rfm_summary(tx, as_of="2026-01-31").loc["a"].tolist()   # the February order is after as_of
    [1.0, 10.0, 30.0, 30.0]
    """
    unit = {"D": 1, "W": 7}.get(period)
    if unit is None:
        raise fail(SOURCE, "operations.bad_period", period=period)
    if weeks not in ("as_of", "calendar"):
        raise fail(SOURCE, "operations.bad_weeks", weeks=weeks)
    dates = transactions[date_col].to_numpy().astype("datetime64[D]")
    end = dates.max() if as_of is None else np.datetime64(pd.Timestamp(as_of).date(), "D")
    known = dates <= end  # purchases after as_of were not known on that day
    days = (dates[known] - end).astype(np.int64)  # ≤ 0
    if unit == 7 and weeks == "calendar":
        # Monday-based week numbers (1970-01-01 was a Thursday: +3 makes Monday the first day)
        slot = np.floor_divide(days + _weekday(end), 7)
    else:
        slot = np.floor_divide(days, unit)  # periods counted back from as_of (≤ 0)
    per_slot = (
        pd.DataFrame(
            {
                "c": transactions[customer_col].to_numpy()[known],
                "s": slot,
                "a": transactions[amount_col].to_numpy(dtype="float64")[known],
            }
        )
        .groupby(["c", "s"], observed=True, sort=True)["a"]
        .sum()
        .reset_index()
    )
    g = per_slot.groupby("c", observed=True, sort=True)
    first, last, n, total = g["s"].min(), g["s"].max(), g["s"].size(), g["a"].sum()
    first_amount = per_slot.drop_duplicates("c", keep="first").set_index("c")["a"]
    frequency = (n - 1).astype("float64")
    repeat_total = total - first_amount
    out = pd.DataFrame(
        {
            "frequency": frequency,
            "recency": (last - first).astype("float64"),
            "T": (-first).astype("float64"),
            "monetary_value": np.where(frequency > 0, repeat_total / frequency.where(frequency > 0), 0.0),
        }
    )
    out.index.name = customer_col
    return out


def _weekday(day: np.datetime64) -> int:
    """Monday = 0 … Sunday = 6."""
    return int((day.astype("datetime64[D]").astype(np.int64) + 3) % 7)


@dataclass(frozen=True)
class BgNbdParams:
    """BG/NBD parameters: purchase rate λ ~ Gamma(r, α), dropout p ~ Beta(a, b)."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float = float("nan")


def bgnbd_log_likelihood(params, frequency, recency, T) -> np.ndarray:
    """Individual log-likelihoods, Fader, Hardie & Lee (2005) eq. 6, computed in logs.

    ln L = ln Γ(r+x) − ln Γ(r) + r ln α + ln[ e^{A1} + δ(x>0) e^{A2} ], with
    A1 = ln B(a, b+x) − ln B(a, b) − (r+x) ln(α+T),
    A2 = ln B(a+1, b+x−1) − ln B(a, b) − (r+x) ln(α+t_x).
    """
    return _bgnbd_terms(params, frequency, recency, T, gradient=False)[0]


def _bgnbd_terms(params, frequency, recency, T, gradient: bool = True):
    """(log-likelihoods, their gradient in (r, α, a, b) as a 4 × n array or None).

    With w = e^{A1} / (e^{A1} + δ e^{A2}) the weight of the "still alive" term:
    ∂/∂r = ψ(r+x) − ψ(r) + ln α − w ln(α+T) − (1−w) ln(α+t_x)
    ∂/∂α = r/α − (r+x) [w/(α+T) + (1−w)/(α+t_x)]
    ∂/∂a = w [ψ(a+b) − ψ(a+b+x)] + (1−w) [ψ(a+1) − ψ(a) + ψ(a+b) − ψ(a+b+x)]
    ∂/∂b = w [ψ(b+x) − ψ(b)] + (1−w) [ψ(b+x−1) − ψ(b)] + ψ(a+b) − ψ(a+b+x)
    (the δ(x>0) term is absent, w = 1, for customers without repeat purchases).
    """
    from scipy import special  # the models only; classroom kernels import this module too

    r, alpha, a, b = params
    x, tx, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    # The special functions depend on x alone, which takes few distinct values (repeat counts):
    # evaluate them once per distinct x and gather.
    xs, at = np.unique(x, return_inverse=True)
    repeat = x > 0
    bx1 = np.where(xs > 0, b + xs - 1, 1.0)  # only used where x > 0
    lb = special.betaln(a, b)
    log_at, log_atx = np.log(alpha + T), np.log(alpha + tx)
    common = (special.gammaln(r + xs) - special.gammaln(r))[at] + r * np.log(alpha)
    a1 = (special.betaln(a, b + xs) - lb)[at] - (r + x) * log_at
    a2 = (special.betaln(a + 1, bx1) - lb)[at] - (r + x) * log_atx
    total = np.where(repeat, np.logaddexp(a1, a2), a1)
    ll = common + total
    if not gradient:
        return ll, None
    w = np.where(repeat, np.exp(a1 - total), 1.0)
    v = 1 - w
    psi_ab, psi_b = special.digamma(a + b), special.digamma(b)
    psi_abx = special.digamma(a + b + xs)[at]
    d_r = special.digamma(r + xs)[at] - special.digamma(r) + np.log(alpha) - w * log_at - v * log_atx
    d_alpha = r / alpha - (r + x) * (w / (alpha + T) + v / (alpha + tx))
    d_a = psi_ab - psi_abx + v * (special.digamma(a + 1) - special.digamma(a))
    d_b = (
        psi_ab - psi_abx + w * (special.digamma(b + xs)[at] - psi_b) + v * (special.digamma(bx1)[at] - psi_b)
    )
    return ll, np.stack([d_r, d_alpha, d_a, d_b])


def _fit(neg_ll_and_grad, start) -> optimize.OptimizeResult:
    """Minimise over log-parameters (so they stay positive) with analytic gradients (BFGS).

    ``neg_ll_and_grad(params)`` returns (−Σ ln L, −∂Σ ln L/∂params); the chain rule for
    θ = ln(params) multiplies the gradient by the parameters.
    """
    from scipy import optimize  # only the model fits need it; apps import this module too

    def objective(log_params):
        params = np.exp(log_params)
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            value, grad = neg_ll_and_grad(params)
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros_like(log_params)
        return value, grad * params

    # BFGS, not L-BFGS-B: with four parameters its dense update is cheaper than L-BFGS-B's
    # Fortran driver, which costs more per step than the likelihood itself.
    result = optimize.minimize(
        objective, np.log(start), jac=True, method="BFGS", options={"maxiter": 1000, "gtol": 1e-6}
    )
    if not np.isfinite(result.fun):
        raise fail(SOURCE, "operations.fit_failed")
    return result


def _compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of ``columns`` and how often each occurs: the likelihood is a weighted sum over
    far fewer distinct (x, t_x, T) than customers (CDNOW: 2,357 customers, about 1,000 distinct)."""
    order = np.lexsort(columns[::-1])
    ordered = [c[order] for c in columns]
    starts = np.ones(len(order), dtype=bool)
    for c in ordered:
        starts[1:] &= c[1:] == c[:-1]
    starts = ~starts
    starts[0] = True
    first = np.flatnonzero(starts)
    counts = np.diff(np.append(first, len(order)))
    return [c[first] for c in ordered], counts.astype("float64")


def fit_bgnbd(summary: pd.DataFrame) -> BgNbdParams:
    """Maximum-likelihood BG/NBD fit on an :func:`rfm_summary` table.

    BFGS on log-parameters with the analytic gradient of :func:`_bgnbd_terms`, over the
    distinct (x, t_x, T) weighted by how many customers share them. On the CDNOW sample
    (weeks) it gives r = 0.2426, α = 4.4135, a = 0.7929, b = 2.4258, ln L = −9582.43, the
    published values.
    """
    x, tx, T = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    if len(x) < 10:
        raise fail(SOURCE, "operations.too_few_customers", n=len(x))
    (x, tx, T), weight = _compress(x, tx, T)

    def neg(params):
        ll, grad = _bgnbd_terms(params, x, tx, T)
        return -(weight @ ll), -(grad @ weight)

    result = _fit(neg, (1.0, 1.0, 1.0, 1.0))
    return BgNbdParams(*np.exp(result.x), log_likelihood=-result.fun)


def _odds_dead(p: BgNbdParams, x, tx, T) -> np.ndarray:
    """a/(b+x−1) · ((α+T)/(α+t_x))^{r+x} for x > 0, else 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        odds = p.a / (p.b + x - 1) * ((p.alpha + T) / (p.alpha + tx)) ** (p.r + x)
    return np.where(x > 0, odds, 0.0)


def probability_alive(params: BgNbdParams, frequency, recency, T) -> np.ndarray:
    """P(alive | x, t_x, T) = 1 / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^{r+x})."""
    x, tx, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    return 1 / (1 + _odds_dead(params, x, tx, T))


def expected_purchases(params: BgNbdParams, t, frequency, recency, T) -> np.ndarray:
    """Expected purchases in the next ``t`` periods (Fader, Hardie & Lee 2005, eq. 10):

    E[Y(t)] = (a+b+x−1)/(a−1) · [1 − ((α+T)/(α+T+t))^{r+x} · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t))]
              / (1 + δ(x>0) · a/(b+x−1) · ((α+T)/(α+t_x))^{r+x})
    """
    from scipy import special  # the models only; classroom kernels import this module too

    p = params
    x, tx, T = (np.asarray(v, dtype="float64") for v in (frequency, recency, T))
    hyp = special.hyp2f1(p.r + x, p.b + x, p.a + p.b + x - 1, t / (p.alpha + T + t))
    head = (p.a + p.b + x - 1) / (p.a - 1)
    return head * (1 - ((p.alpha + T) / (p.alpha + T + t)) ** (p.r + x) * hyp) / (1 + _odds_dead(p, x, tx, T))


@dataclass(frozen=True)
class GammaGammaParams:
    """Gamma-Gamma spend parameters p, q, v."""

    p: float
    q: float
    v: float
    log_likelihood: float = float("nan")


def gamma_gamma_log_likelihood(params, frequency, monetary) -> np.ndarray:
    """ln L = ln Γ(px+q) − ln Γ(px) − ln Γ(q) + q ln v + (px−1) ln m + px ln x − (px+q) ln(x m + v)."""
    return _gamma_gamma_terms(params, frequency, monetary, gradient=False)[0]


def _gamma_gamma_terms(params, frequency, monetary, gradient: bool = True):
    """(log-likelihoods, gradient in (p, q, v) as a 3 × n array or None):

    ∂/∂p = x [ψ(px+q) − ψ(px) + ln m + ln x − ln(xm+v)],
    ∂/∂q = ψ(px+q) − ψ(q) + ln v − ln(xm+v),  ∂/∂v = q/v − (px+q)/(xm+v).
    """
    from scipy import special  # the models only; classroom kernels import this module too

    p, q, v = params
    x, m = np.asarray(frequency, dtype="float64"), np.asarray(monetary, dtype="float64")
    log_xmv = np.log(x * m + v)
    ll = (
        special.gammaln(p * x + q)
        - special.gammaln(p * x)
        - special.gammaln(q)
        + q * np.log(v)
        + (p * x - 1) * np.log(m)
        + p * x * np.log(x)
        - (p * x + q) * log_xmv
    )
    if not gradient:
        return ll, None
    psi_pxq = special.digamma(p * x + q)
    d_p = x * (psi_pxq - special.digamma(p * x) + np.log(m) + np.log(x) - log_xmv)
    d_q = psi_pxq - special.digamma(q) + np.log(v) - log_xmv
    d_v = q / v - (p * x + q) / (x * m + v)
    return ll, np.stack([d_p, d_q, d_v])


def fit_gamma_gamma(frequency, monetary) -> GammaGammaParams:
    """Maximum-likelihood Gamma-Gamma fit on customers with repeat purchases and positive spend
    (BFGS on log-parameters with the analytic gradient)."""
    x, m = np.asarray(frequency, dtype="float64"), np.asarray(monetary, dtype="float64")
    keep = (x > 0) & (m > 0)
    if keep.sum() < 10:
        raise fail(SOURCE, "operations.too_few_customers", n=int(keep.sum()))
    (x, m), weight = _compress(x[keep], m[keep])

    def neg(params):
        ll, grad = _gamma_gamma_terms(params, x, m)
        return -(weight @ ll), -(grad @ weight)

    result = _fit(neg, (1.0, 1.0, float(np.average(m, weights=weight))))
    return GammaGammaParams(*np.exp(result.x), log_likelihood=-result.fun)


def expected_average_value(params: GammaGammaParams, frequency, monetary) -> np.ndarray:
    """E[M | x, m̄] = (q−1)/(px+q−1) · pv/(q−1) + px/(px+q−1) · m̄ (the population mean for x = 0)."""
    x, m = np.asarray(frequency, dtype="float64"), np.asarray(monetary, dtype="float64")
    p, q, v = params.p, params.q, params.v
    return (p * (v + x * m)) / (p * x + q - 1)


def predictive_clv(
    summary: pd.DataFrame,
    bgnbd: BgNbdParams,
    gamma_gamma: GammaGammaParams,
    horizon_periods: int,
    discount_rate: float = 0.0,
    margin: float = 1.0,
    step: int = 30,
) -> pd.DataFrame:
    """Expected purchases, probability alive and discounted CLV over ``horizon_periods``.

    CLV = margin · E[M] · Σ_k (E[Y(k·step)] − E[Y((k−1)·step)]) / (1 + discount_rate)^k, with
    ``discount_rate`` per ``step`` periods (e.g. a monthly rate with daily periods and step 30).
    """
    x, tx, T = (summary[c].to_numpy(dtype="float64") for c in ("frequency", "recency", "T"))
    value = expected_average_value(gamma_gamma, x, summary["monetary_value"].to_numpy(dtype="float64"))
    edges = np.append(np.arange(step, horizon_periods, step), horizon_periods)
    cumulative = np.stack([expected_purchases(bgnbd, e, x, tx, T) for e in edges])  # few horizons × customers
    increments = np.diff(np.vstack([np.zeros_like(x), cumulative]), axis=0)
    discount = (1 + discount_rate) ** np.arange(1, len(edges) + 1)
    clv_value = margin * value * (increments / discount[:, None]).sum(axis=0)
    return pd.DataFrame(
        {
            "expected_purchases": cumulative[-1],
            "probability_alive": probability_alive(bgnbd, x, tx, T),
            "expected_average_value": value,
            "clv": clv_value,
        },
        index=summary.index,
    )


def simulate_bgnbd(params: BgNbdParams, n_customers: int, T: float, seed: int = 0) -> pd.DataFrame:
    """Draw x, t_x and T from the BG/NBD story (for tests and teaching): λ ~ Gamma(r, 1/α), p ~ Beta(a, b),
    exponential gaps, dropout with probability p after each repeat purchase. Loops over purchase
    rounds (a few dozen), never over customers."""
    rng = np.random.default_rng(seed)
    lam = rng.gamma(params.r, 1 / params.alpha, n_customers)
    p = rng.beta(params.a, params.b, n_customers)
    time, x, tx = np.zeros(n_customers), np.zeros(n_customers), np.zeros(n_customers)
    alive = np.ones(n_customers, dtype=bool)
    while alive.any():
        time = time + rng.exponential(1 / np.maximum(lam, 1e-12))
        buys = alive & (time <= T)
        x[buys] += 1
        tx[buys] = time[buys]
        alive = buys & (rng.random(n_customers) >= p)
    return pd.DataFrame({"frequency": x, "recency": tx, "T": np.full(n_customers, float(T))})
