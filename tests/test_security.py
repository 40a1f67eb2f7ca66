"""Security and resource limits, tried as an attacker in the classroom would (each test failed before
the fix): YAML bombs and loader errors, trainer-code guessing, weak trainer codes, DNS rebinding and
XSRF against the real server, JupyterLab on the network, mathtext in user text, formula injection in
exports, and the crash benchmark's key-by-key check."""

from __future__ import annotations

import http.cookiejar
import json
import re
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from workbook import apps, plots
from workbook.errors import WorkbookInputError
from workbook.instruments import parse_instrument
from workbook.store import Store, hash_trainer_code, neutralise_formulas

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

CODE = "K7M2QX-潮汐"


# ================================================================================ YAML bombs


def billion_laughs(levels: int = 9, fan_out: int = 9) -> str:
    """The classic alias bomb: ``fan_out ** levels`` strings from a few hundred bytes."""
    lines = [f"a0: &a0 [{', '.join(['lol'] * fan_out)}]"]
    for level in range(1, levels):
        lines.append(f"a{level}: &a{level} [{', '.join([f'*a{level - 1}'] * fan_out)}]")
    return "\n".join(lines) + "\n"


def parse_in_child(text: str, timeout: float = 60) -> dict:
    """``parse_instrument(text)`` in a child process with a time limit, so a regression fails fast.

    Returns ``{"keys": [...], "message": ...}`` for a WorkbookInputError, ``{"parsed": id}``
    otherwise; any traceback fails the test (exit code ≠ 0).
    """
    script = textwrap.dedent(
        """
        import json, sys
        from workbook.errors import WorkbookInputError
        from workbook.instruments import parse_instrument
        try:
            inst = parse_instrument(sys.stdin.read(), "bomb.yaml")
            print(json.dumps({"parsed": inst.id}))
        except WorkbookInputError as error:
            print(json.dumps({"keys": error.keys, "message": error.message("en")}))
        """
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", script], input=text, capture_output=True, text=True, timeout=timeout
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    result["seconds"] = time.perf_counter() - started
    return result


def test_a_billion_laughs_instrument_is_refused_at_once():
    result = parse_in_child(billion_laughs())  # 9**9 ≈ 387 million strings; before: > 100 s of CPU
    assert result["keys"] == ["instruments.too_many_aliases"]
    assert "50" in result["message"]  # the limit is named


def test_an_expansion_bomb_within_the_alias_count_is_refused_by_its_size():
    result = parse_in_child(billion_laughs(levels=6, fan_out=8))  # 40 aliases, 8**6 = 262,144 values
    assert result["keys"] == ["instruments.too_many_nodes"]
    assert "50,000" in result["message"]


@pytest.mark.parametrize("text", ["[" * 5000, "a: " + "{b: " * 5000 + "c" + "}" * 5000])
def test_deep_nesting_is_refused_without_a_recursion_error(text):
    result = parse_in_child(text)  # before: RecursionError traceback
    assert result["keys"] == ["instruments.too_deep"]


def test_a_python_tag_is_refused_as_bad_input_and_never_run(tmp_path):
    marker = tmp_path / "ran"
    make = f"!!python/object/apply:pathlib.Path ['{marker}']"
    text = f"id: x\nversion: !!python/object/apply:pathlib.Path.touch [{make}]\n"
    with pytest.raises(WorkbookInputError) as caught:  # before: yaml ConstructorError traceback
        parse_instrument(text, "evil.yaml")
    assert caught.value.keys == ["instruments.yaml_value"] and "line 2" in caught.value.message("en")
    assert not marker.exists()


def test_an_oversized_instrument_file_is_refused_before_it_is_read(tmp_path):
    from workbook.instruments import load_instrument

    path = tmp_path / "huge.yaml"
    path.write_text("id: x\n# " + "x" * 600_000 + "\n", encoding="utf-8")
    with pytest.raises(WorkbookInputError) as caught:
        load_instrument(path)
    assert caught.value.keys == ["instruments.too_large"] and "512" in caught.value.message("en")


def test_a_version_is_the_text_typed():
    from tests.test_instruments import docs_example

    text = docs_example().replace('version: "1.0"', "version: 1.10")
    assert parse_instrument(text, "quick_check.yaml").version == "1.10"  # before: "1.1"


YAML_BITS = st.sampled_from(
    ["id: x\n", "version: 1\n", "- ", "? ", ": ", "[", "]", "{", "}", ",", "&a ", "*a ", "!!str ",
     "!!python/name:os.system ", "!!binary ", "!!timestamp ", "!!set ", "!!omap ", "'", '"', "\n  ", "\t",
     "a", "1.5", "null", "~", "<<: *a\n", "%YAML 1.1\n", "---\n", "...\n", "#", "\\x00", "\x85", "é", "潮",
     # whole pieces that used to escape as tracebacks: a mapping key, a tag, deep nesting
     "? [a, b]\n: c\n", "x: !!python/object/apply:os.getcwd []\n", "[" * 1200]
)  # fmt: skip


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(YAML_BITS, max_size=40).map("".join))
def test_any_text_gives_an_instrument_or_the_one_error_type(text):
    try:  # before: TypeError, ConstructorError, ValueError … escaped as tracebacks
        parse_instrument(text, "fuzz.yaml")
    except WorkbookInputError as error:
        assert error.message("en") and error.message("zh")


@pytest.mark.parametrize(
    "text", ["? [a, b]\n: c\nid: x\n", "id: x\nversion: !!timestamp 2026-13-45\n", "a: !!binary '###'\n",
             "<<: 3\nid: x\n", "id: x\nitems: !!set {a, b}\n"],
)  # fmt: skip
def test_odd_yaml_gives_the_one_error_type(text):
    with pytest.raises(WorkbookInputError):
        parse_instrument(text, "odd.yaml")


# ================================================================================ trainer code


def test_wrong_codes_back_off_across_pages_and_kernels(store_url):
    stored = hash_trainer_code(CODE, iterations=1000)
    with Store(store_url) as first_kernel, Store(store_url) as second_kernel:
        page = apps.TrainerDashboardApp(first_kernel, code_hash=stored)
        for _ in range(4):  # three free typos, the fourth starts the back-off
            assert page.unlock("GUESS-0000") is None
        assert "2" in page.errors.message and not page.unlocked
        # A new page in a new kernel (its own Store on the same database) knows about the guesses:
        # even the right code is not checked until the wait is over.
        fresh = apps.TrainerDashboardApp(second_kernel, code_hash=stored)
        assert fresh.unlock(CODE) is None and not fresh.unlocked
        assert "秒后再试" in fresh.errors.message


def test_ten_wrong_codes_lock_the_dashboard_for_a_while_then_the_right_code_works(store):
    from workbook.store import CodeGuardPolicy

    stored = hash_trainer_code(CODE, iterations=1000)
    policy = CodeGuardPolicy()
    now = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    waits = []
    for _ in range(policy.lockout_failures):
        check = store.check_trainer_code("GUESS", stored, now=now)
        assert check.checked and not check.ok
        waits.append(check.wait_s)
        now += timedelta(seconds=check.wait_s)  # the guesser waits exactly as long as told
    assert waits == [0, 0, 0, 2, 4, 8, 16, 32, 60, 900]  # 3 free, doubling from 2 s to 60 s, then 15 min
    locked = store.check_trainer_code(CODE, stored, now=now - timedelta(seconds=1))
    assert not locked.ok and not locked.checked and locked.locked  # the right code waits too
    again = store.check_trainer_code("GUESS", stored, now=now)
    assert again.locked and again.wait_s == 900  # every further wrong code locks again
    right = store.check_trainer_code(CODE, stored, now=now + timedelta(seconds=900))
    assert right.ok and right.failures == 11  # the trainer learns how many wrong codes came before
    assert store.check_trainer_code("GUESS", stored, now=now + timedelta(seconds=901)).wait_s == 0


def test_wrong_codes_are_logged_without_the_code(store, caplog):
    stored = hash_trainer_code(CODE, iterations=1000)
    with caplog.at_level("INFO", logger="workbook.security"):
        store.check_trainer_code("GUESS-1234", stored)
        store.check_trainer_code(CODE, stored)
    assert "wrong trainer code (1 in a row" in caplog.text and "accepted (1 wrong before)" in caplog.text
    assert "GUESS-1234" not in caplog.text and CODE not in caplog.text


def test_two_pages_guessing_at_once_are_both_counted(store_url):
    from concurrent.futures import ThreadPoolExecutor

    stored = hash_trainer_code(CODE, iterations=1000)
    stores = [Store(store_url) for _ in range(4)]
    try:
        with ThreadPoolExecutor(4) as pool:
            checks = list(pool.map(lambda s: s.check_trainer_code("GUESS", stored), stores * 2))
        assert sorted(c.failures for c in checks if c.checked) == list(
            range(1, 1 + sum(c.checked for c in checks))
        )
    finally:
        for opened in stores:
            opened.close()


@pytest.mark.parametrize("weak", ["1234", "123456", "AAAAAAAA", "abcdefgh", "8K2M"])
def test_a_weak_trainer_code_is_refused_before_the_server_starts(weak, monkeypatch, capsys, tmp_path):
    from workbook import cli, serve

    def no_server(*args, **kwargs):
        raise AssertionError("the server was started with a weak trainer code")

    monkeypatch.setattr(serve.subprocess, "Popen", no_server)
    code = cli.main(["--lang", "en", "serve", "--trainer-code", weak, "--data-dir", str(tmp_path)])
    assert code == cli.EXIT_INPUT
    message = capsys.readouterr().err
    assert "--trainer-code" in message and "too easy to guess" in message and "30" in message


@pytest.mark.parametrize("strong", ["K7M2QX", "TEST-7Q2K", "潮汐-2026-QX"])
def test_codes_as_strong_as_a_generated_one_are_accepted(strong):
    from workbook.serve import MIN_CODE_BITS, check_trainer_code_strength, code_strength_bits

    check_trainer_code_strength(strong)
    assert code_strength_bits(strong) >= MIN_CODE_BITS


# ================================================================================ mathtext


MATH_NAME = r"$\foo$ 团队"


def _all_texts_literal(ax) -> bool:
    from matplotlib.text import Text

    return all(not t.get_parse_math() for t in ax.get_figure(root=True).findobj(Text))


def test_dashboard_shows_a_team_named_like_mathtext(store):
    board = apps.TrainerDashboardApp(store, code_hash=hash_trainer_code(CODE, iterations=1000))
    assert board.unlock(CODE)
    board.create("数学公式")
    from tests.test_apps import join

    for team in (MATH_NAME, "$x^2$"):
        app = join(store, board.session.code, team)
        app.form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
        app.form.submit()
    board.refresh(force=True)  # before: ValueError from matplotlib's mathtext on every refresh
    assert board.errors.message == ""
    assert board.comparison.value[:4] == b"\x89PNG" and board.distribution.value[:4] == b"\x89PNG"


@pytest.mark.parametrize(
    "draw",
    [
        lambda: plots.gap_bars(pd.DataFrame({"team": [MATH_NAME, "b"], "index": [50.0, 60.0]}),
                               x="index", y="team", names=None),
        lambda: plots.radar(pd.DataFrame({"dimension": ["a", "b", "c"] * 2, "score": [50.0, 60, 70] * 2,
                                          "team": [MATH_NAME] * 3 + ["$\\"] * 3}), hue="team"),
        lambda: plots.value_matrix_map(pd.DataFrame({"x": [1.0, 2], "y": [2.0, 1], "g": [MATH_NAME, "$a"]}),
                                       x="x", y="y", hue="g", names=None, title=MATH_NAME),
        lambda: plots.distribution(pd.DataFrame({"index": [50.0, 60, 70], "team": [MATH_NAME, "$", "$"]}),
                                   "index", hue="team", kind="box"),
    ],
    ids=["gap_bars", "radar", "value_matrix_map", "distribution"],
)  # fmt: skip
def test_charts_show_dollar_signs_literally(draw):
    ax = draw()
    assert _all_texts_literal(ax)
    assert plots.to_png(ax)[:8] == plots.PNG_SIGNATURE


def test_reports_draw_names_like_mathtext(store, tmp_path, monkeypatch):
    """Team names reach the reports' HTML (escaped); their charts carry the instrument's dimension names,
    which a trainer writes: a copy of the pulse survey names a dimension like mathtext."""
    from tests.test_apps import join
    from workbook import report
    from workbook.instruments import BUILTIN_DIR, ENV_VAR

    folder = tmp_path / "instruments"
    folder.mkdir()
    text = (BUILTIN_DIR / "pulse.yaml").read_text(encoding="utf-8")
    (folder / "pulse.yaml").write_text(
        text.replace("{zh: 推荐意愿（NPS）", "{zh: '$\\foo$ 推荐意愿'"), encoding="utf-8"
    )
    monkeypatch.setenv(ENV_VAR, str(folder))
    session = store.create_session("报告")
    for team in (MATH_NAME, "$x_1$"):
        app = join(store, session.code, team)
        app.form.set_answers({"recommend": 9, "csat": 4, "ces": 6})
        app.form.submit()
    written = report.write_reports(store, session, tmp_path / "out")  # before: ValueError (mathtext)
    page = next(p for p in written if p.name.startswith("team") and p.suffix == ".html").read_text(
        encoding="utf-8"
    )
    assert "data:image/png;base64," in page and "$\\foo$ 推荐意愿" in page


# ================================================================================ formulas


RISKY = [" =1+1", "\n=1+1", '\r\n=HYPERLINK("http://x")', "  +SUM(A1)", "\t@cmd", "　=1", "＝1+1", "－1"]


def test_formulas_after_spaces_or_line_breaks_are_neutralised():
    frame = pd.DataFrame({"name": [*RISKY, "ok", "价值 = 高"], "n": range(len(RISKY) + 2)})
    out = neutralise_formulas(frame)
    assert all(v.startswith("'") for v in out["name"][: len(RISKY)])
    assert out["name"].tolist()[-2:] == ["ok", "价值 = 高"] and out["n"].tolist() == frame["n"].tolist()


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_exports_never_start_a_cell_with_a_formula(store, tmp_path, suffix):
    session = store.create_session("导出")
    team = store.add_team(session, "=1+1")
    for i, text in enumerate(RISKY):  # answer summaries are kept as typed, leading spaces included
        store.record_attempt(f"m1.t{i}", False, text, team=team)
    written = store.export(session, tmp_path / f"out{suffix}")
    if suffix == ".xlsx":
        book = load_workbook(written[0])
        cells = [c.value for sheet in book for row in sheet.iter_rows() for c in row]
    else:
        cells = [
            v
            for path in written
            for v in pd.read_csv(path, dtype=str, keep_default_na=False).to_numpy().ravel()
        ]
    texts = [c.replace("\r\n", "\n") for c in cells if isinstance(c, str) and c]  # XML keeps no \r
    assert "'=1+1" in texts, texts
    assert all("'" + text.replace("\r\n", "\n") in texts for text in RISKY), texts  # before: " =1+1" as is
    # No cell starts with a formula character, also after leading blanks, unless quoted.
    risky = [
        c for c in texts if c.lstrip(" \t\r\n\u3000")[:1] in tuple("=+-@＝＋－＠") and not c.startswith("'")
    ]
    assert risky == []


# ================================================================================ crash benchmark


def test_the_crash_benchmark_checks_every_acknowledged_key():
    from benchmarks.classroom import crash_verdict

    # Same count, no duplicates, but one acknowledged submission was replaced by another: the old
    # count comparison said "met".
    verdict = crash_verdict(["k1", "k2", "k3"], ["k1", "k2", "k9"])
    assert verdict["missing"] == ["k3"] and not verdict["met"]
    assert crash_verdict(["k1", None], ["k1", "k2"])["unknown"] == 1  # a key never seen is not a pass
    assert crash_verdict(["k1", "k2"], ["k2", "k1", "k3"])["met"]


# ================================================================================ the real server


def _request(url: str, *, headers=None, data=None, method="GET", opener=None):
    request = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with (opener or urllib.request.build_opener()).open(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


EVIL = "rebind.evil.example"


def test_a_rebound_host_name_gets_nothing_from_the_server(classroom):
    port = classroom.port
    page = f"{classroom.url}/index.ipynb"
    assert _request(page, headers={"Host": f"{EVIL}:{port}"})[0] == 403  # before: 200, the full page
    assert _request(page, headers={"Origin": f"http://{EVIL}:{port}"})[0] == 403
    assert _request(page, headers={"Host": f"localhost:{port}"})[0] == 200
    _, body = _request(page)
    kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', body).group(1)

    from tests.conftest import run_coroutine

    async def connect(host: str) -> str:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        url = f"ws://127.0.0.1:{port}/api/kernels/{kernel}/channels?session_id=probe"
        try:
            socket = await websocket_connect(
                HTTPRequest(url, headers={"Host": host, "Origin": f"http://{host}"})
            )
        except Exception as error:  # tornado raises HTTPClientError(403)
            return str(getattr(error, "code", error))
        socket.close()
        return "open"

    assert run_coroutine(connect(f"{EVIL}:{port}")) == "403"  # before: open
    assert run_coroutine(connect(f"127.0.0.1:{port}")) == "open"
    shutdown = f"http://127.0.0.1:{port}/voila/api/shutdown/{kernel}"
    assert _request(shutdown, method="POST", data=b"", headers={"Host": f"{EVIL}:{port}"})[0] == 403
    assert _request(f"http://127.0.0.1:{port}/api/kernels/{kernel}")[0] == 200  # still running


def test_shutdown_needs_the_pages_xsrf_token(classroom):
    # Before: no _xsrf cookie was ever set, and XSRF checks were off so that any POST stopped a kernel.
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    status, body = _request(f"{classroom.url}/index.ipynb", opener=opener)
    assert status == 200
    kernel = re.search(r'"kernelId": "([0-9a-f-]+)"', body).group(1)
    token = next((c.value for c in jar if c.name == "_xsrf"), None)
    assert token, "the page sets the _xsrf cookie that its tab-close request sends back"
    base = classroom.url.rsplit("/voila/render", 1)[0]
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    # Without the token (what another site's form could send): refused. Before: 204, kernel gone.
    assert _request(f"{base}/voila/api/shutdown/{kernel}", method="POST", data=b"", headers=form,
                    opener=opener)[0] == 403  # fmt: skip
    assert _request(f"{base}/voila/api/shutdown/{kernel}", method="POST", data=f"_xsrf={token}".encode(),
                    headers=form, opener=opener)[0] == 204  # fmt: skip
    assert _request(f"{base}/api/kernels/{kernel}")[0] == 404


def test_leaving_the_page_stops_its_kernel_with_xsrf_checks_on(classroom, browser):
    """Voilà's page sends ``POST /voila/api/shutdown/<kernel>`` with the ``_xsrf`` cookie's value when it
    unloads; with XSRF checks on, that needs the cookie the server now sets (it never did before)."""
    page = browser.new_page()
    try:
        page.goto(f"{classroom.url}/index.ipynb", wait_until="load", timeout=120_000)
        page.wait_for_selector(
            ".jupyter-widgets", timeout=60_000
        )  # the widget manager (and its beacon) is up
        kernel = page.evaluate(
            "JSON.parse(document.getElementById('jupyter-config-data').textContent).kernelId"
        )
        base = classroom.url.rsplit("/voila/render", 1)[0]
        assert _request(f"{base}/api/kernels/{kernel}")[0] == 200
        # Leaving the page (a reload, a link, a closed tab) fires its beforeunload beacon. Headless
        # Chromium drops a beacon sent while a page is being closed, so leave by navigating.
        page.goto("about:blank")
    finally:
        page.close()
    deadline = time.monotonic() + 30
    while _request(f"{base}/api/kernels/{kernel}")[0] != 404:
        assert time.monotonic() < deadline, "the closed tab's kernel is still running"
        time.sleep(0.5)


def test_jupyterlab_stays_on_loopback_when_the_apps_are_on_the_network(tmp_path):
    """Start the real server with --host 0.0.0.0 and look at what JupyterLab listens on."""
    import psutil

    from tests.conftest import TRAINER_CODE, free_port

    port, lab_port = free_port(), free_port()
    log = tmp_path / "server.log"
    command = [sys.executable, "-m", "workbook", "serve", "--host", "0.0.0.0", "--port", str(port),
               "--lab-port", str(lab_port), "--pool-size", "1", "--trainer-code", TRAINER_CODE,
               "--data-dir", str(tmp_path)]  # fmt: skip
    with open(log, "wb") as out:
        server = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        listening: set[str] = set()
        while time.monotonic() < deadline and not listening:
            assert server.poll() is None, log.read_text(errors="replace")[-3000:]
            listening = {
                c.laddr.ip for c in psutil.net_connections("inet")
                if c.status == psutil.CONN_LISTEN and c.laddr.port == lab_port
            }  # fmt: skip
            time.sleep(0.5)
        assert listening == {"127.0.0.1"}, listening  # before: {"0.0.0.0"}
        while time.monotonic() < deadline + 120 and TRAINER_CODE not in log.read_text(errors="replace"):
            time.sleep(0.5)  # the banner comes once the apps answer
        assert "--lab-host" in log.read_text(errors="replace")  # the banner says how to open it
    finally:
        children = psutil.Process(server.pid).children(recursive=True)
        server.terminate()  # workbook serve stops Voilà and JupyterLab on SIGTERM
        server.wait(timeout=30)
        for child in children:
            if child.is_running():
                child.kill()


def test_the_lockout_holds_for_a_new_page_of_the_real_server(tmp_path, browser, artifacts):
    """Nine wrong codes already in the store; the tenth, typed in the page, locks the dashboard, and a
    new page (a new kernel) refuses even the right code. Its own server: the shared one must stay open."""
    from tests.conftest import TRAINER_CODE, Classroom
    from workbook.store import DATABASE_FILE

    def open_app(browser, url):  # as tests.test_browser.open_app, with room for a busy machine
        page = browser.new_page(viewport={"width": 1280, "height": 1000}, locale="zh-CN")
        page.goto(url, timeout=120_000)  # the second page waits for a fresh kernel
        page.wait_for_selector(".jupyter-widgets", timeout=120_000)
        return page

    server = Classroom(tmp_path, pool_size=1)
    try:
        with Store(f"sqlite:///{tmp_path / DATABASE_FILE}") as store:
            earlier = datetime.now(UTC) - timedelta(hours=1)  # nine guesses an hour ago, waits long over
            for _ in range(9):
                check = store.check_trainer_code("GUESS", "pbkdf2_sha256$1$00$00", now=earlier)
                earlier += timedelta(seconds=check.wait_s)
            assert check.failures == 9
        first = open_app(browser, f"{server.url}/trainer_dashboard.ipynb")
        first.get_by_placeholder("培训师代码").fill("GUESS-10")
        first.get_by_role("button", name="解锁").click()
        first.get_by_text("看板锁定 15 分钟").wait_for(timeout=30_000)
        first.close()
        second = open_app(browser, f"{server.url}/trainer_dashboard.ipynb")
        second.get_by_placeholder("培训师代码").fill(TRAINER_CODE)
        second.get_by_role("button", name="解锁").click()
        second.get_by_text("看板锁定").wait_for(timeout=30_000)  # before: the right code opened it
        second.screenshot(path=str(artifacts / "security-dashboard-locked.png"), full_page=True)
        assert not second.get_by_role("button", name="新建课堂").is_visible()
        second.close()
        log = (tmp_path / "server" / "voila.log").read_text(errors="replace")  # the apps server's log
        assert "wrong trainer code (10 in a row" in log and "refused unchecked" in log
    finally:
        server.stop()


def test_readme_and_serve_help_say_what_is_protected_and_what_is_not(capsys):
    from pathlib import Path

    from workbook import cli

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Security", 1)[1].split("\n## ", 1)[0]
    for promise in ("--lab-host", "--allowed-host", "--public-url", "TLS", "15 minutes", "512 KB", "OWASP"):
        assert promise in section, promise
    assert "没有 TLS 加密" in readme
    with pytest.raises(SystemExit):
        cli.main(["serve", "--help"])
    help_text = capsys.readouterr().out
    for promise in ("--lab-host", "--allowed-host", "15 min", "no TLS", "403"):
        assert promise in help_text, promise
