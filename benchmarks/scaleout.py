"""Scale-out: HAProxy in front of several app nodes and one PostgreSQL, on loopback; then a node dies.

    python -m benchmarks scaleout                          # 80 trainees, 2 nodes; normal, then kill
    python -m benchmarks scaleout --trainees 20 --nodes 2  # smaller
    python -m benchmarks scaleout --no-kill                # only the normal run
    python -m benchmarks scaleout --database-url URL       # a PostgreSQL server to create databases on

Each node is a real ``workbook serve --no-lab --database-url URL`` with a preheated pool for its
share of the class; HAProxy runs the shipped ``deploy/haproxy/haproxy.cfg`` (cookie affinity,
health checks). The trainees are the classroom benchmark's widget-protocol clients
(:class:`benchmarks.classroom.Trainee`) talking only to the balancer, keeping its cookie like a
browser, plus what the page does when its kernel's connection dies
(:class:`ReconnectingTrainee`): open the page again through the balancer, hand the new kernel
the draft kept in the browser, and let it resend an unacknowledged submit with its key.

Printed: the spread of trainees over the nodes, median and slowest first render, failures,
stored against acknowledged submissions with duplicate keys, memory and CPU per node; with one
node killed (SIGKILL, the node's server and kernels) once a fifth of the submissions are in:
how soon HAProxy marked it down, every acknowledged key present, 0 duplicates, and the seconds
until the displaced trainees could submit again. Without ``--database-url`` (or
``$WORKBOOK_TEST_DATABASE_URL``) a throwaway PostgreSQL is started (``scripts/with-postgres.sh``).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from tornado.httpclient import HTTPClientError

from benchmarks.classroom import ConnectionLost, Trainee, crash_verdict
from benchmarks.cluster import NODE_COOKIE, ROOT, Cluster, free_port, fresh_database
from workbook.store import Store, hash_trainer_code

DEADLINE_S = 600  # one whole burst, cold kernels for a dead node's trainees included
REOPEN_PAUSE_S = 1.0  # between two attempts to reopen the page (the browser's retry)
# What a browser adds before it reopens (workbook/static/browser_draft.js): four missed pings
# 4 s apart, then the notice is shown for 3 s. The clients here notice the closed socket at once.
BROWSER_NOTICE_S = 4 * 4 + 3
TEST_DATABASE_ENV = "WORKBOOK_TEST_DATABASE_URL"


@dataclass
class ReconnectingTrainee(Trainee):
    """A trainee whose page survives its node: on a lost connection it reopens through the balancer.

    The reopened page gets the draft the browser kept (:attr:`kept_draft`); the app refills the
    form from it and resends a submit that was not acknowledged, with the same idempotency key.
    Without a draft (the last submit was acknowledged and nothing typed since) the trainee joins
    again by hand. ``nodes`` lists the node (affinity cookie) of each page opened.
    """

    click_after_draft: bool = True
    # A page reopened on a surviving node waits for a cold kernel there (one starts every 2 s);
    # giving up early would only queue one more kernel for the same trainee.
    page_timeout: float = 170  # under the balancer's 180 s server timeout
    nodes: list = field(default_factory=list)
    lost: int = 0  # connections lost
    recovered_s: list = field(default_factory=list)  # from the loss until the form was back
    resent: int = 0  # submits the reopened page resent by itself
    events: list = field(default_factory=list)  # what happened to this page, for a failure's story

    async def run(self) -> None:
        try:
            await asyncio.wait_for(self._run(), DEADLINE_S)
        except Exception as exc:  # a failure is counted, the class goes on
            self.error = f"{type(exc).__name__}: {exc}"

    async def _run(self) -> None:
        started = time.perf_counter()
        await self._reopen(None)
        self.render_s = time.perf_counter() - started
        joined = False
        try:
            while True:
                try:
                    if not joined:
                        await self._join()
                        joined = True
                    while self.acknowledged < self.submits:
                        await self._submit(self.acknowledged)
                    return
                except ConnectionLost:
                    self.lost += 1
                    lost_at = time.perf_counter()
                    draft = dict(self.kept_draft)
                    self.events.append(("lost", self.acknowledged, draft.get("key"), draft.get("sending")))
                    await self._reopen(draft)
                    joined = await self._resumed(draft)
                    self.recovered_s.append(time.perf_counter() - lost_at)
        finally:
            self._close()

    async def _reopen(self, draft: dict | None) -> None:
        """Open the page (again) until it works: the balancer sends it to a live node."""
        while True:
            try:
                await self._open(restored=draft or None)
                self.nodes.append(self.cookies.get(NODE_COOKIE))
                self.events.append(("opened", self.nodes[-1]))
                return
            except (OSError, ConnectionLost, RuntimeError, AttributeError, TimeoutError, HTTPClientError):
                # refused, reset, 502/503, an incomplete page, a websocket refused or timed out, or
                # one that closed at once: the browser reloads
                self._close_quietly()
                await asyncio.sleep(REOPEN_PAUSE_S)

    async def _resumed(self, draft: dict) -> bool:
        """Wait for the app to bring the draft back; True when the form is there again."""
        if not draft.get("instrument"):
            return False  # nothing kept: join by hand
        await self._wait_for(lambda: self._find_any("spec", strict=False))
        if draft.get("sending"):  # the new kernel resends it with the kept key
            await self._wait_for(self._submitted)
            self.resent += 1
            if draft.get("key") in self.acknowledged_keys:
                self.sending_key = None  # acknowledged before the page was lost: stored once, not counted
            else:
                self.acknowledge()
        return True

    def _close_quietly(self) -> None:
        if getattr(self, "reader", None) is not None:
            self.reader.cancel()
        if getattr(self, "socket", None) is not None:
            self.socket.close()


def new_session(database_url: str) -> str:
    with Store(database_url) as store:
        return store.create_session(
            "扩展测试", trainer_code_hash=hash_trainer_code("BENCH-7Q2K", iterations=1000)
        ).code


def stored_keys(database_url: str) -> list[str]:
    """Every stored submission's idempotency key, one per row (duplicates kept)."""
    with Store(database_url) as store:
        keys = []
        for session in store.sessions():
            keys += [str(key) for key in store.submissions(session)["idempotency_key"]]
        return keys


def cpu_seconds(pids: list[int]) -> float:
    """User + system CPU seconds of these processes so far (Linux /proc)."""
    ticks, total = os.sysconf("SC_CLK_TCK"), 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])
    return total / ticks


def burst(cluster: Cluster, trainees: int, submits: int, kill: str | None) -> dict:
    """One class through the balancer; with ``kill``, that node is killed once a fifth is submitted."""
    code = new_session(cluster.database_url)
    people = [
        ReconnectingTrainee(cluster.base, code, f"第{i % 8 + 1}组", i, submits=submits)
        for i in range(trainees)
    ]
    before = {name: cpu_seconds(server.processes()) for name, server in cluster.servers.items()}
    killed: dict = {}

    async def run() -> None:
        tasks = [asyncio.create_task(p.run()) for p in people]
        if kill:
            while sum(p.acknowledged for p in people) < trainees * submits // 5:
                await asyncio.sleep(0.05)
            killed["acknowledged"] = sum(p.acknowledged for p in people)
            pids = await asyncio.to_thread(cluster.servers[kill].processes)
            killed["at"] = time.perf_counter()
            for pid in pids:  # the node's server and every kernel at once, as a power cut
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            await asyncio.to_thread(cluster.balancer.wait_state, kill, "DOWN")
            killed["down_s"] = time.perf_counter() - killed["at"]
            await asyncio.to_thread(cluster.servers[kill].process.wait)
        await asyncio.gather(*tasks)

    started = time.perf_counter()
    asyncio.run(asyncio.wait_for(run(), DEADLINE_S + 60))
    elapsed = time.perf_counter() - started
    live = {name: server for name, server in cluster.servers.items() if name != kill}
    cpu = {name: cpu_seconds(server.processes()) - before[name] for name, server in live.items()}
    used = {p.kernel for p in people if p.kernel}
    memory = {name: server.memory_mb(used) for name, server in live.items()}
    return {"people": people, "elapsed": elapsed, "killed": killed, "cpu": cpu, "memory": memory}


def report(title: str, run: dict, keys: list[str], trainees: int, submits: int, kill: str | None) -> bool:
    """Print one run's table; True when nothing was lost or stored twice and nobody failed."""
    people = run["people"]
    spread = Counter(p.nodes[0] for p in people if p.nodes)
    renders = sorted(p.render_s for p in people if p.render_s is not None)
    failures = [p.error for p in people if p.error]
    acknowledged = [key for p in people for key in p.acknowledged_keys]
    verdict = crash_verdict(acknowledged, keys)
    complete = len(keys) == trainees * submits
    ok = verdict["met"] and not failures and complete
    rows = [
        ("trainees per node (first page)", ", ".join(f"{n}: {c}" for n, c in sorted(spread.items()))),
        ("first render, median / slowest", _pair(renders)),
        ("whole burst", f"{run['elapsed']:.1f} s"),
        ("failed trainees", str(len(failures))),
        ("acknowledged / stored / expected", f"{len(acknowledged)} / {len(keys)} / {trainees * submits}"),
        ("acknowledged keys missing / key not seen", f"{len(verdict['missing'])} / {verdict['unknown']}"),
        ("duplicate keys stored", str(verdict["duplicates"])),
    ]
    for name, memory in run["memory"].items():
        kernels = memory["used"]
        uss = [u for _, u in kernels] or [float("nan")]
        total = sum(r for r, _ in memory["server"] + memory["used"] + memory["other"])
        rows.append(
            (f"{name}: trainee kernels, USS mean / max", f"{statistics.mean(uss):.0f} / {max(uss):.0f} MB")
        )
        rows.append((f"{name}: RSS of server + all kernels", f"{total / 1024:.1f} GB"))
        served = sum(1 for p in people if p.nodes and p.nodes[-1] == name)
        per = run["cpu"][name] / served if served else float("nan")
        rows.append(
            (f"{name}: CPU during the burst (per trainee)", f"{run['cpu'][name]:.0f} s ({per:.1f} s)")
        )
    if kill:
        moved = [p for p in people if p.lost]
        recovered = sorted(s for p in moved for s in p.recovered_s)
        rows += [
            (f"{kill} killed once acknowledged", f"{run['killed'].get('acknowledged')} submissions"),
            ("HAProxy marked it DOWN after", f"{run['killed'].get('down_s', float('nan')):.1f} s"),
            ("trainees whose page reopened elsewhere", f"{len(moved)}"),
            ("submits resent by the reopened page", f"{sum(p.resent for p in moved)}"),
            ("until they could submit again, median / slowest", _pair(recovered)),
            ("  a browser first misses 4 pings and shows a notice", f"+ {BROWSER_NOTICE_S} s"),
        ]
    print(f"\n{title}")
    width = max(len(name) for name, _ in rows) + 2
    for name, value in rows:
        print(f"{name:<{width}}{value}")
    verdict_line = f"every acknowledged key stored once, {trainees * submits} stored, 0 failures"
    print(f"{'met' if ok else 'NOT MET':<8}{verdict_line}")
    for error in failures[:5]:
        print("  failure:", error)
    unacknowledged = set(keys) - set(acknowledged)
    for person in people:  # when something was stored twice: the story of each page that moved
        if unacknowledged and person.lost:
            print(f"  trainee {person.number}: {person.events}")
    if unacknowledged:
        print(f"  stored, never acknowledged: {len(unacknowledged)}")
    return ok


def _pair(values: list[float]) -> str:
    return f"{statistics.median(values):.2f} / {max(values):.2f} s" if values else "—"


def scaleout(server_url: str, trainees: int, nodes: int, submits: int, kill: bool, normal: bool) -> bool:
    ok = True
    for killing in [k for k, wanted in ((False, normal), (True, kill)) if wanted]:
        with tempfile.TemporaryDirectory() as tmp, fresh_database(server_url) as url:
            cluster = Cluster(Path(tmp), url, nodes=nodes, pool_size=math.ceil(trainees / nodes))
            ready = cluster.start()
            try:
                victim = "node1" if killing else None
                run = burst(cluster, trainees, submits, victim)
                title = (
                    f"scale-out: {trainees} trainees × {submits} submissions via HAProxy, {nodes} nodes, "
                    f"PostgreSQL (nodes ready after {ready:.0f} s)"
                    + (f"; {victim} killed with SIGKILL mid-burst" if killing else "")
                )
                ok &= report(title, run, stored_keys(url), trainees, submits, victim)
            finally:
                cluster.stop()
    return ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks scaleout", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--trainees", type=int, default=80, help="class size (default 80)")
    parser.add_argument("--nodes", type=int, default=2, help="app nodes behind the balancer (default 2)")
    parser.add_argument("--submits", type=int, default=5, help="submissions per trainee (default 5)")
    parser.add_argument("--no-kill", action="store_true", help="skip the run with a node killed")
    parser.add_argument("--only-kill", action="store_true", help="only the run with a node killed")
    parser.add_argument("--database-url", help="PostgreSQL server URL (a database is created on it)")
    args = parser.parse_args(argv)
    server_url = args.database_url or os.environ.get(TEST_DATABASE_ENV)
    if not server_url:  # a throwaway PostgreSQL for this run, as the test suite uses in CI
        script = ROOT / "scripts" / "with-postgres.sh"
        os.environ.setdefault("WORKBOOK_PG_PORT", str(free_port()))  # another run may hold the default
        command = [str(script), sys.executable, "-m", "benchmarks", "scaleout", *(argv or sys.argv[2:])]
        os.execv(str(script), command)
    print(f"machine: {os.cpu_count()} cores, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    ok = scaleout(server_url, args.trainees, args.nodes, args.submits, not args.no_kill, not args.only_kill)
    return 0 if ok else 1
