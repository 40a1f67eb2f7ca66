"""The numbers behind every finding the course notebooks state in words.

Each test names the notebook and quotes (in short) the sentence it backs. If the sample data
or a default rule changes so that a sentence is no longer true, the test fails and the
notebook text must be revised with it.
"""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from workbook import classify, data, operations, satisfaction, value_matrix
from workbook.datasets import AS_OF

NOTEBOOKS = Path(__file__).resolve().parents[1] / "notebooks"
COURSE = sorted(NOTEBOOKS.glob("0*.ipynb"))


@pytest.fixture(scope="module")
def customers():
    return data.load_customers(data.DATASETS_DIR / "customers.csv")


@pytest.fixture(scope="module")
def previous():
    return data.load_customers(data.DATASETS_DIR / "customers_2025.csv")


@pytest.fixture(scope="module")
def transactions(customers):
    return data.load_transactions(data.DATASETS_DIR / "transactions.csv", customers=customers)


@pytest.fixture(scope="module")
def survey():
    return data.load_nps_survey(data.DATASETS_DIR / "nps_survey.csv")


@pytest.fixture(scope="module")
def levels(customers):
    return customers[["customer_id"]].assign(
        level=classify.relationship_level(customers, as_of=AS_OF, explain=False)["level"]
    )


# ------------------------------------------------------------------ the notebooks themselves


def test_six_course_notebooks_with_chinese_titles_and_hidden_plumbing():
    assert [p.name for p in COURSE] == [
        "00_start_here.ipynb",
        "01_relationship_levels.ipynb",
        "02_customer_classification.ipynb",
        "03_value_matrix.ipynb",
        "04_relationship_evaluation.ipynb",
        "05_customer_operations.ipynb",
    ]
    for path in COURSE:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        title = "".join(cells[0]["source"])
        assert title.startswith("# ") and any("\u4e00" <= ch <= "\u9fff" for ch in title), path.name
        imports = [c for c in cells if c["cell_type"] == "code" and "import" in "".join(c["source"])]
        if path.name != "00_start_here.ipynb":  # the start page shows its few imports on purpose
            assert "hide" in imports[0]["metadata"].get("tags", []), path.name


def test_every_chart_has_a_chinese_title_and_a_takeaway_after_it():
    for path in COURSE:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            source = "".join(cell["source"])
            if cell["cell_type"] != "code" or "plt.show()" not in source:
                continue
            assert "title=" in source or "plots.heatmap(" in source or "suptitle" in source, (path.name, i)
            following = "".join(cells[i + 1]["source"]) if i + 1 < len(cells) else ""
            assert "要点" in following or cells[i + 1]["cell_type"] == "code", (path.name, i)


def test_each_module_points_to_its_exercise_and_the_exercise_exists():
    for path in COURSE[1:]:
        text = path.read_text(encoding="utf-8")
        exercise = f"exercises/{path.name}"
        assert exercise in text and (NOTEBOOKS.parent / exercise).exists(), path.name


# ------------------------------------------------------------------ module 1


def test_m1_active_customers_unhappy_with_after_sales_loyal_ones_satisfied(survey, levels):
    """01: "活跃客户的售后满意度只有约 2.7 分 … 忠诚客户和战略合作伙伴在售后上都在 4.4 分以上"."""
    answers = survey.merge(levels, on="customer_id")
    table = answers.pivot_table(
        index="level", columns="touchpoint", values="csat", aggfunc="mean", observed=True
    )
    assert table.at["active", "after_sales"] == pytest.approx(2.7, abs=0.1)
    assert table.at["loyal", "after_sales"] > 4.4 and table.at["strategic_partner", "after_sales"] > 4.4
    # the only cold spot: every other cell of the table is above 3.3
    others = table.stack().drop(("active", "after_sales"))
    assert others.min() > 3.3 and table.stack().idxmin() == ("active", "after_sales")


def test_m1_active_is_the_largest_level(levels):
    """01: "活跃客户是人数最多的一层"."""
    assert levels["level"].value_counts().idxmax() == "active"


def test_m1_about_one_in_four_existing_customers_changed_level(customers, previous, levels):
    """01: "大约每四位老客户中就有一位换了层次：升级的约占全部客户的 15%，降级的约 9%"."""
    before = previous[["customer_id"]].assign(
        level=classify.relationship_level(previous, as_of="2025-06-30", explain=False)["level"]
    )
    summary = classify.migration_summary(before, levels)
    moved = summary.at["upgraded", "count"] + summary.at["downgraded", "count"]
    assert 0.22 <= moved / len(previous) <= 0.30
    assert summary.at["upgraded", "share"] == pytest.approx(0.15, abs=0.01)
    assert summary.at["downgraded", "share"] == pytest.approx(0.09, abs=0.01)


# ------------------------------------------------------------------ module 2


def test_m2_top_fifth_of_buyers_make_about_77_percent_of_profit(customers):
    """02: "毛利最高的 20% 客户贡献了 … 约 77% 的毛利"."""
    profit = np.sort(customers.loc[customers["gross_profit_12m"] > 0, "gross_profit_12m"].to_numpy())[::-1]
    top = int(np.ceil(0.2 * len(profit)))
    assert profit[:top].sum() / profit.sum() == pytest.approx(0.77, abs=0.01)


def test_m2_large_companies_ten_percent_of_customers_58_percent_of_profit(customers):
    """02: "大型企业只占客户数的约 10%，却贡献了近六成（约 58%）的毛利"."""
    large = customers["company_size"] == "large"
    assert large.mean() == pytest.approx(0.10, abs=0.005)
    share = customers.loc[large, "gross_profit_12m"].sum() / customers["gross_profit_12m"].sum()
    assert share == pytest.approx(0.58, abs=0.01)


def test_m2_tiers_behaviour_and_one_off_buyers(customers):
    """02: "高价值客户不到五分之一，却贡献了 80% 的毛利；约三成客户 … 潜在或流失；近九十家客户只买过一次"."""
    tiers = classify.value_tier_abc(customers, explain=False)["value_tier"]
    assert (tiers == "high").mean() < 0.2
    behaviour = classify.behaviour_status(customers, as_of=AS_OF, explain=False)["behaviour"]
    assert behaviour.isin(["potential", "churned"]).mean() == pytest.approx(0.3, abs=0.03)
    types = classify.customer_type(customers, value_tiers=tiers, explain=False)["customer_type"]
    assert 80 <= (types == "one_off").sum() < 90


def test_m2_three_layer_coverage_is_a_minority_in_every_group(customers):
    """02: "即使在战略型客户中，三层全部对接的也只是少数；缺的往往是决策层"."""
    coverage = classify.contact_coverage(customers)
    by_group = coverage["three_layer"].groupby(customers["customer_group"]).mean()
    assert (by_group < 0.5).all()
    missing = coverage.loc[~coverage["three_layer"], "missing_layers"]
    assert missing.str.contains("decision").mean() > 0.5


# ------------------------------------------------------------------ module 3


@pytest.fixture(scope="module")
def scored(customers):
    return customers.join(value_matrix.value_scores(customers, explain=False))


def test_m3_high_value_concentrated_in_large_enterprises(scored):
    """03: "大型企业中约七成是高价值客户，而小型企业中只有约一成"."""
    high = (scored["value_tier"] == "high").groupby(scored["company_size"]).mean()
    assert high["large"] == pytest.approx(0.7, abs=0.03)
    assert high["small"] == pytest.approx(0.13, abs=0.03)


def test_m3_mid_value_retail_buys_half_as_often_at_twice_the_order_value(scored):
    """03: "中价值的零售客户一年只下约 6 单，约为其他行业 … 一半；每单金额约是别人的两倍"."""
    mid = scored[scored["value_tier"] == "mid"]
    retail = mid["industry"] == "零售"
    orders = mid.groupby(retail)["orders_12m"].mean()
    per_order = mid.groupby(retail)["revenue_12m"].sum() / mid.groupby(retail)["orders_12m"].sum()
    assert orders[True] == pytest.approx(6, abs=0.5)
    assert orders[True] / orders[False] == pytest.approx(0.5, abs=0.05)
    assert per_order[True] / per_order[False] == pytest.approx(2.0, abs=0.15)


def test_m3_strategic_and_growth_quadrants_are_half_and_budget_ratio_is_four(customers, scored):
    """03: "战略客户和 … 成长客户合起来约占一半"; "高价值客户 … 约是低价值客户的四倍"."""
    quadrants = value_matrix.value_quadrants(value_matrix.current_potential(customers))["quadrant"]
    assert quadrants.isin(["strategic", "growth"]).mean() == pytest.approx(0.5, abs=0.02)
    budget = value_matrix.allocate_budget(scored, 1_000_000)
    assert budget.at["high", "per_customer"] / budget.at["low", "per_customer"] == pytest.approx(4, abs=0.5)


def test_m3_tiers_are_robust_to_ten_point_weight_changes(customers):
    """03: "任一维度的权重变动 10 个百分点，换层的客户都不到 6%"."""
    assert value_matrix.weight_sensitivity(customers)["changed_share"].max() < 0.06


def test_m3_clv_example():
    """03: "每年毛利 1 万元、留存率 80%、折现率 10% … 约 2.7 万元"; at 90 % "增加约七成（约 4.5 万元）"."""
    at_80 = operations.clv(10_000, 0.8, 0.1)  # 10,000 × 0.8 / (1 + 0.1 − 0.8) = 26,666.67
    assert at_80 == pytest.approx(26_666.67, abs=0.01)
    at_90 = operations.clv(10_000, 0.9, 0.1)  # 10,000 × 0.9 / (1 + 0.1 − 0.9) = 45,000
    assert at_90 == pytest.approx(45_000) and at_90 / at_80 == pytest.approx(1.69, abs=0.01)


# ------------------------------------------------------------------ module 4


def test_m4_after_sales_only_negative_nps_with_separate_interval(survey):
    """04: "售后是唯一 NPS 为负的触点，… 置信区间整个落在 0 以下，与其他三个触点的区间不重叠"."""
    scores = satisfaction.nps(survey, by="touchpoint")
    assert scores["nps"].idxmin() == "after_sales" and (scores["nps"] < 0).sum() == 1
    assert scores.at["after_sales", "ci_high"] < 0
    assert scores.at["after_sales", "ci_high"] < scores.drop("after_sales")["ci_low"].min()


def test_m4_after_sales_csat_about_20_points_below_a_72_percent_benchmark(survey):
    """04: "售后的满意占比比行业平均低约 20 个百分点，其他三个触点都略高于平均"."""
    csat = satisfaction.csat(survey, by="touchpoint")["csat"]
    assert csat["after_sales"] - 72 == pytest.approx(-20, abs=1.5)
    assert ((csat.drop("after_sales") - 72).between(0, 5)).all()


def test_m4_servqual_biggest_gaps_responsiveness_and_reliability():
    """04: "响应性（约 −1.4 分）和可靠性（约 −1.1 分）的差距最大；按重要性加权后，可靠性排到第一"."""
    gaps = satisfaction.servqual_gaps(data.load_servqual(data.DATASETS_DIR / "servqual.csv")).dimensions
    gaps = gaps.set_index("dimension")
    assert gaps["gap"].nsmallest(2).index.tolist() == ["responsiveness", "reliability"]
    assert gaps.at["responsiveness", "gap"] == pytest.approx(-1.4, abs=0.05)
    assert gaps.at["reliability", "gap"] == pytest.approx(-1.1, abs=0.05)
    assert gaps["weighted_gap"].idxmin() == "reliability"
    assert abs(gaps.at["tangibles", "gap"]) < 0.1
    # importance–performance: both are more important and perform worse than average
    for dimension in ("reliability", "responsiveness"):
        assert gaps.at[dimension, "importance"] > gaps["importance"].mean()
        assert gaps.at[dimension, "perception"] < gaps["perception"].mean()


def test_m4_alpha_acceptable_except_tangibles_and_assurance():
    """04: "可靠性、响应性和同理心的 α 系数都在 0.7 以上；有形性和保证性只有约 0.6"."""
    servqual = data.load_servqual(data.DATASETS_DIR / "servqual.csv")
    alpha = {
        d: satisfaction.cronbach_alpha(servqual.filter(regex=f"^per_{d}_")).alpha
        for d in ("tangibles", "reliability", "responsiveness", "assurance", "empathy")
    }
    assert min(alpha["reliability"], alpha["responsiveness"], alpha["empathy"]) > 0.7
    assert alpha["tangibles"] == pytest.approx(0.6, abs=0.03)
    assert alpha["assurance"] == pytest.approx(0.6, abs=0.03)


def test_m4_satisfaction_and_trust_drive_recommendation(customers):
    """04: "满意度和信任度与推荐意愿的关系最强"."""
    drivers = satisfaction.key_drivers(
        customers, "recommend_score", ["satisfaction", "trust", "service_satisfaction", "cooperation"]
    )
    assert drivers.index[:2].tolist() == ["satisfaction", "trust"]


# ------------------------------------------------------------------ module 5


def test_m5_about_nine_in_ten_come_back_each_quarter_and_a_quarter_refer(transactions, customers):
    """05: "每个季度约九成的老客户会再次购买 … 推荐率约四分之一"."""
    rates = operations.retention_rates(transactions, period="Q")["retention_rate"].dropna()
    assert rates.between(0.84, 0.96).all() and rates.mean() == pytest.approx(0.9, abs=0.02)
    assert operations.referral_rate(customers)["referral_rate"] == pytest.approx(0.25, abs=0.02)


def test_m5_new_cohorts_keep_three_to_seven_tenths_in_their_second_quarter(transactions):
    """05: "之后各季度新获取的客户，下一季度只剩三到七成，多数组不到一半"; the first cohort stays high."""
    cohorts = operations.cohort_retention(transactions, period="Q")
    second = cohorts[1].dropna()
    assert second.iloc[0] > 0.85
    later = second.iloc[1:]
    assert later.between(0.3, 0.72).all() and (later < 0.5).mean() > 0.5


def test_m5_high_value_clv_near_a_million_and_over_a_hundred_times_low(customers, previous):
    """05: "一位高价值客户的终身价值接近百万元，是低价值客户的一百多倍"."""
    tiers = value_matrix.value_scores(customers, explain=False)["value_tier"]
    margin = customers.groupby(tiers, observed=True)["gross_profit_12m"].mean()
    buyers = previous.loc[previous["orders_12m"] > 0, "customer_id"]
    retention = customers.set_index("customer_id").loc[buyers, "orders_12m"].gt(0).mean()
    clv = pd.Series(operations.clv(margin.to_numpy(), retention, 0.10), index=margin.index)
    assert 700_000 < clv["high"] < 1_000_000
    assert clv["high"] / clv["low"] > 100


def test_m5_red_lights_mostly_market_risk_then_operational(customers, previous):
    """05: "红灯客户以市场风险为主，其次是满意度下滑（操作风险）"."""
    risks = operations.risk_signals(customers, previous=previous, as_of=AS_OF, explain=False)
    red = risks.loc[risks["risk_level"] == "red", "risk_category"].value_counts()
    assert red.index[:2].tolist() == ["market", "operational"]
