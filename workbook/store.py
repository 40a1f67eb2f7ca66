"""The submission store: workshop sessions, teams, respondents, self-assessments and exercise attempts.

One :class:`Store` object is all an app needs. By default it keeps a SQLite file,
``workbook.sqlite``, in the data folder (``$WORKBOOK_DATA_DIR``, else ``data/`` at the
top of the project); a shared deployment points it at any SQLAlchemy URL instead,
e.g. PostgreSQL, through ``$WORKBOOK_DATABASE_URL`` or ``Store(url=...)``. Tables are
created on first use.

What is kept
------------
* **workshop sessions**: a title, the date held, a short join code that trainees type
  (6 characters, no look-alike 0/O/1/I), optionally a hash of the trainer's code and a
  link to an earlier session of the same teams (re-assessment next quarter);
* **teams** of a session and **respondents** of a team (a display name or an anonymous id);
* **submissions**: one filled-in instrument (questionnaire id + version), the account
  rated if the instrument rates one, the answers as JSON, the time the respondent
  filled it in and the time the store received it (both UTC);
* **exercise attempts**: task id, correct or not, a short summary of the answer, when,
  and whichever of session, team, respondent or trainee name is known.

Nothing submitted is lost or doubled
------------------------------------
Every submission carries an idempotency key made by the client (:func:`new_key`) when
the respondent presses "submit"; sending it again after a time-out, a double click or a
reconnect returns the row already stored instead of storing a second one, also when two
processes race (a unique constraint decides, the loser reads the winner's row). On
SQLite every connection runs in WAL mode with ``synchronous=FULL`` and a busy timeout,
so a write that returned has reached the disk and survives the process being killed,
and 40 trainees submitting at once only queue for a few milliseconds each. Write
transactions are short (one insert after two look-ups) and start with
``BEGIN IMMEDIATE``, so they wait for the lock instead of failing.

Everything returned is a plain frozen dataclass, a list of dicts or a pandas DataFrame, never an
ORM object, so widget callbacks in long-lived kernels can keep results around safely. pandas is
imported only where a table is built: a trainee's kernel joins, submits and reads its team's
answers (:meth:`Store.submission_records`) without it.

Example
-------
>>> from workbook.store import Store, new_key
>>> store = Store("sqlite://")                     # in memory; Store() uses the data folder
>>> session = store.create_session("大客户关系诊断 第1期")
>>> len(session.code)
6
>>> team = store.add_team(store.session_by_code(session.code.lower()), "华东销售一组")
>>> key = new_key()
>>> first = store.submit(team, "relationship", "1.0", {"trust_1": 4}, key=key, account="C00017")
>>> again = store.submit(team, "relationship", "1.0", {"trust_1": 4}, key=key, account="C00017")
>>> first.id == again.id, len(store.submissions(session))
(True, 1)
>>> store.close()
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import threading
import unicodedata
import uuid
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Select,
    String,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy import inspect as inspect_schema
from sqlalchemy import text as sql_text
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, aliased, mapped_column, sessionmaker
from sqlalchemy.types import TypeDecorator

from workbook.errors import fail
from workbook.i18n import label

if TYPE_CHECKING:
    import pandas as pd

# --- Settings: every default of this module, in one place -------------------------------------------

DATABASE_URL_ENV = "WORKBOOK_DATABASE_URL"  # any SQLAlchemy URL; wins over the data folder
DATA_DIR_ENV = "WORKBOOK_DATA_DIR"  # folder of the default SQLite file
TRAINER_CODE_ENV = "WORKBOOK_TRAINER_CODE_HASH"  # the trainer code, only as hash_trainer_code() made it
DEFAULT_DATA_DIR = Path(__file__).resolve().parents[1] / "data"  # gitignored
DATABASE_FILE = "workbook.sqlite"

SQLITE_BUSY_TIMEOUT_MS = 15_000  # a writer waits this long for the lock before giving up
# 32 symbols without the look-alikes 0/O and 1/I: 32**6 ≈ 1.07e9 codes, easy to read out in class.
CODE_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"
CODE_LENGTH = 6
CODE_TRIES = 8  # new random codes drawn when one is taken

KEY_PATTERN = re.compile(r"[A-Za-z0-9._:\-]{1,64}")  # idempotency keys: uuid hex, ulid, "u17-3", ...
TOKEN_PATTERN = re.compile(r"[A-Za-z0-9]{16,64}")  # a browser's respondent token (random, made by the page)
LABEL_TRIES = 20  # a respondent label taken at the same moment by another browser: try the next one
MAX_ANSWERS_BYTES = 64 * 1024  # one questionnaire's answers as JSON; far above any real instrument
# Longest text kept per field (characters). answer_summary is cut, the others are refused.
MAX_CHARS = {
    "title": 200,
    "team_name": 100,
    "display_name": 100,
    "anonymous_id": 64,
    "instrument_id": 64,
    "instrument_version": 32,
    "account": 200,
    "task_id": 100,
    "trainee": 100,
    "answer_summary": 2000,
    "trainer_code_hash": 256,
}

TRAINER_HASH_ITERATIONS = 200_000  # PBKDF2-HMAC-SHA256; ~0.1 s per check, slow for a guesser
GUARD_SCOPE = "trainer_dashboard"  # one guard for the dashboard's code, shared by every page and kernel


@dataclass(frozen=True)
class CodeGuardPolicy:
    """How wrong trainer codes slow a guesser down (seconds); kept in the store, so new pages share it.

    The first ``free_failures`` wrong codes in a row cost nothing (typos); after that each one makes
    the next attempt wait ``base_delay_s`` doubled per failure, at most ``max_delay_s``; from
    ``lockout_failures`` wrong codes in a row on, every further wrong code locks the dashboard for
    ``lockout_s``. The right code resets the count. With the defaults a guesser gets 10 codes in the
    first ≈ 2 minutes, then one per 15 minutes (≈ 100 a day) — against the 32⁶ ≈ 10⁹ codes of
    a generated trainer code.

    >>> CodeGuardPolicy().wait_after(5), CodeGuardPolicy().wait_after(10)
    (4.0, 900.0)
    """

    free_failures: int = 3
    base_delay_s: float = 2.0
    max_delay_s: float = 60.0
    lockout_failures: int = 10
    lockout_s: float = 15 * 60.0

    def wait_after(self, failures: int) -> float:
        """Seconds before the next attempt is taken, after ``failures`` wrong codes in a row."""
        if failures >= self.lockout_failures:
            return self.lockout_s
        if failures <= self.free_failures:
            return 0.0
        return min(self.base_delay_s * 2 ** (failures - self.free_failures - 1), self.max_delay_s)


DEFAULT_GUARD = CodeGuardPolicy()

# OWASP CSV-injection guidance: text starting with these may be run as a formula by a spreadsheet.
# Full-width forms too: Chinese input methods type them, and WPS / Excel may read ＝ as =.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r", "\n", "＝", "＋", "－", "＠")
# A spreadsheet skips these before a formula (" =1+1", "\n=1+1"), so they are looked through.
FORMULA_LEADING_SPACE = " \t\r\n\u00a0\u3000"
ANSWER_PREFIX = "answer."  # column name prefix of expanded answers
EXPORT_FORMATS = (".xlsx", ".csv")

_WRITE = "workbook_write"  # execution option: this transaction will write (SQLite: BEGIN IMMEDIATE)


# --- Plain records handed to callers ----------------------------------------------------------------


@dataclass(frozen=True)
class WorkshopSession:
    """A workshop session; trainees join it with ``code``. Times are UTC."""

    id: int
    code: str
    title: str
    held_on: date
    created_at: datetime
    previous_session_id: int | None = None
    trainer_code_hash: str | None = field(default=None, repr=False)
    closed_at: datetime | None = None  # no more submissions after this (answers stay in the browser)
    archived_at: datetime | None = None  # hidden from the dashboard's list; kept for reports and exports

    @property
    def closed(self) -> bool:
        return self.closed_at is not None

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


@dataclass(frozen=True)
class Team:
    """A team within a session."""

    id: int
    session_id: int
    name: str
    created_at: datetime


@dataclass(frozen=True)
class Respondent:
    """A member of a team: a display name, or only the anonymous id."""

    id: int
    team_id: int
    session_id: int
    anonymous_id: str
    display_name: str | None
    created_at: datetime

    @property
    def label(self) -> str:
        """What to show for this person: the display name, else the anonymous id."""
        return self.display_name or self.anonymous_id


@dataclass(frozen=True)
class Submission:
    """One filled-in instrument. ``created_at``: filled in (client); ``received_at``: stored (server)."""

    id: int
    key: str
    session_id: int
    team_id: int
    respondent_id: int | None
    instrument_id: str
    instrument_version: str
    account: str | None
    answers: dict[str, Any]
    created_at: datetime
    received_at: datetime


@dataclass(frozen=True)
class Attempt:
    """One answer to an exercise task, right or wrong."""

    id: int
    key: str | None
    task_id: str
    correct: bool
    answer_summary: str
    attempted_at: datetime
    session_id: int | None = None
    team_id: int | None = None
    respondent_id: int | None = None
    trainee: str | None = None


@dataclass(frozen=True)
class CodeCheck:
    """The outcome of one trainer-code attempt (:meth:`Store.check_trainer_code`).

    ``ok``: the code was right. ``checked``: it was compared at all (False while a wait or a lockout
    runs: the attempt is refused unseen, so guessing faster gains nothing). ``failures``: wrong codes
    in a row so far (before the reset, when ``ok``). ``wait_s``: seconds until the next attempt is
    taken. ``locked``: the wait is a lockout (``CodeGuardPolicy.lockout_failures`` reached).
    ``last_failure_at``: when the last wrong code came (UTC), or None.
    """

    ok: bool
    checked: bool
    failures: int
    wait_s: float
    locked: bool
    last_failure_at: datetime | None = None


# --- Tables -----------------------------------------------------------------------------------------


class UTCDateTime(TypeDecorator):
    """Aware datetimes stored as UTC and read back as aware UTC, on every backend.

    SQLite has no time zones (it would keep the wall clock and drop the offset), so
    values are converted to UTC before they are written and marked UTC when read.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class SessionRow(Base):
    __tablename__ = "workshop_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(CODE_LENGTH), unique=True)
    title: Mapped[str] = mapped_column(String(MAX_CHARS["title"]))
    held_on: Mapped[date]
    trainer_code_hash: Mapped[str | None] = mapped_column(String(MAX_CHARS["trainer_code_hash"]))
    previous_session_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_sessions.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def record(self) -> WorkshopSession:
        return WorkshopSession(
            self.id, self.code, self.title, self.held_on, self.created_at,
            self.previous_session_id, self.trainer_code_hash, self.closed_at, self.archived_at,
        )  # fmt: skip


class TeamRow(Base):
    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("session_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id"), index=True)
    name: Mapped[str] = mapped_column(String(MAX_CHARS["team_name"]))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def record(self) -> Team:
        return Team(self.id, self.session_id, self.name, self.created_at)


class RespondentRow(Base):
    __tablename__ = "respondents"
    # Two NULL display names never clash (SQL semantics), so anonymous members are unlimited.
    __table_args__ = (UniqueConstraint("team_id", "display_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id"), index=True)
    anonymous_id: Mapped[str] = mapped_column(String(MAX_CHARS["anonymous_id"]), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(MAX_CHARS["display_name"]))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def record(self) -> Respondent:
        return Respondent(
            self.id, self.team_id, self.session_id, self.anonymous_id, self.display_name, self.created_at
        )


class SubmissionRow(Base):
    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(64), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("workshop_sessions.id"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondents.id"))
    instrument_id: Mapped[str] = mapped_column(String(MAX_CHARS["instrument_id"]))
    instrument_version: Mapped[str] = mapped_column(String(MAX_CHARS["instrument_version"]))
    account: Mapped[str | None] = mapped_column(String(MAX_CHARS["account"]))
    answers: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)

    def record(self) -> Submission:
        return Submission(
            self.id, self.idempotency_key, self.session_id, self.team_id, self.respondent_id,
            self.instrument_id, self.instrument_version, self.account, dict(self.answers),
            self.created_at, self.received_at,
        )  # fmt: skip


class AttemptRow(Base):
    __tablename__ = "exercise_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    idempotency_key: Mapped[str | None] = mapped_column(String(64), unique=True)
    task_id: Mapped[str] = mapped_column(String(MAX_CHARS["task_id"]), index=True)
    correct: Mapped[bool]
    answer_summary: Mapped[str] = mapped_column(String(MAX_CHARS["answer_summary"]))
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    session_id: Mapped[int | None] = mapped_column(ForeignKey("workshop_sessions.id"), index=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    respondent_id: Mapped[int | None] = mapped_column(ForeignKey("respondents.id"))
    trainee: Mapped[str | None] = mapped_column(String(MAX_CHARS["trainee"]))

    def record(self) -> Attempt:
        return Attempt(
            self.id, self.idempotency_key, self.task_id, self.correct, self.answer_summary,
            self.attempted_at, self.session_id, self.team_id, self.respondent_id, self.trainee,
        )  # fmt: skip


class CodeGuardRow(Base):
    """Wrong trainer codes in a row, and until when attempts are refused, per guarded code."""

    __tablename__ = "code_guards"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(64), unique=True)
    failures: Mapped[int] = mapped_column(default=0)
    last_failure_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    retry_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


# --- Connecting -------------------------------------------------------------------------------------


def database_url(url: str | URL | None = None) -> str:
    """The database to use: ``url``, else ``$WORKBOOK_DATABASE_URL``, else the SQLite file.

    The file is ``workbook.sqlite`` in ``$WORKBOOK_DATA_DIR`` or, when that is unset,
    in ``data/`` at the top of the project.

    >>> database_url("postgresql+psycopg://crm@db.example/workbook")
    'postgresql+psycopg://crm@db.example/workbook'
    """
    if url is None:
        url = os.environ.get(DATABASE_URL_ENV) or None
    if url is None:
        folder = Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR)
        url = URL.create("sqlite", database=str(folder / DATABASE_FILE))
    if isinstance(url, URL):
        return url.render_as_string(hide_password=False)
    return str(url)


def _sqlite_file(url: URL) -> Path | None:
    """The file of a SQLite URL, or None for an in-memory or URI-style database."""
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return None
    if url.database.startswith("file:"):
        return None
    return Path(url.database)


def _on_sqlite_connect(dbapi_connection, _record) -> None:
    # SQLAlchemy's recipe: sqlite3 must not emit BEGIN itself, _on_sqlite_begin does it.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")  # first: the next pragma may wait
    cursor.execute("PRAGMA journal_mode = WAL")  # readers never block the writer, nor it them
    cursor.execute("PRAGMA synchronous = FULL")  # fsync at every commit: an acknowledged write is on disk
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


def _on_sqlite_begin(connection) -> None:
    # A deferred transaction that reads and then writes can fail at once with "database is
    # locked" when another process wrote in between; BEGIN IMMEDIATE takes the write lock
    # up front and so waits (busy timeout) instead. Readers keep a plain BEGIN.
    write = connection.get_execution_options().get(_WRITE, False)
    connection.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def _add_missing_columns(engine: Engine) -> None:
    """Bring a store made by an earlier version up to date: add the (nullable) columns it lacks.

    ``create_all`` makes missing tables but never alters existing ones, and a trainer's store
    from last quarter must keep working. New columns are always nullable, so adding them is safe;
    another process adding the same column at the same moment is fine too.
    """
    for table in Base.metadata.sorted_tables:
        present = {column["name"] for column in inspect_schema(engine).get_columns(table.name)}
        for column in table.columns:
            if column.name in present or not column.nullable:
                continue
            kind = column.type.compile(dialect=engine.dialect)
            statement = f'ALTER TABLE "{table.name}" ADD COLUMN "{column.name}" {kind}'
            try:
                with engine.begin() as connection:
                    connection.execute(sql_text(statement))
            except (OperationalError, ProgrammingError):
                if column.name not in {c["name"] for c in inspect_schema(engine).get_columns(table.name)}:
                    raise


def _json_dumps(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False)  # Chinese stays readable in the file


def make_engine(url: str | URL) -> Engine:
    """A SQLAlchemy engine for ``url``, set up for the store (SQLite: WAL, busy timeout, FULL sync).

    >>> make_engine("sqlite://").dialect.name
    'sqlite'
    """
    url = make_url(url)
    path = _sqlite_file(url)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    # pre-ping: a kernel may sit idle for hours while a database server restarts.
    engine = create_engine(url, json_serializer=_json_dumps, pool_pre_ping=url.get_backend_name() != "sqlite")
    if url.get_backend_name() == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect)
        event.listen(engine, "begin", _on_sqlite_begin)
    return engine


# --- Checking input ---------------------------------------------------------------------------------


class _FieldName:
    """A field's display name, looked up when the message is shown, so it follows the page language."""

    def __init__(self, name: str):
        self.name = name

    def __str__(self) -> str:
        return label("store.field", self.name)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)

    def __repr__(self) -> str:
        return repr(self.name)


def _field(name: str) -> _FieldName:
    return _FieldName(name)


def _text(value: object, name: str, source: str, *, optional: bool = False) -> str | None:
    """A single-line text: whitespace runs collapsed, control characters dropped, length checked."""
    if value is None and optional:
        return None
    if not isinstance(value, str):
        raise fail(source, "store.not_text", field=_field(name), type=type(value).__name__)
    text = "".join(ch for ch in " ".join(value.split()) if unicodedata.category(ch) != "Cc")
    if not text:
        if optional:
            return None
        raise fail(source, "store.empty_text", field=_field(name))
    if len(text) > MAX_CHARS[name]:
        raise fail(source, "store.text_too_long", field=_field(name), limit=MAX_CHARS[name], n=len(text))
    return text


def _key(key: object, source: str, *, optional: bool = False) -> str | None:
    if key is None and optional:
        return None
    if not isinstance(key, str) or not KEY_PATTERN.fullmatch(key):
        raise fail(source, "store.bad_key", given=str(key)[:80])
    return key


def _time(value: object, name: str, source: str) -> datetime:
    """An aware datetime, or now (UTC) for None; a naive one is refused, its zone unknowable."""
    if value is None:
        return datetime.now(UTC)
    if hasattr(value, "to_pydatetime"):  # a pandas Timestamp
        value = value.to_pydatetime()
    if not isinstance(value, datetime):
        raise fail(source, "store.not_time", field=_field(name), type=type(value).__name__)
    if value.tzinfo is None or value.utcoffset() is None:
        raise fail(source, "store.naive_time", field=_field(name))
    return value.astimezone(UTC)


def _plain(value: object) -> object:
    # Widgets and pandas hand out NumPy scalars; JSON knows only Python ones.
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(type(value).__name__)


def _answers(answers: object, source: str) -> dict[str, Any]:
    """The answers as plain JSON values (NumPy scalars unwrapped), checked item by item."""
    if not isinstance(answers, Mapping):
        raise fail(source, "store.answers_not_mapping", type=type(answers).__name__)
    plain: dict[str, Any] = {}
    for item, value in answers.items():
        if not isinstance(item, str) or not item.strip():
            raise fail(source, "store.answers_bad_item", item=repr(item)[:80])
        try:
            text = json.dumps(value, default=_plain, allow_nan=False, ensure_ascii=False)
        except (TypeError, ValueError):
            raise fail(source, "store.answers_not_json", item=item, value=repr(value)[:80]) from None
        plain[item] = json.loads(text)
    size = len(_json_dumps(plain).encode("utf-8"))
    if size > MAX_ANSWERS_BYTES:
        raise fail(source, "store.answers_too_large", size_kb=size / 1024, max_kb=MAX_ANSWERS_BYTES / 1024)
    return plain


def _ref(value: object, kind: type, source: str) -> int:
    """The id of a record: the record itself (``kind``) or its integer id."""
    if isinstance(value, kind):
        return value.id
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    raise fail(source, "store.bad_reference", what=kind.__name__, value=repr(value)[:80])


def _source(value: object) -> str:
    return str(value)[:40] if value is not None else ""


# --- Join codes, keys and trainer codes --------------------------------------------------------------


def _free_label(db: Session, team_id: int, name: str | None) -> str | None:
    """``name``, or "name (2)", "name (3)", ... : the first label no member of the team has yet."""
    if name is None:
        return None
    pattern = name.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    taken = set(
        db.scalars(
            select(RespondentRow.display_name).where(
                RespondentRow.team_id == team_id, RespondentRow.display_name.like(pattern, escape="\\")
            )
        )
    )
    label, n = name, 1
    while label in taken:
        n += 1
        label = f"{name[: MAX_CHARS['display_name'] - 8]} ({n})"  # room for " (999)" within the limit
    return label


def respondent_id(token: str, session: WorkshopSession | int) -> str:
    """The respondent id of a browser's random ``token`` in one session (what the store keeps).

    The same browser is the same respondent within a session, and a different one in the next
    session; the token itself is never stored. ``token`` must be 16–64 letters or digits.

    >>> respondent_id("0123456789abcdef", 7)
    'b-2412696801382681d21671718e9773793951a1fc'
    """
    if not isinstance(token, str) or not TOKEN_PATTERN.fullmatch(token):
        raise fail("self_assessment", "store.bad_token")
    session_id = _ref(session, WorkshopSession, "store")
    digest = hashlib.sha256(f"{session_id}:{token}".encode()).hexdigest()
    return f"b-{digest[:40]}"


def new_join_code() -> str:
    """A random join code: ``CODE_LENGTH`` symbols from ``CODE_ALPHABET`` (no 0, O, 1, I).

    >>> code = new_join_code()
    >>> len(code) == 6 and not set(code) & set("0O1I")
    True
    """
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalize_join_code(code: str) -> str:
    """A join code as stored: full-width forms folded, spaces and dashes dropped, upper case.

    >>> normalize_join_code(" ab3-K9ｚ ")
    'AB3K9Z'
    """
    return re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", str(code))).upper()


def new_key() -> str:
    """A fresh idempotency key (32 hex digits). Make it when the person acts, and resend the same one.

    >>> len(new_key())
    32
    """
    return uuid.uuid4().hex


def hash_trainer_code(
    code: str, *, salt: bytes | None = None, iterations: int = TRAINER_HASH_ITERATIONS
) -> str:
    """A salted PBKDF2-HMAC-SHA256 hash of a trainer's code, to store with a session.

    Format: ``pbkdf2_sha256$<iterations>$<salt hex>$<hash hex>``. Like a join code, the trainer
    code is read without regard to case, spaces, dashes or full-width forms
    (:func:`normalize_join_code`): both are typed from a projector or a sheet of paper.

    >>> stored = hash_trainer_code("Tide-2026", iterations=1000)
    >>> verify_trainer_code("TIDE 2026", stored), verify_trainer_code("tide", stored)
    (True, False)
    """
    salt = secrets.token_bytes(16) if salt is None else salt
    digest = hashlib.pbkdf2_hmac("sha256", normalize_join_code(code).encode("utf-8"), salt, iterations)
    return f"pbkdf2_sha256${iterations}${salt.hex()}${digest.hex()}"


def verify_trainer_code(code: str, stored: str | None) -> bool:
    """Whether ``code`` matches a hash made by :func:`hash_trainer_code` (constant-time compare)."""
    try:
        scheme, iterations, salt, expected = (stored or "").split("$")
        salt_bytes = bytes.fromhex(salt)
    except ValueError:
        return False
    if scheme != "pbkdf2_sha256":
        return False
    given = normalize_join_code(code).encode("utf-8")
    digest = hashlib.pbkdf2_hmac("sha256", given, salt_bytes, int(iterations))
    return hmac.compare_digest(digest.hex(), expected)


SECURITY_LOG = logging.getLogger("workbook.security")


def _log_attempt(scope: str, result: CodeCheck) -> None:
    """One line per trainer-code attempt: a guesser shows up in the server's log."""
    if result.ok:
        SECURITY_LOG.info("%s: trainer code accepted (%d wrong before)", scope, result.failures)
    elif not result.checked:
        kind = "lockout" if result.locked else "back-off"
        SECURITY_LOG.warning("%s: attempt refused unchecked, %.0f s of %s left (%d wrong in a row)", scope,
                             result.wait_s, kind, result.failures)  # fmt: skip
    else:
        SECURITY_LOG.warning("%s: wrong trainer code (%d in a row; next attempt in %.0f s%s)", scope,
                             result.failures, result.wait_s, ", locked" if result.locked else "")  # fmt: skip


# --- Tables as DataFrames ---------------------------------------------------------------------------

SUBMISSION_COLUMNS = (
    "submission_id", "session_id", "team_id", "team", "respondent_id", "respondent", "instrument_id",
    "instrument_version", "account", "answers", "created_at", "received_at", "idempotency_key",
)  # fmt: skip
ATTEMPT_COLUMNS = (
    "attempt_id", "session_id", "team_id", "team", "respondent_id", "respondent", "trainee", "task_id",
    "correct", "answer_summary", "attempted_at", "idempotency_key",
)  # fmt: skip
_ID_COLUMNS = {"submission_id", "attempt_id", "session_id", "team_id", "respondent_id", "id",
               "previous_session_id"}  # fmt: skip
_TIME_COLUMNS = {"created_at", "received_at", "attempted_at"}
_OBJECT_COLUMNS = {"answers", "held_on"}  # dicts and dates: kept as Python objects


def _frame(records: list[dict[str, Any]], columns: tuple[str, ...]) -> pd.DataFrame:
    """Records as a DataFrame with stable dtypes, also when there are none.

    Ids are nullable ``Int64``, times ``datetime64[us, UTC]``, ``correct`` bool, ``answers``
    dicts and ``held_on`` dates (object), everything else text.
    """
    import pandas as pd

    frame = pd.DataFrame.from_records(records, columns=list(columns))
    for column in frame.columns:
        if column in _ID_COLUMNS:
            frame[column] = frame[column].astype("Int64")
        elif column in _TIME_COLUMNS:
            frame[column] = pd.to_datetime(frame[column], utc=True).astype("datetime64[us, UTC]")
        elif column == "correct":
            frame[column] = frame[column].astype(bool)
        elif column not in _OBJECT_COLUMNS:
            frame[column] = frame[column].astype("str")
    return frame


def expand_answers(submissions: pd.DataFrame) -> pd.DataFrame:
    """Replace the ``answers`` column (dicts) by one column per item, named ``answer.<item>``.

    Items appear in the order first seen; a submission without an item gets NaN there.
    Nested values (lists, dicts) stay as they are.

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"submission_id": [1, 2], "answers": [{"q1": 4}, {"q1": 2, "q2": "好"}]})
    >>> expand_answers(frame).columns.tolist()
    ['submission_id', 'answer.q1', 'answer.q2']
    """
    import pandas as pd

    items = pd.json_normalize(submissions["answers"].tolist(), max_level=0)
    items.index = submissions.index
    items.columns = [f"{ANSWER_PREFIX}{c}" for c in items.columns]
    return pd.concat([submissions.drop(columns="answers"), items], axis=1)


def neutralise_formulas(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot run as spreadsheet formulas.

    Any text cell starting with ``=``, ``+``, ``-``, ``@``, tab, carriage return or line
    feed (:data:`FORMULA_PREFIXES`, with their full-width forms), also after leading spaces
    or line breaks (``" =1+1"``, ``"\\n=1+1"``), gets a single quote in front (OWASP, "CSV
    Injection"), so Excel and WPS show it as text instead of evaluating e.g.
    ``=HYPERLINK(...)``. Numbers, booleans and dates are left alone: ``-3`` as a number stays
    the number −3. Quoting of separators and double quotes inside a CSV field is the CSV
    writer's (pandas quotes every field that holds one).

    >>> import pandas as pd
    >>> frame = pd.DataFrame({"a": ["=1+1", "ok", "-x", " =1+1", "\\n@SUM(A1)"], "b": [-3, 4, 5, 6, 7]})
    >>> neutralise_formulas(frame).to_dict("list")
    {'a': ["'=1+1", 'ok', "'-x", "' =1+1", "'\\n@SUM(A1)"], 'b': [-3, 4, 5, 6, 7]}
    """
    import pandas as pd

    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if not (values.dtype == object or pd.api.types.is_string_dtype(values.dtype)):
            continue
        try:
            stripped = values.str.lstrip(FORMULA_LEADING_SPACE)
            risky = (
                values.str.startswith(FORMULA_PREFIXES, na=False)
                | stripped.str.startswith(FORMULA_PREFIXES, na=False)
            ).astype(bool)
        except AttributeError:  # an object column without any text
            continue
        if risky.any():
            out[column] = values.where(~risky, "'" + values.where(risky, "").astype(str))
    return out


def response_status(tables: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Who has answered what: one row per team, from :meth:`Store.tables` of one session.

    Columns: ``team``, ``joined`` (members who joined the team), ``submitted`` (members with
    at least one stored submission: only what the store acknowledged, which is when the page
    says "submitted"), ``waiting`` (joined, nothing submitted yet) and one column per
    questionnaire id, the members who submitted it (each member once, however often they
    revised). Teams in the order they were added; a team nobody joined shows zeros.

    >>> import pandas as pd
    >>> teams = pd.DataFrame({"team_id": [1, 2], "team": ["华东一组", "华南组"]})
    >>> people = pd.DataFrame({"respondent_id": [10, 11, 12], "team_id": [1, 1, 2]})
    >>> subs = pd.DataFrame({"team_id": [1, 1, 1], "respondent_id": [10, 10, 11],
    ...                      "instrument_id": ["pulse", "pulse", "relationship"]})
    >>> response_status({"teams": teams, "respondents": people, "submissions": subs}).to_dict("records")
    [{'team': '华东一组', 'joined': 2, 'submitted': 2, 'waiting': 0, 'pulse': 1, 'relationship': 1}, \
{'team': '华南组', 'joined': 1, 'submitted': 0, 'waiting': 1, 'pulse': 0, 'relationship': 0}]
    """
    import pandas as pd

    teams, people, subs = tables["teams"], tables["respondents"], tables["submissions"]
    subs = subs.dropna(subset=["respondent_id"]).drop_duplicates(["respondent_id", "instrument_id"])
    order = pd.Index(teams["team_id"], name="team_id")
    joined = people.groupby("team_id")["respondent_id"].nunique().reindex(order, fill_value=0)
    submitted = subs.groupby("team_id")["respondent_id"].nunique().reindex(order, fill_value=0)
    per_instrument = pd.crosstab(subs["team_id"], subs["instrument_id"]).reindex(order, fill_value=0)
    status = pd.DataFrame({"team": teams["team"].to_numpy(), "joined": joined.to_numpy(),
                           "submitted": submitted.to_numpy()}, index=order)  # fmt: skip
    status["waiting"] = status["joined"] - status["submitted"]
    status = pd.concat([status, per_instrument], axis=1).reset_index(drop=True)
    status.columns.name = None
    return status.astype({c: "int64" for c in status.columns if c != "team"})


# --- The store --------------------------------------------------------------------------------------


class Store:
    """Sessions, teams, respondents, submissions and exercise attempts in one database.

    Parameters
    ----------
    url : str or sqlalchemy URL, optional
        Any SQLAlchemy URL, e.g. ``"postgresql+psycopg://user:pw@host/workbook"``. Default:
        ``$WORKBOOK_DATABASE_URL``, else the SQLite file ``workbook.sqlite`` in the data
        folder (see :func:`database_url`).

    One instance per process (kernel) is enough; it is safe to share between threads.
    Call :meth:`close` (or use ``with Store() as store:``) to release connections.
    """

    def __init__(self, url: str | URL | None = None):
        self.url = database_url(url)
        self.engine = make_engine(self.url)
        self._write_engine = self.engine.execution_options(**{_WRITE: True})  # same pool, BEGIN IMMEDIATE
        self._reader = sessionmaker(self.engine, expire_on_commit=False)
        self._writer = sessionmaker(self._write_engine, expire_on_commit=False)
        self._schema_ready = False
        self._schema_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"Store({make_url(self.url).render_as_string(hide_password=True)!r})"

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def close(self) -> None:
        """Close all pooled connections. The store reconnects if used again."""
        self.engine.dispose()

    # -- plumbing

    def _ensure_schema(self) -> None:
        if self._schema_ready:
            return
        with self._schema_lock:
            if self._schema_ready:
                return
            try:
                Base.metadata.create_all(self._write_engine)
            except (IntegrityError, OperationalError, ProgrammingError):
                # Two processes creating the tables at once (PostgreSQL): the loser's CREATE
                # fails; the tables exist now, so a second pass only checks.
                Base.metadata.create_all(self._write_engine)
            _add_missing_columns(self._write_engine)
            self._schema_ready = True

    @contextmanager
    def _reading(self) -> Iterator[Session]:
        self._ensure_schema()
        with self._reader() as db, db.begin():
            yield db

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        self._ensure_schema()
        with self._writer() as db, db.begin():
            yield db

    def _insert_or_fetch(self, build: Callable[[Session], Base], existing: Select) -> Base:
        """Insert the row ``build`` makes; if a unique constraint refuses it, the row already there.

        This is how two processes racing to store the same thing end with one row: both
        insert, the database lets one commit, the other gets IntegrityError, rolls back
        and reads the winner's row in a fresh transaction.
        """
        try:
            with self._writing() as db:
                row = build(db)
                db.add(row)
            return row
        except IntegrityError:
            with self._reading() as db:
                found = db.scalars(existing).first()
            if found is None:
                raise
            return found

    @staticmethod
    def _need(db: Session, table: type[Base], ident: int, key: str, source: str) -> Any:
        row = db.get(table, ident)
        if row is None:
            raise fail(source, key, id=ident)
        return row

    # -- sessions

    def create_session(
        self,
        title: str,
        held_on: date | None = None,
        trainer_code_hash: str | None = None,
        previous_session_id: WorkshopSession | int | None = None,
    ) -> WorkshopSession:
        """Start a workshop session with a fresh join code.

        ``held_on`` defaults to today (the server's date); ``trainer_code_hash`` comes from
        :func:`hash_trainer_code`; ``previous_session_id`` links an earlier session of the
        same teams so a report can compare the two assessments.
        """
        title = _text(title, "title", "")
        source = title
        held_on = date.today() if held_on is None else held_on
        if isinstance(held_on, datetime):
            held_on = held_on.date()
        if not isinstance(held_on, date):
            raise fail(source, "store.not_date", field=_field("held_on"), type=type(held_on).__name__)
        hashed = _text(trainer_code_hash, "trainer_code_hash", source, optional=True)
        previous = None
        if previous_session_id is not None:
            previous = _ref(previous_session_id, WorkshopSession, source)

        def insert() -> WorkshopSession:
            with self._writing() as db:
                if previous is not None:
                    self._need(db, SessionRow, previous, "store.unknown_previous_session", source)
                row = SessionRow(
                    code=new_join_code(), title=title, held_on=held_on, trainer_code_hash=hashed,
                    previous_session_id=previous, created_at=datetime.now(UTC),
                )  # fmt: skip
                db.add(row)
            return row.record()

        for _ in range(CODE_TRIES - 1):
            try:
                return insert()
            except IntegrityError:  # the random code is taken: draw another
                continue
        return insert()

    def session_by_code(self, code: str) -> WorkshopSession:
        """The session a trainee joins with ``code`` (case, spaces, dashes, full-width forms ignored)."""
        wanted = normalize_join_code(code)
        if len(wanted) != CODE_LENGTH or not set(wanted) <= set(CODE_ALPHABET):
            raise fail("", "store.bad_session_code", code=str(code)[:40], length=CODE_LENGTH)
        with self._reading() as db:
            row = db.scalars(select(SessionRow).where(SessionRow.code == wanted)).first()
        if row is None:
            raise fail("", "store.unknown_session_code", code=wanted)
        return row.record()

    def session_by_id(self, session_id: int) -> WorkshopSession:
        """The session with this id."""
        ident = _ref(session_id, WorkshopSession, "")
        with self._reading() as db:
            return self._need(db, SessionRow, ident, "store.unknown_session", "").record()

    def sessions(self, *, archived: bool = False) -> list[WorkshopSession]:
        """The sessions, newest first; archived ones only with ``archived=True``."""
        query = select(SessionRow).order_by(SessionRow.id.desc())
        if not archived:
            query = query.where(SessionRow.archived_at.is_(None))
        with self._reading() as db:
            rows = db.scalars(query).all()
        return [row.record() for row in rows]

    def rename_session(self, session: WorkshopSession | int, title: str) -> WorkshopSession:
        """Give a session a new title (join code, teams and answers stay)."""
        return self._update_session(session, title=_text(title, "title", ""))

    def close_session(self, session: WorkshopSession | int, closed: bool = True) -> WorkshopSession:
        """Stop (or, with ``closed=False``, resume) accepting submissions and new teams or members.

        Trainees who submit after the close are told the session is closed; what they entered
        stays in their browser. Everything already stored stays, for the dashboard and reports.
        """
        return self._update_session(session, closed_at=datetime.now(UTC) if closed else None)

    def archive_session(self, session: WorkshopSession | int, archived: bool = True) -> WorkshopSession:
        """Hide a session from :meth:`sessions` (or show it again); nothing is deleted, and reports
        and exports by join code still work."""
        return self._update_session(session, archived_at=datetime.now(UTC) if archived else None)

    def _update_session(self, session: WorkshopSession | int, **values: object) -> WorkshopSession:
        ident = _ref(session, WorkshopSession, "")
        with self._writing() as db:
            row = self._need(db, SessionRow, ident, "store.unknown_session", "")
            for name, value in values.items():
                setattr(row, name, value)
        return row.record()

    @staticmethod
    def _need_open(db: Session, session_id: int, source: str) -> SessionRow:
        """The session's row, if it still accepts answers; else the trainee is told it is closed."""
        row = Store._need(db, SessionRow, session_id, "store.unknown_session", source)
        if row.closed_at is not None:
            raise fail("", "store.session_closed", title=row.title)  # no heading: the title says which
        return row

    # -- teams and respondents

    def add_team(self, session: WorkshopSession | int, name: str) -> Team:
        """Add a team to a session, or return the team of that name if it is there already.

        Whitespace around and inside the name is tidied first, so "华东 一组 " and
        "华东 一组" are the same team.
        """
        source = _source(getattr(session, "code", session))
        session_id = _ref(session, WorkshopSession, source)
        name = _text(name, "team_name", source)

        def build(db: Session) -> TeamRow:
            self._need_open(db, session_id, source)
            return TeamRow(session_id=session_id, name=name, created_at=datetime.now(UTC))

        same = select(TeamRow).where(TeamRow.session_id == session_id, TeamRow.name == name)
        return self._insert_or_fetch(build, same).record()

    def teams(self, session: WorkshopSession | int) -> list[Team]:
        """The teams of a session, in the order they were added."""
        session_id = _ref(session, WorkshopSession, "")
        with self._reading() as db:
            rows = db.scalars(select(TeamRow).where(TeamRow.session_id == session_id).order_by(TeamRow.id))
            return [row.record() for row in rows]

    def add_respondent(
        self, team: Team | int, display_name: str | None = None, anonymous_id: str | None = None
    ) -> Respondent:
        """Add a member to a team, or return the member already known by that id (or name).

        ``anonymous_id`` is who the person *is* (the self-assessment derives it from a random
        token kept in their browser, :func:`respondent_id`); ``display_name`` is only a label.
        With an id, the same id finds the same member again, whatever name is typed; a new id
        is a new member even if the name is taken, and gets the label "张三 (2)" (then "(3)",
        ...), so nobody's answers are replaced by someone typing their name and the trainer sees
        both. A member known by id who has not submitted anything yet may move to another team
        of the session (a mistyped team name); once they have submitted, that is refused
        (``store.respondent_other_team``).

        Without an id, ``display_name`` finds the member of that label again within the team
        (exercise attempts recorded by name); with neither, a new anonymous member with a fresh
        id such as ``anon-7KQ2MX`` is made.

        >>> store = Store("sqlite://")
        >>> team = store.add_team(store.create_session("演示"), "华东一组")
        >>> first = store.add_respondent(team, "张三", anonymous_id="b-1")
        >>> second = store.add_respondent(team, "张三", anonymous_id="b-2")
        >>> first.label, second.label, store.add_respondent(team, "李四", anonymous_id="b-1") == first
        ('张三', '张三 (2)', True)
        """
        source = _source(getattr(team, "name", team))
        team_id = _ref(team, Team, source)
        name = _text(display_name, "display_name", source, optional=True)
        given = _key(anonymous_id, source, optional=True)
        if given is None and name is not None:
            with self._reading() as db:
                found = db.scalars(
                    select(RespondentRow).where(
                        RespondentRow.team_id == team_id, RespondentRow.display_name == name
                    )
                ).first()
            if found is not None:
                return found.record()
        for _ in range(LABEL_TRIES):
            try:
                with self._writing() as db:
                    team_row = self._need(db, TeamRow, team_id, "store.unknown_team", source)
                    self._need_open(db, team_row.session_id, source)
                    row = None
                    if given is not None:
                        row = db.scalars(
                            select(RespondentRow).where(RespondentRow.anonymous_id == given)
                        ).first()
                    if row is None:
                        row = RespondentRow(
                            team_id=team_id, session_id=team_row.session_id,
                            display_name=_free_label(db, team_id, name),
                            anonymous_id=given or f"anon-{new_join_code()}", created_at=datetime.now(UTC),
                        )  # fmt: skip
                        db.add(row)
                    elif row.team_id != team_id:
                        self._move_respondent(db, row, team_row, name, source)
                return row.record()
            except IntegrityError:  # a label or id taken at the same moment: look again
                continue
        raise fail(source, "store.respondent_busy", name=name or "")

    def _move_respondent(self, db: Session, row: RespondentRow, team_row: TeamRow, name, source: str) -> None:
        """Move a member who has not submitted yet to ``team_row`` (same session only)."""
        submitted = db.scalars(select(SubmissionRow.id).where(SubmissionRow.respondent_id == row.id)).first()
        if submitted is not None or row.session_id != team_row.session_id:
            old = db.get(TeamRow, row.team_id)
            raise fail(source, "store.respondent_other_team", respondent=row.display_name or row.anonymous_id,
                       team=old.name if old is not None else row.team_id)  # fmt: skip
        label = _free_label(db, team_row.id, name if name is not None else row.display_name)
        row.team_id, row.display_name = team_row.id, label

    def respondents(self, team: Team | int) -> list[Respondent]:
        """The members of a team, in the order they joined."""
        team_id = _ref(team, Team, "")
        with self._reading() as db:
            query = select(RespondentRow).where(RespondentRow.team_id == team_id).order_by(RespondentRow.id)
            return [row.record() for row in db.scalars(query)]

    # -- submissions

    def submit(
        self,
        team: Team | int,
        instrument_id: str,
        instrument_version: str,
        answers: Mapping[str, Any],
        *,
        key: str,
        account: str | None = None,
        respondent: Respondent | int | None = None,
        created_at: datetime | None = None,
    ) -> Submission:
        """Store one filled-in instrument, exactly once per ``key``.

        Parameters
        ----------
        team : Team or int
            The team submitting; the session is the team's.
        instrument_id, instrument_version : str
            Which questionnaire, in which version (answers are only comparable within one).
        answers : mapping of str to JSON values
            Item id → answer (numbers, text, booleans, None, lists). NumPy scalars are unwrapped.
        key : str
            Idempotency key made by the client when the person pressed "submit"
            (:func:`new_key`; 1–64 of ``A-Z a-z 0-9 . _ : -``). Sending the same key again
            returns the stored submission and stores nothing; reusing a key for
            *different* content raises ``store.key_conflict``.
        account : str, optional
            The customer account rated (relationship instruments), e.g. ``"C00017"``.
        respondent : Respondent or int, optional
            Who filled it in; must belong to ``team``.
        created_at : aware datetime, optional
            When it was filled in on the client; default now. Stored as UTC.
        """
        source = _source(instrument_id)
        key = _key(key, source)
        team_id = _ref(team, Team, source)
        respondent_id = None if respondent is None else _ref(respondent, Respondent, source)
        content = {
            "team_id": team_id,
            "respondent_id": respondent_id,
            "instrument_id": _text(instrument_id, "instrument_id", source),
            "instrument_version": _text(str(instrument_version), "instrument_version", source),
            "account": _text(account, "account", source, optional=True),
            "answers": _answers(answers, source),
        }
        created = _time(created_at, "created_at", source)

        def build(db: Session) -> SubmissionRow:
            team_row = self._need(db, TeamRow, team_id, "store.unknown_team", source)
            if db.scalars(select(SubmissionRow.id).where(SubmissionRow.idempotency_key == key)).first():
                raise IntegrityError("resent", None, Exception())  # stored before: read it back below
            self._need_open(db, team_row.session_id, source)
            if respondent_id is not None:
                person = self._need(db, RespondentRow, respondent_id, "store.unknown_respondent", source)
                if person.team_id != team_id:
                    raise fail(
                        source, "store.respondent_other_team", respondent=person.id, team=team_row.name
                    )
            return SubmissionRow(
                idempotency_key=key, session_id=team_row.session_id, created_at=created,
                received_at=datetime.now(UTC), **content,
            )  # fmt: skip

        row = self._insert_or_fetch(build, select(SubmissionRow).where(SubmissionRow.idempotency_key == key))
        if any(getattr(row, name) != value for name, value in content.items()):
            raise fail(source, "store.key_conflict", given=key)
        return row.record()

    def submissions(
        self,
        session: WorkshopSession | int,
        team: Team | int | None = None,
        instrument_id: str | None = None,
        *,
        expand: bool = False,
    ) -> pd.DataFrame:
        """The submissions of a session as a DataFrame, one row per submission, oldest first.

        Columns: ``submission_id, session_id, team_id, team`` (name), ``respondent_id,
        respondent`` (display name or anonymous id), ``instrument_id, instrument_version,
        account, answers`` (a dict per row), ``created_at, received_at`` (UTC) and
        ``idempotency_key``. With ``expand=True`` the ``answers`` column is replaced by one
        column per item, ``answer.<item>`` (see :func:`expand_answers`).
        """
        frame = _frame(self.submission_records(session, team, instrument_id), SUBMISSION_COLUMNS)
        return expand_answers(frame) if expand else frame

    def submission_records(
        self,
        session: WorkshopSession | int,
        team: Team | int | None = None,
        instrument_id: str | None = None,
    ) -> list[dict[str, Any]]:
        """:meth:`submissions` as a list of dicts, one per submission, oldest first: the same keys,
        ``None`` where a value is missing, times as aware ``datetime`` (UTC). No pandas needed.

        >>> store = Store("sqlite://")
        >>> team = store.add_team(store.create_session("第1期"), "华东一组")
        >>> _ = store.submit(team, "pulse", "1.0", {"csat": 4}, key=new_key())
        >>> [(r["team"], r["answers"]) for r in store.submission_records(team.session_id)]
        [('华东一组', {'csat': 4})]
        >>> store.close()
        """
        session_id = _ref(session, WorkshopSession, "")
        person = aliased(RespondentRow)
        query = (
            select(SubmissionRow, TeamRow.name, person.display_name, person.anonymous_id)
            .join(TeamRow, SubmissionRow.team_id == TeamRow.id)
            .outerjoin(person, SubmissionRow.respondent_id == person.id)
            .where(SubmissionRow.session_id == session_id)
            .order_by(SubmissionRow.id)
        )
        if team is not None:
            query = query.where(SubmissionRow.team_id == _ref(team, Team, ""))
        if instrument_id is not None:
            query = query.where(SubmissionRow.instrument_id == instrument_id)
        with self._reading() as db:
            return [
                {
                    "submission_id": s.id,
                    "session_id": s.session_id,
                    "team_id": s.team_id,
                    "team": team_name,
                    "respondent_id": s.respondent_id,
                    "respondent": shown or anonymous,
                    "instrument_id": s.instrument_id,
                    "instrument_version": s.instrument_version,
                    "account": s.account,
                    "answers": dict(s.answers),
                    "created_at": s.created_at,
                    "received_at": s.received_at,
                    "idempotency_key": s.idempotency_key,
                }
                for s, team_name, shown, anonymous in db.execute(query)
            ]

    # -- exercise attempts

    def record_attempt(
        self,
        task_id: str,
        correct: bool,
        answer_summary: str = "",
        *,
        key: str | None = None,
        session: WorkshopSession | int | None = None,
        team: Team | int | None = None,
        respondent: Respondent | int | None = None,
        trainee: str | None = None,
        attempted_at: datetime | None = None,
    ) -> Attempt:
        """Record one answer to an exercise task.

        ``answer_summary`` is a short text of what was answered (cut at
        ``MAX_CHARS["answer_summary"]`` characters, so a long answer never loses the
        attempt). Session and team follow from ``respondent`` and session from ``team``
        when not given; given ones must agree. ``trainee`` is a free name for exercises done
        outside a session. ``key`` (optional) makes a retried call store one row, as in
        :meth:`submit`.
        """
        source = _source(task_id)
        task = _text(task_id, "task_id", source)
        if not isinstance(correct, bool | np.bool_):
            raise fail(source, "store.not_bool", field=_field("correct"), value=repr(correct)[:40])
        if not isinstance(answer_summary, str):
            kind = type(answer_summary).__name__
            raise fail(source, "store.not_text", field=_field("answer_summary"), type=kind)
        summary = answer_summary.replace("\x00", "")[: MAX_CHARS["answer_summary"]]
        key = _key(key, source, optional=True)
        ids = {
            "session_id": None if session is None else _ref(session, WorkshopSession, source),
            "team_id": None if team is None else _ref(team, Team, source),
            "respondent_id": None if respondent is None else _ref(respondent, Respondent, source),
        }
        name = _text(trainee, "trainee", source, optional=True)
        when = _time(attempted_at, "attempted_at", source)

        def build(db: Session) -> AttemptRow:
            links = self._links(db, source, **ids)
            return AttemptRow(
                idempotency_key=key, task_id=task, correct=bool(correct), answer_summary=summary,
                attempted_at=when, trainee=name, **links,
            )  # fmt: skip

        existing = select(AttemptRow).where(AttemptRow.idempotency_key == key)
        return self._insert_or_fetch(build, existing).record()

    # -- the trainer code's guard

    def check_trainer_code(
        self,
        code: str,
        stored_hash: str | None,
        *,
        scope: str = GUARD_SCOPE,
        policy: CodeGuardPolicy = DEFAULT_GUARD,
        now: datetime | None = None,
    ) -> CodeCheck:
        """Compare ``code`` with ``stored_hash`` unless a back-off or lockout is running; count failures.

        The count and the time of the next allowed attempt live in the store (table
        ``code_guards``, one row per ``scope``), so opening a new page, a new kernel or a second
        server on the same database does not reset them. The check runs inside one write
        transaction (SQLite: ``BEGIN IMMEDIATE``; PostgreSQL: the row is locked), so two pages
        guessing at once are counted one after the other. Each attempt is logged to the
        ``workbook.security`` logger (never the code itself).

        >>> store = Store("sqlite://")
        >>> stored = hash_trainer_code("K7M2QX", iterations=1000)
        >>> [store.check_trainer_code("wrong", stored).failures for _ in range(3)]
        [1, 2, 3]
        >>> store.check_trainer_code("K7M2QX", stored).ok
        True
        >>> store.close()
        """
        now = now or datetime.now(UTC)
        self._insert_or_fetch(
            lambda _db: CodeGuardRow(scope=scope, failures=0),
            select(CodeGuardRow).where(CodeGuardRow.scope == scope),
        )  # the row exists before it is locked below
        with self._writing() as db:
            row = db.scalars(select(CodeGuardRow).where(CodeGuardRow.scope == scope).with_for_update()).one()
            if row.retry_at is not None and now < row.retry_at:
                wait = (row.retry_at - now).total_seconds()
                result = CodeCheck(False, False, row.failures, wait, row.failures >= policy.lockout_failures,
                                   row.last_failure_at)  # fmt: skip
            elif verify_trainer_code(str(code), stored_hash):
                result = CodeCheck(True, True, row.failures, 0.0, False, row.last_failure_at)
                row.failures, row.retry_at = 0, None
            else:
                row.failures += 1
                row.last_failure_at = now
                wait = policy.wait_after(row.failures)
                row.retry_at = now + timedelta(seconds=wait) if wait else None
                locked = row.failures >= policy.lockout_failures
                result = CodeCheck(False, True, row.failures, wait, locked, now)
        _log_attempt(scope, result)
        return result

    def _links(
        self, db: Session, source: str, session_id: int | None, team_id: int | None, respondent_id: int | None
    ) -> dict[str, int | None]:
        """Fill in session and team from respondent and team; refuse ones that disagree."""
        if respondent_id is not None:
            person = self._need(db, RespondentRow, respondent_id, "store.unknown_respondent", source)
            if team_id not in (None, person.team_id):
                raise fail(source, "store.respondent_other_team", respondent=person.id, team=team_id)
            team_id = person.team_id
        if team_id is not None:
            team_row = self._need(db, TeamRow, team_id, "store.unknown_team", source)
            if session_id not in (None, team_row.session_id):
                raise fail(source, "store.team_other_session", team=team_row.name)
            session_id = team_row.session_id
        if session_id is not None:
            self._need(db, SessionRow, session_id, "store.unknown_session", source)
        return {"session_id": session_id, "team_id": team_id, "respondent_id": respondent_id}

    def attempts(
        self, session: WorkshopSession | int | None = None, task_id: str | None = None
    ) -> pd.DataFrame:
        """Exercise attempts as a DataFrame, oldest first: all, or those of one session / task.

        Columns: ``attempt_id, session_id, team_id, team, respondent_id, respondent,
        trainee, task_id, correct`` (bool), ``answer_summary, attempted_at`` (UTC),
        ``idempotency_key``.
        """
        person = aliased(RespondentRow)
        query = (
            select(AttemptRow, TeamRow.name, person.display_name, person.anonymous_id)
            .outerjoin(TeamRow, AttemptRow.team_id == TeamRow.id)
            .outerjoin(person, AttemptRow.respondent_id == person.id)
            .order_by(AttemptRow.id)
        )
        if session is not None:
            query = query.where(AttemptRow.session_id == _ref(session, WorkshopSession, ""))
        if task_id is not None:
            query = query.where(AttemptRow.task_id == task_id)
        with self._reading() as db:
            records = [
                {
                    "attempt_id": a.id,
                    "session_id": a.session_id,
                    "team_id": a.team_id,
                    "team": team_name,
                    "respondent_id": a.respondent_id,
                    "respondent": shown or anonymous,
                    "trainee": a.trainee,
                    "task_id": a.task_id,
                    "correct": a.correct,
                    "answer_summary": a.answer_summary,
                    "attempted_at": a.attempted_at,
                    "idempotency_key": a.idempotency_key,
                }
                for a, team_name, shown, anonymous in db.execute(query)
            ]
        return _frame(records, ATTEMPT_COLUMNS)

    # -- export

    def tables(self, session: WorkshopSession | int, *, expand: bool = True) -> dict[str, pd.DataFrame]:
        """Everything stored for one session, one DataFrame per table (answers expanded).

        Keys: ``sessions`` (this session), ``teams``, ``respondents``, ``submissions``,
        ``attempts``. ``expand=False`` keeps each submission's ``answers`` as a dict (for scoring).
        """
        this = self.session_by_id(_ref(session, WorkshopSession, ""))
        teams = self.teams(this)
        with self._reading() as db:
            query = select(RespondentRow).where(RespondentRow.session_id == this.id)
            people = [row.record() for row in db.scalars(query.order_by(RespondentRow.id))]
        session_frame = _frame(
            [{"session_id": this.id, "code": this.code, "title": this.title, "held_on": this.held_on,
              "previous_session_id": this.previous_session_id, "created_at": this.created_at}],
            ("session_id", "code", "title", "held_on", "previous_session_id", "created_at"),
        )  # fmt: skip
        team_frame = _frame(
            [
                {"team_id": t.id, "session_id": t.session_id, "team": t.name, "created_at": t.created_at}
                for t in teams
            ],
            ("team_id", "session_id", "team", "created_at"),
        )
        people_frame = _frame(
            [{"respondent_id": p.id, "team_id": p.team_id, "display_name": p.display_name,
              "anonymous_id": p.anonymous_id, "created_at": p.created_at} for p in people],
            ("respondent_id", "team_id", "display_name", "anonymous_id", "created_at"),
        )  # fmt: skip
        return {
            "sessions": session_frame,
            "teams": team_frame,
            "respondents": people_frame,
            "submissions": self.submissions(this, expand=expand),
            "attempts": self.attempts(this),
        }

    def export(self, session: WorkshopSession | int, path: str | Path, *, tz: str = "UTC") -> list[Path]:
        """Write everything of a session to ``path`` and return the files written.

        ``.xlsx``: one workbook, one sheet per table of :meth:`tables`. ``.csv``: one
        UTF-8 (with BOM, so Excel reads Chinese correctly) file per table, named
        ``<stem>_<table>.csv`` beside ``path``. Times are shown in ``tz`` (an IANA name
        such as ``"Asia/Shanghai"``) and the time columns say which, e.g.
        ``created_at (UTC)``. Text that a spreadsheet could run as a formula is
        neutralised (:func:`neutralise_formulas`). Files appear whole or not at all.
        """
        path = Path(path)
        if path.suffix.lower() not in EXPORT_FORMATS:
            raise fail(path.name, "store.bad_export_format", suffix=path.suffix or path.name)
        frames = {name: _for_spreadsheet(frame, tz) for name, frame in self.tables(session).items()}
        path.parent.mkdir(parents=True, exist_ok=True)
        if path.suffix.lower() == ".xlsx":
            _write_atomically(path, lambda tmp: _write_xlsx(frames, tmp))
            return [path]
        written = []
        for name, frame in frames.items():
            target = path.with_name(f"{path.stem}_{name}.csv")
            _write_atomically(target, partial(_write_csv, frame))
            written.append(target)
        return written


# --- Writing files ----------------------------------------------------------------------------------


def _cell_text(value: object) -> object:
    # Lists and dicts (nested answers) become JSON text; a spreadsheet cell holds one value.
    return _json_dumps(value) if isinstance(value, list | dict) else value


def _for_spreadsheet(frame: pd.DataFrame, tz: str) -> pd.DataFrame:
    """Times in ``tz`` without zone (spreadsheets have none), nested values as text, formulas defused."""
    import pandas as pd

    out = frame.copy()
    renames = {}
    for column in out.columns:
        if isinstance(out[column].dtype, pd.DatetimeTZDtype):
            out[column] = out[column].dt.tz_convert(tz).dt.tz_localize(None)
            renames[column] = f"{column} ({tz})"
        elif out[column].dtype == object:
            out[column] = out[column].map(_cell_text)
        elif isinstance(out[column].dtype, pd.Int64Dtype | pd.BooleanDtype):
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return neutralise_formulas(out.rename(columns=renames))


def _write_xlsx(frames: dict[str, pd.DataFrame], target: Path) -> None:
    import pandas as pd
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE  # control characters Excel files cannot hold

    with pd.ExcelWriter(target, engine="openpyxl") as writer:
        for name, frame in frames.items():
            clean = frame.copy()
            for column in clean.columns:
                if clean[column].dtype == object or pd.api.types.is_string_dtype(clean[column].dtype):
                    try:
                        stripped = clean[column].str.replace(ILLEGAL_CHARACTERS_RE, "", regex=True)
                    except AttributeError:  # no text in this column
                        continue
                    clean[column] = stripped.where(stripped.notna(), clean[column])  # non-text kept
            clean.to_excel(writer, sheet_name=name, index=False)


def _write_csv(frame: pd.DataFrame, target: Path) -> None:
    # BOM: Excel on Windows reads a CSV as the local code page (GBK in China) unless it sees one.
    # CRLF rows: with "\n" rows the csv module would leave a cell holding a bare "\r" unquoted,
    # and every reader would split the row there.
    frame.to_csv(target, index=False, encoding="utf-8-sig", lineterminator="\r\n")


def _write_atomically(target: Path, write: Callable[[Path], None]) -> None:
    """Write to a temporary file beside ``target``, then rename: readers never see half a file."""
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.tmp{target.suffix}")
    try:
        write(tmp)
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


__all__ = [
    "ATTEMPT_COLUMNS",
    "SUBMISSION_COLUMNS",
    "Attempt",
    "CodeCheck",
    "CodeGuardPolicy",
    "Respondent",
    "Store",
    "Submission",
    "Team",
    "WorkshopSession",
    "database_url",
    "expand_answers",
    "hash_trainer_code",
    "make_engine",
    "neutralise_formulas",
    "new_join_code",
    "new_key",
    "normalize_join_code",
    "verify_trainer_code",
]
