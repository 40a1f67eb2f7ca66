"""Kernels started one at a time, a little apart, so refilling Voilà's pools never starves a class.

Voilà replaces every kernel taken from a preheated pool at once: when a class of 40 opens the
self-assessment together, 40 replacements start and run the app notebook at the same moment. On
a two-core laptop that blocked the server and every trainee's page for about 30 s (measured with
``python -m benchmarks classroom``). :class:`PacedKernelManager` lets one kernel start at a time
and the next only :attr:`~PacedKernelManager.start_spacing` seconds later, so the replacements
trickle in beside the class instead of in front of it.

This module is imported by the Voilà server process (``workbook serve`` names the class in its
configuration), so it imports nothing of the workbook's app stack.

>>> PacedKernelManager.start_spacing.default_value
2.0
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Float


class PacedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager, starting one kernel at a time and ``start_spacing`` seconds apart."""

    start_spacing = Float(
        2.0, config=True, help="Seconds after a kernel start before the next one may begin."
    )

    _turn: asyncio.Lock | None = None

    async def start_kernel(self, *args, **kwargs) -> str:
        if self._turn is None:  # made here, inside the server's running event loop
            self._turn = asyncio.Lock()
        await self._turn.acquire()
        try:
            kernel_id = await super().start_kernel(*args, **kwargs)
        except BaseException:
            self._turn.release()
            raise
        # The caller gets its kernel at once; only the next start waits.
        asyncio.get_running_loop().call_later(self.start_spacing, self._turn.release)
        return kernel_id
