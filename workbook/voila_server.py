"""Voilà for the classroom: only the configured host names are served, XSRF checks stay on.

``workbook serve`` runs Voilà as ``python -m workbook.voila_server <Voilà arguments>``. Two things
are added to Voilà 0.5, which leaves both open (``allow_remote_access=True`` is hard-coded in
``Voila.init_settings``, and its page never sets the ``_xsrf`` cookie its own tab-close request
sends back):

* **Host / Origin allow-list.** Every request that reaches a Jupyter handler (the pages, the
  kernel API and its websocket, ``/voila/api/shutdown/<id>``) must name an allowed host in its
  ``Host`` header, and in its ``Origin`` header when it has one; anything else gets 403. This is
  what stops DNS rebinding: a web page a trainee visits at ``rebind.evil.example`` can make the
  browser talk to the classroom server, but every such request says ``Host: rebind.evil.example``.
  The names come from the tornado setting ``workbook_allowed_hosts`` (a list, written by
  :func:`workbook.serve.voila_config`); an IP literal is accepted only if listed too.
* **The page's XSRF cookie.** Rendering a page sets tornado's ``_xsrf`` cookie, so the page's
  ``beforeunload`` beacon (``POST /voila/api/shutdown/<id>`` with the cookie's value as ``_xsrf``)
  passes the XSRF check: a closed tab stops its kernel, and no other site can stop one.

Static files (scripts, styles, fonts) are served by tornado's own handlers and are public anyway.

One handler is added: ``GET /voila/health`` (:data:`HEALTH_PATH`) answers ``200 {"ok": true}`` as
long as the server's event loop runs. It is what a load balancer's health check and Kubernetes'
probes ask (see ``deploy/``): it starts no kernel and reads no file, so checking it every few
seconds costs nothing, and it says nothing about the classroom.

>>> host_allowed("127.0.0.1:8866", ["127.0.0.1", "localhost"]), host_allowed("[::1]:8866", ["::1"])
(True, True)
>>> host_allowed("rebind.evil.example:8866", ["127.0.0.1", "localhost"])
False
>>> origin_allowed("http://localhost:8866", ["localhost"]), origin_allowed("null", ["localhost"])
(True, False)
"""

from __future__ import annotations

import gc
import ipaddress
import sys
from collections.abc import Collection
from urllib.parse import urlsplit

ALLOWED_HOSTS_SETTING = "workbook_allowed_hosts"
HEALTH_PATH = "/voila/health"  # for load balancers and probes: 200 while the server answers


def host_name(value: str) -> str:
    """The host name of a ``Host`` header or URL authority, without port or IPv6 brackets, lower case.

    >>> host_name("Trainer.Local.:8866"), host_name("[::1]:8866"), host_name("10.0.0.7")
    ('trainer.local', '::1', '10.0.0.7')
    """
    value = value.strip().lower()
    if value.startswith("["):  # [v6]:port
        return value[1 : value.find("]")] if "]" in value else value
    if value.count(":") == 1:  # name:port (a bare IPv6 address has several colons)
        value = value.split(":", 1)[0]
    return value.rstrip(".")


def _normal(name: str) -> str:
    try:  # one spelling per address: ::0001 is ::1
        return str(ipaddress.ip_address(name))
    except ValueError:
        return name


def host_allowed(host_header: str | None, allowed: Collection[str]) -> bool:
    """Whether the ``Host`` header names one of the ``allowed`` hosts (port ignored, case-insensitive)."""
    if not host_header:
        return False  # HTTP/1.1 requires it; a request without one is not from a browser page
    return _normal(host_name(host_header)) in {_normal(host_name(a)) for a in allowed}


def origin_allowed(origin: str | None, allowed: Collection[str]) -> bool:
    """Whether an ``Origin`` header (absent: same-origin navigation) names an allowed host."""
    if origin is None:
        return True
    netloc = urlsplit(origin.strip()).netloc
    return bool(netloc) and host_allowed(netloc, allowed)


def _check_host(self) -> bool:
    """``JupyterHandler.check_host`` for the classroom: the allow-list, for ``Host`` and ``Origin``."""
    allowed = self.settings.get(ALLOWED_HOSTS_SETTING)
    if allowed is None:  # not configured by workbook serve: jupyter_server's own check
        return _jupyter_check_host(self)
    headers = self.request.headers
    ok = host_allowed(headers.get("Host"), allowed) and origin_allowed(headers.get("Origin"), allowed)
    if not ok:
        self.log.warning(
            "Refused a request for %s with Host %r, Origin %r: not a name of this classroom server "
            "(workbook serve --allowed-host adds one).",
            self.request.path, headers.get("Host"), headers.get("Origin"),
        )  # fmt: skip
    return ok


async def _prepare_page(self, *args, **kwargs):
    """``VoilaHandler.prepare``, then the page's ``_xsrf`` cookie (for its tab-close beacon).

    Read only once the host was checked and the user resolved: tornado's ``xsrf_token`` asks
    for ``current_user``, which jupyter_server fills in its own ``prepare``.
    """
    result = await _voila_prepare(self, *args, **kwargs)
    if self.request.method == "GET" and self.get_status() < 400:
        self.xsrf_token  # noqa: B018 -- reading it sets the cookie
    return result


def _health_handler():
    """The tornado handler of :data:`HEALTH_PATH` (made on first use: tornado loads with Voilà)."""
    from tornado.web import RequestHandler

    class HealthHandler(RequestHandler):
        def get(self) -> None:
            self.set_header("Cache-Control", "no-store")
            self.finish({"ok": True})

    return HealthHandler


def _init_handlers(self) -> list:
    """``Voila.init_handlers`` with :data:`HEALTH_PATH` first, before any catch-all route."""
    from jupyter_server.utils import url_path_join

    handlers = [(url_path_join(self.server_url, HEALTH_PATH), _health_handler()), *_voila_handlers(self)]
    # The server's modules and settings are loaded for good by now: out of the cyclic garbage
    # collector's sight, a full collection during a class's burst of pages is a fraction of the time.
    gc.freeze()
    return handlers


_jupyter_check_host = _voila_prepare = _voila_handlers = None


def install() -> None:
    """Put :func:`_check_host` in place of jupyter_server's host check, :func:`_prepare_page`
    before Voilà's page handler and the health check among Voilà's routes (once, in this process)."""
    global _jupyter_check_host, _voila_prepare, _voila_handlers
    from jupyter_server.base.handlers import JupyterHandler
    from voila.app import Voila
    from voila.handler import VoilaHandler  # the page renderer (TornadoVoilaHandler derives from it)

    if _jupyter_check_host is None:
        _jupyter_check_host, _voila_prepare = JupyterHandler.check_host, VoilaHandler.prepare
        _voila_handlers = Voila.init_handlers
        JupyterHandler.check_host = _check_host
        VoilaHandler.prepare = _prepare_page
        Voila.init_handlers = _init_handlers


def main(argv: list[str] | None = None) -> None:
    """Run Voilà with the allow-list and the page's XSRF cookie; arguments as for ``voila``."""
    install()
    from voila.app import main as voila_main

    voila_main(argv=sys.argv[1:] if argv is None else argv)


if __name__ == "__main__":
    main()
