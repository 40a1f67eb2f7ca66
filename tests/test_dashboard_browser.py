"""The trainer dashboard on a classroom projector, in headless Chromium against the real server.

Projectors show 1920×1080 or 1280×720. In projector mode the page must use the whole width, body
text must be at least 20 px and chart text at least 16 px as the screen shows it, and the join
code and its QR code must be readable from the back of the room: a phone camera (here zxing-cpp
on a screenshot) reads the QR code and its link opens the self-assessment with the code filled in.
Screenshots land in ``test-artifacts/``.
"""

from __future__ import annotations

import io
import time
import zipfile

import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.conftest import TRAINER_CODE, shown_session_code
from workbook.apps import PROJECTOR_CHART_TEXT_PX
from workbook.datasets import random_answers
from workbook.instruments import load_instrument
from workbook.store import Store, new_key

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")
BODY_TEXT_PX, CHART_TEXT_PX = 20, 16

# Every visible element that holds text of its own: its computed font size.
TEXT_SIZES_JS = """
root => {
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    const field = (el.tagName === 'INPUT' || el.tagName === 'SELECT') && el.type !== 'checkbox';
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) || field;
    const box = el.getBoundingClientRect();
    if (!own || box.width === 0 || box.height === 0) continue;
    if (getComputedStyle(el).visibility === 'hidden') continue;
    const text = (el.innerText || el.value || '').trim().slice(0, 40);
    out.push({text, size: parseFloat(getComputedStyle(el).fontSize)});
  }
  return out;
}
"""
# Each chart: how much the page shrinks it (shown width / drawn width).
CHART_SCALES_JS = """
root => [...root.querySelectorAll('.wb-charts img, img.wb-pulse-chart')]
  .filter(img => img.offsetWidth > 0 && img.naturalWidth > 0)
  .map(img => img.getBoundingClientRect().width / img.naturalWidth)
"""


COMMENTS = ("交付周期太长", "售后响应快 $x$", "")  # user text, shown as typed (no mathtext, no markup)


def seed_answers(store: Store, code: str) -> None:
    """Four teams answer the relationship questionnaire and the pulse survey (fixed random answers)."""
    rng = np.random.default_rng(12)
    session = store.session_by_code(code)
    for team_no, (team_name, size) in enumerate(
        {"华东一组": 6, "华东二组": 5, "华南大客户组": 4, "西部组": 3}.items()
    ):
        team = store.add_team(session, team_name)
        for person in range(size):
            member = store.add_respondent(team, f"学员{team_no}{person}")
            if person == size - 1:
                continue  # one member per team joined but has not submitted
            for instrument_id in ("relationship", "pulse"):
                answers = random_answers(instrument_id, rng)
                if instrument_id == "pulse":
                    answers["comment"] = COMMENTS[person % len(COMMENTS)]
                account = "C00017" if instrument_id == "relationship" else None
                version = load_instrument(instrument_id).version
                store.submit(
                    team, instrument_id, version, answers, key=new_key(), respondent=member, account=account
                )


def open_dashboard(browser, url: str, width: int, height: int):
    page = browser.new_page(viewport={"width": width, "height": height}, locale="zh-CN")
    page.goto(f"{url}/trainer_dashboard.ipynb", timeout=120_000)
    page.wait_for_selector(".jupyter-widgets", timeout=180_000)
    page.get_by_placeholder("培训师代码").fill(TRAINER_CODE.lower())  # any case, as the page says
    page.get_by_role("button", name="解锁").click()
    page.get_by_role("button", name="新建课堂").wait_for(timeout=30_000)
    return page


def create_session(page, title: str) -> str:
    page.get_by_role("button", name="新建课堂").click()
    page.get_by_role("button", name="创建课堂").click()  # no title yet: asked for, nothing invented
    page.get_by_text("请先为新课堂起个名字").wait_for(timeout=30_000)
    page.get_by_placeholder("例如“华东区大客户培训", exact=False).fill(title)
    page.get_by_role("button", name="创建课堂").click()
    return shown_session_code(page, title)


@pytest.mark.parametrize(("width", "height"), [(1920, 1080), (1280, 720)])
def test_projector_mode_fills_the_screen_with_text_a_room_can_read(
    classroom, browser, artifacts, width, height
):
    page = open_dashboard(browser, classroom.url, width, height)
    code = create_session(page, f"投影测试 {width}")
    with Store(f"sqlite:///{classroom.folder / 'workbook.sqlite'}") as store:
        seed_answers(store, code)
    page.get_by_role("button", name="立即刷新").click()
    page.locator(".wb-charts img").first.wait_for(timeout=60_000)
    page.get_by_role("button", name="投影模式").click()
    page.locator(".wb-projector").wait_for(timeout=30_000)
    page.get_by_role("button", name="退出投影模式").wait_for(timeout=30_000)
    # charts are redrawn for the big screen: wait until the new, larger images are in
    page.wait_for_function(
        "() => [...document.querySelectorAll('.wb-charts img')]"
        ".every(i => i.complete && i.naturalWidth > 900)",
        timeout=60_000,
    )
    page.screenshot(path=str(artifacts / f"dashboard-projector-{width}x{height}.png"))
    app = page.locator(".wb-app.wb-projector")
    assert app.bounding_box()["width"] >= 0.95 * width - 20  # the whole width, not a column in the middle
    assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
    sizes = app.evaluate(TEXT_SIZES_JS)
    small = [s for s in sizes if s["size"] < BODY_TEXT_PX]
    assert len(sizes) > 50 and not small, small[:10]
    code_size = float(page.locator(".wb-code").evaluate("el => parseFloat(getComputedStyle(el).fontSize)"))
    assert code_size >= 96
    assert page.locator("img.wb-qr").bounding_box()["width"] >= 300
    scales = app.evaluate(CHART_SCALES_JS)
    assert len(scales) >= 2 and min(scales) * PROJECTOR_CHART_TEXT_PX >= CHART_TEXT_PX, scales
    # The pulse survey: NPS with its interval, the groups, CSAT, CES and comments, large as well.
    page.get_by_label("问卷").select_option(label="客户脉搏调查（NPS / CSAT / CES）")
    page.get_by_text("推荐者（9–10 分").wait_for(timeout=60_000)
    page.get_by_text("客户留言（最新在前）").wait_for(timeout=60_000)
    assert "$x$" in page.locator(".wb-comments").inner_text()  # user text shown as written
    page.get_by_text("答卷进度").scroll_into_view_if_needed()
    page.screenshot(path=str(artifacts / f"dashboard-projector-{width}x{height}-pulse.png"))
    small = [s for s in app.evaluate(TEXT_SIZES_JS) if s["size"] < BODY_TEXT_PX]
    assert not small, small[:10]
    page.close()


def test_a_trainee_joins_by_scanning_the_projected_qr_code(classroom, browser, artifacts):
    import zxingcpp

    page = open_dashboard(browser, classroom.url, 1280, 720)
    code = create_session(page, "扫码加入")
    page.get_by_role("button", name="投影模式").click()
    page.locator(".wb-projector").wait_for(timeout=30_000)
    page.locator("img.wb-qr").scroll_into_view_if_needed()
    link = f"{classroom.url}/self_assessment.ipynb?code={code}"
    found: list[str] = []
    for _ in range(30):  # what the room sees, read off the screen as a phone camera would
        found = [result.text for result in zxingcpp.read_barcodes(Image.open(io.BytesIO(page.screenshot())))]
        if found == [link]:
            break
        time.sleep(1)  # the projector-size QR code may still be on its way
    assert found == [link]
    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="zh-CN", is_mobile=True)
    phone.goto(found[0], timeout=120_000)
    phone.wait_for_selector(".jupyter-widgets", timeout=180_000)
    expect(phone.get_by_placeholder("例如 AB3K9Z")).to_have_value(code, timeout=30_000)
    phone.screenshot(path=str(artifacts / "self-assessment-joined-by-qr-390x844.png"))
    phone.close()
    page.close()


def test_reports_and_data_are_downloaded_from_the_page(classroom, browser, tmp_path):
    page = open_dashboard(browser, classroom.url, 1280, 900)
    code = create_session(page, "课后报告")
    with Store(f"sqlite:///{classroom.folder / 'workbook.sqlite'}") as store:
        seed_answers(store, code)
    page.get_by_role("button", name="生成报告").click()
    link = page.locator("a.wb-download")
    expect(link).to_contain_text("下载报告", timeout=120_000)
    with page.expect_download() as download:
        link.click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == f"reports-{code}.zip"
    names = zipfile.ZipFile(saved).namelist()
    assert sum(n.endswith(".html") for n in names) == 5 and sum(n.endswith(".xlsx") for n in names) == 5
    page.get_by_role("button", name="结束课堂").click()  # the session ends: the page says so
    page.get_by_text("本课堂已结束").wait_for(timeout=30_000)
    page.close()
