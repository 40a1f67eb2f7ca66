"""The classroom apps driven in pytest exactly as a person uses them: type, choose, click, read the page."""

import io
import json
import time
import zipfile

import numpy as np
import pandas as pd
import pytest
from openpyxl import load_workbook

from workbook import apps, data
from workbook import value_matrix as vm
from workbook.store import Store, hash_trainer_code

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
    page = ours.result.header.value + ours.result_heading.value
    assert "二队" not in page


def test_relationship_rates_one_account_and_asks_for_it(store, dashboard):
    app = join(store, dashboard.session.code, "一队", instrument="relationship")
    assert app.form is None and "关键客户" in app.errors.message  # refused, nothing lost
    app.account.value = "C00017 华东精密"
    app.start()
    assert app.errors.message == "" and app.form is not None
    app.form.set_answers({item: 4 for item in app.form.rows if app.form.rows[item].scale.numeric})
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
    app.form.segment_picker.value = "B"
    app.form.set_answers(
        {item: 3 for item in app.form.answers or app.form.rows if app.form._applies(app.form.rows[item])}
    )
    app.form.submit()
    stored = store.submissions(dashboard.session)["answers"].iloc[0]
    assert stored[apps.SEGMENT_KEY] == "B"
    assert app.team_result().segment == "B"


def tick(app, answers):
    """Answer as a person does, one click per item (each click updates the browser's draft)."""
    for item, value in answers.items():
        app.form.rows[item].set(value)


def reopen(store, old):
    """A new page in the same browser: the draft it kept goes through JSON to the new kernel."""
    page = apps.SelfAssessmentApp(store)
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


def test_a_draft_from_an_earlier_day_is_not_brought_back(store, dashboard):
    app = join(store, dashboard.session.code, "一队")
    tick(app, {"recommend": 8})
    app.keeper.draft = {**app.keeper.draft, "saved": time.time() - apps.DRAFT_MAX_AGE_S - 60}
    page = reopen(store, app)
    assert page.session is None and page.form is None and page.code.value == ""


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


def test_order_ledger_upload_says_what_the_value_matrix_still_needs():
    app = apps.ValueMatrixExplorerApp(lang="en")
    ledger = "客户,日期,金额\nC001,2026-01-05,1200\nC002,2026-03-02,800\n".encode()
    app.load_upload([{"name": "ledger.csv", "content": ledger}])
    assert app.errors.message == "" and app.mapping_box.layout.display == "flex"
    assert "satisfaction" in app.pickers and "revenue_12m" not in app.pickers  # the ledger gives revenue
    assert len(app.customers) == 2000


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
    link = dashboard.export_link.value
    import base64

    archive = zipfile.ZipFile(io.BytesIO(base64.b64decode(link.split("base64,")[1].split('"')[0])))
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
