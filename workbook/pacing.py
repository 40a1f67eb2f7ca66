"""Kernels started one at a time, a little apart, so refilling Voilà's pools never starves a class.

Voilà replaces every kernel taken from a preheated pool at once: when a class of 40 opens the
self-assessment together, 40 replacements start and run the app notebook at the same moment. On
a two-core laptop that blocked the server and every trainee's page for about 30 s (measured with
``python -m benchmarks classroom``). :class:`PacedKernelManager` lets one kernel start at a time
and the next only :attr:`~PacedKernelManager.start_spacing` seconds later, so the replacements
trickle in beside the class instead of in front of it.

A start also waits until no page has connected to a kernel for :attr:`~PacedKernelManager.settle_s`
(at most :attr:`~PacedKernelManager.max_settle_s`): the refill that a class's arrival sets off
then runs after the class's pages have rendered, not during. Measured with 40 trainees, the
refill's kernel start and notebook render took about a fifth of the server's time in the burst,
beside the new kernel's own start-up on one of the two cores.

Three more classroom policies live here, because the kernel manager and its connections are
where they can be decided:

* **a pool that shrinks after the first fill** (:attr:`~PacedKernelManager.refill_pool_sizes`):
  the self-assessment pool is filled to the size of the class, so everyone arriving together gets
  a ready kernel; after that only a few spares are kept. Refilling behind every trainee left 71
  kernels (16.7 GB) for a class of 40.
* **kernels of pages that stopped pinging are culled** (:attr:`~PacedKernelManager.pinged_notebooks`):
  the self-assessment page pings its kernel every few seconds
  (:class:`workbook.form.BrowserDraft`); jupyter_server counts each ping as activity. A kernel
  of such a page with no activity for the notebook's timeout is shut down even if a websocket
  still looks connected (a phone that died or left the network). Pooled kernels are never culled
  (Voilà's own rule), and other apps keep the server's usual rule (connected pages stay).
* **one question per page connecting** (:class:`ClassroomKernelConnection`): before a page's
  widgets flow, jupyter_server asks its kernel three times whether it is there; once is enough.

This module is imported by the Voilà server process (``workbook serve`` names both classes in its
configuration), so it imports nothing of the workbook's app stack.

>>> PacedKernelManager.start_spacing.default_value
2.0
"""

from __future__ import annotations

import asyncio
import math
import time
from datetime import timedelta
from pathlib import PurePath

from jupyter_server._tz import utcnow
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Dict, Float


class PacedKernelManager(AsyncMappingKernelManager):
    """Jupyter's kernel manager, starting one kernel at a time and ``start_spacing`` seconds apart."""

    start_spacing = Float(
        2.0, config=True, help="Seconds after a kernel start before the next one may begin."
    )

    settle_s = Float(
        1.0, config=True, help="A kernel start waits until no page has connected for this many seconds."
    )
    max_settle_s = Float(10.0, config=True, help="The longest a kernel start waits for pages to settle.")

    refill_pool_sizes = Dict(
        {},
        config=True,
        help="Notebook name -> kernels kept in its preheated pool once the first fill is done.",
    )
    pinged_notebooks = Dict(
        {},
        config=True,
        help="Notebook name -> seconds without activity (its page pings) after which its kernel is "
        "culled, connected or not.",
    )

    _turn: asyncio.Lock | None = None
    _refill_applied = False
    _last_connect = -math.inf  # time.monotonic() of the latest page connecting to its kernel

    async def start_kernel(self, *args, **kwargs) -> str:
        if self._turn is None:  # made here, inside the server's running event loop
            self._turn = asyncio.Lock()
        await self._turn.acquire()
        self._apply_refill_sizes()
        await self._settle()
        try:
            kernel_id = await super().start_kernel(*args, **kwargs)
        except BaseException:
            self._turn.release()
            raise
        # The caller gets its kernel at once; only the next start waits.
        asyncio.get_running_loop().call_later(self.start_spacing, self._turn.release)
        return kernel_id

    def notify_connect(self, kernel_id: str) -> None:
        self._last_connect = time.monotonic()
        super().notify_connect(kernel_id)

    async def _settle(self) -> None:
        """Wait while pages are still connecting (a class arriving), at most ``max_settle_s``."""
        deadline = time.monotonic() + self.max_settle_s
        while time.monotonic() < deadline and time.monotonic() - self._last_connect < self.settle_s:
            await asyncio.sleep(0.1)

    def _apply_refill_sizes(self) -> None:
        # The first start comes after Voilà queued the whole first fill (its __init__ reads the
        # pool sizes synchronously), so from here on the pools are refilled to the smaller sizes.
        if self._refill_applied:
            return
        self._refill_applied = True
        pools = getattr(self, "kernel_pools_config", None)
        if not isinstance(pools, dict):
            return
        for name, size in self.refill_pool_sizes.items():
            if name in pools:
                pools[name] = {**pools[name], "pool_size": int(size)}

    def start_watching_activity(self, kernel_id: str) -> None:
        """jupyter_server's watch of each kernel's activity, reading only what it needs of a message.

        Same rules as the original: every IOPub message of a tracked type (or under one, or while
        the kernel is busy) is activity, and status messages set the execution state. The original
        unpacks each message's dates with dateutil and checks its signature, about a sixth of the
        server's CPU while a class opens its pages (40 trainees, profiled). Here the headers are read
        as plain JSON, and the content only of a status message. Nothing is forwarded from here: these
        are the server's own kernels' messages, and the page gets them through its own connection.
        """
        kernel = self._kernels[kernel_id]
        kernel.reason = ""
        kernel.last_activity = utcnow()
        kernel._activity_stream = kernel.connect_iopub()
        session = kernel.session

        def record_activity(msg_list: list) -> None:
            _idents, parts = session.feed_identities(msg_list)
            header, parent = session.unpack(parts[1]), session.unpack(parts[2]) or {}
            msg_type, parent_type = header.get("msg_type"), parent.get("msg_type")
            if (
                self.track_message_type(msg_type)
                or self.track_message_type(parent_type)
                or (kernel.execution_state == "busy")
            ):
                self.last_kernel_activity = kernel.last_activity = utcnow()
            if msg_type == "status":
                state = session.unpack(parts[4]).get("execution_state")
                if self.track_message_type(parent_type):
                    kernel.execution_state = state
                elif kernel.execution_state == "starting" and state != "starting":
                    kernel.execution_state = "idle"  # as the original: "idle" unless ours said otherwise

        kernel._activity_stream.on_recv(record_activity)

    async def cull_kernel_if_idle(self, kernel_id: str) -> None:
        timeout = self._ping_timeout(kernel_id)
        kernel = self._kernels.get(kernel_id)
        if timeout is not None and kernel is not None and hasattr(kernel, "last_activity"):
            idle = utcnow() - kernel.last_activity
            if idle > timedelta(seconds=timeout):
                self.log.warning(
                    "Culling kernel %s: its page sent no ping for %d s", kernel_id, idle.total_seconds()
                )
                await self.shutdown_kernel(kernel_id)
                return
        await super().cull_kernel_if_idle(kernel_id)

    def _ping_timeout(self, kernel_id: str) -> float | None:
        """The ping timeout of the notebook this kernel runs, or ``None`` if its page does not ping."""
        if not self.pinged_notebooks:
            return None
        for path, data in (getattr(self, "notebook_data", None) or {}).items():
            if kernel_id in data.get("kernel_ids", ()):
                return self.pinged_notebooks.get(PurePath(str(path)).name)
        return None


class ClassroomKernelConnection(ZMQChannelsWebsocketConnection):
    """jupyter_server's kernel websocket, asking each kernel one question per page instead of three.

    Before a page's widgets can arrive, jupyter_server asks a kernel for its protocol version on
    its first connection, then "nudges" it until a message on the page's new IOPub socket proves
    the socket subscribed (ZeroMQ drops what is published before): a ``kernel_info`` request on
    shell *and* one on control, each on a socket of its own, resent every 0.5 s while IOPub is
    silent. Each request costs the kernel a reply and two status messages, beside the three
    messages of the page itself. Here:

    * the protocol version is not asked: it only matters for kernels older than protocol 5, and
      the kernels are the ipykernel installed beside this server;
    * the nudge is one ``kernel_info`` request on control (answered even beside a busy shell),
      sent again only if no IOPub message came within 0.1 s of its reply, or none for
      :attr:`nudge_retry_s`.

    Measured while 40 self-assessment pages opened at once on two cores (the opening only, as
    ``benchmarks/classroom.py`` opens them): the kernels' CPU-seconds for the burst went from 1.06
    to 0.71–0.90 and the server's from 0.69 to 0.44, and the median first render of
    ``python -m benchmarks classroom`` from 1.02–1.16 s to 0.69–1.02 s (six runs).
    """

    nudge_retry_s = Float(2.0, config=True, help="Seconds before an unanswered nudge is sent again.")

    def request_kernel_info(self):
        self._finish_kernel_info({})  # the client's protocol version: nothing to adapt
        return self._kernel_info_future

    def nudge(self) -> asyncio.Future:
        """Resolve once the page's IOPub socket has received a message (it is subscribed)."""
        if getattr(self.kernel_manager, "execution_state", None) == "busy":
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)  # as jupyter_server: a busy kernel is about to publish anyway
            return done
        return asyncio.ensure_future(self._nudge())

    async def _nudge(self) -> None:
        loop = asyncio.get_running_loop()
        iopub, control = self.channels["iopub"], self.kernel_manager.connect_control()
        ports = list(self.kernel_manager.ports)
        heard = loop.create_future()

        def on_iopub(_msg: list) -> None:
            iopub.stop_on_recv()  # connect() hands IOPub to the page once the nudge is done
            if not heard.done():
                heard.set_result(None)

        def stopped() -> bool:  # the page left, or the kernel stopped or restarted on new ports
            gone = self.kernel_id not in self.multi_kernel_manager
            return gone or iopub.closed() or list(self.kernel_manager.ports) != ports

        iopub.on_recv(on_iopub)
        deadline = loop.time() + self.kernel_info_timeout
        try:
            while not heard.done() and not stopped() and loop.time() < deadline:
                replied = loop.create_future()
                control.on_recv(lambda _msg, replied=replied: replied.done() or replied.set_result(None))
                self.session.send(control, "kernel_info_request")
                answer = [heard, replied]
                await asyncio.wait(answer, timeout=self.nudge_retry_s, return_when="FIRST_COMPLETED")
                if replied.done() and not heard.done():
                    await asyncio.wait([heard], timeout=0.1)  # the reply's "idle" status follows it
        finally:
            control.close()
            if not iopub.closed():
                iopub.stop_on_recv()
