"""Tests of the sample-data generator and of the committed sample files.

The committed CSVs must be exactly what the generator writes, internally consistent
(snapshots = sums of the orders), inside the documented ranges, and they must hold the
five teaching patterns, checked here with the default ladder rules written out again.
"""

from __future__ import annotations

import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbook import datasets as ds

DATA = ds.DATASETS_DIR
LEVELS = ["prospect", "initial_contact", "active", "loyal", "strategic_partner"]
RANK = {level: i for i, level in enumerate(LEVELS)}
DATE_COLUMNS = ["first_purchase_date", "last_purchase_date"]
TWO_YEARS = pd.DateOffset(years=2)
SNAPSHOTS = [("customers.csv", ds.AS_OF), ("customers_2025.csv", ds.PREVIOUS_AS_OF)]


def read_customers(name: str) -> pd.DataFrame:
    return pd.read_csv(DATA / name, dtype={"customer_id": str, "dealer_class": str}, parse_dates=DATE_COLUMNS)


@pytest.fixture(scope="module")
def customers() -> pd.DataFrame:
    return read_customers("customers.csv")


@pytest.fixture(scope="module")
def customers_2025() -> pd.DataFrame:
    return read_customers("customers_2025.csv")


@pytest.fixture(scope="module")
def transactions() -> pd.DataFrame:
    return pd.read_csv(DATA / "transactions.csv", parse_dates=["order_date"])


@pytest.fixture(scope="module")
def nps() -> pd.DataFrame:
    return pd.read_csv(DATA / "nps_survey.csv", parse_dates=["response_date"], keep_default_na=False)


@pytest.fixture(scope="module")
def servqual() -> pd.DataFrame:
    return pd.read_csv(DATA / "servqual.csv")


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    out = tmp_path_factory.mktemp("datasets")
    assert ds.main(["regenerate", "--out", str(out)]) == 0  # the command line, end to end
    return out


def ladder(c: pd.DataFrame, as_of: pd.Timestamp, two_years=TWO_YEARS) -> pd.Series:
    """The course's default relationship ladder, top-down, first match wins (vectorised)."""
    tenure = c["first_purchase_date"] <= as_of - two_years
    recency = (as_of - c["last_purchase_date"]).dt.days
    conditions = [
        (c["joint_projects"] >= 1) & (c["contacts_decision"] >= 1) & (c["orders_12m"] >= 6) & tenure,
        (c["orders_12m"] >= 6) & tenure & (c["satisfaction"] >= 4),
        (c["orders_12m"] >= 3) & (recency <= 180),
        (c["orders_12m"] >= 1) | (c["enquiries_12m"] >= 1),
    ]
    choices = ["strategic_partner", "loyal", "active", "initial_contact"]
    return pd.Series(np.select(conditions, choices, "prospect"), index=c.index)


def cents(values: pd.Series) -> pd.Series:
    return np.rint(values * 100).astype("int64")


# ---------------------------------------------------------------- reproducibility and format


def committed_files() -> list:
    return sorted(p.relative_to(DATA) for p in DATA.rglob("*") if p.is_file() and p.suffix != ".md")


def test_regenerate_writes_exactly_the_committed_files(regenerated):
    written = sorted(p.relative_to(regenerated) for p in regenerated.rglob("*") if p.is_file())
    assert written == committed_files()
    assert len(written) == 5 + 27  # five clean tables, 27 teaching files


@pytest.mark.parametrize("name", [p for p in committed_files() if p.suffix != ".xlsx"], ids=str)
def test_regenerated_text_files_are_byte_identical(regenerated, name):
    assert (regenerated / name).read_bytes() == (DATA / name).read_bytes()


@pytest.mark.parametrize("name", [p for p in committed_files() if p.suffix == ".xlsx"], ids=str)
def test_regenerated_workbooks_have_identical_cells(regenerated, name):
    def cells(path):
        book = openpyxl.load_workbook(path)
        return [
            (
                ws.title,
                [list(r) for r in ws.iter_rows(values_only=True)],
                sorted(str(m) for m in ws.merged_cells.ranges),
            )
            for ws in book.worksheets
        ]

    assert cells(regenerated / name) == cells(DATA / name)


@pytest.mark.parametrize(
    ("name", "columns"),
    [
        ("customers.csv", ds.CUSTOMER_COLUMNS),
        ("customers_2025.csv", ds.CUSTOMER_COLUMNS),
        ("transactions.csv", ds.TRANSACTION_COLUMNS),
        ("nps_survey.csv", ds.NPS_COLUMNS),
        ("servqual.csv", ds.SERVQUAL_COLUMNS),
    ],
)
def test_clean_files_are_plain_utf8_with_canonical_headers(name, columns):
    blob = (DATA / name).read_bytes()
    assert not blob.startswith(b"\xef\xbb\xbf") and b"\r" not in blob and blob.endswith(b"\n")
    text = blob.decode("utf-8")
    assert text.split("\n", 1)[0].split(",") == list(columns)


def test_cell_formats_in_the_customer_file():
    frame = pd.read_csv(DATA / "customers.csv", dtype=str, keep_default_na=False)
    money = re.compile(r"^-?\d+\.\d{2}$")
    for col in ("revenue_12m", "gross_profit_12m", "purchase_potential", "overdue_amount"):
        assert frame[col].str.match(money).all(), col
    for col in DATE_COLUMNS:
        assert frame[col].str.match(r"^(\d{4}-\d{2}-\d{2})?$").all(), col
    for col in ("member", "needs_documented"):
        assert set(frame[col]) == {"true", "false"}
    assert set(frame["company_size"]) == {"large", "medium", "small"}
    assert set(frame["customer_group"]) == {"standard", "technical", "strategic"}
    assert set(frame["dealer_class"]) == {"A", "B", "C", ""}


def test_committed_csvs_stay_small():
    total = sum(p.stat().st_size for p in DATA.rglob("*.csv"))
    assert total < 6 * 2**20


# ---------------------------------------------------------------- consistency


@pytest.mark.parametrize(("name", "as_of"), SNAPSHOTS)
def test_snapshot_figures_are_the_sums_of_the_orders(transactions, name, as_of):
    snap = read_customers(name).set_index("customer_id")
    window = transactions[
        (transactions["order_date"] > as_of - pd.DateOffset(years=1)) & (transactions["order_date"] <= as_of)
    ]
    sums = (
        window.assign(a=cents(window["amount"]), p=cents(window["gross_profit"]))
        .groupby("customer_id")
        .agg(orders=("order_id", "size"), a=("a", "sum"), p=("p", "sum"))
    )
    sums = sums.reindex(snap.index, fill_value=0)
    # Exact to the cent: the snapshot is computed from these very orders.
    assert (snap["orders_12m"] == sums["orders"]).all()
    assert (cents(snap["revenue_12m"]) == sums["a"]).all()
    assert (cents(snap["gross_profit_12m"]) == sums["p"]).all()


@pytest.mark.parametrize(("name", "as_of"), SNAPSHOTS)
def test_purchase_dates_agree_with_the_orders(transactions, name, as_of):
    snap = read_customers(name).set_index("customer_id")
    until = transactions[transactions["order_date"] <= as_of]
    seen = until.groupby("customer_id")["order_date"].agg(["min", "max"]).reindex(snap.index)
    bought = seen["min"].notna()
    assert (snap.loc[bought, "last_purchase_date"] == seen.loc[bought, "max"]).all()
    assert (snap.loc[bought, "first_purchase_date"] <= seen.loc[bought, "min"]).all()
    # A first purchase inside the order history must be the first order itself …
    inside = snap["first_purchase_date"] >= ds.HISTORY_START
    assert (snap.loc[inside, "first_purchase_date"] == seen.loc[inside, "min"]).all()
    # … and customers without orders have either no purchase at all or one before the history.
    quiet = snap[~bought]
    assert (quiet["last_purchase_date"].isna() | (quiet["last_purchase_date"] < ds.HISTORY_START)).all()
    assert (quiet["first_purchase_date"].isna() == quiet["last_purchase_date"].isna()).all()


def test_ids_are_unique_and_refer_to_known_customers(customers, customers_2025, transactions, nps, servqual):
    assert customers["customer_id"].is_unique and customers["name"].is_unique
    assert customers["customer_id"].str.fullmatch(r"C\d{5}").all()
    assert transactions["order_id"].is_unique and nps["response_id"].is_unique
    assert servqual["respondent_id"].is_unique
    known = set(customers["customer_id"])
    assert set(customers_2025["customer_id"]) <= known
    assert set(transactions["customer_id"]) <= known
    assert set(nps["customer_id"]) <= known
    assert set(servqual["customer_id"].dropna()) <= known
    # The 2025 snapshot holds the same customers' stable facts.
    same = customers.set_index("customer_id").loc[customers_2025["customer_id"]]
    for col in ("name", "industry", "region", "company_size"):
        assert (same[col].to_numpy() == customers_2025[col].to_numpy()).all()


def test_sizes_are_as_documented(customers, customers_2025, transactions, nps, servqual):
    assert len(customers) == 2_000 and 1_700 <= len(customers_2025) <= 1_900
    assert 55_000 <= len(transactions) <= 65_000
    assert len(nps) == 1_500 and len(servqual) == 300


@pytest.mark.parametrize("name", ["customers.csv", "customers_2025.csv"])
def test_customer_values_are_in_range(name):
    c = read_customers(name)
    for col, low, high in (
        ("satisfaction", 1, 5),
        ("recommend_score", 0, 10),
        ("trust", 1, 5),
        ("cooperation", 1, 5),
        ("service_satisfaction", 1, 5),
    ):
        assert c[col].dropna().between(low, high).all(), col
    counts = [
        "orders_12m",
        "referrals",
        "overdue_days",
        "contacts_decision",
        "contacts_management",
        "contacts_operational",
        "service_tickets",
        "enquiries_12m",
        "joint_projects",
    ]
    assert (c[counts] >= 0).all().all()
    assert (c[["revenue_12m", "purchase_potential", "overdue_amount"]] >= 0).all().all()
    assert (c["gross_profit_12m"] <= c["revenue_12m"]).all()
    assert (c["purchase_potential"] >= c["revenue_12m"]).all()  # the wallet holds what it already buys
    assert (c["service_satisfaction"].isna() == (c["service_tickets"] == 0)).all()
    assert not (c["last_purchase_date"] < c["first_purchase_date"]).any()
    assert ((c["overdue_amount"] > 0) == (c["overdue_days"] > 0)).all()
    assert set(c["industry"]) <= set(ds.INDUSTRIES) and set(c["region"]) <= set(ds.REGIONS)


def test_transaction_values_are_in_range(transactions):
    t = transactions
    assert (t["amount"] > 0).all() and (t["gross_profit"] <= t["amount"]).all()
    assert t["order_date"].between(ds.HISTORY_START, ds.AS_OF).all()
    assert t["order_date"].is_monotonic_increasing
    assert set(t["product_line"]) == set(ds.PRODUCT_LINES)
    assert (t["gross_profit"] < 0).mean() < 0.03  # a few promotional orders below cost, no more


def test_seasonality_dips_at_new_year_and_peaks_in_december(transactions):
    by_month = transactions.groupby(transactions["order_date"].dt.month).size()
    assert by_month[12] == by_month.max()
    assert by_month[2] < 0.6 * by_month[12] and by_month[1] < by_month[3]


def test_survey_values_are_in_range(nps, servqual):
    assert nps["recommend_score"].between(0, 10).all() and nps["csat"].between(1, 5).all()
    assert nps["ces"].between(1, 7).all()
    assert set(nps["touchpoint"]) == {"sales", "delivery", "after_sales", "billing"}
    assert nps["response_date"].between(ds.SURVEY_START, ds.AS_OF).all()
    items = servqual.filter(regex=r"^(exp|per)_")
    assert items.shape[1] == 2 * 22 and items.stack().between(1, 7).all()
    assert (servqual.filter(like="imp_").sum(axis=1) == 100).all()


def test_comments_match_the_score(nps):
    # Unhappy answers never carry a happy remark and vice versa (remarks come from per-band lists).
    happy = {c for (_, band), texts in ds.COMMENTS.items() if band == 2 for c in texts}
    unhappy = {c for (_, band), texts in ds.COMMENTS.items() if band == 0 for c in texts}
    assert not nps.loc[nps["csat"] <= 2, "comment"].isin(happy).any()
    assert not nps.loc[nps["csat"] >= 4, "comment"].isin(unhappy).any()
    assert 0.55 < (nps["comment"] != "").mean() < 0.75


# ---------------------------------------------------------------- the five patterns


def test_ladder_does_not_depend_on_how_two_years_are_counted(customers, customers_2025):
    for frame, as_of in ((customers, ds.AS_OF), (customers_2025, ds.PREVIOUS_AS_OF)):
        by_calendar = ladder(frame, as_of)
        by_days = ladder(frame, as_of, pd.Timedelta(days=730.5))
        assert (by_calendar == by_days).all()


def test_every_level_is_well_represented(customers):
    share = ladder(customers, ds.AS_OF).value_counts(normalize=True)
    assert set(share.index) == set(LEVELS) and share.min() > 0.05


def test_latent_levels_are_mostly_recovered_by_the_rules():
    sample = ds.build_sample()
    rules = ladder(sample.customers, ds.AS_OF)
    latent = sample.latent["level_2026"]
    assert (rules == latent).mean() > 0.9
    # Customers who stopped buying fall to the bottom two rungs.
    assert rules[latent == "churned"].isin(["prospect", "initial_contact"]).all()


def test_pattern_1_active_customers_are_unhappy_with_after_sales(customers, nps):
    level = ladder(customers, ds.AS_OF)
    service = customers["service_satisfaction"].groupby(level).mean()
    assert 2.5 <= service["active"] <= 2.9
    assert service["loyal"] >= 4.2 and service["strategic_partner"] >= 4.2
    level_of = pd.Series(level.to_numpy(), index=customers["customer_id"])
    answers = nps.assign(level=nps["customer_id"].map(level_of))
    csat = answers.pivot_table(index="level", columns="touchpoint", values="csat", aggfunc="mean")
    assert 2.45 <= csat.loc["active", "after_sales"] <= 2.8
    assert csat.loc[["loyal", "strategic_partner"], "after_sales"].min() >= 4.2
    others = csat.drop(columns="after_sales")
    assert (others.max() - others.min()).max() <= 0.35  # the other touchpoints: no level stands out
    assert others.stack().between(3.7, 4.3).all()


def test_pattern_2_profit_is_concentrated_in_large_accounts(customers):
    profit = customers["gross_profit_12m"]
    large = customers["company_size"] == "large"
    assert 0.08 <= large.mean() <= 0.12
    assert profit[large].sum() / profit.sum() >= 0.55
    buyers = profit[customers["orders_12m"] > 0].sort_values(ascending=False)
    top = buyers.iloc[: round(0.2 * len(buyers))].sum() / buyers.sum()
    assert 0.72 <= top <= 0.82  # Pareto-like: the top fifth of buyers bring about 3/4 of the profit


def middle_by_quantile(buyers: pd.DataFrame) -> pd.Series:
    rank = buyers["gross_profit_12m"].rank(pct=True)
    return (rank > 0.5) & (rank <= 0.8)


def middle_by_abc(buyers: pd.DataFrame) -> pd.Series:
    ordered = buyers["gross_profit_12m"].sort_values(ascending=False)
    share = ordered.cumsum() / ordered.sum()
    return ((share > 0.8) & (share <= 0.95)).reindex(buyers.index)


@pytest.mark.parametrize("middle", [middle_by_quantile, middle_by_abc])
def test_pattern_3_mid_value_retail_customers_buy_rarely(customers, middle):
    buyers = customers[customers["orders_12m"] > 0]
    mid = buyers[middle(buyers)]
    retail = mid["industry"] == "零售"
    assert retail.sum() >= 30
    orders = mid["orders_12m"].groupby(retail).mean()
    ticket = (mid["revenue_12m"] / mid["orders_12m"]).groupby(retail).mean()
    assert 0.35 <= orders[True] / orders[False] <= 0.6  # about half as many orders …
    assert ticket[True] / ticket[False] >= 1.5  # … but clearly bigger ones


def test_pattern_4_servqual_gaps_and_importance(servqual):
    gap = {}
    for dim, k in ds.SERVQUAL_ITEMS.items():
        per = servqual[[f"per_{dim}_{i}" for i in range(1, k + 1)]].to_numpy().mean()
        exp = servqual[[f"exp_{dim}_{i}" for i in range(1, k + 1)]].to_numpy().mean()
        gap[dim] = per - exp
    gap = pd.Series(gap)
    importance = servqual[[f"imp_{d}" for d in gap.index]].mean().set_axis(gap.index)
    assert set(gap.nsmallest(2).index) == {"responsiveness", "reliability"}
    assert abs(gap["tangibles"]) <= 0.15 and (gap.drop("tangibles") < -0.3).all()
    assert importance.idxmax() == "reliability"
    weighted = gap * importance / 100
    assert list(weighted.sort_values().index) != list(gap.sort_values().index)
    assert weighted.idxmin() == "reliability" and gap.idxmin() == "responsiveness"


def test_pattern_5_migration_between_snapshots(customers, customers_2025):
    now = pd.Series(ladder(customers, ds.AS_OF).map(RANK).to_numpy(), index=customers["customer_id"])
    before = pd.Series(
        ladder(customers_2025, ds.PREVIOUS_AS_OF).map(RANK).to_numpy(), index=customers_2025["customer_id"]
    )
    after = now.loc[before.index]
    assert (after == before).mean() >= 0.6  # most keep their level
    assert (after > before).mean() >= 0.08 and (after < before).mean() >= 0.05
    orders = customers.set_index("customer_id")["orders_12m"].loc[before.index]
    stopped = (customers_2025.set_index("customer_id")["orders_12m"] > 0) & (orders == 0)
    assert 0.06 <= stopped.mean() <= 0.10  # about 8 % of last year's customers stopped buying
    new = ~customers["customer_id"].isin(customers_2025["customer_id"])
    assert 0.08 <= new.mean() <= 0.12
    # New customers cannot have two years of tenure.
    assert not ladder(customers[new], ds.AS_OF).isin(["loyal", "strategic_partner"]).any()


# ---------------------------------------------------------------- helpers and simulators


def test_importance_points_hand_worked():
    # 0.125, 0.5, 0.375 of 100 → 12.5, 50, 37.5; floors 12 + 50 + 37 = 99, one point missing;
    # the largest remainders are 0.5 and 0.5 (a tie) → the earlier column gets it: 13, 50, 37.
    assert ds.importance_points(np.array([[0.125, 0.5, 0.375]])).tolist() == [[13, 50, 37]]
    # Shares need not be normalised: 1:1:1 → 33.33 each → 33 + 33 + 33 = 99 → first column 34.
    assert ds.importance_points(np.array([[1.0, 1.0, 1.0]])).tolist() == [[34, 33, 33]]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.lists(st.floats(0.01, 1.0), min_size=5, max_size=5), min_size=1, max_size=20))
def test_importance_points_always_add_up(rows):
    shares = np.array(rows)
    points = ds.importance_points(shares)
    assert (points.sum(axis=1) == 100).all()
    exact = shares / shares.sum(axis=1, keepdims=True) * 100
    assert (np.abs(points - exact) < 1).all()


def test_as_text_formats():
    frame = pd.DataFrame(
        {
            "amount": [1234.5, np.nan],
            "member": [True, False],
            "order_date": pd.to_datetime(["2026-01-05", None]),
            "service_satisfaction": [4.5, np.nan],
        }
    )
    assert ds.as_text(frame).to_dict("list") == {
        "amount": ["1234.50", ""],
        "member": ["true", "false"],
        "order_date": ["2026-01-05", ""],
        "service_satisfaction": ["4.5", ""],
    }


def test_company_names_are_unique_and_follow_region():
    rng = np.random.default_rng(0)
    n = 30_000
    region = rng.integers(0, len(ds.REGIONS), n)
    names = ds.company_names(rng, region, rng.integers(0, len(ds.INDUSTRIES), n), rng.integers(0, 3, n))
    assert len(set(names)) == n
    first_region = names[region == 0]
    assert all(name.startswith(ds.CITIES["华东"]) for name in first_region[:200])
    assert all(name.endswith("公司") for name in names[:200])


def test_simulate_transactions_shape_and_dtypes():
    t = ds.simulate_transactions(300, 5_000, seed=11, as_of="2025-12-31")
    assert list(t.columns) == list(ds.TRANSACTION_COLUMNS) and len(t) == 5_000
    assert str(t["order_id"].dtype) == "int64" and t["order_id"].is_unique
    assert isinstance(t["customer_id"].dtype, pd.CategoricalDtype)
    assert isinstance(t["product_line"].dtype, pd.CategoricalDtype)
    assert str(t["order_date"].dtype).startswith("datetime64")
    assert t["order_date"].between(pd.Timestamp("2024-01-01"), pd.Timestamp("2025-12-31")).all()
    assert t["order_date"].is_monotonic_increasing
    assert (t["amount"] > 0).all() and (t["gross_profit"] <= t["amount"]).all()
    assert t["customer_id"].astype(str).str.fullmatch(r"C\d{5}").all()
    assert t.memory_usage(deep=False).sum() / len(t) < 45  # compact: about 38 bytes per row


def test_simulators_are_deterministic_and_seeded():
    a = ds.simulate_transactions(100, 1_000, seed=5)
    pd.testing.assert_frame_equal(a, ds.simulate_transactions(100, 1_000, seed=5))
    assert not a["amount"].equals(ds.simulate_transactions(100, 1_000, seed=6)["amount"])
    pd.testing.assert_frame_equal(ds.simulate_customers(200, seed=5), ds.simulate_customers(200, seed=5))


def test_simulated_volume_follows_company_size():
    c = ds.simulate_customers(2_000, seed=3)
    t = ds.simulate_transactions(2_000, 40_000, seed=3)
    revenue = t.groupby("customer_id", observed=False)["amount"].sum()
    size = c.set_index("customer_id")["company_size"].loc[revenue.index.astype(str)]
    per_size = revenue.groupby(size.to_numpy()).mean()
    assert per_size["large"] > 2 * per_size["medium"] > 2 * per_size["small"]


def test_simulate_customers_columns_dtypes_and_ranges():
    c = ds.simulate_customers(3_000, seed=2)
    assert list(c.columns) == list(ds.CUSTOMER_COLUMNS) and len(c) == 3_000
    assert c["customer_id"].is_unique and c["name"].is_unique
    assert str(c["customer_id"].dtype) == "string" and str(c["member"].dtype) == "boolean"
    assert str(c["orders_12m"].dtype) == "int64" and str(c["revenue_12m"].dtype) == "float64"
    assert str(c["first_purchase_date"].dtype).startswith("datetime64")
    assert c["satisfaction"].between(1, 5).all() and c["recommend_score"].between(0, 10).all()
    assert (c["gross_profit_12m"] <= c["revenue_12m"]).all()
    assert not (c["last_purchase_date"] < c["first_purchase_date"]).any()
    assert (c["service_satisfaction"].isna() == (c["service_tickets"] == 0)).all()
    level = ladder(c, ds.AS_OF).value_counts(normalize=True)
    assert level.min() > 0.04  # the simulator keeps the sample's spread of levels


@pytest.mark.parametrize("bad", [0, -5, 2.5, "10", True])
def test_simulators_reject_bad_sizes(bad):
    with pytest.raises(ValueError, match="positive whole number"):
        ds.simulate_transactions(bad, 100)
    with pytest.raises(ValueError, match="positive whole number"):
        ds.simulate_customers(bad)


# ---------------------------------------------------------------- the messy teaching set

MESSY = DATA / "messy"


def test_messy_encodings_are_what_the_names_say():
    gbk = (MESSY / "customers_gbk.csv").read_bytes()
    with pytest.raises(UnicodeDecodeError):
        gbk.decode("utf-8")
    assert gbk.decode("gbk").startswith("客户编号,")
    assert (MESSY / "customers_utf8_bom.csv").read_bytes().startswith(b"\xef\xbb\xbf" + "客户编号".encode())
    utf16 = (MESSY / "customers_utf16_tab.txt").read_bytes()
    assert utf16.startswith(b"\xff\xfe") and utf16[2:].decode("utf-16-le").startswith("客户编号\t客户名称\t")
    assert (MESSY / "empty.csv").read_bytes() == b""
    assert (MESSY / "customers_header_only.csv").read_text(encoding="utf-8").count("\n") == 1

    def head(name):
        return (MESSY / name).read_text(encoding="utf-8")[:10]

    assert head("customers_semicolon.csv").startswith("客户编号;客户名称;")
    assert head("customers_fullwidth_comma.csv").startswith("客户编号，客户名称，")


def test_messy_defects_are_where_the_readme_says():
    text = pd.read_csv(MESSY / "customers_out_of_range.csv", dtype=str)
    assert text.loc[[1, 8], "满意度"].tolist() == ["6", "0"]  # spreadsheet rows 3 and 10
    assert text.loc[4, "推荐意愿"] == "11" and text.loc[11, "信任度"] == "-1"
    duplicated = pd.read_csv(MESSY / "customers_duplicate_ids.csv", dtype=str)["客户编号"]
    assert duplicated[[15, 16]].tolist() == duplicated[[3, 10]].tolist()  # rows 17, 18 repeat rows 5, 12
    blank = pd.read_csv(MESSY / "customers_blank_ids.csv", dtype=str)["客户编号"]
    assert blank.isna().tolist() == [i in (5, 13) for i in range(len(blank))]  # rows 7 and 15
    dates = ["首次购买日期", "最近购买日期"]
    swapped = pd.read_csv(MESSY / "customers_last_before_first.csv", parse_dates=dates)
    backwards = swapped["最近购买日期"] < swapped["首次购买日期"]
    assert backwards.tolist() == [i in (0, 1) for i in range(len(swapped))]  # rows 2 and 3
    currency = pd.read_csv(MESSY / "customers_currency_text.csv", dtype=str)
    assert currency["近12月销售额"].str.startswith("¥").all()
    assert currency["近12月订单数"].str.fullmatch(r"[０-９]+").all()
    dates = pd.read_csv(MESSY / "customers_mixed_dates.csv", dtype=str, keep_default_na=False)
    shapes = dates["首次购买日期"].str.replace(r"\d", "9", regex=True)
    assert {"9999-99-99", "9999.99.99"} <= set(shapes) and shapes.str.contains("年").any()
    english = pd.read_csv(MESSY / "customers_misspelled_column.csv", nrows=0).columns
    assert {"custmer_id", "satisfacton"} <= set(english) and "satisfaction" not in english
    assert "满意度" not in pd.read_csv(MESSY / "customers_missing_column.csv", nrows=0).columns


def test_messy_workbooks_have_their_layout():
    merged = openpyxl.load_workbook(MESSY / "customers_merged_header.xlsx").active
    assert merged["A1"].value == "2026年客户清单" and merged["A3"].value == "客户编号"
    assert {"基本信息", "交易", "评价"} <= {c.value for c in merged[2]}
    assert len(merged.merged_cells.ranges) == 4
    second = openpyxl.load_workbook(MESSY / "customers_second_sheet.xlsx")
    assert second.sheetnames == ["说明", "客户数据"] and second["客户数据"]["A1"].value == "客户编号"
    bare = openpyxl.load_workbook(MESSY / "customers_no_header.xlsx").active
    assert re.fullmatch(r"C\d{5}", bare["A1"].value)


@pytest.mark.parametrize("when", ["current", "previous"])
def test_the_generator_places_customers_by_classify_s_own_ladder(customers, customers_2025, when):
    """datasets._rule_levels (on the generator's arrays) gives classify.relationship_level's levels."""
    from workbook import classify

    frame, as_of = (customers, ds.AS_OF) if when == "current" else (customers_2025, ds.PREVIOUS_AS_OF)

    def days(column: str) -> np.ndarray:
        return ((frame[column] - ds.HISTORY_START) / pd.Timedelta(days=1)).to_numpy(dtype=float)

    codes = ds._rule_levels(
        *(frame[c].to_numpy(dtype=float) for c in ["orders_12m"]),
        days("first_purchase_date"),
        days("last_purchase_date"),
        *(
            frame[c].to_numpy(dtype=float)
            for c in ["satisfaction", "enquiries_12m", "joint_projects", "contacts_decision"]
        ),
        as_of,
    )
    expected = classify.relationship_level(frame, as_of=as_of, explain=False)["level"].astype(str)
    assert [ds.LEVELS[code] for code in codes] == expected.tolist()
    assert ds.LADDER is classify.DEFAULT_LADDER_RULES
