"""Reports after a session: one per team and one for the session, as self-contained HTML and as Excel.

Team report, per questionnaire the team filled in (and per key account for the 客情关系评价表):
level with its reason, the dimension radar, gaps to the benchmark (by default the average of all
teams in the session for the same questionnaire), how far the raters were apart, the improvement
plan with editable owner and due-date fields, and — when the session follows an earlier one
(``previous_session_id``) and the team (same name) was assessed there — the change since then:
level migration and dimension deltas.

Session report: participation per team (joined, submitted, not yet submitted, per questionnaire:
:func:`workbook.store.response_status`, the trainer dashboard's counts; the team report shows its
team's line under the title), the index per team and questionnaire, the distribution of the
indices (a box from five indices up, else the points), and exercise results per team and task.

The HTML is one file (charts as embedded PNG, CSS inline, Chinese font list) that prints to A4
from the browser: no page with only a heading, headings kept with what follows, short tables kept
whole, long ones repeating their header, Chinese words never broken, due dates printed as text;
``tests/test_report_print.py`` checks the printed pages. The Excel workbook has one sheet per
view, formatted headers and every text cell neutralised against formula injection. Data are
gathered first (:func:`team_report`, :func:`session_report`, pure and testable), then written
(:func:`to_html`, :func:`to_excel`, :func:`write_reports`; team files are named after the team,
:func:`team_file_stem`).

>>> from workbook.store import Store
>>> with Store("sqlite://") as store:
...     session = store.create_session("示例")
...     report = session_report(store, session)
>>> report.participation.empty
True
"""

from __future__ import annotations

import base64
import hashlib
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape

from workbook import i18n, plots
from workbook.i18n import t
from workbook.instruments import InstrumentResult, load_instrument, team_results
from workbook.store import Store, Team, WorkshopSession, neutralise_formulas, response_status

PLAN_DUE_DAYS = 90  # a suggested due date: the next quarterly re-assessment
# store.response_status's columns before the one per questionnaire
STATUS_COLUMNS = ("team", "joined", "submitted", "waiting")
KEEP_ROWS = 15  # a printed table up to this many rows stays on one page with its heading
RADAR_INCHES = (6.0, 4.4)  # the team report's radar, printed 125 mm wide: its text about 7.5 pt on paper
SHORT_CELL = 12  # names, levels up to this many characters never wrap (longer ones wrap between words)


@dataclass
class Assessment:
    """One questionnaire (and account) of one team: the result now and, if any, the earlier one."""

    instrument_id: str
    title: str
    account: str | None
    result: InstrumentResult
    benchmark: pd.Series  # dimension → benchmark score (0–100)
    previous: InstrumentResult | None = None

    @property
    def dimensions(self) -> pd.DataFrame:
        """Per dimension: score, benchmark, gap to it, rater SD and range, and the change since before."""
        dims = self.result.dimensions
        out = pd.DataFrame(
            {
                "name": dims["name"],
                "score": dims["score"],
                "benchmark": self.benchmark.reindex(dims.index),
                "rater_sd": dims["rater_sd"],
                "rater_range": dims["rater_range"],
            }
        )
        out["gap"] = out["score"] - out["benchmark"]
        if self.previous is not None:
            out["previous"] = self.previous.dimensions["score"].reindex(dims.index)
            out["change"] = out["score"] - out["previous"]
        return out


@dataclass
class TeamReport:
    session: WorkshopSession
    team: Team
    assessments: list[Assessment]
    previous_session: WorkshopSession | None = None
    status: pd.Series | None = None  # the team's row of store.response_status: joined, submitted, waiting…


@dataclass
class SessionReport:
    session: WorkshopSession
    participation: pd.DataFrame  # store.response_status: team, joined, submitted, waiting, per title
    indices: pd.DataFrame  # one row per team × questionnaire (× account): index, level
    exercises: pd.DataFrame  # team, tasks tried, solved, attempts
    teams: list[TeamReport] = field(default_factory=list)


# ================================================================================ gathering


def _benchmarks(results: dict[tuple, InstrumentResult]) -> dict[str, pd.Series]:
    """Per questionnaire: the mean dimension score over every team (and account) of the session."""
    scores: dict[str, list[pd.Series]] = {}
    for (_team, instrument, _account), result in results.items():
        scores.setdefault(instrument, []).append(result.dimensions["score"])
    return {instrument: pd.concat(series, axis=1).mean(axis=1) for instrument, series in scores.items()}


def team_report(
    store: Store,
    session: WorkshopSession,
    team: Team,
    *,
    previous: WorkshopSession | None = None,
    lang: str | None = None,
    _cache: dict | None = None,
) -> TeamReport:
    """Everything the team report shows, as data. ``previous`` defaults to the session's linked one."""
    cache = _cache if _cache is not None else {}  # session id → results: each session scored once
    if previous is None and session.previous_session_id is not None:
        previous = store.session_by_id(session.previous_session_id)
    for scored in (session, previous) if previous is not None else (session,):
        if scored.id not in cache:
            cache[scored.id] = team_results(store.submissions(scored), lang=lang)
    if ("status", session.id) not in cache:
        cache["status", session.id] = response_status(store.tables(session, expand=False))
    status = cache["status", session.id]
    row = status[status["team"] == team.name]
    now, before = cache[session.id], cache[previous.id] if previous is not None else {}
    benchmarks = _benchmarks(now)
    assessments = [
        Assessment(
            instrument_id=instrument,
            title=load_instrument(instrument).title.get(i18n.normalize_language(lang or i18n.get_language())),
            account=account,
            result=result,
            benchmark=benchmarks[instrument],
            previous=before.get((name, instrument, account)),
        )
        for (name, instrument, account), result in now.items()
        if name == team.name
    ]
    return TeamReport(session, team, assessments, previous, row.iloc[0] if len(row) else None)


def session_report(
    store: Store,
    session: WorkshopSession,
    *,
    previous: WorkshopSession | None = None,
    lang: str | None = None,
) -> SessionReport:
    """Everything the session report shows, plus the team reports of every team."""
    tables = store.tables(session, expand=False)
    submissions = tables["submissions"]
    # The same counts as the trainer dashboard: people who joined, people whose answers are stored.
    status = response_status(tables)
    language = i18n.normalize_language(lang or i18n.get_language())
    titles = {i: load_instrument(i).title.get(language) for i in status.columns[len(STATUS_COLUMNS) :]}
    participation = status.rename(columns=titles)
    cache = {session.id: team_results(submissions, lang=lang), ("status", session.id): status}
    reports = [team_report(store, session, team, previous=previous, lang=lang, _cache=cache)
               for team in store.teams(session)]  # fmt: skip
    indices = pd.DataFrame(
        [
            {"team": r.team.name, "instrument_id": a.instrument_id, "questionnaire": a.title,
             "account": a.account, "index": a.result.index, "level": a.result.level_name,
             "respondents": a.result.n_respondents}
            for r in reports
            for a in r.assessments
        ],
        columns=["team", "instrument_id", "questionnaire", "account", "index", "level", "respondents"],
    )  # fmt: skip
    attempts = tables["attempts"]
    if attempts.empty:
        exercises = pd.DataFrame(columns=["team", "tried", "solved", "attempts"])
    else:
        grouped = attempts.assign(team=attempts["team"].fillna("—")).groupby("team")
        exercises = (
            pd.DataFrame(
                {
                    "tried": grouped["task_id"].nunique(),
                    "solved": attempts[attempts["correct"]]
                    .groupby(attempts["team"].fillna("—"))["task_id"]
                    .nunique(),
                    "attempts": grouped.size(),
                }
            )
            .fillna(0)
            .reset_index()
        )
        order = pd.Series(range(len(status)), index=status["team"].to_numpy())  # as in the other tables
        exercises = exercises.sort_values("team", key=lambda team: team.map(order), ignore_index=True)
    return SessionReport(session, participation, indices, exercises, reports)


# ================================================================================ charts


def _radar(assessment: Assessment, lang: str) -> str:
    """Radar of the team's scores against the class average (and the earlier assessment)."""
    dims = assessment.dimensions
    columns = {"score": "report.now", "benchmark": "report.benchmark", "previous": "report.before"}
    series = t("report.series", lang)  # the legend's title
    long = pd.concat(
        [
            pd.DataFrame({"dimension": dims["name"], "score": dims[column], series: t(key, lang)}).dropna()
            for column, key in columns.items()
            if column in dims
        ]
    )
    with i18n.language(lang):
        ax = plots.radar(long, hue=series, title=t("report.radar", lang))
        # Smaller than the apps' radar, same font: its text stays legible at a third of an A4 page.
        ax.get_figure(root=True).set_size_inches(RADAR_INCHES)
        return base64.b64encode(plots.to_png(ax)).decode("ascii")  # embedded in the HTML page


def _index_axes(indices: pd.DataFrame, lang: str):
    """The team indices per questionnaire: a box where there are enough of them, else the points."""
    data = indices.assign(label=indices["questionnaire"])
    with i18n.language(lang):
        title = t("report.distribution", lang)
        return plots.distribution(data, "index", hue="label", kind="box", title=title,
                                  xlabel="", ylabel=t("report.col.index", lang))  # fmt: skip


def _index_chart(indices: pd.DataFrame, lang: str) -> str | None:
    if indices.empty:
        return None
    with i18n.language(lang):
        return base64.b64encode(plots.to_png(_index_axes(indices, lang))).decode("ascii")


# ================================================================================ HTML


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("workbook", "templates"), autoescape=select_autoescape(["html", "j2"])
    )
    env.filters["num"] = lambda value, digits=1: "" if pd.isna(value) else f"{value:.{digits}f}"
    env.filters["signed"] = lambda value, digits=1: "" if pd.isna(value) else f"{value:+.{digits}f}"
    env.filters["cell"] = lambda text: "name short" if len(str(text)) <= SHORT_CELL else "name"  # its class
    return env


def to_html(report: TeamReport | SessionReport, lang: str | None = None) -> str:
    """The report as one self-contained HTML page (A4 when printed)."""
    lang = i18n.normalize_language(lang or i18n.get_language())
    due = (pd.Timestamp(date.today()) + pd.Timedelta(days=PLAN_DUE_DAYS)).strftime("%Y-%m-%d")
    texts = lambda key, **params: t(f"report.{key}", lang, **params)  # noqa: E731 - the template's t()
    if isinstance(report, TeamReport):
        views = [(a, _radar(a, lang)) for a in report.assessments]
        return (
            _environment()
            .get_template("team_report.html.j2")
            .render(
                r=report, views=views, t=texts, lang=lang, due=due, label=lambda g, c: i18n.label(g, c, lang)
            )
        )
    return (
        _environment()
        .get_template("session_report.html.j2")
        .render(
            r=report,
            chart=_index_chart(report.indices, lang),
            t=texts,
            lang=lang,
            status_columns=STATUS_COLUMNS,
            keep_rows=KEEP_ROWS,
        )
    )


# ================================================================================ Excel


def _sheets(report: TeamReport | SessionReport, lang: str) -> dict[str, pd.DataFrame]:
    col = lambda name: t(f"report.col.{name}", lang)  # noqa: E731
    if isinstance(report, SessionReport):
        return {
            t("report.sheet.participation", lang): report.participation.rename(
                columns={c: col(c) for c in STATUS_COLUMNS}
            ),
            t("report.sheet.indices", lang): report.indices.drop(columns="instrument_id").rename(columns=col),
            t("report.sheet.exercises", lang): report.exercises.rename(columns=col),
        }
    levels, dims, plans = [], [], []
    for a in report.assessments:
        where = {col("questionnaire"): a.title, col("account"): a.account or ""}
        levels.append({**where, col("index"): round(a.result.index, 1), col("level"): a.result.level_name,
                       col("reason"): a.result.reason, col("respondents"): a.result.n_respondents,
                       col("level_before"): a.previous.level_name if a.previous else ""})  # fmt: skip
        d = a.dimensions.round(1).rename(columns=col)
        dims.append(d.rename(columns={col("name"): col("dimension")}).assign(**where).reset_index(drop=True))
        plan = a.result.plan[["rank", "name", "score", "gap", "recommendation"]].round(1)
        plans.append(plan.rename(columns=col).assign(**where, **{col("owner"): "", col("due"): ""}))
    return {
        t("report.sheet.levels", lang): pd.DataFrame(levels),
        t("report.sheet.dimensions", lang): pd.concat(dims, ignore_index=True) if dims else pd.DataFrame(),
        t("report.sheet.plan", lang): pd.concat(plans, ignore_index=True) if plans else pd.DataFrame(),
    }


def to_excel(report: TeamReport | SessionReport, path: str | Path, lang: str | None = None) -> Path:
    """Write the report as an Excel workbook: one sheet per view, bold frozen headers, formulas defused."""
    from openpyxl.styles import Alignment, Font, PatternFill

    lang = i18n.normalize_language(lang or i18n.get_language())
    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, frame in _sheets(report, lang).items():
            neutralise_formulas(frame).to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            sheet.freeze_panes = "A2"
            for cell in sheet[1]:
                cell.font = Font(bold=True, color="FFFFFF")
                cell.fill = PatternFill("solid", fgColor="1F4E79")
                cell.alignment = Alignment(wrap_text=True, vertical="center")
            for column in sheet.columns:
                longest = max((len(str(c.value)) if c.value is not None else 0) for c in column)
                sheet.column_dimensions[column[0].column_letter].width = min(60, max(10, 1.6 * longest))
    return path


# ================================================================================ files


FORBIDDEN_IN_FILE_NAMES = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')  # Windows' list, and control characters
MAX_NAME_BYTES = 120  # the team's part of a file name, in UTF-8 bytes (file systems allow 255 per name)


def _name_hash(name: str) -> str:
    """Six hex digits that depend on the team name only, so they are the same in every session."""
    return hashlib.sha256(name.encode("utf-8")).hexdigest()[:6]


def team_file_stem(name: str) -> str:
    """The file name (without suffix) of a team's report: ``team-`` and the team name, made safe.

    Characters Windows forbids (``<>:"/\\|?*``) and control characters become ``_``; leading and
    trailing dots and spaces go; the name is cut at :data:`MAX_NAME_BYTES` UTF-8 bytes. A name that
    had to change gets six hex digits of a hash of the full name, so two names that read the same
    once made safe ("A/B", "A_B") keep apart, and the same team gets the same file name in every
    session. A name the computer cannot write in its file names (an ASCII-only system), or nothing
    left, gives ``team-<hash>``. The fixed prefix also keeps a team called "CON" or "NUL" from
    meeting Windows' reserved device names.

    >>> team_file_stem("华东一组"), team_file_stem("A/B"), team_file_stem("A_B"), team_file_stem("...")
    ('team-华东一组', 'team-A_B-998d3e', 'team-A_B', 'team-ab5df6')
    """
    name = unicodedata.normalize("NFC", name)
    part = " ".join(FORBIDDEN_IN_FILE_NAMES.sub("_", name).split())
    part = part.encode("utf-8")[:MAX_NAME_BYTES].decode("utf-8", errors="ignore").strip(" .")
    if part and part != name:
        part = f"{part}-{_name_hash(name)}"
    try:
        part.encode(sys.getfilesystemencoding())
    except UnicodeEncodeError:
        part = ""
    return f"team-{part or _name_hash(name)}"


def team_file_stems(names: list[str]) -> dict[str, str]:
    """:func:`team_file_stem` of each team of a session, apart even where letter case is ignored.

    Windows and macOS do not tell "Team A" from "team a": names equal but for case get the hash too.

    >>> team_file_stems(["Team A", "team a", "华南组"])
    {'Team A': 'team-Team A-e18d32', 'team a': 'team-team a-35a622', '华南组': 'team-华南组'}
    """
    stems = {name: team_file_stem(name) for name in names}
    seen = pd.Series(list(stems.values()), index=list(stems), dtype=object).str.casefold()
    for name in seen.index[seen.duplicated(keep=False)]:
        stems[name] = f"{stems[name]}-{_name_hash(unicodedata.normalize('NFC', name))}"
    return stems


def write_reports(
    store: Store,
    session: WorkshopSession,
    folder: str | Path,
    *,
    teams: list[str] | None = None,
    previous: WorkshopSession | None = None,
    lang: str | None = None,
) -> list[Path]:
    """Write the session report and one report per team (or per named team) as HTML and Excel.

    File names: ``session-<code>.html|.xlsx`` and ``team-<team name>.html|.xlsx``
    (:func:`team_file_stems`: the same team name gives the same file name in every session).
    Returns the paths written.
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    report = session_report(store, session, previous=previous, lang=lang)
    known = {r.team.name for r in report.teams}
    unknown = sorted(set(teams or []) - known)
    if unknown:
        from workbook.errors import fail

        raise fail(
            session.code, "report.unknown_team", team=", ".join(unknown), known=", ".join(sorted(known))
        )
    written = []
    stems = team_file_stems([r.team.name for r in report.teams])
    stem = folder / f"session-{session.code}"
    written.append(_write_text(stem.with_suffix(".html"), to_html(report, lang)))
    written.append(to_excel(report, stem.with_suffix(".xlsx"), lang))
    for team in report.teams:
        if teams and team.team.name not in teams:
            continue
        stem = stems[team.team.name]
        written.append(_write_text(folder / f"{stem}.html", to_html(team, lang)))
        written.append(to_excel(team, folder / f"{stem}.xlsx", lang))
    return written


def _write_text(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path
