"""Charts for the course and the apps, with Chinese text that renders on any machine.

Call :func:`setup` once (the notebooks and apps do) before drawing: it applies the
workbook's seaborn theme and a font list in which Chinese glyphs always exist. A full
system CJK font is preferred when the machine has one (Windows, macOS and most Linux
desktops do); otherwise the small Noto Sans subset shipped in ``workbook/fonts`` is
used, so a fresh machine shows Chinese, not empty boxes.

Example
-------
>>> from workbook import plots
>>> plots.setup()  # doctest: +ELLIPSIS
[...'Noto Sans SC Workbook'...]
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import matplotlib as mpl
import seaborn as sns
from matplotlib import font_manager

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
        },
    )
    return list(mpl.rcParams["font.sans-serif"])
