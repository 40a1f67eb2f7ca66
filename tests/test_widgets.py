"""Widgets driven without a browser: set values, click, then read labels, HTML, numbers and PNG bytes."""

import dataclasses
import html
import logging
import re

import numpy as np
import pandas as pd
import pytest

from workbook import i18n
from workbook import value_matrix as vm
from workbook.datasets import simulate_customers
from workbook.errors import WorkbookInputError, fail
from workbook.form import FormComponent, _text_width, dimension_chart_svg
from workbook.instruments import list_instruments, load_instrument, score
from workbook.widgets import (
    ErrorBox,
    InstrumentForm,
    NpsCalculator,
    ResultView,
    RfmSegmentMap,
    RiskThresholdTuner,
    ValueMatrixExplorer,
    safe_callback,
)

PNG = b"\x89PNG\r\n\x1a\n"  # a widgets.Image holds its bytes as a memoryview: compare bytes(...)
PULSE_DONE = {"recommend": 9, "csat": 4, "ces": 6}


def servqual_answers(expectation: int = 6, perception: int = 4) -> dict:
    items = [item.id for item in load_instrument("servqual").items]
    return {i: {"expectation": expectation, "perception": perception} for i in items}


def marked_rows(html: str) -> list[str]:
    return re.findall(r'<tr style="background:#fff3cd">(.*?)</tr>', html)


# ================================================================ the form


def items_of(form) -> dict[str, dict]:
    """The items as the browser receives them: ``{item_id: item spec}``."""
    return {item["id"]: item for section in form.widget.spec["sections"] for item in section["items"]}


def tick(form, item: str, value, part: str | None = None) -> None:
    """Play the browser: one button tapped (the page sends all its answers as one value)."""
    answers = dict(form.widget.answers)
    if part is None:
        answers[item] = value
    else:
        answers[item] = {**answers.get(item, {}), part: value}
    form.widget.answers = answers


def click_submit(form) -> None:
    """Play the browser's submit button (a message to the kernel)."""
    form._on_message(form.widget, {"event": "submit"}, [])


@pytest.mark.parametrize("instrument_id", sorted(list_instruments()["id"]))
def test_form_is_built_from_any_instrument(instrument_id):
    inst = load_instrument(instrument_id)
    form = InstrumentForm(inst, lang="zh")
    spec = form.widget.spec
    assert list(items_of(form)) == [item.id for item in inst.items]
    assert form.progress == f"0 / {len(inst.items)} 已作答"
    assert spec["title"] == inst.title.zh
    headings = [section["name"] for section in spec["sections"]]
    for dim in inst.dimensions:
        assert dim.name.zh in headings
    for item in inst.items:
        sent = items_of(form)[item.id]
        assert sent["text"] == item.text.zh and sent["required"] == item.required
    # One widget model for the whole questionnaire, however many items it has.
    assert isinstance(form.widget, FormComponent)


def test_scale_labels_and_end_labels_and_paired_items_have_two_parts():
    rel = items_of(InstrumentForm("relationship", lang="zh"))["sat_1"]
    assert rel["kind"] == "scale" and [o["value"] for o in rel["options"]] == [1, 2, 3, 4, 5]
    assert [o["label"] for o in rel["options"]] == ["非常不同意", "不同意", "说不清", "同意", "非常同意"]
    assert (rel["low"], rel["high"]) == ("非常不同意", "非常同意")
    nps = items_of(InstrumentForm("pulse", lang="zh"))["recommend"]
    assert [o["value"] for o in nps["options"]] == list(range(11))  # 0–10: two rows on a phone
    assert (nps["low"], nps["high"]) == ("完全不可能", "极有可能")
    assert items_of(InstrumentForm("pulse", lang="en"))["touchpoint"]["kind"] == "choice"
    sq = items_of(InstrumentForm("servqual", lang="zh"))["tangibles_1"]
    assert [p["name"] for p in sq["parts"]] == ["期望", "感知"]
    # agree7 names only 1, 4 and 7
    assert [o["label"] for o in sq["options"]][:4] == ["完全不同意", "", "", "中立"]


def test_progress_is_live_and_a_paired_item_counts_when_both_parts_are_answered():
    form = InstrumentForm("servqual", lang="zh")
    tick(form, "tangibles_1", 6, part="expectation")
    assert form.progress == "0 / 22 已作答"  # perception still open
    tick(form, "tangibles_1", 5, part="perception")
    assert form.progress == "1 / 22 已作答"
    assert (form.widget.status["done"], form.widget.status["total"]) == (1, 22)
    assert form.widget.status["sections"]["tangibles"] == "（已答 1/4）"  # tangibles has 4 items
    assert form.answers == {"tangibles_1": {"expectation": 6, "perception": 5}}


def test_what_the_page_sends_is_checked_like_any_input():
    form = InstrumentForm("pulse", lang="en")
    form.widget.answers = {"recommend": 11, "csat": "4", "ces": True, "nope": 1, "comment": "  "}
    assert form.answers == {"csat": 4}  # off the scale, not a number, unknown, blank: dropped


def test_half_done_submit_is_refused_marking_every_unanswered_item_and_keeping_answers():
    sent = []
    form = InstrumentForm("pulse", lang="zh", on_submit=lambda answers, key: sent.append(answers))
    tick(form, "csat", 4)
    assert not form.widget.status["highlight"]  # nothing is marked before a submit
    click_submit(form)
    assert sent == []
    status = form.widget.status
    # questions 1 and 3 are required and open; the optional 4 and 5 are not named
    assert "还有 2 道必答题未作答（第 1、3 题）" in form.prompt
    assert status["missing"] == ["recommend", "ces"] and status["highlight"]
    assert status["first_missing"] == "recommend" and status["focus"] == 1  # the page scrolls there
    assert form.answers == {"csat": 4}
    assert form.missing() == ["recommend", "ces"]
    # the prompt and the marks follow the answers: one left, then ready
    tick(form, "recommend", 9)
    assert "还有 1 道必答题未作答（第 3 题）" in form.prompt
    assert form.widget.status["missing"] == ["ces"]
    tick(form, "ces", 6)
    assert "可以提交" in form.prompt and not form.widget.status["highlight"]
    assert form.submit() is True
    assert sent == [PULSE_DONE]
    assert "已提交" in form.prompt


def test_prompt_names_every_unanswered_number():
    form = InstrumentForm("servqual", lang="en")
    assert form.submit() is False
    numbers = ", ".join(str(n) for n in range(1, 23))
    assert f"22 required question(s) still unanswered (number {numbers})" in form.prompt
    assert len(form.widget.status["missing"]) == 22


def test_language_switch_relabels_everything_and_keeps_the_answers():
    form = InstrumentForm("servqual", lang="zh")
    answers = servqual_answers()
    del answers["empathy_5"]
    form.set_answers(answers)
    form.submit()  # refused: the prompt must follow the language too
    form._on_message(form.widget, {"event": "language", "lang": "en"}, [])  # the form's own switch
    assert form.lang == "en"
    assert form.answers == answers
    assert form.progress == "21 / 22 answered"
    spec = form.widget.spec
    assert spec["title"] == "SERVQUAL service-quality questionnaire" and spec["submit"] == "Submit"
    assert items_of(form)["tangibles_1"]["text"] == load_instrument("servqual").items[0].text.en
    assert [p["name"] for p in items_of(form)["tangibles_1"]["parts"]] == ["expectation", "perception"]
    assert items_of(form)["tangibles_1"]["options"][0] == {"value": 1, "label": "strongly disagree"}
    assert "1 required question(s) still unanswered (number 22)" in form.prompt
    assert [language["name"] for language in spec["languages"]] == ["中文", "English"]
    form.relabel("zh")
    assert form.answers == answers and form.progress == "21 / 22 已作答"
    assert InstrumentForm("pulse", language_switch=False).widget.spec["languages"] is None


def test_submitted_paired_answers_score_as_gaps():
    form = InstrumentForm("servqual", lang="en")
    form.set_answers(servqual_answers(expectation=6, perception=4))
    # gap = 4 − 6 = −2 on a 1–7 scale (range 6): score = 100·(−2 + 6)/(2·6) = 33.33 for every item,
    # so every dimension and the weighted index are 33.3
    result = form.score()
    assert result.index == pytest.approx(100 * 4 / 12)
    assert result.dimensions["score"].round(2).tolist() == [33.33] * 5


def test_set_answers_refuses_unknown_items_and_values_off_the_scale():
    form = InstrumentForm("pulse", lang="en")
    with pytest.raises(WorkbookInputError) as err:
        form.set_answers({"recomend": 9})
    assert err.value.keys == ["widgets.unknown_item"] and "recomend" in str(err.value)
    with pytest.raises(WorkbookInputError) as err:
        form.set_answers({"csat": 6})  # 1–5 scale
    assert err.value.keys == ["widgets.bad_answer"]
    with pytest.raises(WorkbookInputError):
        form.set_answers({"touchpoint": "canteen"})
    form.set_answers({"csat": 4.0, "recommend": np.int64(9), "touchpoint": "after_sales", "comment": "  "})
    # 4.0 is the scale point 4; a blank comment is no answer
    assert form.answers == {"recommend": 9, "csat": 4, "touchpoint": "after_sales"}
    sq = InstrumentForm("servqual", lang="en")
    with pytest.raises(WorkbookInputError) as err:
        sq.set_answers({"tangibles_1": 5})
    assert err.value.keys == ["widgets.paired_needs_parts"]
    with pytest.raises(WorkbookInputError) as err:
        sq.set_answers({"tangibles_1": {"hope": 5}})
    assert err.value.keys == ["widgets.unknown_part"]


def test_segment_must_be_chosen_and_hides_the_items_that_do_not_apply():
    form = InstrumentForm("service_grading", lang="zh")
    assert form.progress == "0 / 18 已作答"
    form.set_answers({item: 3 for item in form.items})
    assert form.submit() is False
    assert "请先在上方选择适用对象" in form.prompt
    form.widget.segment = "C"  # chosen in the page
    # 11 of the 18 items apply to class C dealers (the others name A and/or B in applies_to)
    assert form.progress == "11 / 11 已作答"
    assert "可以提交" in form.prompt  # the prompt moved on with the choice
    assert "pre_3" in form.widget.status["hidden"]
    assert "pre_3" not in form.answers and len(form.answers) == 11
    assert form.submit() is True
    assert form.score().segment == "C"
    with pytest.raises(WorkbookInputError):
        InstrumentForm("service_grading", segment="D")
    preset = InstrumentForm("service_grading", lang="en", segment="B")
    # 15 items apply to class B; pre_3 is for class A only
    assert preset.progress == "0 / 15 answered" and preset.widget.spec["segment"]["label"] == "Applies to"
    assert "pre_3" in preset.widget.status["hidden"] and "pre_1" not in preset.widget.status["hidden"]
    with pytest.raises(WorkbookInputError):
        preset.segment = "D"


def test_idempotency_key_is_reused_on_retry_and_new_after_a_change():
    calls = []

    def flaky(answers, key):
        calls.append(key)
        if len(calls) == 1:
            raise TimeoutError("database did not answer")

    form = InstrumentForm("pulse", lang="en", on_submit=flaky)
    form.set_answers(PULSE_DONE)
    assert form.submit() is None  # failed, shown in the box
    assert form.submit() is True  # the retry
    click_submit(form)  # a double click
    assert calls[0] == calls[1] == calls[2] and len(calls[0]) == 32
    tick(form, "csat", 5)
    assert form.submit() is True
    assert calls[3] != calls[0]
    tick(form, "csat", 4)  # back to the first answers: a new attempt, a new key
    form.submit()
    assert calls[4] not in calls[:4]


def test_keys_work_with_the_store(tmp_path):
    from workbook.store import Store

    store = Store(f"sqlite:///{tmp_path / 'w.sqlite'}")
    team = store.add_team(store.create_session("s"), "t")
    inst = load_instrument("pulse")
    form = InstrumentForm(
        inst, on_submit=lambda answers, key: store.submit(team, inst.id, inst.version, answers, key=key)
    )
    form.set_answers(PULSE_DONE)
    form.submit()
    form.submit()
    assert len(store.submissions(store.sessions()[0])) == 1
    store.close()


def test_a_failing_callback_shows_a_friendly_box_logs_and_keeps_the_answers(caplog):
    def broken(answers, key):
        raise RuntimeError("secret internals <b>")

    form = InstrumentForm("pulse", lang="zh", on_submit=broken)
    form.set_answers(PULSE_DONE)
    with caplog.at_level(logging.ERROR, logger="workbook"):
        assert form.submit() is None
    box = form.errors.widget.value
    assert "出了点问题" in box and "secret" not in box and "Traceback" not in box
    assert form.answers == PULSE_DONE
    assert not form.widget.status["busy"]  # the button is usable again
    assert form.widget.error == box  # shown inside the form's component
    record = next(r for r in caplog.records if r.name == "workbook")
    assert record.exc_info is not None and "InstrumentForm.submit" in record.getMessage()
    # the box follows the language switch, and disappears after a success
    form.relabel("en")
    assert "Something went wrong" in form.errors.widget.value
    form.on_submit = None
    assert form.submit() is True
    assert form.errors.widget.value == ""


def test_input_errors_show_their_own_message_escaped():
    def refuse(answers, key):
        raise fail("answers", "widgets.unknown_item", item="<script>x</script>", known="a")

    form = InstrumentForm("pulse", lang="en", on_submit=refuse)
    form.set_answers(PULSE_DONE)
    assert form.submit() is None
    box = form.errors.widget.value
    assert "the questionnaire has no item" in box
    assert "&lt;script&gt;" in box and "<script>" not in box


def test_safe_callback_on_any_object_with_an_error_box():
    class Demo:
        errors = ErrorBox("en")

        @safe_callback
        def handler(self, change):
            return 1 / change

    demo = Demo()
    assert demo.handler(0) is None
    assert "Something went wrong" in demo.errors.message
    assert demo.handler(4) == 0.25 and demo.errors.message == ""


# ================================================================ the result view


def test_result_view_shows_radar_badge_weakest_and_plan():
    # pulse 9 / 4 / 6: scores 90, 75, 83.3; index 0.4·90 + 0.3·75 + 0.3·83.3 = 83.5 → good (70–85)
    # priorities (100 − score)·w: nps 10·0.4 = 4, csat 25·0.3 = 7.5, ces 16.7·0.3 = 5 → csat, ces, nps
    view = ResultView(score("pulse", PULSE_DONE, lang="en"), lang="en")
    assert view.chart.startswith("<svg") and view.chart in view.html
    assert "Index 83.5 (out of 100)" in view.header
    assert re.search(r"class='wb-badge'[^>]*>good</span>", view.header)
    assert "satisfaction (CSAT): 75.0 (good)" in view.weakest
    assert "customer effort (CES): 83.3" in view.weakest
    plan = re.findall(r"<li[^>]*>(.*?)</li>", view.plan)
    assert plan[0].startswith("satisfaction (CSAT) (75, good): ")
    assert plan[1].startswith("customer effort (CES) (83, good): ")
    assert plan[2].startswith("likelihood to recommend (NPS) (90, excellent): ")
    assert view.spread == ""  # one rater


def test_result_view_marks_dimensions_where_raters_disagree():
    # three raters: recommend 10, 6, 8 → 100, 60, 80 (range 40 ≥ 30: marked);
    # csat 4, 4, 5 → 75, 75, 100 (range 25); ces 7, 7, 7 → 100 (range 0)
    answers = pd.DataFrame(
        {
            "respondent_id": list("aaabbbccc"),
            "item_id": ["recommend", "csat", "ces"] * 3,
            "value": [10, 4, 7, 6, 4, 7, 8, 5, 7],
        }
    )
    view = ResultView(lang="en")
    assert "appears here" in view.header and view.chart == ""
    view.show(score("pulse", answers, lang="en"))
    marked = marked_rows(view.spread)
    assert len(marked) == 1 and "likelihood to recommend (NPS)" in marked[0] and "40.0" in marked[0]
    assert "3 rater(s)" in view.header


def test_result_view_of_a_paired_instrument_and_a_broken_result():
    view = ResultView(score("servqual", servqual_answers(6, 5), lang="zh"), lang="zh")
    assert view.chart.startswith("<svg") and "stroke-dasharray" in view.chart  # the 50 ring
    assert "综合指数" in view.header
    first = view.chart
    assert view.show(object()) is None  # not a result: friendly box, the old chart stays
    assert view.chart == first and "出了点问题" in view.html and first in view.html


def svg_box(svg: str) -> tuple[float, float, float, float]:
    x, y, width, height = map(float, re.search(r'viewBox="([^"]+)"', svg).group(1).split())
    return x, y, x + width, y + height


def test_radar_labels_stay_inside_the_picture_and_are_escaped():
    # Long names on every side: the picture's box grows to hold each wrapped label.
    dims = ["信任度与忠诚度很长的名字", "关系<亲密>度", "忠诚度", "满意度", "沟通顺畅程度", "合作"]
    result = score("relationship", {i.id: 4 for i in load_instrument("relationship").items}, lang="zh")
    renamed = tuple(dataclasses.replace(d, name=n) for d, n in zip(result.by_dimension, dims, strict=False))
    svg = dimension_chart_svg(dataclasses.replace(result, by_dimension=renamed), "zh")
    x0, y0, x1, y1 = svg_box(svg)
    texts = re.findall(
        r'<text x="([-\d.]+)" y="([-\d.]+)" text-anchor="(\w+)" font-size="(\d+)"[^>]*>(.*?)</text>', svg
    )
    assert len(texts) == 2 * 6 + 1  # a label and a value per dimension, and the title
    for x, y, anchor, size, body in texts:
        x, y, size = float(x), float(y), float(size)
        lines = [html.unescape(line) for line in re.findall(r"<tspan[^>]*>(.*?)</tspan>", body)]
        width = max(_text_width(line) for line in lines) * size
        left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
        assert x0 <= left and left + width <= x1, lines  # inside the picture, left and right
        assert y0 <= y - size and y + size * 1.2 * (len(lines) - 1) <= y1, lines  # and top and bottom
    assert "关系&lt;亲密&gt;" in svg and "<亲密>" not in svg
    # 6 characters per line in Chinese: the first name is cut into two lines
    assert ">信任度与忠诚<" in svg and ">度很长的名字<" in svg


def test_bars_when_fewer_than_three_dimensions():
    result = score("pulse", PULSE_DONE, lang="en")
    two = dataclasses.replace(result, by_dimension=result.by_dimension[:2])
    svg = dimension_chart_svg(two, "en")
    assert svg.count("<rect") == 2 and "<polygon" not in svg


# ================================================================ explorers


def three_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "purchase_potential": [100_000.0, 400_000.0, 1_000_000.0],
            "gross_profit_12m": [10_000.0, 30_000.0, 20_000.0],
            "revenue_12m": [50_000.0, 100_000.0, 90_000.0],
            "satisfaction": [2, 4, 5],
            "trust": [2, 4, 3],
            "cooperation": [1, 3, 5],
            "recommend_score": [0, 6, 10],
            "referrals": [0, 1, 5],
        },
        index=["A", "B", "C"],
    )


def test_value_matrix_explorer_rescores_when_weights_and_thresholds_move():
    explorer = ValueMatrixExplorer(three_customers(), lang="en")
    expected = vm.value_scores(three_customers(), explain=False)
    pd.testing.assert_series_equal(explorer.scores, expected["value_score"])
    start_png = explorer.chart.value
    assert bytes(start_png).startswith(PNG)
    # only loyalty: (s + t)/2 = 2, 4, 4 on 1–5 → (x − 1)/4 = 0.25, 0.75, 0.75 → 25, 75, 75 → low, high, high
    explorer.set({d: 0.0 for d in vm.DIMENSIONS if d != "loyalty"})
    assert explorer.scores.tolist() == [25.0, 75.0, 75.0]
    assert explorer.counts.to_dict() == {"low": 1, "mid": 0, "high": 2}
    # only cooperation: 1, 3, 5 → 0, 50, 100 → low, mid, high
    explorer.sliders["cooperation"].value = 1.0
    explorer.sliders["loyalty"].value = 0.0
    assert explorer.scores.tolist() == [0.0, 50.0, 100.0]
    assert explorer.counts.to_dict() == {"low": 1, "mid": 1, "high": 1}
    # cut-offs 60 / 90: 50 drops to low
    explorer.thresholds_slider.value = (60, 90)
    assert explorer.counts.to_dict() == {"low": 2, "mid": 0, "high": 1}
    assert "willingness to cooperate 100%" in explorer.note.value
    assert "90 or more is high value, 60 or more mid value" in explorer.threshold_note.value
    assert explorer.chart.value != start_png


def test_value_matrix_explorer_refuses_all_zero_weights_without_losing_the_sliders():
    explorer = ValueMatrixExplorer(three_customers(), lang="en")
    *others, last = vm.DIMENSIONS
    explorer.set(dict.fromkeys(others, 0.0))
    before = explorer.counts.copy()
    explorer.sliders[last].value = 0.0
    assert all(s.value == 0.0 for s in explorer.sliders.values())
    assert "weights" in explorer.errors.widget.value.lower()
    pd.testing.assert_series_equal(explorer.counts, before)  # the last good result stays on screen
    explorer.reset_button.click()
    assert explorer.errors.widget.value == "" and explorer.weights["profit_contribution"] == 0.3
    with pytest.raises(WorkbookInputError):
        explorer.set({"loyality": 0.5})  # misspelt: refused before any slider moves
    assert explorer.weights["loyalty"] == 0.2


def test_value_matrix_explorer_on_many_customers_counts_tier_moves():
    explorer = ValueMatrixExplorer(simulate_customers(300), lang="zh")
    start = explorer.counts.copy()
    explorer.sliders["referral"].value = 1.0
    assert explorer.counts.sum() == 300
    assert not explorer.counts.equals(start)
    assert explorer.changed > 0 and f"{explorer.changed} 位客户换了档" in explorer.summary.value
    assert "高价值" in explorer.table.value


def five_buyers() -> pd.DataFrame:
    # customer k (1..5) has k orders of 100·k CNY, the last one 10·(6 − k) days before 2026-06-30,
    # so with 5 customers R = F = M = k
    rows = [
        (f"C{k}", pd.Timestamp("2026-06-30") - pd.Timedelta(days=10 * (6 - k) + j), 100.0 * k)
        for k in range(1, 6)
        for j in range(k)
    ]
    return pd.DataFrame(rows, columns=["customer_id", "order_date", "amount"])


def test_rfm_segment_map_counts_cells_and_lists_a_segment():
    names = pd.DataFrame({"customer_id": [f"C{k}" for k in range(1, 6)], "name": list("甲乙丙丁戊")})
    rfm = RfmSegmentMap(five_buyers(), as_of="2026-06-30", customers=names, lang="zh")
    assert rfm.scores["rfm_cell"].tolist() == [111, 222, 333, 444, 555]
    # the diagonal R = F = k holds one customer each; the grid is R 5 → 1 by F 1 → 5
    assert np.array_equal(rfm.grid.to_numpy(), np.fliplr(np.eye(5, dtype=int)))
    # (1,1), (2,2) hibernating; (3,3) need_attention; (4,4) loyal; (5,5) champions
    assert rfm.segment_counts[
        ["hibernating", "need_attention", "loyal", "champions", "cant_lose"]
    ].tolist() == [
        2,
        1,
        1,
        1,
        0,
    ]
    png = rfm.chart.value
    assert bytes(png).startswith(PNG)
    rfm.dropdown.value = "hibernating"
    assert rfm.members.index.tolist() == ["C2", "C1"]  # highest spend first: 2·200 > 1·100
    assert "沉睡" in rfm.table.value and "乙" in rfm.table.value and "2-2-2" in rfm.table.value
    assert rfm.chart.value != png  # its cells are outlined
    rfm.pick("cant_lose")
    assert rfm.members.empty and "没有客户" in rfm.table.value


def test_nps_calculator_matches_the_hand_worked_numbers_and_flags_the_passives_mistake():
    calc = NpsCalculator(50, 30, 20, lang="en")
    # NPS = 50 % − 20 % = 30; SE = 100·√((.5·.5 + .2·.8 + 2·.5·.2)/100) = 100·√(.61/100) = 7.81
    # 95 % CI = 30 ± 1.96·7.81 = 14.7 … 45.3
    assert calc.nps == pytest.approx(30.0)
    assert "NPS = 30.0" in calc.output.value
    assert "14.7 to 45.3" in calc.output.value and "standard error 7.8" in calc.output.value
    # passives left out: (50 − 20)/70 = 42.86, 12.86 points too high
    assert "gives 42.9, 12.9 points higher" in calc.hint.value
    calc.passives.value = 0
    assert "Leaving the passives out" not in calc.hint.value
    # 3 / 0 / 7: NPS = 30 − 70 = −40 with n = 10: small-sample warning
    calc.promoters.value, calc.detractors.value = 3, 7
    assert calc.nps == pytest.approx(-40.0)
    assert "Only 10 answers" in calc.hint.value
    calc.promoters.value = calc.detractors.value = 0
    assert calc.nps is None and "Enter how many" in calc.output.value


def risk_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["A", "B", "C", "D"],
            "overdue_days": [0, 40, 100, 200],
            "overdue_amount": [0.0, 0.0, 0.0, 0.0],
            "orders_12m": [12, 12, 12, 12],
            "satisfaction": [4, 4, 4, 4],
            "last_purchase_date": pd.to_datetime(["2026-06-30"] * 4),
        }
    )


def test_risk_threshold_tuner_counts_flags_per_signal():
    tuner = RiskThresholdTuner(risk_customers(), lang="en")
    # days overdue 0, 40, 100, 200 with amber 30 / red 90: B amber; C, D red
    assert tuner.flags.loc["overdue_days"].tolist() == [1, 2]
    # long overdue 120 / 180: only D (200) is red
    assert tuner.flags.loc["legal_overdue"].tolist() == [0, 1]
    assert tuner.levels.to_dict() == {"green": 1, "amber": 1, "red": 2}
    tuner.sliders["overdue_days"].value = (50, 150)
    # now 100 is amber and 200 red; 40 is green
    assert tuner.flags.loc["overdue_days"].tolist() == [1, 1]
    assert tuner.levels.to_dict() == {"green": 2, "amber": 1, "red": 1}
    assert "4 customers: 2 green, 1 amber, 1 red" in tuner.summary.value
    # the year-on-year signals need the previous snapshot
    assert tuner.sliders["frequency_drop"].disabled
    assert "needs the previous snapshot" in tuner.table.value


def test_risk_threshold_tuner_with_the_previous_snapshot():
    before = risk_customers().assign(orders_12m=[12, 12, 24, 12], satisfaction=[4, 4, 4, 5])
    tuner = RiskThresholdTuner(risk_customers(), previous=before, lang="zh")
    # orders 24 → 12 is −50 %: amber (30–60); satisfaction 5 → 4 is −1: amber (1–2)
    assert tuner.flags.loc["frequency_drop"].tolist() == [1, 0]
    assert tuner.flags.loc["satisfaction_drop"].tolist() == [1, 0]
    assert not tuner.sliders["frequency_drop"].disabled
    assert "信用风险" in tuner.table.value


def test_every_view_follows_the_active_language_by_default():
    with i18n.language("en"):
        assert NpsCalculator().lang == "en"
        assert InstrumentForm("pulse").progress.endswith("answered")
    assert NpsCalculator(lang="zh").output.value == "请输入三类受访者的人数。"
