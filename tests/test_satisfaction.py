"""Satisfaction metrics against hand-worked numbers, published reference values and invariants."""

import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from workbook import satisfaction as sat
from workbook.errors import WorkbookInputError
from workbook.i18n import catalogue, language

Z95 = 1.959963984540054  # standard normal 97.5% quantile


# ---------------------------------------------------------------- CSAT


def test_csat_top_two_box_by_hand():
    # 8 answers; 4s and 5s: 5, 4, 4, 5, 4 = 5 → 100 · 5/8 = 62.5 %
    result = sat.csat([5, 4, 4, 3, 2, 5, 1, 4])
    assert result.index.tolist() == ["all"]
    assert result.loc["all", "n"] == 8
    assert result.loc["all", "n_top"] == 5
    assert result.loc["all", "csat"] == pytest.approx(62.5)


def test_csat_leaves_out_unanswered_and_groups_by_column():
    survey = pd.DataFrame(
        {
            "csat": [5, 4, np.nan, 2, 3, 5],
            "touchpoint": ["sales", "sales", "sales", "after_sales", "after_sales", "after_sales"],
        }
    )
    result = sat.csat(survey, by="touchpoint")
    # after_sales: 2, 3, 5 → 1 of 3 = 33.33 %; sales: 5, 4 (NaN left out) → 2 of 2 = 100 %
    assert result.index.name == "touchpoint"
    assert result["n"].to_dict() == {"after_sales": 3, "sales": 2}
    assert result["csat"].to_dict() == pytest.approx({"after_sales": 100 / 3, "sales": 100.0})


def test_csat_custom_top_box_and_group_array():
    # top box = 5 only: two 5s of 4 answers in group x → 50 %; group y: none of 2 → 0 %
    result = sat.csat(pd.Series([5, 5, 4, 1, 4, 3]), top=(5,), by=["x", "x", "x", "x", "y", "y"])
    assert result["csat"].to_dict() == {"x": 50.0, "y": 0.0}


@pytest.mark.parametrize("ratings", [[1, 2, 6], [0, 3], [4.5, 5], ["five", 4]])
def test_csat_rejects_answers_off_the_scale(ratings):
    with pytest.raises(WorkbookInputError) as info:
        sat.csat(ratings)
    assert info.value.keys[0] in ("satisfaction.out_of_scale", "satisfaction.not_numeric")


def test_error_names_column_rows_and_values():
    survey = pd.DataFrame({"csat": [5, 7, 4, 9]}, index=[10, 11, 12, 13])
    with pytest.raises(WorkbookInputError) as info:
        sat.csat(survey)
    problem = info.value.problems[0]
    assert (problem.key, problem.column, problem.rows) == ("satisfaction.out_of_scale", "csat", (11, 13))
    assert "7, 9" in info.value.message("en") and "1 to 5" in info.value.message("en")


def test_csat_bad_options():
    with pytest.raises(WorkbookInputError) as info:
        sat.csat([4, 5], top=(6,))
    assert info.value.keys == ["satisfaction.bad_top"]
    with pytest.raises(WorkbookInputError) as info:
        sat.csat(pd.DataFrame({"score": [4]}))
    assert info.value.keys == ["satisfaction.missing_column"]
    with pytest.raises(WorkbookInputError) as info:
        sat.csat([4, 5], by=["a"])
    assert info.value.keys == ["satisfaction.by_length"]
    with pytest.raises(WorkbookInputError) as info:
        sat.csat([np.nan, np.nan])
    assert info.value.keys == ["satisfaction.no_answers"]


# ---------------------------------------------------------------- NPS


def test_nps_ten_answers_with_se_and_ci_by_hand():
    scores = [10, 10, 9, 9, 9, 8, 7, 6, 4, 0]
    # promoters (9–10): 5, passives (7–8): 2, detractors (0–6): 3, n = 10
    # p_P = 0.5, p_D = 0.3 → NPS = 100 · (0.5 − 0.3) = 20
    # variance = p_P(1−p_P) + p_D(1−p_D) + 2 p_P p_D = 0.25 + 0.21 + 0.30 = 0.76
    #          (check: p_P + p_D − (p_P − p_D)² = 0.8 − 0.04 = 0.76)
    # SE = 100 · sqrt(0.76 / 10) = 100 · sqrt(0.076) = 27.5681
    # 95 % CI = 20 ± 1.96 · 27.5681 = 20 ± 54.0325 → [−34.0325, 74.0325]
    row = sat.nps(scores).loc["all"]
    assert (row["n"], row["promoters"], row["passives"], row["detractors"]) == (10, 5, 2, 3)
    assert (row["promoters_pct"], row["passives_pct"], row["detractors_pct"]) == pytest.approx((50, 20, 30))
    assert row["nps"] == pytest.approx(20.0)
    assert row["se"] == pytest.approx(27.5681, abs=1e-4)
    assert row["ci_low"] == pytest.approx(-34.0325, abs=1e-4)
    assert row["ci_high"] == pytest.approx(74.0325, abs=1e-4)
    assert row["confidence"] == 0.95


def test_nps_interval_is_clipped_to_the_possible_range():
    # 4 promoters, 1 detractor of 5: NPS = 100 · (0.8 − 0.2) = 60
    # variance = 0.8 + 0.2 − 0.6² = 0.64; SE = 100 · sqrt(0.64/5) = 35.7771
    # 60 ± 1.96 · 35.7771 = 60 ± 70.1218 → [−10.1218, 130.12] → upper clipped to 100
    row = sat.nps([10, 10, 10, 10, 6]).loc["all"]
    assert row["se"] == pytest.approx(35.7771, abs=1e-4)
    assert row["ci_low"] == pytest.approx(-10.1218, abs=1e-4)
    assert row["ci_high"] == 100.0


def test_nps_confidence_level_changes_the_width():
    # 90 %: z = 1.644854; with SE 27.5681 (above) the half-width is 45.3459
    row = sat.nps([10, 10, 9, 9, 9, 8, 7, 6, 4, 0], confidence=0.90).loc["all"]
    assert row["ci_high"] - row["nps"] == pytest.approx(1.644854 * 27.5681, abs=1e-3)


def test_nps_by_group_keeps_passives_in_the_denominator():
    survey = pd.DataFrame(
        {
            "recommend_score": [10, 8, 8, 3, 9, 9, 2, 7],
            "touchpoint": ["sales"] * 4 + ["billing"] * 4,
        }
    )
    result = sat.nps(survey, by="touchpoint")
    # sales: 1 promoter, 2 passives, 1 detractor → (1 − 1)/4 = 0
    # billing: 2 promoters, 1 passive, 1 detractor → 100 · (2 − 1)/4 = 25
    assert result["nps"].to_dict() == pytest.approx({"billing": 25.0, "sales": 0.0})
    assert result["passives_pct"].to_dict() == pytest.approx({"billing": 25.0, "sales": 50.0})


def test_nps_groups_code_and_reason_per_answer():
    groups = sat.nps_groups(pd.Series([9, 7, 6, np.nan], index=list("abcd")))
    assert groups["nps_group"].tolist()[:3] == ["promoters", "passives", "detractors"]
    assert pd.isna(groups.loc["d", "nps_group"]) and pd.isna(groups.loc["d", "reason"])
    with language("en"):
        assert sat.nps_groups([6]).loc[0, "reason"] == "likelihood to recommend 6, within 0–6 → detractors"
    with language("zh"):
        assert sat.nps_groups([10]).loc[0, "reason"] == "推荐意愿 10 分，属于 9–10 分 → 推荐者"


def test_nps_rejects_bad_confidence_and_scores():
    with pytest.raises(WorkbookInputError) as info:
        sat.nps([9, 10], confidence=95)
    assert info.value.keys == ["satisfaction.bad_confidence"]
    with pytest.raises(WorkbookInputError) as info:
        sat.nps([9, 11, -1])
    assert info.value.problems[0].n_rows == 2


scores_lists = st.lists(st.integers(0, 10), min_size=1, max_size=60)


@given(scores_lists, st.randoms())
@settings(max_examples=80, deadline=None)
def test_nps_range_and_order_invariance(scores, rnd):
    result = sat.nps(scores).loc["all"]
    assert -100 <= result["nps"] <= 100
    assert -100 <= result["ci_low"] <= result["nps"] <= result["ci_high"] <= 100
    shuffled = list(scores)
    rnd.shuffle(shuffled)
    pd.testing.assert_frame_equal(sat.nps(shuffled), sat.nps(scores))


@given(scores_lists)
@settings(max_examples=60, deadline=None)
def test_nps_equals_mean_of_plus_minus_scores(scores):
    # Independent route: score each answer +1 (promoter), 0 (passive), −1 (detractor);
    # NPS = 100 · mean and SE = 100 · population sd / sqrt(n).
    points = np.select([np.array(scores) >= 9, np.array(scores) <= 6], [1.0, -1.0], 0.0)
    result = sat.nps(scores).loc["all"]
    assert result["nps"] == pytest.approx(100 * points.mean(), abs=1e-9)
    assert result["se"] == pytest.approx(100 * points.std() / math.sqrt(len(points)), abs=1e-9)


@given(st.lists(st.tuples(st.integers(0, 10), st.sampled_from(["a", "b", "c"])), min_size=1, max_size=40))
@settings(max_examples=50, deadline=None)
def test_nps_does_not_mutate_input(rows):
    survey = pd.DataFrame(rows, columns=["recommend_score", "touchpoint"])
    before = survey.copy()
    sat.nps(survey, by="touchpoint")
    sat.nps_groups(survey)
    sat.csat(survey.assign(csat=1), by="touchpoint")
    pd.testing.assert_frame_equal(survey, before)


# ---------------------------------------------------------------- CES


def test_ces_named_variants_by_hand():
    answers = [7, 6, 6, 5, 3, 1]
    # mean = (7 + 6 + 6 + 5 + 3 + 1) / 6 = 28 / 6 = 4.6667
    mean = sat.ces(answers).loc["all"]
    assert mean["ces_mean"] == pytest.approx(28 / 6)
    assert mean["sd"] == pytest.approx(np.std(answers, ddof=1))
    # top box 6–7: 7, 6, 6 → 3 of 6 = 50 %
    top = sat.ces(answers, method="top_box").loc["all"]
    assert (top["n_top"], top["ces_top_box_pct"]) == (3, 50.0)
    # a 5-point variant with top box 5 only: one 5 of four answers = 25 %
    assert sat.ces([5, 4, 2, 1], scale=5, method="top_box", top=(5,)).loc["all", "ces_top_box_pct"] == 25.0


def test_ces_validates():
    with pytest.raises(WorkbookInputError) as info:
        sat.ces([8, 7])
    assert info.value.keys == ["satisfaction.out_of_scale"]
    with pytest.raises(WorkbookInputError) as info:
        sat.ces([7], method="median")
    assert info.value.keys == ["satisfaction.bad_option"]


# ---------------------------------------------------------------- SERVQUAL


def _three_respondents() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "respondent_id": ["R1", "R2", "R3"],
            "exp_reliability_1": [7, 6, 7],
            "per_reliability_1": [5, 5, 4],
            "exp_reliability_2": [6, 7, 6],
            "per_reliability_2": [4, 6, 6],
            "exp_tangibles_1": [5, 4, 5],
            "per_tangibles_1": [5, 4, 6],
            "exp_tangibles_2": [4, 5, 3],
            "per_tangibles_2": [5, 6, 3],
            "imp_reliability": [70, 60, 80],
            "imp_tangibles": [30, 40, 20],
        }
    )


def test_servqual_gaps_three_respondents_by_hand():
    result = sat.servqual_gaps(_three_respondents(), ["reliability", "tangibles"])
    items = result.items.set_index("item")
    # item gaps P − E per respondent, then the mean:
    # reliability_1: (5−7) + (5−6) + (4−7) = −6 → −2;   E = 20/3, P = 14/3
    # reliability_2: (4−6) + (6−7) + (6−6) = −3 → −1
    # tangibles_1:   (5−5) + (4−4) + (6−5) =  1 → 1/3
    # tangibles_2:   (5−4) + (6−5) + (3−3) =  2 → 2/3
    assert items["gap"].to_dict() == pytest.approx(
        {"reliability_1": -2, "reliability_2": -1, "tangibles_1": 1 / 3, "tangibles_2": 2 / 3}
    )
    reliability_1 = items.loc["reliability_1", ["expectation", "perception"]]
    assert reliability_1.tolist() == pytest.approx([20 / 3, 14 / 3])
    dims = result.dimensions.set_index("dimension")
    # dimension gap = mean of item gaps: reliability (−2 − 1)/2 = −1.5; tangibles (1/3 + 2/3)/2 = 0.5
    # E(reliability) = (20/3 + 19/3)/2 = 6.5, P = (14/3 + 16/3)/2 = 5.0
    assert dims["gap"].tolist() == pytest.approx([-1.5, 0.5])
    assert dims.loc["reliability", ["expectation", "perception"]].tolist() == pytest.approx([6.5, 5.0])
    # importance = mean points: reliability (70+60+80)/3 = 70, tangibles 30 → weights 0.7, 0.3
    # weighted gaps: −1.5 · 0.7 = −1.05, 0.5 · 0.3 = 0.15 → weighted score −0.9
    assert dims["importance"].tolist() == pytest.approx([70, 30])
    assert dims["weighted_gap"].tolist() == pytest.approx([-1.05, 0.15])
    assert result.weighted_score == pytest.approx(-0.9)
    assert result.unweighted_score == pytest.approx(-0.5)  # (−1.5 + 0.5) / 2
    assert dims["rank"].tolist() == [1, 2]
    assert list(result.dimensions.columns[:1]) == ["dimension"]
    assert {"expectation", "perception", "gap", "importance", "weighted_gap", "rank"} <= set(dims.columns)


def test_servqual_weighted_ranking_can_differ_from_unweighted():
    # empathy: gap −1.0 with weight 0.2 → −0.2; reliability: gap −0.5 with weight 0.8 → −0.4
    answers = pd.DataFrame(
        {
            "exp_empathy_1": [6, 6],
            "per_empathy_1": [5, 5],
            "exp_reliability_1": [6, 6],
            "per_reliability_1": [5, 6],
            "imp_empathy": [20, 20],
            "imp_reliability": [80, 80],
        }
    )
    dims = sat.servqual_gaps(answers, ["empathy", "reliability"]).dimensions.set_index("dimension")
    assert dims["rank_unweighted"].to_dict() == {"empathy": 1, "reliability": 2}
    assert dims["rank"].to_dict() == {"empathy": 2, "reliability": 1}


def test_servqual_uses_only_respondents_who_answered_both():
    answers = _three_respondents().astype({"per_reliability_1": float})
    answers.loc[2, "per_reliability_1"] = np.nan
    items = sat.servqual_gaps(answers, ["reliability", "tangibles"]).items.set_index("item")
    # R3 left out of reliability_1: gaps −2, −1 → −1.5; E = (7 + 6)/2 = 6.5, P = (5 + 5)/2 = 5
    assert items.loc["reliability_1", ["n", "expectation", "perception", "gap"]].tolist() == pytest.approx(
        [2, 6.5, 5.0, -1.5]
    )


def test_servqual_without_importance_ranks_by_gap():
    answers = _three_respondents().drop(columns=["imp_reliability", "imp_tangibles"])
    result = sat.servqual_gaps(answers, ["tangibles", "reliability"])
    dims = result.dimensions
    assert dims["dimension"].tolist() == ["tangibles", "reliability"]
    assert dims["importance"].isna().all() and math.isnan(result.weighted_score)
    assert dims["rank"].tolist() == [2, 1]


def test_servqual_input_problems():
    answers = _three_respondents()
    with pytest.raises(WorkbookInputError) as info:
        sat.servqual_gaps(answers.assign(imp_tangibles=[30, 40, 30]), ["reliability", "tangibles"])
    # R3's points add up to 80 + 30 = 110
    problem = info.value.problems[0]
    assert (problem.key, problem.rows) == ("satisfaction.importance_not_100", (2,))
    with pytest.raises(WorkbookInputError) as info:
        sat.servqual_gaps(answers.drop(columns="per_tangibles_2"), ["reliability", "tangibles"])
    assert info.value.keys == ["satisfaction.servqual_unpaired"]
    assert "exp_tangibles_2" in info.value.message("en")
    with pytest.raises(WorkbookInputError) as info:
        sat.servqual_gaps(answers, ["reliability", "tangibles", "empathy"])
    assert "satisfaction.servqual_no_items" in info.value.keys
    with pytest.raises(WorkbookInputError) as info:
        sat.servqual_gaps(answers.assign(per_tangibles_1=[5, 8, 6]), ["reliability", "tangibles"])
    assert info.value.problems[0].column == "per_tangibles_1"
    with pytest.raises(WorkbookInputError) as info:
        sat.servqual_gaps(answers.drop(columns="imp_tangibles"), ["reliability", "tangibles"])
    assert info.value.keys == ["satisfaction.missing_column"]


def test_servqual_default_dimensions_found_by_name():
    rng = np.random.default_rng(7)
    items = {"tangibles": 4, "reliability": 5, "responsiveness": 4, "assurance": 4, "empathy": 5}
    columns = {}
    for dim, k in items.items():
        for j in range(1, k + 1):
            columns[f"exp_{dim}_{j}"] = rng.integers(4, 8, 30)
            columns[f"per_{dim}_{j}"] = rng.integers(1, 8, 30)
    points = np.tile([10, 40, 20, 15, 15], (30, 1))
    columns.update({f"imp_{d}": points[:, i] for i, d in enumerate(items)})
    frame = pd.DataFrame(columns)
    result = sat.servqual_gaps(frame)
    assert result.dimensions["n_items"].tolist() == [4, 5, 4, 4, 5]
    assert len(result.items) == 22
    assert result.dimensions["weight"].sum() == pytest.approx(1.0)
    # weighted score = Σ weight · gap
    assert result.weighted_score == pytest.approx(
        float((result.dimensions["gap"] * result.dimensions["weight"]).sum())
    )


# ---------------------------------------------------------------- Cronbach's alpha

HAND = pd.DataFrame({"q1": [1, 2, 3, 4], "q2": [2, 3, 3, 4], "q3": [2, 3, 4, 5]})

# pingouin's documented example (dataset "cronbach_alpha", 15 subjects × 10 items, long format
# pivoted to wide): pg.cronbach_alpha → (0.591719, array([0.195, 0.84])), checked against R psych.
PINGOUIN_ITEMS = pd.DataFrame(
    {
        "Q1": [3, 5, 7, 2, 6, 1, 4, 2, 6, 5, 4, 4, 5, 6, 4],
        "Q2": [2, 4, 3, 4, 5, 2, 3, 4, 5, 4, 3, 2, 5, 5, 3],
        "Q3": [4, 6, 5, 3, 6, 3, 5, 4, 5, 6, 5, 3, 6, 5, 5],
        "Q4": [1, 3, 5, 3, 5, 4, 3, 3, 5, 4, 2, 2, 2, 4, 5],
        "Q5": [4, 5, 6, 2, 4, 2, 5, 7, 1, 3, 5, 5, 3, 2, 3],
        "Q6": [5, 1, 4, 2, 4, 5, 2, 2, 6, 5, 3, 3, 3, 2, 1],
        "Q7": [1, 2, 3, 2, 4, 2, 1, 2, 5, 3, 2, 4, 2, 1, 3],
        "Q8": [4, 5, 3, 6, 6, 3, 2, 4, 2, 1, 3, 2, 4, 4, 2],
        "Q9": [3, 5, 6, 6, 7, 5, 4, 6, 3, 7, 4, 3, 4, 6, 3],
        "Q10": [2, 5, 5, 3, 5, 2, 3, 5, 2, 2, 1, 4, 5, 5, 4],
    }
)


def test_alpha_on_a_hand_worked_matrix():
    # item variances (ddof 1): q1 1,2,3,4 → 5/3; q2 2,3,3,4 → 2/3; q3 2,3,4,5 → 5/3; sum = 4
    # totals 5, 8, 10, 13 (mean 9): squared deviations 16 + 1 + 1 + 16 = 34 → variance 34/3
    # alpha = 3/2 · (1 − 4 / (34/3)) = 3/2 · 22/34 = 33/34 = 0.970588
    result = sat.cronbach_alpha(HAND)
    assert result.alpha == pytest.approx(33 / 34)
    assert (result.n, result.k, result.missing) == (4, 3, "pairwise")


def test_feldt_interval_against_f_quantiles():
    # n = 4, k = 3 → df1 = 3, df2 = 3 · 2 = 6; 1 − alpha = 1/34
    # F(0.975; 3, 6) = 6.5988 (F tables: 6.60), F(0.025; 3, 6) = 0.067867
    # lower = 1 − 6.5988/34 = 0.805918, upper = 1 − 0.067867/34 = 0.998004
    f_hi, f_lo = stats.f.ppf(0.975, 3, 6), stats.f.ppf(0.025, 3, 6)
    assert f_hi == pytest.approx(6.5988, abs=1e-4)
    result = sat.cronbach_alpha(HAND)
    assert result.ci_low == pytest.approx(1 - f_hi / 34) == pytest.approx(0.805918, abs=1e-6)
    assert result.ci_high == pytest.approx(1 - f_lo / 34) == pytest.approx(0.998004, abs=1e-6)
    assert result.ci_low < result.alpha < result.ci_high


def test_alpha_matches_pingouin_documented_example():
    result = sat.cronbach_alpha(PINGOUIN_ITEMS)
    assert round(result.alpha, 6) == 0.591719
    assert (round(result.ci_low, 3), round(result.ci_high, 3)) == (0.195, 0.840)


def test_alpha_pairwise_and_listwise_missing_by_hand():
    items = HAND.astype(float)
    items.loc[3, "q3"] = np.nan
    # pairwise covariances: var q1 5/3, q2 2/3, q3 (2,3,4) 1;
    # cov(q1,q2) over 4 rows = (1.5·1 + 0 + 0 + 1.5·1)/3 = 1; cov(q1,q3) over 3 rows = (1 + 0 + 1)/2 = 1;
    # cov(q2,q3) over 3 rows: q2 − 8/3 = (−2/3, 1/3, 1/3), q3 − 3 = (−1, 0, 1) → (2/3 + 1/3)/2 = 0.5
    # trace = 10/3; sum = 10/3 + 2 · (1 + 1 + 0.5) = 25/3 → alpha = 3/2 · (1 − 10/25) = 0.9; n = 4
    pairwise = sat.cronbach_alpha(items)
    assert (pairwise.alpha, pairwise.n) == (pytest.approx(0.9), 4)
    # listwise keeps rows 0–2: variances 1, 1/3, 1; covariances 0.5, 1, 0.5
    # trace = 7/3; sum = 7/3 + 2 · 2 = 19/3 → alpha = 3/2 · (1 − 7/19) = 18/19; n = 3
    listwise = sat.cronbach_alpha(items, missing="listwise")
    assert (listwise.alpha, listwise.n) == (pytest.approx(18 / 19), 3)
    # Feldt's interval uses the respondents actually kept: df (2, 4)
    assert listwise.ci_low == pytest.approx(1 - (1 / 19) * stats.f.ppf(0.975, 2, 4))


def test_alpha_input_problems():
    with pytest.raises(WorkbookInputError) as info:
        sat.cronbach_alpha(HAND[["q1"]])
    assert info.value.keys == ["satisfaction.alpha_too_few_items"]
    with pytest.raises(WorkbookInputError) as info:
        sat.cronbach_alpha(HAND.iloc[:1])
    assert info.value.keys == ["satisfaction.alpha_too_few_respondents"]
    with pytest.raises(WorkbookInputError) as info:
        sat.cronbach_alpha(pd.DataFrame({"a": [3, 3, 3], "b": [2, 2, 2]}))
    assert info.value.keys == ["satisfaction.alpha_no_variance"]
    with pytest.raises(WorkbookInputError) as info:
        sat.cronbach_alpha(pd.DataFrame({"a": [1, 2, np.nan, np.nan], "b": [np.nan, np.nan, 3, 4]}))
    assert info.value.keys == ["satisfaction.alpha_pairs_missing"]
    with pytest.raises(WorkbookInputError) as info:
        sat.cronbach_alpha(HAND, missing="mean")
    assert info.value.keys == ["satisfaction.bad_option"]


def test_item_total_by_hand():
    table = sat.item_total(HAND)
    # q2 vs the rest (q1 + q3 = 3, 5, 7, 9): deviations (−1, 0, 0, 1) and (−3, −1, 1, 3)
    # cov = 6/3 = 2, var q2 = 2/3, var rest = 20/3 → r = 2 / sqrt(40/9) = 3/sqrt(10) = 0.948683
    assert table.loc["q2", "item_total_r"] == pytest.approx(3 / math.sqrt(10))
    # alpha without q1 (q2, q3: variances 2/3, 5/3, covariance 1): 2 · (1 − (7/3)/(13/3)) = 12/13
    # alpha without q2 (q1, q3 identical up to a shift): 1.0
    assert table["alpha_if_deleted"].tolist() == pytest.approx([12 / 13, 1.0, 12 / 13])
    # uncorrected: q2 vs the full total 5, 8, 10, 13 → cov = (4 + 0 + 0 + 4)/3 = 8/3
    # r = (8/3) / sqrt(2/3 · 34/3) = 8 / sqrt(68) = 0.970143
    assert sat.item_total(HAND, corrected=False).loc["q2", "item_total_r"] == pytest.approx(8 / math.sqrt(68))


def test_item_total_matches_direct_correlations():
    table = sat.item_total(PINGOUIN_ITEMS)
    total = PINGOUIN_ITEMS.sum(axis=1)
    for item in PINGOUIN_ITEMS.columns:
        rest = total - PINGOUIN_ITEMS[item]
        assert table.loc[item, "item_total_r"] == pytest.approx(np.corrcoef(PINGOUIN_ITEMS[item], rest)[0, 1])
        dropped = sat.cronbach_alpha(PINGOUIN_ITEMS.drop(columns=item)).alpha
        assert table.loc[item, "alpha_if_deleted"] == pytest.approx(dropped)
    assert sat.item_total(HAND[["q1", "q2"]])["alpha_if_deleted"].isna().all()


@given(st.integers(2, 6), st.integers(3, 25), st.integers(0, 10_000))
@settings(max_examples=40, deadline=None)
def test_alpha_at_most_one_and_inside_its_interval(k, n, seed):
    rng = np.random.default_rng(seed)
    items = pd.DataFrame(rng.integers(1, 6, (n, k)), columns=[f"q{i}" for i in range(k)])
    before = items.copy()
    if items.sum(axis=1).var() == 0:
        return
    result = sat.cronbach_alpha(items)
    assert result.alpha <= 1 + 1e-12
    assert result.ci_low <= result.alpha <= result.ci_high
    pd.testing.assert_frame_equal(items, before)


# ---------------------------------------------------------------- importance–performance


ATTRS = pd.DataFrame(
    {"imp": [4.6, 4.4, 3.1, 3.3], "perf": [4.5, 3.0, 3.2, 4.4]},
    index=pd.Index(["delivery", "after_sales", "packaging", "showroom"], name="attribute"),
)


def test_ipa_quadrants_with_mean_crosshair():
    # crosshair = means: importance (4.6 + 4.4 + 3.1 + 3.3)/4 = 3.85, performance 15.1/4 = 3.775
    result = sat.importance_performance(ATTRS, "imp", "perf")
    assert result.index.equals(ATTRS.index)
    assert result["quadrant"].tolist() == [
        "keep_up_good_work",
        "concentrate_here",
        "low_priority",
        "possible_overkill",
    ]
    assert result["importance_crosshair"].iloc[0] == pytest.approx(3.85)
    assert result["performance_crosshair"].iloc[0] == pytest.approx(3.775)
    with language("en"):
        reason = sat.importance_performance(ATTRS, "imp", "perf").loc["after_sales", "reason"]
    assert reason == "importance 4.40 ≥ crosshair 3.85; performance 3.00 < crosshair 3.77 → concentrate here"


def test_ipa_median_midpoint_and_explicit_crosshairs():
    attrs = pd.DataFrame({"imp": [5.0, 4.0, 3.5, 2.0, 1.5], "perf": [2.0, 4.5, 3.0, 4.0, 2.5]})
    # median: importance 3.5, performance 3.0; a value on the line counts as high
    median = sat.importance_performance(attrs, "imp", "perf", crosshair="median")
    assert median["quadrant"].tolist() == [
        "concentrate_here",
        "keep_up_good_work",
        "keep_up_good_work",
        "possible_overkill",
        "low_priority",
    ]
    # midpoint of 1–5 = 3 on both axes
    midpoint = sat.importance_performance(attrs, "imp", "perf", crosshair="midpoint")
    assert (midpoint["importance_crosshair"].iloc[0], midpoint["performance_crosshair"].iloc[0]) == (3.0, 3.0)
    assert midpoint["quadrant"].iloc[2] == "keep_up_good_work"  # 3.5 ≥ 3 and 3.0 ≥ 3
    explicit = sat.importance_performance(attrs, "imp", "perf", crosshair=(4.5, 4.0))
    assert explicit["quadrant"].tolist() == [
        "concentrate_here",
        "possible_overkill",
        "low_priority",
        "possible_overkill",
        "low_priority",
    ]


def test_ipa_validates_scale_and_crosshair():
    with pytest.raises(WorkbookInputError) as info:
        sat.importance_performance(ATTRS.assign(perf=[6.0, 3, 3, 3]), "imp", "perf")
    assert info.value.keys == ["satisfaction.out_of_range"]
    with pytest.raises(WorkbookInputError) as info:
        sat.importance_performance(ATTRS, "imp", "perf", crosshair="mode")
    assert info.value.keys == ["satisfaction.bad_option"]
    points = ATTRS.assign(imp=[40.0, 30, 20, 10])
    result = sat.importance_performance(points, "imp", "perf", importance_scale=(0, 100))
    assert result["importance_crosshair"].iloc[0] == 25.0


def test_ipa_labels_exist_in_both_languages():
    for quadrant in sat.IPA_QUADRANTS:
        assert {"zh", "en"} == set(catalogue()[f"ipa.{quadrant}"])
    zh = [catalogue()[f"ipa.{q}"]["zh"] for q in sat.IPA_QUADRANTS]
    assert zh == ["继续保持", "重点改进", "低优先", "过度投入"]


# ---------------------------------------------------------------- benchmark gap


def test_benchmark_gap_sign_and_direction():
    stores = pd.DataFrame(
        {"csat": [80.0, 70.0], "complaint_rate": [1.0, 3.0], "name": ["东区店", "西区店"]},
        index=pd.Index(["s1", "s2"], name="store"),
    )
    industry = {"csat": 75.0, "complaint_rate": 2.0}
    result = sat.benchmark_gap(stores, industry, higher_is_better={"complaint_rate": False})
    # gap = score − benchmark: s1 csat 80 − 75 = +5 (+6.67 %), s2 csat −5; complaint 1 − 2 = −1, 3 − 2 = +1
    assert result["gap"].to_dict() == {
        ("s1", "csat"): 5.0,
        ("s1", "complaint_rate"): -1.0,
        ("s2", "csat"): -5.0,
        ("s2", "complaint_rate"): 1.0,
    }
    assert result.loc[("s1", "csat"), "gap_pct"] == pytest.approx(100 * 5 / 75)
    # below = numerically lower; behind = worse, which for complaints means higher
    assert result["below_benchmark"].tolist() == [False, True, True, False]
    assert result["behind"].tolist() == [False, False, True, True]
    with language("en"):
        reason = sat.benchmark_gap(stores, industry).loc[("s2", "csat"), "reason"]
    assert reason == "70.00 is behind the benchmark 75.00 (gap -5.00)"


def test_benchmark_from_table_and_series():
    bench = pd.DataFrame({"metric": ["nps", "csat"], "benchmark": [30.0, 0.0]})
    result = sat.benchmark_gap(pd.Series({"nps": 30.0, "csat": 5.0}), bench)
    assert result.loc["nps", "behind"] == False  # noqa: E712  (equal is not behind)
    assert math.isnan(result.loc["csat", "gap_pct"])  # zero benchmark: no percentage
    with language("zh"):
        assert result.loc["nps", "reason"] == "30.00 与基准 30.00 持平"
    with pytest.raises(WorkbookInputError) as info:
        sat.benchmark_gap({"nps": 30.0}, {"nps": 20.0, "ces": 5.0})
    assert info.value.keys == ["satisfaction.benchmark_metric_missing"]


# ---------------------------------------------------------------- key drivers


def _factorial() -> pd.DataFrame:
    # 2³ full factorial in ±1: columns mutually orthogonal, each with mean 0
    grid = np.array([[a, b, c] for a in (-1, 1) for b in (-1, 1) for c in (-1, 1)], dtype=float)
    return pd.DataFrame(grid, columns=["speed", "staff", "price"])


def test_key_drivers_known_by_construction():
    data = _factorial().assign(overall=lambda d: 3 * d["speed"] + d["staff"])
    # Σ speed·overall = Σ 3·speed² = 24, Σ overall² = 8 · (9 + 1) = 80, Σ speed² = 8
    # r(speed) = 24 / sqrt(8 · 80) = 3/sqrt(10) = 0.948683; r(staff) = 8/sqrt(640) = 1/sqrt(10); r(price) = 0
    corr = sat.key_drivers(data, "overall", ["price", "staff", "speed"])
    assert corr.index.tolist() == ["speed", "staff", "price"]
    assert corr["coefficient"].tolist() == pytest.approx([3 / math.sqrt(10), 1 / math.sqrt(10), 0], abs=1e-12)
    assert corr["r2"].tolist() == pytest.approx([0.9, 0.1, 0], abs=1e-12)
    assert corr["rank"].tolist() == [1, 2, 3] and (corr["n"] == 8).all()
    # orthogonal drivers: standardised betas equal the correlations and explain all variance (R² = 1)
    reg = sat.key_drivers(data, "overall", ["price", "staff", "speed"], method="regression")
    assert reg["coefficient"].tolist() == pytest.approx([3 / math.sqrt(10), 1 / math.sqrt(10), 0], abs=1e-12)
    assert reg["r2"].tolist() == pytest.approx([1, 1, 1])


def test_regression_separates_a_halo_driver_that_correlation_cannot():
    # "image" merely echoes speed (image = speed + 0.5·price) and has no effect of its own;
    # overall = speed exactly. r(image) = Σ image·speed / sqrt(Σ image² Σ speed²) = 8/sqrt(10·8) = 0.894
    data = _factorial().assign(image=lambda d: d["speed"] + 0.5 * d["price"], overall=lambda d: d["speed"])
    corr = sat.key_drivers(data, "overall", ["image", "speed"])
    assert corr.loc["image", "coefficient"] == pytest.approx(8 / math.sqrt(80))
    reg = sat.key_drivers(data, "overall", ["image", "speed"], method="regression")
    assert reg["coefficient"].to_dict() == pytest.approx({"speed": 1.0, "image": 0.0}, abs=1e-12)
    assert reg.index[0] == "speed"


def test_key_drivers_drop_incomplete_rows_and_validate():
    data = _factorial().assign(overall=lambda d: d["speed"])
    data.loc[0, "staff"] = np.nan
    assert sat.key_drivers(data, "overall", ["speed", "staff"])["n"].iloc[0] == 7
    with pytest.raises(WorkbookInputError) as info:
        sat.key_drivers(
            data.assign(both=data["speed"] + data["price"]),
            "overall",
            ["speed", "price", "both"],
            method="regression",
        )
    assert info.value.keys == ["satisfaction.drivers_collinear"]
    with pytest.raises(WorkbookInputError) as info:
        sat.key_drivers(data.assign(flat=1.0), "overall", ["speed", "flat"])
    assert info.value.keys == ["satisfaction.drivers_no_variance"]
    with pytest.raises(WorkbookInputError) as info:
        sat.key_drivers(data.head(3), "overall", ["speed", "price"], method="regression")
    assert info.value.keys == ["satisfaction.drivers_too_few_rows"]
    with pytest.raises(WorkbookInputError) as info:
        sat.key_drivers(data, "overall", [])
    assert info.value.keys == ["satisfaction.drivers_none"]


# ---------------------------------------------------------------- catalogue


def test_catalogue_has_every_label_used():
    keys = catalogue()
    for dim in sat.DEFAULT_SERVQUAL_DIMENSIONS:
        assert f"servqual.{dim}" in keys
    for group in sat.NPS_GROUPS:
        assert f"nps.{group}" in keys
    source = Path(sat.__file__).read_text(encoding="utf-8")

    for key in set(re.findall(r'"(satisfaction\.[a-z_0-9.]+)"', source)):
        assert key in keys, key
