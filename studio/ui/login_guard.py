"""The log-in in front of the routes Gradio leaves open when the studio runs with `--auth`.

Gradio checks its log-in cookie on the page config, the queue, uploads, files and the API,
but not on its MCP server (`/gradio_api/mcp/…`: tool list, schema and calls) nor on the
heartbeat stream, and its log-in page embeds the whole API description. This ASGI
middleware refuses those routes with 401 unless the request carries the log-in cookie or
HTTP Basic credentials for an account (how an MCP client logs in), and strips the API
description from the page for a visitor who has not logged in.
"""

from __future__ import annotations

import base64
import binascii
import re
import secrets
from http.cookies import SimpleCookie
from typing import Any

GUARDED_PREFIXES = ("/gradio_api/mcp", "/gradio_api/heartbeat")
_REFUSED = b'{"detail":{"error":"Not authenticated","auth_message":null}}'


class LoginRequired:
    """Pure ASGI middleware; reads the accounts and sessions from the Gradio app it wraps.

    Valid Basic credentials count as a log-in everywhere: the request gets a session cookie of
    Gradio's own, so an MCP client (which cannot fill in a log-in form) can also fetch the files
    its tools return.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self._tokens: dict[str, str] = {}  # user → the token minted for their Basic log-ins

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        gradio_app = scope.get("app")
        auth = getattr(gradio_app, "auth", None)
        if scope.get("type") in ("http", "websocket") and auth is not None and not _cookie_ok(scope, gradio_app):
            user = _basic_user(_headers(scope).get("authorization", ""), auth)
            if user is not None:
                scope = self._with_login_cookie(scope, gradio_app, user)
            elif _guarded(scope.get("path", "")):
                await _refuse(send, scope)
                return
            elif scope.get("type") == "http" and scope.get("path") in ("", "/"):
                send = _without_api_info(send)  # the log-in page embeds the API description; keep it for members
        await self.app(scope, receive, send)

    def _with_login_cookie(self, scope: dict, gradio_app: Any, user: str) -> dict:
        token = self._tokens.setdefault(user, secrets.token_urlsafe(32))
        gradio_app.tokens[token] = user
        cookie = f"access-token-{gradio_app.cookie_id}={token}".encode("latin-1")
        headers = [(k, v) for k, v in scope.get("headers", []) if k.lower() != b"cookie"]
        old = [v for k, v in scope.get("headers", []) if k.lower() == b"cookie"]
        headers.append((b"cookie", b"; ".join([*old, cookie])))
        return {**scope, "headers": headers}


def _guarded(path: str) -> bool:
    return any(path == prefix or path.startswith(prefix + "/") for prefix in GUARDED_PREFIXES)


def _headers(scope: dict) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}


def _cookie_ok(scope: dict, gradio_app: Any) -> bool:
    cookie: SimpleCookie = SimpleCookie()
    try:
        cookie.load(_headers(scope).get("cookie", ""))
    except Exception:  # a malformed cookie header is simply no log-in
        return False
    cookie_id = getattr(gradio_app, "cookie_id", "")
    tokens = getattr(gradio_app, "tokens", {}) or {}
    names = (f"access-token-{cookie_id}", f"access-token-unsecure-{cookie_id}")
    return any(name in cookie and cookie[name].value in tokens for name in names)


def _basic_user(header: str, auth: Any) -> str | None:
    """The user name of valid HTTP Basic credentials, else None."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        user, sep, password = base64.b64decode(encoded.strip(), validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    if not sep:
        return None
    # studio.auth.LoginGate.login (a bound method): its gate's back-off applies to Basic log-ins too
    check = getattr(getattr(auth, "__self__", None), "check", None)
    if callable(check):
        return user if check(user, password) else None
    if callable(auth):
        return None  # an async checker cannot be awaited here; refuse rather than trust a coroutine
    expected = auth.get(user) if isinstance(auth, dict) else None
    if expected is None or not secrets.compare_digest(str(expected).encode(), password.encode()):
        return None
    return user


_API_INFO = re.compile(rb"<script>window\.gradio_api_info = .*?;</script>", re.S)


def _without_api_info(send: Any) -> Any:
    """A `send` that buffers the page and drops Gradio's embedded API description from it."""
    start: dict = {}
    chunks: list[bytes] = []

    async def stripped(message: dict) -> None:
        if message["type"] == "http.response.start":
            start.update(message)
            return
        if message["type"] != "http.response.body":
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = _API_INFO.sub(b"", b"".join(chunks))
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return stripped


async def _refuse(send: Any, scope: dict) -> None:
    if scope.get("type") == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    await send({
        "type": "http.response.start", "status": 401,
        "headers": [(b"content-type", b"application/json"), (b"www-authenticate", b'Basic realm="Poster Studio"')],
    })  # fmt: skip
    await send({"type": "http.response.body", "body": _REFUSED})


def guarded_app_kwargs(auth: object | None) -> dict[str, Any]:
    """`app_kwargs` for demo.launch: the middleware when the studio has a log-in, nothing otherwise."""
    if auth is None:
        return {}
    from starlette.middleware import Middleware

    return {"middleware": [Middleware(LoginRequired)]}
