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
import gc
import html
import importlib.util
import io
import logging
import math
import os
import secrets
import sys
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from tempfile import TemporaryDirectory
from types import ModuleType
from typing import TYPE_CHECKING

import ipywidgets as w
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle  # not exported at the top

from workbook import i18n
from workbook.errors import WorkbookInputError, fail
from workbook.form import BrowserDraft, ErrorBox, InstrumentForm, ResultView, safe_callback
from workbook.i18n import label, t
from workbook.instruments import (
    ACCOUNT_INSTRUMENTS,
    SEGMENT_KEY,
    InstrumentResult,
    latest_per_rater,
    load_instrument,
    score_submissions,
    team_results,
    usable_instruments,
)
from workbook.serve import LAB_URL_ENV, PUBLIC_URL_ENV, join_url
from workbook.store import (
    TRAINER_CODE_ENV,
    CodeCheck,
    Store,
    neutralise_formulas,
    normalize_join_code,
    respondent_id,
    response_status,
)

if TYPE_CHECKING:  # imported where used: a trainee's self-assessment kernel runs without pandas
    import pandas as pd

LOG = logging.getLogger("workbook")
SECURITY_LOG = logging.getLogger("workbook.security")


def _security_log_to_server() -> None:
    """Trainer-code attempts go to the server's log: the kernel's own stderr, not the page.

    In a kernel ``sys.stderr`` is sent to the page (where Voilà drops it); ``sys.__stderr__`` is
    the stream ``workbook serve`` started the kernel with, i.e. the terminal or log the trainer reads.
    """
    if SECURITY_LOG.handlers or sys.__stderr__ is None:  # pythonw on Windows has no stderr
        return
    handler = logging.StreamHandler(sys.__stderr__)
    handler.setFormatter(logging.Formatter("[%(asctime)s %(name)s] %(message)s", "%H:%M:%S"))
    SECURITY_LOG.addHandler(handler)
    SECURITY_LOG.setLevel(logging.INFO)


_security_log_to_server()


def _answer_state_requests_once() -> None:
    """Have ipywidgets compute each widget's state once, not twice, when a page opens.

    Every page asks its kernel for all widget states as it opens (the widget control message
    ``request_states``). ipywidgets 8.1 answers after calling ``Widget.get_manager_state()`` and
    dropping its result, so every state is computed twice. Built once, a self-assessment kernel
    spends 13–14 ms of CPU on a page opening instead of 15–17 ms (one page reopened 300 times).
    The reply is ipywidgets' own; other control messages go to ipywidgets unchanged.
    """
    from ipywidgets.widgets.widget import Widget, _instances, _remove_buffers

    ipywidgets_handler = Widget._handle_control_comm_msg.__func__
    if getattr(ipywidgets_handler, "states_once", False):
        return

    def handle(cls, msg: dict) -> None:
        if cls._control_comm is None or msg["content"]["data"].get("method") != "request_states":
            return ipywidgets_handler(cls, msg)
        states = {
            widget.model_id: {
                "model_name": widget._model_name,
                "model_module": widget._model_module,
                "model_module_version": widget._model_module_version,
                "state": widget.get_state(drop_defaults=False),
            }
            for widget in list(_instances.values())
        }
        states, buffer_paths, buffers = _remove_buffers(states)
        reply = {"method": "update_states", "states": states, "buffer_paths": buffer_paths}
        cls._control_comm.send(reply, buffers=buffers)

    handle.states_once = True
    handle.ipywidgets_handler = ipywidgets_handler
    Widget._handle_control_comm_msg = classmethod(handle)


_answer_state_requests_once()


def _lazy(name: str) -> ModuleType:
    """Module ``name``, loaded on its first use (the standard library's ``LazyLoader`` recipe).

    The self-assessment runs in one kernel per trainee and never draws a matplotlib chart; the
    chart stack (≈ 50 MB per kernel) is loaded only by the apps that do.
    """
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.find_spec(name)
    loader = importlib.util.LazyLoader(spec.loader)
    spec.loader = loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    loader.exec_module(module)
    return module


# The self-assessment never needs these, nor pandas which they import (≈ 25 MB in every trainee's
# kernel); the explorer and the dashboard load them at first use.
plots = _lazy("workbook.plots")
widgets = _lazy("workbook.widgets")
vm = _lazy("workbook.value_matrix")
vm_columns = _lazy("workbook.columns")

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


# Every widget model in a kernel is synced when its page opens, and a class opens its pages at once,
# so widgets whose box and style never change share one Layout / style model each. Never set
# anything on these (``layout.display`` included): a widget that is shown or hidden gets its own.
_FIXED = w.Layout()
_HTML_STYLE = HTMLStyle()
# A self-assessment field: the width of a phone, its caption above it (SELF_CSS) with room for long words.
FIELD = {"width": "100%", "max_width": "26em"}
ABOVE = {"description_width": "initial"}
_FIXED_FIELD = w.Layout(**FIELD)
_ABOVE = TextStyle(**ABOVE)


def _html(value: str = "") -> w.HTML:
    """An HTML widget on the shared, never-changed layout and style."""
    return w.HTML(value, layout=_FIXED, style=_HTML_STYLE)


class _App:
    """Header with title and language switch, an error box, and the page's root widget."""

    title_key: str

    def __init__(self, lang: str | None):
        self.lang = i18n.normalize_language(lang) if lang else i18n.get_language()
        self.errors = ErrorBox(self.lang, widget=_html())
        self.heading = _html()
        self.language = w.ToggleButtons(
            options=[(t(f"widgets.lang.{code}", code), code) for code in i18n.LANGUAGES],
            value=self.lang,
            style={"button_width": "auto"},
            layout=_FIXED,
        )
        self.language.observe(self._on_language, names="value")

    def _page(self, *children: w.Widget) -> w.VBox:
        header = w.HBox(
            [self.heading, self.language],
            layout=w.Layout(justify_content="space-between", align_items="center"),
        )
        page = w.VBox([header, self.errors.widget, *children], layout=_FIXED)
        page.add_class("wb-app")
        return page

    def _on_language(self, change) -> None:
        self.relabel(change["new"])

    @safe_callback
    def relabel(self, lang: str) -> None:
        """Show the page in ``lang`` (``"zh"`` or ``"en"``); everything entered stays."""
        self.lang = i18n.normalize_language(lang)
        self.errors.render(self.lang)
        # The page's style travels with the heading: one widget model fewer to sync on every page.
        self.heading.value = f"{PAGE_CSS}<h2>{_esc(t(self.title_key, self.lang))}</h2>"
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
_AUTO = w.Layout(width="auto")  # a button as wide as its words, in either language and type size


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

    Made for a phone first: the questionnaire is one browser-side component
    (:class:`~workbook.form.InstrumentForm`) and every control is at least 44 px high.

    Who answered is decided by a random token kept in the trainee's browser
    (:attr:`BrowserDraft.token <workbook.form.BrowserDraft.token>`), never by the typed name: the
    same name from another browser is another respondent ("张三 (2)" on the dashboard); the same
    browser joining again is the same respondent and may revise its answers (the latest count).

    The team result combines the latest submission of every member of the team for the same
    instrument (and key account): dimension radar, level, weakest dimensions, plan and rater
    spread. It is shown only to a trainee who has submitted that questionnaire (for that
    account) themselves, so nobody's ratings are anchored by the team's, and only for the team
    they joined. Nothing of another team is ever shown.

    Everything entered is also kept in the browser (:attr:`keeper`) until the server has
    acknowledged the submit; a page opened again brings it back with :meth:`resume`, in the
    language last chosen. A link with ``?code=AB3K9Z`` fills in the code and joins at once.

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
        self.token = secrets.token_hex(16)  # until the browser sends the one it keeps
        self.form: InstrumentForm | None = None
        self._resumed_state: str | None = None  # "resumed" / "resent" after a draft came back
        self.keeper = BrowserDraft(storage_key="self-assessment", layout=_FIXED)
        self.keeper.observe(self._on_browser_lang, names="lang")
        self.keeper.observe(self._on_browser_token, names="token")
        self.keeper.observe(self._on_browser_code, names="url_code")
        self.keeper.observe(lambda change: self.resume(change["new"]), names="restored")
        self.resumed = _html()
        self.intro = _html()
        # Each field's caption is its own description, shown above it by SELF_CSS: a phone page of few
        # widget models (each is synced to the browser when the page opens) with room for long words.
        self.code = w.Text(layout=_FIXED_FIELD, style=_ABOVE)
        self.name = w.Text(layout=_FIXED_FIELD, style=_ABOVE)
        self.join_button = w.Button(button_style="primary", icon="sign-in", layout=_FIXED)
        self.join_button.on_click(lambda _: self.join())
        self.form_box = w.VBox(layout=_FIXED)
        self.result_heading = _html()
        self.result = ResultView(lang=self.lang)
        self.result.widget.layout.display = "none"
        # Team, questionnaire and account are made by join(): every widget in the kernel is synced
        # when a page opens, and a class opens its pages at once (python -m benchmarks classroom).
        self.setup_box = w.VBox(layout=w.Layout(display="none"))
        usable_instruments()  # read (and cached) while the kernel is preheated, not as a class joins at once
        join_box = w.VBox([self.code, self.name, self.join_button], layout=_FIXED)
        self.widget = self._page(self.keeper, self.intro, join_box, self.setup_box, self.resumed,
                                 self.form_box, self.result_heading, self.result.widget)  # fmt: skip
        self.widget.add_class("wb-self")
        self.relabel(self.lang)

    def _build_setup(self) -> None:
        """The second step's fields (team, questionnaire, account, start), made once, at the first join."""
        if self.setup_box.children:
            return
        self.joined = _html()
        self.team_picker = w.Combobox(ensure_option=False, layout=_FIXED_FIELD, style=_ABOVE)
        self.instrument_picker = w.Dropdown(layout=w.Layout(width="100%", max_width="30em"), style=ABOVE)
        self.instrument_picker.observe(lambda _: self._show_account(), names="value")
        self.account = w.Text(layout=w.Layout(**FIELD), style=_ABOVE)  # own layout: it is shown or hidden
        self.account_row = self.account  # shown only for questionnaires that rate one account
        self.start_button = w.Button(button_style="primary", icon="pencil")
        self.start_button.on_click(lambda _: self.start())
        self.setup_box.children = [
            self.joined, self.team_picker, self.instrument_picker, self.account, self.start_button,
        ]  # fmt: skip

    # ------------------------------------------------------------------ what the browser tells
    @safe_callback
    def _on_browser_lang(self, change) -> None:
        if change["new"] in i18n.LANGUAGES and change["new"] != self.lang:
            self.language.value = change["new"]  # relabels, as the person's own click would

    @safe_callback
    def _on_browser_token(self, change) -> None:
        self.token = change["new"]  # checked where it is used (store.respondent_id)

    @safe_callback
    def _on_browser_code(self, change) -> None:
        """The page was opened with ``?code=…`` (the dashboard's link or QR code): join that session."""
        code = str(change["new"] or "").strip()
        if code and self.session is None:
            self.code.value = code
            self.join()

    def relabel(self, lang: str) -> None:
        """Show the page in ``lang``; everything entered stays, and the browser keeps the choice."""
        super().relabel(lang)
        self.keeper.lang = self.lang

    # ------------------------------------------------------------------ steps
    @safe_callback
    def join(self) -> None:
        """Step 1: find the session by its join code and list its teams and the instruments."""
        code = normalize_join_code(self.code.value)
        self.session = self.store.session_by_code(code)
        self._build_setup()
        self.team_picker.options = [team.name for team in self.store.teams(self.session)]
        self.instrument_picker.options = [
            (inst.title.get(self.lang), inst.id) for inst in usable_instruments()
        ]
        self.setup_box.layout.display = None
        self._relabel()

    @safe_callback
    def start(self) -> None:
        """Step 2: join (or create) the team, then show the chosen questionnaire.

        The respondent is this browser's (its token), labelled with the typed name; the same
        browser starting again is the same respondent, whatever name it types.
        """
        if self.session is None:
            raise fail("", "apps.self.join_first")
        team_name = self.team_picker.value.strip()
        if not team_name:
            raise fail("", "apps.self.team_missing")
        instrument_id = self.instrument_picker.value
        if instrument_id in ACCOUNT_INSTRUMENTS and not self.account.value.strip():
            raise fail("", "apps.self.account_missing")
        team = self.store.add_team(self.session, team_name)
        who = respondent_id(self.token, self.session)
        self.respondent = self.store.add_respondent(team, self.name.value.strip() or None, who)
        self.team = team
        kept = self.form.answers if self.form is not None and self.form.instrument.id == instrument_id else {}
        self.form = InstrumentForm(
            instrument_id, lang=self.lang, on_submit=self._store_answers, on_change=self._keep_draft,
            on_stored=self._forget_draft,
            language_switch=False,  # the page's own switch relabels the form
        )  # fmt: skip
        if kept:
            self.form.set_answers(kept)  # starting again with the same questionnaire keeps what was ticked
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
        self._show_team_result()

    def _forget_draft(self) -> None:
        """``on_stored`` of the form: the page says "submitted", so the browser's copy can go.

        Not before: a page lost between the two would otherwise keep neither the copy nor the
        acknowledgement, and its trainee would enter and send the same answers again.
        """
        self.keeper.draft = {}

    # ------------------------------------------------------------------ the copy kept in the browser
    def _keep_draft(self, sending: str | None = None) -> None:
        """Copy what is entered to the browser; ``sending``: the key of a submit under way."""
        self.keeper.draft = {
            "saved": time.time(),
            "lang": self.lang,
            "code": self.code.value,
            "name": self.name.value,
            "team": self.team_picker.value,
            "instrument": self.form.instrument.id,
            "account": self.account.value,
            "segment": self.form.segment,
            "answers": self.form.answers,
            # The key these answers will be submitted with, made now: a page reopened on another
            # server resends them with it, so a submit stored but never acknowledged is kept once.
            "key": sending or self.form.submit_key(),
            "sending": sending is not None,
        }

    @safe_callback
    def resume(self, draft: dict) -> None:
        """Bring back a draft kept in the browser: join, team, questionnaire, answers; re-send a
        submit that was under way (same idempotency key, so it is stored once).

        A draft older than :data:`DRAFT_MAX_AGE_S`, for a session that no longer exists, or for
        another session than the one the page's link names, is dropped; whatever cannot be
        restored is left for the trainee to enter, with the usual message in the page.
        """
        if not draft or time.time() - float(draft.get("saved", 0)) > DRAFT_MAX_AGE_S:
            return
        linked = normalize_join_code(self.keeper.url_code or "")
        if linked and linked != normalize_join_code(str(draft.get("code") or "")):
            return  # the trainee followed a link to another session: start there
        self.language.value = i18n.normalize_language(draft.get("lang") or self.lang)
        self.code.value, self.name.value = draft.get("code") or "", draft.get("name") or ""
        self.join()
        if self.session is None:  # the code no longer works: join() said why
            return
        instruments = [instrument_id for _, instrument_id in self.instrument_picker.options]
        if draft.get("instrument") not in instruments:
            return
        self.team_picker.value = draft.get("team") or ""
        self.instrument_picker.value = draft["instrument"]
        self.account.value = draft.get("account") or ""
        self.start()
        if self.form is None:
            return
        if self.form.instrument.segments and draft.get("segment"):
            self.form.segment = draft["segment"]
        self.form.set_answers(draft.get("answers") or {}, key=draft.get("key"))
        self._resumed_state = "resent" if draft.get("sending") else "resumed"
        self._relabel()
        if draft.get("sending"):
            self.form.submit()
        else:
            self._keep_draft()  # the new page's copy, should this kernel die too

    def team_result(self) -> InstrumentResult | None:
        """The team's combined result for the chosen instrument (and account), or ``None``.

        ``None`` until this respondent has submitted that questionnaire (for that account)
        themselves: a trainee rates independently, then sees the team.
        """
        if self.team is None or self.form is None or self.respondent is None:
            return None
        return team_result(
            self.store, self.team, self.form.instrument.id, self._account(), lang=self.lang,
            respondent=self.respondent,
        )  # fmt: skip

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
        self.intro.value = SELF_CSS + f"<p>{_esc(t('apps.self.intro', lang))}</p>"
        fields = {"code": self.code, "name": self.name}
        if self.setup_box.children:
            fields |= {"team": self.team_picker, "instrument": self.instrument_picker,
                       "account": self.account}  # fmt: skip
            self.team_picker.placeholder = t("apps.self.team_placeholder", lang)
            self.account.placeholder = t("apps.self.account_placeholder", lang)
            self.start_button.description = t("apps.self.start", lang)
            self._show_account()
        for key, field in fields.items():
            field.description = t(f"apps.self.{key}", lang)
        self.code.placeholder = t("apps.self.code_placeholder", lang)
        self.name.placeholder = t("apps.self.name_placeholder", lang)
        self.join_button.description = t("apps.self.join", lang)
        if self.session is not None:
            self.joined.value = f"<p>✔ {_esc(t('apps.self.joined', lang, title=self.session.title))}</p>"
            value = self.instrument_picker.value
            self.instrument_picker.options = [
                (load_instrument(i).title.get(lang), i) for _, i in self.instrument_picker.options
            ]
            self.instrument_picker.value = value
        if self.form is not None:
            self.form.relabel(lang)
            self.result.lang = lang
            self.result.errors.render(lang)
            self._show_team_result()


# The self-assessment on a phone: full-width fields, controls at least 44 px high, 16 px text (a
# smaller size makes phones zoom into a field), nothing wider than the screen.
SELF_CSS = """
<style>
.wb-self { max-width: 100%; overflow-x: hidden; box-sizing: border-box; }
.wb-self .widget-text input, .wb-self .widget-combobox input, .wb-self .widget-dropdown select {
  min-height: 44px; height: 44px; flex: 0 0 auto; font-size: 16px; box-sizing: border-box; }
.wb-self .widget-text, .wb-self .widget-combobox, .wb-self .widget-dropdown { height: auto; width: 100%;
  flex-direction: column; align-items: stretch; margin-bottom: 6px; }
.wb-self .widget-text > .widget-label, .wb-self .widget-combobox > .widget-label,
.wb-self .widget-dropdown > .widget-label { flex: 0 0 auto; width: auto; max-width: none; text-align: left;
  font-weight: bold; line-height: 1.4; height: auto; white-space: normal; margin: 4px 0 2px 0; }
.wb-self .jupyter-button { min-height: 44px; height: auto; font-size: 16px; padding: 6px 18px;
  white-space: normal; }
.wb-self .widget-toggle-buttons .jupyter-button { min-height: 40px; padding: 4px 10px; width: auto; }
.wb-self .widget-toggle-buttons .widget-toggle-button { width: auto; }
.wb-self .widget-toggle-buttons { flex-wrap: nowrap; width: auto; flex: 0 0 auto; }
.wb-self .widget-toggle-buttons .btn-group { flex-wrap: nowrap; }
.wb-self .widget-html-content { white-space: normal; overflow-wrap: anywhere; }
.wb-self h2 { font-size: 1.3em; }
</style>
"""


def team_result(
    store: Store, team, instrument_id: str, account: str | None = None, *, lang: str | None = None,
    respondent=None,
) -> InstrumentResult | None:  # fmt: skip
    """Score the latest submission of each member of ``team`` for one instrument (and account).

    Returns ``None`` when nobody has submitted yet, and, with ``respondent``, until that member
    has submitted this instrument (for this account) themselves: the team's answers are shown
    to a member only after their own. Each member counts once, with the answers they sent
    last; anonymous submissions count once each.
    """
    rows = store.submission_records(team.session_id, team=team, instrument_id=instrument_id)
    if account is not None:
        rows = [row for row in rows if row["account"] == account]
    if respondent is not None:
        own = respondent if isinstance(respondent, int) else respondent.id
        if not any(row["respondent_id"] == own for row in rows):
            return None
    return score_submissions(rows, instrument_id, lang=lang) if rows else None


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

    @property
    def needs(self) -> tuple[str, ...]:
        """What the explorer's matrix and quadrants read (value_scores, current_potential)."""
        return (*vm_columns.BY_NAME["value_matrix"].needs, "revenue_12m")

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
        self.as_of = None  # data.AsOf: an order ledger's assessment date and the dates set aside
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
        self.explorer = widgets.ValueMatrixExplorer(self.customers, lang=self.lang)
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
        as_of = None
        if data.guess_table(content, name=name, columns=mapping) == "transactions":
            ledger = data.load_transactions(content, name=name, columns=mapping)
            as_of = data.default_as_of(None, ledger)  # said in the page: a mistyped year is set aside
            customers = data.derive_customers(ledger, as_of=as_of.date)
            customers.attrs["notices"] = ledger.attrs.get("notices", [])
        else:
            # raises before anything changes: the customers shown stay
            customers = data.load_customers(content, name=name, columns=mapping)
        # An order ledger has no survey columns to map: it is valued on what it has.
        needs = self.needs if vm.dimensions_for(customers) == vm.DIMENSIONS else ()
        missing = [c for c in needs if c not in customers]
        if missing:
            self._show_mapping(data.suggest_mapping(content, name=name), missing, name)
            return
        self.pending = None
        self.mapping_box.layout.display = "none"
        self.notices = list(customers.attrs.get("notices", []))  # total rows dropped, headers not used
        self.as_of = as_of
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
        self.notices, self.as_of = [], None
        self.mapping_box.layout.display = "none"
        self._replace(_sample_customers(), "customers.csv")

    def _replace(self, customers: pd.DataFrame, name: str) -> None:
        weights, thresholds = self.explorer.weights, self.explorer.thresholds  # same shares, rescaled to 1
        if vm.dimensions_for(customers) != self.explorer.dimensions:
            weights = None  # a ledger after a customer table (or back): its own dimensions and weights
        explorer = widgets.ValueMatrixExplorer(
            customers, weights=weights, thresholds=thresholds, lang=self.lang
        )
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
        import pandas as pd

        weights, thresholds = self.explorer.weights, self.explorer.thresholds
        scores = vm.value_scores(self.customers, weights, thresholds=thresholds, explain=False)
        if self.explorer.dimensions == vm.DIMENSIONS:
            quadrants = vm.value_quadrants(vm.current_potential(self.customers))
            quadrants = quadrants[["current_value", "potential_value", "quadrant"]].round(1)
        else:  # an order ledger: no potential to compare with, so how often × how much per order
            quadrants = vm.frequency_spend_quadrants(self.customers)
            quadrants = quadrants[["frequency", "avg_spend", "fs_quadrant"]].round(1)
        tiers = _tier_strategies(self.lang)
        columns = [
            c for c in ("customer_id", "name", "industry", "region", "company_size") if c in self.customers
        ]
        return pd.concat(
            [
                self.customers[columns],
                scores[["value_score", "value_tier"]].round({"value_score": 1}),
                quadrants,
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
        for group in ("quadrant", "fs_quadrant"):
            if group in table:
                table[group] = table[group].map(lambda code, g=group: label(g, code, self.lang))
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
        said = [p.message(lang) for p in self.notices]
        if self.as_of is not None:
            when = f"{self.as_of.date:%Y-%m-%d}"
            said.append(t("apps.vm.as_of", lang, date=when, why=self.as_of.why(lang)))
        if self.explorer.dimensions != vm.DIMENSIONS:  # valued on what an order ledger has
            names = t("common.list_separator", lang).join(
                label("vm_dimension", d, lang) for d in self.explorer.dimensions
            )
            said.append(t("apps.vm.ledger_basis", lang, dimensions=names))
        notes = "".join(f"<br><small style='color:#8a5a00'>{_esc(text)}</small>" for text in said)
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


def _code_refused(check: CodeCheck) -> WorkbookInputError:
    """The message for a refused trainer code: wrong, wrong and wait, or locked for a while."""
    wait = math.ceil(check.wait_s)
    if check.locked:
        return fail("", "apps.dash.code_locked", n=check.failures, minutes=math.ceil(wait / 60))
    if not check.checked or wait:
        return fail("", "apps.dash.code_wait", seconds=wait)
    return fail("", "apps.dash.wrong_code")


class TrainerDashboardApp(_App):
    """课堂看板: behind the trainer code, run a session from the browser.

    Create a session (a title is asked for; optionally the earlier session it re-assesses), show
    its join code with a QR code and link that open the self-assessment with the code filled in,
    follow who has joined and who has submitted, the team results, the pulse survey (NPS with its
    interval, CSAT, CES, comments) and exercise progress live; rename, close (no more answers) and
    archive sessions; download the data and the reports. A projector mode enlarges everything for
    1920×1080 and 1280×720 screens.

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
        public_url: str | None = None,
    ):
        super().__init__(lang)
        self.store = _open_store(store)
        self.code_hash = code_hash if code_hash is not None else os.environ.get(TRAINER_CODE_ENV)
        self.public_url = public_url or os.environ.get(PUBLIC_URL_ENV)
        self.unlocked = False
        self.session = None
        self._seen: tuple | None = None
        self._quiet = False  # True while the app itself sets a picker: not a choice to react to
        self._build_lock()
        self._build_sessions()
        self._build_live(refresh_seconds)
        # Join code and progress side by side where the screen is wide enough (a projector), else stacked.
        overview = w.HBox([self.join_box, w.VBox([self.tiles, self.responses])], layout=_WRAP)
        overview.add_class("wb-overview")
        self.live_box = w.VBox(
            [self.session_bar, self.create_box, self.manage_box, self.closed_note, overview, self.live],
            layout=w.Layout(display="none"),
        )
        self.live_box.add_class("wb-big")
        self.widget = self._page(w.HTML(DASHBOARD_CSS), self.lock_box, self.live_box)
        self.widget.add_class("wb-dashboard")
        self.relabel(self.lang)

    # ------------------------------------------------------------------ building the page
    def _build_lock(self) -> None:
        self.lock_note = w.HTML()
        self.code = w.Password(layout=w.Layout(width="14em"))
        self.unlock_button = w.Button(button_style="primary", icon="unlock")
        self.unlock_button.on_click(lambda _: self.unlock(self.code.value))
        self.lock_box = w.VBox([self.lock_note, w.HBox([self.code, self.unlock_button])])

    def _build_sessions(self) -> None:
        wide = {"description_width": "initial"}
        self.session_picker = w.Dropdown(layout=w.Layout(width="30em"), style=wide)
        self.session_picker.observe(lambda change: self._quiet or self.pick(change["new"]), names="value")
        self.show_archived = w.Checkbox(value=False, indent=False, layout=w.Layout(width="auto"))
        self.show_archived.observe(lambda _: self._list_sessions(), names="value")
        self.new_button = w.Button(icon="plus", layout=_AUTO)
        self.new_button.on_click(lambda _: self._show_create(True))
        self.projector = widgets.ProjectorSwitch()
        self.projector.observe(lambda change: self.set_projector(change["new"]), names="on")
        self.session_bar = w.HBox(
            [self.session_picker, self.show_archived, self.new_button, self.projector], layout=_WRAP
        )
        self.new_title = w.Text(layout=w.Layout(width="24em"), style=wide)
        self.follows = w.Dropdown(layout=w.Layout(width="30em"), style=wide)  # re-assessment: the earlier one
        self.create_button = w.Button(button_style="primary", icon="check", layout=_AUTO)
        self.create_button.on_click(lambda _: self.create(self.new_title.value, self.follows.value or None))
        self.cancel_button = w.Button(icon="times", layout=_AUTO)
        self.cancel_button.on_click(lambda _: self._show_create(False))
        self.create_box = w.VBox(
            [self.new_title, self.follows, w.HBox([self.create_button, self.cancel_button])],
            layout=w.Layout(display="none"),
        )
        self.create_box.add_class("wb-panel")
        self.rename_title = w.Text(layout=w.Layout(width="24em"))
        self.rename_button = w.Button(icon="pencil", layout=_AUTO)
        self.rename_button.on_click(lambda _: self.rename(self.rename_title.value))
        self.close_button = w.Button(icon="lock", layout=_AUTO)
        self.close_button.on_click(lambda _: self.close(not self.session.closed))
        self.archive_button = w.Button(icon="archive", layout=_AUTO)
        self.archive_button.on_click(lambda _: self.archive(not self.session.archived))
        self.manage_box = w.HBox(
            [self.rename_title, self.rename_button, self.close_button, self.archive_button],
            layout=w.Layout(display="none", flex_flow="row wrap", align_items="center"),
        )

    def _build_live(self, refresh_seconds: float) -> None:
        self.join_code = w.HTML()
        self.qr = w.Image(format="png", layout=w.Layout(display="none"))
        self.qr.add_class("wb-qr")
        self.join_box = w.HBox([self.join_code, self.qr], layout=w.Layout(display="none"))
        self.join_box.add_class("wb-join")
        self.closed_note = w.HTML()
        self.tiles = w.HTML()
        self.responses = w.HTML()
        wide = {"description_width": "initial"}
        self.instrument_picker = w.Dropdown(layout=w.Layout(width="30em"), style=wide)
        self.instrument_picker.observe(lambda _: self._quiet or self.refresh(force=True), names="value")
        self.table = w.HTML()
        self.comparison = w.Image(format="png", layout=w.Layout(display="none"))
        self.distribution = w.Image(format="png", layout=w.Layout(display="none"))
        self.pulse = w.HTML()
        self.pulse_chart = w.Image(format="png", layout=w.Layout(display="none"))
        self.pulse_chart.add_class("wb-pulse-chart")
        self.comments = w.HTML()
        self.trend = w.HTML()
        self.exercises = w.HTML()
        self.refresh_button = w.Button(icon="refresh", layout=_AUTO)
        self.refresh_button.on_click(lambda _: self.refresh(force=True))
        self.export_button = w.Button(icon="download", layout=_AUTO)
        self.export_button.on_click(lambda _: self.export())
        self.reports_button = w.Button(icon="file-text", layout=_AUTO)
        self.reports_button.on_click(lambda _: self.build_reports())
        self.download = widgets.DownloadLink()
        self.updated = w.HTML()
        self.ticker = w.Play(interval=int(refresh_seconds * 1000), max=10**9, show_repeat=False)
        self.ticker.layout.display = "none"
        self.ticker.observe(lambda _: self.refresh(), names="value")
        top_aligned = w.Layout(flex_flow="row wrap", align_items="flex-start")  # stretched charts distort
        charts = w.HBox([self.comparison, self.distribution], layout=top_aligned)
        charts.add_class("wb-charts")
        self.live = w.VBox(
            [
                w.HBox([self.instrument_picker, self.refresh_button, self.export_button, self.reports_button,
                        self.download, self.updated], layout=_WRAP),
                self.table, charts, self.pulse, self.pulse_chart, self.comments, self.trend, self.exercises,
                self.ticker,
            ]
        )  # fmt: skip

    # ------------------------------------------------------------------ access
    @safe_callback
    def unlock(self, code: str) -> bool:
        """Open the dashboard if ``code`` is the trainer code; otherwise say so and stay locked.

        Wrong codes are counted in the store (:meth:`Store.check_trainer_code`): after a few, the
        next code is checked only after a wait, and ten in a row lock every page for a while.
        """
        if not self.code_hash:
            raise fail("", "apps.dash.no_code_set")
        check = self.store.check_trainer_code(str(code), self.code_hash)  # back-off kept in the store
        if not check.ok:
            self.code.value = ""
            raise _code_refused(check)
        self.unlocked = True
        self.code.value = ""
        self.lock_box.layout.display = "none"
        self.live_box.layout.display = None
        self._list_sessions()
        self.ticker.playing = True
        return True

    def _need_unlocked(self) -> None:
        if not self.unlocked:
            raise fail("", "apps.dash.locked")

    # ------------------------------------------------------------------ sessions
    def _list_sessions(self) -> None:
        """Fill the pickers, newest first; the newest is shown unless another one was picked."""
        if not self.unlocked:
            return
        sessions = self.store.sessions(archived=self.show_archived.value)
        options = [(self._session_label(s), s.id) for s in sessions]
        keep = self.session.id if self.session is not None else None
        self._quiet = True
        try:
            self.session_picker.options = options
            self.follows.options = [(t("apps.dash.follows_none", self.lang), 0), *options]
            self.follows.value = 0
            ids = [ident for _, ident in options]
            self.session_picker.value = keep if keep in ids else (ids[0] if ids else None)
        finally:
            self._quiet = False
        if not options:
            self.session = None
            self._show_create(True)  # nothing to pick: the first thing to do is to create one
        elif self.session is None or self.session.id != self.session_picker.value:
            self.pick(self.session_picker.value)

    def _session_label(self, session) -> str:
        state = [t(f"apps.dash.state_{s}", self.lang) for s in ("closed", "archived") if getattr(session, s)]
        return " · ".join([f"{session.held_on:%Y-%m-%d}", session.title, session.code, *state])

    def _show_create(self, shown: bool) -> None:
        self.create_box.layout.display = None if shown else "none"

    @safe_callback
    def create(self, title: str, previous: int | None = None) -> None:
        """Start a new session called ``title``; its join code and QR code appear in large type.

        ``previous``: the id of an earlier session of the same teams, for a re-assessment; the
        dashboard and the reports then show each team's change since then.
        """
        self._need_unlocked()
        _need_title(title)
        session = self.store.create_session(
            title, trainer_code_hash=self.code_hash, previous_session_id=previous or None
        )
        self.new_title.value = ""
        self._show_create(False)
        self.session = session
        self._list_sessions()
        self.pick(session.id)

    @safe_callback
    def rename(self, title: str) -> None:
        """Give the shown session a new title."""
        self._need_session()
        _need_title(title)
        self.session = self.store.rename_session(self.session, title)
        self._list_sessions()
        self._show_session()

    @safe_callback
    def close(self, closed: bool = True) -> None:
        """Stop (or resume) accepting answers in the shown session."""
        self._need_session()
        self.session = self.store.close_session(self.session, closed)
        self._list_sessions()
        self._show_session()

    @safe_callback
    def archive(self, archived: bool = True) -> None:
        """Hide the shown session from the list (kept in the store, reports and exports), or show it."""
        self._need_session()
        self.session = self.store.archive_session(self.session, archived)
        if archived and not self.show_archived.value:
            self.session = None
        self._list_sessions()
        if self.session is not None:
            self._show_session()

    def _need_session(self) -> None:
        self._need_unlocked()
        if self.session is None:
            raise fail("", "apps.dash.no_session")

    @safe_callback
    def pick(self, session_id: int | None) -> None:
        """Show session ``session_id``."""
        self._need_unlocked()
        if session_id is None:
            return
        self.session = self.store.session_by_id(session_id)
        self.download.clear()
        for image in (self.comparison, self.distribution, self.pulse_chart):  # the last session's go at once
            image.layout.display = "none"
        self._show_session()
        self.refresh(force=True)

    def _show_session(self) -> None:
        """Join code, QR code and link, state and the management row of the shown session."""
        lang, session = self.lang, self.session
        link = join_url(session.code, self.public_url)
        caption = _esc(t("apps.dash.join_code", lang))
        scan = _esc(t("apps.dash.join_scan", lang))
        self.join_code.value = (
            f"<div class='wb-join-text'><div>{caption}</div><div class='wb-code'>{_esc(session.code)}</div>"
            f"<div class='wb-join-link'>{scan}<br>"
            f"<a href='{_esc(link)}' target='_blank'>{_esc(link)}</a></div></div>"
        )
        self.qr.value = qr_png(link, projector=self.projector.on)
        self.qr.layout.display = None
        self.join_box.layout.display = None
        self.rename_title.value = session.title
        self.manage_box.layout.display = None
        self.close_button.description = t("apps.dash.reopen" if session.closed else "apps.dash.close", lang)
        self.close_button.icon = "unlock" if session.closed else "lock"
        archive = "apps.dash.unarchive" if session.archived else "apps.dash.archive"
        self.archive_button.description = t(archive, lang)
        note = t("apps.dash.closed_note", lang) if session.closed else ""
        self.closed_note.value = f"<div class='wb-closed'>🔒 {_esc(note)}</div>" if note else ""

    # ------------------------------------------------------------------ projector
    @safe_callback
    def set_projector(self, on: bool) -> None:
        """Projector mode: full width, body text ≥ 20 px, charts drawn for the big screen, huge join code."""
        if self.projector.on != on:
            self.projector.on = on  # the observer calls back here once, with the same value
            return
        if on:
            self.widget.add_class("wb-projector")
        else:
            self.widget.remove_class("wb-projector")
        if self.session is not None:
            self._show_session()
            self.refresh(force=True)

    def _chart_png(self, ax) -> bytes:
        """A chart for this screen: sharper and larger on the projector (see :data:`PROJECTOR_DPI`)."""
        return plots.to_png(ax, dpi=PROJECTOR_DPI if self.projector.on else plots.DEFAULTS.dpi)

    # ------------------------------------------------------------------ live view
    @safe_callback
    def refresh(self, force: bool = False) -> None:
        """Redraw the live view if anything was stored since the last draw (or ``force``)."""
        if not self.unlocked or self.session is None:
            return
        tables = self.store.tables(self.session, expand=False)
        submissions, attempts = tables["submissions"], tables["attempts"]
        seen = (len(tables["teams"]), len(tables["respondents"]), len(submissions), len(attempts),
                self.instrument_picker.value, self.lang, self.projector.on, self.session.id)  # fmt: skip
        updated = t("apps.dash.updated", self.lang, time=f"{datetime.now():%H:%M:%S}")
        self.updated.value = f"<span style='color:#777'>{_esc(updated)}</span>"
        if seen == self._seen and not force:
            return
        self._seen = seen
        self.tiles.value = self._tiles(tables, submissions)
        self.responses.value = self._responses(tables)
        self._instrument_options(submissions)
        self.table.value = self._per_team_table(submissions)
        results = self._team_results(submissions)
        self._charts(results)
        self._pulse(submissions)
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

    def _responses(self, tables: dict) -> str:
        """Per team: "4 / 6 submitted", per questionnaire, and who joined but has not submitted."""
        status = response_status(tables)
        if status.empty:
            return ""
        people, subs = tables["respondents"], tables["submissions"]
        waiting = people[~people["respondent_id"].isin(subs["respondent_id"])]
        names = waiting.assign(name=waiting["display_name"].where(waiting["display_name"].ne("None"),
                                                                  waiting["anonymous_id"]))  # fmt: skip
        waiting_names = names.groupby("team_id")["name"].agg("、".join)
        instruments = [c for c in status.columns if c not in ("team", "joined", "submitted", "waiting")]
        header = [t("apps.dash.col.team", self.lang), t("apps.dash.col.submitted", self.lang),
                  *(load_instrument(i).title.get(self.lang) for i in instruments),
                  t("apps.dash.col.waiting", self.lang)]  # fmt: skip
        rows = [
            [row.team, t("apps.dash.submitted_of", self.lang, n=row.submitted, of=row.joined),
             *(getattr(row, i) if i.isidentifier() else row[i] for i in instruments),
             waiting_names.get(team_id, "—")]
            for team_id, row in zip(tables["teams"]["team_id"], status.itertuples(index=False), strict=True)
        ]  # fmt: skip
        return _h3(t("apps.dash.responses", self.lang)) + _table(header, rows)

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
        """The chosen questionnaire's result per team: index, level and each dimension's score."""
        if submissions.empty:
            return f"<p>{_esc(t('apps.dash.none_yet', self.lang))}</p>"
        results = self._team_results(submissions)
        if not results:
            return ""
        dimensions = next(iter(results.values())).dimensions["name"].tolist()
        header = [t("apps.dash.col.team", self.lang), t("apps.dash.col.index", self.lang),
                  t("apps.dash.col.level", self.lang), *dimensions]  # fmt: skip
        rows = [
            [team, f"{r.index:.1f}", r.level_name, *(f"{v:.0f}" for v in r.dimensions["score"])]
            for team, r in results.items()
        ]
        return _h3(t("apps.dash.per_team", self.lang)) + _table(header, rows)

    def _team_results(self, submissions: pd.DataFrame) -> dict[str, InstrumentResult]:
        """Team name → result for the chosen questionnaire (all accounts together), teams in order of
        their first submission."""
        chosen = submissions[submissions["instrument_id"] == self.instrument_picker.value]
        return {team: result for (team,), result in team_results(chosen, ("team",), lang=self.lang).items()}

    def _charts(self, results: dict[str, InstrumentResult]) -> None:
        images = (self.comparison, self.distribution)
        if not results:
            for image in images:  # an empty image would show as broken
                image.layout.display = "none"
            return
        for image, ax in zip(images, team_charts(results, self.lang), strict=True):
            image.value = self._chart_png(ax)
            image.layout.display = None  # shown once drawn: a newly picked session never shows the last one's

    def _pulse(self, submissions: pd.DataFrame) -> None:
        """NPS (with its interval), promoters / passives / detractors, CSAT, CES and the comments of the
        pulse survey, when it is the questionnaire shown."""
        chosen = submissions[submissions["instrument_id"] == self.instrument_picker.value]
        summary = pulse_summary(chosen) if self.instrument_picker.value == PULSE else None
        if summary is None:
            self.pulse.value = self.comments.value = ""
            self.pulse_chart.layout.display = "none"
            return
        self.pulse.value = _pulse_tiles(summary, self.lang)
        with i18n.language(self.lang):
            ax = plots.nps_bar(summary.answers, score="recommend", group="team", names=None,
                               title=t("apps.dash.pulse.nps_by_team", self.lang))  # fmt: skip
        self.pulse_chart.value = self._chart_png(ax)
        self.pulse_chart.layout.display = None
        self.comments.value = _comments_html(summary.comments, self.lang)

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

    # ------------------------------------------------------------------ files to take home
    @safe_callback
    def export(self) -> None:
        """Offer the session's data as a zip of one Excel workbook and CSV files (formulas neutralised)."""
        self._need_session()
        stem = f"session-{self.session.code}"

        def write(folder: Path) -> list[Path]:
            return [*self.store.export(self.session, folder / f"{stem}.xlsx"),
                    *self.store.export(self.session, folder / f"{stem}.csv")]  # fmt: skip

        self.download.show(_zipped(write), f"{stem}.zip", t("apps.dash.export_ready", self.lang),
                           "application/zip")  # fmt: skip

    @safe_callback
    def build_reports(self) -> None:
        """Write the session report and one report per team (HTML + Excel) and offer them as one zip,
        so the trainer never needs the terminal after class."""
        self._need_session()
        from workbook import report  # the report stack only when reports are asked for

        previous = self.session.previous_session_id
        earlier = self.store.session_by_id(previous) if previous else None

        def write(folder: Path) -> list[Path]:
            with i18n.language(self.lang):
                return report.write_reports(self.store, self.session, folder, previous=earlier)

        self.download.show(_zipped(write), f"reports-{self.session.code}.zip",
                           t("apps.dash.reports_ready", self.lang), "application/zip")  # fmt: skip

    # ------------------------------------------------------------------ language
    def _relabel(self) -> None:
        lang = self.lang
        note = "apps.dash.locked_note" if self.code_hash else "apps.dash.no_code_set"
        self.lock_note.value = f"<p>{_esc(t(note, lang))}</p>"
        self.code.placeholder = t("apps.dash.code_placeholder", lang)
        self.unlock_button.description = t("apps.dash.unlock", lang)
        self.session_picker.description = t("apps.dash.session", lang)
        self.show_archived.description = t("apps.dash.show_archived", lang)
        self.new_button.description = t("apps.dash.new_session", lang)
        self.projector.label_on = t("apps.dash.projector_on", lang)
        self.projector.label_off = t("apps.dash.projector_off", lang)
        self.new_title.description = t("apps.dash.new_title", lang)
        self.new_title.placeholder = t("apps.dash.new_placeholder", lang)
        self.follows.description = t("apps.dash.follows", lang)
        self.create_button.description = t("apps.dash.create", lang)
        self.cancel_button.description = t("apps.dash.cancel", lang)
        self.rename_button.description = t("apps.dash.rename", lang)
        self.instrument_picker.description = t("apps.dash.instrument", lang)
        self.refresh_button.description = t("apps.dash.refresh", lang)
        self.export_button.description = t("apps.dash.export", lang)
        self.reports_button.description = t("apps.dash.reports", lang)
        self.download.clear()  # its link text was in the other language
        if self.unlocked:
            self._list_sessions()  # session states and "first assessment" in the new language
        if self.session is not None:
            self._show_session()
            self.refresh(force=True)


PULSE = "pulse"


def _need_title(title: str) -> None:
    """A session's title is asked for, never invented: the trainer finds the session by it later."""
    if not str(title).strip():
        raise fail("", "apps.dash.title_missing")


PROJECTOR_DPI = 150  # charts on the projector: natural size ≈ 1.4× the normal one
# The smallest chart text (8.3 pt, e.g. a radar's ring labels) is 8.3 × 150 / 72 ≈ 17 px at that
# resolution: shown at its drawn size or nearly (one chart per row), it stays ≥ 16 px on screen.
PROJECTOR_CHART_TEXT_PX = 17


def qr_png(url: str, *, projector: bool = False) -> bytes:
    """The QR code of ``url`` as PNG bytes, sized to be read by a phone camera across a room.

    Error correction M (15 % of the code may be lost to glare or a projector's keystone); a quiet
    zone of 4 modules, as the standard asks; modules of 8 px (12 px on the projector).

    >>> png = qr_png("http://10.0.0.5:8866/voila/render/self_assessment.ipynb?code=AB3K9Z")
    >>> png[:8] == plots.PNG_SIGNATURE
    True
    """
    import segno

    buffer = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buffer, kind="png", scale=12 if projector else 8, border=4)
    return buffer.getvalue()


def team_charts(results: dict[str, InstrumentResult], lang: str) -> list:
    """The dashboard's two charts of one questionnaire: the teams' dimension radar and their index bars."""
    import pandas as pd

    with i18n.language(lang):
        dims = pd.concat([r.dimensions.assign(team=name) for name, r in results.items()], ignore_index=True)
        title = t("apps.dash.comparison", lang)
        radar = plots.radar(dims, axis="name", value="score", hue="team", title=title)
        index = pd.DataFrame({"team": list(results), "index": [r.index for r in results.values()]})
        bars = plots.gap_bars(index.sort_values("index", ascending=False), x="index", y="team", names=None,
                              fmt="{:.0f}", title=t("apps.dash.index_title", lang),
                              xlabel=t("apps.dash.index_axis", lang), ylabel="")  # fmt: skip
        bars.set_xlim(0, 100)
    return [radar, bars]


@dataclass(frozen=True)
class PulseSummary:
    """The pulse survey of a session: one row of :func:`workbook.satisfaction.nps` (``nps``), CSAT
    (top-2-box %) and CES (mean 1–7), the answers used (``team``, ``recommend``) and the comments."""

    nps: pd.Series
    csat: float | None
    ces: float | None
    answers: pd.DataFrame
    comments: pd.DataFrame


def pulse_summary(submissions: pd.DataFrame) -> PulseSummary | None:
    """Summarise the pulse survey's stored answers; each rater counts once, with their latest answers.

    NPS = % promoters (9–10) − % detractors (0–6) with a 95 % interval; CSAT = share of 4–5 on the
    1–5 scale; CES = mean on the 1–7 "made it easy" scale (:mod:`workbook.satisfaction`). Comments
    are the non-empty free texts, newest first. ``None`` when nobody answered the NPS question.

    >>> import pandas as pd
    >>> when = pd.to_datetime(["2026-11-30 09:00"] * 3, utc=True)
    >>> frame = pd.DataFrame({"submission_id": [1, 2, 3], "respondent_id": pd.array([1, 2, 3], dtype="Int64"),
    ...     "team": ["一组", "一组", "二组"], "received_at": when,
    ...     "answers": [{"recommend": 10, "csat": 5, "ces": 6, "comment": "很好"},
    ...                 {"recommend": 6, "csat": 3, "ces": 4}, {"recommend": 9, "csat": 4, "ces": 5}]})
    >>> s = pulse_summary(frame)
    >>> round(float(s.nps["nps"]), 1), round(s.csat, 1), s.ces, s.comments["comment"].tolist()
    (33.3, 66.7, 5.0, ['很好'])
    """
    import pandas as pd

    from workbook import satisfaction

    if submissions.empty:
        return None
    latest = latest_per_rater(submissions)
    answers = pd.DataFrame(latest["answers"].tolist(), index=latest.index)
    numbers = answers.reindex(columns=["recommend", "csat", "ces"]).apply(pd.to_numeric, errors="coerce")
    answered = numbers["recommend"].notna()
    if not answered.any():
        return None
    given = latest.assign(recommend=numbers["recommend"])[answered]
    csat = numbers["csat"].dropna()
    ces = numbers["ces"].dropna()
    text = answers.reindex(columns=["comment"])["comment"].astype("string").str.strip()
    comments = latest.assign(comment=text)[text.fillna("").ne("")]
    return PulseSummary(
        nps=satisfaction.nps(given["recommend"]).iloc[0],
        csat=float(satisfaction.csat(csat)["csat"].iloc[0]) if len(csat) else None,
        ces=float(satisfaction.ces(ces)["ces_mean"].iloc[0]) if len(ces) else None,
        answers=given[["team", "recommend"]],
        comments=comments.sort_values("received_at", ascending=False)[["team", "comment", "received_at"]],
    )


def _pulse_tiles(summary: PulseSummary, lang: str) -> str:
    nps = summary.nps
    figures = [
        (f"{nps['nps']:+.0f}", t("apps.dash.pulse.nps", lang, low=f"{nps['ci_low']:+.0f}",
                                 high=f"{nps['ci_high']:+.0f}", n=int(nps['n']))),
        *((f"{nps[f'{g}_pct']:.0f}%", t(f"apps.dash.pulse.{g}", lang, n=int(nps[g])))
          for g in ("promoters", "passives", "detractors")),
        (f"{summary.csat:.0f}%" if summary.csat is not None else "—", t("apps.dash.pulse.csat", lang)),
        (f"{summary.ces:.1f}" if summary.ces is not None else "—", t("apps.dash.pulse.ces", lang)),
    ]  # fmt: skip
    tiles = "".join(f"<div class='wb-tile'><b>{_esc(v)}</b>{_esc(k)}</div>" for v, k in figures)
    return _h3(t("apps.dash.pulse.title", lang)) + f"<div class='wb-tiles'>{tiles}</div>"


def _comments_html(comments: pd.DataFrame, lang: str) -> str:
    """The pulse survey's comments, newest first, each escaped (user text is never markup)."""
    if comments.empty:
        return f"<p style='color:#777'>{_esc(t('apps.dash.pulse.no_comments', lang))}</p>"
    items = "".join(
        f"<li><span class='wb-comment-meta'>{_esc(row.team)} · {_local_time(row.received_at)}</span> "
        f"{_esc(row.comment)}</li>"
        for row in comments.itertuples(index=False)
    )
    return _h3(t("apps.dash.pulse.comments", lang)) + f"<ul class='wb-comments'>{items}</ul>"


def _local_time(moment: pd.Timestamp) -> str:
    """A stored (UTC) time as this server's wall clock, hours and minutes: the classroom's time."""
    return f"{moment.tz_convert(datetime.now().astimezone().tzinfo):%H:%M}"


def _zipped(write) -> bytes:
    """Call ``write(folder)`` in a temporary folder and return the files it wrote as one zip."""
    buffer = io.BytesIO()
    with TemporaryDirectory() as folder:
        files = write(Path(folder))
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for file in files:
                archive.write(file, file.relative_to(folder).as_posix())
    return buffer.getvalue()


DASHBOARD_CSS = """
<style>
.wb-dashboard .wb-panel { border: 1px solid #cfd8e3; border-radius: 8px; padding: 10px 14px; margin: 6px 0; }
.wb-dashboard .wb-overview { gap: 8px 48px; align-items: flex-start; }
.wb-dashboard .wb-join { align-items: center; gap: 24px; flex-wrap: wrap; margin: 8px 0; }
.wb-dashboard .wb-join-link { font-size: 90%; color: #555; word-break: break-all; }
.wb-dashboard .wb-qr img, .wb-dashboard img.wb-qr { width: 200px; height: auto; image-rendering: pixelated; }
.wb-dashboard .wb-closed { background: #fff3cd; border-radius: 6px; padding: 8px 14px; margin: 6px 0; }
.wb-dashboard .wb-charts img, .wb-dashboard img.wb-pulse-chart { max-width: 560px; }
.wb-dashboard .wb-comments { list-style: none; padding-left: 0; }
.wb-dashboard .wb-comments li { border-left: 4px solid #cfd8e3; padding: 4px 10px; margin: 6px 0; }
.wb-dashboard .wb-comment-meta { color: #777; }
.wb-dashboard table.wb-table th, .wb-dashboard table.wb-table td { text-align: left; }
/* Projector: the whole screen, text a back row can read, the join code and QR code huge. */
.wb-app.wb-projector { max-width: none; width: 100%; padding: 0 24px; box-sizing: border-box;
  --jp-widgets-font-size: 22px; --jp-widgets-inline-height: 44px; --jp-ui-font-size1: 22px; font-size: 22px; }
.wb-projector .wb-big { font-size: 22px; }
.wb-projector .widget-html-content, .wb-projector .widget-label, .wb-projector .widget-button,
.wb-projector .jupyter-button, .wb-projector select, .wb-projector input, .wb-projector table,
.wb-projector .widget-checkbox, .wb-projector .widget-dropdown > select { font-size: 22px !important; }
.wb-projector .widget-dropdown > select, .wb-projector .widget-text input { height: 44px; }
.wb-projector h2 { font-size: 34px; } .wb-projector h3 { font-size: 28px; }
.wb-projector .wb-code { font-size: 120px; line-height: 1.1; }
.wb-projector .wb-qr img, .wb-projector img.wb-qr { width: 420px; }
.wb-projector .wb-charts { flex-direction: column; }  /* each chart at its drawn size: text ≥ 16 px */
.wb-projector .wb-charts img, .wb-projector img.wb-pulse-chart { max-width: 100%; }
.wb-projector .wb-join-link { font-size: 100%; }
</style>
"""


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
    lab = os.environ.get(LAB_URL_ENV)
    if lab:  # the course, for the trainer (JupyterLab asks for the token printed at start)
        texts = [(t("apps.landing.course", code), t("apps.landing.course_note", code))
                 for code in _languages_first(lang)]  # fmt: skip
        cards.append(
            f"<a href='{_esc(lab)}' class='wb-card' target='_blank'><b>{_esc(texts[0][0])}</b><br>"
            f"{_esc(texts[0][1])}<br>"
            f"<span style='color:#777'>{_esc(texts[1][0])} · {_esc(texts[1][1])}</span></a>"
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
    app = SelfAssessmentApp(lang=lang)
    # Everything loaded so far lives as long as the kernel: taken out of the cyclic garbage
    # collector's sight, a full collection no longer walks ~90,000 objects (≈ 40 ms) while a class
    # opens its pages.
    gc.freeze()
    return app


def value_matrix_explorer(lang: str | None = None) -> ValueMatrixExplorerApp:
    """The value-matrix explorer on the sample data."""
    return ValueMatrixExplorerApp(lang=lang)


def trainer_dashboard(lang: str | None = None) -> TrainerDashboardApp:
    """The trainer dashboard on the configured store, locked by the server's trainer code."""
    return TrainerDashboardApp(lang=lang)
