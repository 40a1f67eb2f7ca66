"""Interactive widgets built from the workbook's functions: questionnaire forms, result views, explorers.

Everything here is presentation: answers go to :func:`workbook.instruments.score`, weights to
:mod:`workbook.value_matrix`, counts to :func:`workbook.satisfaction.nps` and thresholds to
:func:`workbook.operations.risk_signals`; no formula is re-implemented. Each view is a small
class with a ``widget`` attribute (the root widget to display) and plain attributes that tests
and apps read, so every view can be driven without a browser: set a control's ``.value``, call
``.click()`` or the public method, then read the HTML, the numbers or the PNG bytes.

Rules every view follows, because they are what keeps a classroom app alive under Voilà:

* charts travel as PNG bytes in an ``ipywidgets.Image``; nothing is written into an
  ``Output`` widget (doing that while a page first renders can hang the page);
* every callback is wrapped by :func:`safe_callback`: an exception never reaches the page as
  a traceback. A :class:`~workbook.errors.WorkbookInputError` shows its own message, anything
  else a friendly catalogue text, in the view's :class:`ErrorBox`; the error is logged to the
  ``workbook`` logger, and nothing the person entered is reset;
* values typed by a person are only compared, looked up and formatted, never evaluated, and
  every text put into HTML is escaped;
* every label comes from the catalogue (``widgets.*`` keys) or from the instrument file, in
  the view's language (``lang``; default the active language of :mod:`workbook.i18n`).

Example
-------
>>> from workbook.widgets import InstrumentForm
>>> sent = []
>>> form = InstrumentForm("pulse", lang="en", on_submit=lambda answers, key: sent.append(answers))
>>> form.progress.value
'0 / 5 answered'
>>> form.submit()                     # refused: the prompt names the three required questions
False
>>> form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
>>> form.submit(), sent
(True, [{'recommend': 9, 'csat': 4, 'ces': 6}])
"""

from __future__ import annotations

import functools
import html
import io
import json
import logging
import textwrap
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import anywidget
import ipywidgets as w
import matplotlib as mpl
import numpy as np
import pandas as pd
import traitlets
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from workbook import classify, i18n, operations, plots
from workbook import satisfaction as sat
from workbook import value_matrix as vm
from workbook.errors import WorkbookInputError, fail
from workbook.i18n import label, t
from workbook.instruments import Instrument, InstrumentResult, Item, Scale, load_instrument, score
from workbook.store import new_key

LOG = logging.getLogger("workbook")

# ---------------------------------------------------------------- defaults, in one place

SPREAD_WARN_POINTS = 30.0  # rater range (0–100 points) from which a dimension is flagged for discussion
SMALL_NPS_SAMPLE = 100  # below this many answers the NPS calculator warns how wide the interval is
MEMBERS_SHOWN = 20  # customers listed for a picked RFM segment (highest spend first)
ITEM_REF_CHARS = 18  # characters of an item's text quoted when the form names an unanswered item
MISSING_LISTED = 6  # unanswered items named in the prompt; the rest are counted
CHART_DPI = 100
# Slider range and step per risk signal, in the signal's own unit (see operations.DEFAULT_RISK_THRESHOLDS).
RISK_SLIDERS: Mapping[str, tuple[float, float, float]] = {
    "overdue_days": (0, 365, 5),
    "overdue_amount": (0, 200_000, 1_000),
    "legal_overdue": (0, 365, 5),
    "recency_jump": (0, 10, 0.1),
    "frequency_drop": (0, 100, 5),
    "satisfaction_drop": (0, 4, 1),
}
# Badge colours from the lowest band to the highest; a band in between takes the nearest step.
BAND_COLOURS = ("#c0392b", "#d35400", "#b7950b", "#229954", "#196f3d")  # dark enough for white text
TIER_COLOURS = {"low": "#95a5a6", "mid": "#3498db", "high": "#e67e22"}
LABEL_WIDTH = "15em"  # width of the text in front of a slider: long Chinese names must not be cut

__all__ = [
    "ErrorBox",
    "InstrumentForm",
    "NpsCalculator",
    "ResultView",
    "RfmSegmentMap",
    "RiskThresholdTuner",
    "ValueMatrixExplorer",
    "safe_callback",
]


# ================================================================================ errors in the page


class ErrorBox:
    """A red box in the page that shows what went wrong in words a business user can act on.

    It remembers *what* to show, not the rendered text, so :meth:`render` can show the same
    error again in another language. ``message`` is the text shown (empty when nothing is wrong).
    """

    def __init__(self, lang: str | None = None):
        self.lang = i18n.normalize_language(lang) if lang else i18n.get_language()
        self.widget = w.HTML("")
        self.error: Exception | None = None
        self.origin: str | None = None  # the callback whose error is shown

    @property
    def message(self) -> str:
        """The text of the current error in the box's language, or ``""``."""
        if self.error is None:
            return ""
        if isinstance(self.error, WorkbookInputError):
            return self.error.message(self.lang)
        return t("widgets.error.unexpected", self.lang)

    def show(self, error: Exception, origin: str | None = None) -> None:
        """Show ``error``: its own message for bad input, the generic text for anything else.

        ``origin`` names the callback that failed, so that only its next success clears the box.
        """
        self.error, self.origin = error, origin
        self.render()

    def clear(self, origin: str | None = None) -> None:
        """Hide the box; with ``origin``, only if the error shown came from that callback."""
        if self.error is not None and (origin is None or origin == self.origin):
            self.error = self.origin = None
            self.render()

    def render(self, lang: str | None = None) -> None:
        """Draw the box again, in ``lang`` if given (the language switch of a form calls this)."""
        if lang:
            self.lang = i18n.normalize_language(lang)
        if self.error is None:
            self.widget.value = ""
            return
        lines = "<br>".join(html.escape(line) for line in self.message.splitlines())
        self.widget.value = (
            '<div class="wb-error" style="border:1px solid #e0b4b4;background:#fff6f6;color:#9f3a38;'
            'padding:8px 12px;border-radius:4px;margin:6px 0">'
            f"<b>⚠ {html.escape(t('widgets.error.title', self.lang))}</b><br>{lines}</div>"
        )


def safe_callback(method: Callable) -> Callable:
    """Decorate a view's callback so that no exception escapes it.

    The view must have an ``errors`` attribute (an :class:`ErrorBox`). On success the method's
    result is returned and the box cleared if it showed an error of this same callback (an
    unrelated success, such as ticking an answer, leaves a failed submit's message in place).
    On failure the error is logged to the ``workbook`` logger (with its traceback, for the
    person running the server), shown in the box (never a traceback on screen) and ``None`` is
    returned; nothing the user entered is touched, so they can correct it and try again.

    Widget callbacks need this because an exception raised in one shows up nowhere under
    Voilà: the page just stops reacting.

    >>> class Demo:
    ...     errors = ErrorBox("en")
    ...     @safe_callback
    ...     def fails(self):
    ...         raise RuntimeError("boom")
    >>> Demo().fails() is None, "boom" in Demo.errors.message
    (True, False)
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            result = method(self, *args, **kwargs)
        except WorkbookInputError as exc:
            LOG.warning(
                "%s.%s refused the input: %s", type(self).__name__, method.__name__, exc.message("en")
            )
            self.errors.show(exc, method.__name__)
            return None
        except Exception as exc:
            LOG.exception("%s.%s failed", type(self).__name__, method.__name__)
            self.errors.show(exc, method.__name__)
            return None
        self.errors.clear(method.__name__)
        return result

    return wrapper


class _View:
    """Base of every view: its language, its error box and ``display`` support."""

    widget: w.Widget

    def __init__(self, lang: str | None = None):
        self.lang = i18n.normalize_language(lang) if lang else i18n.get_language()
        self.errors = ErrorBox(self.lang)

    def _repr_mimebundle_(self, **kwargs):
        # A view as the last expression of a notebook cell displays its root widget.
        return self.widget._repr_mimebundle_(**kwargs)


# ================================================================================ small helpers


def _esc(value: object) -> str:
    return html.escape(str(value))


def _div(text: str, style: str = "") -> str:
    """``text`` escaped, in a ``<div>`` with an inline ``style``."""
    return f"<div style='{style}'>{_esc(text)}</div>"


def _heading(text: str) -> str:
    return f"<h4 style='margin:8px 0 2px 0'>{_esc(text)}</h4>"


def _html_table(
    header: Sequence[str], rows: Sequence[Sequence[object]], *, marked: Sequence[bool] = ()
) -> str:
    """A plain HTML table; every cell is escaped. ``marked`` rows are highlighted."""
    head = "".join(f'<th style="text-align:left;padding:3px 10px">{_esc(h)}</th>' for h in header)
    body = []
    for i, row in enumerate(rows):
        style = ' style="background:#fff3cd"' if i < len(marked) and marked[i] else ""
        cells = "".join(f'<td style="padding:3px 10px">{_esc(c)}</td>' for c in row)
        body.append(f"<tr{style}>{cells}</tr>")
    return (
        '<table class="wb-table" style="border-collapse:collapse;margin:4px 0">'
        f'<thead style="border-bottom:1px solid #999">{head}</thead><tbody>{"".join(body)}</tbody></table>'
    )


def _labelled(text: str, control: w.Widget) -> tuple[w.HTML, w.HBox]:
    """A control with a fixed-width text in front: long Chinese names are wrapped, never cut off."""
    caption = w.HTML(_esc(text), layout=w.Layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH))
    return caption, w.HBox([caption, control], layout=w.Layout(align_items="center"))


@contextmanager
def _chart_style() -> Iterator[None]:
    # Local rc settings, so drawing a widget's chart never changes the style of the user's own plots.
    rc = {
        "font.family": "sans-serif",
        "font.sans-serif": plots.chinese_font_families(),
        "axes.unicode_minus": False,
        **plots.LITERAL_TEXT,  # names typed by trainees are shown as typed, never as mathtext
    }
    with mpl.rc_context(rc):
        yield


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes (what a ``widgets.Image`` shows)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=CHART_DPI, bbox_inches="tight")
    return buffer.getvalue()


def _text_width(text: str) -> float:
    """Rough width of ``text`` in em: a Chinese character is about 1 em, a Latin letter about 0.6."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in text)


def _wrap(text: str, width: int) -> str:
    # Chinese has no spaces: cut by characters; English wraps at words.
    if " " not in text:
        return "\n".join(text[i : i + width] for i in range(0, len(text), width))
    return textwrap.fill(text, width)


# ================================================================================ questionnaire form


class _ItemRow:
    """The controls of one item: one choice per part (two for a paired item), its text and marker."""

    def __init__(self, number: int, item: Item, scale: Scale, instrument: Instrument, lang: str):
        self.number, self.item, self.scale, self.instrument = number, item, scale, instrument
        self.parts = [p.id for p in instrument.paired] if instrument.paired and scale.numeric else [None]
        self.text = w.HTML()
        self.controls = {part: self._control(lang) for part in self.parts}
        # Paired parts get their name in front, on the same line: two short rows, not four.
        self.part_labels = {part: w.HTML(layout=w.Layout()) for part in self.parts}
        lines = [
            w.HBox([self.part_labels[part], control], layout=w.Layout(align_items="center"))
            if part is not None
            else control
            for part, control in self.controls.items()
        ]
        self.box = w.VBox([self.text, *lines], layout=w.Layout(margin="2px 0 8px 0"))
        self.relabel(lang)

    # ---- building
    def _control(self, lang: str) -> w.Widget:
        if self.scale.type == "text":
            return w.Textarea(value="", layout=w.Layout(width="95%", height="4em"))
        return w.RadioButtons(
            options=self._options(lang),
            value=None,
            orientation="horizontal",
            layout=w.Layout(width="auto"),
        )

    def _options(self, lang: str) -> list[tuple[str, object]]:
        if self.scale.numeric:
            names = {point: text.get(lang) for point, text in self.scale.labels.items()}
            return [
                (f"{v} {names[v]}" if v in names else str(v), v)
                for v in range(self.scale.min, self.scale.max + 1)
            ]
        return [(option.name.get(lang), option.id) for option in self.scale.options]

    def relabel(self, lang: str) -> None:
        """Texts and option labels in ``lang``; the answers stay (setting options resets a choice)."""
        star = ' <b style="color:#c0392b">*</b>' if self.item.required else ""
        self.text.value = f"<b>{self.number}.</b> {_esc(self.item.text.get(lang))}{star}"
        part_names = {p.id: p.name.get(lang) for p in self.instrument.paired or []}
        if part_names:  # room for the longest part name: "perception" needs far more than "感知"
            longest = max(_text_width(name) for name in part_names.values())
            for part_label in self.part_labels.values():
                part_label.layout.width = part_label.layout.min_width = f"{longest + 1:.1f}em"
        for part, control in self.controls.items():
            if isinstance(control, w.Textarea):
                control.placeholder = t("widgets.form.text_placeholder", lang)
                continue
            kept = control.value
            control.options = self._options(lang)
            control.value = kept
            self.part_labels[part].value = _esc(part_names.get(part, ""))

    # ---- answers
    def _given(self, control: w.Widget) -> object | None:
        value = control.value
        if isinstance(control, w.Textarea):
            return value if value.strip() else None
        return value

    @property
    def value(self) -> object | dict | None:
        """The answer: a value, ``{part: value}`` of the answered parts when paired, or ``None``."""
        if self.parts == [None]:
            return self._given(self.controls[None])
        given = {part: self._given(c) for part, c in self.controls.items()}
        given = {part: v for part, v in given.items() if v is not None}
        return given or None

    @property
    def answered(self) -> bool:
        return all(self._given(c) is not None for c in self.controls.values())

    def set(self, value: object) -> None:
        """Set the answer (``None`` clears it); refuses values the scale does not offer."""
        if self.parts == [None]:
            self._set_part(None, value)
            return
        if value is None:
            value = dict.fromkeys(self.parts)
        if not isinstance(value, Mapping):
            raise fail(
                "answers", "widgets.paired_needs_parts", item=self.item.id, known=", ".join(self.parts)
            )
        for part, v in value.items():
            if part not in self.controls:
                raise fail(
                    "answers",
                    "widgets.unknown_part",
                    item=self.item.id,
                    part=part,
                    known=", ".join(self.parts),
                )
            self._set_part(part, v)

    def _set_part(self, part: str | None, value: object) -> None:
        control = self.controls[part]
        if isinstance(control, w.Textarea):
            control.value = "" if value is None else str(value)
            return
        allowed = [v for _, v in control.options]
        if value is not None and self.scale.numeric:
            value = _whole_number(value)
        if value is not None and value not in allowed:
            raise fail(
                "answers",
                "widgets.bad_answer",
                item=self.item.id,
                value=value,
                allowed=", ".join(map(str, allowed)),
            )
        control.value = value

    def observe(self, handler: Callable) -> None:
        for control in self.controls.values():
            control.observe(handler, names="value")


def _whole_number(value: object) -> object:
    # 4, 4.0, numpy.int64(4) and "4" all mean the scale point 4; anything else is left for the check.
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if number.is_integer() else value


class InstrumentForm(_View):
    """A questionnaire form built from any instrument, grouped by dimension.

    One horizontal radio group per item (one per part for paired items such as SERVQUAL's
    expectation and perception), the scale's point labels on the options, required items
    marked with ``*``, a live progress line ("12 / 22 已作答"), a zh/en switch that relabels
    everything and keeps the answers, and a submit button that refuses a half-done form with a
    prompt naming the unanswered required items.

    Parameters
    ----------
    instrument : Instrument or str
        The questionnaire, or its id/path for :func:`~workbook.instruments.load_instrument`.
    lang : str, optional
        ``"zh"`` or ``"en"``; default the active language.
    on_submit : callable, optional
        Called as ``on_submit(answers, key)`` when a complete form is submitted: ``answers`` is
        :attr:`answers`, ``key`` an idempotency key for :meth:`workbook.store.Store.submit`. The
        key is made on the first submit of a set of answers and sent again while the answers
        stay the same (a retry after an error, a double click), so the store keeps one row;
        changing any answer makes the next submit use a new key. An exception raised by
        ``on_submit`` is shown in the error box and the answers stay for a retry.
    segment : str, optional
        For instruments with segments (e.g. dealer class A/B/C): the preselected segment.
    on_change : callable, optional
        Called without arguments after the person changes an answer or the segment (e.g. to
        keep a draft in the browser, :class:`BrowserDraft`).

    Attributes
    ----------
    widget : the root widget. rows : ``{item_id: row}``. progress, prompt : HTML.
    language : the zh/en ToggleButtons. segment_picker : Dropdown or ``None``.
    submit_button : Button. key : the idempotency key of the last submit attempt.
    """

    def __init__(
        self,
        instrument: Instrument | str,
        lang: str | None = None,
        on_submit: Callable[[dict, str], object] | None = None,
        *,
        segment: str | None = None,
        on_change: Callable[[], object] | None = None,
    ):
        super().__init__(lang)
        self.instrument = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
        self.on_submit = on_submit
        self.on_change = on_change
        self.key: str | None = None
        self._key_snapshot: str | None = None
        self._state = "idle"  # what the prompt says: idle, no_segment, missing, ready, submitted
        self._quiet = False  # relabelling sets values back: do not treat that as the person's answers
        self._build_rows()
        self._build_chrome(segment)
        self._render()

    # ------------------------------------------------------------------ building
    def _build_rows(self) -> None:
        inst = self.instrument
        self.rows: dict[str, _ItemRow] = {}
        for number, item in enumerate(inst.items, 1):
            row = _ItemRow(number, item, inst.scales[inst.scale_of(item)], inst, self.lang)
            row.observe(self._on_answer)
            self.rows[item.id] = row
        self._sections: list[tuple[str | None, w.HTML, w.VBox]] = []
        for dim_id in [d.id for d in inst.dimensions] + [None]:
            members = [r.box for r in self.rows.values() if r.item.dimension == dim_id]
            if members:
                self._sections.append((dim_id, w.HTML(), w.VBox(members)))

    def _build_chrome(self, segment: str | None) -> None:
        self.title = w.HTML()
        self.description = w.HTML()
        self.language = w.ToggleButtons(
            options=self._language_options(),
            value=self.lang,
            style={"button_width": "auto", "description_width": "initial"},
        )
        self.language.observe(self._on_language, names="value")
        self.segment_picker = None
        if self.instrument.segments:
            codes = [s.id for s in self.instrument.segments]
            if segment is not None and segment not in codes:
                raise fail(
                    self.instrument.id, "widgets.unknown_segment", segment=segment, known=", ".join(codes)
                )
            self.segment_picker = w.Dropdown(
                options=self._segment_options(), value=segment, style={"description_width": "initial"}
            )
            self.segment_picker.observe(self._on_segment, names="value")
        self.progress_bar = w.IntProgress(min=0, max=1, value=0, layout=w.Layout(width="12em"))
        self.progress = w.HTML()
        self.legend = w.HTML()
        self.submit_button = w.Button(button_style="primary", icon="check")
        self.submit_button.on_click(self._on_click)
        self.prompt = w.HTML()
        header = w.HBox(
            [self.title, self.language],
            layout=w.Layout(justify_content="space-between", align_items="center"),
        )
        top = [header, self.description]
        if self.segment_picker is not None:
            top.append(self.segment_picker)
        top.append(w.HBox([self.progress_bar, self.progress], layout=w.Layout(align_items="center")))
        sections = [w.VBox([head, body]) for _, head, body in self._sections]
        footer = w.HBox([self.submit_button, self.prompt], layout=w.Layout(align_items="center"))
        self.widget = w.VBox(
            [*top, self.legend, *sections, footer, self.errors.widget], layout=w.Layout(max_width="980px")
        )

    @staticmethod
    def _language_options() -> list[tuple[str, str]]:
        # Each language named in itself, so a reader of either finds their own; never relabelled.
        return [(t(f"widgets.lang.{code}", code), code) for code in i18n.LANGUAGES]

    def _segment_options(self) -> list[tuple[str, str]]:
        return [(s.name.get(self.lang), s.id) for s in self.instrument.segments or []]

    # ------------------------------------------------------------------ state
    @property
    def segment(self) -> str | None:
        """The chosen segment, or ``None`` (also for instruments without segments)."""
        return None if self.segment_picker is None else self.segment_picker.value

    def _applies(self, row: _ItemRow) -> bool:
        codes = row.item.applies_to
        return codes is None or self.segment is None or self.segment in codes

    def _active_rows(self) -> list[_ItemRow]:
        return [r for r in self.rows.values() if self._applies(r)]

    @property
    def answers(self) -> dict[str, object]:
        """``{item_id: value}`` of the answered items that apply; ``{item_id: {part: value}}`` if paired."""
        return {r.item.id: r.value for r in self._active_rows() if r.value is not None}

    def set_answers(self, answers: Mapping[str, object], *, key: str | None = None) -> None:
        """Fill in answers (``None`` clears one). Unknown items or off-scale values raise
        :class:`~workbook.errors.WorkbookInputError`; items not named are left as they are.

        ``key``: the idempotency key these answers were already submitted with (answers brought
        back after a reload); submitting them unchanged sends that key again, so the store keeps
        one row however often the submit is repeated.
        """
        unknown = [item for item in answers if item not in self.rows]
        if unknown:
            raise fail(
                "answers",
                "widgets.unknown_item",
                item=", ".join(map(str, unknown)),
                known=", ".join(self.rows),
            )
        with self._batch():
            for item, value in answers.items():
                self.rows[item].set(value)
        if key is not None:
            self.key = key
            self._key_snapshot = self._snapshot(self.answers)
        self._render()

    def missing(self) -> list[str]:
        """Ids of the required items that apply and are not fully answered, in questionnaire order."""
        return [r.item.id for r in self._active_rows() if r.item.required and not r.answered]

    def score(self) -> InstrumentResult:
        """Score the current answers with :func:`workbook.instruments.score` in the form's language."""
        return score(self.instrument, self.answers, segment=self.segment, lang=self.lang)

    @contextmanager
    def _batch(self) -> Iterator[None]:
        quiet, self._quiet = self._quiet, True
        try:
            yield
        finally:
            self._quiet = quiet

    # ------------------------------------------------------------------ callbacks
    @safe_callback
    def _on_answer(self, _change) -> None:
        if self._quiet:
            return
        if self._state == "submitted":
            self._state = "idle"  # the answers on screen are no longer the ones submitted
        self._render()
        self._changed()

    @safe_callback
    def _on_segment(self, _change) -> None:
        self._render()
        self._changed()

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    @safe_callback
    def _on_language(self, change) -> None:
        if not self._quiet and change["new"] != self.lang:
            self.relabel(change["new"])

    @safe_callback
    def _on_click(self, _button) -> None:
        self.submit()

    def relabel(self, lang: str) -> None:
        """Show every text in ``lang`` (``"zh"``/``"en"``); answers, progress and prompt state stay."""
        self.lang = i18n.normalize_language(lang)
        with self._batch():
            for row in self.rows.values():
                row.relabel(self.lang)
            self.language.value = self.lang  # when called directly rather than from the switch
            if self.segment_picker is not None:
                kept = self.segment_picker.value
                self.segment_picker.options = self._segment_options()
                self.segment_picker.value = kept
        self.errors.render(self.lang)
        self._render()

    @safe_callback
    def submit(self) -> bool:
        """Submit the form: ``True`` if ``on_submit`` ran, ``False`` if refused, ``None`` on an error.

        A form with unanswered required items (or no segment chosen when the instrument needs
        one) is refused; the prompt names what is missing and every answer stays.
        """
        if self.segment_picker is not None and self.segment is None:
            self._state = "no_segment"
            self._render()
            return False
        if self.missing():
            self._state = "missing"
            self._render()
            return False
        answers = self.answers
        self.key = self._key_for(answers)
        if self.on_submit is not None:
            self.submit_button.disabled = True  # a second click while storing would only resend the same key
            try:
                self.on_submit(answers, self.key)
            finally:
                self.submit_button.disabled = False
        self._state = "submitted"
        self._render()
        return True

    def _key_for(self, answers: Mapping[str, object]) -> str:
        # Same answers (and segment) as the last attempt: a retry, so the same key; otherwise a new one.
        snapshot = self._snapshot(answers)
        if snapshot != self._key_snapshot or self.key is None:
            self.key, self._key_snapshot = new_key(), snapshot
        return self.key

    def _snapshot(self, answers: Mapping[str, object]) -> str:
        return json.dumps([self.segment, answers], sort_keys=True, default=str, ensure_ascii=False)

    # ------------------------------------------------------------------ drawing
    def _render(self) -> None:
        inst, lang = self.instrument, self.lang
        self.title.value = f"<h3 style='margin:4px 0'>{_esc(inst.title.get(lang))}</h3>"
        self.description.value = (
            f"<div style='color:#555;max-width:900px'>{_esc(inst.description.get(lang))}</div>"
        )
        self.legend.value = f"<div style='color:#555'>{t('widgets.form.required_legend', lang)}</div>"
        self.submit_button.description = t("widgets.form.submit", lang)
        self.language.description = t("widgets.lang.label", lang)
        if self.segment_picker is not None:
            self.segment_picker.description = t("widgets.form.segment", lang)
        self.submit_button.tooltip = t("widgets.form.submit_tooltip", lang)
        active = self._active_rows()
        for row in self.rows.values():  # items of other segments are not asked
            row.box.layout.display = None if self._applies(row) else "none"
        done = sum(r.answered for r in active)
        self.progress_bar.max, self.progress_bar.value = max(len(active), 1), done
        self.progress.value = t("widgets.form.progress", lang, done=done, total=len(active))
        names = {d.id: d for d in inst.dimensions}
        for dim_id, head, _ in self._sections:
            rows = [r for r in active if r.item.dimension == dim_id]
            name = names[dim_id].name.get(lang) if dim_id else t("widgets.form.other_section", lang)
            count = t("widgets.form.section_count", lang, done=sum(r.answered for r in rows), total=len(rows))
            about = names[dim_id].description if dim_id else None
            note = f"<div style='color:#666'>{_esc(about.get(lang))}</div>" if about else ""
            head.value = (
                "<h4 style='margin:14px 0 2px 0;border-bottom:1px solid #ddd'>"
                f"{_esc(name)}<span style='font-weight:normal;color:#777'>{_esc(count)}</span></h4>{note}"
            )
        self.prompt.value = self._prompt_html()

    def _prompt_html(self) -> str:
        kind, lang = self._state, self.lang
        if kind == "no_segment" and self.segment is not None:
            kind = "missing"  # chosen now: what is left to answer is the next thing to say
        if kind in ("missing", "ready"):  # after a refused submit the prompt follows every answer
            missing = self.missing()
            kind = self._state = "missing" if missing else "ready"
        if kind == "missing":
            refs = t("widgets.form.item_sep", lang).join(
                t("widgets.form.item_ref", lang, number=self.rows[i].number, text=self._short(i))
                for i in missing[:MISSING_LISTED]
            )
            if len(missing) > MISSING_LISTED:
                refs += t("widgets.form.and_more", lang, n=len(missing) - MISSING_LISTED)
            return _note(t("widgets.form.missing", lang, n=len(missing), items=refs), "#fff8e1", "#8a6d3b")
        if kind == "no_segment":
            known = t("widgets.form.item_sep", lang).join(s.name.get(lang) for s in self.instrument.segments)
            return _note(t("widgets.form.segment_missing", lang, known=known), "#fff8e1", "#8a6d3b")
        if kind == "ready":
            return _note(t("widgets.form.ready", lang), "#eef6ff", "#31708f")
        if kind == "submitted":
            return _note(t("widgets.form.submitted", lang), "#edf7ed", "#2e6b30")
        return ""

    def _short(self, item_id: str) -> str:
        text = self.rows[item_id].item.text.get(self.lang)
        return text if len(text) <= ITEM_REF_CHARS else text[: ITEM_REF_CHARS - 1] + "…"


class BrowserDraft(anywidget.AnyWidget):
    """A copy of what a person has entered, kept in their browser so that it outlives the kernel.

    The app sets :attr:`draft` (a JSON-able dict) whenever something is entered and empties it
    once the server has acknowledged; the browser keeps it in ``localStorage`` under
    :attr:`storage_key`. When a page opens and the browser holds a draft, it is handed to the
    new kernel as :attr:`restored`; the app puts the answers back (and re-sends a submit that
    was not acknowledged, with its idempotency key). While the page is open the browser pings
    the kernel every :attr:`heartbeat_ms`; when it stops answering (the kernel or the server
    died) the page shows :attr:`notice` and reopens itself as soon as the server answers.

    The widget shows nothing but that notice. Without a browser (tests, plain Python) it is
    an ordinary widget: set ``restored`` to play the browser's part.

    Example
    -------
    >>> keeper = BrowserDraft(storage_key="demo", notice="…")
    >>> keeper.draft = {"answers": {"csat": 4}}
    >>> keeper.restored
    {}
    """

    _esm = Path(__file__).with_name("static") / "browser_draft.js"
    storage_key = traitlets.Unicode("").tag(sync=True)
    draft = traitlets.Dict().tag(sync=True)
    restored = traitlets.Dict().tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)
    heartbeat_ms = traitlets.Int(4000).tag(sync=True)  # four missed answers in a row mean the kernel is gone

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(self._answer_ping)

    def _answer_ping(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("ping"):
            self.send({"pong": True})


def _note(text: str, background: str, colour: str) -> str:
    return (
        f"<div style='background:{background};color:{colour};padding:6px 10px;border-radius:4px;"
        f"margin-left:10px;max-width:760px'>{_esc(text)}</div>"
    )


# ================================================================================ result view


class ResultView(_View):
    """The result of a scored instrument: radar of the dimension scores, level badge, weakest
    dimensions, the improvement plan and, with several raters, how far apart they are.

    Names, band names and recommendations are shown as :func:`~workbook.instruments.score`
    returned them (score in the language you want to show); the view's own headings follow
    ``lang``. Call :meth:`show` with a new result to update it.

    Attributes: ``widget``; ``header``, ``weakest``, ``plan``, ``spread`` (HTML); ``chart``
    (Image, PNG bytes; empty until a result is shown); ``result``.

    >>> view = ResultView(score("pulse", {"recommend": 9, "csat": 4, "ces": 6}, lang="en"), lang="en")
    >>> bytes(view.chart.value[:4]), "Index 83.5" in view.header.value
    (b'\x89PNG', True)
    """

    def __init__(
        self,
        result: InstrumentResult | None = None,
        lang: str | None = None,
        instrument: Instrument | None = None,
    ):
        super().__init__(lang)
        self.instrument = instrument
        self.result: InstrumentResult | None = None
        self.header = w.HTML(_note(t("widgets.result.empty", self.lang), "#f5f5f5", "#555"))
        self.chart = w.Image(format="png", layout=w.Layout(max_width="460px", height="auto"))
        self.weakest = w.HTML()
        self.plan = w.HTML(layout=w.Layout(max_width="520px"))
        self.spread = w.HTML()
        body = w.HBox(
            [self.chart, w.VBox([self.weakest, self.plan])],
            layout=w.Layout(flex_flow="row wrap", align_items="flex-start"),
        )
        self.widget = w.VBox([self.header, body, self.spread, self.errors.widget])
        if result is not None:
            self.show(result)

    @safe_callback
    def show(self, result: InstrumentResult) -> None:
        """Show ``result`` (replaces what was shown)."""
        instrument = self._instrument_of(result)
        self.header.value = self._header_html(result, instrument)
        self.chart.value = _dimension_chart(result, self.lang, paired=bool(instrument and instrument.paired))
        self.weakest.value = self._weakest_html(result)
        self.plan.value = self._plan_html(result)
        self.spread.value = self._spread_html(result)
        self.result = result

    def _instrument_of(self, result: InstrumentResult) -> Instrument | None:
        if self.instrument is not None and self.instrument.id == result.instrument_id:
            return self.instrument
        try:  # only for the badge colour and the paired reference ring: the view works without it
            return load_instrument(result.instrument_id)
        except WorkbookInputError:
            return None

    def _header_html(self, result: InstrumentResult, instrument: Instrument | None) -> str:
        colour = "#7f8c8d"
        if instrument is not None:
            codes = [b.code for b in instrument.sorted_bands]
            position = codes.index(result.level) / max(len(codes) - 1, 1)
            colour = BAND_COLOURS[round(position * (len(BAND_COLOURS) - 1))]
        badge = (
            f"<span class='wb-badge' style='background:{colour};color:white;padding:3px 12px;"
            f"border-radius:12px;font-weight:bold;margin-left:8px'>{_esc(result.level_name)}</span>"
        )
        index = t("widgets.result.index", self.lang, index=result.index)
        raters = t("widgets.result.respondents", self.lang, n=result.n_respondents)
        return (
            f"<div style='font-size:1.25em;margin:6px 0'><b>{_esc(index)}</b>{badge}"
            f"<span style='color:#777;font-size:0.8em;margin-left:10px'>{_esc(raters)}</span></div>"
            + _div(result.reason, "color:#555")
        )

    def _weakest_html(self, result: InstrumentResult) -> str:
        dims = result.dimensions
        items = "".join(
            "<li>"
            + _esc(
                t(
                    "widgets.result.weakest_item",
                    self.lang,
                    name=dims.at[d, "name"],
                    score=dims.at[d, "score"],
                    band=dims.at[d, "band_name"],
                )
            )
            + "</li>"
            for d in result.weakest
        )
        return _heading(t("widgets.result.weakest", self.lang)) + f"<ul>{items}</ul>"

    def _plan_html(self, result: InstrumentResult) -> str:
        steps = "".join(
            "<li style='margin-bottom:4px'>"
            + _esc(
                t(
                    "widgets.result.plan_item",
                    self.lang,
                    name=row.name,
                    score=row.score,
                    band=row.band_name,
                    recommendation=row.recommendation,
                )
            )
            + "</li>"
            for row in result.plan.itertuples(index=False)
        )
        return _heading(t("widgets.result.plan", self.lang)) + f"<ol>{steps}</ol>"

    def _spread_html(self, result: InstrumentResult) -> str:
        if result.n_respondents < 2:
            return ""
        dims = result.dimensions
        rows = [
            [n, f"{s:.1f}", f"{sd:.1f}", f"{r:.1f}"]
            for n, s, sd, r in zip(
                dims["name"], dims["score"], dims["rater_sd"], dims["rater_range"], strict=True
            )
        ]
        header = [t(f"widgets.result.col_{c}", self.lang) for c in ("dimension", "score", "sd", "range")]
        marked = (dims["rater_range"] >= SPREAD_WARN_POINTS).tolist()
        note = t("widgets.result.spread_note", self.lang, limit=SPREAD_WARN_POINTS)
        return (
            _heading(t("widgets.result.spread", self.lang))
            + _html_table(header, rows, marked=marked)
            + _div(note, "color:#666")
        )


def _dimension_chart(result: InstrumentResult, lang: str, *, paired: bool = False) -> bytes:
    """Radar of the dimension scores (0–100); a bar chart when there are fewer than three dimensions."""
    dims = result.dimensions.dropna(subset=["score"])
    names = [_wrap(str(n), 8 if lang == "zh" else 16) for n in dims["name"]]
    scores = dims["score"].to_numpy(dtype=float)
    with _chart_style():
        figure = Figure(figsize=(4.6, 4.2))
        if len(scores) < 3:
            ax = figure.add_subplot()
            ax.barh(names, scores, color="#3498db")
            ax.set_xlim(0, 100)
        else:
            _radar(figure, names, scores, paired)
        title = t("widgets.result.chart_title", lang)
        if paired:
            title += "\n" + t("widgets.result.paired_ring", lang)
        # On the axes, with padding: a figure title would sit on the label of the top dimension.
        figure.axes[0].set_title(title, fontsize=11, pad=28 if len(scores) >= 3 else 6)
        return _png(figure)


def _radar(figure: Figure, names: list[str], scores: np.ndarray, paired: bool) -> None:
    angles = np.linspace(0, 2 * np.pi, len(scores), endpoint=False)
    ax = figure.add_subplot(projection="polar")
    ax.set_theta_offset(np.pi / 2)  # first dimension at the top, clockwise like a clock face
    ax.set_theta_direction(-1)
    closed = np.append(angles, angles[0])
    ax.plot(closed, np.append(scores, scores[0]), color="#2e86c1", linewidth=2)
    ax.fill(closed, np.append(scores, scores[0]), color="#2e86c1", alpha=0.25)
    if paired:  # on a gap scale 50 means perception = expectation
        ring = np.linspace(0, 2 * np.pi, 100)
        ax.plot(ring, np.full_like(ring, 50), linestyle="--", color="#c0392b", linewidth=1)
    for angle, value in zip(angles, scores, strict=True):
        ax.annotate(
            f"{value:.0f}",
            (angle, value),
            textcoords="offset points",
            xytext=(0, 6),
            ha="center",
            fontsize=9,
            color="#1b4f72",
        )
    ax.set_xticks(angles, names, fontsize=9)
    ax.set_ylim(0, 100)
    ax.set_yticks([20, 40, 60, 80, 100], ["20", "40", "60", "80", "100"], fontsize=7, color="#888")


# ================================================================================ value matrix explorer


class ValueMatrixExplorer(_View):
    """Weight sliders per value dimension and tier cut-offs → live tiers, counts and matrix chart.

    The five dimensions are normalised once (:func:`workbook.value_matrix.normalized_dimensions`);
    each slider change re-scores through the fast path :func:`~workbook.value_matrix.rescore`
    (one matrix–vector product) and re-tiers with :func:`~workbook.value_matrix.tier`. Sliders
    act when released. Weights need not add up to 1: they are rescaled, as the note shows.

    Attributes: ``widget``; ``sliders`` ``{dimension: FloatSlider}``; ``thresholds_slider``;
    ``weights`` and ``thresholds`` (current); ``scores``, ``tiers``, ``counts`` (customers per
    tier, low → high); ``changed`` (customers whose tier differs from the start); ``table``,
    ``note``, ``summary`` (HTML); ``chart`` (Image). :meth:`set` moves several sliders at once.

    >>> from workbook.datasets import simulate_customers
    >>> explorer = ValueMatrixExplorer(simulate_customers(200), lang="en")
    >>> explorer.set({"referral": 1.0})          # referral now weighs 1 / (0.9 + 1) = 53 %
    >>> int(explorer.counts.sum()), explorer.changed > 0
    (200, True)
    """

    def __init__(
        self,
        customers: pd.DataFrame,
        weights: Mapping[str, float] | None = None,
        thresholds: Sequence[float] = vm.DEFAULT_TIER_THRESHOLDS,
        lang: str | None = None,
    ):
        super().__init__(lang)
        self.normalized = vm.normalized_dimensions(customers)
        self.potential = vm.current_potential(customers)["potential_value"]
        start = vm.validate_weights(weights or vm.DEFAULT_WEIGHTS)
        self.sliders = {
            d: w.FloatSlider(
                value=round(float(start[d]), 2),
                min=0,
                max=1,
                step=0.05,
                continuous_update=False,
                readout_format=".2f",
            )
            for d in vm.DIMENSIONS
        }
        self.thresholds_slider = w.FloatRangeSlider(
            value=tuple(thresholds), min=0, max=100, step=1, continuous_update=False, readout_format=".0f"
        )
        # The start is what the sliders show (snapped to their step), so "changed" begins at 0.
        self.start_weights, self.start_thresholds = self.weights, self.thresholds
        self.start_tiers = vm.tier(vm.rescore(self.normalized, self.start_weights), self.start_thresholds)
        self.reset_button = w.Button(description=t("widgets.vm.reset", self.lang), icon="undo")
        self.note, self.threshold_note = w.HTML(), w.HTML()
        self.table, self.summary = w.HTML(), w.HTML()
        self.chart = w.Image(format="png", layout=w.Layout(max_width="620px", height="auto"))
        for control in [*self.sliders.values(), self.thresholds_slider]:
            control.observe(self._on_change, names="value")
        self.reset_button.on_click(self._on_reset)
        self._quiet = False
        self.widget = self._layout()
        self.update()

    def _layout(self) -> w.VBox:
        rows = [_labelled(label("vm_dimension", d, self.lang), s)[1] for d, s in self.sliders.items()]
        cut = _labelled(t("widgets.vm.thresholds", self.lang), self.thresholds_slider)[1]
        controls = w.VBox(
            [
                w.HTML(f"<b>{_esc(t('widgets.vm.weights', self.lang))}</b>"),
                *rows,
                self.note,
                cut,
                self.threshold_note,
                self.reset_button,
            ]
        )
        results = w.VBox([self.table, self.summary, self.chart])
        return w.VBox(
            [w.HBox([controls, results], layout=w.Layout(flex_flow="row wrap")), self.errors.widget]
        )

    @property
    def weights(self) -> dict[str, float]:
        """The slider values as given (not yet rescaled)."""
        return {d: float(s.value) for d, s in self.sliders.items()}

    @property
    def thresholds(self) -> tuple[float, float]:
        low, high = self.thresholds_slider.value
        return float(low), float(high)

    @safe_callback
    def _on_change(self, _change) -> None:
        if not self._quiet:
            self.update()

    @safe_callback
    def _on_reset(self, _button) -> None:
        self.set(self.start_weights, self.start_thresholds)

    def set(
        self, weights: Mapping[str, float] | None = None, thresholds: Sequence[float] | None = None
    ) -> None:
        """Move several sliders at once and re-score once (dimensions not named keep their weight).

        Unknown dimensions, negative weights or all weights 0 raise
        :class:`~workbook.errors.WorkbookInputError` before any slider moves.
        """
        if weights is not None:
            vm.validate_weights({**self.weights, **weights})
        self._quiet = True  # one redraw instead of one per slider
        try:
            for d, value in (weights or {}).items():
                self.sliders[d].value = round(float(value), 2)
            if thresholds is not None:
                self.thresholds_slider.value = tuple(float(x) for x in thresholds)
        finally:
            self._quiet = False
        self.update()

    def update(self) -> None:
        """Re-score with the current sliders and redraw (the sliders call this)."""
        weights = vm.validate_weights(self.weights)  # all-zero or bad weights: the error box says why
        self.scores = vm.rescore(self.normalized, self.weights)
        self.tiers = vm.tier(self.scores, self.thresholds)
        self.counts = self.tiers.value_counts().reindex(list(vm.TIERS), fill_value=0)
        codes, start = self.tiers.cat.codes.to_numpy(), self.start_tiers.cat.codes.to_numpy()
        up, down = int((codes > start).sum()), int((codes < start).sum())
        self.changed = up + down
        shares = " · ".join(f"{label('vm_dimension', d, self.lang)} {weights[d]:.0%}" for d in vm.DIMENSIONS)
        self.note.value = _div(t("widgets.vm.weights_note", self.lang, weights=shares), "color:#555")
        low, high = self.thresholds
        self.threshold_note.value = _div(
            t("widgets.vm.threshold_note", self.lang, low=low, high=high), "color:#555"
        )
        self.table.value = self._table_html()
        self.summary.value = _esc(t("widgets.vm.changed", self.lang, n=self.changed, up=up, down=down))
        self.chart.value = self._chart()

    def _table_html(self) -> str:
        start = self.start_tiers.value_counts().reindex(list(vm.TIERS), fill_value=0)
        mean = self.scores.groupby(self.tiers, observed=False).mean().reindex(list(vm.TIERS))
        n = max(int(self.counts.sum()), 1)
        rows = [
            [
                label("value_tier", tier, self.lang),
                int(self.counts[tier]),
                f"{self.counts[tier] / n:.0%}",
                "—" if pd.isna(mean[tier]) else f"{mean[tier]:.1f}",
                int(start[tier]),
            ]
            for tier in reversed(vm.TIERS)
        ]
        header = [
            t(f"widgets.vm.col_{c}", self.lang) for c in ("tier", "customers", "share", "mean", "start")
        ]
        return _html_table(header, rows)

    def _chart(self) -> bytes:
        low, high = self.thresholds
        with _chart_style():
            figure = Figure(figsize=(6.2, 4.4))
            ax = figure.add_subplot()
            for tier in vm.TIERS:
                mask = (self.tiers == tier).to_numpy()
                ax.scatter(
                    self.scores[mask],
                    self.potential[mask],
                    s=10,
                    alpha=0.6,
                    color=TIER_COLOURS[tier],
                    label=f"{label('value_tier', tier, self.lang)} ({mask.sum()})",
                )
            for x in (low, high):
                ax.axvline(x, color="#555", linestyle="--", linewidth=1)
            ax.set_xlim(0, 100)
            ax.set_ylim(0, 100)
            ax.set_xlabel(t("widgets.vm.x_axis", self.lang))
            ax.set_ylabel(t("widgets.vm.y_axis", self.lang))
            ax.set_title(t("widgets.vm.chart_title", self.lang), fontsize=11)
            ax.legend(loc="upper left", fontsize=8, markerscale=2)
            return _png(figure)


# ================================================================================ RFM segment map


class RfmSegmentMap(_View):
    """RFM scores of every customer as an R × F heatmap of counts; pick a segment to list its customers.

    Scores and segments come from :func:`workbook.classify.rfm_scores` and
    :func:`~workbook.classify.rfm_segment`. Choosing a segment in the dropdown outlines its cells
    in the heatmap and lists its customers, highest spend first (the first ``MEMBERS_SHOWN``).

    Parameters: ``transactions`` (canonical orders), ``as_of`` (default the latest order date),
    ``customers`` (optional: adds the customer names to the list), ``lang``.

    Attributes: ``widget``; ``scores`` and ``segments`` (per customer); ``grid`` (5 × 5 counts,
    index R 5 → 1, columns F 1 → 5); ``segment_counts``; ``dropdown``; ``members`` (the listed
    customers); ``table`` (HTML); ``chart`` (Image).

    >>> from workbook.datasets import simulate_transactions
    >>> rfm = RfmSegmentMap(simulate_transactions(100, 1_000), lang="en")
    >>> rfm.pick("champions")
    >>> int(rfm.grid.to_numpy().sum()) == len(rfm.scores), len(rfm.members) <= MEMBERS_SHOWN
    (True, True)
    """

    def __init__(
        self,
        transactions: pd.DataFrame,
        as_of=None,
        customers: pd.DataFrame | None = None,
        lang: str | None = None,
    ):
        super().__init__(lang)
        self.scores = classify.rfm_scores(transactions, as_of)
        self.segments = classify.rfm_segment(self.scores)
        self.names = None
        if customers is not None and {"customer_id", "name"} <= set(customers.columns):
            self.names = customers.drop_duplicates("customer_id").set_index("customer_id")["name"]
        self.grid = pd.crosstab(self.scores["r_score"], self.scores["f_score"]).reindex(
            index=range(5, 0, -1), columns=range(1, 6), fill_value=0
        )
        self.segment_counts = self.segments["segment"].value_counts(sort=False)
        self._cells = classify.rfm_segment_table()
        options = [
            (t("widgets.rfm.option", self.lang, name=label("rfm_segment", s, self.lang), n=int(n)), s)
            for s, n in self.segment_counts.items()
        ]
        self.dropdown = w.Dropdown(
            options=options,
            value=None,
            description=t("widgets.rfm.segment", self.lang),
            style={"description_width": "initial"},
        )
        self.dropdown.observe(self._on_pick, names="value")
        self.members = self.scores.iloc[:0]
        self.table = w.HTML()
        self.chart = w.Image(
            format="png", value=self._chart(None), layout=w.Layout(max_width="560px", height="auto")
        )
        self.widget = w.VBox([self.chart, self.dropdown, self.table, self.errors.widget])

    @property
    def selected(self) -> str | None:
        return self.dropdown.value

    @safe_callback
    def _on_pick(self, change) -> None:
        self.pick(change["new"])

    def pick(self, segment: str | None) -> None:
        """Show the customers of ``segment`` (a code such as ``"champions"``) and outline its cells."""
        if self.dropdown.value != segment:
            self.dropdown.value = segment  # the observer calls pick again with the same segment
            return
        self.chart.value = self._chart(segment)
        if segment is None:
            self.members, self.table.value = self.scores.iloc[:0], ""
            return
        inside = self.scores[(self.segments["segment"] == segment).to_numpy()]
        self.members = inside.sort_values("monetary", ascending=False).head(MEMBERS_SHOWN)
        name = label("rfm_segment", segment, self.lang)
        if inside.empty:
            self.table.value = _esc(t("widgets.rfm.empty", self.lang, name=name))
            return
        caption = t("widgets.rfm.members", self.lang, name=name, n=len(inside), shown=len(self.members))
        self.table.value = f"<div>{_esc(caption)}</div>" + self._members_html()

    def _members_html(self) -> str:
        m = self.members
        columns = (
            ["customer"]
            + (["name"] if self.names is not None else [])
            + ["recency", "frequency", "monetary", "scores"]
        )
        header = [t(f"widgets.rfm.col_{c}", self.lang) for c in columns]
        rfm = m["r_score"].astype(str) + "-" + m["f_score"].astype(str) + "-" + m["m_score"].astype(str)
        parts = [m.index.astype(str)]
        if self.names is not None:
            parts.append(self.names.reindex(m.index).fillna("").astype(str))
        parts += [
            m["recency_days"].astype(str),
            m["frequency"].astype(str),
            m["monetary"].map("{:,.0f}".format),
            rfm,
        ]
        return _html_table(header, list(zip(*(list(p) for p in parts), strict=True)))

    def _chart(self, segment: str | None) -> bytes:
        grid = self.grid.to_numpy()
        cells = self._cells.drop_duplicates(["r_score", "f_score", "segment"])
        with _chart_style():
            figure = Figure(figsize=(6.0, 5.0))
            ax = figure.add_subplot()
            ax.imshow(grid, cmap="Blues", aspect="auto")
            for (i, r), (j, f) in (
                (a, b) for a in enumerate(self.grid.index) for b in enumerate(self.grid.columns)
            ):
                owners = cells.loc[(cells["r_score"] == r) & (cells["f_score"] == f), "segment"].astype(str)
                text = str(grid[i, j])
                if len(owners) == 1:
                    text += "\n" + _wrap(
                        label("rfm_segment", owners.iloc[0], self.lang), 7 if self.lang == "zh" else 12
                    )
                dark = grid[i, j] > grid.max() * 0.6
                ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "#222")
                if segment is not None and segment in set(owners):
                    ax.add_patch(
                        Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor="#e67e22", linewidth=3)
                    )
            ax.set_xticks(range(5), [str(f) for f in self.grid.columns])
            ax.set_yticks(range(5), [str(r) for r in self.grid.index])
            ax.set_xlabel(t("widgets.rfm.x_axis", self.lang))
            ax.set_ylabel(t("widgets.rfm.y_axis", self.lang))
            ax.set_title(t("widgets.rfm.chart_title", self.lang), fontsize=11)
            ax.grid(False)
            return _png(figure)


# ================================================================================ NPS calculator


class NpsCalculator(_View):
    """Counts of promoters, passives and detractors → NPS with its confidence interval and a
    hint about the most common mistake (leaving the passives out of the total).

    The numbers come from :func:`workbook.satisfaction.nps`, fed one representative score per
    respondent of each group; the "mistake" value is the same function without the passives.

    Attributes: ``widget``; ``promoters``, ``passives``, ``detractors`` (BoundedIntText);
    ``result`` (the one-row DataFrame of :func:`~workbook.satisfaction.nps`, ``None`` when no
    counts); ``nps``; ``output`` and ``hint`` (HTML).

    >>> calc = NpsCalculator(50, 30, 20, lang="en")     # 50 % − 20 % = 30
    >>> calc.nps, "gives 42.9" in calc.hint.value        # without passives: (50 − 20)/70 = 42.9
    (30.0, True)
    """

    MAX_COUNT = 1_000_000

    def __init__(self, promoters: int = 0, passives: int = 0, detractors: int = 0, lang: str | None = None):
        super().__init__(lang)
        self.result: pd.DataFrame | None = None
        bands = {
            "promoters": f"{sat.DEFAULTS.nps_promoter_min}–{sat.DEFAULTS.nps_scale[1]}",
            "passives": f"{sat.DEFAULTS.nps_detractor_max + 1}–{sat.DEFAULTS.nps_promoter_min - 1}",
            "detractors": f"{sat.DEFAULTS.nps_scale[0]}–{sat.DEFAULTS.nps_detractor_max}",
        }
        boxes, rows = {}, []
        for group, start in zip(sat.NPS_GROUPS, (promoters, passives, detractors), strict=True):
            box = w.BoundedIntText(value=start, min=0, max=self.MAX_COUNT, layout=w.Layout(width="9em"))
            box.observe(self._on_change, names="value")
            boxes[group] = box
            rows.append(
                _labelled(
                    t(
                        "widgets.nps.count",
                        self.lang,
                        group=label("nps", group, self.lang),
                        band=bands[group],
                    ),
                    box,
                )[1]
            )
        self.promoters, self.passives, self.detractors = (
            boxes["promoters"],
            boxes["passives"],
            boxes["detractors"],
        )
        self.output, self.hint = w.HTML(), w.HTML()
        self.widget = w.VBox([*rows, self.output, self.hint, self.errors.widget])
        self.update()

    @property
    def nps(self) -> float | None:
        return None if self.result is None else float(self.result["nps"].iloc[0])

    @safe_callback
    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        """Recompute from the three counts (the boxes call this)."""
        counts = [int(b.value) for b in (self.promoters, self.passives, self.detractors)]
        if sum(counts) == 0:
            self.result = None
            self.output.value = _esc(t("widgets.nps.enter_counts", self.lang))
            self.hint.value = ""
            return
        self.result = sat.nps(_representative_scores(counts))
        self.output.value = self._result_html(self.result.iloc[0])
        self.hint.value = self._hint_html(counts, self.result.iloc[0])

    def _result_html(self, r: pd.Series) -> str:
        lang = self.lang
        formula = t(
            "widgets.nps.formula", lang, p=r["promoters_pct"], d=r["detractors_pct"], nps=r["nps"],
            n=int(r["n"]), q=r["passives_pct"],
        )  # fmt: skip
        interval = t(
            "widgets.nps.ci",
            lang,
            confidence=100 * r["confidence"],
            low=r["ci_low"],
            high=r["ci_high"],
            se=r["se"],
        )
        big = _div(
            t("widgets.nps.result", lang, nps=r["nps"]), "font-size:1.6em;font-weight:bold;margin:6px 0"
        )
        return big + _div(formula) + _div(interval)

    def _hint_html(self, counts: list[int], r: pd.Series) -> str:
        lang = self.lang
        hints = []
        promoters, passives, detractors = counts
        if passives > 0 and promoters + detractors > 0:
            wrong = float(sat.nps(_representative_scores([promoters, 0, detractors]))["nps"].iloc[0])
            diff = wrong - float(r["nps"])
            if abs(diff) >= 0.05:
                direction = t("widgets.nps.higher" if diff > 0 else "widgets.nps.lower", lang)
                hints.append(
                    t(
                        "widgets.nps.mistake_passives",
                        lang,
                        wrong=wrong,
                        direction=direction,
                        diff=abs(diff),
                        n=int(r["n"]),
                    )
                )
        hints.append(t("widgets.nps.not_percent", lang))
        if r["n"] < SMALL_NPS_SAMPLE:
            hints.append(
                t("widgets.nps.small_sample", lang, n=int(r["n"]), half=(r["ci_high"] - r["ci_low"]) / 2)
            )
        items = "".join(f"<li>{_esc(h)}</li>" for h in hints)
        return (
            "<div style='background:#fff8e1;color:#6d5200;padding:6px 10px;border-radius:4px;margin-top:6px;"
            f"max-width:760px'><b>{_esc(t('widgets.nps.hint_title', lang))}</b>"
            f"<ul style='margin:4px 0'>{items}</ul></div>"
        )


def _representative_scores(counts: Sequence[int]) -> np.ndarray:
    """One 0–10 score per respondent: the top score of each group (10, 8, 6), repeated by its count."""
    d = sat.DEFAULTS
    representatives = [d.nps_scale[1], d.nps_promoter_min - 1, d.nps_detractor_max]
    return np.repeat(np.array(representatives, dtype=float), counts)


# ================================================================================ risk thresholds


class RiskThresholdTuner(_View):
    """One amber/red range slider per risk signal → how many customers each signal flags.

    Every change calls :func:`workbook.operations.risk_signals` with the sliders' thresholds
    (a few milliseconds for thousands of customers). Signals that compare with last year
    (order drop, satisfaction drop) need ``previous``; without it their sliders are disabled.

    Attributes: ``widget``; ``sliders`` ``{signal: FloatRangeSlider}``; ``thresholds``;
    ``flags`` (DataFrame per signal: ``amber``, ``red`` counts); ``levels`` (customers per
    overall level green/amber/red); ``signals`` (the full result); ``table``, ``summary`` (HTML).

    >>> from workbook.datasets import simulate_customers
    >>> tuner = RiskThresholdTuner(simulate_customers(300), lang="en")
    >>> before = tuner.flags.loc["overdue_days"].sum()
    >>> tuner.sliders["overdue_days"].value = (5, 10)          # stricter: at least as many flagged
    >>> bool(tuner.flags.loc["overdue_days"].sum() >= before)
    True
    """

    def __init__(
        self,
        customers: pd.DataFrame,
        previous: pd.DataFrame | None = None,
        as_of=None,
        thresholds: Mapping[str, tuple[float, float]] | None = None,
        lang: str | None = None,
    ):
        super().__init__(lang)
        self.customers, self.previous, self.as_of = customers, previous, as_of
        start = {**operations.DEFAULT_RISK_THRESHOLDS, **(thresholds or {})}
        self.sliders: dict[str, w.FloatRangeSlider] = {}
        rows = []
        for signal, (_, needs_previous) in operations.RISK_SIGNALS.items():
            low, high, step = RISK_SLIDERS[signal]
            amber, red = start[signal]
            slider = w.FloatRangeSlider(
                value=(amber, red),
                min=low,
                max=max(high, red),
                step=step,
                continuous_update=False,
                readout_format=".1f" if step < 1 else ",.0f",
                disabled=needs_previous and previous is None,
            )
            slider.observe(self._on_change, names="value")
            self.sliders[signal] = slider
            rows.append(_labelled(t(f"widgets.risk.signal.{signal}", self.lang), slider)[1])
        self.table, self.summary = w.HTML(), w.HTML()
        intro = w.HTML(_div(t("widgets.risk.intro", self.lang), "color:#555"))
        self.widget = w.VBox([intro, *rows, self.summary, self.table, self.errors.widget])
        self.update()

    @property
    def thresholds(self) -> dict[str, tuple[float, float]]:
        return {s: (float(v.value[0]), float(v.value[1])) for s, v in self.sliders.items()}

    @safe_callback
    def _on_change(self, _change) -> None:
        self.update()

    def update(self) -> None:
        """Re-evaluate every signal with the current thresholds (the sliders call this)."""
        self.signals = operations.risk_signals(
            self.customers, self.thresholds, self.previous, self.as_of, explain=False
        )
        counts = {
            s: self.signals[f"{s}_level"].value_counts().reindex(["amber", "red"], fill_value=0)
            for s in operations.RISK_SIGNALS
        }
        self.flags = pd.DataFrame(counts).T.astype(int)
        self.levels = (
            self.signals["risk_level"].value_counts().reindex(list(operations.RISK_LEVELS), fill_value=0)
        )
        self.summary.value = (
            "<div style='margin:6px 0'><b>"
            + _esc(
                t(
                    "widgets.risk.summary",
                    self.lang,
                    n=len(self.signals),
                    **{f"n_{k}": int(v) for k, v in self.levels.items()},
                    **{k: label("risk_level", k, self.lang) for k in operations.RISK_LEVELS},
                )
            )
            + "</b></div>"
        )
        self.table.value = self._table_html()

    def _table_html(self) -> str:
        rows = []
        for signal, (category, needs_previous) in operations.RISK_SIGNALS.items():
            amber, red = self.thresholds[signal]
            fmt = "{:,.1f}" if RISK_SLIDERS[signal][2] < 1 else "{:,.0f}"
            if needs_previous and self.previous is None:
                counts = [t("widgets.risk.needs_previous", self.lang)] * 2
            else:
                counts = [int(self.flags.at[signal, "amber"]), int(self.flags.at[signal, "red"])]
            rows.append(
                [
                    t(f"widgets.risk.signal.{signal}", self.lang),
                    label("risk_category", category, self.lang),
                    f"{fmt.format(amber)} / {fmt.format(red)}",
                    *counts,
                ]
            )
        header = [
            t(f"widgets.risk.col_{c}", self.lang)
            for c in ("signal", "category", "thresholds", "amber", "red")
        ]
        return _html_table(header, rows)


class ProjectorSwitch(anywidget.AnyWidget):
    """A button that switches the trainer dashboard into projector mode and the browser into full screen.

    :attr:`on` is synced both ways: the browser sets it when the button is pressed (and asks for
    full screen in that same click, the only moment a page may), the app observes it to enlarge
    type, charts and the join code. Without a browser, set ``on`` to play the button's part.

    >>> switch = ProjectorSwitch(label_on="投影模式", label_off="退出投影")
    >>> switch.on
    False
    """

    _esm = Path(__file__).with_name("static") / "projector.js"
    on = traitlets.Bool(False).tag(sync=True)
    label_on = traitlets.Unicode("").tag(sync=True)
    label_off = traitlets.Unicode("").tag(sync=True)


class DownloadLink(anywidget.AnyWidget):
    """A link that saves :attr:`content` (bytes) as :attr:`filename`; hidden while there is nothing.

    The bytes travel to the browser as a binary buffer and become a Blob there, so a zip of
    reports of several MB downloads as reliably as a small table.

    >>> link = DownloadLink()
    >>> link.show(b"a,b\\n1,2\\n", "scores.csv", "下载", "text/csv")
    >>> link.filename, len(link.content)
    ('scores.csv', 8)
    """

    _esm = Path(__file__).with_name("static") / "download.js"
    content = traitlets.Bytes(b"").tag(sync=True)
    filename = traitlets.Unicode("").tag(sync=True)
    label = traitlets.Unicode("").tag(sync=True)
    mime = traitlets.Unicode("application/octet-stream").tag(sync=True)

    def show(self, content: bytes, filename: str, label: str, mime: str) -> None:
        """Offer ``content`` for download as ``filename`` under the link text ``label``."""
        with self.hold_sync():
            self.filename, self.label, self.mime, self.content = filename, label, mime, content

    def clear(self) -> None:
        """Hide the link (a new session, a new language: the old file is not offered any more)."""
        self.content = b""
