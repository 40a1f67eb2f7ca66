"""Time to build every report of a 60-person session, as ``workbook report`` does after a workshop.

    python -m benchmarks reports [--teams 6] [--members 10]

A temporary SQLite store gets an earlier session and a re-assessment linked to it; in each,
every member of every team answers the pulse survey and rates the team's key account with the
客情关系评价表 (random answers on each scale, fixed seed), and records a few exercise attempts.
Then the session report and one report per team are written as HTML and Excel
(:func:`workbook.report.write_reports`). Target: under 30 s for 60 people. The CPU seconds of
the process are printed beside the elapsed ones: on a shared machine they are what to compare.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from workbook import report
from workbook.datasets import random_answers
from workbook.instruments import load_instrument
from workbook.store import Store, WorkshopSession, new_key

INSTRUMENTS = ("pulse", "relationship")
TARGET_S = 30.0


def fill_session(store: Store, title: str, teams: int, members: int, seed: int, previous=None):
    """One session: ``teams`` × ``members`` people, each submitting every instrument once."""
    rng = np.random.default_rng(seed)
    session = store.create_session(title, previous_session_id=previous.id if previous else None)
    for t in range(teams):
        team = store.add_team(session, f"第{t + 1}组")
        for m in range(members):
            person = store.add_respondent(team, f"学员{t + 1}-{m + 1}")
            for instrument_id in INSTRUMENTS:
                account = f"重点客户{t + 1}" if instrument_id == "relationship" else None
                version = load_instrument(instrument_id).version
                store.submit(team, instrument_id, version, random_answers(instrument_id, rng),
                             key=new_key(), account=account, respondent=person)  # fmt: skip
            for task in ("m1.t1", "m3.t2"):
                store.record_attempt(task, bool(rng.random() < 0.7), session=session, team=team,
                                     respondent=person, key=new_key())  # fmt: skip
    return session


def build(store: Store, session: WorkshopSession, folder: Path) -> tuple[float, float, int]:
    """Write every report of ``session``: elapsed seconds, CPU seconds of this process, files written."""
    start, cpu = time.perf_counter(), time.process_time()
    written = report.write_reports(store, session, folder)
    return time.perf_counter() - start, time.process_time() - cpu, len(written)


def main(argv: list[str] | None = None) -> int:
    summary = __doc__.split("\n\n")[0]
    parser = argparse.ArgumentParser(prog="python -m benchmarks reports", description=summary)
    parser.add_argument("--teams", type=int, default=6)
    parser.add_argument("--members", type=int, default=10)
    args = parser.parse_args(argv)
    with (
        tempfile.TemporaryDirectory() as folder,
        Store(f"sqlite:///{Path(folder) / 'bench.sqlite'}") as store,
    ):
        start = time.perf_counter()
        earlier = fill_session(store, "第一季度", args.teams, args.members, seed=1)
        later = fill_session(store, "第二季度", args.teams, args.members, seed=2, previous=earlier)
        filled = time.perf_counter() - start
        seconds, cpu, files = build(store, later, Path(folder) / "reports")
    people = args.teams * args.members
    print(f"\nreports of a {people}-person session ({args.teams} team(s), {len(INSTRUMENTS)} questionnaires "
          f"each, linked to an earlier session)")  # fmt: skip
    print(f"{'filling the two sessions (not part of the target)':<52}{filled:7.1f} s")
    print(f"{f'all reports, HTML + Excel ({files} files)':<52}{seconds:7.1f} s  ({cpu:.1f} s CPU)")
    met = "met    " if seconds < TARGET_S else "NOT MET"
    print(f"\n{met} all reports < {TARGET_S:.0f} s")
    return 0
