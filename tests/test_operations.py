"""Customer operations: rates, CLV formulas, risk signals and the BG/NBD + Gamma-Gamma models."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, special

from workbook import i18n
from workbook import operations as ops
from workbook.errors import WorkbookInputError


def orders(rows):
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"]).assign(
        order_date=lambda f: pd.to_datetime(f["order_date"])
    )


# ---------------------------------------------------------------- rates


def test_retention_by_quarter_by_hand():
    tx = orders(
        [
            ("a", "2026-01-10", 1),
            ("b", "2026-02-10", 1),
            ("c", "2026-03-10", 1),
            ("a", "2026-04-10", 1),
            ("b", "2026-06-10", 1),
            ("d", "2026-06-11", 1),
            ("a", "2026-07-01", 1),
        ]
    )
    table = ops.retention_rates(tx, "Q")
    # Q1 buyers a, b, c. Q2 buyers a, b, d: retained 2 of 3 → 0.6667. Q3 buyer a: retained 1 of 3 → 0.3333
    assert table["customers"].tolist() == [3, 3, 1]
    assert table["retention_rate"].round(4).tolist()[1:] == [0.6667, 0.3333]
    assert table["churn_rate"].round(4).tolist()[1:] == [0.3333, 0.6667]


def test_retention_counts_an_empty_period():
    tx = orders([("a", "2026-01-10", 1), ("a", "2026-07-10", 1)])
    table = ops.retention_rates(tx, "Q")
    # Q2 nobody bought: retention 0 of 1; Q3 has no previous buyers, so no rate at all
    assert len(table) == 3 and table["retention_rate"].tolist()[1] == 0.0
    assert np.isnan(table["retention_rate"].tolist()[2])


def test_cohorts():
    tx = orders(
        [("a", "2026-01-10", 1), ("b", "2026-01-20", 1), ("a", "2026-04-02", 1), ("c", "2026-04-03", 1)]
    )
    table = ops.cohort_retention(tx, "Q")
    # 2026Q1 cohort a, b: offset 1 has a only → 0.5; 2026Q2 cohort c alone
    assert table.loc[pd.Period("2026Q1"), 1] == 0.5 and table.loc[pd.Period("2026Q2"), 0] == 1.0


def test_repurchase_and_referral():
    tx = orders(
        [("a", "2026-01-01", 1), ("a", "2026-02-01", 1), ("b", "2026-01-01", 1), ("c", "2025-01-01", 1)]
    )
    assert ops.repurchase_rate(tx, start="2026-01-01") == 0.5  # a twice, b once; c is outside
    with pytest.raises(WorkbookInputError):
        ops.repurchase_rate(tx, start="2027-01-01")
    rates = ops.referral_rate(pd.DataFrame({"referrals": [0, 2, 1, 0]}))
    assert rates["referral_rate"] == 0.5 and rates["referrals_per_customer"] == 0.75


# ---------------------------------------------------------------- CLV


def test_clv_three_timings_by_hand():
    # m = 100, r = 0.8, d = 0.1
    # end:    100·0.8/(1.1 − 0.8) = 80/0.3 = 266.67
    # start:  100·1.1/0.3 = 366.67 (= end + m)
    # finite, 3 periods: 100·(1 + 0.8/1.1 + (0.8/1.1)²) = 100·(1 + 0.72727 + 0.52893) = 225.62
    assert float(ops.clv(100, 0.8, 0.1, "end")) == pytest.approx(266.6667, abs=1e-4)
    assert float(ops.clv(100, 0.8, 0.1, "start")) == pytest.approx(366.6667, abs=1e-4)
    assert float(ops.clv(100, 0.8, 0.1, "finite", periods=3)) == pytest.approx(225.6198, abs=1e-4)
    # a long finite horizon converges to the "start" formula
    assert float(ops.clv(100, 0.8, 0.1, "finite", periods=400)) == pytest.approx(366.6667, abs=1e-3)


def test_clv_vectorised_and_validated():
    values = ops.clv(np.array([100, 200]), 0.5, 0.0, "end")  # m·0.5/0.5 = m
    assert values.tolist() == [100.0, 200.0]
    for bad in [dict(retention=1.2, discount=0.1), dict(retention=0.5, discount=-1.5)]:
        with pytest.raises(WorkbookInputError):
            ops.clv(100, timing="end", **bad)
    with pytest.raises(WorkbookInputError):
        ops.clv(100, 0.5, 0.1, "middle")


# ---------------------------------------------------------------- risk signals


def snapshot(**overrides):
    base = {
        "customer_id": ["a", "b", "c"],
        "overdue_days": [0, 30, 200],
        "overdue_amount": [0.0, 9_999.0, 60_000.0],
        "last_purchase_date": pd.to_datetime(["2026-06-20", "2026-03-01", "2025-12-01"]),
        "orders_12m": [12, 4, 0],
        "satisfaction": [5, 3, 2],
    }
    base.update(overrides)
    return pd.DataFrame(base)


def test_risk_levels_at_thresholds():
    r = ops.risk_signals(snapshot(), as_of="2026-06-30")
    # overdue days 0 / 30 / 200 with amber 30, red 90 → green, amber (exactly at threshold), red
    assert r["overdue_days_level"].tolist() == ["green", "amber", "red"]
    assert r["overdue_amount_level"].tolist() == ["green", "green", "red"]
    # recency: a 10 days ÷ (365/12 = 30.4) = 0.33; b 121 ÷ 91.25 = 1.33; c 211 ÷ 365 = 0.58
    assert r["recency_jump_value"].round(2).tolist() == [0.33, 1.33, 0.58]
    assert r["risk_level"].tolist() == ["green", "amber", "red"]
    assert r["risk_category"].tolist()[1:] == ["credit", "credit"]
    # c: 200 days overdue is red for credit and legal; credit comes first, its red response is transfer
    assert r["response"].tolist() == ["accept", "reduce", "transfer"]


def test_signals_needing_last_year_are_not_assessed_without_it():
    r = ops.risk_signals(snapshot(), as_of="2026-06-30")
    assert r["frequency_drop_level"].isna().all() and r["satisfaction_drop_level"].isna().all()


def test_drops_against_last_year_and_reasons():
    before = snapshot(orders_12m=[12, 10, 5], satisfaction=[5, 5, 2])
    now = snapshot(overdue_days=[0, 0, 0], overdue_amount=[0.0, 0.0, 0.0], orders_12m=[12, 6, 0])
    r = ops.risk_signals(now, previous=before, as_of="2026-06-30")
    # b: orders 10 → 6 = 40% fewer (amber ≥ 30); satisfaction 5 → 3 = 2 points (red ≥ 2)
    assert r.loc[1, "frequency_drop_value"] == pytest.approx(40.0)
    assert r.loc[1, "frequency_drop_level"] == "amber" and r.loc[1, "satisfaction_drop_level"] == "red"
    assert r.loc[1, "risk_category"] == "operational"
    with i18n.language("zh"):
        zh = ops.risk_signals(now, previous=before, as_of="2026-06-30").loc[1, "reason"]
    assert zh == "黄灯：订单数比去年减少 40%（阈值 30%）；红灯：满意度比去年下降 2 分（阈值 2 分）"
    with i18n.language("en"):
        assert ops.risk_signals(now, previous=before, as_of="2026-06-30").loc[0, "reason"] == "no warning"


def test_bad_thresholds():
    with pytest.raises(WorkbookInputError):
        ops.risk_signals(snapshot(), thresholds={"overdue_days": (90, 30)})
    with pytest.raises(WorkbookInputError):
        ops.risk_signals(snapshot(), thresholds={"weather": (1, 2)})


@settings(max_examples=30, deadline=None)
@given(
    st.lists(st.tuples(st.integers(0, 400), st.floats(0, 1e6), st.integers(0, 30)), min_size=1, max_size=20)
)
def test_risk_properties(rows):
    c = pd.DataFrame(rows, columns=["overdue_days", "overdue_amount", "orders_12m"]).assign(
        customer_id=lambda f: [f"c{i}" for i in range(len(f))],
        satisfaction=3,
        last_purchase_date=pd.Timestamp("2026-01-01"),
    )
    before = c.copy()
    r = ops.risk_signals(c, as_of="2026-06-30")
    pd.testing.assert_frame_equal(c, before)
    worst = r[[f"{s}_level" for s in ops.RISK_SIGNALS]].apply(lambda col: col.cat.codes).max(axis=1)
    assert (r["risk_level"].cat.codes == worst.clip(lower=0)).all()
    # raising overdue days never lowers the level
    more = ops.risk_signals(c.assign(overdue_days=c["overdue_days"] + 50), as_of="2026-06-30")
    assert (more["risk_level"].cat.codes >= r["risk_level"].cat.codes).all()


# ---------------------------------------------------------------- BG/NBD and Gamma-Gamma

CDNOW = ops.BgNbdParams(r=0.243, alpha=4.414, a=0.793, b=2.426)  # Fader, Hardie & Lee (2005), CDNOW sample


def test_rfm_summary_matches_the_lifetimes_definitions():
    tx = orders(
        [
            ("a", "2026-01-01", 10),
            ("a", "2026-01-01", 5),
            ("a", "2026-01-11", 30),
            ("a", "2026-01-21", 50),
            ("b", "2026-01-31", 7),
        ]
    )
    s = ops.rfm_summary(tx, as_of="2026-01-31")
    # a: purchase days 1, 11, 21 → frequency 2, recency 20, T 30, monetary (30 + 50)/2 = 40
    assert s.loc["a"].tolist() == [2.0, 20.0, 30.0, 40.0]
    assert s.loc["b"].tolist() == [0.0, 0.0, 0.0, 0.0]


def test_rfm_summary_leaves_out_purchases_after_as_of():
    tx = orders(
        [("a", "2026-01-01", 10), ("a", "2026-01-11", 30), ("a", "2026-02-20", 99), ("b", "2026-03-01", 5)]
    )
    s = ops.rfm_summary(tx, as_of="2026-01-31")
    # a on 31 Jan knew of days 1 and 11 only: frequency 1, recency 10, T 30, monetary 30; b not yet a customer
    assert s.loc["a"].tolist() == [1.0, 10.0, 30.0, 30.0]
    assert "b" not in s.index
    assert (s["recency"] <= s["T"]).all()


def test_rfm_summary_weeks_as_of_slots_or_calendar_weeks():
    # as_of is a Wednesday (2026-01-14); the first purchase was on Sunday 2026-01-04, 10 days before.
    tx = orders([("a", "2026-01-04", 1), ("a", "2026-01-05", 2)])
    slots = ops.rfm_summary(tx, as_of="2026-01-14", period="W")
    calendar = ops.rfm_summary(tx, as_of="2026-01-14", period="W", weeks="calendar")
    # 7-day slots back from Wed 14 Jan: 8–14, 1–7 (both purchases) → one purchase period, T = 2
    assert slots.loc["a", ["frequency", "recency", "T"]].tolist() == [0.0, 0.0, 2.0]
    # calendar weeks: Sun 4 Jan ends the week of 29 Dec, Mon 5 Jan starts the next → a repeat a week later
    assert calendar.loc["a", ["frequency", "recency", "T"]].tolist() == [1.0, 1.0, 2.0]
    with pytest.raises(WorkbookInputError) as caught:
        ops.rfm_summary(tx, period="W", weeks="iso")
    assert caught.value.keys == ["operations.bad_weeks"]


def _cdnow_log():
    lifetimes = pytest.importorskip("lifetimes")
    from pathlib import Path

    path = Path(lifetimes.__file__).parent / "datasets" / "CDNOW_sample.txt"
    raw = pd.read_csv(
        path,
        sep=r"\s+",
        header=None,
        names=["customer_id", "id", "date", "qty", "amount"],
        dtype={"customer_id": str, "date": str},
    )
    return raw.assign(order_date=pd.to_datetime(raw["date"], format="%Y%m%d"))


def test_rfm_summary_calendar_weeks_equal_lifetimes_on_cdnow():
    from lifetimes.utils import summary_data_from_transaction_data

    log = _cdnow_log()
    # as_of a Sunday: lifetimes keeps purchases after as_of in the same calendar week, we never do
    ours = ops.rfm_summary(log, as_of="1997-09-28", period="W", weeks="calendar")
    theirs = summary_data_from_transaction_data(
        log,
        "customer_id",
        "order_date",
        monetary_value_col="amount",
        observation_period_end="1997-09-28",
        freq="W",
    )
    theirs = theirs.reindex(ours.index)
    for column in ("frequency", "recency", "T", "monetary_value"):
        np.testing.assert_allclose(ours[column], theirs[column], rtol=1e-9, err_msg=column)
    # the default 7-day slots back from as_of differ for some customers: documented, not a bug
    slots = ops.rfm_summary(log, as_of="1997-09-28", period="W")
    assert (slots["recency"] != ours["recency"]).any()


def test_rfm_summary_as_of_inside_the_log_gives_a_summary_bgnbd_can_fit():
    log = _cdnow_log()
    s = ops.rfm_summary(log, as_of="1997-06-30", period="W")
    assert (s["recency"] <= s["T"]).all() and (s["T"] >= 0).all()
    assert log.loc[log["order_date"] <= "1997-06-30", "customer_id"].nunique() == len(s)


def test_fit_bgnbd_reproduces_the_published_cdnow_parameters():
    lifetimes = pytest.importorskip("lifetimes")
    from lifetimes.datasets import load_cdnow_summary

    assert lifetimes is not None
    fit = ops.fit_bgnbd(load_cdnow_summary(index_col=[0]))
    # Fader, Hardie & Lee (2005), CDNOW sample in weeks
    rounded = (round(fit.r, 4), round(fit.alpha, 4), round(fit.a, 4), round(fit.b, 4))
    assert rounded == (0.2426, 4.4135, 0.7929, 2.4258)
    assert round(fit.log_likelihood, 2) == -9582.43


def test_fit_gamma_gamma_reproduces_the_published_cdnow_parameters():
    pytest.importorskip("lifetimes")
    from lifetimes.datasets import load_cdnow_summary_data_with_monetary_value

    s = load_cdnow_summary_data_with_monetary_value()
    fit = ops.fit_gamma_gamma(s["frequency"], s["monetary_value"])
    # Fader, Hardie & Lee (2005), "RFM and CLV": p = 6.25, q = 3.74, v = 15.44
    assert (round(fit.p, 2), round(fit.q, 2), round(fit.v, 2)) == (6.25, 3.74, 15.45)


@pytest.mark.parametrize("point", [(0.3, 5.0, 0.8, 2.5), (1.7, 0.9, 2.2, 0.6)])
def test_bgnbd_and_gamma_gamma_gradients_equal_finite_differences(point):
    x = np.array([0.0, 1.0, 2.0, 7.0])
    tx = np.array([0.0, 5.0, 30.43, 20.0])
    T = np.array([38.86, 10.0, 38.86, 25.0])
    _, grad = ops._bgnbd_terms(point, x, tx, T)
    for k in range(4):
        step = np.zeros(4)
        step[k] = 1e-6
        numeric = (
            ops.bgnbd_log_likelihood(np.add(point, step), x, tx, T)
            - ops.bgnbd_log_likelihood(np.subtract(point, step), x, tx, T)
        ) / 2e-6
        np.testing.assert_allclose(grad[k], numeric, rtol=1e-5, atol=1e-7)
    m = np.array([3.0, 20.0, 7.5, 100.0])
    gg_point = np.array(point[:3])
    _, gg_grad = ops._gamma_gamma_terms(gg_point, x + 1, m)
    for k in range(3):
        step = np.zeros(3)
        step[k] = 1e-6
        numeric = (
            ops.gamma_gamma_log_likelihood(gg_point + step, x + 1, m)
            - ops.gamma_gamma_log_likelihood(gg_point - step, x + 1, m)
        ) / 2e-6
        np.testing.assert_allclose(gg_grad[k], numeric, rtol=1e-5, atol=1e-7)


def test_bgnbd_likelihood_against_numerical_integration():
    # L(r,α,a,b | x,t_x,T) = ∫∫ L(λ,p) g(λ) f(p) dλ dp with
    # L(λ,p) = (1−p)^x λ^x e^{−λT} + δ(x>0) p (1−p)^{x−1} λ^x e^{−λ t_x}
    p = CDNOW
    x, tx, T = 2, 30.43, 38.86

    def integrand(lam, q):
        inner = (1 - q) ** x * lam**x * np.exp(-lam * T) + q * (1 - q) ** (x - 1) * lam**x * np.exp(-lam * tx)
        g = np.exp(p.r * np.log(p.alpha) + (p.r - 1) * np.log(lam) - p.alpha * lam - special.gammaln(p.r))
        f = q ** (p.a - 1) * (1 - q) ** (p.b - 1) / special.beta(p.a, p.b)
        return inner * g * f

    numeric, _ = integrate.dblquad(integrand, 0, 1, 0, np.inf, epsabs=1e-13)
    assert ops.bgnbd_log_likelihood((p.r, p.alpha, p.a, p.b), x, tx, T) == pytest.approx(
        np.log(numeric), rel=1e-5
    )


def test_bgnbd_expectations_against_published_values():
    # Fader, Hardie & Lee (2005), CDNOW: a customer with x = 2, t_x = 30.43, T = 38.86 weeks
    # is expected to make 1.226 purchases in the next 39 weeks.
    assert float(ops.expected_purchases(CDNOW, 39, 2, 30.43, 38.86)) == pytest.approx(1.226, abs=0.001)
    # no repeat purchase → certainly alive in the model
    assert float(ops.probability_alive(CDNOW, 0, 0, 38.86)) == 1.0


def test_bgnbd_parameter_recovery():
    truth = ops.BgNbdParams(r=0.8, alpha=6.0, a=0.6, b=2.5)
    summary = ops.simulate_bgnbd(truth, 6_000, T=52, seed=3)
    fit = ops.fit_bgnbd(summary)
    for name in ("r", "alpha", "a", "b"):
        assert getattr(fit, name) == pytest.approx(getattr(truth, name), rel=0.2), name


def test_gamma_gamma_parameter_recovery_and_expectation():
    rng = np.random.default_rng(5)
    p, q, v = 6.0, 4.0, 15.0
    n = 5_000
    x = rng.integers(1, 10, n)
    nu = rng.gamma(q, 1 / v, n)  # spend scale per customer
    spend = rng.gamma(p * x, 1 / nu) / x  # mean of x Gamma(p, ν) amounts
    fit = ops.fit_gamma_gamma(x, spend)
    assert (fit.p, fit.q, fit.v) == pytest.approx((p, q, v), rel=0.25)
    # E[M | x = 1, m = 20] = p(v + x·m)/(p·x + q − 1) = 6·35/9 = 23.33
    assert float(ops.expected_average_value(ops.GammaGammaParams(6, 4, 15), 1, 20)) == pytest.approx(
        23.3333, 1e-4
    )


def test_predictive_clv_is_discounted_expected_spend():
    summary = pd.DataFrame(
        {"frequency": [2.0, 0.0], "recency": [30.43, 0.0], "T": [38.86, 38.86], "monetary_value": [20.0, 0.0]}
    )
    gg = ops.GammaGammaParams(6, 4, 15)
    out = ops.predictive_clv(summary, CDNOW, gg, horizon_periods=39, discount_rate=0.0, margin=0.5, step=13)
    # no discount: CLV = margin · E[M] · E[Y(39)]
    expected = (
        0.5 * ops.expected_average_value(gg, 2, 20) * ops.expected_purchases(CDNOW, 39, 2, 30.43, 38.86)
    )
    assert out.loc[0, "clv"] == pytest.approx(float(expected))
    discounted = ops.predictive_clv(summary, CDNOW, gg, 39, discount_rate=0.1, margin=0.5, step=13)
    assert (discounted["clv"] <= out["clv"]).all()


def test_risk_signals_name_missing_overdue_columns_instead_of_crashing():
    customers = pd.DataFrame({"last_purchase_date": pd.to_datetime(["2026-06-01"]), "orders_12m": [3]})
    with pytest.raises(WorkbookInputError) as caught:
        ops.risk_signals(customers, as_of="2026-06-30")
    message = caught.value.message("en")
    assert "overdue_days" in message and "overdue_amount" in message
