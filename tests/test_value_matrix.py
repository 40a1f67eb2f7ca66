"""Customer value matrix: hand-worked scores, weights validation, tiers, quadrants, budget, sensitivity."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import data, i18n
from workbook import value_matrix as vm
from workbook.errors import WorkbookInputError


def customers(**overrides) -> pd.DataFrame:
    """Three customers A, B, C with every column value_scores needs."""
    base = {
        "purchase_potential": [100_000.0, 400_000.0, 1_000_000.0],
        "gross_profit_12m": [10_000.0, 30_000.0, 20_000.0],
        "satisfaction": [2, 4, 5],
        "trust": [2, 4, 3],
        "cooperation": [1, 3, 5],
        "recommend_score": [0, 6, 10],
        "referrals": [0, 1, 5],
        "revenue_12m": [50_000.0, 100_000.0, 90_000.0],
        "orders_12m": [1, 10, 3],
    }
    base.update(overrides)
    return pd.DataFrame(base, index=["A", "B", "C"])


def test_hand_worked_minmax_score():
    # min–max on every dimension (method="minmax"):
    #   potential 100k, 400k, 1m   → 0, 300/900 = 0.3333, 1
    #   profit 10k, 30k, 20k       → 0, 1, 0.5
    #   loyalty (s+t)/2 = 2, 4, 4  → 0, 1, 1
    #   cooperation 1, 3, 5        → 0, 0.5, 1
    #   referral ½·r/10 + ½·min(n,3)/3 = 0, 0.3+0.1667=0.4667, 0.5+0.5=1 → 0, 0.4667, 1
    # B: 100·(.25·.3333 + .30·1 + .20·1 + .15·.5 + .10·.4667) = 100·0.70500 = 70.50
    # C: 100·(.25 + .30·.5 + .20 + .15 + .10) = 85.0 ; A: 0
    scored = vm.value_scores(customers(), method="minmax")
    assert scored["value_score"].round(2).tolist() == [0.0, 70.5, 85.0]
    assert scored["value_tier"].tolist() == ["low", "high", "high"]
    assert scored.loc["B", "score_purchase_potential"] == pytest.approx(100 / 3)


def test_hand_worked_default_methods():
    # Default: money by percentile rank, ratings on their scale.
    #   potential ranks 1,2,3 of 3 → 1/3, 2/3, 1 ; profit 10k,30k,20k → 1/3, 1, 2/3
    #   loyalty (x−1)/4: 0.25, 0.75, 0.75 ; cooperation 0, 0.5, 1 ; referral 0, 0.4667, 1
    # A: 100·(.25/3 + .30/3 + .20·.25 + 0 + 0) = 100·(0.08333 + 0.1 + 0.05) = 23.33
    scored = vm.value_scores(customers())
    assert scored.loc["A", "value_score"] == pytest.approx(23.3333, abs=1e-3)
    assert scored.loc["A", "value_tier"] == "low"


def test_reason_names_top_contributors_in_both_languages():
    with i18n.language("zh"):
        zh = vm.value_scores(customers(), method="minmax").loc["C", "reason"]
    with i18n.language("en"):
        en = vm.value_scores(customers(), method="minmax").loc["C", "reason"]
    # C's points: potential 25, profit 15, loyalty 20, cooperation 15, referral 10 → potential, loyalty
    assert "购买潜力（25.0 分）" in zh and "忠诚度（20.0 分）" in zh
    assert en.startswith("value score 85.0") and "purchase potential (25.0 points)" in en


def test_rescore_is_the_matrix_product_and_scale_free():
    m = vm.normalized_dimensions(customers(), "minmax")
    w = {"purchase_potential": 1, "profit_contribution": 1, "loyalty": 0, "cooperation": 0, "referral": 2}
    # B: 100·(0.3333·¼ + 1·¼ + 0.4667·½) = 100·(0.08333 + 0.25 + 0.23333) = 56.67
    assert vm.rescore(m, w)["B"] == pytest.approx(56.6667, abs=1e-3)
    scaled = {k: 10 * v for k, v in w.items()}
    pd.testing.assert_series_equal(vm.rescore(m, w), vm.rescore(m, scaled))


@pytest.mark.parametrize(
    ("weights", "keys"),
    [
        ({"loyalty": -0.2, "referral": 1}, ["value_matrix.weight_negative"]),
        ({"loyalty": 0, "referral": 0}, ["value_matrix.weights_all_zero"]),
        ({"loyality": 1}, ["value_matrix.unknown_dimension_suggest"]),
        ({"size": 1}, ["value_matrix.unknown_dimension"]),
        ({"loyalty": "high", "referral": float("nan")}, ["value_matrix.weight_not_number"] * 2),
    ],
)
def test_weight_errors(weights, keys):
    with pytest.raises(WorkbookInputError) as caught:
        vm.validate_weights(weights)
    assert caught.value.keys == keys
    assert caught.value.message("zh") and caught.value.message("en")


def test_weight_suggestion_text():
    with pytest.raises(WorkbookInputError) as caught:
        vm.validate_weights({"loyality": 1})
    assert "是不是「loyalty」" in caught.value.message("zh")
    assert "did you mean 'loyalty'" in caught.value.message("en")


def test_missing_columns_are_named():
    with pytest.raises(WorkbookInputError) as caught:
        vm.value_scores(customers().drop(columns=["trust", "referrals"]))
    assert caught.value.keys == ["data.missing_column", "data.missing_column"]


def test_normalize_edge_cases():
    assert vm.normalize(pd.Series([3.0, 3.0])).tolist() == [0.5, 0.5]  # nobody is better
    assert vm.normalize(pd.Series([1.0, 2.0, 2.0, 4.0]), "percentile").tolist() == [0.25, 0.625, 0.625, 1.0]
    assert vm.normalize(pd.Series([0.0, 7.0]), "rating").tolist() == [0.0, 1.0]  # clipped to the scale
    with pytest.raises(WorkbookInputError):
        vm.normalize(pd.Series([1.0]), "zscore")


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.one_of(st.integers(-3, 3).map(float), st.just(np.nan), st.floats(allow_nan=False, width=32)),
        max_size=40,
    )
)
def test_percentile_is_pandas_average_rank(values):
    """Bit for bit pandas' rank(method="average", pct=True): ties, infinities and missing values."""
    x = pd.Series(values, dtype="float64", index=range(100, 100 + len(values)), name="x")
    expected = x.rank(method="average", pct=True)
    pd.testing.assert_series_equal(vm.normalize(x, "percentile"), expected, check_exact=True)


def test_tier_thresholds():
    scores = pd.Series([39.99, 40.0, 69.99, 70.0])
    assert vm.tier(scores).tolist() == ["low", "mid", "mid", "high"]
    with pytest.raises(WorkbookInputError):
        vm.tier(scores, (80, 50))


def test_quadrants_split_at_median():
    axes = pd.DataFrame({"current_value": [10, 20, 30, 40], "potential_value": [40, 10, 30, 20]})
    # median current 25, potential 25: (10,40) growth, (20,10) basic, (30,30) strategic, (40,20) core
    q = vm.value_quadrants(axes)
    assert q["quadrant"].tolist() == ["growth", "basic", "strategic", "core"]
    assert q["x_split"].iloc[0] == 25 and q["y_split"].iloc[0] == 25
    assert vm.value_quadrants(axes, split=35)["quadrant"].tolist() == ["growth", "basic", "basic", "core"]


def test_frequency_spend_view_leaves_non_buyers_out():
    c = customers(orders_12m=[0, 10, 3])
    # buyers B (10 orders, 10,000 avg) and C (3, 30,000): medians 6.5 and 20,000
    fs = vm.frequency_spend_quadrants(c)
    assert pd.isna(fs.loc["A", "fs_quadrant"])
    assert fs.loc["B", "fs_quadrant"] == "frequent" and fs.loc["C", "fs_quadrant"] == "big_ticket"


def test_budget_sums_exactly_and_skips_empty_groups():
    tiers = pd.DataFrame({"value_tier": ["high"] * 3 + ["low"] * 4})
    # no mid tier: 0.50 and 0.15 rescaled to 0.7692 and 0.2308 of 1,000.00 CNY = 100,000 fen
    # exact 76,923.08 and 23,076.92 fen → floors 76,923 + 23,076 = 99,999; one fen to the larger remainder
    table = vm.allocate_budget(tiers, 1000)
    assert table["budget"].tolist() == [769.23, 230.77]
    assert table["budget"].sum() == pytest.approx(1000.0)
    assert table.loc["high", "per_customer"] == 256.41  # 76,923 fen / 3 = 25,641 fen
    with pytest.raises(WorkbookInputError):
        vm.allocate_budget(tiers, -1)


def test_strategy_table_is_bilingual_and_complete():
    zh, en = vm.strategy_table("zh"), vm.strategy_table("en")
    assert len(zh) == 7 and zh["resource_share"].groupby(zh["group"]).sum().round(6).tolist() == [1.0, 1.0]
    assert "专属客户经理" in zh.loc[0, "strategy"] and en.loc[0, "contact_mode"] == "face-to-face"


def test_weight_sensitivity_counts_tier_changes():
    c = customers()
    table = vm.weight_sensitivity(c, deltas=(0.5,), method="minmax")
    # Raising referral by 0.5 → weights (.25,.3,.2,.15,.6)/1.5;
    # B: 100·(.0833 + .3 + .2 + .075 + .28)/1.5 = 62.56 → mid
    row = table.set_index("dimension").loc["referral"]
    assert (row["changed"], row["down"], row["up"]) == (1, 1, 0)
    assert len(table) == len(vm.DIMENSIONS)


def test_sample_data_value_concentrates_in_large_accounts():
    c = data.load_customers(data.DATASETS_DIR / "customers.csv")
    scored = vm.value_scores(c)
    high = scored["value_tier"] == "high"
    assert (c.loc[high, "company_size"] == "large").mean() > (c["company_size"] == "large").mean()


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(0, 1e7),
            st.floats(-1e5, 1e6),
            st.integers(1, 5),
            st.integers(1, 5),
            st.integers(1, 5),
            st.integers(0, 10),
            st.integers(0, 9),
        ),
        min_size=2,
        max_size=30,
    ),
    st.lists(st.floats(0.01, 5), min_size=5, max_size=5),
    st.randoms(),
)
def test_properties(rows, weights, rnd):
    c = pd.DataFrame(
        rows,
        columns=[
            "purchase_potential",
            "gross_profit_12m",
            "satisfaction",
            "trust",
            "cooperation",
            "recommend_score",
            "referrals",
        ],
    )
    before = c.copy()
    w = dict(zip(vm.DIMENSIONS, weights, strict=True))
    scored = vm.value_scores(c, w, explain=False)
    pd.testing.assert_frame_equal(c, before)  # input untouched
    assert scored["value_score"].between(0, 100 + 1e-9).all()
    codes = scored["value_tier"].cat.codes
    order = np.argsort(scored["value_score"].to_numpy(), kind="stable")
    assert (np.diff(codes.to_numpy()[order]) >= 0).all()  # tiers monotone in the score
    shuffled = c.sample(frac=1, random_state=rnd.randint(0, 999))
    again = vm.value_scores(shuffled, w, explain=False).loc[c.index]
    pd.testing.assert_series_equal(again["value_score"], scored["value_score"], rtol=1e-12)


def test_an_order_ledger_is_valued_on_revenue_profit_and_frequency():
    # Hand-worked: percentile ranks revenue .25/.5/.75/1, profit .25/1/.75/.5, frequency 1/.75/.5/.25;
    # weights .35/.40/.25 → 43.75, 76.25, 68.75, 61.25.
    ledger = pd.DataFrame(
        {
            "customer_id": ["a", "b", "c", "d"],
            "revenue_12m": [100.0, 200, 300, 400],
            "gross_profit_12m": [10.0, 40, 30, 20],
            "orders_12m": [4, 3, 2, 1],
        }
    )
    scored = vm.value_scores(ledger)
    assert scored["value_score"].tolist() == pytest.approx([43.75, 76.25, 68.75, 61.25])
    assert scored["value_tier"].tolist() == ["mid", "high", "mid", "mid"]
    assert list(scored.columns[:3]) == ["score_revenue", "score_profit_contribution", "score_frequency"]
    # Without a profit column its weight is shared by the other two: .35/.60 and .25/.60.
    no_profit = vm.value_scores(ledger.drop(columns="gross_profit_12m"), explain=False)
    assert no_profit["value_score"].iloc[[0, 3]].tolist() == pytest.approx([56.25, 68.75])


def test_a_customer_table_missing_some_survey_columns_is_not_valued_as_a_ledger():
    table = customers().assign(revenue_12m=1.0, orders_12m=1).drop(columns=["trust"])
    with pytest.raises(WorkbookInputError) as caught:
        vm.value_scores(table)
    assert caught.value.keys == ["data.missing_column"]
