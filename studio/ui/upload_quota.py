"""A per-user quota on uploads: the bytes one person may post to Gradio's upload route within a day — one
log-in when the studio has them (behind a share link every visitor comes through the tunnel on loopback, so
the address would tell nobody apart), else one client address (public modes). Counted from Content-Length before the body is read; a request without one is refused (Gradio
answers chunked uploads with 413 already). Pure ASGI middleware, installed by `upload_quota_middleware`.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from typing import Any, Callable

from studio.settings import LOOPBACK_HOSTS

UPLOAD_PATH = "/gradio_api/upload"
DAY_S = 86400.0
_REFUSED = b'{"detail":"Upload quota reached: this address has uploaded its share for today. / \\u4eca\\u5929\\u7684\\u4e0a\\u4f20\\u989d\\u5ea6\\u5df2\\u7528\\u5b8c\\u3002"}'


class UploadQuota:
    def __init__(self, app: Any, limit_bytes: int, trust_forwarded: bool = False,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.app, self.limit, self.trust_forwarded, self._clock = app, int(limit_bytes), trust_forwarded, clock
        self._sent: dict[str, deque[tuple[float, int]]] = {}
        self._lock = threading.Lock()

    def _who(self, scope: dict) -> str:
        """`user:<log-in>` for a logged-in visitor, else the client address."""
        user = logged_in_user(scope)
        return f"user:{user}" if user else self._address(scope)

    def _address(self, scope: dict) -> str:
        if self.trust_forwarded:
            for key, value in scope.get("headers", []):
                if key.lower() == b"x-forwarded-for":
                    return value.decode("latin-1").split(",")[0].strip()
        return str((scope.get("client") or ("?", 0))[0])

    def take(self, address: str, size: int) -> bool:
        """Count `size` bytes for `address`, or say no (counting nothing) when that would pass the day's quota."""
        now = self._clock()
        with self._lock:
            sent = self._sent.setdefault(address, deque())
            while sent and now - sent[0][0] >= DAY_S:
                sent.popleft()
            if sum(n for _t, n in sent) + size > self.limit:
                return False
            sent.append((now, size))
            return True

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope.get("path", "")
        if scope.get("type") != "http" or scope.get("method") != "POST" or not path.startswith(UPLOAD_PATH):
            await self.app(scope, receive, send)
            return
        length = next((v for k, v in scope.get("headers", []) if k.lower() == b"content-length"), b"")
        size = int(length) if length.isdigit() else -1
        address = self._who(scope)
        if address in LOOPBACK_HOSTS:  # nobody logged in: this computer itself, or the MCP server's own client
            await self.app(scope, receive, send)
            return
        if size < 0 or not self.take(address, size):
            await send({"type": "http.response.start", "status": 413 if size >= 0 else 411,
                        "headers": [(b"content-type", b"application/json")]})  # fmt: skip
            await send({"type": "http.response.body", "body": _REFUSED})
            return
        await self.app(scope, receive, send)


def logged_in_user(scope: dict) -> str | None:
    """The log-in behind a request, from Gradio's own session cookie and token table (None: not logged in).

    Starlette puts the Gradio app in `scope["app"]`; its `tokens` map a cookie's token to the user name.
    """
    app = scope.get("app")
    tokens, cookie_id = getattr(app, "tokens", None), getattr(app, "cookie_id", None)
    if not tokens or cookie_id is None:
        return None
    names = (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}")
    for key, value in scope.get("headers", []):
        if key.lower() != b"cookie":
            continue
        for part in value.decode("latin-1").split(";"):
            name, _, token = part.strip().partition("=")
            if name in names and token in tokens:
                return str(tokens[token])
    return None


def upload_quota_middleware(settings: Any) -> list[Any]:
    """The middleware for demo.launch's app_kwargs: none on this computer, the quota in public modes."""
    limit = settings.budgets.upload_bytes_per_user
    if not limit:
        return []
    from starlette.middleware import Middleware

    return [Middleware(UploadQuota, limit_bytes=limit, trust_forwarded=settings.on_space)]
