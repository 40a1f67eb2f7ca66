"""The course in the JupyterLab that `workbook serve` starts: every chart appears under its cell.

The apps' kernels draw PNG bytes and need no display backend, but the course is read in
JupyterLab, where a chart shows only if the kernel's matplotlib backend is the inline one. These
tests start the real server (Voilà + JupyterLab on free loopback ports), take the environment
JupyterLab really gives a kernel (asked from a kernel it started, over its websocket), run every
course notebook in a kernel with that environment and count the charts that came out.
"""

from __future__ import annotations

import asyncio
import json
import re
import subprocess
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from tests.conftest import TRAINER_CODE, free_port, run_coroutine

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
CHART_CALL = re.compile(r"\bplt\.show\(\)")
IMAGE_TYPES = ("image/png", "image/svg+xml")

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning", "ignore::DeprecationWarning")


class LabServer:
    """``workbook serve`` with JupyterLab; the Lab address and token are read off its banner."""

    def __init__(self, folder: Path):
        self.port, self.lab_port = free_port(), free_port()
        self.log = folder / "serve.log"
        command = [
            *(sys.executable, "-m", "workbook", "serve", "--port", str(self.port)),
            *("--lab-port", str(self.lab_port), "--pool-size", "1", "--trainer-code", TRAINER_CODE),
            *("--data-dir", str(folder)),
        ]
        with open(self.log, "wb") as out:
            self.process = subprocess.Popen(command, stdout=out, stderr=subprocess.STDOUT)
        self.token = self._token_from_banner(timeout=180)

    def _token_from_banner(self, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            found = re.search(rf":{self.lab_port}/lab/tree/notebooks\?token=(\w+)", self.log.read_text())
            if found:
                return found.group(1)
            time.sleep(0.5)
        raise RuntimeError(f"no JupyterLab address in the banner: {self.log.read_text()[-3000:]}")

    def api(self, path: str, method: str = "GET") -> dict:
        request = urllib.request.Request(
            f"http://127.0.0.1:{self.lab_port}{path}",
            method=method,
            data=b"{}" if method == "POST" else None,
            headers={"Authorization": f"token {self.token}"},
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            body = response.read()
        return json.loads(body) if body else {}

    def kernel_run(self, code: str) -> str:
        """Start a kernel in JupyterLab, run ``code`` there over the websocket, return what it printed."""
        kernel = self.api("/api/kernels", "POST")
        try:
            return run_coroutine(self._execute(kernel["id"], code))
        finally:
            self.api(f"/api/kernels/{kernel['id']}", "DELETE")

    async def _execute(self, kernel_id: str, code: str) -> str:
        from tornado.websocket import websocket_connect

        url = f"ws://127.0.0.1:{self.lab_port}/api/kernels/{kernel_id}/channels?token={self.token}"
        socket = await websocket_connect(url)
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": "execute_request", "session": uuid.uuid4().hex,
                  "username": "test", "version": "5.3", "date": ""}  # fmt: skip
        content = {"code": code, "silent": False, "store_history": False, "allow_stdin": False}
        await socket.write_message(json.dumps(
            {"header": header, "parent_header": {}, "metadata": {}, "content": content, "channel": "shell"}
        ))  # fmt: skip
        printed = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            message = json.loads(await asyncio.wait_for(socket.read_message(), timeout=120))
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if message["msg_type"] == "stream":
                printed.append(message["content"]["text"])
            elif message["msg_type"] == "error":
                raise AssertionError("\n".join(message["content"]["traceback"]))
            elif message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
        socket.close()
        return "".join(printed)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    server = LabServer(tmp_path_factory.mktemp("lab"))
    yield server
    server.stop()


@pytest.fixture(scope="module")
def lab_kernel_env(lab) -> dict[str, str]:
    """The environment a kernel started by this JupyterLab runs with."""
    printed = lab.kernel_run("import json, os; print(json.dumps(dict(os.environ)))")
    return json.loads(printed)


def test_lab_kernels_draw_charts_inline(lab):
    backend = lab.kernel_run("import matplotlib; print(matplotlib.get_backend())").strip()
    assert "inline" in backend.lower(), backend


def test_the_banner_shows_the_lab_address_with_a_working_token(lab):
    text = lab.log.read_text()
    assert f"http://127.0.0.1:{lab.lab_port}/lab/tree/notebooks?token={lab.token}" in text
    assert lab.api("/api/status")["kernels"] >= 0  # the token printed is the one that works


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_every_chart_of_the_course_appears_in_jupyterlab(notebook, lab_kernel_env):
    nb = nbformat.read(notebook, as_version=4)
    calls = sum(len(CHART_CALL.findall(cell.source)) for cell in nb.cells if cell.cell_type == "code")
    env = {k: v for k, v in lab_kernel_env.items() if not k.startswith(("JPY_", "JUPYTER_TOKEN"))}
    client = NotebookClient(nb, timeout=300, kernel_name="python3",
                            resources={"metadata": {"path": str(notebook.parent)}})  # fmt: skip
    client.execute(env=env)
    images = [
        output
        for cell in nb.cells
        if cell.cell_type == "code"
        for output in cell.outputs
        if output.get("output_type") in ("display_data", "execute_result")
        and any(kind in output.get("data", {}) for kind in IMAGE_TYPES)
    ]
    errors = [
        o for cell in nb.cells if cell.cell_type == "code" for o in cell.outputs if o.output_type == "error"
    ]
    assert not errors
    assert len(images) == calls, f"{notebook.name}: {calls} chart calls, {len(images)} charts shown"
