"""Chart functions of workbook.plots: right numbers, right texts in both languages, no glyph gaps, no leaks.

Every test runs with warnings as errors (a "Glyph … missing" warning fails it) and checks that it
leaves no figure open: charts are closed by ``to_png``, as the apps do.
"""

from __future__ import annotations

import io
import logging
import re
import warnings
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.colors import to_hex
from matplotlib.text import Text

from workbook import classify, data, plots
from workbook.errors import WorkbookInputError
from workbook.i18n import label, language, t

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(autouse=True)
def no_leaks_and_no_font_fallback(caplog):
    """No test leaves a figure open, and matplotlib never fell back to another font weight or family.

    Each test starts from the workbook's own style (whatever other tests set) and leaves no trace.
    """
    before = plt.get_fignums()
    with mpl.rc_context(), caplog.at_level(logging.WARNING, logger="matplotlib.font_manager"):
        plots.setup()
        yield
    leaked = sorted(set(plt.get_fignums()) - set(before))
    for number in leaked:
        plt.close(number)
    assert not leaked, f"figures left open: {leaked}"
    assert not [r.getMessage() for r in caplog.records if r.name.startswith("matplotlib.font_manager")]


def png(ax) -> bytes:
    image = plots.to_png(ax)
    assert image[:8] == plots.PNG_SIGNATURE
    return image


def texts(ax) -> list[str]:
    return [text.get_text() for text in ax.texts]


def ticks(labels) -> list[str]:
    """Tick label texts with wrapping undone, so they compare with the catalogue."""
    return [unwrap(tick.get_text()) for tick in labels]


def unwrap(text: str) -> str:
    # Chinese wraps anywhere, English at spaces: undo both.
    return re.sub(r"(?<=[\x00-\x7f])\n(?=[\x00-\x7f])", " ", text).replace("\n", "")


def flat(text: str) -> str:
    """Text without line breaks or spaces: titles wrap to the width of the figure."""
    return re.sub(r"\s+", "", text)


def boxes(artists, renderer) -> np.ndarray:
    """x0, y0, x1, y1 of each artist's text on the canvas (annotations without their leader lines)."""
    out = []
    for artist in artists:
        if hasattr(artist, "update_positions"):
            artist.update_positions(renderer)
        out.append(Text.get_window_extent(artist, renderer).extents)
    return np.array(out)


def overlapping_pairs(artists, figure) -> list[tuple[str, str]]:
    figure.canvas.draw()
    b = boxes(artists, figure.canvas.get_renderer())
    pairs = []
    for i in range(len(b)):
        for j in range(i + 1, len(b)):
            wide = min(b[i, 2], b[j, 2]) > max(b[i, 0], b[j, 0])
            high = min(b[i, 3], b[j, 3]) > max(b[i, 1], b[j, 1])
            if wide and high:
                pairs.append((artists[i].get_text(), artists[j].get_text()))
    return pairs


# ==================================================================================================
# small hand-made data
# ==================================================================================================


def team_scores() -> pd.DataFrame:
    """Two teams × four SERVQUAL dimensions; team A rated twice on reliability (60 and 80: mean 70)."""
    return pd.DataFrame(
        {
            "team": ["A", "A", "A", "A", "A", "B", "B", "B", "B"],
            "dimension": [
                "tangibles",
                "reliability",
                "reliability",
                "responsiveness",
                "empathy",
                "tangibles",
                "reliability",
                "responsiveness",
                "empathy",
            ],
            "score": [90, 60, 80, 40, 55, 70, 65, 75, 50],
        }
    )


def matrix_customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "current_value": [90, 80, 20, 10, 50, 60],
            "potential_value": [85, 15, 70, 5, 50, 40],
            "quadrant": ["strategic", "core", "growth", "basic", "strategic", "core"],
            "value_tier": ["high", "high", "low", "low", "mid", "mid"],
        }
    )


def csat_table() -> pd.DataFrame:
    return pd.DataFrame(
        {"sales": [4.1, 4.3], "delivery": [3.9, np.nan], "after_sales": [2.6, 4.4]},
        index=pd.Index(["active", "loyal"], name="level"),
    ).rename_axis(columns="touchpoint")


def nps_answers() -> pd.DataFrame:
    # sales: 10, 9 promoters; 8 passive; 3 detractor → 50 % − 25 % = NPS +25
    # billing: 10 promoter; 6 detractor → 50 % − 50 % = NPS 0
    return pd.DataFrame(
        {
            "recommend_score": [10, 9, 8, 3, 10, 6, np.nan],
            "touchpoint": ["sales"] * 4 + ["billing"] * 2 + ["sales"],
        }
    )


def every_chart(**kw) -> dict:
    """One call of every chart on the hand-made data (for the cross-cutting checks); ``kw`` goes to each."""
    return {
        "radar": lambda: plots.radar(team_scores(), hue="team", names="servqual", **kw),
        "value_matrix_map": lambda: plots.value_matrix_map(matrix_customers(), x_split=50, y_split=50, **kw),
        "level_bars": lambda: plots.level_bars(pd.DataFrame({"level": ["active", "loyal", "partner"]}), **kw),
        "heatmap": lambda: plots.heatmap(csat_table(), t("plots.axis.csat"), center=3, **kw),
        "gap_bars": lambda: plots.gap_bars(
            pd.DataFrame({"dimension": ["tangibles", "reliability"], "gap": [0.1, -1.2]}), **kw
        ),
        "ipa_map": lambda: plots.ipa_map(ipa_items(), names="servqual", **kw),
        "nps_bar": lambda: plots.nps_bar(nps_answers(), group="touchpoint", **kw),
        "pareto": lambda: plots.pareto(pd.DataFrame({"gross_profit_12m": [50.0, 30, 10, 5, 5]}), **kw),
        "distribution": lambda: plots.distribution(
            pd.DataFrame({"satisfaction": [1, 2, 2, 3, 5], "level": ["active"] * 3 + ["loyal"] * 2}),
            "satisfaction",
            hue="level",
            **kw,
        ),
        "box": lambda: plots.distribution(
            pd.DataFrame({"score": [1.0, 2, 3, 4], "team": list("AABB")}),
            "score",
            hue="team",
            kind="box",
            **kw,
        ),
    }


def ipa_items() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "item": ["reliability", "responsiveness", "tangibles", "assurance"],
            "importance": [4.6, 4.4, 3.1, 3.3],
            "performance": [4.5, 3.0, 3.2, 4.4],
        }
    )


# ==================================================================================================
# radar
# ==================================================================================================


def test_radar_draws_one_closed_polygon_per_team_with_averaged_raters():
    ax = plots.radar(team_scores(), hue="team", names="servqual")
    assert len(ax.lines) == 2 and len(ax.patches) == 2  # two outlines, two shaded polygons
    a, b = (line.get_xydata() for line in ax.lines)
    assert a.shape == (5, 2)  # 4 dimensions + the first again to close the ring
    # Dimensions in the servqual order: tangibles, reliability, responsiveness, empathy.
    # Team A reliability = (60 + 80) / 2 = 70.
    assert a[:, 1].tolist() == [90, 70, 40, 55, 90]
    assert b[:, 1].tolist() == [70, 65, 75, 50, 70]
    # First dimension at the top, then clockwise, a quarter turn each.
    np.testing.assert_allclose(a[:, 0], [0, np.pi / 2, np.pi, 3 * np.pi / 2, 0])
    assert ax.get_theta_offset() == pytest.approx(np.pi / 2) and ax.get_theta_direction() == -1
    assert ax.get_ylim() == (0, 100)
    png(ax)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_radar_texts_in_both_languages(lang):
    with language(lang):
        ax = plots.radar(team_scores(), hue="team", names="servqual")
        names = [label("servqual", d) for d in ("tangibles", "reliability", "responsiveness", "empathy")]
        assert [unwrap(s) for s in texts(ax)] == names
        assert flat(ax.get_title()) == flat(t("plots.radar.title"))
        legend = ax.get_legend()
        assert legend.get_title().get_text() == t("plots.axis.team")
        assert [x.get_text() for x in legend.get_texts()] == ["A", "B"]
        png(ax)
    assert {"zh": "有形性", "en": "tangibles"}[lang] == names[0]


def test_radar_names_stand_clear_of_the_chart_and_the_title():
    long = {
        "identification": "客户识别",
        "classification": "客户分类与分析",
        "maintenance": "关系维护",
        "needs": "需求分析",
        "loyalty": "忠诚度管理",
        "risk": "风险预警",
        "data": "数据应用与客户洞察",
    }
    scores = pd.DataFrame(
        {"dimension": list(long) * 2, "score": np.linspace(30, 95, 14), "team": ["一队"] * 7 + ["二队"] * 7}
    )
    ax = plots.radar(scores, hue="team", names=long)
    figure = ax.get_figure(root=True)
    assert overlapping_pairs([*ax.texts, ax.title], figure) == []
    renderer = figure.canvas.get_renderer()
    # The top name sits wholly below the title; names on the right start right of the centre line.
    top = boxes([ax.texts[0]], renderer)[0]
    assert ax.title.get_window_extent(renderer).y0 >= top[3]
    legend = ax.get_legend().get_window_extent(renderer)
    assert legend.x0 >= boxes(ax.texts, renderer)[:, 2].max()
    assert [text.get_horizontalalignment() for text in ax.texts[:3]] == ["center", "left", "left"]
    assert "\n" in ax.texts[6].get_text()  # the long name is wrapped
    png(ax)


def test_radar_leaves_a_gap_for_a_missing_score_and_does_not_shade_that_team():
    scores = team_scores()
    scores.loc[8, "score"] = np.nan  # team B, empathy
    ax = plots.radar(scores, hue="team")
    assert np.isnan(ax.lines[1].get_ydata()).sum() == 1
    assert len(ax.patches) == 1  # only team A is shaded
    png(ax)


def test_radar_without_hue_and_a_rating_scale():
    scores = pd.DataFrame({"dimension": ["a", "b", "c"], "score": [2, 5, 7]})
    ax = plots.radar(scores, scale=(1, 7), title="自定义标题")
    assert ax.get_title() == "自定义标题" and ax.get_legend() is None
    assert ax.get_ylim() == (1, 7)
    assert [tick.get_text() for tick in ax.get_yticklabels()] == ["2", "3", "4", "5", "6", "7"]
    png(ax)


def test_radar_input_errors():
    with pytest.raises(WorkbookInputError) as error:
        plots.radar(pd.DataFrame({"dimension": ["a", "b"], "score": [1, 2]}))
    assert error.value.keys == ["plots.error.too_few_axes"]
    with pytest.raises(WorkbookInputError) as error:
        plots.radar(pd.DataFrame({"dimension": ["a", "b", "c"], "score": [10, 120, -5]}))
    assert error.value.keys == ["plots.error.out_of_scale"]
    assert error.value.problems[0].rows == (1, 2)
    with pytest.raises(WorkbookInputError) as error:
        plots.radar(pd.DataFrame({"x": [1]}), hue="team")
    assert error.value.keys == ["plots.error.missing_column"] * 3  # dimension, score and team
    with language("en"):
        assert "the columns are: x" in str(error.value)
    with pytest.raises(WorkbookInputError) as error:
        plots.radar(pd.DataFrame({"dimension": ["a", "b", "c"], "score": [1, "many", 3]}))
    assert error.value.keys == ["plots.error.not_numeric"]
    with pytest.raises(WorkbookInputError) as error:
        plots.radar(team_scores(), scale=(5, 1))
    assert error.value.keys == ["plots.error.bad_scale"]


# ==================================================================================================
# value matrix and IPA maps
# ==================================================================================================


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_value_matrix_map_counts_each_quadrant_with_ties_counted_high(lang):
    with language(lang):
        ax = plots.value_matrix_map(matrix_customers(), x_split=50, y_split=50)
        assert sum(len(c.get_offsets()) for c in ax.collections) == 6
        assert len(ax.collections) == 4  # one set of dots per quadrant
        corners = {(unwrap(s.rsplit("\n", 1)[0]), s.rsplit("\n", 1)[1]) for s in texts(ax)}
        # (90,85) and (50,50) — on both lines, so high — are strategic; (80,15), (60,40) core;
        # (20,70) growth; (10,5) basic.
        expected = {("strategic", 2), ("core", 2), ("growth", 1), ("basic", 1)}
        assert corners == {(label("quadrant", q), t("plots.value_matrix.count", n=n)) for q, n in expected}
        assert flat(ax.get_title()) == flat(t("plots.value_matrix.title"))
        assert ax.get_xlabel() == t("plots.axis.current_value")
        assert ax.get_ylabel() == t("plots.axis.potential_value")
        png(ax)


def test_value_matrix_map_crosshair_defaults_to_the_median():
    ax = plots.value_matrix_map(matrix_customers())
    vertical, horizontal = ax.lines[:2]
    # medians: current (10, 20, 50, 60, 80, 90) → (50 + 60) / 2 = 55; potential (5, 15, 40, 50, 70, 85) → 45
    assert vertical.get_xdata()[0] == 55 and horizontal.get_ydata()[0] == 45
    png(ax)
    ax = plots.value_matrix_map(matrix_customers(), x_split="mean")
    assert ax.lines[0].get_xdata()[0] == pytest.approx(310 / 6)  # (90+80+20+10+50+60) / 6
    png(ax)


def test_value_matrix_map_corner_takes_its_quadrants_colour_and_needs_no_legend():
    ax = plots.value_matrix_map(matrix_customers(), x_split=50, y_split=50)
    assert ax.get_legend() is None
    dot_colour = {
        unwrap(c.get_label()): to_hex(c.get_facecolor()[0], keep_alpha=False) for c in ax.collections
    }
    corner = next(s for s in ax.texts if s.get_text().startswith("战略客户"))
    assert to_hex(corner.get_color()) == dot_colour[label("quadrant", "strategic")]
    png(ax)


def test_value_matrix_map_coloured_by_another_column_has_a_legend():
    ax = plots.value_matrix_map(matrix_customers(), hue="value_tier", x_split=50, y_split=50)
    legend = ax.get_legend()
    # value tiers in their scale order low → high, named from the catalogue
    assert [x.get_text() for x in legend.get_texts()] == ["低价值", "中价值", "高价值"]
    assert legend.get_title().get_text() == t("plots.axis.value_tier")
    png(ax)


def test_value_matrix_map_refuses_unknown_corners_and_split_rules_without_leaking_a_figure():
    with pytest.raises(WorkbookInputError) as error:
        plots.value_matrix_map(matrix_customers(), labels={"middle": "strategic"})
    assert error.value.keys == ["plots.error.bad_option"]
    with pytest.raises(WorkbookInputError):
        plots.value_matrix_map(matrix_customers(), x_split="mode")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_ipa_map_names_points_and_quadrants(lang):
    with language(lang):
        ax = plots.ipa_map(ipa_items(), names="servqual")
        shown = texts(ax)
        corners = [label("ipa", q) for q in plots.DEFAULT_IPA_CORNERS.values()]
        assert [unwrap(s) for s in shown[:4]] == corners
        assert [unwrap(s) for s in shown[4:]] == [label("servqual", d) for d in ipa_items()["item"]]
        assert flat(ax.get_title()) == flat(t("plots.ipa.title"))
        assert (ax.get_xlabel(), ax.get_ylabel()) == (t("plots.axis.importance"), t("plots.axis.performance"))
        # crosshair at the means: importance (4.6 + 4.4 + 3.1 + 3.3) / 4 = 3.85,
        # performance (4.5 + 3.0 + 3.2 + 4.4) / 4 = 3.775
        assert ax.lines[0].get_xdata()[0] == pytest.approx(3.85)
        assert ax.lines[1].get_ydata()[0] == pytest.approx(3.775)
        png(ax)


def test_ipa_map_keeps_crowded_names_apart():
    # Eight items on a tight 4 × 2 grid near the middle, two far out to stretch the axes: left at
    # their default spot, the names overlap in 28 pairs.
    k = np.arange(8)
    crowd = pd.DataFrame(
        {
            "item": [f"item_{i}" for i in range(10)],
            "importance": np.r_[3 + 0.04 * (k % 4), 1, 5],
            "performance": np.r_[3 + 0.04 * (k // 4), 1, 5],
        }
    )
    ax = plots.ipa_map(crowd, x_cross=3, y_cross=3)
    names = [s for s in ax.texts if s.get_text().startswith("item_")]
    assert len(names) == 10
    # Greedy placement cannot always free every name in a crowd this tight, but nearly.
    assert len(overlapping_pairs(names, ax.get_figure(root=True))) <= 2
    png(ax)


def test_ipa_map_coloured_by_quadrant_uses_the_warning_colour_for_concentrate_here():
    items = (
        ipa_items()
        .assign(quadrant=["keep_up_good_work", "concentrate_here", "low_priority", "possible_overkill"])
        .set_index("item")
    )
    ax = plots.ipa_map(items, label=None, hue="quadrant")
    colours = {unwrap(c.get_label()): to_hex(c.get_facecolor()[0], keep_alpha=False) for c in ax.collections}
    assert colours[label("ipa", "concentrate_here")] == plots.NEGATIVE.lower()
    assert ax.get_legend() is None  # the corners explain the colours
    assert "responsiveness" in texts(ax)  # names from the index
    png(ax)


# ==================================================================================================
# bars
# ==================================================================================================


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_level_bars_counts_every_ladder_level_in_order(lang):
    with language(lang):
        ax = plots.level_bars(pd.DataFrame({"level": ["active", "loyal", "loyal", "prospect"]}))
        assert [bar.get_height() for bar in ax.patches] == [1, 0, 1, 2, 0]  # prospect … strategic_partner
        assert ticks(ax.get_xticklabels()) == [label("level", c) for c in classify.LEVELS]
        assert texts(ax) == ["1", "0", "1", "2", "0"]
        title = t("plots.level_bars.title_count", category=t("plots.axis.level"))
        assert flat(ax.get_title()) == flat(title)
        assert ax.get_ylabel() == t("plots.level_bars.ylabel_count")
        png(ax)
    assert t("plots.level_bars.title_count", "zh", category="客户关系层次") == "按客户关系层次统计的客户数"


def test_level_bars_shares_within_each_group():
    customers = pd.DataFrame(
        {"level": ["active", "active", "loyal", "loyal"], "year": ["2025"] * 3 + ["2026"]}
    )
    ax = plots.level_bars(customers, hue="year", stat="percent")
    assert len(ax.patches) == 10  # 5 levels × 2 years
    heights = [round(bar.get_height(), 1) for bar in ax.patches]
    # 2025: active 2/3 = 66.7 %, loyal 1/3 = 33.3 %; 2026: loyal 1/1 = 100 %
    assert heights[:5] == [0, 0, 66.7, 33.3, 0] and heights[5:] == [0, 0, 0, 100, 0]
    assert "66.7%" in texts(ax)
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["2025", "2026"]
    png(ax)


def test_level_bars_order_rules():
    # Unknown codes go after the known ladder; a categorical column keeps its own order.
    ax = plots.level_bars(pd.DataFrame({"level": ["vip", "active"]}))
    assert ticks(ax.get_xticklabels())[-1] == "vip" and len(ax.patches) == 6
    png(ax)
    sizes = pd.DataFrame({"size": pd.Categorical(["b", "a"], categories=["c", "b", "a"])})
    ax = plots.level_bars(sizes, x="size")
    assert ticks(ax.get_xticklabels()) == ["c", "b", "a"]
    png(ax)


def test_level_bars_risk_levels_in_traffic_light_colours():
    risk = pd.DataFrame({"risk_level": ["red", "green", "amber", "green"]})
    ax = plots.level_bars(risk, x="risk_level")
    assert ticks(ax.get_xticklabels()) == ["绿灯", "黄灯", "红灯"]
    assert [to_hex(bar.get_facecolor()) for bar in ax.patches] == [
        plots.RISK_COLOURS[c].lower() for c in ("green", "amber", "red")
    ]
    png(ax)


def test_level_bars_ladder_shades_from_light_to_dark():
    ax = plots.level_bars(pd.DataFrame({"level": list(classify.LEVELS)}))
    lightness = [np.dot(bar.get_facecolor()[:3], [0.2126, 0.7152, 0.0722]) for bar in ax.patches]
    assert lightness == sorted(lightness, reverse=True)
    png(ax)


def test_level_bars_bad_stat():
    with pytest.raises(WorkbookInputError) as error:
        plots.level_bars(pd.DataFrame({"level": ["loyal"]}), stat="mean")
    assert error.value.keys == ["plots.error.bad_option"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_gap_bars_warn_on_shortfalls_around_a_zero_line(lang):
    gaps = pd.DataFrame(
        {"dimension": ["tangibles", "reliability", "responsiveness"], "gap": [0.1, -1.2, -0.9]}
    )
    with language(lang):
        ax = plots.gap_bars(gaps)
        assert [round(float(bar.get_width()), 2) for bar in ax.patches] == [0.1, -1.2, -0.9]
        assert [to_hex(bar.get_facecolor()) for bar in ax.patches] == [
            plots.POSITIVE.lower(),
            plots.NEGATIVE.lower(),
            plots.NEGATIVE.lower(),
        ]
        assert texts(ax) == ["+0.10", "-1.20", "-0.90"]
        assert ticks(ax.get_yticklabels()) == [label("servqual", d) for d in gaps["dimension"]]
        assert ax.yaxis_inverted()  # first dimension on top
        zero = [line for line in ax.lines if list(line.get_xdata()) == [0, 0]]
        assert len(zero) == 1
        left, right = ax.get_xlim()
        assert left == pytest.approx(-right) and right == pytest.approx(1.3 * 1.2)
        assert flat(ax.get_title()) == flat(t("plots.gap_bars.title"))
        assert ax.get_xlabel() == t("plots.axis.gap")
        png(ax)


def test_gap_bars_refuses_a_category_given_twice():
    with pytest.raises(WorkbookInputError) as error:
        plots.gap_bars(pd.DataFrame({"dimension": ["empathy", "empathy"], "gap": [0.1, -0.3]}))
    assert error.value.keys == ["plots.error.duplicate"]
    assert error.value.problems[0].rows == (0, 1)


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_nps_bar_stacks_the_three_groups_and_writes_the_score(lang):
    with language(lang):
        ax = plots.nps_bar(nps_answers(), group="touchpoint", names={"sales": "销售", "billing": "账单"})
        assert len(ax.patches) == 6  # 2 bars × 3 segments
        widths = [round(bar.get_width(), 1) for bar in ax.patches]
        # detractors, passives, promoters for (sales, billing): sales 1/4, 1/4, 2/4; billing 1/2, 0, 1/2
        assert widths == [25, 50, 25, 0, 50, 50]
        lefts = [round(bar.get_x(), 1) for bar in ax.patches]
        assert lefts == [0, 0, 25, 50, 50, 50]
        assert [s for s in texts(ax) if s.startswith("NPS")] == ["NPS +25", "NPS +0"]
        assert [x.get_text() for x in ax.get_legend().get_texts()] == [
            label("nps", g) for g in ("detractors", "passives", "promoters")
        ]
        assert ticks(ax.get_yticklabels()) == ["销售", "账单"]
        assert flat(ax.get_title()) == flat(t("plots.nps.title"))
        assert ax.get_xlabel() == t("plots.nps.xlabel")
        png(ax)


def test_nps_bar_checks_the_answers_as_the_nps_function_does():
    with pytest.raises(WorkbookInputError):
        plots.nps_bar(pd.DataFrame({"recommend_score": [9, 11]}))


def test_nps_bar_for_all_answers_and_its_title_clear_of_the_legend():
    ax = plots.nps_bar(nps_answers())
    assert ticks(ax.get_yticklabels()) == ["全部"]
    # 6 answers: promoters 3, passives 1, detractors 2 → (3 − 2) / 6 = +16.7 → "+17"
    assert "NPS +17" in texts(ax)
    figure = ax.get_figure(root=True)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    assert ax.title.get_window_extent(renderer).y0 >= ax.get_legend().get_window_extent(renderer).y1
    png(ax)


# ==================================================================================================
# heatmap, Pareto, distribution
# ==================================================================================================


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_heatmap_annotates_every_filled_cell(lang):
    with language(lang):
        ax = plots.heatmap(csat_table(), t("plots.axis.csat"), center=3)
        assert texts(ax) == ["4.1", "3.9", "2.6", "4.3", "4.4"]  # the blank cell has no number
        assert ticks(ax.get_yticklabels()) == [label("level", "active"), label("level", "loyal")]
        assert ax.get_ylabel() == t("plots.axis.level") and ax.get_xlabel() == t("plots.axis.touchpoint")
        assert flat(ax.get_title()) == flat(t("plots.axis.csat"))
        png(ax)


def test_heatmap_centre_makes_the_colour_range_symmetric():
    ax = plots.heatmap(csat_table(), "CSAT", center=3)
    norm = ax.collections[0].norm
    # reach = max(4.4 − 3, 3 − 2.6) = 1.4 → 1.6 … 4.4
    assert (norm.vmin, norm.vmax) == (pytest.approx(1.6), pytest.approx(4.4))
    png(ax)


def test_heatmap_of_a_migration_matrix_with_white_numbers_on_dark_cells():
    before = pd.DataFrame({"customer_id": ["a", "b", "c"], "level": ["active", "loyal", "active"]})
    after = pd.DataFrame({"customer_id": ["a", "b", "d"], "level": ["loyal", "loyal", "active"]})
    matrix = classify.migration_matrix(before, after, order=["active", "loyal"]).astype("float64")
    ax = plots.heatmap(
        matrix, "迁移矩阵", fmt="d", row_names=("level", "migration"), col_names=("level", "migration")
    )
    assert ticks(ax.get_yticklabels()) == ["活跃客户", "忠诚客户", "新增"]
    assert ticks(ax.get_xticklabels()) == ["活跃客户", "忠诚客户", "消失"]
    assert texts(ax) == ["0", "1", "1", "0", "1", "0", "1", "0", "0"]  # floats shown as counts
    colours = {s.get_text(): s.get_color() for s in ax.texts}
    assert colours["1"] == "white" and colours["0"] != "white"  # "1" is the darkest cell of Blues
    png(ax)


def test_pareto_curve_and_abc_bands_agree_with_the_classification():
    five = pd.DataFrame({"customer_id": list("abcde"), "gross_profit_12m": [50.0, 30, 10, 5, 5]})
    ax = plots.pareto(five)
    # cumulative share of 100: 0, 50, 80, 90, 95, 100 % after 0 … 5 of 5 customers (x: 0, 20, … 100 %)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [0, 50, 80, 90, 95, 100])
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [0, 20, 40, 60, 80, 100])
    # A: the share before the customer is < 80 % → customers 1, 2 (0 %, 50 %) → 40 % of customers,
    # as value_tier_abc says.
    assert classify.value_tier_abc(five, explain=False)["abc_class"].tolist() == ["A", "A", "B", "B", "C"]
    marker = next(line for line in ax.lines if line.get_linestyle() == ":")
    assert marker.get_xdata()[0] == pytest.approx(40)
    note = t("plots.pareto.note", customers=40, cutoff=80, measure=t("plots.axis.gross_profit_12m"))
    assert note == "前 40% 的客户贡献了 80% 的近12月毛利"
    assert ax.texts[-1].get_text().split() == note.split()  # wrapped at a space
    assert [s for s in texts(ax) if s.endswith("类")] == ["A 类", "B 类", "C 类"]
    png(ax)


def test_pareto_texts_in_english_and_loss_making_customers():
    with language("en"):
        ax = plots.pareto(pd.DataFrame({"revenue_12m": [100.0, 20, -20]}), value="revenue_12m")
        # cumulative 100, 120, 100 of a total of 100 → the curve rises above 100 % and comes back
        np.testing.assert_allclose(ax.lines[0].get_ydata(), [0, 100, 120, 100])
        assert ax.get_ylim()[1] >= 125
        assert flat(ax.get_title()) == flat("Pareto curve of revenue (12 months): ABC view")
        assert ax.get_ylabel() == "cumulative share of revenue (12 months) (%)"
        png(ax)


def test_pareto_needs_a_positive_total_and_valid_cutoffs():
    with pytest.raises(WorkbookInputError) as error:
        plots.pareto(pd.DataFrame({"gross_profit_12m": [-5.0, 5]}))
    assert error.value.keys == ["plots.error.total_not_positive"]
    with pytest.raises(WorkbookInputError) as error:
        plots.pareto(pd.DataFrame({"gross_profit_12m": [5.0, 5]}), cutoffs=(0.9, 0.8))
    assert error.value.keys == ["plots.error.bad_option"]


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_distribution_histogram_counts(lang):
    with language(lang):
        scores = pd.DataFrame({"score": [55, 60, 72, 80, 91]})
        ax = plots.distribution(scores, "score", bins=4)
        # edges 55, 64, 73, 82, 91: 55, 60 | 72 | 80 | 91 (the last bin includes its right edge)
        assert [int(bar.get_height()) for bar in ax.patches] == [2, 1, 1, 1]
        assert flat(ax.get_title()) == flat(t("plots.distribution.title", measure=t("plots.axis.score")))
        assert ax.get_ylabel() == t("plots.axis.count")
        png(ax)


def test_distribution_rating_scale_gets_one_bar_per_value():
    ax = plots.distribution(pd.DataFrame({"satisfaction": [1, 2, 2, 3, 5]}), "satisfaction")
    assert [bar.get_x() + bar.get_width() / 2 for bar in ax.patches] == [1, 2, 3, 4, 5]
    assert [bar.get_height() for bar in ax.patches] == [1, 2, 1, 0, 1]
    png(ax)


def test_distribution_by_group_as_outlines_and_as_boxes():
    data_ = pd.DataFrame(
        {"score": [1.0, 2, 3, 4, 8], "level": ["loyal", "active", "active", "loyal", "loyal"]}
    )
    ax = plots.distribution(data_, "score", hue="level")
    assert len(ax.patches) == 4  # a faint fill and an outline per group
    assert [x.get_text() for x in ax.get_legend().get_texts()] == ["活跃客户", "忠诚客户"]  # ladder order
    png(ax)
    ax = plots.distribution(data_, "score", hue="level", kind="box")
    assert [len(points.get_offsets()) for points in ax.collections] == [2, 3]  # < 5 values: points, no box
    png(ax)
    ax = plots.distribution(pd.concat([data_] * 3), "score", hue="level", kind="box")  # 6 and 9 values
    assert ticks(ax.get_xticklabels()) == ["活跃客户", "忠诚客户"]
    assert ax.get_xlabel() == t("plots.axis.level")
    medians = [line.get_ydata()[0] for line in ax.lines if line.get_color() == "#222222"][:2]
    assert medians == [2.5, 4.0]  # active (2, 3) → 2.5; loyal (1, 4, 8) → 4
    png(ax)
    with pytest.raises(WorkbookInputError):
        plots.distribution(data_, "score", kind="violin")


# ==================================================================================================
# cross-cutting: PNG, empty data, fonts, side effects
# ==================================================================================================


def test_to_png_returns_png_bytes_and_closes_the_figure():
    before = plt.get_fignums()
    ax = plots.level_bars(pd.DataFrame({"level": ["loyal"]}))
    assert len(plt.get_fignums()) == len(before) + 1
    image = plots.to_png(ax)
    assert image[:8] == plots.PNG_SIGNATURE and plt.get_fignums() == before
    # a Figure works as well, and dpi sets the size: half the dpi, about half the width
    small = plots.to_png(plots.level_bars(pd.DataFrame({"level": ["loyal"]})).get_figure(root=True), dpi=50)
    wide = plots.to_png(plots.level_bars(pd.DataFrame({"level": ["loyal"]})), dpi=100)
    width = lambda b: int.from_bytes(b[16:20], "big")  # noqa: E731 — IHDR width
    assert width(wide) / width(small) == pytest.approx(2, rel=0.05)
    assert plt.get_fignums() == before


@pytest.mark.parametrize("name", list(every_chart()))
def test_charts_draw_into_a_given_axes(name):
    fig, axes = plt.subplots(1, 2, subplot_kw={"projection": "polar"} if name == "radar" else None)
    figures = plt.get_fignums()
    ax = every_chart(ax=axes[1])[name]()
    assert ax is axes[1] and plt.get_fignums() == figures  # drawn there, no figure of its own
    assert ax.get_title() and not axes[0].has_data()
    png(fig)


def test_charts_do_not_mutate_their_input():
    customers = matrix_customers()
    frozen = customers.copy()
    plots.to_png(plots.value_matrix_map(customers))
    plots.to_png(plots.level_bars(customers, x="value_tier"))
    scores = team_scores()
    plots.to_png(plots.radar(scores, hue="team"))
    pd.testing.assert_frame_equal(customers, frozen)
    pd.testing.assert_frame_equal(scores, team_scores())


@pytest.mark.parametrize("name", list(every_chart()))
def test_charts_say_there_is_no_data_yet_instead_of_failing(name):
    empty = {
        "radar": lambda: plots.radar(team_scores().iloc[:0], hue="team"),
        "value_matrix_map": lambda: plots.value_matrix_map(matrix_customers().iloc[:0]),
        "level_bars": lambda: plots.level_bars(pd.DataFrame({"level": []})),
        "heatmap": lambda: plots.heatmap(pd.DataFrame(), "空表"),
        "gap_bars": lambda: plots.gap_bars(pd.DataFrame({"dimension": [], "gap": []})),
        "ipa_map": lambda: plots.ipa_map(pd.DataFrame({"item": [], "importance": [], "performance": []})),
        "nps_bar": lambda: plots.nps_bar(pd.DataFrame({"recommend_score": [np.nan]})),
        "pareto": lambda: plots.pareto(pd.DataFrame({"gross_profit_12m": []})),
        "distribution": lambda: plots.distribution(pd.DataFrame({"x": [np.nan]}), "x"),
        "box": lambda: plots.distribution(pd.DataFrame({"x": [], "g": []}), "x", hue="g", kind="box"),
    }[name]
    ax = empty()
    assert texts(ax) == ["暂无数据"] and ax.get_title()
    png(ax)


def render_all(lang: str = "zh") -> list[str]:
    """Every chart to PNG and to SVG; the glyph warnings raised on the way."""
    with warnings.catch_warnings(record=True) as caught, language(lang):
        warnings.simplefilter("always")
        for make in every_chart().values():
            ax = make()
            ax.get_figure(root=True).savefig(io.BytesIO(), format="svg")
            plots.to_png(ax)
    return [str(w.message) for w in caught]


def test_every_chart_renders_chinese_with_only_the_shipped_font(monkeypatch):
    # A fresh machine without a system CJK font: every character of the chart texts must be in the
    # subset shipped with the package (re-run scripts/subset_cjk_font.py after adding rare ones).
    plots.chinese_font_families.cache_clear()
    monkeypatch.setattr(plots, "SYSTEM_CJK_FAMILIES", ())
    try:
        assert plots.chinese_font_families()[0] == plots.SHIPPED_FAMILY
        assert render_all("zh") == []
    finally:
        plots.chinese_font_families.cache_clear()


def test_charts_render_chinese_even_where_setup_was_never_called():
    with mpl.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        assert render_all("zh") == []
        # and the user's own settings are left as they were
        assert list(mpl.rcParams["font.sans-serif"]) == ["DejaVu Sans"]


def test_the_guard_above_can_fail():
    # Without the workbook's fonts the same Chinese text does produce glyph warnings.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        with mpl.rc_context({"font.family": ["DejaVu Sans"]}):
            fig, ax = plt.subplots()
            ax.set_title("各维度自评得分")
            fig.savefig(io.BytesIO(), format="png")
            plt.close(fig)
    assert any("missing from font" in str(w.message) for w in caught)


def test_charts_do_not_change_global_settings():
    before = dict(mpl.rcParams)
    render_all("en")
    assert dict(mpl.rcParams) == before


# ==================================================================================================
# catalogue and shared orders
# ==================================================================================================


def test_every_text_key_the_charts_use_exists_in_both_languages():
    source = Path(plots.__file__).read_text(encoding="utf-8")
    used = set(re.findall(r"\"(plots\.[a-z_]+\.[a-z_.]+)\"", source))
    used |= {
        f"plots.level_bars.{kind}_{stat}" for kind in ("title", "ylabel") for stat in ("count", "percent")
    }
    catalogue = plots.i18n.catalogue()
    assert used and not sorted(k for k in used if k not in catalogue)
    assert all(
        entry["zh"] != entry["en"]
        for key, entry in catalogue.items()
        if key.startswith("plots.") and key != "plots.nps.value"
    )


def test_display_orders_match_the_data_and_scoring_modules():
    assert plots.GROUP_ORDERS["touchpoint"] == tuple(data.TOUCHPOINTS)
    assert plots.GROUP_ORDERS["level"] == classify.LEVELS
    assert set(plots.FIXED_COLOURS["nps"]) == set(plots.ORDERED_GROUPS["nps"])


def test_traffic_lights_differ_in_lightness_for_colour_blind_readers():
    luminance = {
        code: np.dot(mpl.colors.to_rgb(colour), [0.2126, 0.7152, 0.0722])
        for code, colour in plots.RISK_COLOURS.items()
        if code != "not_assessed"
    }
    assert luminance["amber"] - luminance["green"] > 0.15 and luminance["green"] - luminance["red"] > 0.1


@pytest.mark.parametrize(
    ("text", "width", "wrapped"),
    [
        ("战略合作伙伴", 7, "战略合作伙伴"),
        ("数据应用与客户洞察", 7, "数据应用与\n客户洞察"),  # balanced lines, not 7 + 2
        (
            "战略客户（当前价值高、潜力高）",
            9,
            "战略客户\n（当前价值高、\n潜力高）",
        ),  # break before the bracket;
        ("classification and analysis", 8, "classification\nand analysis"),  # no line starts with "、"
    ],
)
def test_wrapping_of_names(text, width, wrapped):
    assert plots._wrap(text, width) == wrapped
