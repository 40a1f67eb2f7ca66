"""The self-assessment as trainees use it: on a phone, inside WeChat's browser, joining by the link.

Headless Chromium against the real server at three sizes (a small Android phone, an iPhone-sized
phone, a laptop). Every answer control must lie inside the screen's width, be at least 40 px high
and be what a finger at its centre touches; the page never scrolls sideways. Screenshots land
in ``test-artifacts/`` (``phone-*.png``) for people to look at.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from workbook.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

WECHAT_UA = (
    "Mozilla/5.0 (Linux; Android 13; V2183A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Version/4.0 Chrome/111.0.5563.116 Mobile Safari/537.36 XWEB/5197 "
    "MMWEBSDK/20230701 MMWEBID/2222 MicroMessenger/8.0.40.2420(0x28002837) WeChat/arm64 Weixin "
    "NetType/WIFI Language/zh_CN ABI/arm64"
)
SIZES = {"360x640": (360, 640), "390x844": (390, 844), "1366x768": (1366, 768)}
MIN_TAP_PX = 40

# For every answer control and every control of the join step: its box, whether it fits the
# screen's width, whether a container cuts part of it off, and whether a tap at its centre reaches
# it (or its label). Each control is scrolled into view first, as a finger would.
CHECK_CONTROLS = """
(selector) => {
  const width = document.documentElement.clientWidth;
  const out = [];
  for (const el of document.querySelectorAll(selector)) {
    if (!el.offsetParent) continue;  // hidden (an item of another segment, a closed step)
    el.scrollIntoView({ block: "center" });
    const box = el.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    const label = el.closest("label");
    const reached = hit !== null &&
      (hit === el || el.contains(hit) || (label !== null && label.contains(hit)));
    let clipped = null;  // an ancestor that hides part of the control (its overflow is not visible)
    for (let a = el.parentElement; a && clipped === null; a = a.parentElement) {
      const r = a.getBoundingClientRect();
      const cuts = box.left < r.left - 0.5 || box.right > r.right + 0.5;
      if (cuts && getComputedStyle(a).overflowX !== "visible") clipped = a.className || a.tagName;
    }
    out.push({
      what: (el.textContent || el.placeholder || el.tagName).trim().slice(0, 30),
      left: box.left, right: box.right, height: box.height, width, reached, clipped,
    });
  }
  return out;
}
"""
ANSWER_CONTROLS = ".wbf button, .wbf textarea, .wbf select"
PAGE_CONTROLS = ".wb-self input, .wb-self select, .wb-self button"


def phone(browser, size: str):
    width, height = SIZES[size]
    mobile = width < 800
    context = browser.new_context(
        viewport={"width": width, "height": height}, locale="zh-CN", is_mobile=mobile, has_touch=mobile,
        user_agent=WECHAT_UA if mobile else None, device_scale_factor=2 if mobile else 1,
    )  # fmt: skip
    return context, context.new_page()


def new_session(classroom, title: str) -> str:
    with Store(f"sqlite:///{classroom.folder / 'workbook.sqlite'}") as store:
        return store.create_session(title).code


def assert_fits(page, selector: str, size: str) -> None:
    controls = page.evaluate(CHECK_CONTROLS, selector)
    assert controls, f"no controls found for {selector}"
    for c in controls:
        assert c["left"] >= 0 and c["right"] <= c["width"] + 0.5, f"{size}: {c['what']!r} sticks out: {c}"
        assert c["height"] >= MIN_TAP_PX, f"{size}: {c['what']!r} is only {c['height']:.0f} px high"
        assert c["reached"], f"{size}: a tap on {c['what']!r} lands on something else: {c}"
        assert c["clipped"] is None, f"{size}: {c['what']!r} is cut off by its container: {c}"
    scroll = page.evaluate(
        "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"
    )
    assert scroll[0] <= scroll[1], f"{size}: the page scrolls sideways ({scroll[0]} > {scroll[1]} px)"


def shot(page, path, size: str) -> None:
    """A picture of the whole page: Voilà scrolls inside a panel, so grow the window to the content."""
    width, height = SIZES[size]
    content = page.evaluate(
        "() => Math.max(...[...document.querySelectorAll('.lm-BoxPanel-child')].map(e => e.scrollHeight), 0)"
    )
    page.set_viewport_size({"width": width, "height": max(height, int(content) + 40)})
    page.wait_for_timeout(300)
    page.screenshot(path=path)
    page.set_viewport_size({"width": width, "height": height})


def open_by_link(page, classroom, code: str) -> None:
    page.goto(f"{classroom.url}/self_assessment.ipynb?code={code.lower()}")
    page.get_by_text("已加入课堂").wait_for(timeout=90_000)  # the link's code joined by itself


def start(page, team: str, name: str) -> None:
    page.get_by_placeholder("留空则匿名").fill(name)
    page.get_by_placeholder("选择或输入团队名称").fill(team)
    page.locator(".wb-self select").first.select_option(label="客户脉搏调查（NPS / CSAT / CES）")
    page.get_by_role("button", name="开始填写").click()
    page.locator(".wbf-scale").first.wait_for(timeout=30_000)


def tap(page, question: int, value_position: int) -> None:
    button = page.locator(".wbf-item").nth(question).locator("button.wbf-option").nth(value_position)
    button.click()
    expect(button).to_have_attribute("aria-checked", "true", timeout=10_000)


@pytest.mark.parametrize("size", list(SIZES))
def test_a_trainee_on_a_phone_joins_by_link_answers_fixes_a_half_done_submit_and_then_sees_the_team(
    classroom, browser, artifacts, size
):
    code = new_session(classroom, f"手机课堂 {size}")
    context, page = phone(browser, size)
    open_by_link(page, classroom, code)
    assert page.get_by_placeholder("例如 AB3K9Z").input_value() == code.lower()
    assert_fits(page, PAGE_CONTROLS, size)
    start(page, "华东一组", "张三")
    shot(page, artifacts / f"phone-{size}-form.png", size)
    assert_fits(page, ANSWER_CONTROLS, size)
    assert_fits(page, PAGE_CONTROLS, size)
    # The 0–10 scale: end labels above the numbers; on a phone the numbers fold into two rows.
    scale = page.locator(".wbf-item").nth(0)
    assert "完全不可能" in scale.locator(".wbf-ends").inner_text()
    tops = {round(box["y"]) for box in (b.bounding_box() for b in scale.locator("button.wbf-option").all())}
    assert len(tops) == (2 if SIZES[size][0] < 600 else 1)

    # Nothing of the team before this trainee's own submission.
    assert page.get_by_text("团队“华东一组”的汇总结果").count() == 0
    assert not page.locator(".wb-result").is_visible()

    # A half-done submit: every unanswered required item is marked, the first scrolled into view.
    tap(page, 1, 3)  # csat 4
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_text("还有 2 道必答题未作答（第 1、3 题）").wait_for(timeout=30_000)
    marked = page.locator(".wbf-item.wbf-missing")
    expect(marked).to_have_count(2)
    page.wait_for_function(  # scrolled (smoothly) to the first one: its middle is on the screen
        """() => { const box = document.querySelector('.wbf-item.wbf-missing').getBoundingClientRect();
                   const middle = box.top + Math.min(box.height, window.innerHeight) / 2;
                   return box.top >= -1 && middle <= window.innerHeight; }""",
        timeout=10_000,
    )
    page.screenshot(path=artifacts / f"phone-{size}-half-done.png")

    tap(page, 0, 9)  # recommend 9
    tap(page, 2, 5)  # ces 6
    expect(marked).to_have_count(0)
    page.get_by_role("button", name="提交", exact=True).click()
    page.get_by_text("团队“华东一组”的汇总结果（1 人已提交）").wait_for(timeout=30_000)
    page.locator(".wb-result svg").wait_for(timeout=30_000)
    chart = page.locator(".wb-result svg").bounding_box()
    assert chart["x"] >= 0 and chart["x"] + chart["width"] <= SIZES[size][0]
    shot(page, artifacts / f"phone-{size}-result.png", size)
    scroll = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert scroll <= 0
    context.close()


def test_the_chosen_language_survives_a_reload(classroom, browser, artifacts):
    code = new_session(classroom, "语言")
    context, page = phone(browser, "390x844")
    open_by_link(page, classroom, code)
    page.get_by_role("button", name="English").click()
    page.get_by_role("button", name="Join").wait_for(timeout=30_000)
    page.reload()
    page.get_by_role("button", name="Join").wait_for(timeout=90_000)
    page.get_by_text("Joined the session").wait_for(timeout=30_000)  # and the link still joins
    shot(page, artifacts / "phone-390x844-english-after-reload.png", "390x844")
    context.close()


def test_the_same_name_from_two_phones_is_two_respondents(classroom, browser):
    code = new_session(classroom, "同名")
    pages = []
    for answers in ((10, 4, 6), (0, 0, 0)):  # the second is someone else typing 张三
        context, page = phone(browser, "390x844")
        open_by_link(page, classroom, code)
        start(page, "华东一组", "张三")
        for question, position in enumerate(answers):
            tap(page, question, position)
        page.get_by_role("button", name="提交", exact=True).click()
        page.get_by_text("团队“华东一组”的汇总结果").wait_for(timeout=30_000)
        pages.append(context)
    with Store(f"sqlite:///{classroom.folder / 'workbook.sqlite'}") as store:
        stored = store.submissions(store.session_by_code(code))
    assert sorted(stored["respondent"]) == ["张三", "张三 (2)"]
    assert stored["respondent_id"].nunique() == 2
    assert sorted(a["recommend"] for a in stored["answers"]) == [0, 10]  # nobody was overwritten
    for context in pages:
        context.close()
