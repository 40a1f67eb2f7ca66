"""The classroom kernel policies of workbook.pacing, without a server: a pool that shrinks after the
first fill, and culling of kernels whose page stopped pinging."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

from jupyter_server._tz import utcnow

from tests.conftest import run_coroutine
from workbook.pacing import PacedKernelManager


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
