"""Interactive widgets built from the workbook's functions: questionnaire forms, result views, explorers.

Everything here is presentation: answers go to :func:`workbook.instruments.score`, weights to
:mod:`workbook.value_matrix`, counts to :func:`workbook.satisfaction.nps` and thresholds to
:func:`workbook.operations.risk_signals`; no formula is re-implemented. Each view is a small
class with a ``widget`` attribute (the root widget to display) and plain attributes that tests
and apps read, so every view can be driven without a browser: set a control's ``.value``, call
``.click()`` or the public method, then read the HTML, the numbers or the PNG bytes.

The questionnaire form, its result view and the browser-kept draft live in :mod:`workbook.form`
(light enough for one kernel per trainee) and are re-exported here.

Rules every view follows, because they are what keeps a classroom app alive under Voilà:

* charts travel as PNG bytes in an ``ipywidgets.Image`` (or as SVG text); nothing is written
  into an ``Output`` widget (doing that while a page first renders can hang the page);
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
>>> from workbook.widgets import NpsCalculator
>>> NpsCalculator(50, 30, 20, lang="en").nps
30.0
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import anywidget
import ipywidgets as w
import numpy as np
import pandas as pd
import traitlets

from workbook import classify, operations, plots
from workbook import satisfaction as sat
from workbook import value_matrix as vm
from workbook.form import (  # noqa: F401  (re-exported: the form's public names and shared helpers)
    LOG,
    SPREAD_WARN_POINTS,
    BrowserDraft,
    ErrorBox,
    InstrumentForm,
    ResultView,
    _div,
    _esc,
    _heading,
    _html_table,
    _note,
    _text_width,
    _View,
    _wrap,
    safe_callback,
)
from workbook.i18n import label, t

# ---------------------------------------------------------------- defaults, in one place

SMALL_NPS_SAMPLE = 100  # below this many answers the NPS calculator warns how wide the interval is
MEMBERS_SHOWN = 20  # customers listed for a picked RFM segment (highest spend first)
# Slider range and step per risk signal, in the signal's own unit (see operations.DEFAULT_RISK_THRESHOLDS).
RISK_SLIDERS: Mapping[str, tuple[float, float, float]] = {
    "overdue_days": (0, 365, 5),
    "overdue_amount": (0, 200_000, 1_000),
    "legal_overdue": (0, 365, 5),
    "recency_jump": (0, 10, 0.1),
    "frequency_drop": (0, 100, 5),
    "satisfaction_drop": (0, 4, 1),
}
LABEL_WIDTH = "15em"  # width of the text in front of a slider: long Chinese names must not be cut

__all__ = [
    "BrowserDraft",
    "ErrorBox",
    "InstrumentForm",
    "NpsCalculator",
    "ResultView",
    "RfmSegmentMap",
    "RiskThresholdTuner",
    "ValueMatrixExplorer",
    "safe_callback",
]


# ================================================================================ small helpers


def _labelled(text: str, control: w.Widget) -> tuple[w.HTML, w.HBox]:
    """A control with a fixed-width text in front: long Chinese names are wrapped, never cut off."""
    caption = w.HTML(_esc(text), layout=w.Layout(width=LABEL_WIDTH, min_width=LABEL_WIDTH))
    return caption, w.HBox([caption, control], layout=w.Layout(align_items="center"))


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
        self.dimensions = tuple(self.normalized.columns)  # the five, or an order ledger's three
        self.potential = self._y_axis(customers)
        start = vm.validate_weights(weights or vm.default_weights(self.dimensions), self.dimensions)
        self.sliders = {
            d: w.FloatSlider(
                value=round(float(start[d]), 2),
                min=0,
                max=1,
                step=0.05,
                continuous_update=False,
                readout_format=".2f",
            )
            for d in self.dimensions
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

    def _y_axis(self, customers: pd.DataFrame) -> pd.Series:
        """The chart's vertical axis (0–100): the untapped potential, or for an order ledger,
        which has none, the average order value (revenue ÷ orders), both as percentiles."""
        if self.dimensions == vm.DIMENSIONS:
            return vm.current_potential(customers)["potential_value"]
        return 100 * vm.normalize(vm.frequency_spend_quadrants(customers)["avg_spend"], "percentile")

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
            vm.validate_weights({**self.weights, **weights}, self.dimensions)
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
        # Bad or all-zero weights raise here, and the error box says why.
        weights = vm.validate_weights(self.weights, self.dimensions)
        self.scores = vm.rescore(self.normalized, self.weights)
        self.tiers = vm.tier(self.scores, self.thresholds)
        self.counts = self.tiers.value_counts().reindex(list(vm.TIERS), fill_value=0)
        codes, start = self.tiers.cat.codes.to_numpy(), self.start_tiers.cat.codes.to_numpy()
        up, down = int((codes > start).sum()), int((codes < start).sum())
        self.changed = up + down
        shares = " · ".join(f"{label('vm_dimension', d, self.lang)} {weights[d]:.0%}" for d in weights.index)
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
        points = pd.DataFrame({"score": self.scores, "potential": self.potential, "value_tier": self.tiers})
        suffix = "" if self.dimensions == vm.DIMENSIONS else "_order_value"  # a ledger's axis (_y_axis)
        counts = self.tiers.value_counts()
        names = {tier: f"{label('value_tier', tier, self.lang)} ({int(n)})" for tier, n in counts.items()}
        ax = plots.tier_scatter(
            points,
            "score",
            "potential",
            cuts=self.thresholds,
            names=names,
            title=t(f"widgets.vm.chart_title{suffix}", self.lang),
            xlabel=t("widgets.vm.x_axis", self.lang),
            ylabel=t(f"widgets.vm.y_axis{suffix}", self.lang),
        )
        return plots.to_png(ax)


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
        cells = self._cells.drop_duplicates(["r_score", "f_score", "segment"])
        owners = cells.groupby(["r_score", "f_score"])["segment"].agg(lambda codes: sorted(map(str, codes)))
        width = 7 if self.lang == "zh" else 12
        texts = pd.DataFrame(
            [
                [
                    _wrap(label("rfm_segment", owners[(r, f)][0], self.lang), width)
                    if len(owners.get((r, f), [])) == 1
                    else ""
                    for f in self.grid.columns
                ]
                for r in self.grid.index
            ],
            index=self.grid.index,
            columns=self.grid.columns,
        )
        marked = [cell for cell, codes in owners.items() if segment is not None and segment in codes]
        ax = plots.rfm_grid(
            self.grid,
            texts,
            marked,
            title=t("widgets.rfm.chart_title", self.lang),
            xlabel=t("widgets.rfm.x_axis", self.lang),
            ylabel=t("widgets.rfm.y_axis", self.lang),
        )
        return plots.to_png(ax)


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
