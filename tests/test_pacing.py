"""The classroom kernel policies of workbook.pacing, without a server: a pool that shrinks after the
first fill, culling of kernels whose page stopped pinging, and a page's connection to a real kernel."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from jupyter_server._tz import utcnow

from tests.conftest import run_coroutine
from workbook.pacing import ClassroomKernelConnection, PacedKernelManager


def manager(**config) -> PacedKernelManager:
    m = PacedKernelManager(**config)
    m.notebook_data = {"/apps/self_assessment.ipynb": {"kernel_ids": {"trainee"}},
                       "/apps/value_matrix_explorer.ipynb": {"kernel_ids": {"explorer"}}}  # fmt: skip
    return m


def kernel(idle_s: float) -> SimpleNamespace:
    return SimpleNamespace(
        last_activity=utcnow() - timedelta(seconds=idle_s), execution_state="idle",
        kernel_spec=SimpleNamespace(metadata={}), kernel_name="python3",
    )  # fmt: skip


def cull(m: PacedKernelManager, kernel_id: str, idle_s: float, connections: int = 1) -> list[str]:
    """Run one cull check of ``kernel_id`` idle for ``idle_s`` with a page connected; the kernels shut."""
    shut = []

    async def shutdown_kernel(kernel_id, *args, **kwargs):
        shut.append(kernel_id)

    m._kernels[kernel_id] = kernel(idle_s)
    m._kernel_connections[kernel_id] = connections
    m.shutdown_kernel = shutdown_kernel
    run_coroutine(m.cull_kernel_if_idle(kernel_id))
    return shut


def test_the_pool_is_refilled_only_to_the_spares_once_the_first_fill_is_queued():
    m = manager(refill_pool_sizes={"self_assessment.ipynb": 1})
    m.kernel_pools_config = {"self_assessment.ipynb": {"pool_size": 40}, "index.ipynb": {"pool_size": 1}}
    m._apply_refill_sizes()
    assert m.kernel_pools_config == {
        "self_assessment.ipynb": {"pool_size": 1},
        "index.ipynb": {"pool_size": 1},
    }
    m.kernel_pools_config["self_assessment.ipynb"]["pool_size"] = 7
    m._apply_refill_sizes()  # once only
    assert m.kernel_pools_config["self_assessment.ipynb"]["pool_size"] == 7


def test_a_self_assessment_kernel_nobody_pinged_for_the_timeout_is_culled_even_when_connected():
    m = manager(pinged_notebooks={"self_assessment.ipynb": 300}, cull_idle_timeout=3600)
    assert cull(m, "trainee", idle_s=400) == ["trainee"]  # a phone that vanished, its socket half-open
    assert cull(m, "trainee", idle_s=100) == []  # its page still pings (every few seconds)
    # Other apps keep the usual rule: a connected page keeps its kernel, however long it is idle.
    assert cull(m, "explorer", idle_s=4000) == []
    assert cull(m, "explorer", idle_s=4000, connections=0) == ["explorer"]


def test_a_kernel_start_waits_until_pages_stop_connecting():
    """A refill does not compete with a class that is arriving: it waits for a quiet second."""
    import asyncio
    import time

    m = manager(settle_s=0.3, max_settle_s=5)

    async def arriving_then_start() -> tuple[float, float]:
        async def class_arrives():
            for _ in range(6):  # a page connects every 0.1 s for 0.6 s
                m.notify_connect("trainee")
                await asyncio.sleep(0.1)

        arrival = asyncio.ensure_future(class_arrives())
        await asyncio.sleep(0.05)
        started = time.monotonic()
        await m._settle()
        waited = time.monotonic() - started
        await arrival
        return waited, time.monotonic() - m._last_connect

    waited, _ = run_coroutine(arriving_then_start())
    assert 0.7 <= waited < 2  # the last page connected at ≈ 0.55 s, then 0.3 s of quiet
    capped = manager(settle_s=10, max_settle_s=0.3)
    capped.notify_connect("trainee")
    started = time.monotonic()
    run_coroutine(capped._settle())
    assert time.monotonic() - started < 1  # never longer than max_settle_s
    quiet = manager(settle_s=10)  # no page has connected yet (the first fill): no wait
    started = time.monotonic()
    run_coroutine(quiet._settle())
    assert time.monotonic() - started < 0.1


def _watch(watch, m: PacedKernelManager, session) -> tuple[SimpleNamespace, list]:
    """Start ``watch`` (a start_watching_activity) on a stand-in kernel; returns it and its callbacks."""
    callbacks = []
    stream = SimpleNamespace(on_recv=callbacks.append)
    fake = SimpleNamespace(session=session, connect_iopub=lambda: stream, execution_state="starting")
    m._kernels["k"] = fake
    watch(m, "k")
    return fake, callbacks


def test_the_lighter_activity_watch_decides_as_jupyter_servers_own():
    from jupyter_client.session import Session
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager

    session = Session(key=b"classroom")
    execute = session.msg("execute_request", {})
    info = session.msg("kernel_info_request", {})
    messages = [
        session.msg("status", {"execution_state": "idle"}, parent=info),  # after start: idle
        session.msg("stream", {"name": "stdout", "text": "x"}, parent=info),  # untracked under untracked
        session.msg("status", {"execution_state": "busy"}, parent=execute),  # ours: busy
        session.msg("comm_msg", {"comm_id": "c", "data": {}}, parent=execute),  # a widget ping: activity
        session.msg("status", {"execution_state": "idle"}, parent=execute),
        session.msg("stream", {"name": "stdout", "text": "x"}, parent=info),
    ]
    seen = {}
    for name, watch in (("ours", PacedKernelManager.start_watching_activity),
                        ("jupyter", AsyncMappingKernelManager.start_watching_activity)):  # fmt: skip
        m = PacedKernelManager()
        fake, (record,) = _watch(watch, m, session)
        steps = []
        for message in messages:
            fake.last_activity = before = utcnow() - timedelta(hours=1)
            record(session.serialize(message))
            steps.append((fake.execution_state, fake.last_activity != before))
        seen[name] = steps
    assert seen["ours"] == seen["jupyter"]
    assert seen["ours"][1] == ("idle", False) and seen["ours"][3] == ("busy", True)


def _connect_and_run(connection_class, code: str) -> tuple[list[str], list[tuple[str, dict]]]:
    """Start a real kernel, connect a page to it with ``connection_class``, run ``code`` through it.

    Returns the messages the server sent the kernel on its own (by type) before the page's request,
    and the page's (channel, content) of every message that came back for that request.
    """
    import asyncio
    import json

    from jupyter_server.services.kernels.connection.base import (
        deserialize_msg_from_ws_v1,
        serialize_msg_to_ws_v1,
    )
    from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
    from jupyter_server.services.kernels.websocket import KernelWebsocketHandler

    class Page(KernelWebsocketHandler):
        """The page's end of the websocket: what the connection writes to it (no browser behind it)."""

        selected_subprotocol = "v1.kernel.websocket.jupyter.org"

        def __init__(self):
            self.received = []

        def write_message(self, message, binary=False):
            channel, parts = deserialize_msg_from_ws_v1(message)
            self.received.append((channel, *(json.loads(part) for part in parts[:4])))

    async def scenario():
        manager = AsyncMappingKernelManager()
        kernel_id = await manager.start_kernel(kernel_name="python3")
        try:
            page = Page()
            connection = connection_class(parent=manager.get_kernel(kernel_id), websocket_handler=page)
            asked, send = [], connection.session.send

            def counted_send(stream, msg, *args, **kwargs):
                asked.append(msg)
                return send(stream, msg, *args, **kwargs)

            connection.session.send = counted_send
            await connection.prepare()
            await connection.connect()
            own = list(asked)
            request = connection.session.msg("execute_request", {"code": code, "silent": False})
            parts = [json.dumps(request[key], default=str).encode()
                     for key in ("header", "parent_header", "metadata", "content")]  # fmt: skip
            connection.handle_incoming_message(serialize_msg_to_ws_v1(parts, "shell"))
            mine = request["header"]["msg_id"]

            def answered():
                return [(c, content) for c, _h, parent, _m, content in page.received
                        if parent.get("msg_id") == mine]  # fmt: skip

            for _ in range(200):  # the idle status after the reply is the last message of a request
                if any(content.get("execution_state") == "idle" for _c, content in answered()):
                    break
                await asyncio.sleep(0.05)
            connection.disconnect()
            return own, answered()
        finally:
            await manager.shutdown_kernel(kernel_id, now=True)

    return run_coroutine(scenario())


def test_a_page_connecting_asks_its_kernel_once_and_loses_no_message():
    """One kernel_info request per page instead of three or more (two if the first one's answer
    was dropped), and the page's connection is subscribed when it opens: the first request's
    every IOPub message reaches the page."""
    from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection

    own, answered = _connect_and_run(ClassroomKernelConnection, "print('你好')")
    channels = [channel for channel, _content in answered]
    assert channels.count("shell") == 1  # the execute reply
    assert {"name": "stdout", "text": "你好\n"} in [content for _c, content in answered]
    states = [content["execution_state"] for _c, content in answered if "execution_state" in content]
    assert states == ["busy", "idle"]
    # Asked once; a second time only when the first answer's status messages went out before the
    # page's new IOPub socket was subscribed (ZeroMQ drops them), as once on a busy test machine.
    assert set(own) == {"kernel_info_request"} and len(own) <= 2
    jupyter_own, _ = _connect_and_run(ZMQChannelsWebsocketConnection, "1")
    assert jupyter_own.count("kernel_info_request") >= 3  # version, then a nudge on shell and control
    assert len(own) < len(jupyter_own)
