"""workbook.store: sessions, teams, submissions and attempts kept once, durably, and exported safely.

Every test taking the ``store`` or ``store_url`` fixture runs against SQLite, and against
PostgreSQL too when WORKBOOK_TEST_DATABASE_URL is set (see conftest.py).
"""

from __future__ import annotations

import csv
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import openpyxl
import pandas as pd
import pytest
from sqlalchemy import inspect
from sqlalchemy.engine import make_url

from workbook import i18n
from workbook import store as store_module
from workbook.errors import WorkbookInputError
from workbook.store import (
    ATTEMPT_COLUMNS,
    CODE_ALPHABET,
    MAX_CHARS,
    SUBMISSION_COLUMNS,
    Store,
    database_url,
    expand_answers,
    hash_trainer_code,
    neutralise_formulas,
    new_join_code,
    new_key,
    normalize_join_code,
    respondent_id,
    verify_trainer_code,
)

ROOT = Path(__file__).resolve().parents[1]
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def team(store):
    session = store.create_session("大客户关系诊断 第1期", held_on=date(2026, 3, 1))
    return store.add_team(session, "华东销售一组")


def keys_of(excinfo) -> list[str]:
    return excinfo.value.keys


# --- where the data lives ---------------------------------------------------------------------------


def test_default_database_is_a_sqlite_file_in_the_gitignored_data_folder(monkeypatch):
    monkeypatch.delenv("WORKBOOK_DATABASE_URL", raising=False)
    monkeypatch.delenv("WORKBOOK_DATA_DIR", raising=False)
    url = make_url(database_url())
    assert url.get_backend_name() == "sqlite"
    assert Path(url.database) == ROOT / "data" / "workbook.sqlite"
    assert "/data/" in (ROOT / ".gitignore").read_text().splitlines()


def test_data_dir_variable_then_url_variable_then_argument_win(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKBOOK_DATABASE_URL", raising=False)
    monkeypatch.setenv("WORKBOOK_DATA_DIR", str(tmp_path / "class data"))
    assert Path(make_url(database_url()).database) == tmp_path / "class data" / "workbook.sqlite"
    monkeypatch.setenv("WORKBOOK_DATABASE_URL", f"sqlite:///{tmp_path / 'shared.sqlite'}")
    assert database_url() == f"sqlite:///{tmp_path / 'shared.sqlite'}"
    assert database_url(f"sqlite:///{tmp_path / 'mine.sqlite'}") == f"sqlite:///{tmp_path / 'mine.sqlite'}"


def test_tables_are_created_on_first_use_in_a_new_folder(monkeypatch, tmp_path):
    monkeypatch.delenv("WORKBOOK_DATABASE_URL", raising=False)
    monkeypatch.setenv("WORKBOOK_DATA_DIR", str(tmp_path / "new" / "folder"))
    with Store() as store:
        path = tmp_path / "new" / "folder" / "workbook.sqlite"
        assert inspect(store.engine).get_table_names() == []  # opening alone creates nothing
        store.sessions()
        assert path.exists()
        assert set(inspect(store.engine).get_table_names()) == {
            "workshop_sessions", "teams", "respondents", "submissions", "exercise_attempts", "code_guards",
        }  # fmt: skip


def test_every_sqlite_connection_gets_wal_full_sync_busy_timeout_and_foreign_keys(tmp_path):
    with Store(f"sqlite:///{tmp_path / 'w.sqlite'}") as store:
        store.sessions()
        # Two connections held at once: both come from the pool's connect hook.
        with store.engine.connect() as first, store.engine.connect() as second:
            for connection in (first, second):
                pragma = {
                    name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
                    for name in ("journal_mode", "synchronous", "busy_timeout", "foreign_keys")
                }
                # synchronous: 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA
                assert pragma == {"journal_mode": "wal", "synchronous": 2, "busy_timeout": 15_000,
                                  "foreign_keys": 1}  # fmt: skip


# --- sessions and join codes ------------------------------------------------------------------------


def test_join_codes_use_32_unambiguous_symbols():
    codes = [new_join_code() for _ in range(2000)]
    symbols = set("".join(codes))
    assert all(len(code) == 6 for code in codes)
    assert not symbols & set("0O1I")
    # 12,000 draws from 32 symbols: P(some symbol never drawn) ≈ 32 · (31/32)^12000 ≈ 1e-163.
    assert symbols == set(CODE_ALPHABET) and len(CODE_ALPHABET) == 32


def test_typed_codes_are_normalised():
    assert normalize_join_code(" ab3-k9z ") == "AB3K9Z"
    # Full-width letters, digits and space, as a Chinese input method types them.
    assert normalize_join_code("ＡＢ３　Ｋ９Ｚ") == "AB3K9Z"


def test_create_session_and_find_it_by_code(store):
    earlier = store.create_session("第1期", held_on=date(2025, 12, 5))
    later = store.create_session(
        "第2期 复评", held_on=date(2026, 3, 6), previous_session_id=earlier,
        trainer_code_hash=hash_trainer_code("潮汐", iterations=1000),
    )  # fmt: skip
    assert later.code != earlier.code
    assert later.previous_session_id == earlier.id and earlier.previous_session_id is None
    typed = f" {later.code[:3].lower()}-{later.code[3:]} "
    assert store.session_by_code(typed) == later
    assert store.session_by_id(later.id) == later
    assert verify_trainer_code("潮汐", store.session_by_code(later.code).trainer_code_hash)
    assert store.sessions() == [later, earlier]
    assert later.created_at.tzinfo is UTC and later.held_on == date(2026, 3, 6)


def test_a_taken_join_code_is_replaced_by_a_new_one(store, monkeypatch):
    drawn = iter(["ABCDEF", "ABCDEF", "GHJKLM"])
    monkeypatch.setattr(store_module, "new_join_code", lambda: next(drawn))
    assert store.create_session("一").code == "ABCDEF"
    assert store.create_session("二").code == "GHJKLM"  # the clash on ABCDEF was retried


def test_unknown_or_malformed_codes_are_explained(store):
    with pytest.raises(WorkbookInputError) as unknown:
        store.session_by_code("ZZZZZZ")
    assert keys_of(unknown) == ["store.unknown_session_code"]
    assert "ZZZZZZ" in unknown.value.message("en") and "ZZZZZZ" in unknown.value.message("zh")
    for typo in ("ABC", "ABCDEFG", "O0O0O0", "AB#DEF"):
        with pytest.raises(WorkbookInputError) as bad:
            store.session_by_code(typo)
        assert keys_of(bad) == ["store.bad_session_code"]
    with pytest.raises(WorkbookInputError) as missing:
        store.session_by_id(999)
    assert keys_of(missing) == ["store.unknown_session"]


def test_bad_session_input(store):
    with pytest.raises(WorkbookInputError) as empty:
        store.create_session("   ")
    assert keys_of(empty) == ["store.empty_text"]
    with i18n.language("en"):
        assert "session title" in str(empty.value)
    with pytest.raises(WorkbookInputError) as long:
        store.create_session("长" * 201)
    assert keys_of(long) == ["store.text_too_long"]
    with pytest.raises(WorkbookInputError) as previous:
        store.create_session("复评", previous_session_id=42)
    assert keys_of(previous) == ["store.unknown_previous_session"]
    with pytest.raises(WorkbookInputError) as when:
        store.create_session("复评", held_on="2026-03-01")
    assert keys_of(when) == ["store.not_date"]
    assert store.sessions() == []


def test_trainer_code_hash():
    stored = hash_trainer_code("潮汐-2026", iterations=1000)
    assert stored.startswith("pbkdf2_sha256$1000$") and "潮汐" not in stored
    assert verify_trainer_code("潮汐-2026", stored)
    assert not verify_trainer_code("潮汐-2025", stored)
    assert not verify_trainer_code("潮汐-2026", None) and not verify_trainer_code("x", "garbage")
    assert hash_trainer_code("a", iterations=1000) != hash_trainer_code("a", iterations=1000)  # salted


# --- teams and respondents --------------------------------------------------------------------------


def test_teams_are_found_again_by_name(store):
    session = store.create_session("第1期")
    other = store.create_session("第2期")
    first = store.add_team(session, "华东 销售一组")
    assert store.add_team(session, "  华东   销售一组 ") == first  # whitespace tidied, same team
    second = store.add_team(session.id, "华南组")
    elsewhere = store.add_team(other, "华东 销售一组")
    assert elsewhere.id != first.id
    assert store.teams(session) == [first, second]


def test_bad_team_input(store):
    session = store.create_session("第1期")
    cases = [("", "store.empty_text"), (None, "store.not_text"), ("组" * 101, "store.text_too_long")]
    for name, key in cases:
        with pytest.raises(WorkbookInputError) as bad:
            store.add_team(session, name)
        assert keys_of(bad) == [key]
    with pytest.raises(WorkbookInputError) as unknown:
        store.add_team(999, "A")
    assert keys_of(unknown) == ["store.unknown_session"]
    with pytest.raises(WorkbookInputError) as reference:
        store.add_team(session.code, "A")
    assert keys_of(reference) == ["store.bad_reference"]
    assert store.teams(session) == []


def test_respondents_named_or_anonymous(store, team):
    named = store.add_respondent(team, "王芳")
    assert store.add_respondent(team, " 王芳 ") == named and named.label == "王芳"
    anonymous = [store.add_respondent(team) for _ in range(3)]
    assert len({p.anonymous_id for p in anonymous}) == 3
    assert all(p.label.startswith("anon-") and p.display_name is None for p in anonymous)
    kept = store.add_respondent(team, anonymous_id="browser-7f3a")
    assert store.add_respondent(team, anonymous_id="browser-7f3a") == kept
    assert store.respondents(team) == [named, *anonymous, kept]
    assert {p.session_id for p in store.respondents(team)} == {team.session_id}
    other_team = store.add_team(team.session_id, "华北组")
    store.submit(team, "pulse", "1.0", {"csat": 4}, key="k-kept", respondent=kept)
    with pytest.raises(WorkbookInputError) as moved:  # has answered for its team: stays there
        store.add_respondent(other_team, anonymous_id="browser-7f3a")
    assert keys_of(moved) == ["store.respondent_other_team"]


def test_a_typed_name_is_a_label_and_the_browser_id_decides_who_answered(store, team):
    first = store.add_respondent(team, "张三", anonymous_id=respondent_id("a" * 20, team.session_id))
    second = store.add_respondent(team, "张三", anonymous_id=respondent_id("b" * 20, team.session_id))
    assert first.id != second.id and (first.label, second.label) == ("张三", "张三 (2)")
    third = store.add_respondent(team, "张三", anonymous_id="browser-3")
    assert third.label == "张三 (3)"
    # The same browser again, under another name: the same respondent, its label kept.
    assert store.add_respondent(team, "李四", anonymous_id=respondent_id("a" * 20, team.session_id)) == first
    # Each answers; nobody's answers replace another's.
    store.submit(team, "pulse", "1.0", {"csat": 5}, key="k1", respondent=first)
    store.submit(team, "pulse", "1.0", {"csat": 1}, key="k2", respondent=second)
    frame = store.submissions(team.session_id)
    assert frame["respondent"].tolist() == ["张三", "张三 (2)"]
    assert frame["respondent_id"].nunique() == 2
    # A label that happens to look numbered, a "%" or "_" in a name: still the first free label.
    assert store.add_respondent(team, "张_", anonymous_id="browser-4").label == "张_"
    assert store.add_respondent(team, "张三 (2)", anonymous_id="browser-5").label == "张三 (2) (2)"


def test_a_member_who_has_not_answered_yet_may_move_to_another_team(store, team):
    person = store.add_respondent(team, "王芳", anonymous_id="browser-9")
    other = store.add_team(team.session_id, "华北组")
    moved = store.add_respondent(other, "王芳", anonymous_id="browser-9")
    assert (moved.id, moved.team_id, moved.label) == (person.id, other.id, "王芳")
    assert store.respondents(team) == []


def test_respondent_id_is_per_session_and_refuses_a_bad_token():
    token = "0123456789abcdefABCD"
    assert respondent_id(token, 1) == respondent_id(token, 1) != respondent_id(token, 2)
    assert token not in respondent_id(token, 1) and len(respondent_id(token, 1)) == 42
    for bad in ("short", "x" * 65, "has space 0123456789", None):
        with pytest.raises(WorkbookInputError) as refused:
            respondent_id(bad, 1)
        assert keys_of(refused) == ["store.bad_token"]


# --- submissions ------------------------------------------------------------------------------------


def test_submit_stores_answers_and_times(store, team):
    person = store.add_respondent(team, "王芳")
    filled = datetime(2026, 3, 1, 10, 30, tzinfo=SHANGHAI)  # 10:30 in Shanghai = 02:30 UTC
    before = datetime.now(UTC)
    answers = {"trust_1": np.int64(4), "share": 0.25, "备注": "交付慢", "渠道": ["微信", "电话"], "ok": True}
    stored = store.submit(
        team, "relationship_health", "1.2", answers, key="k-1", account="C00017",
        respondent=person, created_at=filled,
    )  # fmt: skip
    after = datetime.now(UTC)
    assert stored.answers == {
        "trust_1": 4, "share": 0.25, "备注": "交付慢", "渠道": ["微信", "电话"], "ok": True,
    }  # fmt: skip
    assert type(stored.answers["trust_1"]) is int  # NumPy scalar unwrapped for JSON
    assert stored.created_at == datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
    assert before <= stored.received_at <= after
    assert (stored.session_id, stored.team_id, stored.respondent_id) == (team.session_id, team.id, person.id)
    frame = store.submissions(team.session_id)
    assert list(frame.columns) == list(SUBMISSION_COLUMNS)
    row = frame.iloc[0]
    assert row["answers"] == stored.answers and row["respondent"] == "王芳" and row["team"] == "华东销售一组"
    assert row["created_at"] == pd.Timestamp("2026-03-01 02:30", tz="UTC")
    assert (row["account"], row["instrument_version"], row["idempotency_key"]) == ("C00017", "1.2", "k-1")


def test_the_same_key_twice_stores_one_row(store, team):
    first = store.submit(team, "service_capability", "1", {"q1": 3}, key="double-click")
    time.sleep(0.01)
    again = store.submit(team, "service_capability", "1", {"q1": 3}, key="double-click")
    assert again == first  # the stored one, with its original received_at
    assert len(store.submissions(team.session_id)) == 1


def test_a_key_reused_for_other_content_is_refused(store, team):
    store.submit(team, "service_capability", "1", {"q1": 3}, key="k")
    with pytest.raises(WorkbookInputError) as conflict:
        store.submit(team, "service_capability", "1", {"q1": 5}, key="k")
    assert keys_of(conflict) == ["store.key_conflict"]
    assert store.submissions(team.session_id)["answers"].tolist() == [{"q1": 3}]


def _submit_in_threads(url: str, team_id: int, key: str, n: int) -> list:
    """``n`` stores (like ``n`` kernels) submit the same key at the same instant."""
    stores = [Store(url) for _ in range(n)]
    for s in stores:
        s.sessions()  # connect and check the schema first, so the submits start together
    start = threading.Barrier(n)
    results: list = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = stores[i].submit(team_id, "relationship_health", "1", {"q1": 4}, key=key).id
        except Exception as exc:  # reported below, with the others
            results[i] = exc

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for s in stores:
        s.close()
    return results


def test_concurrent_double_submit_from_threads_stores_one_row(store, store_url, team):
    for round_ in range(5):
        results = _submit_in_threads(store_url, team.id, f"race-{round_}", n=6)
        assert all(isinstance(r, int) for r in results), results
        assert len(set(results)) == 1  # every caller got the same row back
    frame = store.submissions(team.session_id)
    assert sorted(frame["idempotency_key"]) == [f"race-{i}" for i in range(5)]


RACER = """
import sys, time
from workbook.store import Store
store = Store(sys.argv[1])
store.sessions()
start = float(sys.argv[3])
while time.time() < start:
    time.sleep(0.001)
print(store.submit(int(sys.argv[2]), "relationship_health", "1", {"q1": 4}, key="two-processes").id)
"""


def test_concurrent_double_submit_from_processes_stores_one_row(store, store_url, team):
    start = time.time() + 3.0  # both processes have imported and connected by then
    racers = [
        subprocess.Popen([sys.executable, "-c", RACER, store_url, str(team.id), str(start)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        for _ in range(2)
    ]  # fmt: skip
    outputs = [racer.communicate(timeout=60) for racer in racers]
    assert [racer.returncode for racer in racers] == [0, 0], outputs
    ids = {out.strip() for out, _ in outputs}
    assert len(ids) == 1
    assert store.submissions(team.session_id)["submission_id"].tolist() == [int(ids.pop())]


@pytest.mark.parametrize(
    ("answers", "key"),
    [
        ([4, 5], "store.answers_not_mapping"),
        ("q1=4", "store.answers_not_mapping"),
        ({"q1": float("nan")}, "store.answers_not_json"),
        ({"q1": object()}, "store.answers_not_json"),
        ({"q1": {1, 2}}, "store.answers_not_json"),
        ({1: 4}, "store.answers_bad_item"),
        ({" ": 4}, "store.answers_bad_item"),
        ({"essay": "字" * 30_000}, "store.answers_too_large"),  # 90,000 bytes of UTF-8 > 64 KiB
    ],
)
def test_answers_that_cannot_be_stored(store, team, answers, key):
    with pytest.raises(WorkbookInputError) as bad:
        store.submit(team, "relationship_health", "1", answers, key=new_key())
    assert keys_of(bad) == [key]
    assert store.submissions(team.session_id).empty


def test_bad_submission_details(store, team):
    other = store.add_respondent(store.add_team(team.session_id, "华北组"), "李雷")
    cases = [
        ({"key": ""}, "store.bad_key"),
        ({"key": "has space"}, "store.bad_key"),
        ({"key": "k" * 65}, "store.bad_key"),
        ({"key": None}, "store.bad_key"),
        ({"created_at": datetime(2026, 3, 1, 10, 30)}, "store.naive_time"),
        ({"created_at": "2026-03-01"}, "store.not_time"),
        ({"respondent": other}, "store.respondent_other_team"),
        ({"respondent": 999}, "store.unknown_respondent"),
        ({"account": "C" * 201}, "store.text_too_long"),
    ]
    for change, key in cases:
        arguments = {"key": new_key(), **change}
        with pytest.raises(WorkbookInputError) as bad:
            store.submit(team, "relationship_health", "1", {"q1": 4}, **arguments)
        assert keys_of(bad) == [key], change
    with pytest.raises(WorkbookInputError) as unknown:
        store.submit(999, "relationship_health", "1", {"q1": 4}, key=new_key())
    assert keys_of(unknown) == ["store.unknown_team"]
    assert store.submissions(team.session_id).empty


def test_submissions_filter_and_expand(store, team):
    other = store.add_team(team.session_id, "华北组")
    store.submit(team, "relationship_health", "1", {"q1": 4, "q2": 2}, key="a", account="C1")
    store.submit(other, "relationship_health", "1", {"q1": 5}, key="b", account="C2")
    store.submit(team, "service_capability", "1", {"s1": 3}, key="c")
    session = team.session_id
    assert store.submissions(session)["idempotency_key"].tolist() == ["a", "b", "c"]
    assert store.submissions(session, team=team)["idempotency_key"].tolist() == ["a", "c"]
    assert store.submissions(session, instrument_id="relationship_health")["account"].tolist() == ["C1", "C2"]
    wide = store.submissions(session, instrument_id="relationship_health", expand=True)
    assert [c for c in wide.columns if c.startswith("answer.")] == ["answer.q1", "answer.q2"]
    assert wide["answer.q1"].tolist() == [4, 5]
    assert wide["answer.q2"].iloc[0] == 2 and pd.isna(wide["answer.q2"].iloc[1])  # not answered: NaN


def test_an_empty_session_gives_empty_frames_with_the_columns(store):
    session = store.create_session("空")
    frame = store.submissions(session)
    assert frame.empty and list(frame.columns) == list(SUBMISSION_COLUMNS)
    assert str(frame["created_at"].dtype) == "datetime64[us, UTC]"
    assert list(store.attempts(session).columns) == list(ATTEMPT_COLUMNS)


def test_expand_answers_keeps_index_and_does_not_mutate():
    frame = pd.DataFrame({"submission_id": [7, 9], "answers": [{"q1": 4}, {"q2": [1, 2]}]}, index=[10, 20])
    wide = expand_answers(frame)
    assert wide.index.tolist() == [10, 20] and "answers" in frame.columns
    assert wide.loc[20, "answer.q2"] == [1, 2] and pd.isna(wide.loc[20, "answer.q1"])


# --- exercise attempts ------------------------------------------------------------------------------


def test_attempts_link_to_respondent_team_and_session(store, team):
    person = store.add_respondent(team, "王芳")
    at = datetime(2026, 3, 1, 9, 0, tzinfo=SHANGHAI)
    linked = store.record_attempt("rfm_1", False, "R=3", respondent=person, attempted_at=at)
    assert (linked.session_id, linked.team_id, linked.respondent_id) == (team.session_id, team.id, person.id)
    assert linked.attempted_at == datetime(2026, 3, 1, 1, 0, tzinfo=UTC)  # 09:00 Shanghai = 01:00 UTC
    store.record_attempt("rfm_1", np.bool_(True), "R=4", team=team)
    solo = store.record_attempt("nps_1", True, "NPS=20", trainee="自学学员")
    assert solo.session_id is None and solo.trainee == "自学学员"
    frame = store.attempts(team.session_id)
    assert list(frame.columns) == list(ATTEMPT_COLUMNS)
    assert frame["correct"].tolist() == [False, True] and frame["correct"].dtype == bool
    assert frame["respondent"].tolist()[0] == "王芳" and frame["team"].tolist() == ["华东销售一组"] * 2
    assert len(store.attempts()) == 3
    assert store.attempts(task_id="nps_1")["trainee"].tolist() == ["自学学员"]


def test_attempt_keys_are_optional_but_idempotent(store):
    store.record_attempt("t1", True)
    store.record_attempt("t1", True)  # no key: two real attempts
    first = store.record_attempt("t1", False, key="retry-me")
    assert store.record_attempt("t1", False, key="retry-me") == first
    assert len(store.attempts()) == 3


def test_bad_attempts(store, team):
    person = store.add_respondent(team, "王芳")
    other_team = store.add_team(team.session_id, "华北组")
    other_session = store.create_session("第2期")
    cases = [
        ({"task_id": ""}, "store.empty_text"),
        ({"correct": 1}, "store.not_bool"),
        ({"correct": "yes"}, "store.not_bool"),
        ({"answer_summary": 42}, "store.not_text"),
        ({"respondent": person, "team": other_team}, "store.respondent_other_team"),
        ({"team": team, "session": other_session}, "store.team_other_session"),
        ({"session": 999}, "store.unknown_session"),
        ({"attempted_at": datetime(2026, 3, 1)}, "store.naive_time"),
    ]
    for change, key in cases:
        arguments = {"task_id": "t1", "correct": True, **change}
        with pytest.raises(WorkbookInputError) as bad:
            store.record_attempt(**arguments)
        assert keys_of(bad) == [key], change
    assert store.attempts().empty


def test_a_long_answer_summary_is_cut_not_refused(store):
    limit = MAX_CHARS["answer_summary"]
    kept = store.record_attempt("essay", True, "答" * (limit + 500))
    assert kept.answer_summary == "答" * limit


# --- export -----------------------------------------------------------------------------------------

INJECTIONS = {
    "comment": "=1+1",
    "plus": "+86 138 0000 0000",
    "dash": "-2+3",
    "at": "@SUM(A1:A9)",
    "tab": "\t=cmd",
    "cr": "\r=cmd",
    "dde": "=cmd|' /C calc'!A0",
}


@pytest.fixture
def risky_session(store):
    session = store.create_session('=HYPERLINK("http://x.invalid","点我")', held_on=date(2026, 3, 1))
    team = store.add_team(session, "@团队")
    person = store.add_respondent(team, "-王芳")
    answers = {"score": 5, "minus": -3, "ratio": 0.5, "plain": "交付慢", **INJECTIONS, "list": ["=x", 1]}
    created = datetime(2026, 3, 1, 2, 30, tzinfo=UTC)
    store.submit(team, "relationship_health", "1", answers, key="x1", account="+C00017", respondent=person,
                 created_at=created)  # fmt: skip
    store.record_attempt("rfm_1", True, "=cmd|' /C calc'!A0", respondent=person, attempted_at=created)
    return session


def _sheet_rows(sheet) -> list[dict]:
    rows = list(sheet.iter_rows())
    header = [cell.value for cell in rows[0]]
    return [dict(zip(header, row, strict=True)) for row in rows[1:]]


def test_xlsx_export_neutralises_formulas_and_keeps_numbers(store, risky_session, tmp_path):
    written = store.export(risky_session, tmp_path / "report.xlsx")
    assert written == [tmp_path / "report.xlsx"]
    book = openpyxl.load_workbook(written[0])
    assert book.sheetnames == ["sessions", "teams", "respondents", "submissions", "attempts"]
    formulas = [c.coordinate for ws in book for row in ws.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []
    (row,) = _sheet_rows(book["submissions"])
    for item, text in INJECTIONS.items():
        # XML reads a bare carriage return back as a line feed; the quote in front is what matters.
        assert row[f"answer.{item}"].value == "'" + text.replace("\r", "\n"), item
        assert row[f"answer.{item}"].data_type == "s"
    assert (row["answer.score"].value, row["answer.score"].data_type) == (5, "n")
    assert (row["answer.minus"].value, row["answer.minus"].data_type) == (-3, "n")  # numbers stay numbers
    assert row["answer.ratio"].value == 0.5 and row["answer.plain"].value == "交付慢"
    assert row["answer.list"].value == '["=x", 1]'  # nested answer as JSON text, starts with "[": safe
    assert row["team"].value == "'@团队" and row["respondent"].value == "'-王芳"
    assert row["account"].value == "'+C00017"
    assert row["created_at (UTC)"].value == datetime(2026, 3, 1, 2, 30)
    assert _sheet_rows(book["sessions"])[0]["title"].value.startswith("'=HYPERLINK(")
    assert _sheet_rows(book["attempts"])[0]["answer_summary"].value == "'=cmd|' /C calc'!A0"
    assert _sheet_rows(book["attempts"])[0]["correct"].value is True


def test_csv_export_writes_one_file_per_table_with_formulas_neutralised(store, risky_session, tmp_path):
    written = store.export(risky_session, tmp_path / "第1期.csv")
    names = ["sessions", "teams", "respondents", "submissions", "attempts"]
    assert written == [tmp_path / f"第1期_{name}.csv" for name in names]
    assert written[3].read_bytes().startswith(b"\xef\xbb\xbf")  # BOM for Excel
    with written[3].open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    for item, text in INJECTIONS.items():
        assert row[f"answer.{item}"] == "'" + text, item
    assert (row["answer.score"], row["answer.minus"], row["answer.ratio"]) == ("5", "-3", "0.5")
    assert row["team"] == "'@团队" and row["answer.plain"] == "交付慢"
    assert row["created_at (UTC)"] == "2026-03-01 02:30:00"
    with written[4].open(encoding="utf-8-sig", newline="") as handle:
        assert next(csv.DictReader(handle))["answer_summary"] == "'=cmd|' /C calc'!A0"


def test_export_shows_times_in_the_chosen_zone(store, risky_session, tmp_path):
    path = store.export(risky_session, tmp_path / "r.xlsx", tz="Asia/Shanghai")[0]
    (row,) = _sheet_rows(openpyxl.load_workbook(path)["submissions"])
    assert row["created_at (Asia/Shanghai)"].value == datetime(2026, 3, 1, 10, 30)  # 02:30 UTC + 8 h


def test_export_drops_characters_excel_cannot_hold(store, team, tmp_path):
    store.submit(team, "relationship_health", "1", {"note": "交付\x01慢"}, key="ctl")
    path = store.export(team.session_id, tmp_path / "r.xlsx")[0]
    (row,) = _sheet_rows(openpyxl.load_workbook(path)["submissions"])
    assert row["answer.note"].value == "交付慢"


def test_export_refuses_other_formats_and_leaves_no_file(store, team, tmp_path):
    out = tmp_path / "out"
    with pytest.raises(WorkbookInputError) as bad:
        store.export(team.session_id, out / "report.pdf")
    assert keys_of(bad) == ["store.bad_export_format"]
    with pytest.raises(WorkbookInputError) as unknown:
        store.export(999, out / "report.xlsx")
    assert keys_of(unknown) == ["store.unknown_session"]
    assert not out.exists()


def test_neutralise_formulas_is_pure_and_touches_only_text():
    frame = pd.DataFrame(
        {
            "text": ["=1", "+1", "-1", "@a", "\tb", "\rc", "ok", None],
            "mixed": [-1, "-1", 2.5, "x", None, "=y", 3, "z"],
            "number": [-1.0, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0, 8.0],
        }
    )
    before = frame.copy()
    safe = neutralise_formulas(frame)
    pd.testing.assert_frame_equal(frame, before)
    assert safe["text"].tolist()[:7] == ["'=1", "'+1", "'-1", "'@a", "'\tb", "'\rc", "ok"]
    assert pd.isna(safe["text"].iloc[7])
    assert safe["mixed"].tolist()[:4] == [-1, "'-1", 2.5, "x"] and safe["mixed"].iloc[5] == "'=y"
    pd.testing.assert_series_equal(safe["number"], frame["number"])


# --- durability and load ----------------------------------------------------------------------------

BURST = """
import sys
from workbook.store import Store
store = Store(sys.argv[1])
team = int(sys.argv[2])
for i in range(1_000_000):
    key = f"burst-{i}"
    store.submit(team, "durability", "1", {"i": i}, key=key)
    print(key, flush=True)  # printed only after submit() returned: an acknowledged write
"""


def _read_lines(proc: subprocess.Popen, wanted: int, deadline: float) -> bytes:
    """Bytes from the child's stdout until ``wanted`` lines arrived (or the deadline passed)."""
    selector = selectors.DefaultSelector()
    selector.register(proc.stdout, selectors.EVENT_READ)
    data = b""
    while data.count(b"\n") < wanted and time.monotonic() < deadline:
        if selector.select(timeout=0.5):
            chunk = os.read(proc.stdout.fileno(), 65536)
            if not chunk:  # the child ended early
                break
            data += chunk
    selector.close()
    return data


def test_acknowledged_submissions_survive_kill_9(store, store_url, team):
    child = subprocess.Popen(
        [sys.executable, "-c", BURST, store_url, str(team.id)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT,
    )  # fmt: skip
    try:
        data = _read_lines(child, wanted=40, deadline=time.monotonic() + 60)
        os.kill(child.pid, signal.SIGKILL)  # mid-burst: it would go on for a million submits
        rest, errors = child.communicate(timeout=30)
    finally:
        if child.poll() is None:
            child.kill()
    assert child.returncode == -signal.SIGKILL, errors.decode(errors="replace")
    # Only complete lines count: a key half-printed when the kill came was not acknowledged.
    acknowledged = (data + rest).split(b"\n")[:-1]
    assert len(acknowledged) >= 40
    stored = Store(store_url)
    try:
        keys = stored.submissions(team.session_id)["idempotency_key"].tolist()
        if stored.engine.dialect.name == "sqlite":
            with stored.engine.connect() as connection:
                assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    finally:
        stored.close()
    assert {k.decode() for k in acknowledged} <= set(keys)
    # At most the one submit in flight when the kill came is stored without its acknowledgement.
    assert len(acknowledged) <= len(keys) <= len(acknowledged) + 1
    assert keys == [f"burst-{i}" for i in range(len(keys))]


def test_a_class_of_40_submitting_5_times_each_does_not_contend(store, store_url, team):
    trainees, rounds = 40, 5
    kernels = [Store(store_url) for _ in range(trainees)]  # one store per Voilà kernel
    for kernel in kernels:
        kernel.sessions()
    start = threading.Barrier(trainees)
    slowest = [0.0] * trainees
    failures: list[BaseException] = []

    def trainee(i: int) -> None:
        start.wait()
        try:
            for r in range(rounds):
                began = time.perf_counter()
                kernels[i].submit(team, "relationship_health", "1", {"q1": r}, key=f"t{i}-r{r}")
                slowest[i] = max(slowest[i], time.perf_counter() - began)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=trainee, args=(i,)) for i in range(trainees)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    elapsed = time.perf_counter() - began
    for kernel in kernels:
        kernel.close()
    assert failures == []
    assert len(store.submissions(team.session_id)) == trainees * rounds
    # Generous bounds for a 2-core machine: each submit is one short transaction (a few ms).
    assert elapsed < 30 and max(slowest) < 10, (elapsed, max(slowest))


# --- plain records ----------------------------------------------------------------------------------


def test_records_outlive_the_store(store_url):
    # Values come back as plain dataclasses: usable after the store closed (no detached ORM rows).
    with Store(store_url) as store:
        session = store.create_session("第1期")
        team = store.add_team(session, "A")
        sent = store.submit(team, "x", "1", {"q": 1}, key="k")
    assert (session.title, team.name, sent.answers) == ("第1期", "A", {"q": 1})
    with pytest.raises(AttributeError):
        session.title = "改"  # frozen


def test_error_messages_read_well_in_both_languages(store):
    with pytest.raises(WorkbookInputError) as bad:
        store.session_by_code("ZZZZZZ")
    expected = "没有加入码为 ZZZZZZ 的课堂。请核对加入码，或向培训师确认本期课堂已创建。"
    assert bad.value.message("zh") == expected  # no heading: the sentence names the code
    assert bad.value.message("en").startswith("no session has the join code ZZZZZZ")


def test_received_at_is_server_time_even_for_an_old_client_clock(store, team):
    stale = datetime.now(UTC) - timedelta(days=3)
    stored = store.submit(team, "x", "1", {"q": 1}, key="late", created_at=stale)
    assert stored.created_at == stale
    assert stored.received_at - stored.created_at > timedelta(days=2)


# --- a session's life: renamed, closed at the end, archived --------------------------------------


def test_a_session_is_renamed_closed_reopened_and_archived_without_losing_anything(store, team):
    session = store.session_by_id(team.session_id)
    first = store.submit(team, "pulse", "1.0", {"recommend": 9}, key="before-close")
    assert store.rename_session(session, "  大客户关系诊断 第2期 ").title == "大客户关系诊断 第2期"
    closed = store.close_session(session)
    assert closed.closed and closed.code == session.code
    with pytest.raises(WorkbookInputError) as refused:
        store.submit(team, "pulse", "1.0", {"recommend": 3}, key="after-close")
    assert keys_of(refused) == ["store.session_closed"]
    assert "大客户关系诊断 第2期" in str(refused.value)
    # an answer acknowledged before the close, re-sent by a page that never saw the answer, is still found
    assert store.submit(team, "pulse", "1.0", {"recommend": 9}, key="before-close").id == first.id
    for join in (lambda: store.add_team(session, "新团队"), lambda: store.add_respondent(team, "新学员")):
        with pytest.raises(WorkbookInputError) as refused:
            join()
        assert keys_of(refused) == ["store.session_closed"]
    store.close_session(session, closed=False)
    store.submit(team, "pulse", "1.0", {"recommend": 3}, key="after-reopen")
    store.archive_session(session)
    assert session.id not in [s.id for s in store.sessions()]
    assert session.id in [s.id for s in store.sessions(archived=True)]
    assert len(store.submissions(store.session_by_code(session.code))) == 2  # reports and exports still work
    store.archive_session(session, archived=False)
    assert store.sessions()[0].id == session.id


def test_sessions_are_listed_newest_first(store):
    made = [store.create_session(f"第{i}期") for i in range(3)]
    assert [s.id for s in store.sessions()] == [s.id for s in reversed(made)]


def test_a_store_from_an_earlier_version_gains_the_new_columns_and_keeps_its_rows(tmp_path):
    import sqlite3

    url = f"sqlite:///{tmp_path / 'old.sqlite'}"
    with Store(url) as old:
        code = old.create_session("上季度").code
    with sqlite3.connect(tmp_path / "old.sqlite") as db:  # the store as the previous release made it
        db.execute("ALTER TABLE workshop_sessions DROP COLUMN closed_at")
        db.execute("ALTER TABLE workshop_sessions DROP COLUMN archived_at")
    with Store(url) as upgraded:
        session = upgraded.session_by_code(code)
        assert session.title == "上季度" and not session.closed
        assert upgraded.close_session(session).closed
    columns = {c["name"] for c in inspect(Store(url).engine).get_columns("workshop_sessions")}
    assert {"closed_at", "archived_at"} <= columns
