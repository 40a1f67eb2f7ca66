"""Charts for the course and the apps, with Chinese text that renders on any machine.

Call :func:`setup` once (the notebooks and apps do) before drawing: it applies the
workbook's seaborn theme and a font list in which Chinese glyphs always exist. A full
system CJK font is preferred when the machine has one (Windows, macOS and most Linux
desktops do); otherwise the small Noto Sans subset shipped in ``workbook/fonts`` is
used, so a fresh machine shows Chinese, not empty boxes.

The charts below it follow seaborn's public functions: a tidy DataFrame in, column names as
keywords, ``ax=None``, the matplotlib ``Axes`` out. Titles, axis names and legends come from
the catalogue (``plots.*``) in the active language, category codes are shown through
:func:`workbook.i18n.label`, colours are colour-blind safe. Apps send a chart to the page
as PNG bytes with :func:`to_png` (into an ``ipywidgets.Image``).

Example
-------
>>> from workbook import plots
>>> plots.setup()  # doctest: +ELLIPSIS
[...'Noto Sans SC Workbook'...]
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import cache, wraps
from pathlib import Path
from types import MappingProxyType

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from workbook import i18n, satisfaction
from workbook.classify import DEFAULT_ABC_CUTOFFS, LEVELS, VALUE_TIERS, value_tier_abc
from workbook.errors import Problem, WorkbookInputError, fail
from workbook.operations import RISK_LEVELS
from workbook.satisfaction import DEFAULT_SERVQUAL_DIMENSIONS, IPA_QUADRANTS
from workbook.value_matrix import FS_QUADRANTS, QUADRANTS

SHIPPED_FONT = Path(__file__).with_name("fonts") / "NotoSansSC-Workbook-Regular.otf"
SHIPPED_FAMILY = "Noto Sans SC Workbook"

# Full CJK fonts commonly found on trainers' machines, best first. Matplotlib falls back
# glyph by glyph along the list, so the shipped subset catches whatever these lack.
SYSTEM_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "WenQuanYi Micro Hei",
    "SimHei",
)


@cache
def chinese_font_families() -> list[str]:
    """Font families to use, in order: installed full CJK fonts, then the shipped subset, then DejaVu Sans.

    The shipped font is registered with matplotlib on first call.
    """
    font_manager.fontManager.addfont(str(SHIPPED_FONT))
    installed = {f.name for f in font_manager.fontManager.ttflist}
    system = [name for name in SYSTEM_CJK_FAMILIES if name in installed]
    return [*system, SHIPPED_FAMILY, "DejaVu Sans"]


def setup(context: str = "notebook", font_scale: float = 1.0) -> list[str]:
    """Apply the workbook's chart style with Chinese-capable fonts; returns the font list used.

    ``context`` and ``font_scale`` are seaborn's (use ``"talk"`` or a larger scale on a
    projector). Safe to call again, e.g. after another library changed the style.
    """
    import seaborn as sns  # the notebooks' global theme; apps never call this

    families = chinese_font_families()
    sns.set_theme(
        context=context,
        style="whitegrid",
        palette="deep",
        font_scale=font_scale,
        rc={
            "font.family": "sans-serif",
            "font.sans-serif": families,
            # The ASCII hyphen stands in for U+2212 so negative ticks never depend on the font.
            "axes.unicode_minus": False,
            "figure.dpi": 100,
            "savefig.dpi": 150,
            "savefig.bbox": "tight",
            **LITERAL_TEXT,  # user text in the course's own charts is shown as typed too
        },
    )
    return list(mpl.rcParams["font.sans-serif"])


# ==================================================================================================
# Charts
#
# One function per chart, seaborn-style: a tidy DataFrame in, column names as keywords, ``ax=None``
# (a new figure when omitted), the matplotlib ``Axes`` out, never ``plt.show()``. Every title, axis
# name and legend text comes from the catalogue (``plots.*``) or from the caller; category codes are
# shown through :func:`workbook.i18n.label`. Apps turn a chart into PNG bytes with :func:`to_png`.
# ==================================================================================================

Names = str | Sequence[str] | Mapping[object, str] | None
"""How category codes are displayed: a catalogue group (``"level"`` → ``label("level", code)``), several
groups tried in turn (``("level", "migration")``) or a mapping code → text (``{}``: codes as they are).
``None``, the usual default, takes the column's own name as the group, so a ``risk_level`` column shows
``label("risk_level", code)``; codes without a catalogue entry are shown as they are."""

# Okabe & Ito's colour-blind-safe qualitative palette (Okabe & Ito 2008), yellow moved last because it
# is hard to read on white.
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442")
POSITIVE, NEGATIVE, NEUTRAL = "#0072B2", "#D55E00", "#BBBBBB"
# Ordered categories (the ladder, value tiers) take colours along viridis, light (lowest) to dark (highest):
# lightness alone shows the order, so it reads without colour vision; the bright yellow end is left out.
SEQUENTIAL = ("viridis_r", 0.12, 0.95)
# Traffic lights that also differ in lightness (amber light, green middle, red dark) for red–green blindness.
RISK_COLOURS = {"green": "#1B9E77", "amber": "#F2B701", "red": "#B2182B", "not_assessed": NEUTRAL}
FIXED_COLOURS: dict[str, dict[str, str]] = {
    "risk_level": RISK_COLOURS,
    "nps": {"detractors": NEGATIVE, "passives": NEUTRAL, "promoters": POSITIVE},
    "ipa": {
        "keep_up_good_work": POSITIVE,
        "concentrate_here": NEGATIVE,
        "low_priority": "#888888",
        "possible_overkill": "#CC79A7",
    },
}
# Display order of the category groups the scoring modules produce; groups that are ordered scales
# (low → high) also get the sequential ramp.
ORDERED_GROUPS: dict[str, tuple[str, ...]] = {
    "level": LEVELS,
    "value_tier": VALUE_TIERS,
    "risk_level": RISK_LEVELS,
    "nps": ("detractors", "passives", "promoters"),
}
GROUP_ORDERS: dict[str, tuple[str, ...]] = {
    **ORDERED_GROUPS,
    "quadrant": QUADRANTS,
    "fs_quadrant": FS_QUADRANTS,
    "servqual": DEFAULT_SERVQUAL_DIMENSIONS,
    "ipa": IPA_QUADRANTS,
    "touchpoint": ("sales", "delivery", "after_sales", "billing"),  # the journey's order (data.TOUCHPOINTS)
    "company_size": ("large", "medium", "small"),
}
# Which quadrant sits in which corner of the two-axis maps (x to the right, y upwards).
DEFAULT_QUADRANT_CORNERS = {
    "upper right": "strategic",
    "lower right": "core",
    "upper left": "growth",
    "lower left": "basic",
}
DEFAULT_IPA_CORNERS = {
    "upper right": "keep_up_good_work",
    "lower right": "concentrate_here",
    "lower left": "low_priority",
    "upper left": "possible_overkill",
}
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Text is shown as typed: team, account and company names come from trainees, and matplotlib would
# read "$...$" as mathtext (a name like "$\\foo$" made every dashboard refresh fail) or hand text
# to LaTeX with usetex. Part of every chart's style, of setup(), and of the widgets' charts.
LITERAL_TEXT = MappingProxyType({"text.parse_math": False, "text.usetex": False})
# seaborn's "whitegrid" axes style, written out: importing seaborn (and with it scipy.stats) would
# add ~100 MB to every classroom app's kernel just to draw with this look.
WHITEGRID = MappingProxyType({
    "figure.facecolor": "white", "axes.facecolor": "white", "axes.edgecolor": ".8", "axes.grid": True,
    "axes.axisbelow": True, "axes.labelcolor": ".15", "text.color": ".15", "grid.color": ".8",
    "grid.linestyle": "-", "lines.solid_capstyle": "round", "patch.edgecolor": "w",
    "patch.force_edgecolor": True,
    "xtick.direction": "out", "ytick.direction": "out", "xtick.color": ".15", "ytick.color": ".15",
    "xtick.top": False, "ytick.right": False, "xtick.bottom": False, "ytick.left": False,
    "axes.spines.left": True, "axes.spines.bottom": True, "axes.spines.right": True, "axes.spines.top": True,
})  # fmt: skip


@dataclass(frozen=True)
class ChartDefaults:
    """Documented defaults of the charts (sizes in inches, text widths in em ≈ one Chinese character)."""

    figsize: Mapping[str, tuple[float, float]] = field(
        default_factory=lambda: MappingProxyType(
            {
                "radar": (6.4, 5.6),
                "radar_legend": (8.0, 6.0),
                "map": (7.0, 6.0),
                "bars": (7.0, 4.5),
                "pareto": (7.0, 4.8),
                "distribution": (7.0, 4.5),
                "empty": (6.0, 4.0),
                "tier_scatter": (6.2, 4.4),
                "rfm_grid": (6.0, 5.0),
                "touchpoint_bars": (8.5, 4.0),
                "paired_barh": (10.0, 4.2),
                "labelled_points": (6.5, 4.8),
            }
        )
    )
    row_height: float = 0.55  # inches per bar of the horizontal bar charts
    cell_size: tuple[float, float] = (1.15, 0.6)  # inches per heatmap column and row
    dpi: int = 110  # PNG resolution for apps: sharp on a projector, small over the network
    tick_wrap: float = 7.0  # category names wider than this wrap onto a second line
    radar_wrap: float = 8.0
    corner_wrap: float = 9.0
    scale_steps: int = 5  # rings of a radar chart
    bins: int = 20
    min_box: int = 5  # fewer values show as points: a box drawn from 1–4 values invents a spread
    percent_in_bar: float = 7.0  # shares below this (in %) are too thin to be written inside a bar
    max_points_labelled: int = 40  # the IPA map names at most this many points


DEFAULTS = ChartDefaults()
_CORNER_XY = {
    "upper right": (0.98, 0.98, "right", "top"),
    "lower right": (0.98, 0.02, "right", "bottom"),
    "upper left": (0.02, 0.98, "left", "top"),
    "lower left": (0.02, 0.02, "left", "bottom"),
}


# ---------------------------------------------------------------- style, figures, PNG


def _style() -> AbstractContextManager:
    """The workbook's look for the duration of a drawing, without touching the user's global settings.

    The font list goes into ``font.family`` itself (not only ``font.sans-serif``): each text
    keeps the family it was created with, so Chinese renders even where :func:`setup` was never
    called and the figure is drawn later by another backend.
    """
    rc = {**WHITEGRID, **LITERAL_TEXT, "font.family": chinese_font_families(), "axes.unicode_minus": False}
    return mpl.rc_context(rc)


def _chart(func):
    """Draw ``func`` in :func:`_style`; close a figure it opened if drawing fails, so errors leak nothing."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        before = set(plt.get_fignums())
        try:
            with _style():
                ax = func(*args, **kwargs)
            _chinese_fonts(ax)
            return ax
        except BaseException:
            for number in set(plt.get_fignums()) - before:
                plt.close(number)
            raise

    return wrapper


def _chinese_fonts(ax: Axes) -> None:
    """Give every text of the axes the workbook's font list, and show it as typed (no mathtext).

    Texts a chart creates get both from :func:`_style`; this reaches the ones that already existed
    on an ``ax`` the caller made elsewhere (title, axis names, tick labels).
    """
    families = chinese_font_families()
    for text in ax.get_figure(root=True).findobj(Text):
        text.set_fontfamily(families)
        text.set_parse_math(False)


def _axes(ax: Axes | None, figsize: tuple[float, float], polar: bool = False) -> Axes:
    if ax is not None:
        return ax
    _, new = plt.subplots(
        figsize=figsize, layout="constrained", subplot_kw={"projection": "polar"} if polar else None
    )
    return new


def to_png(fig_or_ax: Figure | Axes, dpi: int = DEFAULTS.dpi) -> bytes:
    """Render a chart to PNG bytes and close its figure: what an ``ipywidgets.Image`` shows.

    Apps send charts this way because writing a figure into an ``Output`` widget during the
    first render can hang a Voilà page. Closing the figure keeps a long-running kernel from
    collecting figures and stops the notebook backend from displaying it a second time.

    Parameters
    ----------
    fig_or_ax : Figure or Axes
        What a chart function returned (the whole figure is rendered).
    dpi : int
        Dots per inch; the default (110) is sharp on a projector and small over the network.

    Examples
    --------
    >>> import pandas as pd
    >>> ax = level_bars(pd.DataFrame({"level": ["active", "loyal", "loyal"]}))
    >>> to_png(ax)[:8] == PNG_SIGNATURE
    True
    """
    figure = fig_or_ax.get_figure(root=True)
    buffer = io.BytesIO()
    try:
        with _style():
            figure.savefig(buffer, format="png", dpi=dpi, bbox_inches="tight", facecolor="white")
    finally:
        plt.close(figure)
    return buffer.getvalue()


# ---------------------------------------------------------------- texts, categories, colours


def _em(text: str) -> float:
    """Rough width in em: a Chinese character ≈ 1 em, a Latin letter or digit ≈ 0.6 em."""
    return sum(1.0 if ord(ch) > 0x2E80 else 0.6 for ch in text)


_NO_LINE_START = set("、，。）：；！？」』”’%")


def _wrap(text: str, width: float) -> str:
    """Break ``text`` into lines about ``width`` em wide: English at spaces, Chinese anywhere,
    preferably before a bracketed explanation such as ``战略客户（当前价值高、潜力高）``."""
    if _em(text) <= width or "\n" in text:
        return text
    for bracket in ("（", " ("):
        head, found, tail = text.partition(bracket)
        if found and head:
            return _wrap(head, width) + "\n" + _wrap(found.strip() + tail, width)
    if not any(0x3400 <= ord(ch) <= 0x9FFF for ch in text):  # no Chinese (full-width brackets may be)
        return textwrap.fill(text, max(int(width / 0.6), 8), break_long_words=False)
    # Balanced lines ("数据应用与\n客户洞察", not "数据应用与客户\n洞察"): as many as needed, equally long.
    per_line = -(-len(text) // -(-int(_em(text)) // int(width)))
    lines = [text[i : i + per_line] for i in range(0, len(text), per_line)]
    for i in range(1, len(lines)):  # a line never starts with closing punctuation (Chinese typesetting)
        while lines[i] and lines[i][0] in _NO_LINE_START:
            lines[i - 1], lines[i] = lines[i - 1] + lines[i][0], lines[i][1:]
    return "\n".join(line.strip() for line in lines if line.strip())


def _axis_name(column: object) -> str:
    """Default axis / legend name of a column: ``plots.axis.<column>`` or the column name itself."""
    return i18n.label("plots.axis", column)


def _display(codes: Iterable, names: Names) -> list[str]:
    """Display texts of category codes according to ``names`` (see :data:`Names`)."""
    codes = list(codes)
    if names is None:
        return [str(code) for code in codes]
    if isinstance(names, Mapping):
        return [str(names.get(code, code)) for code in codes]
    groups = (names,) if isinstance(names, str) else tuple(names)
    catalogue = i18n.catalogue()
    shown = []
    for code in codes:
        key = next((f"{group}.{code}" for group in groups if f"{group}.{code}" in catalogue), None)
        shown.append(i18n.t(key) if key else str(code))
    return shown


def _own(names: Names, column) -> Names:
    """``names``, or when it is ``None`` the column's own name as the catalogue group (see :data:`Names`)."""
    return names if names is not None or column is None else str(column)


def _ticks(codes: Iterable, names: Names) -> list[str]:
    """Display texts of codes for tick labels, long ones wrapped."""
    return [_wrap(text, DEFAULTS.tick_wrap) for text in _display(codes, names)]


def _group(names: Names) -> str | None:
    """The catalogue group that decides order and colours (the first one named)."""
    if isinstance(names, str):
        return names
    if names is None or isinstance(names, Mapping):
        return None
    return next(iter(names), None)


def _categories(values: pd.Series, order: Sequence | None, names: Names, keep_empty: bool = False) -> list:
    """Codes to draw, in display order.

    An explicit ``order`` wins; then the categories of a categorical column; then the known order
    of the ``names`` group (e.g. the ladder for ``"level"``), with unknown codes after it; else
    the order of first appearance (as seaborn does). ``keep_empty`` keeps known codes that do
    not occur (a ladder shows all five levels, an empty one as zero).
    """
    if order is not None:
        return list(order)
    present = pd.unique(values.dropna())
    if isinstance(values.dtype, pd.CategoricalDtype):
        known = list(values.cat.categories)
    else:
        known = list(GROUP_ORDERS.get(_group(names) or "", ()))
    listed = set(known)
    extra = [code for code in present if code not in listed]
    if not keep_empty:
        seen = set(present)
        known = [code for code in known if code in seen]
    return known + extra


def _colours(codes: Sequence, names: Names, palette=None) -> list:
    """One colour per code: the caller's ``palette`` (mapping, list or seaborn palette name), else the
    fixed colours of a group (risk levels, NPS groups, IPA quadrants), else a light-to-dark ramp for an
    ordered group placed by each code's rank, else the Okabe–Ito cycle."""
    n = len(codes)
    if isinstance(palette, Mapping):
        return [palette.get(code, NEUTRAL) for code in codes]
    if isinstance(palette, str):
        import seaborn as sns  # only for a named palette: seaborn pulls in scipy.stats

        return list(sns.color_palette(palette, n))
    if palette is not None:
        return [palette[i % len(palette)] for i in range(n)]
    group = _group(names) or ""
    if group in FIXED_COLOURS:
        return [FIXED_COLOURS[group].get(code, NEUTRAL) for code in codes]
    if group in ORDERED_GROUPS:
        ramp = ordered_colours(group)
        return [ramp.get(code, NEUTRAL) for code in codes]
    return [PALETTE[i % len(PALETTE)] for i in range(n)]


def ordered_colours(group: str) -> dict[str, str]:
    """The colour of each code of an ordered group, light (lowest) to dark (highest), as hex strings.

    The ramp of :data:`SEQUENTIAL` (viridis without its yellow end): lightness alone shows the
    order, so it reads without colour vision. ``group`` is a key of :data:`ORDERED_GROUPS`.

    >>> list(ordered_colours("value_tier"))  # low → high
    ['low', 'mid', 'high']
    """
    scale = ORDERED_GROUPS[group]
    name, start, stop = SEQUENTIAL
    shades = mpl.colormaps[name](np.linspace(start, stop, len(scale)))
    return {code: mpl.colors.to_hex(shade) for code, shade in zip(scale, shades, strict=True)}


def _title(ax: Axes, text: str, pad: float | None = None) -> None:
    """Set a title wrapped to the width of the axes, so it is never cut off at the figure edge."""
    size = font_manager.FontProperties(size=mpl.rcParams["axes.titlesize"]).get_size_in_points()
    width_em = ax.get_position().width * ax.get_figure(root=True).get_figwidth() * 72 / size
    ax.set_title(_wrap(text, max(width_em * 1.1, 12.0)), pad=pad)


def _legend(ax: Axes, title: str | None) -> None:
    """Legend outside, right of the axes: it never hides data."""
    ax.legend(title=title, loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False)


# ---------------------------------------------------------------- input checks


def _require(data: pd.DataFrame, columns: Iterable, source: str) -> None:
    """Every named column exists: else one error listing all missing ones and the columns there are."""
    missing = [c for c in columns if c is not None and c not in data.columns]
    if missing:
        there = ", ".join(map(str, data.columns)) or "—"
        raise WorkbookInputError(
            source,
            [
                Problem("plots.error.missing_column", column=str(c), params={"columns": there})
                for c in missing
            ],
        )


def _numbers(data: pd.DataFrame, column: str, source: str) -> pd.Series:
    """The column as float64; text that is not a number is an error (blanks are allowed and dropped later)."""
    raw = data[column]
    values = pd.to_numeric(raw, errors="coerce").astype("float64")
    bad = values.isna() & raw.notna()
    if bad.any():
        shown = ", ".join(map(str, pd.unique(raw[bad])[:5]))
        raise WorkbookInputError(
            source,
            [
                Problem(
                    "plots.error.not_numeric",
                    column=str(column),
                    rows=tuple(raw.index[bad][:5]),
                    n_rows=int(bad.sum()),
                    params={"values": shown},
                )
            ],
        )
    return values


def _check_option(value, allowed: Sequence[str], option: str, source: str) -> None:
    if value not in allowed:
        raise fail(
            source, "plots.error.bad_option", option=option, value=repr(value), allowed=", ".join(allowed)
        )


def _empty(ax: Axes | None, title: str) -> Axes:
    """An empty chart that says there is nothing to show yet (a class before anyone has submitted)."""
    ax = _axes(ax, DEFAULTS.figsize["empty"])
    ax.set_axis_off()
    ax.text(
        0.5,
        0.5,
        i18n.t("plots.no_data"),
        ha="center",
        va="center",
        color="#666666",
        transform=ax.transAxes,
        fontsize="large",
    )
    _title(ax, title)
    return ax


# ---------------------------------------------------------------- radar


@_chart
def radar(
    data: pd.DataFrame,
    axis: str = "dimension",
    value: str = "score",
    hue: str | None = None,
    scale: tuple[float, float] = (0, 100),
    title: str | None = None,
    *,
    order: Sequence | None = None,
    names: Names = None,
    hue_order: Sequence | None = None,
    hue_names: Names = None,
    palette=None,
    fill: bool = True,
    ax: Axes | None = None,
) -> Axes:
    """Radar (spider) chart of a self-assessment: one polygon per team or rater over the dimensions.

    Each polygon joins the scores of one ``hue`` group around the circle, first dimension at
    the top, clockwise. Several rows for the same group and dimension (several raters of one
    team) are averaged. A missing score leaves a gap in its polygon instead of a guess.

    Parameters
    ----------
    data : DataFrame
        Long form: one row per (group,) dimension and score.
    axis, value : str
        Columns of the dimension codes and of the scores (units of ``scale``).
    hue : str, optional
        Column of the teams / raters; one polygon each (``None``: a single polygon).
    scale : (low, high)
        The score range, the centre and the rim of the chart (default 0–100); scores outside
        it are an input error.
    title : str, optional
        Default ``plots.radar.title``.
    order, hue_order : sequence, optional
        Dimensions (clockwise) and groups to draw, in order.
    names, hue_names : str, sequence, mapping or None
        How codes are shown (see :data:`Names`), e.g. ``names="servqual"``.
    palette : mapping, list or seaborn palette name, optional
    fill : bool
        Shade each polygon lightly.
    ax : polar Axes, optional

    Returns
    -------
    Axes (polar)

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"dimension": ["trust", "loyalty", "advocacy", "trust", "loyalty", "advocacy"],
    ...                        "score": [80, 65, 40, 70, 75, 55], "team": ["A", "A", "A", "B", "B", "B"]})
    >>> ax = radar(scores, hue="team")
    >>> [len(line.get_xydata()) for line in ax.lines]  # 3 vertices, closed: 4 points each
    [4, 4]
    >>> _ = to_png(ax)
    """
    title = i18n.t("plots.radar.title") if title is None else title
    _require(data, [axis, value, hue], "radar")
    names, hue_names = _own(names, axis), _own(hue_names, hue)
    low, high = _scale(scale, "radar")
    scores = _numbers(data, value, "radar")
    _in_scale(scores, low, high, value, "radar")
    if data.empty:
        return _empty(ax, title)
    keys = _categories(data[axis], order, names)
    if len(keys) < 3:
        raise fail("radar", "plots.error.too_few_axes", column=axis, n=len(keys))
    groups = data[hue] if hue else pd.Series("", index=data.index)
    hue_keys = _categories(groups, hue_order, hue_names) if hue else [""]
    table = (
        scores.groupby([groups.rename("_hue"), data[axis].rename("_axis")], observed=True)
        .mean()
        .unstack("_axis")
        .reindex(index=hue_keys, columns=keys)
    )
    ax = _axes(ax, DEFAULTS.figsize["radar_legend" if hue else "radar"], polar=True)
    angles = np.linspace(0.0, 2 * np.pi, len(keys), endpoint=False)
    closed = np.append(angles, angles[0])
    colours = _colours(hue_keys, hue_names, palette) if hue else [PALETTE[0]]
    for key, shown, colour in zip(hue_keys, _display(hue_keys, hue_names), colours, strict=True):
        row = table.loc[key].to_numpy()
        ring = np.append(row, row[0])
        ax.plot(closed, ring, color=colour, linewidth=2, marker="o", markersize=4, label=shown)
        if fill and not np.isnan(row).any():
            ax.fill(closed, ring, color=colour, alpha=0.12)
    shown = [_wrap(text, DEFAULTS.radar_wrap) for text in _display(keys, names)]
    _radar_frame(ax, angles, shown, low, high)
    size = font_manager.FontProperties(size=mpl.rcParams["font.size"]).get_size_in_points()
    _title(ax, title, pad=RADAR_NAME_GAP + 8 + 1.25 * size * (shown[0].count("\n") + 1))  # above the top name
    if hue:
        # Beyond the widest name on the right-hand side, so the two never overlap.
        right = max([_lines_em(t) for t, a in zip(shown, angles, strict=True) if np.sin(a) > 0.1] or [0.0])
        shift = mpl.transforms.ScaledTranslation((right + 1.5) * size / 72, 0, ax.figure.dpi_scale_trans)
        ax.legend(
            title=_axis_name(hue),
            loc="upper left",
            bbox_to_anchor=(1.0, 1.0),
            frameon=False,
            bbox_transform=ax.transAxes + shift,
        )
    return ax


RADAR_NAME_GAP = 8  # points between the rim and a dimension's name


def _lines_em(text: str) -> float:
    """Width in em of the longest line of a wrapped text."""
    return max(_em(line) for line in text.split("\n"))


def _radar_frame(ax: Axes, angles: np.ndarray, shown: list[str], low: float, high: float) -> None:
    """Circle from ``low`` to ``high``, first axis at the top, clockwise; names just outside the rim,
    aligned away from the centre so that long (wrapped) names never run into the chart or each other."""
    ax.set_theta_offset(np.pi / 2)
    ax.set_theta_direction(-1)
    ax.set_ylim(low, high)
    if float(low).is_integer() and float(high).is_integer() and high - low <= 10:
        rings = np.arange(low + 1, high + 1)  # a rating scale (1–5, 1–7): one ring per point
    else:
        rings = mpl.ticker.MaxNLocator(nbins=DEFAULTS.scale_steps).tick_values(low, high)
        rings = rings[(rings > low) & (rings <= high)]
    ax.set_yticks(rings, [f"{r:g}" for r in rings], color="#777777", fontsize="small")
    ax.set_rlabel_position(np.degrees(angles[1] / 2) if len(angles) > 1 else 0)
    ax.set_xticks(angles, [""] * len(angles))
    # On screen (clockwise from the top) a name sits at x = sin θ, y = cos θ from the centre.
    horizontal = np.select([np.sin(angles) > 0.1, np.sin(angles) < -0.1], ["left", "right"], "center")
    vertical = np.select([np.cos(angles) > 0.1, np.cos(angles) < -0.1], ["bottom", "top"], "center")
    # A fixed gap in points (not in data units), so the title's clearance does not depend on the size.
    for angle, text, ha, va in zip(angles, shown, horizontal, vertical, strict=True):
        gap = (RADAR_NAME_GAP * np.sin(angle), RADAR_NAME_GAP * np.cos(angle))
        ax.annotate(
            text,
            (angle, high),
            xytext=gap,
            textcoords="offset points",
            ha=ha,
            va=va,
            multialignment="center",
            annotation_clip=False,
        )
    ax.spines["polar"].set_color("#BBBBBB")


def _scale(scale, source: str) -> tuple[float, float]:
    try:
        low, high = (float(v) for v in scale)
    except (TypeError, ValueError):
        raise fail(source, "plots.error.bad_scale", value=repr(scale)) from None
    if not low < high:
        raise fail(source, "plots.error.bad_scale", value=repr(scale))
    return low, high


def _in_scale(values: pd.Series, low: float, high: float, column: str, source: str) -> None:
    outside = (values < low) | (values > high)
    if outside.any():
        shown = ", ".join(f"{v:g}" for v in pd.unique(values[outside])[:5])
        raise WorkbookInputError(
            source,
            [
                Problem(
                    "plots.error.out_of_scale",
                    column=str(column),
                    rows=tuple(values.index[outside][:5]),
                    n_rows=int(outside.sum()),
                    params={"low": low, "high": high, "values": shown},
                )
            ],
        )


# ---------------------------------------------------------------- two-axis maps


@_chart
def value_matrix_map(
    data: pd.DataFrame,
    x: str = "current_value",
    y: str = "potential_value",
    hue: str | None = "quadrant",
    x_split: float | str = "median",
    y_split: float | str = "median",
    labels: Mapping[str, str] = DEFAULT_QUADRANT_CORNERS,
    *,
    names: Names = "quadrant",
    hue_order: Sequence | None = None,
    hue_names: Names = None,
    palette=None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Customer value matrix: one dot per customer, a crosshair at the splits, quadrant names in the corners.

    Each corner shows its quadrant's name and how many customers fall in it; a value on a
    split line counts as high, as in :func:`workbook.value_matrix.value_quadrants`. When the
    dots are coloured by the same quadrants, each corner name takes its quadrant's colour and
    no legend is needed.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    x, y : str
        Numeric columns: current value and potential value (0–100 for
        :func:`workbook.value_matrix.current_potential`), or e.g. ``"frequency"`` and
        ``"avg_spend"`` for the frequency × spend view.
    hue : str or None
        Column that colours the dots (default ``quadrant``).
    x_split, y_split : float or {"median", "mean"}
        Where the crosshair cuts each axis (default: the median, the value matrix's default).
    labels : mapping
        Corner (``"upper right"``, ``"lower right"``, ``"upper left"``, ``"lower left"``) → code,
        shown through ``names``; a text that is not a code is shown as it is.
    names : str, sequence, mapping or None
        How the corner codes are shown (default the ``quadrant`` group; ``"fs_quadrant"`` for the
        frequency × spend view).
    hue_names : str, sequence, mapping or None
        How the hue codes are shown (default: the ``hue`` column's group, e.g. ``value_tier``).
    hue_order, palette, title, xlabel, ylabel, ax
        As usual; default title ``plots.value_matrix.title``, axis names ``plots.axis.<column>``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> scored = pd.DataFrame({"current_value": [90, 80, 20, 10], "potential_value": [85, 15, 70, 5],
    ...                        "quadrant": ["strategic", "core", "growth", "basic"]})
    >>> ax = value_matrix_map(scored, x_split=50, y_split=50)
    >>> sum(len(c.get_offsets()) for c in ax.collections)
    4
    >>> _ = to_png(ax)
    """
    title = i18n.t("plots.value_matrix.title") if title is None else title
    _require(data, [x, y, hue], "value_matrix_map")
    _check_corners(labels, "value_matrix_map")
    xs, ys = _numbers(data, x, "value_matrix_map"), _numbers(data, y, "value_matrix_map")
    keep = xs.notna() & ys.notna()
    if not keep.any():
        return _empty(ax, title)
    xs, ys = xs[keep], ys[keep]
    x_cut, y_cut = _cut(xs, x_split, "x_split"), _cut(ys, y_split, "y_split")
    ax = _axes(ax, DEFAULTS.figsize["map"])
    hue_names = _own(hue_names, hue)
    corner_colours = _scatter(ax, xs, ys, data.loc[keep, hue] if hue else None, hue_order, hue_names, palette)
    _crosshair(ax, x_cut, y_cut)
    high_x, high_y = (xs >= x_cut).to_numpy(), (ys >= y_cut).to_numpy()
    counts = {
        "upper right": high_x & high_y,
        "lower right": high_x & ~high_y,
        "upper left": ~high_x & high_y,
        "lower left": ~high_x & ~high_y,
    }
    for corner, code in labels.items():
        note = i18n.t("plots.value_matrix.count", n=int(counts[corner].sum()))
        name = _wrap(_display([code], names)[0], DEFAULTS.corner_wrap)
        _corner(ax, corner, f"{name}\n{note}", corner_colours.get(code, "#333333"))
    show_legend = hue is not None and not set(corner_colours) <= set(labels.values())
    if show_legend:
        _legend(ax, _axis_name(hue))
    ax.set_xlabel(_axis_name(x) if xlabel is None else xlabel)
    ax.set_ylabel(_axis_name(y) if ylabel is None else ylabel)
    _title(ax, title)
    return ax


def _cut(values: pd.Series, split: float | str, option: str) -> float:
    if isinstance(split, str):
        _check_option(split, ("median", "mean"), option, "value_matrix_map")
        return float(values.median() if split == "median" else values.mean())
    return float(split)


def _scatter(
    ax: Axes, xs: pd.Series, ys: pd.Series, hue: pd.Series | None, hue_order, names, palette, size: float = 16
) -> dict:
    """Dots, one collection per hue category (legend and colours line up); returns code → colour.

    Many small dots are translucent so dense areas show as darker; a few big ones are almost opaque.
    """
    alpha = 0.65 if size < 30 else 0.9
    if hue is None:
        ax.scatter(xs, ys, s=size, color=PALETTE[0], alpha=alpha, linewidths=0)
        return {}
    keys = _categories(hue, hue_order, names)
    colours = _colours(keys, names, palette)
    for key, shown, colour in zip(keys, _display(keys, names), colours, strict=True):
        mine = (hue == key).to_numpy()
        ax.scatter(
            xs[mine], ys[mine], s=size, color=colour, alpha=alpha, linewidths=0, label=_wrap(shown, 12)
        )
    return dict(zip(keys, colours, strict=True))


def _crosshair(ax: Axes, x_cut: float, y_cut: float) -> None:
    ax.axvline(x_cut, color="#444444", linewidth=1.2, linestyle="--", zorder=1)
    ax.axhline(y_cut, color="#444444", linewidth=1.2, linestyle="--", zorder=1)


def _check_corners(labels: Mapping[str, str], source: str) -> None:
    unknown = [corner for corner in labels if corner not in _CORNER_XY]
    if unknown:
        raise fail(
            source,
            "plots.error.bad_option",
            option="labels",
            value=repr(unknown[0]),
            allowed=", ".join(_CORNER_XY),
        )


def _corner(ax: Axes, corner: str, text: str, colour) -> None:
    """A quadrant name in a corner of the axes, on a pale box so dots under it do not hide it."""
    fx, fy, ha, va = _CORNER_XY[corner]
    ax.text(
        fx,
        fy,
        _wrap(text, DEFAULTS.corner_wrap),
        transform=ax.transAxes,
        ha=ha,
        va=va,
        multialignment=ha,
        color=colour,
        fontsize="small",
        zorder=5,
        bbox={"boxstyle": "round,pad=0.35", "facecolor": "white", "edgecolor": colour, "alpha": 0.92},
    )


@_chart
def ipa_map(
    data: pd.DataFrame,
    x: str = "importance",
    y: str = "performance",
    label: str | None = "item",
    x_cross: float | str = "mean",
    y_cross: float | str = "mean",
    *,
    hue: str | None = None,
    names: Names = None,
    hue_names: Names = "ipa",
    labels: Mapping[str, str] = DEFAULT_IPA_CORNERS,
    palette=None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Importance–performance map (Martilla & James 1977): each attribute a named dot, a crosshair,
    the four action quadrants written in the corners.

    Parameters
    ----------
    data : DataFrame
        One row per attribute (e.g. SERVQUAL dimension or survey item).
    x, y : str
        Mean importance (x) and mean performance (y).
    label : str or None
        Column naming each dot; ``None`` uses the index (as
        :func:`workbook.satisfaction.importance_performance` returns it).
    x_cross, y_cross : float or {"mean", "median"}
        Crosshair position (default the means, as in
        :func:`workbook.satisfaction.importance_performance`; pass its ``importance_crosshair`` /
        ``performance_crosshair`` to draw exactly the cuts it used).
    hue : str, optional
        Colour the dots by a column, e.g. ``"quadrant"`` of
        :func:`workbook.satisfaction.importance_performance` ("concentrate here" in the warning colour).
    names : str, sequence, mapping or None
        How the dots' names are shown, e.g. ``"servqual"``.
    hue_names : str, sequence, mapping or None
        How hue codes are shown (default the ``ipa`` quadrants; then the corners explain the
        colours and no legend is drawn).
    labels : mapping
        Corner → IPA quadrant code (shown through the ``ipa`` group) or a text.
    palette, title, xlabel, ylabel, ax
        As usual; default title ``plots.ipa.title``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> attrs = pd.DataFrame({"item": ["reliability", "responsiveness", "tangibles"],
    ...                       "importance": [4.6, 4.4, 3.1], "performance": [4.5, 3.0, 3.2]})
    >>> ax = ipa_map(attrs, names="servqual")
    >>> [text.get_text() for text in ax.texts[-3:]]  # after the four corner names
    ['可靠性', '响应性', '有形性']
    >>> _ = to_png(ax)
    """
    title = i18n.t("plots.ipa.title") if title is None else title
    _require(data, [x, y, label, hue], "ipa_map")
    _check_corners(labels, "ipa_map")
    names = _own(names, label)
    xs, ys = _numbers(data, x, "ipa_map"), _numbers(data, y, "ipa_map")
    keep = xs.notna() & ys.notna()
    if not keep.any():
        return _empty(ax, title)
    xs, ys = xs[keep], ys[keep]
    codes = (data[label] if label else data.index.to_series(index=data.index))[keep]
    ax = _axes(ax, DEFAULTS.figsize["map"])
    _scatter(ax, xs, ys, data.loc[keep, hue] if hue else None, None, hue_names, palette, size=48)
    _crosshair(ax, _cut(xs, x_cross, "x_cross"), _cut(ys, y_cross, "y_cross"))
    _pad_limits(ax, xs, ys)
    for corner, code in labels.items():
        _corner(ax, corner, _display([code], "ipa")[0], FIXED_COLOURS["ipa"].get(code, "#333333"))
    if hue and hue_names != "ipa":
        _legend(ax, _axis_name(hue))
    ax.set_xlabel(_axis_name(x) if xlabel is None else xlabel)
    ax.set_ylabel(_axis_name(y) if ylabel is None else ylabel)
    _title(ax, title)
    if len(codes) <= DEFAULTS.max_points_labelled:
        # Names last: their placement needs the final layout, the dots and the corner boxes.
        leader = {"arrowstyle": "-", "color": "#999999", "linewidth": 0.6, "shrinkA": 1, "shrinkB": 4}
        texts = [
            ax.annotate(
                _wrap(text, DEFAULTS.tick_wrap),
                (px, py),
                xytext=(6, 3),
                textcoords="offset points",
                fontsize="small",
                arrowprops=leader,
            )
            for text, px, py in zip(_display(codes, names), xs, ys, strict=True)
        ]
        _place_names(ax, texts, np.column_stack([xs, ys]))
    return ax


def _pad_limits(ax: Axes, xs: pd.Series, ys: pd.Series) -> None:
    """Room around the dots for their names and for the corner labels."""
    for values, setter in ((xs, ax.set_xlim), (ys, ax.set_ylim)):
        low, high = float(values.min()), float(values.max())
        span = (high - low) or max(abs(high), 1.0) * 0.1
        setter(low - 0.25 * span, high + 0.25 * span)


# Where a point's name may go, tried in turn: (dx, dy) in points from the dot, and the text alignment.
_NAME_SPOTS = (
    (6, 3, "left", "bottom"),
    (6, -3, "left", "top"),
    (-6, 3, "right", "bottom"),
    (-6, -3, "right", "top"),
    (0, 7, "center", "bottom"),
    (0, -7, "center", "top"),
    (14, 14, "left", "bottom"),
    (-14, -14, "right", "top"),
    (14, -14, "left", "top"),
    (-14, 14, "right", "bottom"),
)


def _place_names(ax: Axes, texts: list, points: np.ndarray) -> None:
    """Put each point's name at the first spot around its dot that hides nothing (greedy).

    A spot is scored by how much of it covers names already placed, dots, the corner boxes,
    and how much lies outside the axes; the lowest score wins, the first free spot at once.
    A few dozen names at most, so measuring each candidate on the canvas is cheap.
    """
    figure = ax.get_figure(root=True)
    if not hasattr(figure.canvas, "get_renderer"):
        return  # a vector-only canvas: keep the default spot
    _chinese_fonts(ax)  # measuring draws the figure: its texts must have their final fonts already
    figure.draw_without_rendering()  # final layout, so positions measured now stay true
    renderer = figure.canvas.get_renderer()
    radius = 5 * figure.dpi / 72
    centres = ax.transData.transform(points)
    dots = np.column_stack([centres - radius, centres + radius])
    corners = [t.get_window_extent(renderer).padded(4).extents for t in ax.texts if t not in texts]
    obstacles = np.vstack([dots, *corners]) if corners else dots
    frame = ax.get_window_extent(renderer).extents
    for text in texts:
        best, best_score = _NAME_SPOTS[0], np.inf
        for spot in _NAME_SPOTS:
            text.xyann = spot[:2]
            text.set_horizontalalignment(spot[2])
            text.set_verticalalignment(spot[3])
            box = _text_box(text, renderer)
            score = _overlap(box, obstacles).sum() + 2 * _outside(box, frame)
            if score < best_score:
                best, best_score = spot, score
            if score == 0:
                break
        text.xyann = best[:2]
        text.set_horizontalalignment(best[2])
        text.set_verticalalignment(best[3])
        obstacles = np.vstack([obstacles, _text_box(text, renderer)])


def _text_box(annotation, renderer) -> np.ndarray:
    """Extent of an annotation's text alone (its own extent includes the leader line to the dot)."""
    annotation.update_positions(renderer)
    return np.asarray(Text.get_window_extent(annotation, renderer).extents)


def _overlap(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Area shared by ``box`` and each of ``boxes`` (all as x0, y0, x1, y1)."""
    width = np.minimum(box[2], boxes[:, 2]) - np.maximum(box[0], boxes[:, 0])
    height = np.minimum(box[3], boxes[:, 3]) - np.maximum(box[1], boxes[:, 1])
    return np.clip(width, 0, None) * np.clip(height, 0, None)


def _outside(box: np.ndarray, frame: np.ndarray) -> float:
    """Area of ``box`` that lies outside ``frame``."""
    area = (box[2] - box[0]) * (box[3] - box[1])
    return float(area - _overlap(box, frame[None, :])[0])


# ---------------------------------------------------------------- bar charts


@_chart
def level_bars(
    data: pd.DataFrame,
    x: str = "level",
    hue: str | None = None,
    stat: str = "count",
    *,
    order: Sequence | None = None,
    hue_order: Sequence | None = None,
    names: Names = None,
    hue_names: Names = None,
    palette=None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Customers per relationship level (or any ordered category), as counts or shares, in ladder order.

    Every level of the ladder is drawn, an empty one as a zero bar, so two charts always
    line up. ``stat="percent"`` gives each bar's share of its own ``hue`` group (of all rows
    without ``hue``): 100 · count / group total. The number is written on every bar.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    x : str
        Column of the category codes (default ``level``).
    hue : str, optional
        Second category, bars side by side (e.g. ``"company_size"`` or the snapshot year).
    stat : {"count", "percent"}
    order, hue_order : sequence, optional
        Default: the ladder for ``level`` (the known order of ``names``), else order of appearance.
    names, hue_names : str, sequence, mapping or None
        How codes are shown (default: each column's own group, e.g. ``level``).
    palette, title, xlabel, ylabel, ax
        As usual. Without ``hue`` the bars shade from light (lowest level) to dark.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> customers = pd.DataFrame({"level": ["active", "loyal", "loyal", "prospect"]})
    >>> ax = level_bars(customers, stat="percent")
    >>> [round(bar.get_height()) for bar in ax.patches]  # 5 ladder levels: 1/4, 0, 1/4, 2/4, 0
    [25, 0, 25, 50, 0]
    >>> _ = to_png(ax)
    """
    _check_option(stat, ("count", "percent"), "stat", "level_bars")
    title = i18n.t(f"plots.level_bars.title_{stat}", category=_axis_name(x)) if title is None else title
    _require(data, [x, hue], "level_bars")
    names, hue_names = _own(names, x), _own(hue_names, hue)
    if data.empty:
        return _empty(ax, title)
    keys = _categories(data[x], order, names, keep_empty=True)
    hue_keys = _categories(data[hue], hue_order, hue_names) if hue else [None]
    groups = data[hue] if hue else pd.Series(0, index=data.index)
    table = (
        pd.crosstab(data[x], groups)
        .reindex(index=keys, columns=hue_keys if hue else [0])
        .fillna(0)
        .astype("float64")
    )
    if stat == "percent":
        table = 100 * table / table.sum(axis=0).replace(0, np.nan)
    ax = _axes(ax, DEFAULTS.figsize["bars"])
    width = 0.8 / len(hue_keys)
    positions = np.arange(len(keys))
    colours = _colours(hue_keys, hue_names, palette) if hue else None
    shown_hue = _display(hue_keys, hue_names) if hue else [None]
    # Three or more bars side by side leave no room for decimals.
    fmt = "{:.0f}" if stat == "count" else ("{:.1f}%" if len(hue_keys) <= 2 else "{:.0f}%")
    for i, column in enumerate(table.columns):
        offset = (i - (len(hue_keys) - 1) / 2) * width
        colour = colours[i] if hue else _colours(keys, names, palette)
        bars = ax.bar(
            positions + offset,
            table[column].fillna(0).to_numpy(),
            width * 0.95,
            color=colour,
            label=shown_hue[i],
        )
        ax.bar_label(bars, fmt=fmt, padding=2, fontsize="small" if len(hue_keys) <= 2 else "x-small")
    ax.set_xticks(positions, _ticks(keys, names))
    ax.margins(y=0.12)
    ax.grid(axis="x", visible=False)
    if hue:
        _legend(ax, _axis_name(hue))
    ax.set_xlabel(_axis_name(x) if xlabel is None else xlabel)
    ax.set_ylabel(i18n.t(f"plots.level_bars.ylabel_{stat}") if ylabel is None else ylabel)
    _title(ax, title)
    return ax


@_chart
def gap_bars(
    data: pd.DataFrame,
    x: str = "gap",
    y: str = "dimension",
    *,
    order: Sequence | None = None,
    names: Names = "servqual",
    fmt: str = "{:+.2f}",
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Gaps as horizontal bars around a zero line: shortfalls (< 0) in the warning colour.

    For SERVQUAL (gap = perception − expectation per dimension, unweighted or
    ``weighted_gap``) and for gaps to a benchmark. Bars run top to bottom in ``order``
    (default: the known order of ``names``, else as in ``data``); the value is written at the
    end of each bar. A category given twice is an input error (which of the two would be true?).

    Parameters
    ----------
    data : DataFrame
        One row per category, e.g. ``ServqualGaps.dimensions``.
    x : str
        Numeric gap column (scale points; e.g. ``"gap"`` or ``"weighted_gap"``).
    y : str
        Category column (default ``dimension``).
    order : sequence, optional
    names : str, sequence, mapping or None
        How categories are shown (default the ``servqual`` group).
    fmt : str
        Format of the numbers on the bars.
    title, xlabel, ylabel, ax
        As usual; default title ``plots.gap_bars.title``, x name ``plots.axis.<x>``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> gaps = pd.DataFrame({"dimension": ["tangibles", "reliability", "responsiveness"],
    ...                      "gap": [0.1, -1.2, -0.9]})
    >>> ax = gap_bars(gaps)
    >>> [round(float(bar.get_width()), 1) for bar in ax.patches]
    [0.1, -1.2, -0.9]
    >>> _ = to_png(ax)
    """
    title = i18n.t("plots.gap_bars.title") if title is None else title
    _require(data, [x, y], "gap_bars")
    gaps = _numbers(data, x, "gap_bars")
    if data.empty:
        return _empty(ax, title)
    _unique(data[y], "gap_bars")
    keys = _categories(data[y], order, names)
    values = pd.Series(gaps.to_numpy(), index=data[y].to_numpy()).reindex(keys).to_numpy()
    ax = _axes(ax, _bar_figsize(len(keys)))
    positions = np.arange(len(keys))
    colours = np.where(values < 0, NEGATIVE, POSITIVE)
    bars = ax.barh(positions, np.nan_to_num(values), color=colours, height=0.6)
    ax.bar_label(
        bars, labels=[fmt.format(v) if np.isfinite(v) else "" for v in values], padding=3, fontsize="small"
    )
    ax.axvline(0, color="#333333", linewidth=1.2)
    reach = np.nanmax(np.abs(values)) if np.isfinite(values).any() else 1.0
    ax.set_xlim(-1.3 * (reach or 1.0), 1.3 * (reach or 1.0))  # symmetric: left and right read alike
    ax.set_yticks(positions, _ticks(keys, names))
    ax.invert_yaxis()  # first category on top
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(_axis_name(x) if xlabel is None else xlabel)
    ax.set_ylabel(_axis_name(y) if ylabel is None else ylabel)
    _title(ax, title)
    return ax


def _bar_figsize(rows: int, extra: float = 0.0) -> tuple[float, float]:
    """Height grows with the number of horizontal bars; long lists get slimmer rows."""
    per_row = DEFAULTS.row_height if rows <= 8 else DEFAULTS.row_height * 0.7
    return DEFAULTS.figsize["bars"][0], 1.4 + extra + per_row * rows


def _unique(codes: pd.Series, source: str) -> None:
    twice = codes.duplicated(keep=False) & codes.notna()
    if twice.any():
        raise WorkbookInputError(
            source,
            [
                Problem(
                    "plots.error.duplicate",
                    column=str(codes.name),
                    rows=tuple(codes.index[twice][:5]),
                    n_rows=int(twice.sum()),
                    params={"value": codes[twice].iloc[0]},
                )
            ],
        )


@_chart
def nps_bar(
    data: pd.DataFrame,
    score: str = "recommend_score",
    group: str | None = None,
    *,
    order: Sequence | None = None,
    names: Names = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Net Promoter Score per group: one 100 % bar of detractors | passives | promoters, NPS at its end.

    Shares and NPS come from :func:`workbook.satisfaction.nps` (detractors 0–6, passives 7–8,
    promoters 9–10; NPS = % promoters − % detractors, −100…+100), so chart and table always
    agree. Shares of at least 7 % are written inside their segment.

    Parameters
    ----------
    data : DataFrame
        One row per answer.
    score : str
        Column of the 0–10 answers (default ``recommend_score``).
    group : str, optional
        One bar per value of this column (e.g. ``"touchpoint"``); ``None``: one bar for all answers.
    order : sequence, optional
        Bars top to bottom (default: known order of ``names``, else order of appearance).
    names : str, sequence, mapping or None
        How group codes are shown (default: the ``group`` column's own catalogue group).
    title, xlabel, ylabel, ax
        As usual; default title ``plots.nps.title``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> answers = pd.DataFrame({"recommend_score": [10, 9, 8, 3, 10, 6],
    ...                         "touchpoint": ["sales"] * 4 + ["billing"] * 2})
    >>> ax = nps_bar(answers, group="touchpoint")
    >>> [text.get_text() for text in ax.texts if text.get_text().startswith("NPS")]  # sales 2/4 − 1/4
    ['NPS +25', 'NPS +0']
    >>> _ = to_png(ax)
    """
    title = i18n.t("plots.nps.title") if title is None else title
    _require(data, [score, group], "nps_bar")
    names = _own(names, group)
    answered = data[data[score].notna()]
    if answered.empty:
        return _empty(ax, title)
    result = satisfaction.nps(answered, by=group, column=score)
    if group:
        keys = _categories(answered[group], order, names)
        result = result.reindex([k for k in keys if k in result.index])
        shown = _display(result.index, names)
    else:
        shown = [i18n.t("plots.nps.group_all")]
    ax = _axes(ax, _bar_figsize(len(result), extra=0.4))
    positions = np.arange(len(result))
    left = np.zeros(len(result))
    for band in ORDERED_GROUPS["nps"]:
        share = result[f"{band}_pct"].to_numpy()
        bars = ax.barh(
            positions,
            share,
            left=left,
            height=0.6,
            color=FIXED_COLOURS["nps"][band],
            label=i18n.label("nps", band),
        )
        inside = [f"{s:.0f}%" if s >= DEFAULTS.percent_in_bar else "" for s in share]
        ax.bar_label(
            bars,
            labels=inside,
            label_type="center",
            fontsize="small",
            color="white" if band != "passives" else "#222222",
        )
        left += share
    for y, value in zip(positions, result["nps"].to_numpy(), strict=True):
        ax.text(102, y, i18n.t("plots.nps.value", nps=value), va="center")
    ax.set_xlim(0, 100)
    ax.set_yticks(positions, [_wrap(s, DEFAULTS.tick_wrap) for s in shown])
    ax.invert_yaxis()
    ax.grid(axis="y", visible=False)
    # The legend sits between the title and the bars: below the axis it would collide with the x name.
    ax.legend(loc="lower left", bbox_to_anchor=(0.0, 1.0), ncols=3, frameon=False, borderaxespad=0.2)
    ax.set_xlabel(i18n.t("plots.nps.xlabel") if xlabel is None else xlabel)
    ax.set_ylabel(("" if group is None else _axis_name(group)) if ylabel is None else ylabel)
    _title(ax, title, pad=30)
    return ax


# ---------------------------------------------------------------- matrices, Pareto, distributions


@_chart
def heatmap(
    table: pd.DataFrame,
    title: str,
    fmt: str = ".1f",
    cmap: str | None = None,
    center: float | None = None,
    *,
    row_names: Names = None,
    col_names: Names = None,
    vmin: float | None = None,
    vmax: float | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    cbar_label: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Annotated heatmap of a table: satisfaction by level × touchpoint, migration matrices.

    Rows and columns keep the table's order; their codes are shown through ``row_names`` /
    ``col_names`` (e.g. ``("level", "migration")`` for a migration matrix whose extra row and
    column are ``new`` and ``lost``). Empty cells stay blank. The number in each cell is white
    on dark colours and black on light ones.

    Parameters
    ----------
    table : DataFrame
        Wide numeric table (rows × columns), e.g. a ``pivot_table`` or
        :func:`workbook.classify.migration_matrix`.
    title : str
        Chart title (from the caller's catalogue).
    fmt : str
        Format spec of the cell numbers, e.g. ``".1f"``, ``"d"`` (counts), ``".0%"``.
    cmap : str, optional
        Matplotlib colour map; default ``"Blues"``, or the diverging ``"RdBu"`` when ``center`` is set.
    center : float, optional
        Value at the middle of a diverging map (e.g. 3 on a 1–5 scale): the colour range is made
        symmetric around it, so equal distances above and below look equally strong.
    row_names, col_names : str, sequence, mapping or None
        Default: the group named like the index / columns (``table.index.name``).
    vmin, vmax : float, optional
        Colour range (default: the table's range).
    xlabel, ylabel : str, optional
        Default ``plots.axis.<columns.name>`` / ``plots.axis.<index.name>``.
    cbar_label : str, optional
    ax : Axes, optional

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> csat = pd.DataFrame({"sales": [4.1, 4.3], "after_sales": [2.6, 4.4]},
    ...                     index=pd.Index(["active", "loyal"], name="level"))
    >>> ax = heatmap(csat, "CSAT", center=3, row_names="level")
    >>> [text.get_text() for text in ax.texts]
    ['4.1', '2.6', '4.3', '4.4']
    >>> _ = to_png(ax)
    """
    values = table.apply(pd.to_numeric, errors="coerce").to_numpy(dtype="float64")
    row_names, col_names = _own(row_names, table.index.name), _own(col_names, table.columns.name)
    if values.size == 0 or np.isnan(values).all():
        return _empty(ax, title)
    rows, cols = values.shape
    width = max(4.5, 2.2 + DEFAULTS.cell_size[0] * cols)
    ax = _axes(ax, (width, max(2.8, 1.6 + DEFAULTS.cell_size[1] * rows)))
    low = np.nanmin(values) if vmin is None else vmin
    high = np.nanmax(values) if vmax is None else vmax
    if center is not None:
        reach = max(high - center, center - low) or 1.0
        low, high = center - reach, center + reach
    colours = mpl.colormaps[cmap or ("RdBu" if center is not None else "Blues")].with_extremes(bad="#F2F2F2")
    mesh = ax.pcolormesh(
        np.ma.masked_invalid(values),
        cmap=colours,
        norm=mpl.colors.Normalize(low, high if high > low else low + 1),
        edgecolors="white",
        linewidth=1.5,
    )
    _annotate_cells(ax, mesh, values, fmt)
    ax.set_xticks(np.arange(cols) + 0.5, _ticks(table.columns, col_names))
    ax.set_yticks(np.arange(rows) + 0.5, _ticks(table.index, row_names))
    ax.invert_yaxis()  # first row on top, as in the table
    ax.tick_params(length=0)
    ax.grid(visible=False)
    for spine in ax.spines.values():
        spine.set_visible(False)
    colorbar = ax.get_figure(root=True).colorbar(mesh, ax=ax, label=cbar_label or "", shrink=0.9)
    _chinese_fonts(colorbar.ax)  # a Chinese colour-bar label on a figure made without setup()
    ax.set_xlabel(_axis_name(table.columns.name) if xlabel is None and table.columns.name else (xlabel or ""))
    ax.set_ylabel(_axis_name(table.index.name) if ylabel is None and table.index.name else (ylabel or ""))
    _title(ax, title)
    return ax


def _annotate_cells(ax: Axes, mesh, values: np.ndarray, fmt: str) -> None:
    """Write each cell's number; white on dark cells (relative luminance below 0.4), dark otherwise."""
    rgba = mesh.to_rgba(values)
    luminance = rgba[..., :3] @ np.array([0.2126, 0.7152, 0.0722])
    integer = fmt.endswith("d")  # counts arrive as floats once a table holds a blank cell
    for (r, c), value in np.ndenumerate(values):
        if np.isfinite(value):
            text = format(round(value) if integer else value, fmt)
            ax.text(
                c + 0.5,
                r + 0.5,
                text,
                ha="center",
                va="center",
                fontsize="small",
                color="white" if luminance[r, c] < 0.4 else "#222222",
            )


@_chart
def pareto(
    data: pd.DataFrame,
    value: str = "gross_profit_12m",
    cutoffs: tuple[float, float] = DEFAULT_ABC_CUTOFFS,
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Pareto (ABC) curve: cumulative share of ``value`` against the share of customers, largest first.

    Customers are sorted by ``value`` descending; after the first ``i`` of ``n`` customers the
    curve is at x = 100·i/n %, y = 100·(sum of their values)/total %. Dashed lines mark the
    cut-offs (default 80 % and 95 %, those of :func:`workbook.classify.value_tier_abc`) and the
    bands A, B, C follow its rule: a customer is in A while the customers ranked above it
    make less than 80 % of the total. A note says which share of customers makes 80 %.

    Parameters
    ----------
    data : DataFrame
        One row per customer.
    value : str
        Numeric column, CNY (default ``gross_profit_12m``); its total must be positive. Negative
        values (loss-making customers) pull the end of the curve back down to 100 %.
    cutoffs : (a, b)
        Cumulative shares (0–1) that end classes A and B.
    title, xlabel, ylabel, ax
        As usual; default texts ``plots.pareto.*`` naming ``plots.axis.<value>``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> five = pd.DataFrame({"gross_profit_12m": [50, 30, 10, 5, 5]})
    >>> ax = pareto(five)
    >>> ax.lines[0].get_ydata().round(0).tolist()  # 0, 50, 50+30, 90, 95, 100 % of 100
    [0.0, 50.0, 80.0, 90.0, 95.0, 100.0]
    >>> _ = to_png(ax)
    """
    measure = _axis_name(value)
    title = i18n.t("plots.pareto.title", measure=measure) if title is None else title
    _require(data, [value], "pareto")
    values = _numbers(data, value, "pareto").dropna().to_numpy()
    if values.size == 0:
        return _empty(ax, title)
    total = values.sum()
    if not total > 0:
        raise fail("pareto", "plots.error.total_not_positive", column=value, total=f"{total:,.2f}")
    ranked = np.sort(values)[::-1]
    cum = np.concatenate(([0.0], np.cumsum(ranked))) / total
    x = 100 * np.arange(len(ranked) + 1) / len(ranked)
    ax = _axes(ax, DEFAULTS.figsize["pareto"])
    ax.plot(x, 100 * cum, color=PALETTE[0], linewidth=2.2)
    _abc_bands(ax, ranked, cutoffs, measure)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, max(105.0, 100 * cum.max() + 5))
    ax.set_xlabel(i18n.t("plots.pareto.xlabel") if xlabel is None else xlabel)
    ax.set_ylabel(i18n.t("plots.pareto.ylabel", measure=measure) if ylabel is None else ylabel)
    _title(ax, title)
    return ax


def _abc_bands(ax: Axes, ranked: np.ndarray, cutoffs: tuple[float, float], measure: str) -> None:
    """Shade classes A/B/C and mark the cut-offs. ``ranked`` holds the values, largest first.

    The classes are :func:`workbook.classify.value_tier_abc`'s, so the chart and the table agree.
    """
    a, b = (float(c) for c in cutoffs)
    if not 0 < a < b <= 1:
        raise fail(
            "pareto", "plots.error.bad_option", option="cutoffs", value=repr(cutoffs), allowed="0 < a < b ≤ 1"
        )
    n = len(ranked)
    classes = value_tier_abc(pd.DataFrame({"value": ranked}), "value", (a, b), explain=False)["abc_class"]
    n_a = int((classes == "A").sum())
    n_b = n_a + int((classes == "B").sum())
    edges = 100 * np.array([0, n_a, n_b, n]) / n
    shades = ("#DCEAF7", "#EEF4FA", "#FFFFFF")
    for abc, start, stop, shade in zip(("A", "B", "C"), edges[:-1], edges[1:], shades, strict=True):
        if stop > start:
            ax.axvspan(start, stop, color=shade, zorder=0)
            # Near the bottom of the band: the curve is high there everywhere but at the very start.
            ax.text(
                (start + stop) / 2,
                0.03,
                i18n.t("plots.pareto.class", abc=abc),
                ha="center",
                va="bottom",
                transform=ax.get_xaxis_transform(),
                fontsize="small",
                color="#333333",
            )
    for cutoff in (a, b):
        ax.axhline(100 * cutoff, color="#555555", linestyle="--", linewidth=1)
    ax.axvline(edges[1], color=NEGATIVE, linestyle=":", linewidth=1.4)
    ax.annotate(
        _wrap(i18n.t("plots.pareto.note", customers=edges[1], cutoff=100 * a, measure=measure), 18),
        (edges[1], 100 * a),
        xytext=(14, -34),
        textcoords="offset points",
        fontsize="small",
        arrowprops={"arrowstyle": "->", "color": "#555555"},
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": "#CCCCCC"},
    )


@_chart
def distribution(
    data: pd.DataFrame,
    x: str,
    hue: str | None = None,
    kind: str = "hist",
    bins: int = DEFAULTS.bins,
    *,
    hue_order: Sequence | None = None,
    hue_names: Names = None,
    palette=None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Distribution of one number, for class dashboards: a histogram or box plots per group.

    ``kind="hist"``: counts in ``bins`` equal-width bins shared by all groups, each group an
    outline over a faint fill (bars without ``hue``); whole numbers spanning fewer than ``bins``
    values (a 1–5 rating) get one bar per value, centred on it. ``kind="box"``: one box per group (quartiles,
    whiskers to 1.5 × IQR, the mean as a white dot), the variable upwards; a group of fewer than
    ``DEFAULTS.min_box`` (5) values shows its values as points instead.

    Parameters
    ----------
    data : DataFrame
        One row per observation (customer, trainee, team score…).
    x : str
        Numeric column.
    hue : str, optional
        Group column (teams, levels…).
    kind : {"hist", "box"}
    bins : int
        Number of histogram bins.
    hue_order, hue_names, palette, title, xlabel, ylabel, ax
        As usual; default title ``plots.distribution.title`` naming ``plots.axis.<x>``.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> scores = pd.DataFrame({"score": [55, 60, 72, 80, 91], "team": ["A", "A", "B", "B", "B"]})
    >>> ax = distribution(scores, "score", bins=4)
    >>> [int(bar.get_height()) for bar in ax.patches]  # 55–64, 64–73, 73–82, 82–91
    [2, 1, 1, 1]
    >>> _ = to_png(ax)
    >>> ax = distribution(scores, "score", hue="team", kind="box")
    >>> [label.get_text() for label in ax.get_xticklabels()]
    ['A', 'B']
    >>> [len(points.get_offsets()) for points in ax.collections]  # 2 and 3 values: points, no box
    [2, 3]
    >>> _ = to_png(ax)
    """
    _check_option(kind, ("hist", "box"), "kind", "distribution")
    measure = _axis_name(x)
    title = i18n.t("plots.distribution.title", measure=measure) if title is None else title
    _require(data, [x, hue], "distribution")
    hue_names = _own(hue_names, hue)
    values = _numbers(data, x, "distribution")
    keep = values.notna() & (data[hue].notna() if hue else True)
    if not keep.any():
        return _empty(ax, title)
    values = values[keep]
    groups = data.loc[keep, hue] if hue else pd.Series("", index=values.index)
    keys = _categories(groups, hue_order, hue_names) if hue else [""]
    samples = [values[(groups == key).to_numpy()].to_numpy() for key in keys]
    colours = _colours(keys, hue_names, palette) if hue else [PALETTE[0]]
    shown = _display(keys, hue_names)
    ax = _axes(ax, DEFAULTS.figsize["distribution"])
    if kind == "hist":
        _histogram(ax, values.to_numpy(), samples, colours, shown if hue else None, bins)
        ax.set_xlabel(measure if xlabel is None else xlabel)
        ax.set_ylabel(_axis_name("count") if ylabel is None else ylabel)
        if hue:
            _legend(ax, _axis_name(hue))
    else:
        _boxes(ax, samples, colours, shown)
        ax.set_xlabel((_axis_name(hue) if hue else "") if xlabel is None else xlabel)
        ax.set_ylabel(measure if ylabel is None else ylabel)
    _title(ax, title)
    return ax


def _histogram(
    ax: Axes, everything: np.ndarray, samples: list, colours: list, shown: list | None, bins: int
) -> None:
    low, high = everything.min(), everything.max()
    if np.array_equal(everything, np.round(everything)) and high - low < bins:
        edges = np.arange(low - 0.5, high + 1.0)  # whole numbers on a short scale (1–5): one bar per value
    else:
        edges = np.histogram_bin_edges(everything, bins=bins)
    if shown is None:
        ax.hist(samples[0], bins=edges, color=colours[0], edgecolor="white")
        return
    # A faint fill shows where each group lies, a solid outline keeps overlapping groups apart.
    for sample, colour, name in zip(samples, colours, shown, strict=True):
        ax.hist(sample, bins=edges, histtype="stepfilled", alpha=0.15, color=colour)
        ax.hist(sample, bins=edges, histtype="step", color=colour, linewidth=2, label=name)


def _boxes(ax: Axes, samples: list, colours: list, shown: list) -> None:
    """A box per group of at least ``DEFAULTS.min_box`` values, the values themselves for smaller ones."""
    positions = range(1, len(samples) + 1)
    boxed = [i for i, s in enumerate(samples) if len(s) >= DEFAULTS.min_box]
    if boxed:
        boxes = ax.boxplot(
            [samples[i] for i in boxed],
            positions=[positions[i] for i in boxed],
            orientation="vertical",
            patch_artist=True,
            showmeans=True,
            widths=0.6,
            manage_ticks=False,
            medianprops={"color": "#222222"},
            meanprops={"marker": "o", "markerfacecolor": "white", "markeredgecolor": "#222222"},
            flierprops={"marker": ".", "markersize": 4},
        )
        for patch, i in zip(boxes["boxes"], boxed, strict=True):
            patch.set_facecolor(colours[i])
            patch.set_alpha(0.75)
    for i, sample in enumerate(samples):
        if 0 < len(sample) < DEFAULTS.min_box:  # side by side, so that equal values stay visible
            offsets = np.linspace(-0.12, 0.12, len(sample)) if len(sample) > 1 else np.zeros(1)
            ax.scatter(positions[i] + offsets, sample, s=36, color=colours[i], edgecolor="#222222", zorder=3)
    ax.set_xticks(list(positions), [_wrap(s, DEFAULTS.tick_wrap) for s in shown])
    ax.set_xlim(0.4, len(samples) + 0.6)
    ax.grid(axis="x", visible=False)


# ---------------------------------------------------------------- small charts of the apps and exercises


@_chart
def tier_scatter(
    data: pd.DataFrame,
    x: str,
    y: str,
    hue: str = "value_tier",
    *,
    cuts: Sequence[float] = (),
    names: Mapping[str, str] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Customers as points on two 0–100 scores, coloured by value tier, with the tier cut-offs dashed.

    Parameters
    ----------
    data : DataFrame
        One row per customer: ``x`` and ``y`` (0–100 points) and the tier codes in ``hue``.
    cuts : sequence of float
        Values of ``x`` (points) drawn as dashed vertical lines: the tier thresholds.
    names : mapping, optional
        Legend text per tier code (default: the catalogue's ``value_tier`` names).
    title, xlabel, ylabel, ax
        As usual. The tiers take :func:`ordered_colours` of ``value_tier``, light (low) to dark.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> points = pd.DataFrame({"score": [20, 50, 80], "potential": [30, 60, 90],
    ...                        "value_tier": ["low", "mid", "high"]})
    >>> ax = tier_scatter(points, "score", "potential", cuts=(40, 70))
    >>> len(ax.collections), len(ax.lines)
    (3, 2)
    >>> _ = to_png(ax)
    """
    _require(data, [x, y, hue], "tier_scatter")
    colours = ordered_colours("value_tier")
    ax = _axes(ax, DEFAULTS.figsize["tier_scatter"])
    for tier in VALUE_TIERS:
        mask = (data[hue].astype(str) == tier).to_numpy()
        shown = (names or {}).get(tier) or i18n.label("value_tier", tier)
        ax.scatter(data[x][mask], data[y][mask], s=10, alpha=0.6, color=colours[tier], label=shown)
    for cut in cuts:
        ax.axvline(cut, color="#555555", linestyle="--", linewidth=1)
    ax.set_xlim(0, 100)
    ax.set_ylim(0, 100)
    ax.set_xlabel(_axis_name(x) if xlabel is None else xlabel)
    ax.set_ylabel(_axis_name(y) if ylabel is None else ylabel)
    if title:
        _title(ax, title)
    ax.legend(loc="upper left", fontsize="small", markerscale=2)
    return ax


@_chart
def rfm_grid(
    counts: pd.DataFrame,
    texts: pd.DataFrame | None = None,
    highlight: Iterable[tuple[object, object]] = (),
    *,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """The R × F grid: customers per cell, shaded by count, a cell's segment name written under it.

    Parameters
    ----------
    counts : DataFrame
        Customers per cell: index the R scores (rows, top to bottom), columns the F scores.
    texts : DataFrame, optional
        Same shape: a line written under each count (e.g. the one segment the cell belongs to).
    highlight : iterable of (r, f)
        Cells outlined (those of a picked segment).
    title, xlabel, ylabel, ax
        As usual.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> grid = pd.DataFrame([[3, 0], [1, 5]], index=[2, 1], columns=[1, 2])
    >>> ax = rfm_grid(grid, highlight=[(1, 2)])
    >>> [text.get_text() for text in ax.texts]
    ['3', '0', '1', '5']
    >>> len(ax.patches)
    1
    >>> _ = to_png(ax)
    """
    values = counts.to_numpy()
    ax = _axes(ax, DEFAULTS.figsize["rfm_grid"])
    ax.imshow(values, cmap="Blues", aspect="auto")
    marked = set(highlight)
    for i, r in enumerate(counts.index):
        for j, f in enumerate(counts.columns):
            text = str(values[i, j])
            extra = None if texts is None else texts.iloc[i, j]
            if isinstance(extra, str) and extra:
                text += "\n" + extra
            dark = values[i, j] > values.max() * 0.6
            ax.text(j, i, text, ha="center", va="center", fontsize=8, color="white" if dark else "#222222")
            if (r, f) in marked:
                outline = Rectangle((j - 0.5, i - 0.5), 1, 1, fill=False, edgecolor=PALETTE[1], linewidth=3)
                ax.add_patch(outline)
    ax.set_xticks(range(len(counts.columns)), [str(f) for f in counts.columns])
    ax.set_yticks(range(len(counts.index)), [str(r) for r in counts.index])
    ax.set_xlabel(xlabel or "")
    ax.set_ylabel(ylabel or "")
    if title:
        _title(ax, title)
    ax.grid(False)
    return ax


@_chart
def touchpoint_bars(
    table: pd.DataFrame,
    *,
    names: Mapping[str, str] | None = None,
    column_names: Mapping[str, str] | None = None,
    limits: tuple[float, float] | None = None,
    title: str | None = None,
    ylabel: str | None = None,
    legend_title: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A wide table as grouped bars: one group per row, one bar per column, the legend below the axes.

    Parameters
    ----------
    table : DataFrame
        E.g. mean CSAT (1–5) by ladder level (rows) × touchpoint (columns).
    names, column_names : mapping, optional
        How row and column codes are shown (default: as they are).
    limits : (low, high), optional
        Range of the value axis (e.g. the rating scale).
    title, ylabel, legend_title, ax
        As usual; the legend sits under the axes, where it hides no bar.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"sales": [4.1, 3.9], "after_sales": [2.6, 4.0]}, index=["active", "loyal"])
    >>> ax = touchpoint_bars(table, limits=(1, 5))
    >>> len(ax.patches)
    4
    >>> _ = to_png(ax)
    """
    ax = _axes(ax, DEFAULTS.figsize["touchpoint_bars"])
    width = 0.8 / len(table.columns)
    positions = np.arange(len(table))
    for k, column in enumerate(table.columns):
        offset = (k - (len(table.columns) - 1) / 2) * width
        shown = (column_names or {}).get(column, str(column))
        colour = PALETTE[k % len(PALETTE)]
        ax.bar(positions + offset, table[column].to_numpy(), width, color=colour, label=shown)
    ax.set_xticks(positions, [(names or {}).get(code, str(code)) for code in table.index])
    if limits is not None:
        ax.set_ylim(*limits)
    ax.set_ylabel(ylabel or "")
    ax.grid(axis="x", visible=False)
    if title:
        _title(ax, title)
    ax.legend(
        title=legend_title,
        ncols=max(1, len(table.columns)),
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        fontsize="small",
        frameon=False,
    )
    return ax


@_chart
def paired_barh(
    table: pd.DataFrame,
    left: str,
    right: str,
    *,
    names: Mapping[str, str] | None = None,
    titles: tuple[str, str] = ("", ""),
    title: str | None = None,
) -> Axes:
    """Two measures of the same groups side by side as horizontal bars (two panels, one label column).

    Parameters
    ----------
    table : DataFrame
        One row per group (e.g. industry), columns ``left`` and ``right`` (e.g. mean orders and
        average order value, CNY).
    names : mapping, optional
        How the group codes are shown.
    titles : (str, str)
        Panel titles; ``title`` goes above both.

    Returns
    -------
    Axes
        The left panel (``ax.get_figure()`` holds both).

    Examples
    --------
    >>> import pandas as pd
    >>> table = pd.DataFrame({"orders": [2.0, 5.0], "value": [900.0, 300.0]}, index=["a", "b"])
    >>> ax = paired_barh(table, "orders", "value")
    >>> len(ax.get_figure().axes), len(ax.patches)
    (2, 2)
    >>> _ = to_png(ax)
    """
    _require(table, [left, right], "paired_barh")
    size = DEFAULTS.figsize["paired_barh"]
    figure, (ax_left, ax_right) = plt.subplots(1, 2, figsize=size, layout="constrained")
    shown = [(names or {}).get(code, str(code)) for code in table.index]
    ax_left.barh(shown, table[left].to_numpy(), color=PALETTE[0])
    ax_left.set_title(titles[0])
    ax_right.barh(shown, table[right].to_numpy(), color=PALETTE[1])
    ax_right.set_title(titles[1])
    ax_right.set_yticklabels([])
    if title:
        figure.suptitle(title)
    return ax_left


@_chart
def labelled_points(
    data: pd.DataFrame,
    x: str,
    y: str,
    *,
    names: Mapping[str, str] | None = None,
    cuts: tuple[float, float] | None = None,
    limits: tuple[float, float] | None = None,
    title: str | None = None,
    xlabel: str | None = None,
    ylabel: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """A few named points on two scales, with optional dashed cross-hairs (an unlabelled IPA grid).

    Unlike :func:`ipa_map` nothing names the quadrants: an exercise asks the trainee to read them.

    Parameters
    ----------
    data : DataFrame
        One row per point, index the codes written beside the points.
    x, y : str
        Numeric columns (e.g. performance and importance, 1–5).
    names : mapping, optional
        How the index codes are shown.
    cuts : (x_cut, y_cut), optional
        Where the dashed lines cross.
    limits : (low, high), optional
        Range of both axes.

    Returns
    -------
    Axes

    Examples
    --------
    >>> import pandas as pd
    >>> d = pd.DataFrame({"p": [4.4, 3.1], "i": [4.7, 4.5]}, index=["clean", "staff"])
    >>> ax = labelled_points(d, "p", "i", cuts=(3.7, 3.5))
    >>> [text.get_text() for text in ax.texts]
    ['clean', 'staff']
    >>> _ = to_png(ax)
    """
    _require(data, [x, y], "labelled_points")
    ax = _axes(ax, DEFAULTS.figsize["labelled_points"])
    ax.scatter(data[x], data[y], s=60, color=PALETTE[0], zorder=3)
    for code, px, py in zip(data.index, data[x], data[y], strict=True):  # a few named points
        shown = (names or {}).get(code, str(code))
        ax.annotate(shown, (px, py), xytext=(6, 4), textcoords="offset points")
    if cuts is not None:
        ax.axvline(cuts[0], color="#888888", linestyle="--")
        ax.axhline(cuts[1], color="#888888", linestyle="--")
    if limits is not None:
        ax.set_xlim(*limits)
        ax.set_ylim(*limits)
    ax.set_xlabel(_axis_name(x) if xlabel is None else xlabel)
    ax.set_ylabel(_axis_name(y) if ylabel is None else ylabel)
    if title:
        _title(ax, title)
    return ax
