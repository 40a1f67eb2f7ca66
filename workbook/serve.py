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

The trainer code is handed to the kernels only as a salted hash (``WORKBOOK_TRAINER_CODE_HASH``).

>>> config = voila_config(ServeOptions(pool_size=8))
>>> config["VoilaKernelManager"]["kernel_pools_config"]["self_assessment.ipynb"]
{'pool_size': 8}
>>> config["VoilaConfiguration"]["show_tracebacks"], config["VoilaConfiguration"]["strip_sources"]
(False, True)
"""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url

from workbook import i18n
from workbook.store import (
    DATA_DIR_ENV,
    DATABASE_URL_ENV,
    DEFAULT_DATA_DIR,
    TRAINER_CODE_ENV,
    database_url,
    hash_trainer_code,
)

APPS_DIR = Path(__file__).resolve().parent.parent / "notebooks" / "apps"
APPS = ("self_assessment.ipynb", "value_matrix_explorer.ipynb", "trainer_dashboard.ipynb")
LANDING = "index.ipynb"
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O or 1/I to misread on a projector


@dataclass(frozen=True)
class ServeOptions:
    """Everything ``workbook serve`` can be told; the defaults run a class on this machine only.

    Sizes are kernels, times seconds. ``pool_size`` is for the self-assessment app (every trainee
    opens it at once); the explorer gets a quarter of it, the landing page and dashboard one each.
    """

    host: str = "127.0.0.1"
    port: int = 8866
    lab_port: int | None = 8888  # None: no JupyterLab
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
    # One kernel per trainee: two malloc arenas instead of one per thread keep each a few MB smaller.
    pools["self_assessment.ipynb"] = {
        "pool_size": options.pool_size,
        "kernel_env_variables": {"MALLOC_ARENA_MAX": "2"},
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
            "tornado_settings": {
                "websocket_max_message_size": options.max_upload_mb * 2**20,
                # Voilà's page shuts its kernel down when closed, but that request carries no XSRF
                # token and is refused (voila#1458): a closed or reloaded tab would hold its kernel
                # until culled. The apps have no login and kernel ids are random, so nothing is lost.
                "disable_check_xsrf": True,
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
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))


def server_environment(options: ServeOptions, trainer_code: str) -> dict[str, str]:
    """Environment of the server and its kernels: where the data lives, the hashed trainer code."""
    env = dict(os.environ)
    data_dir = Path(options.data_dir or os.environ.get(DATA_DIR_ENV) or DEFAULT_DATA_DIR).resolve()
    env[DATA_DIR_ENV] = str(data_dir)
    if options.database_url:
        env[DATABASE_URL_ENV] = options.database_url
    env[TRAINER_CODE_ENV] = hash_trainer_code(trainer_code)
    env.setdefault("MPLBACKEND", "Agg")
    # Fewer malloc arenas for the kernels' threads: the same work in noticeably less resident memory.
    env.setdefault("MALLOC_ARENA_MAX", "2")
    return env


def voila_command(config_dir: Path) -> list[str]:
    return [sys.executable, "-m", "voila", str(APPS_DIR), f"--Voila.config_file_paths={config_dir}"]


def lab_command(host: str, port: int, *, open_browser: bool = False) -> list[str]:
    """JupyterLab on the course: the repository as its root, opening on ``notebooks/``."""
    root = APPS_DIR.parent.parent
    command = [
        *(sys.executable, "-m", "jupyter", "lab", f"--ip={host}", f"--port={port}"),
        *(f"--ServerApp.root_dir={root}", "--LabApp.default_url=/lab/tree/notebooks"),
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


def banner(options: ServeOptions, trainer_code: str, env: dict[str, str]) -> str:
    """What the trainer reads at start: the URLs to hand out, the trainer code, where data is kept."""
    host = _display_host(options.host)
    base = f"http://{host}:{options.port}/voila/render"
    lines = [
        i18n.t("serve.banner.title"),
        i18n.t("serve.banner.landing", url=f"{base}/{LANDING}"),
        i18n.t("serve.banner.self", url=f"{base}/self_assessment.ipynb"),
        i18n.t("serve.banner.vm", url=f"{base}/value_matrix_explorer.ipynb"),
        i18n.t("serve.banner.dash", url=f"{base}/trainer_dashboard.ipynb"),
        i18n.t("serve.banner.code", code=trainer_code),
    ]
    if options.lab_port:
        lines.append(i18n.t("serve.banner.lab", url=f"http://{host}:{options.lab_port}/lab/tree/notebooks"))
    shown = make_url(database_url(env.get(DATABASE_URL_ENV))).render_as_string(hide_password=True)
    lines.append(i18n.t("serve.banner.data", url=shown))
    if options.host == "127.0.0.1":
        lines.append(i18n.t("serve.banner.local_only"))
    lines.append(i18n.t("serve.banner.stop"))
    return "\n".join(lines)


def serve(options: ServeOptions) -> int:
    """Run Voilà (and JupyterLab) until Ctrl+C or SIGTERM; returns the exit code of Voilà."""
    trainer_code = options.trainer_code or os.environ.get("WORKBOOK_TRAINER_CODE") or new_trainer_code()
    env = server_environment(options, trainer_code)
    config_dir = Path(env[DATA_DIR_ENV]) / "server"
    config_dir.mkdir(parents=True, exist_ok=True)
    (config_dir / "voila.json").write_text(json.dumps(voila_config(options), indent=2), encoding="utf-8")
    children = [subprocess.Popen(voila_command(config_dir), env=env)]
    if options.lab_port:
        children.append(subprocess.Popen(lab_command(options.host, options.lab_port), env=env))
    print(banner(options, trainer_code, env), flush=True)

    def stop(*_):
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    try:
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
