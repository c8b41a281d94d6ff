"""Log-in for a shared studio: several users from one file, and guessing slowed down.

Gradio calls `LoginGate.login` with (username, password) for each log-in attempt. After a few
wrong passwords for a name, that name is refused unchecked for a back-off window that
doubles with each further failure (capped), so a script cannot try hundreds of
passwords a second; the right password works again as soon as the window ends.
Nothing here imports gradio.
"""

from __future__ import annotations

import asyncio
import hmac
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from studio.errors import StudioError

FREE_FAILURES = 3  # typos a person makes before any wait
FIRST_WAIT_S = 2.0
MAX_WAIT_S = 300.0
FAILURE_PAUSE_S = 0.5  # every wrong answer takes this long, so parallel guesses queue up too
_FORMAT_HINT = "Write one USER:PASSWORD per line (blank lines and lines starting with # are skipped)."


def parse_accounts(text: str, *, source: str = "--auth") -> tuple[tuple[str, str], ...]:
    """`USER:PASS` lines → accounts. A password may contain ':'; a name may appear once."""
    accounts: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        user, sep, password = line.partition(":")
        user = user.strip()
        if not sep or not user or not password:
            raise StudioError(f"{source}, line {number}: expected USER:PASSWORD.", hint=_FORMAT_HINT)
        if user in accounts:
            raise StudioError(f"{source}, line {number}: the user '{user}' is listed twice.", hint=_FORMAT_HINT)
        accounts[user] = password
    if not accounts:
        raise StudioError(f"{source} holds no USER:PASSWORD line.", hint=_FORMAT_HINT)
    return tuple(accounts.items())


def read_accounts(value: str) -> tuple[tuple[str, str], ...]:
    """`--auth` value: `USER:PASS` itself, or the path of a file of such lines."""
    path = Path(value)
    if path.is_file():
        return parse_accounts(path.read_text(encoding="utf-8"), source=path.name)
    if ":" not in value:
        raise StudioError("--auth must be USER:PASS or the path of a file that holds USER:PASS lines.")
    return parse_accounts(value)


@dataclass
class _Failures:
    count: int = 0
    locked_until: float = 0.0


class LoginGate:
    """Checks passwords in constant time and backs off per user name after repeated failures."""

    def __init__(
        self,
        accounts: tuple[tuple[str, str], ...],
        *,
        clock: Callable[[], float] = time.monotonic,
        pause_s: float = FAILURE_PAUSE_S,
    ) -> None:
        self._accounts = dict(accounts)
        self._clock = clock
        self._pause_s = pause_s
        self._failures: dict[str, _Failures] = {}
        self._lock = threading.Lock()

    def wait_left(self, username: str) -> float:
        """Seconds until `username` may try again (0 when it may now)."""
        with self._lock:
            state = self._failures.get(username)
            return max(0.0, state.locked_until - self._clock()) if state else 0.0

    def check(self, username: str, password: str) -> bool:
        """The decision alone, without the pause (for tests and synchronous callers)."""
        now = self._clock()
        with self._lock:
            state = self._failures.get(username)
            if state is not None and now < state.locked_until:
                return False  # refused unchecked: guessing during the wait learns nothing
            expected = self._accounts.get(username, "")
            # compare even for unknown names, so timing does not tell which names exist
            ok = hmac.compare_digest(password.encode(), expected.encode()) and username in self._accounts
            if ok:
                self._failures.pop(username, None)
                return True
            state = self._failures.setdefault(username, _Failures())
            state.count += 1
            if state.count > FREE_FAILURES:
                wait = min(MAX_WAIT_S, FIRST_WAIT_S * 2 ** (state.count - FREE_FAILURES - 1))
                state.locked_until = now + wait
            self._forget_old(now)
            return False

    async def login(self, username: str, password: str) -> bool:
        """What Gradio calls (pass the bound method: Gradio awaits only what
        `inspect.iscoroutinefunction` recognises, and a callable instance is not)."""
        ok = self.check(username, password)
        if not ok and self._pause_s > 0:
            await asyncio.sleep(self._pause_s)
        return ok

    def _forget_old(self, now: float) -> None:
        # bounded memory: names tried by a flood are dropped once their wait is over
        if len(self._failures) > 10_000:
            for name in [n for n, s in self._failures.items() if s.locked_until < now]:
                del self._failures[name]
