"""Log-in: several users from one file, constant-time checks, guessing backed off per name."""

from __future__ import annotations

import asyncio
import inspect

import pytest

from studio.auth import FREE_FAILURES, LoginGate, parse_accounts, read_accounts
from studio.errors import StudioError


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_team_file_gives_one_account_per_line(tmp_path):
    team = tmp_path / "team.txt"
    team.write_text("# our shop\nann:s3cret\n\nbo:pa:ss:word\n", encoding="utf-8")
    assert read_accounts(str(team)) == (("ann", "s3cret"), ("bo", "pa:ss:word"))
    assert read_accounts("ann:x") == (("ann", "x"),)


@pytest.mark.parametrize("text, message", [("ann\n", "line 1"), ("ann:a\nann:b\n", "twice"), ("# none\n", "no USER")])
def test_a_malformed_team_file_names_the_line(text, message):
    with pytest.raises(StudioError, match=message):
        parse_accounts(text)


def test_each_user_logs_in_with_their_own_password():
    gate = LoginGate((("ann", "a1"), ("bo", "b2")), pause_s=0)
    assert gate.check("ann", "a1") and gate.check("bo", "b2")
    assert not gate.check("ann", "b2") and not gate.check("nobody", "")


def test_guessing_is_refused_unchecked_during_a_growing_wait():
    clock = Clock()
    gate = LoginGate((("ann", "right"),), clock=clock, pause_s=0)
    for _ in range(FREE_FAILURES):
        assert not gate.check("ann", "wrong")
    assert gate.wait_left("ann") == 0  # a few typos cost nothing
    assert not gate.check("ann", "wrong")
    first_wait = gate.wait_left("ann")
    assert first_wait > 0
    assert not gate.check("ann", "right")  # even the right password waits: guesses learn nothing now
    clock.now += first_wait
    assert not gate.check("ann", "wrong")
    assert gate.wait_left("ann") == pytest.approx(2 * first_wait)  # doubles
    clock.now += gate.wait_left("ann")
    assert gate.check("ann", "right") and gate.wait_left("ann") == 0  # back in, and forgiven
    assert gate.check("bo", "") is False and gate.wait_left("ann") == 0  # other names are not affected


def test_three_hundred_fast_guesses_mostly_go_unchecked():
    clock = Clock()
    gate = LoginGate((("ann", "right"),), clock=clock, pause_s=0)
    checked_wrong = 0
    for attempt in range(300):
        clock.now += 0.007  # 300 tries in 2.1 s, as in the attack
        before = gate.wait_left("ann")
        gate.check("ann", f"guess{attempt}")
        checked_wrong += before == 0
    assert checked_wrong <= FREE_FAILURES + 2


def test_gradio_awaits_the_gate_and_a_wrong_answer_pauses():
    gate = LoginGate((("ann", "right"),), pause_s=0.05)
    assert inspect.iscoroutinefunction(gate.login)  # else Gradio would take the coroutine itself as "yes"
    assert asyncio.run(gate.login("ann", "right")) is True
    assert asyncio.run(gate.login("ann", "nope")) is False
