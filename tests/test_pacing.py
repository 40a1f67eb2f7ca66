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
