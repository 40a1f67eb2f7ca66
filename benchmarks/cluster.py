"""Several ``workbook serve`` nodes behind HAProxy, sharing one PostgreSQL store, on this machine.

Used by ``python -m benchmarks scaleout`` and by the test suite's scale-out test: each node is a
real ``workbook serve --no-lab --database-url URL`` (:class:`benchmarks.classroom.Server`), and the
balancer is HAProxy run on the shipped ``deploy/haproxy/haproxy.cfg`` with one ``server`` line per
node appended (:func:`haproxy_config`). Everything listens on 127.0.0.1 on free ports.

>>> print(haproxy_config({"node1": "127.0.0.1:9001"}, template="backend b\\n").strip())
backend b
    server node1 127.0.0.1:9001 cookie node1
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import random
import shutil
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from benchmarks.classroom import Server

ROOT = Path(__file__).resolve().parent.parent
HAPROXY_CFG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
NODE_COOKIE = "WORKBOOK_NODE"  # the affinity cookie named in haproxy.cfg
BIND_ENV = "WORKBOOK_BALANCER_BIND"  # where haproxy.cfg's frontend listens
BACKEND = "workbook_nodes"
START_TIMEOUT_S = 30
# Ports for the balancer and the nodes come from below Linux's ephemeral range (32768 and up):
# the kernels' ports come from that range, and a node's port chosen before it starts must not be
# taken by another node's kernel meanwhile (seen once in 80 kernels).
FIXED_PORTS = range(20000, 32000)


def free_port() -> int:
    """A free loopback port below the ephemeral range."""
    for _ in range(200):
        port = random.choice(FIXED_PORTS)
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port")


def haproxy_config(nodes: dict[str, str], template: str | None = None) -> str:
    """The shipped HAProxy configuration with one ``server`` line per node (name → ``host:port``).

    The shipped file ends with its backend, so the lines belong to it; each node's name is also
    the value of its affinity cookie.
    """
    text = HAPROXY_CFG.read_text(encoding="utf-8") if template is None else template
    lines = [f"    server {name} {address} cookie {name}" for name, address in nodes.items()]
    return text.rstrip("\n") + "\n" + "\n".join(lines) + "\n"


class Balancer:
    """HAProxy on a free loopback port in front of ``nodes``, with an admin socket to read its view."""

    def __init__(self, folder: Path, nodes: dict[str, str], port: int | None = None):
        self.folder, self.nodes = folder, nodes
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.socket_path = folder / "haproxy-admin.sock"
        self.log = folder / "haproxy.log"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start HAProxy and wait until it accepts connections."""
        config = self.folder / "haproxy.cfg"
        config.write_text(haproxy_config(self.nodes), encoding="utf-8")
        # A second file, only here: the admin socket this harness reads the servers' state from.
        admin = self.folder / "admin.cfg"
        admin.write_text(
            f"global\n    stats socket {self.socket_path} mode 600 level admin\n", encoding="utf-8"
        )
        env = {**os.environ, BIND_ENV: f"127.0.0.1:{self.port}"}
        command = [haproxy_binary(), "-db", "-f", str(config), "-f", str(admin)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"haproxy exited: {self.log.read_text(errors='replace')[-2000:]}")
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", self.port), 1):
                if self.socket_path.exists():
                    return
            time.sleep(0.2)
        raise RuntimeError("haproxy did not start")

    def server_states(self) -> dict[str, str]:
        """HAProxy's view of each node: ``UP``, ``DOWN``, ``MAINT`` …, from ``show stat``."""
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as admin:
            admin.settimeout(5)
            admin.connect(str(self.socket_path))
            admin.sendall(b"show stat\n")
            data = b""
            while chunk := admin.recv(65536):
                data += chunk
        rows = csv.DictReader(io.StringIO(data.decode().lstrip("# ")))
        return {
            row["svname"]: row["status"]
            for row in rows
            if row["pxname"] == BACKEND and row["svname"] in self.nodes
        }

    def wait_state(self, node: str, wanted: str, timeout: float = 60) -> float:
        """Seconds until HAProxy reports ``node`` as ``wanted`` (e.g. ``"DOWN"``)."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if self.server_states().get(node, "").startswith(wanted):
                return time.perf_counter() - started
            time.sleep(0.1)
        raise TimeoutError(f"{node} not {wanted} after {timeout} s")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()


def haproxy_binary() -> str:
    """The ``haproxy`` program (Debian: ``/usr/sbin``, often not on a user's PATH)."""
    found = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin:/usr/local/sbin")
    if not found:
        raise FileNotFoundError("haproxy is not installed (Debian: apt-get install haproxy)")
    return found


@contextlib.contextmanager
def fresh_database(server_url: str, prefix: str = "workbook_scaleout") -> Iterator[str]:
    """A new, empty PostgreSQL database on the server of ``server_url``; dropped afterwards (the
    scale-out run's, and each PostgreSQL test's in ``tests/conftest.py``)."""
    from sqlalchemy import create_engine
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server_url, isolation_level="AUTOCOMMIT")  # CREATE DATABASE refuses transactions
    try:
        with admin.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(server_url).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            # FORCE: connections of a node killed with SIGKILL (or of a test's killed subprocess)
            # may still be open on the server.
            connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


class Cluster:
    """``nodes`` app nodes on one store (``database_url``) behind one HAProxy, in ``folder``.

    Every node is given the balancer's address as its public URL (the join link and QR code
    point there) and the same trainer code.
    """

    def __init__(self, folder: Path, database_url: str, nodes: int = 2, pool_size: int = 2):
        self.folder, self.database_url = folder, database_url
        port = free_port()
        self.servers: dict[str, Server] = {}
        for number in range(1, nodes + 1):
            node_folder = folder / f"node{number}"
            node_folder.mkdir(parents=True, exist_ok=True)
            extra = ("--no-lab", "--database-url", database_url, "--public-url", f"http://127.0.0.1:{port}")
            server = self.servers[f"node{number}"] = Server(node_folder, pool_size, extra_args=extra)
            server.port = free_port()
            server.base = f"http://127.0.0.1:{server.port}"
        addresses = {name: f"127.0.0.1:{server.port}" for name, server in self.servers.items()}
        self.balancer = Balancer(folder, addresses, port=port)
        self.base = self.balancer.base

    def start(self, timeout_per_node: float = 600) -> float:
        """Start the balancer, then the nodes one after the other; seconds until all are ready.

        One at a time: kernels of two nodes starting together can pick the same free TCP port
        (seen: a pool that never filled), and on two cores the second node's pool would only
        slow the first one's down. The balancer first: it holds its port from the start, and
        takes each node in once its health check answers.
        """
        started = time.perf_counter()
        try:
            self.balancer.start()
            for server in self.servers.values():
                server.start(timeout_per_node)
            for name in self.servers:
                self.balancer.wait_state(name, "UP")
        except BaseException:
            self.stop()
            raise
        return time.perf_counter() - started

    def stop(self) -> None:
        self.balancer.stop()
        for server in self.servers.values():
            if server.process is not None:
                server.stop()
