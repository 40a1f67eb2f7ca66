"""Chinese text renders in charts: no missing-glyph warnings, with or without system CJK fonts."""

import io
import warnings

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
import pytest
import seaborn as sns
from matplotlib import font_manager

from workbook import plots

CHINESE = "客户价值矩阵：忠诚客户与战略合作伙伴（满意度 −3～5）"


def render_chinese_chart() -> list[str]:
    """Draw a seaborn chart with Chinese title, axis labels, ticks and legend; return glyph warnings."""
    data = pd.DataFrame(
        {
            "层级": ["潜在客户", "活跃客户", "忠诚客户", "战略合作伙伴"] * 2,
            "满意度": [2.1, 2.7, 4.3, 4.6, 3.0, 3.1, 4.0, 4.4],
            "触点": ["售后"] * 4 + ["交付"] * 4,
        }
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fig, ax = plt.subplots()
        sns.barplot(data=data, x="层级", y="满意度", hue="触点", ax=ax)
        ax.set_title(CHINESE)
        ax.set_xlabel("客户关系层次")
        fig.savefig(io.BytesIO(), format="png")
        fig.savefig(io.BytesIO(), format="svg")
        plt.close(fig)
    return [str(w.message) for w in caught if "missing from" in str(w.message) or "Glyph" in str(w.message)]


def test_chinese_renders_without_missing_glyphs():
    plots.setup()
    assert render_chinese_chart() == []


def test_shipped_font_alone_covers_the_course_texts(monkeypatch):
    # A fresh machine has no system CJK font: only the shipped subset may be used.
    plots.chinese_font_families.cache_clear()
    monkeypatch.setattr(plots, "SYSTEM_CJK_FAMILIES", ())
    families = plots.setup()
    assert families[0] == plots.SHIPPED_FAMILY
    assert render_chinese_chart() == []
    plots.chinese_font_families.cache_clear()


def test_without_setup_the_same_chart_would_show_boxes():
    # Guards the test above: DejaVu Sans alone lacks Chinese glyphs, so the check can fail.
    with plt.rc_context({"font.family": "sans-serif", "font.sans-serif": ["DejaVu Sans"]}):
        assert render_chinese_chart()


def test_shipped_font_is_licensed_and_named():
    assert plots.SHIPPED_FONT.exists()
    assert (plots.SHIPPED_FONT.parent / "OFL.txt").exists()
    assert font_manager.FontProperties(fname=plots.SHIPPED_FONT).get_name() == plots.SHIPPED_FAMILY


@pytest.mark.parametrize("context", ["notebook", "talk"])
def test_setup_is_repeatable(context):
    """Calling setup again after something else changed the style gives back exactly the same settings."""
    with matplotlib.rc_context():
        families = plots.setup(context=context)
        styled = dict(matplotlib.rcParams)
        matplotlib.rcParams.update(  # what another library or a notebook cell might have changed
            {
                "font.family": "serif",
                "font.sans-serif": ["DejaVu Sans"],
                "font.size": 5.0,
                "axes.unicode_minus": True,
                "text.parse_math": True,
                "axes.grid": False,
                "savefig.dpi": 72,
            }
        )
        assert dict(matplotlib.rcParams) != styled
        again = plots.setup(context=context)
        changed = {k for k, v in matplotlib.rcParams.items() if styled[k] != v}
    assert again == families == plots.chinese_font_families()
    assert changed == set()
