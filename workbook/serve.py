"""``workbook serve``: the classroom server — Voilà apps with a landing page, and JupyterLab beside it.

Voilà is configured for a class (all in :func:`voila_config`, measured in ``benchmarks/classroom.py``):

* preheated kernel pools: each app has kernels that already ran its notebook, so a trainee's
  page appears at once instead of after a kernel start (≈ 1–3 s and 2 CPU-seconds each);
  kernels start one at a time (:mod:`workbook.pacing`), so refilling the pools never starves the class;
* idle kernels are culled (Voilà never does by default), and a closed tab stops its kernel; a
  self-assessment page pings its kernel, and a kernel whose page stopped pinging is culled after
  ``ping_timeout`` (a phone that died frees its kernel in minutes, its answers kept in its browser);
* the self-assessment pool is filled to ``pool_size`` (the class arriving together) and then kept
  at ``spare_kernels`` (:mod:`workbook.pacing`), so a class of N leaves about N + spare kernels;
* a time limit per notebook execution, sources stripped, tracebacks never sent to the browser;
* larger websocket messages, so an uploaded Excel file of a few MB reaches the app.

The trainer code is handed to the kernels only as a salted hash (``WORKBOOK_TRAINER_CODE_HASH``);
a code weaker than a generated one is refused (:func:`check_trainer_code_strength`), and wrong codes
are slowed down and locked out in the store (:meth:`workbook.store.Store.check_trainer_code`).
The servers' own logs go to ``<data folder>/server/*.log`` (``--verbose`` shows them), so the banner
with the addresses to hand out is the last thing printed, once the apps answer.

Security (see README, "Security"): Voilà runs through :mod:`workbook.voila_server`, which serves
only the host names in :func:`allowed_hosts` (DNS rebinding) with XSRF checks on; JupyterLab, which
runs any code its user types, listens on 127.0.0.1 unless ``lab_host`` says otherwise.

>>> config = voila_config(ServeOptions(pool_size=8))
>>> config["VoilaKernelManager"]["kernel_pools_config"]["self_assessment.ipynb"]["pool_size"]
8
>>> config["VoilaConfiguration"]["show_tracebacks"], config["VoilaConfiguration"]["strip_sources"]
(False, True)
"""

from __future__ import annotations

import json
import math
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

from sqlalchemy.engine import make_url

from workbook import WITHOUT_PYARROW_ENV, i18n
from workbook.errors import fail
from workbook.store import (
    DATA_DIR_ENV,
    DATABASE_FILE,
    DATABASE_URL_ENV,
    DEFAULT_DATA_DIR,
    TRAINER_CODE_ENV,
    hash_trainer_code,
    normalize_join_code,
)

APPS_DIR = Path(__file__).resolve().parent.parent / "notebooks" / "apps"
APPS = ("self_assessment.ipynb", "value_matrix_explorer.ipynb", "trainer_dashboard.ipynb")
LANDING = "index.ipynb"
SELF_ASSESSMENT = "self_assessment.ipynb"
PUBLIC_URL_ENV = "WORKBOOK_PUBLIC_URL"  # the address trainees reach the apps at (QR code, join link)
LAB_URL_ENV = "WORKBOOK_LAB_URL"  # the course in JupyterLab, without its token (landing page link)
LAST_SERVER_NAME = "last-server.json"  # in the default data folder: where `report`/`export` find the store
READY_TIMEOUT = 180  # seconds the apps may take to answer at start before the banner says so
INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # charts under the cells in JupyterLab
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector
CODE_LENGTH = 6
# A given trainer code must be at least as hard to guess as a generated one: 6 × log2(32) = 30 bits.
MIN_CODE_BITS = CODE_LENGTH * math.log2(len(CODE_ALPHABET))
LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
ALL_INTERFACES = ("0.0.0.0", "::", "")


@dataclass(frozen=True)
class ServeOptions:
    """Everything ``workbook serve`` can be told; the defaults run a class on this machine only.

    Sizes are kernels, times seconds. ``pool_size`` is for the self-assessment app (every trainee
    opens it at once); the explorer gets a quarter of it, the landing page and dashboard one each.
    """

    host: str = "127.0.0.1"
    port: int = 8866
    lab_port: int | None = 8888  # None: no JupyterLab
    lab_host: str = "127.0.0.1"  # JupyterLab runs any code: the network only when asked (--lab-host)
    public_url: str | None = None  # e.g. http://10.0.0.5:8866 behind NAT or a proxy; default: from host
    allowed_hosts: tuple[str, ...] = ()  # further host names the apps may be reached by
    verbose: bool = False  # show the servers' logs instead of keeping them in the data folder
    trainer_code: str | None = None
    data_dir: Path | None = None
    database_url: str | None = None
    pool_size: int = 6
    cull_idle_timeout: int = 3600  # a trainee who walked away for an hour gives their kernel back
    cull_interval: int = 60
    ping_timeout: int = 300  # a self-assessment page that sent no ping for this long has gone
    spare_kernels: int = 1  # self-assessment kernels kept ready once the first pool is used
    execution_timeout: int = 120  # one app notebook must run within this
    max_upload_mb: int = 32
    refill_delay: float = 1.0  # seconds before a used preheated kernel is replaced
    kernel_spacing: float = 2.0  # seconds between two kernel starts (workbook.pacing)


def voila_config(options: ServeOptions) -> dict:
    """The Voilà configuration (``voila.json``) for a class, as a dict."""
    pools = {
        "default": {"pool_size": 1},
        LANDING: {"pool_size": 1},
        "trainer_dashboard.ipynb": {"pool_size": 1},
    }
    # One kernel per trainee: two malloc arenas instead of one per thread keep each a few MB smaller,
    # and pandas goes without pyarrow there (see workbook/__init__.py): 40 MB less in every kernel.
    pools["self_assessment.ipynb"] = {
        "pool_size": options.pool_size,
        "kernel_env_variables": {"MALLOC_ARENA_MAX": "2", WITHOUT_PYARROW_ENV: "1"},
    }
    # Used by groups later in the course: two ready kernels, the rest start when asked for (a few
    # seconds each). A quarter of the class kept waiting all day cost 10 kernels (≈ 1.5 GB) for 40.
    pools["value_matrix_explorer.ipynb"] = {"pool_size": max(1, min(2, options.pool_size // 4))}
    return {
        "Voila": {
            "ip": options.host,
            "port": options.port,
            "port_retries": 0,
            "open_browser": False,
            "kernel_websocket_connection_class": "workbook.pacing.ClassroomKernelConnection",
            "tornado_settings": {
                "websocket_max_message_size": options.max_upload_mb * 2**20,
                # XSRF checks stay on: workbook.voila_server gives the page its _xsrf cookie, which
                # Voilà's tab-close beacon sends back, so a closed tab still stops its kernel.
                "disable_check_xsrf": False,
                # Only these names are served (workbook.voila_server); jupyter_server's own check is
                # switched back on too, in case the config is used without it.
                "allow_remote_access": False,
                "workbook_allowed_hosts": allowed_hosts(options),
            },
        },
        "VoilaConfiguration": {
            "multi_kernel_manager_class": "workbook.pacing.PacedKernelManager",
            "preheat_kernel": True,
            "strip_sources": True,
            "show_tracebacks": False,
            "file_allowlist": [],
        },
        # A used kernel is replaced after ``refill_delay`` (Voilà parks the replacement in the pool at
        # once, so a long delay would make the next visitor wait). Kernels start one at a time,
        # ``kernel_spacing`` apart (workbook.pacing): unpaced, a class of 40 arriving together set off
        # 40 replacements at once and every first page waited 30 s (measured).
        "VoilaKernelManager": {"kernel_pools_config": pools, "fill_delay": options.refill_delay},
        "MappingKernelManager": {
            "cull_idle_timeout": options.cull_idle_timeout,
            "cull_interval": options.cull_interval,
            "cull_connected": False,  # an open page keeps its kernel; a closed tab is culled
        },
        "PacedKernelManager": {
            "start_spacing": options.kernel_spacing,
            "refill_pool_sizes": {"self_assessment.ipynb": min(options.spare_kernels, options.pool_size)},
            "pinged_notebooks": {"self_assessment.ipynb": options.ping_timeout},
        },
        "VoilaExecutor": {"timeout": options.execution_timeout},
    }


def new_trainer_code() -> str:
    """A random six-character trainer code that reads well aloud and on a projector."""
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def code_strength_bits(code: str) -> float:
    """How hard ``code`` is to guess, in bits: its telling characters × log2 of the kinds it mixes.

    The code is read as it is checked (:func:`workbook.store.normalize_join_code`: any case,
    spaces and dashes dropped), so only what tells codes apart counts. A character that repeats
    the one before it or continues a run (``AAAA``, ``1234``, ``ABCD``, ``9876``) tells nothing
    and is not counted; each kind used adds its size to the alphabet a guesser must try: digits
    10, letters 26, other ASCII 33, anything else (e.g. Chinese) 100. A generated code has
    6 × log2(32) = 30 bits.

    >>> round(code_strength_bits("8K2M4Q"), 1), round(code_strength_bits("1234"), 1)
    (31.0, 3.3)
    >>> round(code_strength_bits("AAAAAAAA"), 1), round(code_strength_bits("潮汐-K7m2"), 1)
    (4.7, 42.5)
    """
    kinds = ((str.isdigit, 10), (str.isupper, 26), (lambda c: c.isascii(), 33))
    telling, before = 0, None
    used = set()
    for char in normalize_join_code(code):
        kind = next((i for i, (test, _) in enumerate(kinds) if char.isascii() and test(char)), len(kinds))
        used.add(kind)
        if before is None or abs(ord(char) - ord(before)) > 1:  # not a repeat, not a run
            telling += 1
        before = char
    alphabet = sum(kinds[k][1] if k < len(kinds) else 100 for k in used)
    return telling * math.log2(alphabet) if alphabet else 0.0


def check_trainer_code_strength(code: str) -> None:
    """Refuse a trainer code weaker than a generated one (:data:`MIN_CODE_BITS`), saying why.

    With the store's back-off a guesser gets about 100 codes a day; a 4-digit code (10,000
    possibilities, 13 bits) would still fall within a few months of classes, a generated one never.

    >>> check_trainer_code_strength("K7M2QX")
    >>> try:
    ...     check_trainer_code_strength("1234")
    ... except Exception as error:
    ...     print(error.keys)
    ['serve.weak_code']
    """
    bits = code_strength_bits(code)
    if bits < MIN_CODE_BITS:
        raise fail("--trainer-code", "serve.weak_code", bits=bits, need=MIN_CODE_BITS, length=len(code))


def _machine_addresses() -> set[str]:
    """This machine's own names and addresses, as trainees on its network may type them."""
    names = {_display_host("0.0.0.0")}
    try:
        hostname = socket.gethostname()
        names |= {hostname, f"{hostname}.local"}
        names |= {info[4][0] for info in socket.getaddrinfo(hostname, None)}
    except OSError:  # no resolvable host name: the address of the default route is enough
        pass
    return {name.lower() for name in names if name}


def allowed_hosts(options: ServeOptions) -> list[str]:
    """The host names the apps answer to; any other ``Host`` or ``Origin`` gets 403 (DNS rebinding).

    Always localhost, 127.0.0.1 and ::1; the bind address; when bound to every interface
    (``0.0.0.0``) this machine's names and LAN addresses; the host of ``public_url``; each of
    ``allowed_hosts``.

    >>> allowed_hosts(ServeOptions(host="10.0.0.5", public_url="https://crm.example.com/x"))
    ['10.0.0.5', '127.0.0.1', '::1', 'crm.example.com', 'localhost']
    """
    from workbook.voila_server import host_name

    names = set(LOOPBACK_NAMES)
    if options.host in ALL_INTERFACES:
        names |= _machine_addresses()
    else:
        names.add(host_name(options.host))
    if options.public_url:
        names.add(host_name(urlsplit(options.public_url).netloc or options.public_url))
    names |= {host_name(name) for name in options.allowed_hosts}
    return sorted(name for name in names if name)


def server_environment(options: ServeOptions, trainer_code: str) -> dict[str, str]:
    """Environment of Voilà and its kernels: where the data lives, the hashed trainer code, the
    address trainees reach the apps at and the course's JupyterLab address."""
    env = dict(os.environ)
    data_dir = Path(options.data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).resolve()
    env[DATA_DIR_ENV] = str(data_dir)
    if options.database_url:
        env[DATABASE_URL_ENV] = options.database_url
    env[TRAINER_CODE_ENV] = hash_trainer_code(trainer_code)
    env[PUBLIC_URL_ENV] = public_url(options)
    if options.lab_port:
        env[LAB_URL_ENV] = lab_url(options)
    env["MPLBACKEND"] = "Agg"  # app kernels draw PNG bytes only; no display backend to import
    # Fewer malloc arenas for the kernels' threads: the same work in noticeably less resident memory.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env


def lab_environment(env: dict[str, str], token: str) -> dict[str, str]:
    """Environment of JupyterLab and its kernels: the apps' environment, but charts appear under the
    cells (the inline backend, whatever the shell or the apps set) and the access token is ours."""
    return {**env, "MPLBACKEND": INLINE_BACKEND, "JUPYTER_TOKEN": token}


def public_url(options: ServeOptions) -> str:
    """Where trainees reach the apps: ``--public-url``, else this machine's address and the port.

    >>> public_url(ServeOptions(host="127.0.0.1", port=8866))
    'http://127.0.0.1:8866'
    >>> public_url(ServeOptions(public_url="https://crm.example.cn/workshop/"))
    'https://crm.example.cn/workshop'
    """
    if options.public_url:
        return options.public_url.rstrip("/")
    return f"http://{_url_host(_display_host(options.host))}:{options.port}"


def lab_url(options: ServeOptions, token: str | None = None) -> str:
    """The course in JupyterLab; with ``token`` the address that logs the trainer in."""
    url = f"http://{_url_host(_display_host(options.lab_host))}:{options.lab_port}/lab/tree/notebooks"
    return f"{url}?token={token}" if token else url


def join_url(code: str, base: str | None = None) -> str:
    """The link (and QR code) that opens the self-assessment with the join code filled in.

    ``base`` defaults to ``$WORKBOOK_PUBLIC_URL`` (set by ``workbook serve``).

    >>> join_url("AB3K9Z", "http://10.0.0.5:8866")
    'http://10.0.0.5:8866/voila/render/self_assessment.ipynb?code=AB3K9Z'
    """
    base = (base or os.environ.get(PUBLIC_URL_ENV) or "http://127.0.0.1:8866").rstrip("/")
    return f"{base}/voila/render/{SELF_ASSESSMENT}?code={quote(code)}"


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host and not host.startswith("[") else host


def voila_command(config_dir: Path) -> list[str]:
    """Voilà through :mod:`workbook.voila_server` (host allow-list, the page's XSRF cookie)."""
    server = (sys.executable, "-m", "workbook.voila_server")
    return [*server, str(APPS_DIR), f"--Voila.config_file_paths={config_dir}"]


def lab_command(host: str, port: int, *, open_browser: bool = False) -> list[str]:
    """JupyterLab on the course: the repository as its root, opening on ``notebooks/``."""
    root = APPS_DIR.parent.parent
    command = [
        *(sys.executable, "-m", "jupyter", "lab", f"--ip={host}", f"--port={port}"),
        *(f"--ServerApp.root_dir={root}", "--LabApp.default_url=/lab/tree/notebooks"),
        # A classroom machine is often offline: no news feed or update check asking the trainer first.
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if not open_browser:
        command.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        command.append("--allow-root")  # containers and classroom servers often run as root
    return command


def _display_host(host: str) -> str:
    if host in ("0.0.0.0", "::", ""):
        import socket

        try:  # the address trainees on the same network type in
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
                probe.connect(("10.255.255.255", 1))
                return probe.getsockname()[0]
        except OSError:
            return socket.gethostname()
    return host


def banner(
    options: ServeOptions, trainer_code: str, env: dict[str, str], lab_token: str | None = None
) -> str:
    """What the trainer reads at start: the URLs to hand out, the trainer code, where data is kept and
    the after-session commands that read that data."""
    base = f"{env.get(PUBLIC_URL_ENV) or public_url(options)}/voila/render"
    lines = [
        i18n.t("serve.banner.title"),
        i18n.t("serve.banner.landing", url=f"{base}/{LANDING}"),
        i18n.t("serve.banner.self", url=f"{base}/{SELF_ASSESSMENT}"),
        i18n.t("serve.banner.vm", url=f"{base}/value_matrix_explorer.ipynb"),
        i18n.t("serve.banner.dash", url=f"{base}/trainer_dashboard.ipynb"),
        i18n.t("serve.banner.code", code=trainer_code),
    ]
    if options.lab_port:
        lines.append(i18n.t("serve.banner.lab", url=lab_url(options, lab_token)))
        local = options.lab_host in LOOPBACK_NAMES
        lines.append(i18n.t("serve.banner.lab_local" if local else "serve.banner.lab_network"))
    lines.append(i18n.t("serve.banner.hosts", hosts=", ".join(allowed_hosts(options))))
    lines.append(i18n.t("serve.banner.data", url=_shown_store(env)))
    lines.append(i18n.t("serve.banner.after", cmd=_command(), options=_store_options(options, env)))
    if options.host in LOOPBACK_NAMES and not options.public_url:
        lines.append(i18n.t("serve.banner.local_only"))
    if not options.verbose:
        lines.append(i18n.t("serve.banner.logs", folder=Path(env[DATA_DIR_ENV]) / "server"))
    lines.append(i18n.t("serve.banner.stop"))
    return "\n".join(lines)


def _command() -> str:
    """How to call ``workbook`` from this shell: by name on PATH, else this environment's script
    (``.venv/bin/workbook`` after ``make serve``; ``Scripts\\workbook.exe`` on Windows)."""
    if shutil.which("workbook"):
        return "workbook"
    script = Path(sys.executable).parent / ("workbook.exe" if os.name == "nt" else "workbook")
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def _store_url(env: dict[str, str]) -> str:
    """The store the server's kernels open (the environment they get, not this process's)."""
    if env.get(DATABASE_URL_ENV):
        return env[DATABASE_URL_ENV]
    return f"sqlite:///{Path(env[DATA_DIR_ENV]) / DATABASE_FILE}"


def _shown_store(env: dict[str, str]) -> str:
    url = make_url(_store_url(env))
    return str(Path(url.database)) if url.get_backend_name() == "sqlite" else url.render_as_string()


def _store_options(options: ServeOptions, env: dict[str, str]) -> str:
    """The options that make ``report``/``export`` read the server's store ("" for the default one)."""
    if env.get(DATABASE_URL_ENV):
        return (
            " --database-url '<URL>'"
            if make_url(env[DATABASE_URL_ENV]).password
            else (f" --database-url '{env[DATABASE_URL_ENV]}'")
        )
    data_dir = Path(env[DATA_DIR_ENV])
    return "" if data_dir == DEFAULT_DATA_DIR.resolve() else f' --data-dir "{data_dir}"'


def remember_store(env: dict[str, str]) -> None:
    """Note where this server keeps its data, so ``workbook report``/``export`` without options read the
    same store. A URL with a password is not written down (the commands then need ``--database-url``)."""
    url = make_url(_store_url(env))
    record = {"data_dir": env[DATA_DIR_ENV]}
    if env.get(DATABASE_URL_ENV) and not url.password:
        record["database_url"] = env[DATABASE_URL_ENV]
    try:
        _last_server_file().parent.mkdir(parents=True, exist_ok=True)
        _last_server_file().write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    except OSError:  # a read-only checkout: the banner still prints the exact command
        pass


def last_server_store() -> str | None:
    """The store URL the last ``workbook serve`` on this checkout used, if it noted one."""
    try:
        record = json.loads(_last_server_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("database_url"):
        return record["database_url"]
    return f"sqlite:///{Path(record['data_dir']) / DATABASE_FILE}" if record.get("data_dir") else None


def _last_server_file() -> Path:
    """The note in the data folder this shell uses by default (``$WORKBOOK_DATA_DIR`` or ``data/``),
    whatever ``--data-dir`` the server was given: that is where a later command looks."""
    return Path(os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR) / LAST_SERVER_NAME


def _start(command: list[str], env: dict[str, str], log: Path | None) -> subprocess.Popen:
    """Start a child server; its output goes to ``log`` (or this terminal when ``None``)."""
    if log is None:
        return subprocess.Popen(command, env=env)
    with open(log, "ab") as out:  # the child keeps its own handle
        return subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT)


def _wait_until_answering(url: str, children: list[subprocess.Popen], timeout: float) -> bool:
    """Poll ``url`` until it answers; False if a child exits or ``timeout`` seconds pass."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and all(child.poll() is None for child in children):
        try:
            with urllib.request.urlopen(url, timeout=10):
                return True
        except OSError:
            time.sleep(0.5)
    return False


def _readiness_urls(options: ServeOptions, lab_token: str | None) -> dict[str, str]:
    """What must answer before the banner's addresses are printed, by server.

    Voilà's list of the apps answers once Voilà does and takes no kernel (a rendered app would
    keep a pooled kernel busy, unseen, until the idle cull an hour later); JupyterLab's status
    needs its token.

    >>> _readiness_urls(ServeOptions(port=8866, lab_port=8888, lab_host="0.0.0.0"), "t0k")
    {'voila': 'http://127.0.0.1:8866/', 'lab': 'http://127.0.0.1:8888/api/status?token=t0k'}
    """
    urls = {"voila": f"http://127.0.0.1:{options.port}/"}
    if options.lab_port:
        reachable = options.lab_host in (*ALL_INTERFACES, "localhost", "127.0.0.1")
        host = "127.0.0.1" if reachable else _url_host(options.lab_host)
        urls["lab"] = f"http://{host}:{options.lab_port}/api/status?token={lab_token}"
    return urls


def _tail(path: Path | None, lines: int = 30) -> str:
    if path is None or not path.exists():
        return ""
    return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])


def serve(options: ServeOptions) -> int:
    """Run Voilà (and JupyterLab) until Ctrl+C or SIGTERM; returns the exit code of Voilà."""
    given = options.trainer_code or os.environ.get("WORKBOOK_TRAINER_CODE")
    if given:
        check_trainer_code_strength(given)  # before anything starts: the message is the only output
    trainer_code = given or new_trainer_code()
    env = server_environment(options, trainer_code)
    config_dir = Path(env[DATA_DIR_ENV]) / "server"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "voila.json").write_text(json.dumps(voila_config(options), indent=2), encoding="utf-8")
    logs = {name: None if options.verbose else config_dir / f"{name}.log" for name in ("voila", "lab")}
    children = [_start(voila_command(config_dir), env, logs["voila"])]
    lab_token = secrets.token_hex(24) if options.lab_port else None
    if options.lab_port:
        lab = lab_command(options.lab_host, options.lab_port)
        children.append(_start(lab, lab_environment(env, lab_token), logs["lab"]))
    remember_store(env)

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
        for name, url in _readiness_urls(options, lab_token).items():
            if not _wait_until_answering(url, children, READY_TIMEOUT):
                print(i18n.t("serve.not_ready", log=_tail(logs[name]) or "-"), flush=True)
        print(banner(options, trainer_code, env, lab_token), flush=True)
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        stop()
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return children[0].returncode or 0
