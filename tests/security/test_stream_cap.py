"""Unauthenticated streams and heartbeats are capped per address: held open by the hundred, they starved real
users. The 9th stream from one address is refused while 8 are open; another address and other routes are not."""

from __future__ import annotations

import asyncio
from types import SimpleNamespace

from studio.settings import Settings
from studio.ui.stream_cap import StreamCap, is_stream, stream_cap_middleware


def test_which_routes_are_streams():
    assert is_stream("/gradio_api/heartbeat/abc", "GET") and is_stream("/gradio_api/queue/data", "GET")
    assert is_stream("/gradio_api/call/make_posters/ev1", "GET")
    assert not is_stream("/gradio_api/call/make_posters", "POST") and not is_stream("/config", "GET")


def test_one_address_cannot_hold_more_than_its_streams_open():
    release = asyncio.Event()

    async def held_open(scope, receive, send):  # a heartbeat that never ends until released
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await release.wait()
        await send({"type": "http.response.body", "body": b""})

    cap = StreamCap(held_open, limit=8)

    async def attack() -> tuple[list[int], int, int]:
        statuses: list[int] = []

        def recorder(into: list[int]):
            async def send(message):
                if message["type"] == "http.response.start":
                    into.append(message["status"])

            return send

        def scope(host: str, path: str = "/gradio_api/heartbeat/x") -> dict:
            return {"type": "http", "path": path, "method": "GET", "client": (host, 1), "headers": []}

        tasks = [asyncio.create_task(cap(scope("10.0.0.1"), None, recorder(statuses))) for _ in range(20)]
        await asyncio.sleep(0.05)
        other: list[int] = []
        asyncio.create_task(cap(scope("10.0.0.2"), None, recorder(other)))
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(*tasks)
        after: list[int] = []
        await cap(scope("10.0.0.1"), None, recorder(after))  # the streams closed: a new one is served
        return statuses, other[0], after[0]

    statuses, other, after = asyncio.run(attack())
    assert statuses.count(200) == 8 and statuses.count(429) == 12
    assert other == 200 and after == 200


def test_the_cap_is_on_only_in_public_modes(monkeypatch):
    monkeypatch.delenv("SPACE_ID", raising=False)
    assert stream_cap_middleware(Settings()) == []
    assert len(stream_cap_middleware(Settings(share=True))) == 1


def test_one_address_cannot_upload_more_than_its_days_quota():
    """1,000 × 40 MB per request used to be accepted; now one address's uploads stop at its quota."""
    from studio.ui.upload_quota import UploadQuota, upload_quota_middleware

    served: list[str] = []

    async def gradio(scope, receive, send):
        served.append(scope["path"])
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"[]"})

    now = [0.0]
    quota = UploadQuota(gradio, limit_bytes=100 * 2**20, clock=lambda: now[0])

    def post(host: str, size: int | None) -> int:
        headers = [] if size is None else [(b"content-length", str(size).encode())]
        scope = {
            "type": "http",
            "path": "/gradio_api/upload",
            "method": "POST",
            "client": (host, 1),
            "headers": headers,
        }
        return _status(quota, scope)

    assert [post("10.0.0.1", 40 * 2**20) for _ in range(3)] == [200, 200, 413]  # 80 MB in, the next 40 would pass 100
    assert post("10.0.0.2", 40 * 2**20) == 200  # another address has its own quota
    assert post("10.0.0.1", None) == 411  # no length, no upload
    now[0] += 86400
    assert post("10.0.0.1", 40 * 2**20) == 200  # a day later the quota is back
    assert len(served) == 4
    assert upload_quota_middleware(Settings()) == [] and len(upload_quota_middleware(Settings(share=True))) == 1


def test_loopback_is_not_capped():
    """A share link's tunnel brings every visitor from 127.0.0.1: one shared cap would lock them all out."""
    served: list[int] = []

    async def gradio(scope, receive, send):
        served.append(1)

    cap = StreamCap(gradio, limit=1)
    scope = {
        "type": "http",
        "path": "/gradio_api/heartbeat/x",
        "method": "GET",
        "client": ("127.0.0.1", 1),
        "headers": [],
    }

    async def many() -> None:
        for _ in range(5):
            await cap(scope, None, None)

    asyncio.run(many())
    assert len(served) == 5


def test_behind_a_share_link_each_log_in_has_its_own_upload_quota():
    """Every share-link visitor arrives from the tunnel on loopback: the log-in, not the address, is the person."""
    from studio.ui.upload_quota import UploadQuota, logged_in_user

    async def gradio(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"[]"})

    app = SimpleNamespace(cookie_id="c1", tokens={"tok-a": "alice", "tok-b": "bob"})
    quota = UploadQuota(gradio, limit_bytes=100 * 2**20)

    def post(cookie: str | None, size: int = 40 * 2**20) -> int:
        headers = [(b"content-length", str(size).encode())]
        if cookie:
            headers.append((b"cookie", f"theme=dark; {cookie}".encode()))
        scope = {"type": "http", "path": "/gradio_api/upload", "method": "POST", "client": ("127.0.0.1", 1),
                 "headers": headers, "app": app}  # fmt: skip
        return _status(quota, scope)

    assert [post("access-token-c1=tok-a") for _ in range(3)] == [200, 200, 413]  # alice's share is spent
    assert post("access-token-unsecure-c1=tok-b") == 200  # bob has his own
    assert post("access-token-c1=forged") == 200 and post(None) == 200  # no log-in: this computer, not counted
    scope = {"headers": [(b"cookie", b"access-token-c1=tok-b")], "app": app}
    assert logged_in_user(scope) == "bob" and logged_in_user({"headers": [], "app": None}) is None


def _status(app, scope: dict) -> int:
    """The HTTP status an ASGI app answers `scope` with."""
    got: list[int] = []

    async def send(message):
        if message["type"] == "http.response.start":
            got.append(message["status"])

    asyncio.run(app(scope, None, send))
    return got[0]
