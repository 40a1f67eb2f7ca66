"""The three classroom apps served by Voilà: self-assessment, value-matrix explorer, trainer dashboard.

One class per app; each has a ``widget`` (the page) and plain attributes and methods, so an app
is tested in pytest without a browser exactly as a person uses it: set ``.value``, ``.click()``,
read the HTML. The notebooks in ``notebooks/apps/`` only call :func:`self_assessment`,
:func:`value_matrix_explorer` or :func:`trainer_dashboard` and display the result.

What every app guarantees (see also :mod:`workbook.widgets`):

* errors become a message in the page (:class:`~workbook.widgets.ErrorBox`), never a traceback,
  and are logged; nothing the person typed or chose is reset;
* a zh/en switch relabels the page and keeps what was entered;
* charts are PNG bytes in ``widgets.Image`` (no ``Output`` widget, which can hang a Voilà page);
* the self-assessment keeps the answers in progress in the trainee's browser
  (:class:`~workbook.widgets.BrowserDraft`): if the kernel or the server dies, the page reopens by
  itself, the answers come back and a submit that was not acknowledged is sent again (its
  idempotency key makes that one stored row);
* a trainee sees only aggregated results of the team they joined; raw answers and the dashboard
  need the trainer code, which the server keeps only as a salted hash
  (``$WORKBOOK_TRAINER_CODE_HASH``, set by ``workbook serve``).

>>> app = ValueMatrixExplorerApp(lang="en")
>>> int(app.explorer.counts.sum())          # the 2,000 sample customers, scored and tiered
2000
"""

from __future__ import annotations

import base64
import html
import io
import logging
import os
import time
import zipfile
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory

import ipywidgets as w
import pandas as pd

from workbook import columns as vm_columns
from workbook import i18n, plots
from workbook import value_matrix as vm
from workbook.errors import fail
from workbook.i18n import label, t
from workbook.instruments import (
    ACCOUNT_INSTRUMENTS,
    SEGMENT_KEY,
    InstrumentResult,
    list_instruments,
    load_instrument,
    score_submissions,
)
from workbook.store import (
    TRAINER_CODE_ENV,
    Store,
    neutralise_formulas,
    normalize_join_code,
    verify_trainer_code,
)
from workbook.widgets import (
    BrowserDraft,
    ErrorBox,
    InstrumentForm,
    ResultView,
    ValueMatrixExplorer,
    safe_callback,
)

LOG = logging.getLogger("workbook")

REFRESH_SECONDS = 5  # the dashboard's live refresh
UPLOAD_MAX_BYTES = 10 * 2**20  # an upload travels through the page's websocket: keep it modest
DRAFT_MAX_AGE_S = 12 * 3600  # a draft kept in the browser from an earlier day is not brought back
PAGE_CSS = """
<style>
.wb-app { max-width: 1100px; margin: 0 auto; font-family: "Microsoft YaHei", "PingFang SC",
  "Noto Sans CJK SC", "Noto Sans SC Workbook", sans-serif; }
.wb-app h2 { margin: 6px 0 2px 0; }
.wb-big { font-size: 150%; }
.wb-big .widget-html-content, .wb-big .widget-label { font-size: inherit; }
.wb-tiles { display: flex; gap: 18px; flex-wrap: wrap; }
.wb-tile { background: #f3f6fa; border-radius: 8px; padding: 10px 22px; min-width: 8em; }
.wb-tile b { display: block; font-size: 220%; color: #1f4e79; }
.wb-code { font-size: 260%; letter-spacing: 0.15em; font-weight: bold; color: #1f4e79; }
/* A lost kernel is explained once, in words, by the self-assessment's notice, not by an icon per widget. */
.wb-app .jupyter-widgets-disconnected::before { content: none !important; display: none !important; }
</style>
"""


# ================================================================================ shared pieces


def _esc(value: object) -> str:
    return html.escape(str(value))


def _open_store(store: Store | str | None) -> Store:
    return store if isinstance(store, Store) else Store(store)


class _App:
    """Header with title and language switch, an error box, and the page's root widget."""

    title_key: str

    def __init__(self, lang: str | None):
        self.lang = i18n.normalize_language(lang) if lang else i18n.get_language()
        self.errors = ErrorBox(self.lang)
        self.heading = w.HTML()
        self.language = w.ToggleButtons(
            options=[(t(f"widgets.lang.{code}", code), code) for code in i18n.LANGUAGES],
            value=self.lang,
            style={"button_width": "auto"},
        )
        self.language.observe(self._on_language, names="value")

    def _page(self, *children: w.Widget) -> w.VBox:
        header = w.HBox(
            [self.heading, self.language],
            layout=w.Layout(justify_content="space-between", align_items="center"),
        )
        page = w.VBox([w.HTML(PAGE_CSS), header, self.errors.widget, *children])
        page.add_class("wb-app")
        return page

    def _on_language(self, change) -> None:
        self.relabel(change["new"])

    @safe_callback
    def relabel(self, lang: str) -> None:
        """Show the page in ``lang`` (``"zh"`` or ``"en"``); everything entered stays."""
        self.lang = i18n.normalize_language(lang)
        self.errors.render(self.lang)
        self.heading.value = f"<h2>{_esc(t(self.title_key, self.lang))}</h2>"
        self._relabel()

    def _relabel(self) -> None:  # each app relabels its own controls
        raise NotImplementedError

    def _repr_mimebundle_(self, **kwargs):
        return self.widget._repr_mimebundle_(**kwargs)


def _h3(text: str) -> str:
    return f"<h3>{_esc(text)}</h3>"


def _table(header: list[str], rows: list[list[object]]) -> str:
    """A simple HTML table; every cell is escaped, the first column bold."""
    head = "".join(f"<th style='text-align:left'>{_esc(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(f"<td>{'<b>' * (i == 0)}{_esc(cell)}{'</b>' * (i == 0)}</td>" for i, cell in enumerate(row))
        + "</tr>"
        for row in rows
    )
    return f"<table class='wb-table' cellpadding='6'><tr>{head}</tr>{body}</table>"


_WRAP = w.Layout(align_items="center", flex_flow="row wrap")


def _download_link(content: bytes, filename: str, text: str, mime: str) -> str:
    """An HTML link that saves ``content`` as ``filename``: a download without a server round trip."""
    encoded = base64.b64encode(content).decode("ascii")
    return (
        f'<a download="{_esc(filename)}" href="data:{mime};base64,{encoded}" '
        f'style="font-weight:bold">⬇ {_esc(text)}</a>'
    )


# ================================================================================ 1 · self-assessment


class SelfAssessmentApp(_App):
    """自评: join a session with its code, pick team and instrument, fill in, submit, see the team result.

    The team result combines the latest submission of every member of the team for the same
    instrument (and key account): dimension radar, level, weakest dimensions, plan and rater
    spread. Nothing of another team is ever shown.

    Everything entered is also kept in the browser (:attr:`keeper`) until the server has
    acknowledged the submit; a page opened again brings it back with :meth:`resume`.

    Parameters
    ----------
    store : Store or database URL, optional (default: the configured store)
    lang : ``"zh"`` (default) or ``"en"``
    """

    title_key = "apps.self.title"

    def __init__(self, store: Store | str | None = None, lang: str | None = None):
        super().__init__(lang)
        self.store = _open_store(store)
        self.session = self.team = self.respondent = None
        self.respondent_key: str | None = None  # the member's anonymous id, kept in the browser's draft
        self.form: InstrumentForm | None = None
        self._resumed_state: str | None = None  # "resumed" / "resent" after a draft came back
        self.keeper = BrowserDraft(storage_key="self-assessment")
        self.keeper.observe(lambda change: self.resume(change["new"]), names="restored")
        self.resumed = w.HTML()
        self.intro = w.HTML()
        self.code = w.Text(layout=w.Layout(width="12em"))
        self.name = w.Text(layout=w.Layout(width="16em"))
        self.join_button = w.Button(button_style="primary", icon="sign-in")
        self.join_button.on_click(lambda _: self.join())
        self.joined = w.HTML()
        self.team_picker = w.Combobox(ensure_option=False, layout=w.Layout(width="16em"))
        self.instrument_picker = w.Dropdown(layout=w.Layout(width="24em"))
        self.instrument_picker.observe(lambda _: self._show_account(), names="value")
        self.account = w.Text(layout=w.Layout(width="20em"))
        self.start_button = w.Button(button_style="primary", icon="pencil")
        self.start_button.on_click(lambda _: self.start())
        self.setup_box = w.VBox(layout=w.Layout(display="none"))
        self.form_box = w.VBox()
        self.result_heading = w.HTML()
        self.result = ResultView(lang=self.lang)
        self.result.widget.layout.display = "none"
        self._captions: dict[str, w.HTML] = {
            k: w.HTML() for k in ("code", "name", "team", "instrument", "account")
        }
        join_row = w.HBox(
            [self._captions["code"], self.code, self._captions["name"], self.name, self.join_button],
            layout=w.Layout(align_items="center", flex_flow="row wrap"),
        )
        self.account_row = w.HBox(
            [self._captions["account"], self.account], layout=w.Layout(align_items="center")
        )
        self.setup_box.children = [
            self.joined,
            w.HBox([self._captions["team"], self.team_picker], layout=w.Layout(align_items="center")),
            w.HBox(
                [self._captions["instrument"], self.instrument_picker], layout=w.Layout(align_items="center")
            ),
            self.account_row,
            self.start_button,
        ]
        self.widget = self._page(self.keeper, self.intro, join_row, self.setup_box, self.resumed,
                                 self.form_box, self.result_heading, self.result.widget)  # fmt: skip
        self.relabel(self.lang)

    # ------------------------------------------------------------------ steps
    @safe_callback
    def join(self) -> None:
        """Step 1: find the session by its join code and list its teams and the instruments."""
        code = normalize_join_code(self.code.value)
        self.session = self.store.session_by_code(code)
        self.team_picker.options = [team.name for team in self.store.teams(self.session)]
        instruments = list_instruments()
        usable = instruments[instruments["error"].fillna("") == ""]
        self.instrument_picker.options = [(load_instrument(i).title.get(self.lang), i) for i in usable["id"]]
        self.setup_box.layout.display = None
        self._relabel()

    @safe_callback
    def start(self) -> None:
        """Step 2: join (or create) the team, then show the chosen questionnaire."""
        if self.session is None:
            raise fail("self_assessment", "apps.self.join_first")
        team_name = self.team_picker.value.strip()
        if not team_name:
            raise fail("self_assessment", "apps.self.team_missing")
        instrument_id = self.instrument_picker.value
        if instrument_id in ACCOUNT_INSTRUMENTS and not self.account.value.strip():
            raise fail("self_assessment", "apps.self.account_missing")
        self.team = self.store.add_team(self.session, team_name)
        # The same person found again (by name, or by the id their browser kept); a new one in another team.
        same_team = self.respondent is None or self.respondent.team_id == self.team.id
        known = self.respondent_key if same_team else None
        self.respondent = self.store.add_respondent(self.team, self.name.value.strip() or None, known)
        self.respondent_key = self.respondent.anonymous_id
        kept = self.form.answers if self.form is not None and self.form.instrument.id == instrument_id else {}
        self.form = InstrumentForm(
            instrument_id, lang=self.lang, on_submit=self._store_answers, on_change=self._keep_draft
        )
        if kept:
            self.form.set_answers(kept)  # starting again with the same questionnaire keeps what was ticked
        self.form.language.layout.display = "none"  # the page's own switch relabels the form
        self.form_box.children = [self.form.widget]
        self._keep_draft()
        self._show_team_result()

    def _store_answers(self, answers: dict, key: str) -> None:
        """``on_submit`` of the form: store once per key, then refresh the team's result."""
        self._keep_draft(sending=key)  # reaches the browser before the store is asked
        segment = self.form.segment
        stored = {**answers, **({SEGMENT_KEY: segment} if segment else {})}
        account = self.account.value.strip() if self.form.instrument.id in ACCOUNT_INSTRUMENTS else None
        self.store.submit(
            self.team, self.form.instrument.id, self.form.instrument.version, stored,
            key=key, account=account, respondent=self.respondent,
        )  # fmt: skip
        self.keeper.draft = {}  # acknowledged: nothing in progress any more
        self._show_team_result()

    # ------------------------------------------------------------------ the copy kept in the browser
    def _keep_draft(self, sending: str | None = None) -> None:
        """Copy what is entered to the browser; ``sending``: the key of a submit under way."""
        self.keeper.draft = {
            "saved": time.time(),
            "lang": self.lang,
            "code": self.code.value,
            "name": self.name.value,
            "respondent": self.respondent_key,
            "team": self.team_picker.value,
            "instrument": self.form.instrument.id,
            "account": self.account.value,
            "segment": self.form.segment,
            "answers": self.form.answers,
            "key": sending or self.form.key,
            "sending": sending is not None,
        }

    @safe_callback
    def resume(self, draft: dict) -> None:
        """Bring back a draft kept in the browser: join, team, questionnaire, answers; re-send a
        submit that was under way (same idempotency key, so it is stored once).

        A draft older than :data:`DRAFT_MAX_AGE_S` or for a session that no longer exists is
        dropped; whatever cannot be restored is left for the trainee to enter, with the usual
        message in the page.
        """
        if not draft or time.time() - float(draft.get("saved", 0)) > DRAFT_MAX_AGE_S:
            return
        self.language.value = i18n.normalize_language(draft.get("lang") or self.lang)
        self.code.value, self.name.value = draft.get("code") or "", draft.get("name") or ""
        self.join()
        instruments = [instrument_id for _, instrument_id in self.instrument_picker.options]
        if self.session is None or draft.get("instrument") not in instruments:
            return
        self.team_picker.value = draft.get("team") or ""
        self.instrument_picker.value = draft["instrument"]
        self.account.value = draft.get("account") or ""
        self.respondent_key = draft.get("respondent")
        self.start()
        if self.form is None:
            return
        if self.form.segment_picker is not None and draft.get("segment"):
            self.form.segment_picker.value = draft["segment"]
        self.form.set_answers(draft.get("answers") or {}, key=draft.get("key"))
        self._resumed_state = "resent" if draft.get("sending") else "resumed"
        self._relabel()
        if draft.get("sending"):
            self.form.submit()
        else:
            self._keep_draft()  # the new page's copy, should this kernel die too

    def team_result(self) -> InstrumentResult | None:
        """The team's combined result for the chosen instrument (and account), or ``None`` before any."""
        if self.team is None or self.form is None:
            return None
        return team_result(self.store, self.team, self.form.instrument.id, self._account(), lang=self.lang)

    def _account(self) -> str | None:
        return self.account.value.strip() or None if self.form.instrument.id in ACCOUNT_INSTRUMENTS else None

    def _show_team_result(self) -> None:
        result = self.team_result()
        if result is None:
            self.result.widget.layout.display = "none"
            self.result_heading.value = ""
            return
        self.result.lang = self.lang
        self.result.show(result)
        self.result.widget.layout.display = None
        heading = t("apps.self.team_result", self.lang, team=self.team.name, n=result.n_respondents)
        self.result_heading.value = _h3(heading)

    def _show_account(self) -> None:
        self.account_row.layout.display = (
            None if self.instrument_picker.value in ACCOUNT_INSTRUMENTS else "none"
        )

    # ------------------------------------------------------------------ language
    def _relabel(self) -> None:
        lang = self.lang
        self.keeper.notice = t("apps.self.connection_lost", lang)
        state = self._resumed_state
        self.resumed.value = f"<p>✔ {_esc(t(f'apps.self.{state}', lang))}</p>" if state else ""
        self.intro.value = f"<p>{_esc(t('apps.self.intro', lang))}</p>"
        for key, caption in self._captions.items():
            caption.value = f"<b style='margin:0 6px'>{_esc(t(f'apps.self.{key}', lang))}</b>"
        self.code.placeholder = t("apps.self.code_placeholder", lang)
        self.name.placeholder = t("apps.self.name_placeholder", lang)
        self.team_picker.placeholder = t("apps.self.team_placeholder", lang)
        self.account.placeholder = t("apps.self.account_placeholder", lang)
        self.join_button.description = t("apps.self.join", lang)
        self.start_button.description = t("apps.self.start", lang)
        if self.session is not None:
            self.joined.value = f"<p>✔ {_esc(t('apps.self.joined', lang, title=self.session.title))}</p>"
            value = self.instrument_picker.value
            self.instrument_picker.options = [
                (load_instrument(i).title.get(lang), i) for _, i in self.instrument_picker.options
            ]
            self.instrument_picker.value = value
        self._show_account()
        if self.form is not None:
            self.form.relabel(lang)
            self.result.lang = lang
            self.result.errors.render(lang)
            self._show_team_result()


def team_result(
    store: Store, team, instrument_id: str, account: str | None = None, *, lang: str | None = None
) -> InstrumentResult | None:
    """Score the latest submission of each member of ``team`` for one instrument (and account).

    Returns ``None`` when nobody has submitted yet. Each member counts once, with the answers
    they sent last; anonymous submissions count once each.
    """
    frame = store.submissions(team.session_id, team=team, instrument_id=instrument_id)
    if account is not None:
        frame = frame[frame["account"] == account]
    return None if frame.empty else score_submissions(frame, instrument_id, lang=lang)


# ================================================================================ 2 · value-matrix explorer


class ValueMatrixExplorerApp(_App):
    """价值矩阵: sample data or an uploaded CSV/Excel, weights and thresholds with a live matrix,
    the tier table with strategies, and a download of the scored table.

    A bad upload shows the loader's message (file, column, rows, what was expected) in the page;
    the customers shown before stay, with every slider where it was.

    An upload whose headers the loader does not know (毛利, 回款金额, 客户) opens a mapping step:
    one drop-down per column the value matrix needs, with the likely header suggested and what
    the column is for; the mapping applied is remembered in the browser (``localStorage``) for
    the next upload. An order ledger (customer, date, amount) is turned into the customer table
    it gives; the step then says which columns the ledger cannot give.
    """

    title_key = "apps.vm.title"
    # What the explorer's matrix and quadrants read (value_scores, current_potential).
    NEEDS = (*vm_columns.BY_NAME["value_matrix"].needs, "revenue_12m")

    def __init__(self, customers: pd.DataFrame | None = None, lang: str | None = None):
        super().__init__(lang)
        self.source_name = "customers.csv"
        self.customers = customers if customers is not None else _sample_customers()
        self.intro = w.HTML()
        self.upload = w.FileUpload(accept=".csv,.xlsx,.xls,.txt", multiple=False)
        self.upload.observe(lambda change: self.load_upload(change["new"]), names="value")
        self.sample_button = w.Button(icon="database")
        self.sample_button.on_click(lambda _: self.use_sample())
        self.source = w.HTML()
        self.mapping: dict[str, str] = {}  # header in the user's file → canonical column
        self.pending: tuple[str, bytes] | None = None  # an upload waiting for its mapping
        self.notices: list = []  # what the loader dropped or did not use, shown under the source
        self.pickers: dict[str, w.Dropdown] = {}
        self.mapping_note = w.HTML()
        self.mapping_grid = w.VBox()
        self.apply_button = w.Button(button_style="primary", icon="check")
        self.apply_button.on_click(lambda _: self.apply_mapping())
        self.mapping_box = w.VBox(
            [self.mapping_note, self.mapping_grid, self.apply_button],
            layout=w.Layout(display="none", margin="0 0 16px 0"),
        )
        self.memory = BrowserDraft(storage_key="value-matrix-column-mapping")
        self.memory.observe(lambda change: self._remember(change["new"]), names="restored")
        self.explorer = ValueMatrixExplorer(self.customers, lang=self.lang)
        self.explorer_box = w.VBox([self.explorer.widget])
        self.strategies = w.HTML()
        self.download_button = w.Button(icon="table")
        self.download_button.on_click(lambda _: self.prepare_download())
        self.download = w.HTML()
        self._observe_explorer()
        self.widget = self._page(
            self.intro,
            w.HBox([self.upload, self.sample_button, self.source], layout=w.Layout(align_items="center")),
            self.mapping_box,
            self.memory,
            self.explorer_box,
            self.strategies,
            w.HBox([self.download_button, self.download], layout=w.Layout(align_items="center")),
        )
        self.relabel(self.lang)

    @safe_callback
    def load_upload(self, files) -> None:
        """Replace the customers by an uploaded file, after the loader has checked every cell."""
        if not files:
            return
        upload = files[0]
        name, content = upload["name"], bytes(upload["content"])
        if len(content) > UPLOAD_MAX_BYTES:
            raise fail(
                name, "apps.vm.too_large", size=f"{len(content) / 2**20:.1f}", limit=UPLOAD_MAX_BYTES // 2**20
            )
        self.pending = (name, content)
        self._load_pending()

    def _load_pending(self) -> None:
        """Load the pending upload with the current mapping; show the mapping step while the
        value matrix still lacks columns, replace the customers once it has them all."""
        from workbook import data  # the loader (pandera) only where files are read: lighter kernels

        name, content = self.pending
        mapping = {h: c for h, c in self.mapping.items() if c}
        if data.guess_table(content, name=name, columns=mapping) == "transactions":
            ledger = data.load_transactions(content, name=name, columns=mapping)
            customers = data.derive_customers(ledger)
        else:
            # raises before anything changes: the customers shown stay
            customers = data.load_customers(content, name=name, columns=mapping)
        missing = [c for c in self.NEEDS if c not in customers]
        if missing:
            self._show_mapping(data.suggest_mapping(content, name=name), missing, name)
            return
        self.pending = None
        self.mapping_box.layout.display = "none"
        self.notices = list(customers.attrs.get("notices", []))  # total rows dropped, headers not used
        self._replace(customers, name)

    def _show_mapping(self, headers: dict[str, str | None], missing: list[str], name: str) -> None:
        """One drop-down per missing column: the file's headers, the likely one preselected."""
        from workbook import data

        taken = {h for h, c in self.mapping.items() if c}
        options = [(t("apps.vm.map_none", self.lang), "")] + [(h, h) for h in headers]
        rows, self.pickers = [], {}
        for column in missing:
            guess = next((h for h, c in headers.items() if c == column and h not in taken), "")
            guess = guess or next((h for h, c in self.mapping.items() if c == column and h in headers), "")
            picker = w.Dropdown(options=options, value=guess, layout=w.Layout(width="16em"))
            self.pickers[column] = picker
            what = t(f"columns.enables.{column}", self.lang)
            zh = data.CUSTOMERS.by_name()[column].zh
            shown = f"{zh}（{column}）" if self.lang == "zh" else column
            head = w.HTML(f"<b style='display:inline-block;width:18em'>{_esc(shown)}</b>")
            note = w.HTML(f"<span style='margin-left:10px;color:#555'>{_esc(what)}</span>")
            rows.append(w.HBox([head, picker, note]))
        self.mapping_grid.children = rows
        intro = t("apps.vm.map_intro", self.lang, name=name, n=len(missing))
        self.mapping_note.value = f"<p>{_esc(intro)}</p>"
        self.apply_button.description = t("apps.vm.map_apply", self.lang)
        self.mapping_box.layout.display = "flex"

    @safe_callback
    def apply_mapping(self) -> None:
        """Take the chosen headers, remember them in the browser, and load the upload again."""
        if self.pending is None:
            return
        chosen = {picker.value: column for column, picker in self.pickers.items() if picker.value}
        self.mapping = {**{h: c for h, c in self.mapping.items() if c not in chosen.values()}, **chosen}
        self.memory.draft = {"mapping": dict(self.mapping)}
        self._load_pending()

    def _remember(self, restored: dict) -> None:
        """The mapping this browser kept from an earlier upload."""
        kept = restored.get("mapping") if isinstance(restored, dict) else None
        if isinstance(kept, dict):
            self.mapping = {str(h): str(c) for h, c in kept.items()}

    @safe_callback
    def use_sample(self) -> None:
        """Go back to the sample customers."""
        self.pending = None
        self.notices = []
        self.mapping_box.layout.display = "none"
        self._replace(_sample_customers(), "customers.csv")

    def _replace(self, customers: pd.DataFrame, name: str) -> None:
        weights, thresholds = self.explorer.weights, self.explorer.thresholds  # same shares, rescaled to 1
        explorer = ValueMatrixExplorer(customers, weights=weights, thresholds=thresholds, lang=self.lang)
        self.customers, self.source_name, self.explorer = customers, name, explorer
        self.explorer_box.children = [explorer.widget]
        self.download.value = ""
        self._observe_explorer()
        self._relabel()

    def _observe_explorer(self) -> None:
        for control in [*self.explorer.sliders.values(), self.explorer.thresholds_slider]:
            control.observe(lambda _: self._show_strategies(), names="value")

    def scored(self) -> pd.DataFrame:
        """The customers with the current weights' value score, tier, quadrant and strategy."""
        weights, thresholds = self.explorer.weights, self.explorer.thresholds
        scores = vm.value_scores(self.customers, weights, thresholds=thresholds, explain=False)
        quadrants = vm.value_quadrants(vm.current_potential(self.customers))
        tiers = _tier_strategies(self.lang)
        columns = [
            c for c in ("customer_id", "name", "industry", "region", "company_size") if c in self.customers
        ]
        return pd.concat(
            [
                self.customers[columns],
                scores[["value_score", "value_tier"]].round({"value_score": 1}),
                quadrants[["current_value", "potential_value", "quadrant"]].round(1),
                scores["value_tier"].map(tiers["strategy"]).rename("strategy"),
                scores["value_tier"].map(tiers["contact_mode"]).rename("contact_mode"),
            ],
            axis=1,
        )

    @safe_callback
    def prepare_download(self) -> None:
        """Offer the scored table as an Excel file (formulas neutralised), named after the source."""
        table = neutralise_formulas(self.scored())
        table["value_tier"] = table["value_tier"].map(lambda code: label("value_tier", code, self.lang))
        table["quadrant"] = table["quadrant"].map(lambda code: label("quadrant", code, self.lang))
        buffer = io.BytesIO()
        table.to_excel(buffer, index=False, sheet_name="value_matrix")
        stem = Path(self.source_name).stem or "customers"
        self.download.value = _download_link(
            buffer.getvalue(), f"{stem}_value_matrix.xlsx", t("apps.vm.download_ready", self.lang),
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )  # fmt: skip

    def _show_strategies(self) -> None:
        counts = self.explorer.counts
        plan = _tier_strategies(self.lang)
        rows = [
            [plan.at[code, "name"], f"{int(counts.get(code, 0)):,}", plan.at[code, "strategy"],
             plan.at[code, "contact_mode"]]
            for code in ("high", "mid", "low")
        ]  # fmt: skip
        header = [t(f"apps.vm.col.{c}", self.lang) for c in ("tier", "customers", "strategy", "contact")]
        self.strategies.value = _h3(t("apps.vm.strategies", self.lang)) + _table(header, rows)

    def _relabel(self) -> None:
        lang = self.lang
        self.intro.value = f"<p>{_esc(t('apps.vm.intro', lang, limit=UPLOAD_MAX_BYTES // 2**20))}</p>"
        self.upload.description = t("apps.vm.upload", lang)
        self.sample_button.description = t("apps.vm.sample", lang)
        self.download_button.description = t("apps.vm.download", lang)
        self.apply_button.description = t("apps.vm.map_apply", lang)
        source = t("apps.vm.source", lang, name=self.source_name, n=len(self.customers))
        notes = "".join(
            f"<br><small style='color:#8a5a00'>{_esc(p.message(lang))}</small>" for p in self.notices
        )
        self.source.value = f"<span style='margin-left:12px'>{_esc(source)}{notes}</span>"
        if self.explorer.lang != lang:
            self._replace(self.customers, self.source_name)  # rebuilt in the new language, same sliders
            return
        self._show_strategies()


def _tier_strategies(lang: str) -> pd.DataFrame:
    """The strategy table's rows for the value tiers, by tier code (high, mid, low)."""
    plan = vm.strategy_table(lang)
    return plan[plan["group"] == "value_tier"].set_index("code")


def _sample_customers() -> pd.DataFrame:
    from workbook import data

    return data.load_customers(data.DATASETS_DIR / "customers.csv")


# ================================================================================ 3 · trainer dashboard


class TrainerDashboardApp(_App):
    """课堂看板: behind the trainer code, create or pick a session, show its join code and a live
    view of submissions per team, team comparison, distribution and exercise progress; export.

    ``code_hash`` defaults to ``$WORKBOOK_TRAINER_CODE_HASH``; without one the dashboard stays locked
    and says how to set a code. Refreshes every ``refresh_seconds`` through a ``Play`` widget
    ticking in the browser (no thread in the kernel), and redraws only when something changed.
    """

    title_key = "apps.dash.title"

    def __init__(
        self,
        store: Store | str | None = None,
        lang: str | None = None,
        *,
        code_hash: str | None = None,
        refresh_seconds: float = REFRESH_SECONDS,
    ):
        super().__init__(lang)
        self.store = _open_store(store)
        self.code_hash = code_hash if code_hash is not None else os.environ.get(TRAINER_CODE_ENV)
        self.unlocked = False
        self.session = None
        self._seen: tuple | None = None
        self.lock_note = w.HTML()
        self.code = w.Password(layout=w.Layout(width="14em"))
        self.unlock_button = w.Button(button_style="primary", icon="unlock")
        self.unlock_button.on_click(lambda _: self.unlock(self.code.value))
        self.lock_box = w.VBox([self.lock_note, w.HBox([self.code, self.unlock_button])])
        self.session_picker = w.Dropdown(layout=w.Layout(width="24em"))
        self.session_picker.observe(lambda change: self.pick(change["new"]), names="value")
        self.new_title = w.Text(layout=w.Layout(width="20em"))
        self.create_button = w.Button(icon="plus")
        self.create_button.on_click(lambda _: self.create(self.new_title.value, self.follows.value))
        self.follows = w.Dropdown(layout=w.Layout(width="20em"))  # re-assessment: the earlier session
        self.trend = w.HTML()
        self.join_code = w.HTML()
        self.tiles = w.HTML()
        self.instrument_picker = w.Dropdown(layout=w.Layout(width="24em"))
        self._quiet = False
        self.instrument_picker.observe(lambda _: self._quiet or self.refresh(force=True), names="value")
        self.table = w.HTML()
        self.comparison = w.Image(format="png", layout=w.Layout(max_width="560px", display="none"))
        self.distribution = w.Image(format="png", layout=w.Layout(max_width="520px", display="none"))
        self.exercises = w.HTML()
        self.refresh_button = w.Button(icon="refresh")
        self.refresh_button.on_click(lambda _: self.refresh(force=True))
        self.export_button = w.Button(icon="download")
        self.export_button.on_click(lambda _: self.export())
        self.export_link = w.HTML()
        self.updated = w.HTML()
        self.ticker = w.Play(interval=int(refresh_seconds * 1000), max=10**9, show_repeat=False)
        self.ticker.layout.display = "none"
        self.ticker.observe(lambda _: self.refresh(), names="value")
        self.live_box = w.VBox(
            [
                w.HBox([self.session_picker, self.new_title, self.follows, self.create_button], layout=_WRAP),
                self.join_code,
                self.tiles,
                w.HBox([self.instrument_picker, self.refresh_button, self.export_button, self.export_link,
                        self.updated], layout=_WRAP),
                self.table,
                w.HBox([self.comparison, self.distribution],  # top-aligned: a stretched chart is distorted
                       layout=w.Layout(flex_flow="row wrap", align_items="flex-start")),
                self.trend,
                self.exercises,
                self.ticker,
            ],
            layout=w.Layout(display="none"),
        )  # fmt: skip
        self.live_box.add_class("wb-big")
        self.widget = self._page(self.lock_box, self.live_box)
        self.relabel(self.lang)

    # ------------------------------------------------------------------ access
    @safe_callback
    def unlock(self, code: str) -> bool:
        """Open the dashboard if ``code`` is the trainer code; otherwise say so and stay locked."""
        if not self.code_hash:
            raise fail("dashboard", "apps.dash.no_code_set")
        if not verify_trainer_code(str(code), self.code_hash):
            self.code.value = ""
            raise fail("dashboard", "apps.dash.wrong_code")
        self.unlocked = True
        self.code.value = ""
        self.lock_box.layout.display = "none"
        self.live_box.layout.display = None
        self._list_sessions()
        self.ticker.playing = True
        return True

    def _need_unlocked(self) -> None:
        if not self.unlocked:
            raise fail("dashboard", "apps.dash.locked")

    # ------------------------------------------------------------------ sessions
    def _list_sessions(self) -> None:
        sessions = self.store.sessions()
        options = [(f"{s.held_on:%Y-%m-%d} · {s.title} · {s.code}", s.id) for s in reversed(sessions)]
        self.session_picker.options = options
        self.follows.options = [(t("apps.dash.follows_none", self.lang), None), *options]
        if options and self.session is None:
            self.session_picker.value = options[0][1]

    @safe_callback
    def create(self, title: str, previous: int | None = None) -> None:
        """Start a new session with ``title``; its join code appears in large type.

        ``previous``: the id of an earlier session of the same teams, for a re-assessment; the
        dashboard and the reports then show each team's change since then.
        """
        self._need_unlocked()
        title = title.strip() or t("apps.dash.default_title", self.lang, date=f"{datetime.now():%Y-%m-%d}")
        session = self.store.create_session(
            title, trainer_code_hash=self.code_hash, previous_session_id=previous
        )
        self.new_title.value = ""
        self.session = None
        self._list_sessions()
        self.session_picker.value = session.id

    @safe_callback
    def pick(self, session_id: int | None) -> None:
        """Show session ``session_id``."""
        self._need_unlocked()
        if session_id is None:
            return
        self.session = self.store.session_by_id(session_id)
        caption, code = _esc(t("apps.dash.join_code", self.lang)), _esc(self.session.code)
        self.join_code.value = f"<div>{caption} <span class='wb-code'>{code}</span></div>"
        self.export_link.value = ""
        for image in (self.comparison, self.distribution):  # the last session's charts go at once
            image.layout.display = "none"
        self.refresh(force=True)

    # ------------------------------------------------------------------ live view
    @safe_callback
    def refresh(self, force: bool = False) -> None:
        """Redraw the live view if anything was stored since the last draw (or ``force``)."""
        if not self.unlocked or self.session is None:
            return
        tables = self.store.tables(self.session, expand=False)
        submissions, attempts = tables["submissions"], tables["attempts"]
        seen = (len(tables["teams"]), len(tables["respondents"]), len(submissions), len(attempts),
                self.instrument_picker.value, self.lang)  # fmt: skip
        updated = t("apps.dash.updated", self.lang, time=f"{datetime.now():%H:%M:%S}")
        self.updated.value = f"<span style='color:#777'>{_esc(updated)}</span>"
        if seen == self._seen and not force:
            return
        self._seen = seen
        self.tiles.value = self._tiles(tables, submissions)
        self._instrument_options(submissions)
        self.table.value = self._per_team_table(submissions)
        results = self._team_results(submissions)
        self._charts(results)
        self.exercises.value = self._exercise_table(attempts)
        self.trend.value = self._trend_table(results)

    def _tiles(self, tables: dict, submissions: pd.DataFrame) -> str:
        numbers = {"teams": len(tables["teams"]), "people": len(tables["respondents"]),
                   "submissions": len(submissions), "attempts": len(tables["attempts"])}  # fmt: skip
        tiles = "".join(
            f"<div class='wb-tile'><b>{n:,}</b>{_esc(t(f'apps.dash.tile.{k}', self.lang))}</div>"
            for k, n in numbers.items()
        )
        return f"<div class='wb-tiles'>{tiles}</div>"

    def _instrument_options(self, submissions: pd.DataFrame) -> None:
        used = list(dict.fromkeys(submissions["instrument_id"]))
        options = [(load_instrument(i).title.get(self.lang), i) for i in used]
        if options != list(self.instrument_picker.options):
            value = self.instrument_picker.value
            self._quiet = True  # choosing for the trainer is not a change of theirs to redraw for
            try:
                self.instrument_picker.options = options
                self.instrument_picker.value = value if value in used else (used[0] if used else None)
            finally:
                self._quiet = False

    def _per_team_table(self, submissions: pd.DataFrame) -> str:
        if submissions.empty:
            return f"<p>{_esc(t('apps.dash.none_yet', self.lang))}</p>"
        counts = pd.crosstab(submissions["team"], submissions["instrument_id"])
        header = ["", *(load_instrument(i).title.get(self.lang) for i in counts.columns)]
        rows = [[team, *row] for team, row in zip(counts.index, counts.to_numpy().tolist(), strict=True)]
        return _h3(t("apps.dash.per_team", self.lang)) + _table(header, rows)

    def _team_results(self, submissions: pd.DataFrame) -> dict[str, InstrumentResult]:
        """Team name → result for the chosen questionnaire (all accounts together), teams in order of
        their first submission."""
        instrument_id = self.instrument_picker.value
        chosen = submissions[submissions["instrument_id"] == instrument_id]
        return {
            team: score_submissions(group, instrument_id, lang=self.lang)
            for team, group in chosen.groupby("team", sort=False)
        }

    def _charts(self, results: dict[str, InstrumentResult]) -> None:
        images = (self.comparison, self.distribution)
        if not results:
            for image in images:  # an empty image would show as broken
                image.layout.display = "none"
            return
        with i18n.language(self.lang):
            dims = pd.concat(
                [r.dimensions.assign(team=name) for name, r in results.items()], ignore_index=True
            )
            ax = plots.radar(
                dims, axis="name", value="score", hue="team", title=t("apps.dash.comparison", self.lang)
            )
            self.comparison.value = plots.to_png(ax)
            index = pd.DataFrame({"team": list(results), "index": [r.index for r in results.values()]})
            ax = plots.gap_bars(index.sort_values("index", ascending=False), x="index", y="team", names=None,
                                fmt="{:.0f}", title=t("apps.dash.index_title", self.lang),
                                xlabel=t("apps.dash.index_axis", self.lang), ylabel="")  # fmt: skip
            ax.set_xlim(0, 100)
            self.distribution.value = plots.to_png(ax)
        for image in images:  # shown once drawn, so a newly picked session never shows the last one's
            image.layout.display = None

    def _trend_table(self, results: dict[str, InstrumentResult]) -> str:
        """Each team's index now and in the linked earlier session (same team name), chosen questionnaire."""
        instrument_id, earlier = self.instrument_picker.value, self.session.previous_session_id
        if instrument_id is None or earlier is None:
            return ""
        before = self._team_results(self.store.submissions(earlier, instrument_id=instrument_id))
        rows = []
        for team in self.store.teams(self.session):
            now, then = results.get(team.name), before.get(team.name)
            if now is not None:
                change = f"{now.index - then.index:+.1f}" if then is not None else "—"
                was = f"{then.index:.1f} · {then.level_name}" if then is not None else "—"
                rows.append([team.name, was, f"{now.index:.1f} · {now.level_name}", change])
        header = ["", *(t(f"apps.dash.trend_{c}", self.lang) for c in ("before", "now", "change"))]
        return _h3(t("apps.dash.trend", self.lang)) + _table(header, rows) if rows else ""

    def _exercise_table(self, attempts: pd.DataFrame) -> str:
        if attempts.empty:
            return ""
        solved = attempts[attempts["correct"]].groupby("team")["task_id"].nunique()
        tried = attempts.groupby("team")["task_id"].nunique()
        rows = [[team, f"{int(solved.get(team, 0))} / {int(n)}"] for team, n in tried.items()]
        header = ["", t("apps.dash.solved", self.lang)]
        return _h3(t("apps.dash.exercises", self.lang)) + _table(header, rows)

    @safe_callback
    def export(self) -> None:
        """Offer the session's data as a zip of one Excel workbook and CSV files (formulas neutralised)."""
        self._need_unlocked()
        if self.session is None:
            raise fail("dashboard", "apps.dash.no_session")
        with TemporaryDirectory() as folder:
            stem = f"session-{self.session.code}"
            files = self.store.export(self.session, Path(folder) / f"{stem}.xlsx")
            files += self.store.export(self.session, Path(folder) / f"{stem}.csv")
            buffer = io.BytesIO()
            with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
                for file in files:
                    archive.write(file, file.name)
        self.export_link.value = _download_link(
            buffer.getvalue(), f"{stem}.zip", t("apps.dash.export_ready", self.lang), "application/zip"
        )

    def _relabel(self) -> None:
        lang = self.lang
        note = "apps.dash.locked_note" if self.code_hash else "apps.dash.no_code_set"
        self.lock_note.value = f"<p>{_esc(t(note, lang))}</p>"
        self.code.placeholder = t("apps.dash.code_placeholder", lang)
        self.unlock_button.description = t("apps.dash.unlock", lang)
        self.new_title.placeholder = t("apps.dash.new_placeholder", lang)
        self.create_button.description = t("apps.dash.create", lang)
        self.session_picker.description = t("apps.dash.session", lang)
        self.instrument_picker.description = t("apps.dash.instrument", lang)
        self.refresh_button.description = t("apps.dash.refresh", lang)
        self.export_button.description = t("apps.dash.export", lang)
        if self.session is not None:
            self.pick(self.session.id)


# ================================================================================ entry points


def landing(lang: str | None = None) -> w.HTML:
    """The landing page: the three apps as large links with one sentence each, in both languages."""
    cards = []
    for notebook, key, title in (
        ("self_assessment.ipynb", "self", "apps.self.title"),
        ("value_matrix_explorer.ipynb", "vm", "apps.vm.title"),
        ("trainer_dashboard.ipynb", "dash", "apps.dash.title"),
    ):
        texts = [(t(title, code), t(f"apps.landing.{key}", code)) for code in _languages_first(lang)]
        cards.append(
            f"<a href='{notebook}' class='wb-card'><b>{_esc(texts[0][0])}</b><br>{_esc(texts[0][1])}"
            f"<br><span style='color:#777'>{_esc(texts[1][0])} · {_esc(texts[1][1])}</span></a>"
        )
    intro = "<br>".join(_esc(t("apps.landing.intro", code)) for code in _languages_first(lang))
    title = " · ".join(_esc(t("apps.landing.title", code)) for code in _languages_first(lang))
    return w.HTML(
        PAGE_CSS
        + "<style>.wb-card{display:block;border:1px solid #cfd8e3;border-radius:10px;padding:16px 22px;"
        "margin:14px 0;text-decoration:none;color:#222;font-size:120%} .wb-card:hover{background:#f3f6fa}"
        f".wb-card b{{font-size:130%;color:#1f4e79}}</style><div class='wb-app'><h1>{title}</h1>"
        f"<p>{intro}</p>{''.join(cards)}</div>"
    )


def _languages_first(lang: str | None) -> list[str]:
    first = i18n.normalize_language(lang) if lang else i18n.get_language()
    return [first, *(code for code in i18n.LANGUAGES if code != first)]


def self_assessment(lang: str | None = None) -> SelfAssessmentApp:
    """The self-assessment app on the configured store (``notebooks/apps/self_assessment.ipynb``)."""
    return SelfAssessmentApp(lang=lang)


def value_matrix_explorer(lang: str | None = None) -> ValueMatrixExplorerApp:
    """The value-matrix explorer on the sample data."""
    return ValueMatrixExplorerApp(lang=lang)


def trainer_dashboard(lang: str | None = None) -> TrainerDashboardApp:
    """The trainer dashboard on the configured store, locked by the server's trainer code."""
    return TrainerDashboardApp(lang=lang)
