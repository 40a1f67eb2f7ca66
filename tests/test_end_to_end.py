"""The trainer's whole day against the real server: three teams submit through the browser, the
trainer exports the session and builds every report with the command line, opens the HTML report
in headless Chromium and the Excel files with openpyxl, and checks them against the store."""

import pytest
from openpyxl import load_workbook

from tests.test_browser import open_app, submit_pulse, unlock_and_create
from workbook import cli
from workbook.apps import team_result
from workbook.store import Store

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

# option positions: recommend 0–10 from 0, csat and ces from 1 → (recommend, csat, ces)
TEAMS = {"华东组": (9, 3, 5), "华南组": (6, 2, 3), "西北组": (10, 4, 6)}


def test_three_teams_to_reports(classroom, browser, artifacts, tmp_path):
    dashboard, code = unlock_and_create(browser, classroom.url, "端到端演练")
    for number, (team, options) in enumerate(TEAMS.items()):
        trainee = open_app(browser, f"{classroom.url}/self_assessment.ipynb")
        submit_pulse(trainee, code, team, f"学员{number}", options)
        trainee.close()
    dashboard.get_by_text("西北组").first.wait_for(timeout=20_000)  # live, without a reload
    dashboard.close()

    data_dir = ["--data-dir", str(classroom.folder)]
    assert cli.main(["export", code, "-o", str(tmp_path / "session.xlsx"), *data_dir]) == cli.EXIT_OK
    assert cli.main(["report", code, "-o", str(tmp_path / "reports"), *data_dir]) == cli.EXIT_OK

    with Store(f"sqlite:///{classroom.folder / 'workbook.sqlite'}") as store:
        session = store.session_by_code(code)
        submissions = store.submissions(session)
        expected = {t.name: team_result(store, t, "pulse").index for t in store.teams(session)}
    assert sorted(submissions["team"]) == sorted(TEAMS)
    # pulse answers in the store = what was ticked: recommend 9 / 6 / 10
    assert dict(zip(submissions["team"], [a["recommend"] for a in submissions["answers"]], strict=True)) == {
        "华东组": 9, "华南组": 6, "西北组": 10}  # fmt: skip

    exported = list(load_workbook(tmp_path / "session.xlsx")["submissions"].values)
    header, rows = exported[0], exported[1:]
    columns = ("team", "answer.recommend", "answer.csat")
    cells = [{name: row[header.index(name)] for name in columns} for row in rows]
    stored = [{"team": team, "answer.recommend": answers["recommend"], "answer.csat": answers["csat"]}
              for team, answers in zip(submissions["team"], submissions["answers"], strict=True)]  # fmt: skip
    assert sorted(cells, key=str) == sorted(stored, key=str)  # every exported answer is the stored one

    reports = sorted((tmp_path / "reports").iterdir())
    assert len(reports) == 2 * (1 + len(TEAMS))  # session + each team, HTML and Excel
    book = load_workbook(next(p for p in reports if p.name.startswith("session-") and p.suffix == ".xlsx"))
    rows = list(book["各团队指数"].values)
    index_of = {row[0]: row[rows[0].index("综合指数")] for row in rows[1:]}
    assert index_of == pytest.approx(expected)

    page = browser.new_page(viewport={"width": 1000, "height": 1400})
    for report in (p for p in reports if p.suffix == ".html"):
        page.goto(report.as_uri())
        assert page.locator("h1").inner_text()
        images = page.evaluate("[...document.images].map(i => i.naturalWidth)")
        assert images and all(width > 100 for width in images), report.name  # every chart decoded
        if report.name.startswith("session-"):
            for team in TEAMS:
                assert page.get_by_text(team).first.is_visible()
            page.screenshot(path=artifacts / "report-session.png", full_page=True)
        else:
            assert page.get_by_text("改进计划").first.is_visible()
            page.screenshot(path=artifacts / f"report-{report.stem}.png", full_page=True)
    page.close()
