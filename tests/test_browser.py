"""A trainer and a trainee in headless Chromium against the real server: join, submit, see it live.

Screenshots land in ``test-artifacts/`` (or ``$WORKBOOK_TEST_ARTIFACTS``) for people to look at.
"""

import re

import psutil
import pytest
from playwright.sync_api import expect

from tests.conftest import TRAINER_CODE, shown_session_code
from workbook.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
WIDGETS = ".jupyter-widgets"


def open_app(browser, url):
    page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page.goto(url)
    page.wait_for_selector(WIDGETS, timeout=90_000)
    return page


def submit_pulse(page, code: str, team: str, name: str, options: tuple[int, int, int]) -> None:
    """Join with ``code`` as ``name`` of ``team``, tick the pulse survey's three answers (option
    positions: recommend 0–10, csat 1–5 and ces 1–7 from position 0) and submit."""
    start_pulse(page, code, team, name)
    tick(page, options)
    page.get_by_role("button", name="提交").click()
    page.get_by_text(f"团队“{team}”的汇总结果").wait_for(timeout=30_000)


def tick(page, options, first: int = 0) -> None:
    """Tap option position ``options[i]`` of the scale of question ``first + i`` (buttons in order)."""
    groups = page.locator(".wbf-scale")
    for group, option in enumerate(options, first):
        groups.nth(group).locator("button").nth(option).click()


def is_ticked(page, group: int, option: int) -> bool:
    button = page.locator(".wbf-scale").nth(group).locator("button").nth(option)
    return button.get_attribute("aria-checked") == "true"


def start_pulse(page, code: str, team: str, name: str) -> None:
    page.get_by_placeholder("例如 AB3K9Z").fill(code)
    page.get_by_placeholder("留空则匿名").fill(name)
    page.get_by_role("button", name="加入课堂").click()
    page.get_by_text("已加入课堂").wait_for(timeout=30_000)
    page.get_by_placeholder("选择或输入团队名称").fill(team)
    page.locator("select").select_option(label="客户脉搏调查（NPS / CSAT / CES）")
    page.get_by_role("button", name="开始填写").click()
    page.locator(".wbf-scale").first.wait_for(timeout=30_000)


def unlock_and_create(browser, url: str, title: str):
    """The trainer opens the dashboard, unlocks it and starts a session; returns (page, join code)."""
    dashboard = open_app(browser, f"{url}/trainer_dashboard.ipynb")
    dashboard.get_by_placeholder("培训师代码").fill(TRAINER_CODE)
    dashboard.get_by_role("button", name="解锁").click()
    dashboard.get_by_role("button", name="新建课堂").click()  # opens the form (already open on an empty list)
    title_box = dashboard.get_by_placeholder("例如“华东区大客户培训", exact=False)
    title_box.fill(title)
    dashboard.get_by_role("button", name="创建课堂").click()
    expect(title_box).to_be_hidden(timeout=30_000)  # created: the form closes, the new code shows
    return dashboard, shown_session_code(dashboard, title)


def test_trainee_submits_and_the_dashboard_shows_it_within_its_refresh(classroom, browser, artifacts):
    # A wrong trainer code is refused in the page; the dashboard stays locked.
    locked = open_app(browser, f"{classroom.url}/trainer_dashboard.ipynb")
    locked.get_by_placeholder("培训师代码").fill("wrong")
    locked.get_by_role("button", name="解锁").click()
    locked.get_by_text("培训师代码不正确").wait_for(timeout=30_000)
    assert not locked.get_by_role("button", name="新建课堂").is_visible()
    locked.close()
    # The trainer unlocks the dashboard and starts a session.
    dashboard, code = unlock_and_create(browser, classroom.url, "华东区大客户培训")
    assert re.fullmatch(r"[A-Z0-9]{6}", code)
    dashboard.screenshot(path=artifacts / "dashboard-empty.png")

    # A trainee joins with the code, picks a team and the pulse survey, fills it in and submits.
    trainee = open_app(browser, f"{classroom.url}/self_assessment.ipynb")
    submit_pulse(trainee, code.lower(), "华东一组", "张三", (9, 3, 5))  # recommend 9, csat 4, ces 6
    trainee.screenshot(path=artifacts / "self-assessment-submitted.png", full_page=True)

    # The language switch relabels the page and keeps the answers.
    trainee.get_by_role("button", name="English").click()
    trainee.get_by_role("button", name="Join").wait_for(timeout=30_000)
    assert is_ticked(trainee, 0, 9)
    trainee.screenshot(path=artifacts / "self-assessment-english.png", full_page=True)

    # The dashboard picks the submission up by itself (refresh every 5 s).
    dashboard.get_by_text("华东一组").first.wait_for(timeout=20_000)
    dashboard.locator(".wb-tile").nth(2).get_by_text("1").wait_for(timeout=20_000)
    dashboard.wait_for_function(  # the team radar and index chart arrive right after the numbers
        "() => [...document.querySelectorAll('img')]"
        ".filter(i => i.offsetParent !== null && i.naturalWidth > 100).length >= 2",
        timeout=20_000,
    )
    dashboard.screenshot(path=artifacts / "dashboard-live.png", full_page=True)
    dashboard.close()
    trainee.close()


def test_value_matrix_explorer_shows_a_bad_upload_in_the_page(classroom, browser, artifacts, tmp_path):
    page = open_app(browser, f"{classroom.url}/value_matrix_explorer.ipynb")
    page.get_by_text("当前数据：customers.csv（2000 家客户）").wait_for(timeout=30_000)
    bad = tmp_path / "客户表.csv"
    bad.write_text("客户编号,满意度\nC1,9\n", encoding="utf-8")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=re.compile("上传客户表")).click()
    chooser.value.set_files(str(bad))
    page.get_by_text("超出范围").first.wait_for(timeout=30_000)
    assert page.get_by_text(
        "当前数据：customers.csv（2000 家客户）"
    ).is_visible()  # the data shown before stays
    assert "Traceback" not in page.content()
    page.screenshot(path=artifacts / "value-matrix-bad-upload.png", full_page=True)
    page.close()


def upload(page, path) -> None:
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name=re.compile("上传客户表")).click()
    chooser.value.set_files(str(path))


def test_value_matrix_explorer_maps_business_headers_once_per_browser(
    classroom, browser, artifacts, tmp_path
):
    from workbook import data

    text = (data.DATASETS_DIR / "customers.csv").read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    header = header.replace("gross_profit_12m", "毛利").replace("revenue_12m", "回款金额")
    crm = tmp_path / "crm导出.csv"
    crm.write_text(header.replace("satisfaction", "满意", 1) + "\n" + rest, encoding="utf-8")
    context = browser.new_context(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{classroom.url}/value_matrix_explorer.ipynb", timeout=120_000)
    page.get_by_text("当前数据：customers.csv（2000 家客户）").wait_for(timeout=90_000)
    upload(page, crm)
    apply = page.get_by_role("button", name=re.compile("应用列映射"))
    apply.wait_for(timeout=30_000)
    assert page.get_by_text("没有认出来").is_visible() and "Traceback" not in page.content()
    page.screenshot(path=artifacts / "value-matrix-mapping-step.png", full_page=True)
    apply.click()
    page.get_by_text("当前数据：crm导出.csv（2000 家客户）").wait_for(timeout=30_000)
    assert not apply.is_visible()
    page.screenshot(path=artifacts / "value-matrix-mapped.png", full_page=True)
    # A new page in the same browser: the mapping is remembered, the file loads in one step.
    again = context.new_page()
    again.goto(f"{classroom.url}/value_matrix_explorer.ipynb", timeout=120_000)
    again.get_by_text("当前数据：customers.csv（2000 家客户）").wait_for(timeout=90_000)
    upload(again, crm)
    again.get_by_text("当前数据：crm导出.csv（2000 家客户）").wait_for(timeout=30_000)
    again.screenshot(path=artifacts / "value-matrix-mapping-remembered.png", full_page=True)
    context.close()


def kill_kernel(page) -> None:
    """SIGKILL the kernel behind ``page``, as an out-of-memory kill or a crash would."""
    kernel_id = page.evaluate(
        "() => JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
    )
    killed = []
    for process in psutil.process_iter(["cmdline"]):
        if any(kernel_id in part for part in process.info["cmdline"] or []):
            process.kill()
            killed.append(process.pid)
    assert killed, f"no process for kernel {kernel_id}"


def test_answers_survive_a_dead_kernel_and_the_page_reopens_by_itself(classroom, browser, artifacts):
    dashboard, code = unlock_and_create(browser, classroom.url, "断线演练")
    dashboard.close()
    page = open_app(browser, f"{classroom.url}/self_assessment.ipynb")
    start_pulse(page, code, "华南组", "赵六")
    tick(page, (7, 2))  # recommend 7, csat 3; the effort question is still open
    page.wait_for_function(  # the browser holds the copy before anything goes wrong
        "() => (localStorage.getItem('workbook-draft:self-assessment') || '').includes('csat')"
    )
    kill_kernel(page)
    page.get_by_text("与服务器的连接中断了", exact=False).wait_for(timeout=30_000)
    page.screenshot(path=artifacts / "self-assessment-connection-lost.png", full_page=True)

    # The page reopens with a new kernel by itself and fills the answers in again.
    page.get_by_text("已恢复您在本浏览器中尚未提交的答案").wait_for(timeout=90_000)
    assert is_ticked(page, 0, 7) and is_ticked(page, 1, 2)
    page.screenshot(path=artifacts / "self-assessment-restored.png", full_page=True)
    tick(page, (4,), first=2)
    page.get_by_role("button", name="提交").click()
    page.get_by_text("团队“华南组”的汇总结果").wait_for(timeout=30_000)
    page.close()

    with Store(f"sqlite:///{classroom.folder / 'workbook.sqlite'}") as store:
        stored = store.submissions(store.session_by_code(code))
    assert len(stored) == 1
    assert stored["answers"].iloc[0] == {"recommend": 7, "csat": 3, "ces": 5}


def test_value_matrix_explorer_values_an_order_ledger_alone(classroom, browser, artifacts, tmp_path):
    ledger = tmp_path / "订单台账.csv"
    rows = [
        f"K{c:03d},公司{c}号,2026-0{m}-1{c % 9},{800 * c},{90 * c}"
        for c in range(1, 41)
        for m in range(1, c % 5 + 2)
    ]
    ledger.write_text("客户编号,客户名称,订单日期,金额,毛利\n" + "\n".join(rows) + "\n", encoding="utf-8")
    page = open_app(browser, f"{classroom.url}/value_matrix_explorer.ipynb")
    page.get_by_text("当前数据：customers.csv（2000 家客户）").wait_for(timeout=30_000)
    upload(page, ledger)
    page.get_by_text("当前数据：订单台账.csv（40 家客户）").wait_for(timeout=30_000)
    assert page.get_by_text("这是订单台账：按营收规模、利润贡献、购买频次计算价值分").is_visible()
    assert "Traceback" not in page.content()
    assert page.locator(".widget-slider").count() == 4  # three weights and the tier cut-offs
    page.screenshot(path=artifacts / "value-matrix-ledger.png", full_page=True)
    page.close()
