"""The team and session reports printed to A4 by Chromium, checked page by page.

Each report is written as ``workbook report`` writes it, opened in headless Chromium and printed
with ``page.pdf`` (A4, background graphics off: the print dialog's default). Poppler
(Debian ``poppler-utils``) then gives each page's text (``pdftotext -layout``), its images
(``pdfimages -list``) and how far down it is inked (``pdftoppm``). A printed page must not hold
only headings, end on a heading or a table's header row, or stop in its upper part when more
follows; short cells (names, levels, column titles) must not wrap mid-word; the plan's date
fields print as their dates. Every page is also saved as a PNG in ``test-artifacts/`` for
people to look at.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from matplotlib.image import imread

from workbook import report
from workbook.datasets import random_answers
from workbook.instruments import load_instrument
from workbook.store import Store, new_key

POPPLER = ("pdftotext", "pdfimages", "pdftoppm")
TIMEOUT_S = 60  # per Chromium print or Poppler call: a hung tool fails the test instead of the run
MIN_FILL = 0.5  # a page followed by more must be inked at least this far down (share of its height)
QUESTIONNAIRES = [  # what each member who submitted answered: (questionnaire, key account)
    ("pulse", None),
    ("capability", None),
    ("relationship", "华东电网"),
    ("relationship", "苏州精密"),
]
SHORT = 12  # cells up to this many characters (names, levels, column titles) must stay on one line


@pytest.fixture(scope="module")
def poppler():
    missing = [tool for tool in POPPLER if shutil.which(tool) is None]
    if missing:
        if os.environ.get("WORKBOOK_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{', '.join(missing)} missing: apt-get install poppler-utils")
        pytest.skip(f"{', '.join(missing)} not found (Debian: poppler-utils)")


# ================================================================================ a trainer's day


def fill(store, title, teams, seed, previous=None):
    """A session: per team (name, joined, submitted), each who submitted answers every questionnaire
    (the key account twice: two accounts), a few exercise attempts."""
    rng = np.random.default_rng(seed)
    session = store.create_session(title, previous_session_id=previous.id if previous else None)
    for name, joined, submitted in teams:
        team = store.add_team(session, name)
        for m in range(joined):
            person = store.add_respondent(team, f"{name}学员{m + 1}")
            if m >= submitted:
                continue  # joined, not submitted yet
            for instrument_id, account in QUESTIONNAIRES:
                version = load_instrument(instrument_id).version
                store.submit(team, instrument_id, version, random_answers(instrument_id, rng), key=new_key(),
                             account=account, respondent=person)  # fmt: skip
            store.record_attempt("m1.t1", bool(rng.random() < 0.7), session=session, team=team,
                                 respondent=person, key=new_key())  # fmt: skip
    return session


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    """The reports of the second of two linked sessions with two teams (two indices per questionnaire),
    and ``large.html``: the session report of a company-wide day, 18 teams (tables over several pages)."""
    folder = tmp_path_factory.mktemp("printed")
    with Store(f"sqlite:///{folder / 'workbook.sqlite'}") as store:
        q1 = fill(store, "第一季度", [("华东一组", 5, 5), ("华南组", 4, 4)], seed=1)
        q2 = fill(store, "第二季度", [("华东一组", 6, 4), ("华南组", 4, 3)], seed=2, previous=q1)
        paths = report.write_reports(store, q2, folder / "reports", lang="zh")
        large = fill(store, "全公司", [(f"第{n + 1}组", 2, 1) for n in range(18)], seed=3)
        paths.append(folder / "reports" / "large.html")
        paths[-1].write_text(report.to_html(report.session_report(store, large), "zh"), encoding="utf-8")
    return {p.name: p for p in paths if p.suffix == ".html"}


# ================================================================================ printing, reading


class _Page(HTMLParser):
    """What the HTML shows as text: headings, table header cells, short cells, everything."""

    def __init__(self):
        super().__init__()
        self.open: list[str] = []
        self.texts: dict[str, list[str]] = {}

    def handle_starttag(self, tag, attrs):
        if tag not in ("br", "img", "input", "meta", "hr"):
            self.open.append(tag)

    def handle_endtag(self, tag):
        while self.open and self.open.pop() != tag:
            pass

    def handle_data(self, data):
        text = " ".join(data.split())
        if text and not {"style", "title", "script"} & set(self.open):
            where = self.open[-1] if self.open else ""
            self.texts.setdefault(where, []).append(text)
            self.texts.setdefault("*", []).append(text)


@dataclass
class Printed:
    """A report printed to PDF: per page its text lines and images; the HTML's texts."""

    name: str
    pages: list[list[str]]
    images: list[int]  # images per page
    fill: list[float]  # lowest inked row per page, as a share of the page height
    html: dict[str, list[str]] = field(default_factory=dict)

    def headings(self) -> set[str]:
        return {h for tag in ("h1", "h2", "h3") for h in self.html.get(tag, [])}


def _run(*command: str) -> str:
    done = subprocess.run(command, capture_output=True, timeout=TIMEOUT_S, check=True)
    return done.stdout.decode("utf-8")


def print_pdf(browser, html: Path, artifacts: Path, label: str) -> Printed:
    """Print ``html`` to ``print-<label>.pdf`` and ``print-<label>-<page>.png`` (60 dpi) in ``artifacts``."""
    pdf = artifacts / f"print-{label}.pdf"
    page = browser.new_page()
    try:
        page.set_default_timeout(TIMEOUT_S * 1000)
        page.goto(html.as_uri(), wait_until="load")
        page.pdf(path=str(pdf), format="A4")
    finally:
        page.close()
    text = _run("pdftotext", "-layout", str(pdf), "-").split("\f")[:-1]
    pages = [[line.rstrip() for line in page.splitlines() if line.strip()] for page in text]
    images = [0] * len(pages)
    for row in _run("pdfimages", "-list", str(pdf)).splitlines()[2:]:
        images[int(row.split()[0]) - 1] += 1

    def page_images() -> list[Path]:  # print-<label>-<n>.png, in page order
        found = [p for p in artifacts.glob("print-*.png") if re.fullmatch(rf"print-{label}-\d+", p.stem)]
        return sorted(found, key=lambda p: int(p.stem.rsplit("-", 1)[1]))

    for old in page_images():
        old.unlink()
    _run("pdftoppm", "-png", "-r", "60", str(pdf), str(artifacts / f"print-{label}"))
    fill = []
    for png in page_images():
        grey = imread(png)[..., :3].mean(axis=2)  # 0 black … 1 white
        inked = np.flatnonzero((grey < 0.8).any(axis=1))
        fill.append((inked[-1] + 1) / grey.shape[0] if inked.size else 0.0)
    parser = _Page()
    parser.feed(html.read_text(encoding="utf-8"))
    return Printed(html.name, pages, images, fill, parser.texts)


@pytest.fixture(scope="module")
def printed(written, browser, poppler, artifacts):
    return {
        "session": print_pdf(browser, _one(written, "session-"), artifacts, "session-report"),
        "team": print_pdf(browser, _one(written, "team-华东一组"), artifacts, "team-report"),
        "large": print_pdf(browser, written["large.html"], artifacts, "session-large-report"),
    }


def _one(written: dict[str, Path], prefix: str) -> Path:
    """The report whose file name starts with ``session-``, or the team report of a team by its title."""
    if prefix.startswith("team-"):
        title = f"<h1>团队报告 · {prefix.removeprefix('team-')}</h1>"
        (path,) = [p for p in written.values() if title in p.read_text(encoding="utf-8")]
    else:
        (path,) = [p for name, p in written.items() if name.startswith(prefix)]
    return path


def _cells(line: str) -> list[str]:
    """A layout line cut into its columns (two or more spaces apart)."""
    return [cell for cell in re.split(r"\s{2,}", line.strip()) if cell]


# ================================================================================ tests


@pytest.mark.parametrize("kind", ["team", "session", "large"])
def test_no_page_holds_only_headings_or_is_left_mostly_blank(printed, kind):
    doc = printed[kind]
    headings = doc.headings()
    assert len(doc.pages) == len(doc.fill) >= 1
    for number, (lines, images) in enumerate(zip(doc.pages, doc.images, strict=True), start=1):
        body = [line for line in lines if line.strip() not in headings]
        assert images or len(body) >= 3, f"{doc.name} page {number} holds only {lines}"
    for number, filled in enumerate(doc.fill[:-1], start=1):
        assert filled >= MIN_FILL, f"{doc.name} page {number} is inked only {filled:.0%} down, more follows"


@pytest.mark.parametrize("kind", ["team", "session", "large"])
def test_no_page_ends_on_a_heading_or_a_table_header(printed, kind):
    doc = printed[kind]
    headings, header_cells = doc.headings(), doc.html.get("th", [])
    for number, lines in enumerate(doc.pages[:-1], start=1):
        last = lines[-1].strip()
        assert last not in headings, f"{doc.name} page {number} ends on the heading {last!r}"
        # a header row, even one whose titles wrap (its last line then holds only pieces of them)
        pieces = last.split()
        assert not all(any(piece in cell for cell in header_cells) for piece in pieces), (
            f"{doc.name} page {number} ends on a table header: {last!r}; its rows are on the next page"
        )


@pytest.mark.parametrize("kind", ["team", "session", "large"])
def test_short_cells_and_column_titles_never_wrap_mid_word(printed, kind):
    doc = printed[kind]
    text = "\n".join(line for page in doc.pages for line in page)
    cells = doc.html.get("th", []) + doc.html.get("td", [])
    short = pd.Series([c for c in cells if len(c) <= SHORT and not c[0].isdigit()], dtype=object)
    # each short cell must be found whole at least as often as it is a cell (long texts may hold it too)
    broken = sorted(cell for cell, n in short.value_counts().items() if text.count(cell) < n)
    assert not broken, f"{doc.name}: these cells wrap onto two lines in print: {broken}"


def test_plan_dates_print_as_dates_and_as_edited(browser, printed, written, artifacts):
    """Due dates print as plain text (no field, no calendar icon), as the trainer last set them."""
    html = _one(written, "team-华东一组")
    fields = html.read_text(encoding="utf-8").count('type="date"')
    due = re.search(r'type="date" value="(\d{4}-\d\d-\d\d)"', html.read_text(encoding="utf-8")).group(1)
    text = "\n".join(line for page in printed["team"].pages for line in page)
    assert fields >= 4 * 3 and text.count(due) == fields, f"{text.count(due)} of {fields} due dates printed"
    page = browser.new_page()
    try:
        page.set_default_timeout(TIMEOUT_S * 1000)
        page.goto(html.as_uri(), wait_until="load")
        page.locator('input[type="date"]').first.fill("2031-01-15")
        page.locator("[contenteditable]").first.fill("王经理")
        page.pdf(path=str(artifacts / "print-team-report-edited.pdf"), format="A4")
    finally:
        page.close()
    edited = _run("pdftotext", "-layout", str(artifacts / "print-team-report-edited.pdf"), "-")
    assert edited.count("2031-01-15") == 1 and edited.count(due) == fields - 1 and "王经理" in edited
