"""A cap on the long-lived streams one client address may hold open (event streams and heartbeats).

Gradio serves them without a log-in check of their own; held open by the hundred they starve real users
(and slow their log-ins). In public modes each address may hold `Settings.budgets.streams_per_client` at
once; the next one gets 429 until one closes. Pure ASGI middleware, installed by `stream_cap_kwargs`.
"""

from __future__ import annotations

import threading
from typing import Any

from studio.settings import LOOPBACK_HOSTS

STREAM_PREFIXES = ("/gradio_api/queue/data", "/gradio_api/heartbeat", "/gradio_api/call/")
_REFUSED = b'{"detail":"Too many open connections from this address; close a tab and try again."}'


def is_stream(path: str, method: str) -> bool:
    # `/call/<name>` POST joins the queue; its GET `/call/<name>/<event id>` is the stream
    if path.startswith("/gradio_api/call/"):
        return method == "GET"
    return any(path == p or path.startswith(p + "/") or path.startswith(p + "?") for p in STREAM_PREFIXES)


class StreamCap:
    def __init__(self, app: Any, limit: int = 8, trust_forwarded: bool = False) -> None:
        self.app, self.limit, self.trust_forwarded = app, limit, trust_forwarded
        self._open: dict[str, int] = {}
        self._lock = threading.Lock()

    def _address(self, scope: dict) -> str:
        if self.trust_forwarded:
            for key, value in scope.get("headers", []):
                if key.lower() == b"x-forwarded-for":
                    return value.decode("latin-1").split(",")[0].strip()
        client = scope.get("client") or ("?", 0)
        return str(client[0])

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        if (
            scope.get("type") != "http"
            or not self.limit
            or not is_stream(scope.get("path", ""), scope.get("method", ""))
        ):
            await self.app(scope, receive, send)
            return
        address = self._address(scope)
        if address in LOOPBACK_HOSTS:  # a share link's tunnel (every visitor) and the MCP server's own client
            await self.app(scope, receive, send)
            return
        with self._lock:
            if self._open.get(address, 0) >= self.limit:
                refused = True
            else:
                refused = False
                self._open[address] = self._open.get(address, 0) + 1
        if refused:
            await send({"type": "http.response.start", "status": 429,
                        "headers": [(b"content-type", b"application/json"), (b"retry-after", b"5")]})  # fmt: skip
            await send({"type": "http.response.body", "body": _REFUSED})
            return
        try:
            await self.app(scope, receive, send)
        finally:
            with self._lock:
                self._open[address] -= 1
                if not self._open[address]:
                    del self._open[address]


def stream_cap_middleware(settings: Any) -> list[Any]:
    """The middleware for demo.launch's app_kwargs: none on this computer, the cap in public modes."""
    limit = settings.budgets.streams_per_client
    if not limit:
        return []
    from starlette.middleware import Middleware

    return [Middleware(StreamCap, limit=limit, trust_forwarded=settings.on_space)]
