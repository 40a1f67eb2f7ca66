"""Self-assessment instruments: the five built-ins load and score hand-worked examples, broken files
give a precise bilingual message, trainer folders are found, and the index behaves (range, monotone)."""

from __future__ import annotations

import math
import re
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from workbook import i18n
from workbook.errors import WorkbookInputError
from workbook.instruments import (
    BUILTIN_DIR,
    DEFAULTS,
    ENV_VAR,
    Instrument,
    list_instruments,
    load_instrument,
    parse_instrument,
    score,
)

ROOT = Path(__file__).resolve().parents[1]
BROKEN = Path(__file__).with_name("broken_instruments")
DOCS = ROOT / "docs" / "instruments.md"
BUILTINS = ["capability", "pulse", "relationship", "service_grading", "servqual"]


def tidy(rows, paired=False):
    columns = ["respondent_id", "item_id", *(["part"] if paired else []), "value"]
    return pd.DataFrame(rows, columns=columns)


def docs_example() -> str:
    """The YAML block that follows the example marker in docs/instruments.md."""
    text = DOCS.read_text(encoding="utf-8")
    match = re.search(r"<!-- example: quick_check.yaml -->\s*```yaml\n(.*?)```", text, re.S)
    assert match, "docs/instruments.md lost its complete example"
    return match.group(1)


@pytest.fixture(autouse=True)
def _no_trainer_folder(monkeypatch):
    # A trainer folder set in the shell running the tests must not change what the built-ins are.
    monkeypatch.delenv(ENV_VAR, raising=False)


# ================================================================================== built-ins load


@pytest.mark.parametrize("instrument_id", BUILTINS)
def test_builtin_loads_and_validates(instrument_id):
    inst = load_instrument(instrument_id)
    assert inst.id == instrument_id
    assert inst.source == f"{instrument_id}.yaml"
    assert math.isclose(sum(d.weight for d in inst.dimensions), 1.0)
    # every dimension has a recommendation for every band, in both languages
    for dim in inst.dimensions:
        assert set(dim.recommendations) == {b.code for b in inst.bands}
        assert all(t.zh and t.en for t in dim.recommendations.values())
    assert all(it.text.zh.strip() and it.text.en.strip() for it in inst.items)


def test_list_instruments_shows_the_five_builtins():
    listing = list_instruments(lang="en")
    assert sorted(listing["id"]) == BUILTINS
    assert listing["builtin"].all()
    assert (listing["error"] == "").all()
    assert listing.set_index("id").loc["servqual", "n_items"] == 22


def test_relationship_bands_are_the_ladder_levels_of_the_course():
    inst = load_instrument("relationship")
    codes = [b.code for b in inst.sorted_bands]
    assert codes == ["prospect", "initial_contact", "active", "loyal", "strategic_partner"]
    for band in inst.bands:  # same names as the relationship ladder of workbook.classify
        assert band.name.zh == i18n.t(f"level.{band.code}", "zh")
    assert {d.id for d in inst.dimensions} == {
        "satisfaction",
        "trust",
        "loyalty",
        "advocacy",
        "engagement",
        "cooperation",
    }
    assert {it.id for it in inst.items if it.reverse} == {"sat_3", "trust_3", "loy_3", "eng_4"}


def test_servqual_has_22_paired_items_that_match_the_sample_data_columns():
    inst = load_instrument("servqual")
    assert [p.id for p in inst.paired] == ["expectation", "perception"]
    counts = pd.Series([it.dimension for it in inst.items]).value_counts().to_dict()
    assert counts == {"tangibles": 4, "reliability": 5, "responsiveness": 4, "assurance": 4, "empathy": 5}
    header = pd.read_csv(ROOT / "datasets" / "servqual.csv", nrows=0).columns
    for item in inst.items:
        assert f"exp_{item.id}" in header and f"per_{item.id}" in header


def test_pulse_mixes_three_numeric_scales_and_two_unscored_items():
    inst = load_instrument("pulse")
    table = inst.item_table
    assert table.loc["recommend", ["min", "max"]].tolist() == [0, 10]
    assert table.loc["csat", ["min", "max"]].tolist() == [1, 5]
    assert table.loc["ces", ["min", "max"]].tolist() == [1, 7]
    assert table.loc[["touchpoint", "comment"], "type"].tolist() == ["choice", "text"]


# ================================================================================== hand-worked scores


def relationship_answers() -> pd.DataFrame:
    # Two team members rate one account on 1–5. Reverse items (R) are recoded 6 − v.
    r1 = {
        "sat_1": 5,
        "sat_2": 4,
        "sat_3": 2,  # R: 2 → 4
        "trust_1": 4,
        "trust_2": 4,
        "trust_3": 3,  # R: 3 → 3
        "loy_1": 3,
        "loy_2": 2,
        "loy_3": 4,  # R: 4 → 2
        "adv_1": 2,
        "adv_2": 2,  # adv_3 is optional: skipped
        "eng_1": 5,
        "eng_2": 4,
        "eng_3": 3,
        "eng_4": 5,  # R: 5 → 1
        "coop_1": 2,
        "coop_2": 3,
        "coop_3": 1,
    }
    r2 = {
        "sat_1": 5,
        "sat_2": 5,
        "sat_3": 1,  # R: 1 → 5
        "trust_1": 4,
        "trust_2": 3,
        "trust_3": 3,
        "loy_1": 3,
        "loy_2": 3,
        "loy_3": 3,
        "adv_1": 3,
        "adv_2": 2,
        "adv_3": 1,
        "eng_1": 4,
        "eng_2": 4,
        "eng_3": 4,
        "eng_4": 4,  # R: 4 → 2
        "coop_1": 2,
        "coop_2": 2,
        "coop_3": 2,
    }
    return tidy([(r, k, v) for r, answers in (("r1", r1), ("r2", r2)) for k, v in answers.items()])


def test_relationship_score_by_hand():
    result = score("relationship", relationship_answers(), lang="en")
    dims = result.dimensions
    # item score = 100 · (v′ − 1) / 4; respondent mean per dimension, then mean of the two raters
    # satisfaction r1 (100 + 75 + 75)/3 = 83.33, r2 100        → 91.667
    # trust        r1 (75 + 75 + 50)/3 = 66.67, r2 58.33        → 62.5
    # loyalty      r1 (50 + 25 + 25)/3 = 33.33, r2 50           → 41.667
    # advocacy     r1 (25 + 25)/2 = 25, r2 (50 + 25 + 0)/3 = 25  → 25
    # engagement   r1 (100 + 75 + 50 + 0)/4 = 56.25, r2 (75·3 + 25)/4 = 62.5 → 59.375
    # cooperation  r1 (25 + 50 + 0)/3 = 25, r2 25               → 25
    expected = {
        "satisfaction": 91.6667,
        "trust": 62.5,
        "loyalty": 41.6667,
        "advocacy": 25.0,
        "engagement": 59.375,
        "cooperation": 25.0,
    }
    assert dims["score"].to_dict() == pytest.approx(expected, abs=1e-4)
    # raw scale: satisfaction r1 (5 + 4 + 4)/3 = 4.333, r2 5 → 4.667
    assert dims.loc["satisfaction", "raw_score"] == pytest.approx(14 / 3)
    # index = .2·91.667 + .2·62.5 + .2·41.667 + .1·25 + .15·59.375 + .15·25
    #       = 18.333 + 12.5 + 8.333 + 2.5 + 8.906 + 3.75 = 54.323 → active (40–60)
    assert result.index == pytest.approx(54.322917, abs=1e-6)
    assert (result.level, result.level_name) == ("active", "active customer")
    assert "54.3" in result.reason and "40–60" in result.reason
    assert result.n_respondents == 2
    # bands per dimension: 91.7 strategic partner, 62.5 loyal, 41.7 active, 25 initial contact
    assert dims["band"].tolist() == [
        "strategic_partner",
        "loyal",
        "active",
        "initial_contact",
        "active",
        "initial_contact",
    ]


def test_relationship_plan_weakest_and_rater_spread_by_hand():
    result = score("relationship", relationship_answers(), lang="en")
    # priority = (100 − score) · weight: loyalty 58.33·.2 = 11.67, cooperation 75·.15 = 11.25,
    # trust 37.5·.2 = 7.5, advocacy 75·.1 = 7.5 (tie keeps file order), engagement 40.625·.15 = 6.09,
    # satisfaction 8.33·.2 = 1.67
    plan = result.plan
    assert plan["dimension"].tolist() == [
        "loyalty",
        "cooperation",
        "trust",
        "advocacy",
        "engagement",
        "satisfaction",
    ]
    assert plan["rank"].tolist() == [1, 2, 3, 4, 5, 6]
    assert plan["priority"].tolist() == pytest.approx([11.6667, 11.25, 7.5, 7.5, 6.09375, 1.6667], abs=1e-4)
    assert plan.loc[0, "recommendation"].startswith("Offer long-term terms")  # loyalty × active
    # the two lowest scores are both 25
    assert result.weakest == ("advocacy", "cooperation")
    spread = result.dimensions
    # satisfaction raters 83.33 and 100: range 16.67, SD = 16.67/√2 = 11.785
    assert spread.loc["satisfaction", "rater_range"] == pytest.approx(50 / 3)
    assert spread.loc["satisfaction", "rater_sd"] == pytest.approx(50 / 3 / math.sqrt(2))
    # advocacy: both 25 → no spread; engagement 56.25 vs 62.5 → range 6.25
    assert spread.loc["advocacy", "rater_sd"] == 0
    assert spread.loc["engagement", "rater_range"] == pytest.approx(6.25)
    # two raters: too few for Cronbach's alpha
    assert spread["alpha"].isna().all()
    # per respondent: r1 index = .2·83.33 + .2·66.67 + .2·33.33 + .1·25 + .15·56.25 + .15·25
    #                          = 16.667 + 13.333 + 6.667 + 2.5 + 8.4375 + 3.75 = 51.354
    assert result.respondents.loc["r1", "index"] == pytest.approx(51.354167, abs=1e-6)
    assert result.respondents.loc["r1", "level"] == "active"


def servqual_answers() -> pd.DataFrame:
    # expectation, perception per dimension (same for every item of the dimension), on 1–7
    r1 = {
        "tangibles": (6, 6),
        "reliability": (6, 4),
        "responsiveness": (6, 5),
        "assurance": (6, 6),
        "empathy": (6, 7),
    }
    r2 = {
        "tangibles": (5, 5),
        "reliability": (5, 4),
        "responsiveness": (5, 4),
        "assurance": (5, 5),
        "empathy": (5, 5),
    }
    inst = load_instrument("servqual")
    rows = []
    for rid, answers in (("r1", r1), ("r2", r2)):
        for item in inst.items:
            e, p = answers[item.dimension]
            rows += [(rid, item.id, "expectation", e), (rid, item.id, "perception", p)]
    return tidy(rows, paired=True)


def test_servqual_gaps_by_hand():
    result = score("servqual", servqual_answers(), lang="en")
    dims = result.dimensions
    # gap P − E: tangibles 0 / 0, reliability −2 / −1, responsiveness −1 / −1, assurance 0 / 0, empathy +1 / 0
    assert dims["raw_score"].to_dict() == pytest.approx(
        {"tangibles": 0, "reliability": -1.5, "responsiveness": -1, "assurance": 0, "empathy": 0.5}
    )
    assert dims.loc["tangibles", "expectation"] == pytest.approx(5.5)  # (6 + 5)/2
    assert dims.loc["reliability", "perception"] == pytest.approx(4.0)
    # score = 50 + gap · 100/12: 50, 37.5, 41.667, 50, 54.167
    assert dims["score"].tolist() == pytest.approx([50, 37.5, 125 / 3, 50, 325 / 6])
    # 37.5 is the lower bound of "shortfall" (lower bounds are inclusive)
    assert dims["band"].tolist() == ["meets", "shortfall", "shortfall", "meets", "meets"]
    # index = .1·50 + .3·37.5 + .2·41.667 + .2·50 + .2·54.167 = 5 + 11.25 + 8.333 + 10 + 10.833 = 45.417
    assert result.index == pytest.approx(45.416667, abs=1e-6)
    assert result.level == "shortfall"
    assert result.plan["dimension"].iloc[0] == "reliability"  # 62.5 · .3 = 18.75 is the top priority
    item = result.items.loc["reliability_1"]
    assert (item["expectation"], item["perception"], item["mean"]) == pytest.approx((5.5, 4.0, -1.5))


def test_servqual_accepts_one_respondent_as_nested_dict():
    inst = load_instrument("servqual")
    answers = {it.id: {"expectation": 7, "perception": 1} for it in inst.items}
    result = score(inst, answers)
    # every gap 1 − 7 = −6, the bottom of the gap scale → 0
    assert result.index == 0
    assert result.level == "serious_gap"


def test_servqual_on_the_sample_data_finds_the_largest_gaps_in_responsiveness_and_reliability():
    wide = pd.read_csv(ROOT / "datasets" / "servqual.csv")
    long = wide.melt(id_vars="respondent_id", value_vars=[c for c in wide if c[:4] in ("exp_", "per_")])
    long["part"] = long["variable"].str[:3].map({"exp": "expectation", "per": "perception"})
    long["item_id"] = long["variable"].str[4:]
    result = score("servqual", long[["respondent_id", "item_id", "part", "value"]])
    gaps = result.dimensions["raw_score"].sort_values()
    assert set(gaps.index[:2]) == {"responsiveness", "reliability"}
    assert abs(gaps["tangibles"]) < abs(gaps["reliability"])
    assert result.n_respondents == len(wide)
    assert result.dimensions["alpha"].notna().all()  # ≥ 5 respondents, ≥ 4 items per dimension


def test_service_grading_class_c_by_hand():
    answers = {
        "pre_1": 4,
        "pre_2": 3,
        "del_1": 2,
        "del_3": 4,
        "tech_1": 3,
        "as_1": 2,
        "as_2": 3,
        "fu_1": 4,
        "comp_1": 3,
        "comp_2": 3,
        "comp_3": 1,
        "pre_3": 1,
    }  # a class-A standard: not asked of class C, so left out of the score
    result = score("service_grading", answers, segment="C", lang="en")
    dims = result.dimensions
    # 1–4 scale: score = 100 · (v − 1)/3; comp_3 is reverse: 1 → 4
    # pre_sales (100 + 66.67)/2 = 83.33; order_delivery (33.33 + 100)/2 = 66.67; technical_support 66.67
    # after_sales (33.33 + 66.67)/2 = 50; follow_up 100; complaints (66.67 + 66.67 + 100)/3 = 77.78
    assert dims["score"].tolist() == pytest.approx([250 / 3, 200 / 3, 200 / 3, 50, 100, 700 / 9])
    assert dims["n_items"].tolist() == [2, 2, 1, 2, 1, 3]  # class C answers 11 of the 18 standards
    # index = .15·83.33 + .2·66.67 + .15·66.67 + .25·50 + .1·100 + .15·77.78
    #       = 12.5 + 13.333 + 10 + 12.5 + 10 + 11.667 = 70 → good (65–85)
    assert result.index == pytest.approx(70.0)
    assert (result.level, result.level_name) == ("good", "good service")
    assert result.weakest == ("after_sales", "order_delivery", "technical_support")  # 50, then a tie at 66.67


def test_service_grading_needs_the_segment_and_asks_class_a_more():
    with pytest.raises(WorkbookInputError) as err:
        score("service_grading", {"pre_1": 4})
    assert err.value.keys == ["instruments.segment_required"]
    with pytest.raises(WorkbookInputError) as err:
        score("service_grading", {"pre_1": 4}, segment="D")
    assert err.value.keys == ["instruments.unknown_segment_argument"]
    class_c = {
        "pre_1": 4,
        "pre_2": 3,
        "del_1": 2,
        "del_3": 4,
        "tech_1": 3,
        "as_1": 2,
        "as_2": 3,
        "fu_1": 4,
        "comp_1": 3,
        "comp_2": 3,
        "comp_3": 1,
    }
    with pytest.raises(WorkbookInputError) as err:
        score("service_grading", class_c, segment="A")
    message = err.value.message("en")
    for standard in ("pre_3", "del_2", "tech_2", "tech_3", "as_3", "as_4", "fu_2"):
        assert standard in message


def capability_answers() -> pd.DataFrame:
    # Five team members. Identification (id_3 reverse, answered 6 − recoded) varies; every other
    # item is answered 3 (reverse items too: 6 − 3 = 3), i.e. 50 on 0–100.
    recoded = {"t1": (1, 2, 2), "t2": (2, 2, 3), "t3": (3, 3, 3), "t4": (4, 4, 5), "t5": (5, 4, 5)}
    inst = load_instrument("capability")
    rows = []
    for rid, (a, b, c) in recoded.items():
        rows += [(rid, "id_1", a), (rid, "id_2", b), (rid, "id_3", 6 - c)]
        rows += [(rid, it.id, 3) for it in inst.items if it.dimension != "identification"]
    return tidy(rows)


def test_capability_maturity_alpha_and_plan_by_hand():
    result = score("capability", capability_answers(), lang="en")
    dims = result.dimensions
    # identification per member: t1 (0 + 25 + 25)/3 = 16.67, t2 33.33, t3 50, t4 83.33, t5 91.67 → mean 55
    assert dims.loc["identification", "score"] == pytest.approx(55.0)
    assert (dims.drop("identification")["score"] == 50).all()
    # index = .15·55 + .85·50 = 50.75 → 3 defined (40–60)
    assert result.index == pytest.approx(50.75)
    assert (result.level, result.level_name) == ("defined", "3 defined")
    # Cronbach's alpha, identification: item variances 2.5, 1.0, 1.8 (sum 5.3); totals 5, 7, 9, 13, 14
    # have variance 59.2/4 = 14.8 → α = 3/2 · (1 − 5.3/14.8) = 0.962838
    assert dims.loc["identification", "alpha"] == pytest.approx(0.962838, abs=1e-6)
    assert dims.drop("identification")["alpha"].isna().all()  # no variance at all → undefined
    # spread: member scores 16.67 … 91.67, range 75; SD = √(4111.11/4) = 32.059
    assert dims.loc["identification", "rater_range"] == pytest.approx(75.0)
    assert dims.loc["identification", "rater_sd"] == pytest.approx(32.0590, abs=1e-4)
    # priority: five dimensions at 50 · .15 = 7.5 (file order), identification 45 · .15 = 6.75,
    # risk 50 · .1 = 5
    assert result.plan["dimension"].tolist() == [
        "classification",
        "maintenance",
        "needs",
        "loyalty",
        "data_use",
        "identification",
        "risk",
    ]
    assert result.weakest == ("classification", "maintenance", "needs", "loyalty", "risk", "data_use")


def test_pulse_by_hand_keeps_unscored_answers():
    answers = {"recommend": 9, "csat": 4, "ces": 6, "touchpoint": "after_sales", "comment": "交货慢"}
    result = score("pulse", answers, lang="zh")
    # 0–10: 90; 1–5: (4 − 1)/4 = 75; 1–7: (6 − 1)/6 = 83.33
    # index = .4·90 + .3·75 + .3·83.33 = 36 + 22.5 + 25 = 83.5 → good (70–85)
    assert result.dimensions["score"].tolist() == pytest.approx([90, 75, 250 / 3])
    assert result.index == pytest.approx(83.5)
    assert (result.level, result.level_name) == ("good", "良好")
    assert result.other_answers["value"].tolist() == ["after_sales", "交货慢"]
    # the optional questions may be left out
    assert score("pulse", {"recommend": 9, "csat": 4, "ces": 6}).index == pytest.approx(83.5)


def test_docs_example_scores_as_the_docs_say():
    inst = parse_instrument(docs_example(), "quick_check.yaml")
    result = score(inst, {"trust_1": 4, "trust_2": 2, "contact_1": 3}, lang="en")
    # trust (75 + 75)/2 = 75, contact 50, index .6·75 + .4·50 = 65 → fair; contact first (20 > 15)
    assert result.index == pytest.approx(65)
    assert result.level == "fair"
    assert result.plan["dimension"].tolist() == ["contact", "trust"]
    assert result.plan["priority"].tolist() == pytest.approx([20, 15])


# ================================================================================== unusable answers


def test_missing_required_answers_name_the_respondent_and_items():
    answers = relationship_answers()
    answers = answers[~((answers["respondent_id"] == "r2") & answers["item_id"].isin(["sat_1", "coop_3"]))]
    with pytest.raises(WorkbookInputError) as err:
        score("relationship", answers)
    assert err.value.keys == ["instruments.responses_missing_required"]
    for lang in ("zh", "en"):
        text = err.value.message(lang)
        assert "r2" in text and "sat_1" in text and "coop_3" in text and "r1" not in text


def test_blank_answers_count_as_unanswered():
    answers = relationship_answers().astype({"value": object})
    answers.loc[answers["item_id"].eq("sat_1") & answers["respondent_id"].eq("r1"), "value"] = " "
    with pytest.raises(WorkbookInputError) as err:
        score("relationship", answers)
    assert "sat_1" in err.value.message("en")


@pytest.mark.parametrize(
    ("change", "key", "shown"),
    [
        ({"item_id": "sat_9"}, "instruments.responses_unknown_item", "sat_9"),
        ({"value": 6}, "instruments.responses_out_of_range", "sat_1 1–5"),
        ({"value": 0}, "instruments.responses_out_of_range", "sat_1 1–5"),
        ({"value": "很好"}, "instruments.responses_not_numeric", "很好"),
    ],
)
def test_bad_answers_are_named(change, key, shown):
    answers = relationship_answers().astype({"value": object})
    first = answers.index[0]  # r1, sat_1
    for column, value in change.items():
        answers.loc[first, column] = value
    with pytest.raises(WorkbookInputError) as err:
        score("relationship", answers)
    assert key in err.value.keys
    assert shown in err.value.message("zh") and shown in err.value.message("en")


def test_duplicate_answers_and_missing_columns_and_wrong_type():
    answers = relationship_answers()
    with pytest.raises(WorkbookInputError) as err:
        score("relationship", pd.concat([answers, answers.head(1)]))
    assert err.value.keys == ["instruments.responses_duplicate"]
    with pytest.raises(WorkbookInputError) as err:
        score("relationship", answers.rename(columns={"value": "score"}))
    assert err.value.keys == ["instruments.responses_missing_column"]
    with pytest.raises(WorkbookInputError) as err:
        score("servqual", answers)  # paired instrument without a part column
    assert "part" in err.value.message("en")
    with pytest.raises(WorkbookInputError) as err:
        score("relationship", [("r1", "sat_1", 4)])
    assert err.value.keys == ["instruments.responses_type"]


def test_paired_item_needs_both_parts_and_known_parts():
    answers = servqual_answers()
    with pytest.raises(WorkbookInputError) as err:
        score("servqual", answers[answers["part"] != "expectation"])
    assert err.value.keys == ["instruments.responses_missing_required"]
    wrong = answers.replace({"part": {"perception": "importance"}})
    with pytest.raises(WorkbookInputError) as err:
        score("servqual", wrong)
    assert "instruments.responses_unknown_part" in err.value.keys


def test_scoring_does_not_change_the_answers_and_ignores_row_order():
    answers = relationship_answers()
    before = answers.copy()
    first = score("relationship", answers)
    pd.testing.assert_frame_equal(answers, before)
    shuffled = answers.sample(frac=1, random_state=3)
    assert score("relationship", shuffled).index == pytest.approx(first.index)


# ================================================================================== broken files

BROKEN_CASES = {
    # file: (catalogue key, key path or line shown in the message)
    "missing_translation.yaml": ("instruments.missing_translation", "items[3].text.en"),
    "weights_sum.yaml": ("instruments.weights_sum", "dimensions"),
    "weight_not_a_number.yaml": ("instruments.expected_number", "dimensions[0].weight"),
    "band_gap.yaml": ("instruments.band_gap", "bands[1].from"),
    "band_overlap.yaml": ("instruments.band_overlap", "bands[1].from"),
    "band_out_of_range.yaml": ("instruments.band_out_of_range", "bands[2].to"),
    "unknown_scale.yaml": ("instruments.unknown_scale", "items[0].scale"),
    "unknown_dimension.yaml": ("instruments.unknown_dimension", "items[2].dimension"),
    "duplicate_item_id.yaml": ("instruments.duplicate_id", "items[1].id"),
    "reverse_non_numeric.yaml": ("instruments.reverse_non_numeric", "items[4].reverse"),
    "missing_recommendation.yaml": (
        "instruments.missing_recommendation",
        "dimensions[1].recommendations.fair",
    ),
    "unknown_top_level_key.yaml": ("instruments.unknown_key", "dimension"),
    "unknown_item_key.yaml": ("instruments.unknown_key", "items[1].reversed"),
    "duplicate_yaml_key.yaml": ("instruments.duplicate_key", "title.zh"),
    "scale_min_max.yaml": ("instruments.scale_min_max", "scales.agree5.min"),
    "yaml_syntax.yaml": ("instruments.yaml_syntax", None),
}


def test_every_broken_file_has_a_case():
    assert sorted(p.name for p in BROKEN.glob("*.yaml")) == sorted(BROKEN_CASES)


@pytest.mark.parametrize("name", sorted(BROKEN_CASES))
def test_broken_file_message_names_file_path_and_fix(name):
    key, path = BROKEN_CASES[name]
    with pytest.raises(WorkbookInputError) as err:
        load_instrument(BROKEN / name)
    assert key in err.value.keys
    for lang in ("zh", "en"):
        text = err.value.message(lang)
        assert text.startswith(name)  # the heading names the file
        if path is not None:
            assert path in text
        assert "Field required" not in text and "pydantic" not in text  # never pydantic's own words


def test_broken_messages_give_the_line_and_the_suggestion():
    err = _error("missing_translation.yaml")
    # the en: line of items[3] is missing; the message points at its text: key, line 70
    assert "items[3].text.en（第 70 行）" in err.message("zh")
    assert "items[3].text.en (line 70)" in err.message("en")
    err = _error("yaml_syntax.yaml")
    assert "line 55, column 10" in err.message("en") and "第 55 行" in err.message("zh")
    err = _error("unknown_top_level_key.yaml")
    assert err.keys == ["instruments.unknown_key", "instruments.missing_key"]  # the typo first
    assert "'dimensions'" in err.message("en") and "「dimensions」" in err.message("zh")
    err = _error("weights_sum.yaml")
    assert "1.1" in err.message("en") and "trust 0.6, contact 0.5" in err.message("en")


def _error(name: str) -> WorkbookInputError:
    with pytest.raises(WorkbookInputError) as err:
        load_instrument(BROKEN / name)
    return err.value


@pytest.mark.parametrize(
    ("old", "new", "key", "path"),
    [
        ("    from: 0\n    to: 50\n", "    from: 10\n    to: 50\n", "instruments.band_gap", "bands[0].from"),
        ("    from: 75\n    to: 100\n", "    from: 75\n    to: 90\n", "instruments.band_gap", "bands[2].to"),
        ("    from: 50\n    to: 75\n", "    from: 75\n    to: 50\n", "instruments.band_empty", "bands[1]"),
        (
            "      weak:\n        zh: 每次",
            "      poor:\n        zh: 每次",
            "instruments.unknown_band",
            "dimensions[0].recommendations.poor",
        ),
        (
            'version: "1.0"\n',
            'version: "1.0"\nsegments:\n  - id: A\n    name: {zh: A 类, en: class A}\n'
            "  - id: B\n    name: {zh: B 类, en: class B}\n",
            None,
            None,
        ),
        (
            "    reverse: true\n",
            "    reverse: true\n    applies_to: [C]\n",
            "instruments.unknown_segment",
            "items[1].applies_to[0]",
        ),
        ("scale: agree5\n", "", "instruments.no_scale", "items[0]"),
        (
            "  - id: contact_1\n",
            "  - id: contact_1\n    scale: yes_no\n",
            "instruments.unknown_scale",
            "items[2].scale",
        ),
        ("weight: 0.6", "weight: -0.6", "instruments.weight_negative", "dimensions[0].weight"),
        ("  - code: fair\n", "  - code: Fair level\n", "instruments.bad_id", "bands[1].code"),
        ("    type: numeric\n", "    type: rating\n", "instruments.expected_one_of", "scales.agree5.type"),
    ],
)
def test_more_mistakes_in_the_docs_example(old, new, key, path):
    text = docs_example()
    assert old in text
    broken = text.replace(old, new, 1)
    if key is None:  # a valid variation
        assert parse_instrument(broken, "mine.yaml").segments[1].id == "B"
        return
    with pytest.raises(WorkbookInputError) as err:
        parse_instrument(broken, "mine.yaml")
    assert key in err.value.keys
    assert path in err.value.message("en") and path in err.value.message("zh")


def test_not_a_mapping_and_empty_file_and_suggestion_free_unknown_key():
    for text in ("", "- a\n- b\n", "just words"):
        with pytest.raises(WorkbookInputError) as err:
            parse_instrument(text, "x.yaml")
        assert err.value.keys == ["instruments.not_a_mapping"]
    with pytest.raises(WorkbookInputError) as err:
        parse_instrument(docs_example() + "colour: blue\n", "x.yaml")
    assert err.value.keys == ["instruments.unknown_key_no_match"]
    assert "dimensions" in err.value.message("en")  # lists the keys that are allowed


def test_every_message_key_used_in_the_code_is_in_the_catalogue():
    source = "".join(path.read_text(encoding="utf-8") for path in BUILTIN_DIR.glob("*.py"))
    used = set(re.findall(r'"(instruments\.[a-z_]+)"', source))
    assert used, "no message keys found"
    assert used <= set(i18n.catalogue())
    for key in (k for k in i18n.catalogue() if k.startswith("instruments.")):
        zh, en = (set(re.findall(r"{(\w+)", i18n.catalogue()[key][lang])) for lang in ("zh", "en"))
        assert zh == en, key
        assert not zh & {"key", "lang"}, key  # those names belong to i18n.t itself


# ================================================================================== trainer folders


def test_trainer_folder_from_env_var(tmp_path, monkeypatch):
    (tmp_path / "quick_check.yaml").write_text(docs_example(), encoding="utf-8")
    monkeypatch.setenv(ENV_VAR, str(tmp_path))
    inst = load_instrument("quick_check")
    assert isinstance(inst, Instrument) and inst.source == "quick_check.yaml"
    listing = list_instruments()
    row = listing.set_index("id").loc["quick_check"]
    assert not row["builtin"] and row["error"] == "" and row["n_items"] == 4
    assert len(listing) == 6


def test_extra_dirs_argument_and_replacing_a_builtin(tmp_path):
    text = (BUILTIN_DIR / "pulse.yaml").read_text(encoding="utf-8")
    copy = text.replace('version: "1.0"', 'version: "2.0"')
    (tmp_path / "my_pulse.yaml").write_text(copy, encoding="utf-8")
    assert load_instrument("pulse", extra_dirs=[tmp_path]).version == "2.0"
    assert load_instrument("pulse").version == "1.0"
    listing = list_instruments(extra_dirs=[tmp_path], lang="en")
    builtin_row = listing[(listing["id"] == "pulse") & listing["builtin"]].iloc[0]
    assert "my_pulse.yaml" in builtin_row["error"]  # the built-in is shadowed, and the listing says so


def test_broken_trainer_file_is_listed_not_fatal(tmp_path):
    shutil.copy(BROKEN / "band_gap.yaml", tmp_path / "band_gap.yaml")
    listing = list_instruments(extra_dirs=[tmp_path], lang="en")
    row = listing.set_index("id").loc["band_gap"]
    assert "bands[1].from" in row["error"]
    assert len(listing) == 6
    with pytest.raises(WorkbookInputError) as err:  # asked for by its file name: show why it fails
        load_instrument("band_gap", extra_dirs=[tmp_path])
    assert err.value.keys == ["instruments.band_gap"]


def test_edited_file_is_read_again(tmp_path):
    path = tmp_path / "quick_check.yaml"
    path.write_text(docs_example(), encoding="utf-8")
    assert load_instrument(path).version == "1.0"
    path.write_text(docs_example().replace('version: "1.0"', 'version: "1.1"'), encoding="utf-8")
    assert load_instrument(path).version == "1.1"


def test_unknown_id_missing_file_and_missing_folder(tmp_path):
    with pytest.raises(WorkbookInputError) as err:
        load_instrument("relation")
    assert err.value.keys == ["instruments.not_found"]
    assert "relationship" in err.value.message("en")
    with pytest.raises(WorkbookInputError) as err:
        load_instrument(tmp_path / "nope.yaml")
    assert err.value.keys == ["instruments.file_not_found"]
    with pytest.raises(WorkbookInputError) as err:
        list_instruments(extra_dirs=[tmp_path / "missing"])
    assert err.value.keys == ["instruments.dir_not_found"]


# ================================================================================== properties

RELATIONSHIP = load_instrument("relationship")
REL_ITEMS = [it.id for it in RELATIONSHIP.items]
REVERSE = {it.id for it in RELATIONSHIP.items if it.reverse}


@st.composite
def rated_account(draw):
    """1–6 raters answering every relationship item on 1–5."""
    n = draw(st.integers(1, 6))
    values = draw(st.lists(st.integers(1, 5), min_size=n * len(REL_ITEMS), max_size=n * len(REL_ITEMS)))
    rows = [(f"r{i // len(REL_ITEMS)}", REL_ITEMS[i % len(REL_ITEMS)], v) for i, v in enumerate(values)]
    return tidy(rows)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(answers=rated_account(), pick=st.integers(0, 10_000), step=st.integers(1, 4))
def test_index_in_range_and_monotone_in_answers(answers, pick, step):
    before = score(RELATIONSHIP, answers)
    assert 0 <= before.index <= 100
    assert before.dimensions["score"].between(0, 100).all()
    row = answers.index[pick % len(answers)]
    raised = answers.copy()
    raised.loc[row, "value"] = min(5, raised.loc[row, "value"] + step)
    after = score(RELATIONSHIP, raised)
    if answers.loc[row, "item_id"] in REVERSE:
        assert after.index <= before.index + 1e-9  # agreeing more with a reverse item is worse
    else:
        assert after.index >= before.index - 1e-9


@settings(max_examples=25, deadline=None)
@given(values=st.lists(st.integers(1, 7), min_size=44, max_size=44), pick=st.integers(0, 21))
def test_servqual_index_rises_with_perception_and_falls_with_expectation(values, pick):
    inst = load_instrument("servqual")
    rows = [
        ("r", it.id, part, values[2 * i + j])
        for i, it in enumerate(inst.items)
        for j, part in enumerate(("expectation", "perception"))
    ]
    answers = tidy(rows, paired=True)
    before = score(inst, answers).index
    assert 0 <= before <= 100
    perception = answers.index[2 * pick + 1]
    up = answers.copy()
    up.loc[perception, "value"] = 7
    assert score(inst, up).index >= before - 1e-9
    expectation = answers.index[2 * pick]
    up_expectation = answers.copy()
    up_expectation.loc[expectation, "value"] = 7
    assert score(inst, up_expectation).index <= before + 1e-9


def test_defaults_are_documented_values():
    assert DEFAULTS.weight_total == 1.0
    assert (DEFAULTS.alpha_min_respondents, DEFAULTS.alpha_min_items) == (5, 2)


def test_float_noise_never_decides_a_band():
    # 50 reached by summing scores such as 58.33 + 41.67 + 66.67 + 33.33 may come out a hair below.
    inst = load_instrument("servqual")
    assert inst.band_of([49.99999999999999, 50.00000000000001, 49.9]).tolist() == [
        "meets",
        "meets",
        "shortfall",
    ]


def test_equal_dimension_scores_tie_in_the_files_order():
    result = score("pulse", {"recommend": 5, "csat": 3, "ces": 4}, lang="en")  # every dimension at 50
    assert [d.score for d in result.by_dimension] == [50.0, 50.0, 50.0]
    assert result.weakest == ("nps", "csat", "ces")  # ties included, in the file's order
    assert result.plan["dimension"].tolist() == ["nps", "csat", "ces"]  # priority 20, 15, 15


def test_the_array_alpha_is_the_listwise_alpha_of_the_satisfaction_module():
    from workbook.instruments.scoring import _cronbach_alpha
    from workbook.satisfaction import cronbach_alpha

    rng = np.random.default_rng(7)
    latent = rng.normal(size=(40, 1))
    block = np.clip(np.round(3 + latent + rng.normal(scale=0.8, size=(40, 4))), 1, 5)
    expected = cronbach_alpha(pd.DataFrame(block), missing="listwise").alpha
    assert _cronbach_alpha(block) == pytest.approx(expected, rel=1e-12)


def test_the_result_tables_match_the_plain_rows():
    answers = pd.DataFrame(
        [(who, item, value) for who, values in (("a", [4, 5, 3]), ("b", [2, 3, 4]))
         for item, value in zip(["csat", "ces", "recommend"], values, strict=True)],
        columns=["respondent_id", "item_id", "value"],
    )  # fmt: skip
    result = score("pulse", answers, lang="en")
    assert result.dimensions["score"].tolist() == [d.score for d in result.by_dimension]
    assert result.respondents.index.tolist() == ["a", "b"]  # as they came
    assert result.respondents.loc["a", "csat"] == pytest.approx(75.0)  # (4 − 1) / (5 − 1)
    assert result.items.loc["ces", "n"] == 2 and result.items.loc["ces", "mean"] == pytest.approx(4.0)
