"""Shared pytest fixtures, one section per area of the workbook."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

# ==================================================================================================
# store: a fresh, empty database for every test of workbook.store
#
# SQLite (a file in the test's tmp_path) always; PostgreSQL as well when
# WORKBOOK_TEST_DATABASE_URL is set, e.g.
#     WORKBOOK_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres
# Its user must be allowed to create databases: each test gets a database of its own on that
# server, dropped afterwards, so tests never see each other's rows.
# ==================================================================================================

STORE_TEST_URL_ENV = "WORKBOOK_TEST_DATABASE_URL"


def _store_backends() -> list[str]:
    return ["sqlite", "postgresql"] if os.environ.get(STORE_TEST_URL_ENV) else ["sqlite"]


@pytest.fixture(params=_store_backends())
def store_url(request, tmp_path) -> Iterator[str]:
    """The SQLAlchemy URL of an empty database, for each backend under test."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workbook.sqlite'}"
    else:
        from benchmarks.cluster import fresh_database

        with fresh_database(os.environ[STORE_TEST_URL_ENV], prefix="workbook_test") as url:
            yield url


@pytest.fixture
def store(store_url):
    """A :class:`workbook.store.Store` on :func:`store_url`, closed after the test."""
    from workbook.store import Store

    opened = Store(store_url)
    yield opened
    opened.close()


# ==================================================================================================


# ==================================================================================================
# classroom server: the real `workbook serve` on a free loopback port, shared by the server and
# browser tests of one run. Its data folder and trainer code are the test's own.
# ==================================================================================================

TRAINER_CODE = "TEST-7Q2K"
BROWSER_REQUIRED_ENV = "WORKBOOK_REQUIRE_BROWSER"  # set in CI: no browser found is a failure, not a skip
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]  # fmt: skip


def shown_session_code(page, title: str) -> str:
    """The join code of the session called ``title``, once the dashboard shows it.

    The session list updates before the join code does, so the code is read from the list's
    entry (``date · title · code``) and then awaited in the large join-code display.
    """
    import re

    from playwright.sync_api import expect

    picker = page.get_by_label("课堂", exact=True)
    expect(picker).to_contain_text(title, timeout=30_000)
    entry = picker.locator("option", has_text=title).first.get_attribute("value")
    code = re.search(r"·\s([A-Z0-9]{6})(?:\s·|$)", entry).group(1)
    expect(page.locator(".wb-code")).to_have_text(code, timeout=30_000)
    return code


def run_coroutine(coroutine):
    """``asyncio.run(coroutine)`` in a thread of its own, and its result.

    Once a test has used Playwright's sync API, an event loop keeps running in the main thread
    for the rest of the session, and ``asyncio.run`` there refuses to start another.
    """
    import asyncio
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Classroom:
    """A running ``workbook serve``: its base URL, data folder, process and log."""

    def __init__(self, folder, pool_size: int = 2):
        import subprocess
        import sys

        self.port, self.folder = free_port(), folder
        self.url = f"http://127.0.0.1:{self.port}/voila/render"
        self.log = folder / "server.log"
        command = [
            *(sys.executable, "-m", "workbook", "serve", "--port", str(self.port), "--lab-port", "0"),
            *("--pool-size", str(pool_size), "--trainer-code", TRAINER_CODE, "--data-dir", str(folder)),
        ]
        env = {k: v for k, v in os.environ.items() if k != "WORKBOOK_DATABASE_URL"}
        with open(self.log, "wb") as log:
            self.process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
        self.wait_ready()

    def wait_ready(self, timeout: float = 120) -> None:
        import time
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text(errors='replace')[-3000:]}")
            try:
                with urllib.request.urlopen(f"{self.url}/index.ipynb", timeout=10) as response:
                    banner_printed = TRAINER_CODE in self.log.read_text(errors="replace")
                    if response.status == 200 and banner_printed:  # the banner follows the first answer
                        return
            except OSError:
                time.sleep(0.5)
        raise RuntimeError(
            f"server not ready after {timeout} s: {self.log.read_text(errors='replace')[-3000:]}"
        )

    def stop(self) -> None:
        import signal

        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except Exception:
                self.process.kill()


@pytest.fixture(scope="session")
def classroom(tmp_path_factory) -> Iterator[Classroom]:
    server = Classroom(tmp_path_factory.mktemp("classroom"))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium through Playwright; skipped without one unless CI requires it."""
    required = os.environ.get(BROWSER_REQUIRED_ENV) == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            raise
        pytest.skip("playwright is not installed")
    if not os.path.exists(CHROMIUM):
        if required:
            pytest.fail(f"{BROWSER_REQUIRED_ENV}=1 but {CHROMIUM} is missing (apt-get install chromium)")
        pytest.skip(f"{CHROMIUM} not found")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts():
    """Folder for screenshots the browser tests leave for people to look at."""
    from pathlib import Path

    folder = Path(
        os.environ.get("WORKBOOK_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts")
    )
    folder.mkdir(parents=True, exist_ok=True)
    return folder
