"""Make the small Chinese font the workbook ships, so charts render Chinese on any machine.

The source is Noto Sans CJK SC Regular (SIL Open Font License 1.1). We keep the
characters of GB 2312 (6,763 hanzi plus symbols), ASCII, common CJK punctuation and
every character used in the workbook's own texts and sample data, which keeps the file
near 3 MB instead of 16 MB. Run again after adding texts with rare characters:

    python scripts/subset_cjk_font.py /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
"""

import contextlib
import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "workbook" / "fonts" / "NotoSansSC-Workbook-Regular.otf"
FAMILY = "Noto Sans CJK SC"
# A distinct name: the subset must not be mistaken for (or shadow) a full system font.
NEW_FAMILY = "Noto Sans SC Workbook"


def gb2312_characters() -> set[str]:
    """Every character GB 2312 encodes (rows 0xA1–0xF7, cells 0xA1–0xFE)."""
    chars = set()
    for hi in range(0xA1, 0xF8):
        for lo in range(0xA1, 0xFF):
            with contextlib.suppress(UnicodeDecodeError):  # unassigned cells
                chars.add(bytes([hi, lo]).decode("gb2312"))
    return chars


def repo_characters() -> set[str]:
    """Characters of the package's texts and the sample data (catches rare hanzi in names)."""
    chars = set()
    for pattern in ("workbook/**/*.yaml", "workbook/**/*.py", "datasets/**/*.csv", "notebooks/**/*.ipynb"):
        for path in ROOT.glob(pattern):
            chars |= set(path.read_text(encoding="utf-8", errors="ignore"))
    return {c for c in chars if ord(c) >= 0x80}


def rename(font) -> None:
    """Give the subset its own family name (name table and CFF), as the OFL asks of modified fonts."""
    postscript = NEW_FAMILY.replace(" ", "") + "-Regular"
    names = {
        1: NEW_FAMILY,
        16: NEW_FAMILY,
        2: "Regular",
        17: "Regular",
        4: f"{NEW_FAMILY} Regular",
        6: postscript,
        3: f"{postscript};subset",
    }
    for record in font["name"].names:
        if record.nameID in names:
            record.string = names[record.nameID]
    font["CFF "].cff.fontNames = [postscript]


def main(source: str) -> None:
    faces = TTCollection(source).fonts
    font = next(f for f in faces if f["name"].getDebugName(1) == FAMILY)
    wanted = gb2312_characters() | repo_characters() | {chr(c) for c in range(0x20, 0x7F)}
    wanted |= {chr(c) for c in range(0x3000, 0x3040)} | {chr(c) for c in range(0xFF00, 0xFFF0)}
    wanted |= set("–—‘’“”…·×÷≤≥±°¥€%‰→←↑↓①②③④⑤−")
    options = subset.Options()
    options.hinting = False  # hinting matters little at chart sizes and costs ~15%
    options.name_IDs = ["*"]
    options.notdef_outline = True
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=[ord(c) for c in wanted])
    subsetter.subset(font)
    rename(font)
    font.save(OUT)
    print(f"{OUT.name}: {len(wanted)} characters, {OUT.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main(sys.argv[1])
