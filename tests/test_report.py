"""Team and session reports: numbers against hand-worked values, HTML and Excel, empty sessions, the CLI."""

import re

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.patches import PathPatch
from openpyxl import load_workbook

from workbook import cli, report
from workbook.errors import WorkbookInputError
from workbook.i18n import language
from workbook.instruments import load_instrument
from workbook.store import Store, new_key


@pytest.fixture
def store(store_url):
    with Store(store_url) as opened:
        yield opened


def pulse(store, team, who, recommend, csat, ces):
    person = store.add_respondent(team, who)
    answers = {"recommend": recommend, "csat": csat, "ces": ces}
    store.submit(team, "pulse", "1.0", answers, key=new_key(), respondent=person)


@pytest.fixture
def sessions(store):
    """Q1: team A once (5, 2, 3).

    Q2, linked to Q1: team A twice (9, 4, 6) and (5, 2, 3); team B once (10, 5, 7).
    """
    q1 = store.create_session("第一季度")
    pulse(store, store.add_team(q1, "A队"), "张三", 5, 2, 3)
    q2 = store.create_session("第二季度", previous_session_id=q1.id)
    a, b = store.add_team(q2, "A队"), store.add_team(q2, "=cmd|'/c calc'!A1")
    pulse(store, a, "张三", 9, 4, 6)
    pulse(store, a, "李四", 5, 2, 3)
    pulse(store, b, "王五", 10, 5, 7)
    return q1, q2, a, b


def test_team_report_scores_benchmark_gaps_and_change(store, sessions):
    q1, q2, a, _ = sessions
    team = report.team_report(store, q2, a)
    assert team.previous_session.id == q1.id  # found through the session's link
    (assessment,) = team.assessments
    dims = assessment.dimensions.round(2)
    # item scores 0–100: nps 10·v, csat 25·(v − 1), ces 100·(v − 1)/6
    # A: nps (90 + 50)/2 = 70, csat (75 + 25)/2 = 50, ces (83.33 + 33.33)/2 = 58.33
    assert dims["score"].to_dict() == {"nps": 70.0, "csat": 50.0, "ces": 58.33}
    # class average over the two teams (B: 100 everywhere): 85, 75, 79.17; gap = score − average
    assert dims["benchmark"].to_dict() == {"nps": 85.0, "csat": 75.0, "ces": 79.17}
    assert dims["gap"].to_dict() == {"nps": -15.0, "csat": -25.0, "ces": -20.83}
    # Q1: A answered (5, 2, 3) → 50, 25, 33.33; change = now − before
    assert dims["previous"].to_dict() == {"nps": 50.0, "csat": 25.0, "ces": 33.33}
    assert dims["change"].to_dict() == {"nps": 20.0, "csat": 25.0, "ces": 25.0}
    # index = 0.4·nps + 0.3·csat + 0.3·ces: now 28 + 15 + 17.5 = 60.5; before 20 + 7.5 + 10 = 37.5
    assert assessment.result.index == pytest.approx(60.5)
    assert assessment.previous.index == pytest.approx(37.5)
    # rater spread on nps: 90 and 50 → range 40
    assert dims.at["nps", "rater_range"] == 40.0


def test_a_member_counts_in_every_questionnaire_they_filled(store):
    session = store.create_session("两份问卷")
    team = store.add_team(session, "一队")
    pulse(store, team, "张三", 9, 4, 6)
    capability = {item.id: 3 for item in load_instrument("capability").items if item.required}
    member = store.add_respondent(team, "张三")
    store.submit(team, "capability", "1.0", capability, key=new_key(), respondent=member)
    team_report = report.team_report(store, session, team)
    counted = {a.instrument_id: a.result.n_respondents for a in team_report.assessments}
    assert counted == {"pulse": 1, "capability": 1}  # the later questionnaire does not hide the earlier


def test_team_html_is_self_contained_chinese_and_editable(store, sessions):
    _, q2, a, _ = sessions
    page = report.to_html(report.team_report(store, q2, a), "zh")
    assert "团队报告 · A队" in page and "与上期相比" in page and "data:image/png;base64," in page
    assert page.count('contenteditable="true"') == 3 and page.count('type="date"') == 3  # one per plan row
    assert "{{" not in page and "{%" not in page and len(page.encode()) < 2 * 2**20
    assert "@page { size: A4" in page
    with language("en"):
        english = report.to_html(report.team_report(store, q2, a))
    assert "Team report · A队" in english and "Since the last assessment" in english


def test_session_report_participation_indices_and_escaping(store, sessions):
    _, q2, a, b = sessions
    store.add_respondent(a, "赵六")  # joined, nothing submitted yet
    session = report.session_report(store, q2)
    participation = session.participation.set_index("team")
    # A: 张三, 李四 submitted, 赵六 joined only → 2 / 3; B: 王五 → 1 / 1 (the dashboard's counts)
    assert participation[["joined", "submitted", "waiting"]].to_dict("index") == {
        "A队": {"joined": 3, "submitted": 2, "waiting": 1},
        b.name: {"joined": 1, "submitted": 1, "waiting": 0},
    }
    assert participation["客户脉搏调查（NPS / CSAT / CES）"].to_dict() == {"A队": 2, b.name: 1}
    indices = session.indices.set_index("team")["index"].round(2).to_dict()
    assert indices == {"A队": 60.5, b.name: 100.0}
    page = report.to_html(session, "zh")
    assert "=cmd|&#39;/c calc&#39;!A1" in page  # escaped in HTML
    assert "<script" not in page
    assert "全班：3 / 4 人已提交，1 人已加入、尚未提交" in page
    team_page = report.to_html(report.team_report(store, q2, a), "zh")
    assert "提交情况：2 / 3 人已提交（1 人已加入、尚未提交）" in team_page


def test_revising_counts_a_member_once_and_only_stored_answers_count(store):
    session = store.create_session("修改")
    team = store.add_team(session, "一队")
    pulse(store, team, "张三", 9, 4, 6)
    pulse(store, team, "张三", 7, 3, 5)  # the same person revises: still one person, two submissions
    store.add_respondent(team, "李四")
    participation = report.session_report(store, session).participation
    assert participation.drop(columns="team").to_dict("records") == [
        {"joined": 2, "submitted": 1, "waiting": 1, "客户脉搏调查（NPS / CSAT / CES）": 1}
    ]


def test_session_chart_draws_a_box_only_from_five_values_else_the_points():
    indices = pd.DataFrame(
        {"questionnaire": ["两队"] * 2 + ["六队"] * 6, "index": [40.0, 60.0, 10, 20, 30, 40, 50, 90]}
    )
    ax = report._index_axes(indices, "zh")
    boxes = [p for p in ax.patches if isinstance(p, PathPatch)]
    assert len(boxes) == 1  # 六队: one box; 两队: no box from two values
    (points,) = ax.collections
    assert sorted(points.get_offsets()[:, 1]) == [40.0, 60.0]
    assert [tick.get_text() for tick in ax.get_xticklabels()] == ["两队", "六队"]
    # 六队's box: quartiles of 10, 20, 30, 40, 50, 90 (linear) → 22.5 and 47.5, median 35
    assert boxes[0].get_path().get_extents().y0 == pytest.approx(22.5)
    assert boxes[0].get_path().get_extents().y1 == pytest.approx(47.5)
    plt.close("all")


def test_excel_reports_match_the_store_and_defuse_formulas(store, sessions, tmp_path):
    _, q2, _, b = sessions
    paths = report.write_reports(store, q2, tmp_path)
    names = sorted(p.name for p in paths)
    assert names[0].startswith("session-") and len(paths) == 6
    assert "team-A队.xlsx" in names and "team-A队.html" in names
    book = load_workbook(next(p for p in paths if p.name.startswith("session-") and p.suffix == ".xlsx"))
    assert book.sheetnames == ["参与情况", "各团队指数", "练习结果"]
    assert next(book["参与情况"].values)[:4] == ("团队", "已加入", "已提交", "未提交")
    rows = list(book["各团队指数"].values)
    header = rows[0]
    by_team = {row[header.index("团队")]: row[header.index("综合指数")] for row in rows[1:]}
    assert by_team["A队"] == pytest.approx(60.5) and by_team["'" + b.name] == pytest.approx(100.0)
    team_book = load_workbook(next(p for p in paths if p.name == "team-A队.xlsx"))
    plan = list(team_book["改进计划"].values)
    assert {"负责人", "完成日期"} <= set(plan[0]) and len(plan) == 4  # header + three dimensions
    assert team_book["级别"]["A1"].font.bold


def test_empty_session_says_so(store, tmp_path):
    session = store.create_session("空课堂")
    paths = report.write_reports(store, session, tmp_path)
    page = paths[0].read_text(encoding="utf-8")
    assert "还没有提交的问卷" in page and "还没有练习作答" in page


def test_unknown_team_is_a_clear_error(store, sessions, tmp_path):
    _, q2, _, _ = sessions
    with pytest.raises(WorkbookInputError) as caught:
        report.write_reports(store, q2, tmp_path, teams=["C队"])
    assert "C队" in caught.value.message("zh") and "A队" in caught.value.message("zh")


def test_cli_report_and_export(store_url, tmp_path, capsys):
    if not store_url.startswith("sqlite"):
        pytest.skip("the command line is exercised once, on the SQLite file")
    with Store(store_url) as store:
        session = store.create_session("命令行")
        pulse(store, store.add_team(session, "一队"), "张三", 9, 4, 6)
    assert (tmp_path / "workbook.sqlite").exists()  # the store the command must find by its folder
    args = ["--data-dir", str(tmp_path)]
    assert cli.main(["report", session.code.lower(), "-o", str(tmp_path / "r"), *args]) == cli.EXIT_OK
    assert len(list((tmp_path / "r").glob("*.html"))) == 2
    assert cli.main(["export", session.code, "-o", str(tmp_path / "e.xlsx"), *args]) == cli.EXIT_OK
    assert load_workbook(tmp_path / "e.xlsx")["teams"]["C2"].value == "一队"
    assert cli.main(["export", "ZZZZZZ", "-o", str(tmp_path / "x.xlsx"), *args]) == cli.EXIT_INPUT
    assert "ZZZZZZ" in capsys.readouterr().err


def test_a_team_keeps_its_file_name_across_sessions(store, sessions, tmp_path):
    q1, q2, _, b = sessions
    before = {p.name for p in report.write_reports(store, q1, tmp_path / "q1")}
    after = {p.name for p in report.write_reports(store, q2, tmp_path / "q2")}
    assert {"team-A队.html", "team-A队.xlsx"} <= before & after  # the id of the team is not in it
    stem = report.team_file_stem(b.name)  # "=cmd|'/c calc'!A1": | and / are not allowed on Windows
    assert stem.startswith("team-=cmd_'_c calc'!A1-") and f"{stem}.html" in after


@pytest.mark.parametrize(
    "name, stem",
    [
        ("华东一组", "team-华东一组"),
        ("华东 一组", "team-华东 一组"),
        ("CON", "team-CON"),  # the prefix keeps Windows' device names out of reach
        ('a<b>c:d"e/f\\g|h?i*j', "team-a_b_c_d_e_f_g_h_i_j-"),
        ("A组. ", "team-A组-"),  # no trailing dot or space (Windows drops them)
        ("...", "team-"),  # nothing left: the hash alone
    ],
)
def test_team_file_names_are_safe_on_windows(name, stem):
    made = report.team_file_stem(name)
    assert made == stem if not stem.endswith("-") else re.fullmatch(re.escape(stem) + "[0-9a-f]{6}", made)
    assert not re.search(r'[<>:"/\\|?*\x00-\x1f]', made) and made == made.rstrip(". ")
    assert report.team_file_stem(name) == made  # the same in every session


def test_team_file_names_are_bounded_and_kept_apart():
    long = "华" * 100  # the longest team name the store takes
    assert len(report.team_file_stem(long).encode()) <= len("team-") + report.MAX_NAME_BYTES + 7
    assert len(f"{report.team_file_stem(long)}.xlsx".encode()) <= 255  # ext4's limit per name, in bytes
    stems = report.team_file_stems(["A/B", "A_B", "Team A", "team a", "华南组"])
    assert len({s.casefold() for s in stems.values()}) == 5  # apart on Windows and macOS too
    assert stems["A_B"] == "team-A_B" and stems["华南组"] == "team-华南组"
    assert stems["A/B"].startswith("team-A_B-") and stems["Team A"].startswith("team-Team A-")


def test_team_file_name_falls_back_to_ascii_where_the_system_needs_it(monkeypatch):
    monkeypatch.setattr(report.sys, "getfilesystemencoding", lambda: "ascii")
    assert re.fullmatch(r"team-[0-9a-f]{6}", report.team_file_stem("华东一组"))
    assert report.team_file_stem("East 1") == "team-East 1"


def test_exercise_results_follow_the_session_order_of_teams(store):
    session = store.create_session("练习")
    second, tenth = store.add_team(session, "第2组"), store.add_team(session, "第10组")
    for team, task, correct in [(tenth, "m1.t1", True), (second, "m1.t1", False), (second, "m1.t1", True),
                                (second, "m3.t2", False)]:  # fmt: skip
        store.record_attempt(task, correct, session=session, team=team, key=new_key())
    exercises = report.session_report(store, session).exercises
    # 第2组: two tasks tried, one solved, three attempts; 第10组: one, one, one (not sorted as text)
    assert exercises.astype({c: int for c in ("tried", "solved", "attempts")}).to_dict("records") == [
        {"team": "第2组", "tried": 2, "solved": 1, "attempts": 3},
        {"team": "第10组", "tried": 1, "solved": 1, "attempts": 1},
    ]
