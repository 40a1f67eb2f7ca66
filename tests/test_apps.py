"""The classroom apps driven in pytest exactly as a person uses them: type, choose, click, read the page."""

import io
import json
import re
import time
import zipfile

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook
from PIL import Image

from workbook import apps, data
from workbook import value_matrix as vm
from workbook.store import Store, hash_trainer_code, new_key

CODE = "潮汐-2026"


@pytest.fixture
def store(store_url):
    with Store(store_url) as opened:
        yield opened


@pytest.fixture
def dashboard(store):
    board = apps.TrainerDashboardApp(store, code_hash=hash_trainer_code(CODE, iterations=1000))
    assert board.unlock(CODE)
    board.create("华东区大客户培训")
    return board


def join(store, code, team, instrument="pulse", name=None, lang="zh", account=""):
    app = apps.SelfAssessmentApp(store, lang=lang)
    app.code.value = code.lower()  # codes are typed carelessly: case and spaces do not matter
    app.name.value = name or ""
    app.join()
    app.team_picker.value = team
    app.instrument_picker.value = instrument
    app.account.value = account
    app.start()
    return app


# ------------------------------------------------------------------ self-assessment


def test_team_result_combines_the_latest_answer_of_each_member(store, dashboard):
    code = dashboard.session.code
    first = join(store, code, "一队", name="张三")
    first.form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
    assert first.form.submit()
    second = join(store, code, "一队", name="李四")
    second.form.set_answers({"recommend": 5, "csat": 2, "ces": 3})
    second.form.submit()
    result = second.team_result()
    # pulse dimensions are single items on 0–100: recommend 100·9/10 = 90 and 100·5/10 = 50 → mean 70;
    # csat 100·(4−1)/4 = 75 and 100·(2−1)/4 = 25 → 50; ces 100·(6−1)/6 = 83.33 and 100·(3−1)/6 = 33.33 → 58.33
    scores = result.dimensions["score"].round(2).to_dict()
    assert scores == {"nps": 70.0, "csat": 50.0, "ces": 58.33}
    assert result.n_respondents == 2
    assert "一队" in second.result_heading.value and "2" in second.result_heading.value
    # 张三 changes his mind and submits again: still two raters, his latest answers count
    first.form.set_answers({"recommend": 10})
    first.form.submit()
    again = first.team_result().dimensions["score"]
    assert first.team_result().n_respondents == 2 and again["nps"] == pytest.approx((100 + 50) / 2)


def test_double_click_and_retry_store_one_submission(store, dashboard):
    app = join(store, dashboard.session.code, "一队")
    app.form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
    app.form.submit()
    app.form.submit()  # a double click sends the same idempotency key
    assert len(store.submissions(dashboard.session)) == 1


def test_a_trainee_sees_only_their_own_team(store, dashboard):
    code = dashboard.session.code
    ours = join(store, code, "一队")
    ours.form.set_answers({"recommend": 0, "csat": 1, "ces": 1})
    ours.form.submit()
    theirs = join(store, code, "二队")
    theirs.form.set_answers({"recommend": 10, "csat": 5, "ces": 7})
    theirs.form.submit()
    assert ours.team_result().index == 0 and theirs.team_result().index == 100
    page = ours.result.html + ours.result_heading.value
    assert "二队" not in page and "一队" in page


def test_the_team_result_is_shown_only_after_ones_own_submission(store, dashboard):
    code = dashboard.session.code
    for name, answers in (
        ("张三", {"recommend": 9, "csat": 4, "ces": 6}),
        ("李四", {"recommend": 5, "csat": 2, "ces": 3}),
    ):
        member = join(store, code, "华东一组", name=name)
        member.form.set_answers(answers)
        member.form.submit()
    newbie = join(store, code, "华东一组", name="王五")  # answered nothing yet
    assert newbie.team_result() is None
    assert newbie.result.widget.layout.display == "none" and newbie.result_heading.value == ""
    assert "张三" not in newbie.result.html and "综合指数" not in newbie.result.html
    newbie.form.set_answers({"recommend": 7})
    assert newbie.form.submit() is False and newbie.team_result() is None  # a refused submit is not one
    newbie.form.set_answers({"csat": 3, "ces": 4})
    assert newbie.form.submit()
    assert newbie.team_result().n_respondents == 3 and newbie.result.widget.layout.display is None
    assert "华东一组" in newbie.result_heading.value and "3" in newbie.result_heading.value


def test_a_submission_for_another_account_does_not_show_this_accounts_team_result(store, dashboard):
    code = dashboard.session.code
    answers = {item: 4 for item in numeric_items("relationship")}
    other = join(store, code, "一队", instrument="relationship", account="C1", name="甲")
    other.form.set_answers(answers)
    other.form.submit()
    me = join(store, code, "一队", instrument="relationship", account="C2", name="乙")
    me.form.set_answers(answers)
    me.form.submit()  # for C2
    me.account.value = "C1"
    me.start()  # the same questionnaire for C1: not answered by me yet
    assert me.team_result() is None and me.result.widget.layout.display == "none"


def numeric_items(instrument_id: str) -> list[str]:
    inst = apps.load_instrument(instrument_id)
    return [item.id for item in inst.items if inst.scales[inst.scale_of(item)].numeric]


def browser(store, code, team, name, token, **kwargs):
    """A page in one browser: ``token`` is what that browser keeps; the page sends it on opening."""
    app = apps.SelfAssessmentApp(store)
    app.keeper.token = token
    app.code.value, app.name.value = code, name
    app.join()
    app.team_picker.value, app.instrument_picker.value = team, kwargs.get("instrument", "pulse")
    app.start()
    return app


def test_the_same_name_in_two_browsers_is_two_respondents_and_nobody_is_overwritten(store, dashboard):
    code = dashboard.session.code
    first = browser(store, code, "华东一组", "张三", "a" * 32)
    first.form.set_answers({"recommend": 10, "csat": 5, "ces": 7})
    first.form.submit()
    impostor = browser(store, code, "华东一组", "张三", "b" * 32)  # types the same name elsewhere
    impostor.form.set_answers({"recommend": 0, "csat": 1, "ces": 1})
    impostor.form.submit()
    assert first.respondent.id != impostor.respondent.id
    stored = store.submissions(dashboard.session)
    assert stored["respondent"].tolist() == ["张三", "张三 (2)"]  # what the dashboard lists
    # both count: the first one's answers were not replaced (index 100 and 0 → mean 50)
    result = first.team_result()
    assert result.n_respondents == 2 and result.index == pytest.approx(50)
    assert [p.label for p in store.respondents(first.team)] == ["张三", "张三 (2)"]


def test_the_same_browser_joining_again_is_the_same_respondent_and_may_revise(store, dashboard):
    code = dashboard.session.code
    first = browser(store, code, "一队", "张三", "c" * 32)
    first.form.set_answers({"recommend": 10, "csat": 5, "ces": 7})
    first.form.submit()
    again = browser(store, code, "一队", "张三丰", "c" * 32)  # reloaded, typed the name differently
    assert again.respondent.id == first.respondent.id
    again.form.set_answers({"recommend": 0, "csat": 1, "ces": 1})
    again.form.submit()
    result = again.team_result()
    assert result.n_respondents == 1 and result.index == 0  # the latest answers count, once
    assert len(store.submissions(dashboard.session)) == 2


def test_a_replayed_key_with_other_answers_is_refused_in_the_page(store, dashboard):
    app = browser(store, dashboard.session.code, "一队", "张三", "d" * 32)
    app.form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
    app.form.submit()
    app._keep_draft()  # what the browser held while that submit was under way
    forged = {**json.loads(json.dumps(app.keeper.draft)), "answers": {"recommend": 0, "csat": 1, "ces": 1},
              "key": app.form.key, "sending": True}  # the same key, other answers  # fmt: skip
    page = apps.SelfAssessmentApp(store)
    page.keeper.token = "d" * 32
    page.keeper.restored = forged
    assert "store.key_conflict" in page.form.errors.error.keys
    assert page.form.answers == {"recommend": 0, "csat": 1, "ces": 1}  # kept in the page
    stored = store.submissions(dashboard.session)
    assert len(stored) == 1 and stored["answers"].iloc[0] == {"recommend": 9, "csat": 4, "ces": 6}


def test_a_link_with_the_code_joins_at_once_and_the_language_is_remembered(store, dashboard):
    page = apps.SelfAssessmentApp(store)
    page.keeper.lang = "en"  # the language this browser chose last time
    page.keeper.url_code = dashboard.session.code  # the page's own ?code=
    assert page.lang == "en" and page.join_button.description == "Join"
    assert page.code.value == dashboard.session.code and page.session == dashboard.session
    assert page.setup_box.layout.display is None and page.errors.message == ""
    page.language.value = "zh"
    assert page.keeper.lang == "zh"  # the browser keeps the new choice
    wrong = apps.SelfAssessmentApp(store)
    wrong.keeper.url_code = "ZZZZZZ"
    assert "ZZZZZZ" in wrong.errors.message and wrong.code.value == "ZZZZZZ"


def test_relationship_rates_one_account_and_asks_for_it(store, dashboard):
    app = join(store, dashboard.session.code, "一队", instrument="relationship")
    assert app.form is None and "关键客户" in app.errors.message  # refused, nothing lost
    app.account.value = "C00017 华东精密"
    app.start()
    assert app.errors.message == "" and app.form is not None
    app.form.set_answers({item: 4 for item in numeric_items("relationship")})
    app.form.submit()
    stored = store.submissions(dashboard.session)
    assert stored["account"].tolist() == ["C00017 华东精密"]
    assert app.team_result().level is not None


def test_wrong_code_is_a_message_in_the_page(store, dashboard):
    app = apps.SelfAssessmentApp(store)
    app.code.value = "ZZZZZZ"
    app.join()
    assert "ZZZZZZ" in app.errors.message and app.setup_box.layout.display == "none"
    assert app.code.value == "ZZZZZZ"  # what was typed stays for correcting


def test_language_switch_keeps_the_answers_and_relabels(store, dashboard):
    app = join(store, dashboard.session.code, "一队")
    app.form.set_answers({"recommend": 7})
    app.language.value = "en"
    assert app.form.answers == {"recommend": 7}
    assert app.join_button.description == "Join" and "Self-assessment" in app.heading.value


def test_service_grading_keeps_the_dealer_class_with_the_answers(store, dashboard):
    app = join(store, dashboard.session.code, "经销商组", instrument="service_grading")
    app.form.segment = "B"
    app.form.set_answers({item: 3 for item, spec in app.form.items.items() if app.form._applies(spec)})
    app.form.submit()
    stored = store.submissions(dashboard.session)["answers"].iloc[0]
    assert stored[apps.SEGMENT_KEY] == "B"
    assert app.team_result().segment == "B"


def tick(app, answers):
    """Answer as a person does, one click per item (each click updates the browser's draft)."""
    for item, value in answers.items():
        app.form.widget.answers = {**app.form.widget.answers, item: value}  # as the page sends it


def reopen(store, old):
    """A new page in the same browser: the draft it kept goes through JSON to the new kernel."""
    page = apps.SelfAssessmentApp(store)
    page.keeper.token = old.token  # the same browser: the same token comes first
    page.keeper.restored = json.loads(json.dumps(old.keeper.draft))
    return page


def test_answers_in_progress_come_back_in_a_reopened_page(store, dashboard):
    app = join(store, dashboard.session.code, "一队", name="王五", lang="en")
    tick(app, {"recommend": 8, "csat": 3})
    assert app.keeper.draft["answers"] == {"recommend": 8, "csat": 3}
    page = reopen(store, app)  # the kernel died; the page reopened itself
    assert page.lang == "en" and page.team_picker.value == "一队" and page.name.value == "王五"
    assert page.form.answers == {"recommend": 8, "csat": 3}
    assert "brought back" in page.resumed.value and len(store.submissions(dashboard.session)) == 0
    assert page.keeper.draft["answers"] == {"recommend": 8, "csat": 3}  # kept again, should it die too
    tick(page, {"ces": 5})
    assert page.form.submit()
    assert page.keeper.draft == {}  # acknowledged: the browser forgets the copy
    stored = store.submissions(dashboard.session)
    assert len(stored) == 1 and stored["respondent_id"].iloc[0] == app.respondent.id


@pytest.mark.parametrize("dies", ["before_storing", "after_storing"])
def test_a_submit_cut_off_by_a_dying_kernel_is_resent_and_stored_once(store, dashboard, dies):
    app = join(store, dashboard.session.code, "二队")
    tick(app, {"recommend": 9, "csat": 4, "ces": 6})
    submit = app.store.submit

    def cut_off(*args, **kwargs):
        if dies == "after_storing":
            submit(*args, **kwargs)
        raise ConnectionError("kernel gone")  # nothing after this reaches the page

    app.store = type("Dying", (), {"submit": staticmethod(cut_off)})()
    app.form.submit()
    assert app.keeper.draft["sending"] and app.keeper.draft["key"] == app.form.key
    page = reopen(store, app)
    stored = store.submissions(dashboard.session)
    assert len(stored) == 1 and stored["idempotency_key"].iloc[0] == app.form.key
    assert "重新发送" in page.resumed.value and page.keeper.draft == {}
    assert page.team_result().n_respondents == 1


def test_a_submit_stored_before_its_page_heard_of_it_is_kept_once_when_resent(store, dashboard):
    # The server died after storing, before the page learnt a submit was under way: the browser
    # kept only the answers. Their key was in that copy already, so resending them stores nothing new.
    app = join(store, dashboard.session.code, "二队")
    tick(app, {"recommend": 7, "csat": 4, "ces": 5})
    kept = json.loads(json.dumps(app.keeper.draft))  # what the browser held when the server died
    assert not kept["sending"] and kept["key"]
    app.form.submit()
    page = apps.SelfAssessmentApp(store)
    page.keeper.token, page.keeper.restored = app.token, kept
    assert page.form.answers == {"recommend": 7, "csat": 4, "ces": 5} and page.form.submit()
    stored = store.submissions(dashboard.session)
    assert len(stored) == 1 and stored["idempotency_key"].iloc[0] == kept["key"]


def test_a_draft_from_an_earlier_day_is_not_brought_back(store, dashboard):
    app = join(store, dashboard.session.code, "一队")
    tick(app, {"recommend": 8})
    app.keeper.draft = {**app.keeper.draft, "saved": time.time() - apps.DRAFT_MAX_AGE_S - 60}
    page = reopen(store, app)
    assert page.session is None and page.form is None and page.code.value == ""


LEAN_KERNEL_FLOW = """
import sys
from workbook import apps
from workbook.store import Store, hash_trainer_code
store = Store(sys.argv[1])
session = store.create_session("t", trainer_code_hash=hash_trainer_code("K7M2QX", iterations=1000))
def answer(name, instrument, answers, account=""):
    app = apps.SelfAssessmentApp(store)
    app.code.value, app.name.value = session.code, name
    app.join()
    app.team_picker.value, app.instrument_picker.value, app.account.value = "一队", instrument, account
    app.start()
    app.form.set_answers(answers)
    assert app.form.submit(), app.errors.message
    return app.team_result()
answer("A", "pulse", {"recommend": 9, "csat": 4, "ces": 6})
pulse = answer("B", "pulse", {"recommend": 5, "csat": 2, "ces": 3})
inst = apps.load_instrument("relationship")
fours = {item.id: 4 for item in inst.items if inst.scales[inst.scale_of(item)].numeric}
account = answer("A", "relationship", fours, account="C00017")  # scored and drawn (radar)
page = apps.SelfAssessmentApp(store)
page.code.value, page.name.value = session.code, "C"
page.join()
page.team_picker.value, page.instrument_picker.value = "一队", "pulse"
page.start()
page.form.set_answers({"recommend": 8, "csat": 4, "ces": 5})
page.language.value = "en"  # relabels the page and its team result
assert page.form.submit() and "<svg" in page.result.html, page.errors.message
loaded = [sys.modules.get(name) is not None for name in ("pyarrow", "pandas")]
print(pulse.n_respondents, account.level is not None, *loaded)
"""


def test_the_self_assessment_runs_in_a_kernel_without_pyarrow_or_pandas(tmp_path):
    """``workbook serve`` starts the trainees' kernels without pyarrow (40 MB less each), and the
    self-assessment never imports pandas (25 MB less each): the app must join, store, score and
    draw the team result there exactly as elsewhere."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "WORKBOOK_WITHOUT_PYARROW": "1"}
    run = subprocess.run(
        [sys.executable, "-c", LEAN_KERNEL_FLOW, f"sqlite:///{tmp_path / 'lean.sqlite'}"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr[-2000:]
    # Scored and drawn; pyarrow and pandas never loaded.
    assert run.stdout.split() == ["2", "True", "False", "False"]


def test_the_page_answers_the_browsers_ping():
    keeper = apps.BrowserDraft(storage_key="test")
    sent = []
    keeper.send = sent.append
    keeper._answer_ping(keeper, {"ping": True}, [])
    assert sent == [{"pong": True}]


# ------------------------------------------------------------------ value-matrix explorer


@pytest.fixture(scope="module")
def explorer():
    return apps.ValueMatrixExplorerApp()


def test_explorer_starts_on_the_sample_and_lists_strategies(explorer):
    assert int(explorer.explorer.counts.sum()) == 2000
    assert "指定专属客户经理" in explorer.strategies.value


def test_bad_upload_shows_the_loader_message_and_keeps_everything(explorer):
    explorer.explorer.set({"referral": 0.5})
    before = explorer.explorer.weights
    explorer.load_upload([{"name": "客户表.csv", "content": "客户编号,满意度\nC1,9\n".encode()}])
    assert "客户表.csv" in explorer.errors.message and "超出范围" in explorer.errors.message
    assert explorer.explorer.weights == before and len(explorer.customers) == 2000


def test_oversized_upload_is_refused_before_reading(explorer):
    explorer.load_upload([{"name": "big.csv", "content": b"x" * (apps.UPLOAD_MAX_BYTES + 1)}])
    assert "big.csv" in explorer.errors.message and "10 MB" in explorer.errors.message


def test_good_upload_in_gbk_replaces_the_data_and_keeps_the_weights(explorer):
    explorer.explorer.set({"loyalty": 0.6})
    weights = explorer.explorer.weights
    content = (data.DATASETS_DIR / "messy" / "customers_gbk.csv").read_bytes()
    explorer.load_upload([{"name": "customers_gbk.csv", "content": content}])
    assert explorer.errors.message == ""
    assert explorer.source_name == "customers_gbk.csv"
    shares = vm.validate_weights(explorer.explorer.weights)  # the same shares, shown rescaled to 1
    assert np.allclose(shares, vm.validate_weights(weights)[shares.index], atol=0.01)
    explorer.use_sample()


def _business_headers() -> bytes:
    """The sample customers as a CRM exports them: 毛利, 回款金额, 满意 instead of the workbook's names."""
    text = (data.DATASETS_DIR / "customers.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    header = header.replace("gross_profit_12m", "毛利").replace("revenue_12m", "回款金额")
    header = header.replace("satisfaction", "满意", 1)
    return (header + "\n" + rest).encode()


def test_upload_with_unknown_headers_opens_the_mapping_step_and_remembers_it():
    app = apps.ValueMatrixExplorerApp(lang="zh")
    app.load_upload([{"name": "crm.csv", "content": _business_headers()}])
    assert app.errors.message == "" and app.mapping_box.layout.display == "flex"
    assert len(app.customers) == 2000 and app.source_name == "customers.csv"  # nothing replaced yet
    # the likely header is suggested for each missing column, with what the column is for
    assert {c: p.value for c, p in app.pickers.items()} == {
        "satisfaction": "满意",
        "gross_profit_12m": "毛利",
        "revenue_12m": "回款金额",
    }
    assert "利润贡献" in app.mapping_grid.children[1].children[2].value
    app.apply_mapping()
    assert app.errors.message == "" and app.mapping_box.layout.display == "none"
    assert app.source_name == "crm.csv" and app.customers["gross_profit_12m"].notna().all()
    assert app.memory.draft == {
        "mapping": {"满意": "satisfaction", "毛利": "gross_profit_12m", "回款金额": "revenue_12m"}
    }
    # the next page in this browser gets the mapping back and loads the file in one step
    later = apps.ValueMatrixExplorerApp(lang="zh")
    later.memory.restored = app.memory.draft
    later.load_upload([{"name": "crm.csv", "content": _business_headers()}])
    assert later.source_name == "crm.csv" and later.mapping_box.layout.display == "none"


def test_upload_with_a_total_row_says_it_was_skipped():
    app = apps.ValueMatrixExplorerApp(lang="en")
    text = (data.DATASETS_DIR / "customers.csv").read_text(encoding="utf-8")
    total = "合计" + "," * text.split("\n", 1)[0].count(",")
    app.load_upload([{"name": "crm.csv", "content": (text.rstrip("\n") + "\n" + total + "\n").encode()}])
    assert app.errors.message == "" and len(app.customers) == 2000
    assert "total or subtotal rows" in app.source.value and "2002" in app.source.value


def test_an_order_ledger_alone_gives_a_value_matrix_on_revenue_profit_and_frequency():
    app = apps.ValueMatrixExplorerApp(lang="en")
    app.explorer.set({"referral": 0.5})  # a customer table's weights do not carry over to a ledger
    ledger = "客户,日期,金额,毛利\n" + "".join(
        f"C{c:03d},2026-0{m}-10,{1000 * c},{100 * c}\n" for c in range(1, 9) for m in range(1, 1 + c % 4 + 1)
    )
    app.load_upload([{"name": "ledger.csv", "content": ledger.encode()}])
    assert app.errors.message == "" and app.mapping_box.layout.display == "none"
    assert len(app.customers) == 8
    assert app.explorer.dimensions == ("revenue", "profit_contribution", "frequency")
    assert app.explorer.weights == {"revenue": 0.35, "profit_contribution": 0.4, "frequency": 0.25}
    assert "An order ledger" in app.source.value and "purchase frequency" in app.source.value
    assert int(app.explorer.counts.sum()) == 8 and app.explorer.chart.value[:4] == b"\x89PNG"
    scored = app.scored().set_index("customer_id")
    # C007: 4 orders of 7,000 (the most revenue and profit, frequency tied top): 35 + 40 + 25 × 0.9375
    assert scored.loc["C007", "frequency"] == 4 and scored.loc["C007", "avg_spend"] == 7000
    assert scored.loc["C007", "value_score"] == 98.4 and scored.loc["C007", "value_tier"] == "high"
    app.use_sample()  # back to the sample: the five dimensions again
    assert app.explorer.dimensions == (
        "purchase_potential",
        "profit_contribution",
        "loyalty",
        "cooperation",
        "referral",
    )


def test_download_is_an_excel_file_with_formulas_neutralised():
    customers = data.load_customers(data.DATASETS_DIR / "customers.csv").head(20)
    customers.loc[customers.index[0], "name"] = '=HYPERLINK("http://x")'
    app = apps.ValueMatrixExplorerApp(customers)
    app.prepare_download()
    link = app.download.value
    assert 'download="customers_value_matrix.xlsx"' in link
    import base64

    payload = base64.b64decode(link.split("base64,")[1].split('"')[0])
    sheet = load_workbook(io.BytesIO(payload)).active
    rows = list(sheet.values)
    assert rows[1][1].startswith("'=HYPERLINK") and len(rows) == 21
    header = rows[0]
    scored = app.scored()
    assert np.allclose([r[header.index("value_score")] for r in rows[1:]], scored["value_score"])


# ------------------------------------------------------------------ trainer dashboard


def test_dashboard_stays_locked_without_or_with_a_wrong_code(store):
    nothing_set = apps.TrainerDashboardApp(store, code_hash="")
    assert nothing_set.unlock("anything") is None and "--trainer-code" in nothing_set.errors.message
    board = apps.TrainerDashboardApp(store, code_hash=hash_trainer_code(CODE, iterations=1000))
    assert board.unlock("wrong") is None and not board.unlocked
    assert board.live_box.layout.display == "none"
    board.create("x")  # every action checks the lock, not only the layout
    assert store.sessions() == [] and "解锁" in board.errors.message


def test_dashboard_shows_the_join_code_and_counts_live(store, dashboard):
    assert dashboard.session.code in dashboard.join_code.value
    assert "还没有提交" in dashboard.table.value
    app = join(store, dashboard.session.code, "一队")
    app.form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
    app.form.submit()
    dashboard.refresh()  # what the ticker does every few seconds
    assert "一队" in dashboard.table.value and ">1</b>" in dashboard.tiles.value.replace(",", "")
    assert dashboard.comparison.value[:4] == b"\x89PNG" and dashboard.distribution.value[:4] == b"\x89PNG"


def test_dashboard_export_is_a_zip_of_excel_and_csv(store, dashboard):
    app = join(store, dashboard.session.code, "=cmd|'/c calc'!A1")
    app.form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
    app.form.submit()
    dashboard.export()
    assert dashboard.download.filename == f"session-{dashboard.session.code}.zip"
    archive = zipfile.ZipFile(io.BytesIO(dashboard.download.content))
    names = archive.namelist()
    assert any(n.endswith(".xlsx") for n in names) and any(n.endswith("_submissions.csv") for n in names)
    teams = pd.read_csv(archive.open(next(n for n in names if n.endswith("_teams.csv"))))
    assert teams["team"].tolist() == ["'=cmd|'/c calc'!A1"]


def test_landing_links_the_three_apps_in_both_languages():
    page = apps.landing().value
    for notebook in ("self_assessment.ipynb", "value_matrix_explorer.ipynb", "trainer_dashboard.ipynb"):
        assert f"href='{notebook}'" in page
    assert "课堂看板" in page and "Trainer dashboard" in page


def test_re_assessment_session_shows_each_teams_change(store, dashboard):
    first = dashboard.session
    app = join(store, first.code, "一队")
    app.form.set_answers({"recommend": 5, "csat": 2, "ces": 3})  # index 0.4·50 + 0.3·25 + 0.3·33.33 = 37.5
    app.form.submit()
    dashboard.create("第二季度复评", previous=first.id)
    assert dashboard.session.previous_session_id == first.id
    again = join(store, dashboard.session.code, "一队")
    again.form.set_answers({"recommend": 9, "csat": 4, "ces": 6})  # 0.4·90 + 0.3·75 + 0.3·83.33 = 83.5
    again.form.submit()
    dashboard.refresh(force=True)
    trend = dashboard.trend.value
    assert "37.5" in trend and "83.5" in trend and "+46.0" in trend


def submit_pulse(store, session, team, name, answers):
    """One member of ``team`` answers the pulse survey (store level: what the self-assessment stores)."""
    member = store.add_respondent(store.add_team(session, team), name)
    store.submit(member.team_id, "pulse", "1.0", answers, key=new_key(), respondent=member)
    return member


def test_dashboard_asks_for_a_title_and_lists_the_newest_session_first(store, dashboard):
    first = dashboard.session
    dashboard.create("   ")
    assert "起个名字" in dashboard.errors.message and len(store.sessions()) == 1  # asked, not invented
    dashboard.create("第2期")
    assert dashboard.session_picker.options[0][1] == dashboard.session.id != first.id
    again = apps.TrainerDashboardApp(store, code_hash=dashboard.code_hash)  # a trainer opening the page later
    again.unlock(CODE.lower())  # trainer code, like the join code, in any case
    assert again.unlocked and again.session.title == "第2期"
    assert again.session_picker.value == again.session.id


def test_re_assessment_picker_is_labelled_starts_at_first_assessment_and_follows_the_language(dashboard):
    assert dashboard.follows.description == "复评：对比哪一期"
    assert dashboard.follows.options[0] == ("首次评估（不接上期）", 0) and dashboard.follows.value == 0
    dashboard.relabel("en")
    assert dashboard.follows.options[0][0] == "first assessment (no earlier session)"
    assert dashboard.follows.description == "Re-assessment of"


def test_response_tracking_counts_only_stored_answers_per_member(store, dashboard):
    session = dashboard.session
    submit_pulse(store, session, "华东一组", "张三", {"recommend": 9, "csat": 4, "ces": 6})
    submit_pulse(store, session, "华东一组", "张三", {"recommend": 10, "csat": 5, "ces": 7})  # revised: one
    submit_pulse(store, session, "华东一组", "李四", {"recommend": 6, "csat": 3, "ces": 4})
    store.add_respondent(store.add_team(session, "华东一组"), "王五")  # joined, nothing sent yet
    store.add_respondent(store.add_team(session, "华南组"), "赵六")
    dashboard.refresh(force=True)
    text = re.sub(r"<[^>]+>", "|", dashboard.responses.value)
    assert "华东一组|||2 / 3 人已提交||2||王五" in text
    assert "华南组|||0 / 1 人已提交||0||赵六" in text


def test_pulse_survey_shows_nps_with_its_interval_the_groups_csat_ces_and_comments(store, dashboard):
    session = dashboard.session
    praise = "<b>交付快</b>"
    submit_pulse(store, session, "一组", "甲", {"recommend": 10, "csat": 5, "ces": 6, "comment": praise})
    submit_pulse(store, session, "一组", "乙", {"recommend": 6, "csat": 3, "ces": 4, "comment": "  "})
    submit_pulse(store, session, "二组", "丙", {"recommend": 9, "csat": 4, "ces": 5, "comment": "报价不透明"})
    dashboard.refresh(force=True)
    tiles = re.sub(r"<[^>]+>", "|", dashboard.pulse.value)
    # 2 promoters, 1 detractor of 3: NPS = 100·(2/3 − 1/3) = +33; SE = 100·√((2/9 + 2/9 + 4/9)/3) = 54.4,
    # 95 % interval 33.3 ± 1.96·54.4 = −73 … +140, clipped to +100
    assert "+33|NPS（95% 区间 -73 至 +100，3 份）" in tiles
    assert "67%|推荐者（9–10 分，2 人）" in tiles and "33%|贬损者（0–6 分，1 人）" in tiles
    assert "67%|满意度 CSAT" in tiles and "5.0|费力度 CES" in tiles  # 2 of 3 gave 4–5; (6 + 4 + 5) / 3
    comments = dashboard.comments.value
    assert "&lt;b&gt;交付快&lt;/b&gt;" in comments and "<b>交付快" not in comments  # user text is escaped
    assert comments.index("报价不透明") < comments.index("交付快")  # newest first; blank ones left out
    assert dashboard.pulse_chart.value[:4] == b"\x89PNG"


def test_a_closed_session_refuses_answers_and_keeps_them_in_the_page(store, dashboard):
    app = join(store, dashboard.session.code, "一队")
    app.form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
    dashboard.close()
    assert dashboard.session.closed and "已结束" in dashboard.closed_note.value
    assert "已结束" in dashboard.session_picker.options[0][0]
    app.form.submit()
    shown = app.form.errors.message  # in the form, where the trainee pressed submit
    assert "已结束，不再接收提交" in shown and "：发现" not in shown
    assert app.form.answers == {"recommend": 9, "csat": 4, "ces": 6}  # nothing the trainee entered is lost
    assert app.keeper.draft["answers"] == {"recommend": 9, "csat": 4, "ces": 6}  # and the browser keeps it
    assert store.submissions(dashboard.session).empty
    dashboard.close(False)
    app.form.submit()
    assert len(store.submissions(dashboard.session)) == 1


def test_sessions_are_renamed_and_archived_from_the_dashboard(store, dashboard):
    kept = dashboard.session
    dashboard.rename("华东区大客户培训（上午）")
    assert store.session_by_id(kept.id).title == "华东区大客户培训（上午）"
    assert "华东区大客户培训（上午）" in dashboard.session_picker.options[0][0]
    dashboard.archive()
    assert dashboard.session_picker.options == () and dashboard.session is None
    dashboard.show_archived.value = True
    assert dashboard.session_picker.value == kept.id and "已归档" in dashboard.session_picker.options[0][0]
    assert store.session_by_code(kept.code).archived  # kept for reports and exports


def test_reports_are_written_and_offered_as_one_zip_from_the_page(store, dashboard):
    submit_pulse(store, dashboard.session, "华东一组", "张三", {"recommend": 9, "csat": 4, "ces": 6})
    submit_pulse(store, dashboard.session, "华南组", "李四", {"recommend": 3, "csat": 2, "ces": 2})
    dashboard.build_reports()
    assert dashboard.errors.message == ""
    assert dashboard.download.filename == f"reports-{dashboard.session.code}.zip"
    names = zipfile.ZipFile(io.BytesIO(dashboard.download.content)).namelist()
    assert sum(n.endswith(".html") for n in names) == 3 and sum(n.endswith(".xlsx") for n in names) == 3


def test_join_link_and_qr_code_open_the_self_assessment_with_the_code(store):
    import zxingcpp

    board = apps.TrainerDashboardApp(store, code_hash=hash_trainer_code(CODE, iterations=1000),
                                     public_url="http://10.0.0.5:8866/")  # fmt: skip
    board.unlock(CODE)
    board.create("扫码加入")
    link = f"http://10.0.0.5:8866/voila/render/self_assessment.ipynb?code={board.session.code}"
    assert link in board.join_code.value
    decoded = zxingcpp.read_barcodes(Image.open(io.BytesIO(board.qr.value)))
    assert [code.text for code in decoded] == [link]


def test_projector_mode_enlarges_the_page_and_draws_charts_for_the_big_screen(store, dashboard):
    submit_pulse(store, dashboard.session, "一组", "甲", {"recommend": 9, "csat": 4, "ces": 6})
    dashboard.refresh(force=True)
    normal = Image.open(io.BytesIO(dashboard.comparison.value)).width
    dashboard.projector.on = True  # what the browser's button does
    assert "wb-projector" in dashboard.widget._dom_classes
    assert Image.open(io.BytesIO(dashboard.comparison.value)).width > 1.3 * normal
    dashboard.projector.on = False
    assert "wb-projector" not in dashboard.widget._dom_classes


def test_projector_charts_keep_their_smallest_text_at_the_promised_size(store, dashboard):
    from matplotlib.text import Text

    submit_pulse(store, dashboard.session, "一组", "甲", {"recommend": 9, "csat": 4, "ces": 6})
    submit_pulse(store, dashboard.session, "二组", "乙", {"recommend": 3, "csat": 2, "ces": 3})
    dashboard.refresh(force=True)  # picks the questionnaire that has answers
    results = dashboard._team_results(store.submissions(dashboard.session))
    for ax in apps.team_charts(results, "zh"):
        figure = ax.get_figure(root=True)
        texts = [t for t in figure.findobj(Text) if t.get_visible() and t.get_text().strip()]
        smallest = min(t.get_fontsize() for t in texts)
        assert smallest * apps.PROJECTOR_DPI / 72 >= apps.PROJECTOR_CHART_TEXT_PX
        plt.close(figure)


def test_landing_links_the_course_in_jupyterlab_without_its_token(monkeypatch):
    monkeypatch.setenv("WORKBOOK_LAB_URL", "http://127.0.0.1:8888/lab/tree/notebooks")
    page = apps.landing().value
    assert "href='http://127.0.0.1:8888/lab/tree/notebooks'" in page and "课程笔记本（JupyterLab）" in page
    assert "?token=" not in page  # the landing page is for trainees too: the token stays in the banner
    monkeypatch.delenv("WORKBOOK_LAB_URL")
    assert "JupyterLab" not in apps.landing().value  # no Lab started (--lab-port 0): no dead link


def test_a_ledger_upload_names_its_assessment_date_and_the_outlying_dates_set_aside():
    # 24 orders in the first half of 2024 and one typed as 2025 (a year too late): it is set aside
    rows = [f"C{c:03d},2024-0{m}-15,{100 * c}" for c in range(1, 7) for m in range(1, 5)]
    rows += ["C005,2025-04-15,500", "合计,,9999"]
    ledger = "客户,日期,金额\n" + "\n".join(rows) + "\n"
    for lang in ("en", "zh"):
        app = apps.ValueMatrixExplorerApp(lang=lang)
        app.load_upload([{"name": "ledger.csv", "content": ledger.encode()}])
        assert app.errors.message == "" and len(app.customers) == 6
        assert app.customers.attrs["as_of"] == pd.Timestamp("2024-04-15")
        assert "C005 2025-04-15" in app.source.value and "2024-04-15" in app.source.value
        said = {
            "en": ("As of 2024-04-15", "look mistyped", "rows 27", "total or subtotal rows"),
            "zh": ("评估日期：2024-04-15", "疑似录入错误", "第 27 行", "合计/小计行"),
        }  # the ledger's total row, dropped with a notice, is named too
        assert all(text in app.source.value for text in said[lang])
    app.relabel("en")  # the notice follows the language
    assert "As of 2024-04-15" in app.source.value and "C005 2025-04-15" in app.source.value
    app.use_sample()  # the sample has no ledger: no assessment-date notice
    assert "2024-04-15" not in app.source.value


def test_a_page_opening_gets_ipywidgets_own_reply_with_each_state_computed_once(monkeypatch):
    """The widget states a page asks for as it opens: the same reply as ipywidgets', half the work."""
    import ipywidgets as w
    from ipywidgets.widgets.widget import Widget

    page = w.VBox([w.Text(value="华东一组"), w.Image(value=b"\x89PNG\r\n\x1a\n chart bytes")])  # noqa: F841
    ours = Widget._handle_control_comm_msg.__func__
    assert ours.states_once  # installed by importing workbook.apps
    computed, replies = [], []
    get_state = Widget.get_state

    def counted_get_state(self, *args, **kwargs):
        computed.append(self)
        return get_state(self, *args, **kwargs)

    monkeypatch.setattr(Widget, "get_state", counted_get_state)

    class ControlComm:
        def send(self, data=None, buffers=None):
            replies.append((data, [bytes(b) for b in buffers or []]))

    monkeypatch.setattr(Widget, "_control_comm", ControlComm())
    request = {"content": {"data": {"method": "request_states"}}}
    counts = []
    for handler in (ours, ours.ipywidgets_handler):
        computed.clear()
        handler(Widget, request)
        counts.append(len(computed))
    assert replies[0] == replies[1]  # states, buffer paths and the image's bytes, as ipywidgets sends them
    assert b"chart bytes" in b"".join(replies[0][1])
    assert counts[1] == 2 * counts[0] and counts[0] >= 5  # every widget once, not twice
