"""The questionnaire form, its result view and the browser-kept draft: the light half of the widgets.

This module is what a self-assessment kernel needs, and nothing more: no matplotlib, no scoring
of customer tables. A classroom runs one kernel per trainee, so every import here is paid 40
times (see ``benchmarks/classroom.py``). :mod:`workbook.widgets` re-exports everything public.

* :class:`InstrumentForm` sends the whole questionnaire to the browser once, as data, and one
  browser-side component (``static/instrument_form.js``) draws it with HTML and CSS that fit a
  phone: one widget model instead of one per answer control. The answers come back as one value.
* :class:`ResultView` draws the radar as SVG text, so a result needs no chart library either.
* :class:`BrowserDraft` keeps what was entered in the browser, plus the respondent's random
  token and the chosen language, and pings the kernel so that a page whose browser died lets
  its kernel go (the server culls kernels nobody pings).

The rules of :mod:`workbook.widgets` hold here too: every callback is wrapped by
:func:`safe_callback`, every text put into HTML is escaped, every label comes from the
catalogue or the instrument file.

Example
-------
>>> from workbook.form import InstrumentForm
>>> sent = []
>>> form = InstrumentForm("pulse", lang="en", on_submit=lambda answers, key: sent.append(answers))
>>> form.progress
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
import json
import logging
import math
import re
import textwrap
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import anywidget
import ipywidgets as w
import traitlets

from workbook import i18n
from workbook.errors import WorkbookInputError, fail
from workbook.i18n import t
from workbook.instruments import Instrument, InstrumentResult, Item, load_instrument, score
from workbook.store import new_key

LOG = logging.getLogger("workbook")

STATIC = Path(__file__).with_name("static")
SPREAD_WARN_POINTS = 30.0  # rater range (0–100 points) from which a dimension is flagged for discussion
# Badge colours from the lowest band to the highest; a band in between takes the nearest step.
BAND_COLOURS = ("#c0392b", "#d35400", "#b7950b", "#229954", "#196f3d")  # dark enough for white text
CHART_FONT_PX = 13  # radar label size in the SVG's own units (the SVG scales with the page)
CHART_RADIUS = 120  # radar radius in SVG units; labels sit outside it, inside the picture

__all__ = ["BrowserDraft", "ErrorBox", "InstrumentForm", "ResultView", "safe_callback"]


# ================================================================================ errors in the page


class ErrorBox:
    """A red box in the page that shows what went wrong in words a business user can act on.

    It remembers *what* to show, not the rendered text, so :meth:`render` can show the same
    error again in another language. ``message`` is the text shown (empty when nothing is wrong).
    ``widget`` is the ``HTML`` widget it draws into; pass ``widget`` to draw into something else
    with a ``value`` (the form draws its box inside its own component).
    """

    def __init__(self, lang: str | None = None, widget=None):
        self.lang = i18n.normalize_language(lang) if lang else i18n.get_language()
        self.widget = w.HTML("") if widget is None else widget
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
    """A plain HTML table; every cell is escaped. ``marked`` rows are highlighted.

    The table scrolls sideways inside its own box on a narrow phone instead of widening the page.
    """
    head = "".join(f'<th style="text-align:left;padding:3px 10px">{_esc(h)}</th>' for h in header)
    body = []
    for i, row in enumerate(rows):
        style = ' style="background:#fff3cd"' if i < len(marked) and marked[i] else ""
        cells = "".join(f'<td style="padding:3px 10px">{_esc(c)}</td>' for c in row)
        body.append(f"<tr{style}>{cells}</tr>")
    return (
        '<div style="max-width:100%;overflow-x:auto">'
        '<table class="wb-table" style="border-collapse:collapse;margin:4px 0">'
        f'<thead style="border-bottom:1px solid #999">{head}</thead><tbody>{"".join(body)}</tbody>'
        "</table></div>"
    )


def _note(text: str, background: str, colour: str) -> str:
    return (
        f"<div style='background:{background};color:{colour};padding:6px 10px;border-radius:4px;"
        f"margin-left:10px;max-width:760px'>{_esc(text)}</div>"
    )


def _text_width(text: str) -> float:
    """Rough width of ``text`` in em: a Chinese character is about 1 em, a Latin letter about 0.6."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in text)


def _wrap(text: str, width: int) -> str:
    # Chinese has no spaces: cut by characters; English wraps at words.
    if " " not in text:
        return "\n".join(text[i : i + width] for i in range(0, len(text), width))
    return textwrap.fill(text, width)


def _whole_number(value: object) -> object:
    # 4, 4.0, numpy.int64(4) and "4" all mean the scale point 4; anything else is left for the check.
    if isinstance(value, bool):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return value
    return int(number) if math.isfinite(number) and number.is_integer() else value


# ================================================================================ questionnaire form


class FormComponent(anywidget.AnyWidget):
    """The browser side of :class:`InstrumentForm`: one widget model for a whole questionnaire.

    ``spec`` (the questionnaire in the page's language, sent on building and on a language
    change), ``answers`` (``{item: value}``, ``{item: {part: value}}`` for paired items; the
    browser sets it), ``segment``, ``status`` (progress, prompt, missing items: the kernel sets
    it after every change) and ``error`` (the error box's HTML). "Submit" is the custom message
    ``{"event": "submit"}``.
    """

    _esm = STATIC / "instrument_form.js"
    spec = traitlets.Dict().tag(sync=True)
    answers = traitlets.Dict().tag(sync=True)
    segment = traitlets.Unicode(None, allow_none=True).tag(sync=True)
    status = traitlets.Dict().tag(sync=True)
    error = traitlets.Unicode("").tag(sync=True)


class _Slot:
    """Something with a ``value`` that writes into one trait of a widget (an error box in a component)."""

    def __init__(self, widget: traitlets.HasTraits, name: str):
        self._widget, self._name = widget, name

    @property
    def value(self) -> str:
        return getattr(self._widget, self._name)

    @value.setter
    def value(self, text: str) -> None:
        setattr(self._widget, self._name, text)


class InstrumentForm(_View):
    """A questionnaire form built from any instrument, grouped by dimension, drawn in the browser.

    Numeric scales are rows of number buttons (a 0–10 scale folds into two rows on a phone)
    with the scale's end labels above them and the chosen point's words below; choice scales
    are full-width buttons; text items a text box. Required items are marked with ``*``; a live
    progress line says "12 / 22 已作答"; a refused submit marks every unanswered required item in
    red, scrolls to the first one and says which numbers are missing; nothing entered is lost.

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
    on_stored : callable, optional
        Called without arguments once a submit was stored *and* the page says so (e.g. to drop
        that draft): whoever loses the page after this has seen the acknowledgement.
    language_switch : bool
        Show the form's own zh/en switch (an app with its own switch turns it off).

    Attributes
    ----------
    widget : the browser component (:class:`FormComponent`). items : ``{item_id: Item}``.
    progress, prompt : the progress line and the prompt (HTML) as the page shows them.
    key : the idempotency key of the last submit attempt.
    """

    def __init__(
        self,
        instrument: Instrument | str,
        lang: str | None = None,
        on_submit: Callable[[dict, str], object] | None = None,
        *,
        segment: str | None = None,
        on_change: Callable[[], object] | None = None,
        on_stored: Callable[[], object] | None = None,
        language_switch: bool = True,
    ):
        super().__init__(lang)
        self.instrument = instrument if isinstance(instrument, Instrument) else load_instrument(instrument)
        self.on_submit = on_submit
        self.on_change = on_change
        self.on_stored = on_stored
        self.language_switch = language_switch
        self.key: str | None = None
        self._key_snapshot: str | None = None
        self._state = "idle"  # what the prompt says: idle, no_segment, missing, ready, submitted
        self._refusals = 0  # counts refused submits: the browser scrolls to the first gap on each
        self._busy = False
        inst = self.instrument
        self.items: dict[str, Item] = {item.id: item for item in inst.items}
        self.numbers = {item.id: number for number, item in enumerate(inst.items, 1)}
        self._values: dict[str, object] = {}  # item → value or {part: value}, as given
        codes = [s.id for s in inst.segments or []]
        if segment is not None and segment not in codes:
            raise fail(inst.id, "widgets.unknown_segment", segment=segment, known=", ".join(codes))
        self.widget = FormComponent(segment=segment)
        self.errors = ErrorBox(self.lang, widget=_Slot(self.widget, "error"))
        self._syncing = False
        self.widget.observe(self._on_browser_answers, names="answers")
        self.widget.observe(self._on_browser_segment, names="segment")
        self.widget.on_msg(self._on_message)
        self.widget.spec = self._spec()
        self._render()

    # ------------------------------------------------------------------ what the browser draws
    def _parts(self, item: Item) -> list[str | None]:
        scale = self.instrument.scales[self.instrument.scale_of(item)]
        return [p.id for p in self.instrument.paired] if self.instrument.paired and scale.numeric else [None]

    def _options(self, item: Item) -> list[object]:
        scale = self.instrument.scales[self.instrument.scale_of(item)]
        if scale.type == "text":
            return []
        if scale.numeric:
            return list(range(scale.min, scale.max + 1))
        return [option.id for option in scale.options]

    def _spec(self) -> dict:
        """The questionnaire as plain data in the form's language (what the browser draws)."""
        inst, lang = self.instrument, self.lang
        names = {d.id: d for d in inst.dimensions}
        sections = []
        for dim_id in [d.id for d in inst.dimensions] + [None]:
            items = [self._item_spec(item) for item in inst.items if item.dimension == dim_id]
            if not items:
                continue
            about = names[dim_id].description if dim_id else None
            sections.append({
                "id": dim_id or "",
                "name": names[dim_id].name.get(lang) if dim_id else t("widgets.form.other_section", lang),
                "about": about.get(lang) if about else "",
                "items": items,
            })  # fmt: skip
        segment = None
        if inst.segments:
            options = [{"id": s.id, "name": s.name.get(lang)} for s in inst.segments]
            segment = {"label": t("widgets.form.segment", lang), "options": options}
        languages = None
        if self.language_switch:  # each language named in itself, so a reader of either finds their own
            languages = [{"code": code, "name": t(f"widgets.lang.{code}", code)} for code in i18n.LANGUAGES]
        return {
            "lang": lang, "title": inst.title.get(lang), "description": inst.description.get(lang),
            "legend": t("widgets.form.required_legend", lang), "sections": sections, "segment": segment,
            "submit": t("widgets.form.submit", lang),
            "submit_tooltip": t("widgets.form.submit_tooltip", lang),
            "missing_note": t("widgets.form.missing_note", lang), "languages": languages,
            "language_label": t("widgets.lang.label", lang),
        }  # fmt: skip

    def _item_spec(self, item: Item) -> dict:
        lang = self.lang
        scale = self.instrument.scales[self.instrument.scale_of(item)]
        spec = {"id": item.id, "number": self.numbers[item.id], "text": item.text.get(lang),
                "required": item.required, "kind": "scale" if scale.numeric else scale.type}  # fmt: skip
        if scale.type == "text":
            spec["placeholder"] = t("widgets.form.text_placeholder", lang)
            return spec
        if scale.numeric:
            words = {point: text.get(lang) for point, text in scale.labels.items()}
            spec["options"] = [{"value": v, "label": words.get(v, "")} for v in self._options(item)]
            spec["low"], spec["high"] = words.get(scale.min, ""), words.get(scale.max, "")
        else:
            spec["options"] = [{"value": o.id, "label": o.name.get(lang)} for o in scale.options]
        paired = {p.id: p.name.get(lang) for p in self.instrument.paired or []}
        parts = self._parts(item)
        spec["parts"] = [] if parts == [None] else [{"id": p, "name": paired[p]} for p in parts]
        return spec

    # ------------------------------------------------------------------ state
    @property
    def segment(self) -> str | None:
        """The chosen segment, or ``None`` (also for instruments without segments)."""
        return self.widget.segment or None

    @segment.setter
    def segment(self, code: str | None) -> None:
        codes = [s.id for s in self.instrument.segments or []]
        if code is not None and code not in codes:
            raise fail(self.instrument.id, "widgets.unknown_segment", segment=code, known=", ".join(codes))
        self.widget.segment = code  # the observer redraws

    def _applies(self, item: Item) -> bool:
        codes = item.applies_to
        return codes is None or self.segment is None or self.segment in codes

    def _active(self) -> list[Item]:
        return [item for item in self.instrument.items if self._applies(item)]

    def _answered(self, item: Item) -> bool:
        value = self._values.get(item.id)
        if self._parts(item) == [None]:
            return value is not None
        return isinstance(value, Mapping) and all(value.get(p) is not None for p in self._parts(item))

    @property
    def answers(self) -> dict[str, object]:
        """``{item_id: value}`` of the answered items that apply; ``{item_id: {part: value}}`` if paired."""
        return {item.id: self._values[item.id] for item in self._active() if item.id in self._values}

    def set_answers(self, answers: Mapping[str, object], *, key: str | None = None) -> None:
        """Fill in answers (``None`` clears one). Unknown items or off-scale values raise
        :class:`~workbook.errors.WorkbookInputError`; items not named are left as they are.

        ``key``: the idempotency key these answers were already submitted with (answers brought
        back after a reload); submitting them unchanged sends that key again, so the store keeps
        one row however often the submit is repeated.
        """
        unknown = [item for item in answers if item not in self.items]
        if unknown:
            raise fail(
                "answers",
                "widgets.unknown_item",
                item=", ".join(map(str, unknown)),
                known=", ".join(self.items),
            )
        values = dict(self._values)
        for item_id, value in answers.items():  # every value checked before any is kept
            cleaned = self._checked(self.items[item_id], value)
            if cleaned is None:
                values.pop(item_id, None)
            else:
                values[item_id] = cleaned
        self._values = values
        if key is not None:
            self.key = key
            self._key_snapshot = self._snapshot(self.answers)
        if self._state == "submitted":
            self._state = "idle"
        self._push_answers()
        self._render()

    def _checked(self, item: Item, value: object) -> object | None:
        """``value`` as kept for ``item``, or ``None`` for none; refuses what the scale does not offer."""
        parts = self._parts(item)
        if parts == [None]:
            return self._checked_part(item, value)
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise fail("answers", "widgets.paired_needs_parts", item=item.id, known=", ".join(parts))
        kept = dict(self._values.get(item.id) or {})
        for part, v in value.items():
            if part not in parts:
                raise fail("answers", "widgets.unknown_part", item=item.id, part=part, known=", ".join(parts))
            point = self._checked_part(item, v)
            if point is None:
                kept.pop(part, None)
            else:
                kept[part] = point
        return {p: kept[p] for p in parts if p in kept} or None

    def _checked_part(self, item: Item, value: object) -> object | None:
        scale = self.instrument.scales[self.instrument.scale_of(item)]
        if value is None:
            return None
        if scale.type == "text":
            text = str(value)
            return text if text.strip() else None
        allowed = self._options(item)
        if scale.numeric:
            value = _whole_number(value)
        if value not in allowed or isinstance(value, bool):
            raise fail(
                "answers",
                "widgets.bad_answer",
                item=item.id,
                value=value,
                allowed=", ".join(map(str, allowed)),
            )
        return value

    def missing(self) -> list[str]:
        """Ids of the required items that apply and are not fully answered, in questionnaire order."""
        return [item.id for item in self._active() if item.required and not self._answered(item)]

    def score(self) -> InstrumentResult:
        """Score the current answers with :func:`workbook.instruments.score` in the form's language."""
        return score(self.instrument, self.answers, segment=self.segment, lang=self.lang)

    # ------------------------------------------------------------------ from the browser
    def _push_answers(self) -> None:
        self._syncing = True  # our own write, not the person's
        try:
            self.widget.answers = {
                k: (dict(v) if isinstance(v, Mapping) else v) for k, v in self._values.items()
            }
        finally:
            self._syncing = False

    @safe_callback
    def _on_browser_answers(self, change) -> None:
        if self._syncing:
            return
        given = change["new"] if isinstance(change["new"], Mapping) else {}
        values = {}
        for item_id, value in given.items():  # what the page sends is checked like any other input
            item = self.items.get(item_id)
            if item is None:
                continue
            try:
                cleaned = (
                    self._checked(item, value) if self._parts(item) == [None] else self._paired(item, value)
                )
            except WorkbookInputError:
                LOG.warning("InstrumentForm: the page sent an answer the scale does not offer: %r", item_id)
                continue
            if cleaned is not None:
                values[item_id] = cleaned
        self._values = values
        if self._state == "submitted":
            self._state = "idle"  # the answers on screen are no longer the ones submitted
        self._render()
        self._changed()

    def _paired(self, item: Item, value: object) -> dict | None:
        # The page sends a paired item whole: parts it leaves out are not answered (not "kept").
        if not isinstance(value, Mapping):
            return None
        parts = self._parts(item)
        kept = {p: self._checked_part(item, value[p]) for p in parts if p in value}
        return {p: v for p, v in kept.items() if v is not None} or None

    @safe_callback
    def _on_browser_segment(self, _change) -> None:
        self._render()
        self._changed()

    @safe_callback
    def _on_message(self, _widget, content, _buffers) -> None:
        if not isinstance(content, Mapping):
            return
        if content.get("event") == "submit":
            self.submit()
        elif content.get("event") == "language" and content.get("lang") in i18n.LANGUAGES:
            self.relabel(content["lang"])

    def _changed(self) -> None:
        if self.on_change is not None:
            self.on_change()

    def relabel(self, lang: str) -> None:
        """Show every text in ``lang`` (``"zh"``/``"en"``); answers, progress and prompt state stay."""
        self.lang = i18n.normalize_language(lang)
        self.widget.spec = self._spec()
        self.errors.render(self.lang)
        self._render()

    @safe_callback
    def submit(self) -> bool:
        """Submit the form: ``True`` if ``on_submit`` ran, ``False`` if refused, ``None`` on an error.

        A form with unanswered required items (or no segment chosen when the instrument needs
        one) is refused; the prompt says which, the page marks them and every answer stays.
        """
        if self.instrument.segments and self.segment is None:
            self._state = "no_segment"
            self._refusals += 1
            self._render()
            return False
        if self.missing():
            self._state = "missing"
            self._refusals += 1
            self._render()
            return False
        answers = self.answers
        self.key = self._key_for(answers)
        if self.on_submit is not None:
            self._busy = True  # a second click while storing would only resend the same key
            self._render()
            try:
                self.on_submit(answers, self.key)
            except BaseException:
                self._busy = False
                self._render()
                raise
            self._busy = False
        self._state = "submitted"
        self._render()
        if self.on_stored is not None:
            self.on_stored()  # after the page said "submitted": messages reach the browser in order
        return True

    def submit_key(self) -> str:
        """The idempotency key the answers on screen will be submitted with: the last one while they
        are unchanged, a new one once any answer (or the segment) changed.

        Made before the submit, so a copy of the page kept elsewhere (the browser's draft) can
        carry it before the store is ever asked: a page reopened on another server then resends
        these answers with this key, and the store keeps them once even if the first submit was
        stored but never acknowledged.

        >>> form = InstrumentForm("pulse", lang="en", on_submit=lambda answers, key: None)
        >>> form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
        >>> key = form.submit_key(); _ = form.submit(); form.key == key == form.submit_key()
        True
        >>> form.set_answers({"csat": 5}); form.submit_key() != key
        True
        """
        return self._key_for(self.answers)

    def _key_for(self, answers: Mapping[str, object]) -> str:
        # Same answers (and segment) as the last attempt: a retry, so the same key; otherwise a new one.
        snapshot = self._snapshot(answers)
        if snapshot != self._key_snapshot or self.key is None:
            self.key, self._key_snapshot = new_key(), snapshot
        return self.key

    def _snapshot(self, answers: Mapping[str, object]) -> str:
        return json.dumps([self.segment, answers], sort_keys=True, default=str, ensure_ascii=False)

    # ------------------------------------------------------------------ drawing
    @property
    def progress(self) -> str:
        """The progress line, e.g. ``"3 / 5 已作答"``."""
        return self.widget.status.get("progress", "")

    @property
    def prompt(self) -> str:
        """The prompt beside the submit button (HTML), ``""`` when there is nothing to say."""
        return self.widget.status.get("prompt", "")

    def _render(self) -> None:
        lang = self.lang
        active = self._active()
        done = sum(self._answered(item) for item in active)
        sections = {}
        for dim_id in {item.dimension for item in self.instrument.items}:
            rows = [item for item in active if item.dimension == dim_id]
            sections[dim_id or ""] = t(
                "widgets.form.section_count", lang, done=sum(self._answered(i) for i in rows), total=len(rows)
            )
        missing = self.missing()
        prompt = self._prompt_html(missing)
        self.widget.status = {
            "progress": t("widgets.form.progress", lang, done=done, total=len(active)),
            "done": done, "total": len(active), "sections": sections,
            "hidden": [item.id for item in self.instrument.items if not self._applies(item)],
            "missing": missing, "highlight": self._state == "missing",
            "first_missing": missing[0] if missing and self._state == "missing" else None,
            "focus": self._refusals, "prompt": prompt, "busy": self._busy,
        }  # fmt: skip

    def _prompt_html(self, missing: list[str]) -> str:
        kind, lang = self._state, self.lang
        if kind == "no_segment" and self.segment is not None:
            kind = "missing"  # chosen now: what is left to answer is the next thing to say
        if kind in ("missing", "ready"):  # after a refused submit the prompt follows every answer
            kind = self._state = "missing" if missing else "ready"
        if kind == "missing":
            numbers = t("widgets.form.item_sep", lang).join(str(self.numbers[i]) for i in missing)
            return _note(
                t("widgets.form.missing", lang, n=len(missing), numbers=numbers), "#fff8e1", "#8a6d3b"
            )
        if kind == "no_segment":
            known = t("widgets.form.item_sep", lang).join(s.name.get(lang) for s in self.instrument.segments)
            return _note(t("widgets.form.segment_missing", lang, known=known), "#fff8e1", "#8a6d3b")
        if kind == "ready":
            return _note(t("widgets.form.ready", lang), "#eef6ff", "#31708f")
        if kind == "submitted":
            return _note(t("widgets.form.submitted", lang), "#edf7ed", "#2e6b30")
        return ""


# ============================================================================ the copy kept in the browser


class BrowserDraft(anywidget.AnyWidget):
    """A copy of what a person has entered, kept in their browser so that it outlives the kernel.

    The app sets :attr:`draft` (a JSON-able dict) whenever something is entered and empties it
    once the server has acknowledged; the browser keeps it in ``localStorage`` under
    :attr:`storage_key`. When a page opens and the browser holds a draft, it is handed to the
    new kernel as :attr:`restored`; the app puts the answers back (and re-sends a submit that
    was not acknowledged, with its idempotency key). While the page is open the browser pings
    the kernel every :attr:`heartbeat_ms`; when it stops answering (the kernel or the server
    died) the page shows :attr:`notice` and reopens itself as soon as the server answers. The
    pings are also what keeps the kernel alive: the server culls a kernel nobody pinged for a
    few minutes (:func:`workbook.serve.voila_config`), so a phone that died frees its kernel.

    Besides the draft, the browser keeps, for as long as it keeps anything:

    * :attr:`token`: this browser's random respondent token (made by the browser on its first
      visit). The app identifies the respondent by it; the typed name is only a label.
    * :attr:`lang`: the language last chosen, so a reload shows the page in it.

    and hands the page's own ``?code=`` (a link or QR code from the dashboard) as
    :attr:`url_code`. The widget shows nothing but the notice. Without a browser (tests, plain
    Python) it is an ordinary widget: set ``restored``, ``token``, ``url_code`` to play the
    browser's part.

    Example
    -------
    >>> keeper = BrowserDraft(storage_key="demo", notice="…")
    >>> keeper.draft = {"answers": {"csat": 4}}
    >>> keeper.restored, keeper.token
    ({}, '')
    """

    _esm = STATIC / "browser_draft.js"
    storage_key = traitlets.Unicode("").tag(sync=True)
    draft = traitlets.Dict().tag(sync=True)
    restored = traitlets.Dict().tag(sync=True)
    notice = traitlets.Unicode("").tag(sync=True)
    heartbeat_ms = traitlets.Int(4000).tag(sync=True)  # four missed answers in a row mean the kernel is gone
    token = traitlets.Unicode("").tag(sync=True)  # set by the browser
    url_code = traitlets.Unicode("").tag(sync=True)  # set by the browser from ?code=
    lang = traitlets.Unicode("").tag(sync=True)  # both ways: the browser's kept choice, the page's choice

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.on_msg(self._answer_ping)

    def _answer_ping(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("ping"):
            self.send({"pong": True})


# ================================================================================ result view


class ResultView(_View):
    """The result of a scored instrument: radar of the dimension scores, level badge, weakest
    dimensions, the improvement plan and, with several raters, how far apart they are.

    Everything is one HTML widget; the radar is SVG text that scales with the page, its labels
    always inside the picture. Names, band names and recommendations are shown as
    :func:`~workbook.instruments.score` returned them (score in the language you want to
    show); the view's own headings follow ``lang``. Call :meth:`show` with a new result.

    Attributes: ``widget`` (the page part); ``html`` (what it shows); ``header``, ``chart``
    (SVG), ``weakest``, ``plan``, ``spread`` (HTML strings, empty until a result is shown);
    ``result``.

    >>> view = ResultView(score("pulse", {"recommend": 9, "csat": 4, "ces": 6}, lang="en"), lang="en")
    >>> view.chart.startswith("<svg"), "Index 83.5" in view.header
    (True, True)
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
        self.header = _note(t("widgets.result.empty", self.lang), "#f5f5f5", "#555")
        self.chart = self.weakest = self.plan = self.spread = ""
        self.widget = w.HTML(self.header)
        self.errors = ErrorBox(self.lang, widget=_Slot(self, "_error_html"))
        self._error_html = ""
        if result is not None:
            self.show(result)

    @property
    def _error_html(self) -> str:
        return self.__dict__.get("_error", "")

    @_error_html.setter
    def _error_html(self, text: str) -> None:
        self.__dict__["_error"] = text
        if hasattr(self, "widget"):
            self._draw()

    @property
    def html(self) -> str:
        """The HTML the page shows."""
        return self.widget.value

    @safe_callback
    def show(self, result: InstrumentResult) -> None:
        """Show ``result`` (replaces what was shown)."""
        instrument = self._instrument_of(result)
        paired = bool(instrument and instrument.paired)
        self.header = self._header_html(result, instrument)
        self.chart = dimension_chart_svg(result, self.lang, paired=paired)
        self.weakest = self._weakest_html(result)
        self.plan = self._plan_html(result)
        self.spread = self._spread_html(result)
        self.result = result
        self._draw()

    def _draw(self) -> None:
        body = ""
        if self.chart:
            body = (
                "<div style='display:flex;flex-wrap:wrap;gap:8px 24px;align-items:flex-start'>"
                f"<div style='flex:1 1 300px;max-width:460px;min-width:0'>{self.chart}</div>"
                "<div style='flex:1 1 300px;max-width:520px;min-width:0'>"
                f"{self.weakest}{self.plan}</div></div>"
            )
        self.widget.value = (
            f"<div class='wb-result' style='max-width:100%;overflow-wrap:anywhere'>{self.header}{body}"
            f"{self.spread}{self._error_html}</div>"
        )

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
            f"border-radius:12px;font-weight:bold;margin-left:8px;white-space:nowrap'>"
            f"{_esc(result.level_name)}</span>"
        )
        index = t("widgets.result.index", self.lang, index=result.index)
        raters = t("widgets.result.respondents", self.lang, n=result.n_respondents)
        return (
            f"<div style='font-size:1.25em;margin:6px 0'><b>{_esc(index)}</b>{badge}"
            f"<span style='color:#777;font-size:0.8em;margin-left:10px'>{_esc(raters)}</span></div>"
            + _div(result.reason, "color:#555")
        )

    def _weakest_html(self, result: InstrumentResult) -> str:
        dims = {d.dimension: d for d in result.by_dimension}
        items = "".join(
            "<li>"
            + _esc(
                t(
                    "widgets.result.weakest_item",
                    self.lang,
                    name=dims[d].name,
                    score=dims[d].score,
                    band=dims[d].band_name,
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
            for row in result.plan_order
        )
        return _heading(t("widgets.result.plan", self.lang)) + f"<ol>{steps}</ol>"

    def _spread_html(self, result: InstrumentResult) -> str:
        if result.n_respondents < 2:
            return ""
        dims = result.by_dimension
        rows = [[d.name, f"{d.score:.1f}", f"{d.rater_sd:.1f}", f"{d.rater_range:.1f}"] for d in dims]
        header = [t(f"widgets.result.col_{c}", self.lang) for c in ("dimension", "score", "sd", "range")]
        marked = [d.rater_range >= SPREAD_WARN_POINTS for d in dims]
        note = t("widgets.result.spread_note", self.lang, limit=SPREAD_WARN_POINTS)
        return (
            _heading(t("widgets.result.spread", self.lang))
            + _html_table(header, rows, marked=marked)
            + _div(note, "color:#666")
        )


# ================================================================================ the radar as SVG


def dimension_chart_svg(result: InstrumentResult, lang: str, *, paired: bool = False) -> str:
    """Radar of the dimension scores (0–100) as SVG text; bars when there are fewer than three.

    The picture's box is computed from where the wrapped labels end, so no label is ever cut
    off, and the SVG scales to the width it is given (``width:100%``), a phone's included.
    Every text is escaped.

    >>> from workbook.instruments import score
    >>> svg = dimension_chart_svg(score("pulse", {"recommend": 9, "csat": 4, "ces": 6}, lang="en"), "en")
    >>> svg.count("<text") >= 3, "viewBox" in svg
    (True, True)
    """
    dims = [d for d in result.by_dimension if not math.isnan(d.score)]
    names = [str(d.name) for d in dims]
    scores = [d.score for d in dims]
    title = t("widgets.result.chart_title", lang)
    note = t("widgets.result.paired_ring", lang) if paired else ""
    if len(scores) < 3:
        return _bars_svg(names, scores, title, lang)
    return _radar_svg(names, scores, title, note, lang)


# A unit never cut in two: a Latin word or number, or one Chinese character; opening brackets
# stay with what follows them, closing ones and punctuation with what precedes them.
_UNIT = re.compile(r"[（(「“\[]*(?:[A-Za-z0-9.%/+\-]+|\S)[）)」”\]，、。：；,.:;]*|\s+")


def _lines(text: str, lang: str) -> list[str]:
    """``text`` in lines of at most about 6 em (Chinese) or 8.5 em (English), never mid-word.

    >>> _lines("推荐意愿（NPS）", "zh")
    ['推荐意愿', '（NPS）']
    """
    limit = 6.0 if lang == "zh" else 8.5
    lines, line = [], ""
    for unit in _UNIT.findall(text):
        if line.strip() and _text_width((line + unit).rstrip()) > limit:
            lines.append(line.strip())
            line = unit.lstrip()
        else:
            line += unit
    if line.strip():
        lines.append(line.strip())
    return lines or [text]


def _svg_text(x: float, y: float, lines: list[str], anchor: str, size: float, colour: str = "#222") -> str:
    spans = "".join(
        f'<tspan x="{x:.1f}" dy="{0 if i == 0 else size * 1.2:.1f}">{_esc(line)}</tspan>'
        for i, line in enumerate(lines)
    )
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" text-anchor="{anchor}" font-size="{size:.0f}" fill="{colour}">'
        f"{spans}</text>"
    )


def _svg(box: tuple[float, float, float, float], body: str, title: str) -> str:
    x0, y0, x1, y1 = box
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="{x0:.0f} {y0:.0f} {x1 - x0:.0f} {y1 - y0:.0f}" '
        'style="width:100%;height:auto;display:block;font-family:inherit" role="img" '
        f'aria-label="{_esc(title)}">{body}</svg>'
    )


def _radar_svg(names: list[str], scores: list[float], title: str, note: str, lang: str) -> str:
    size, radius = CHART_FONT_PX, CHART_RADIUS
    n = len(scores)
    angles = [2 * math.pi * i / n for i in range(n)]  # clockwise from the top, like a clock face
    point = lambda a, r: (r * math.sin(a), -r * math.cos(a))  # noqa: E731
    parts = []
    for level in (20, 40, 60, 80, 100):  # the grid
        ring = " ".join(f"{x:.1f},{y:.1f}" for x, y in (point(a, radius * level / 100) for a in angles))
        parts.append(f'<polygon points="{ring}" fill="none" stroke="#ddd" stroke-width="1"/>')
    for a in angles:
        x, y = point(a, radius)
        parts.append(f'<line x1="0" y1="0" x2="{x:.1f}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>')
    if note:  # on a gap scale 50 means perception = expectation
        parts.append(f'<circle r="{radius / 2:.1f}" fill="none" stroke="#c0392b" stroke-dasharray="4 3"/>')
    shape = " ".join(
        f"{x:.1f},{y:.1f}"
        for x, y in (point(a, radius * s / 100) for a, s in zip(angles, scores, strict=True))
    )
    parts.append(
        f'<polygon points="{shape}" fill="#2e86c1" fill-opacity="0.25" stroke="#2e86c1" stroke-width="2"/>'
    )
    x0, x1, y0, y1 = -radius, radius, -radius, radius
    for a, name, value in zip(angles, names, scores, strict=True):
        vx, vy = point(a, radius * value / 100)
        parts.append(_svg_text(vx, vy - 6, [f"{value:.0f}"], "middle", size - 2, "#1b4f72"))
        lines = _lines(name, lang)
        lx, ly = point(a, radius + 12)
        sin = math.sin(a)
        anchor = "middle" if abs(sin) < 0.3 else ("start" if sin > 0 else "end")
        height = size * 1.2 * len(lines)
        top = (
            ly - height / 2 + size * 0.8
            if abs(math.cos(a)) < 0.7
            else (ly - height + size if math.cos(a) > 0 else ly + size)
        )
        parts.append(_svg_text(lx, top, lines, anchor, size))
        width = max(_text_width(line) for line in lines) * size
        left = {"start": lx, "middle": lx - width / 2, "end": lx - width}[anchor]
        x0, x1 = min(x0, left), max(x1, left + width)
        y0, y1 = min(y0, top - size), max(y1, top - size + height)
    header = [title] + ([note] if note else [])
    y0 -= 8 + size * 1.3 * len(header)
    for i, line in enumerate(header):
        parts.append(_svg_text(0, y0 + size * 1.3 * (i + 1), [line], "middle", size if i == 0 else size - 2))
    half = max(-x0, x1, _text_width(title) * size / 2) + 6
    return _svg((-half, y0 - 4, half, y1 + 8), "".join(parts), title)


def _bars_svg(names: list[str], scores: list[float], title: str, lang: str) -> str:
    size, width = CHART_FONT_PX, 220
    label_lines = [_lines(name, lang) for name in names]
    label_width = max([_text_width(line) for lines in label_lines for line in lines] + [1]) * size + 8
    parts, y = [_svg_text(0, size, [title], "start", size)], size * 2
    for lines, value in zip(label_lines, scores, strict=True):
        row = max(len(lines) * size * 1.2, 22)
        parts.append(_svg_text(label_width - 8, y + size, lines, "end", size))
        parts.append(
            f'<rect x="{label_width:.0f}" y="{y:.0f}" width="{width * value / 100:.1f}" '
            'height="18" fill="#3498db"/>'
        )
        parts.append(
            _svg_text(label_width + width * value / 100 + 4, y + size, [f"{value:.0f}"], "start", size - 2)
        )
        y += row + 8
    return _svg(
        (0, 0, max(label_width + width + 40, _text_width(title) * size + 8), y), "".join(parts), title
    )
