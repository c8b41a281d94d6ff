"""Session memory that a flood cannot exhaust: a byte cap across sessions, idle expiry, idle and empty
sessions evicted first, a seller at work never; scene caches bounded in bytes."""

from __future__ import annotations

import numpy as np
from PIL import Image

from studio.ui.session import SESSION_OVERHEAD_BYTES, SessionStore, StudioSession, session_bytes
from tests.conftest import make_bottle_cutout


class Clock:
    def __init__(self) -> None:
        self.now = 10_000.0

    def __call__(self) -> float:
        return self.now


def working_session() -> StudioSession:
    session = StudioSession()
    session.set_cutout(make_bottle_cutout())
    session.photo = Image.new("RGB", (1000, 1000))
    return session


def test_a_flood_of_idle_sessions_evicts_no_active_one():
    clock = Clock()
    store = SessionStore(budget_bytes=200 * SESSION_OVERHEAD_BYTES, idle_s=3600, active_s=600, clock=clock)
    seller = working_session()
    store.put(seller)
    older = working_session()  # a seller who left 20 minutes ago
    store.put(older)
    clock.now += 1200
    store.put(seller)  # the seller keeps working
    for _ in range(10_050):  # the attack: 10,050 cheap sessions, each touched once
        store.put(StudioSession())
        clock.now += 0.01
    assert store.get(seller.key) is seller and seller.cutout is not None  # the active seller kept everything
    assert store.total_bytes <= 200 * SESSION_OVERHEAD_BYTES + session_bytes(seller)
    assert len(store) < 300


def test_idle_empty_sessions_go_before_idle_ones_holding_work():
    clock = Clock()
    store = SessionStore(budget_bytes=10**12, idle_s=3600, active_s=60, clock=clock)
    worked = working_session()
    store.put(worked)
    empties = [StudioSession() for _ in range(5)]
    for session in empties:
        store.put(session)
    clock.now += 120  # everyone idle now
    store.budget_bytes = store.total_bytes + SESSION_OVERHEAD_BYTES - 1  # the next one is one too many
    store.put(StudioSession())
    assert worked.key in store and worked.cutout is not None
    assert sum(s.key in store for s in empties) == 4  # exactly one empty one went


def test_idle_sessions_expire_and_release_their_pixels():
    clock = Clock()
    store = SessionStore(idle_s=1800, clock=clock)
    session = working_session()
    store.put(session)
    clock.now += 1801
    store.put(StudioSession())
    assert store.get(session.key) is None and session.cutout is None and session.photo is None
    assert store.total_bytes == SESSION_OVERHEAD_BYTES


def test_the_byte_cap_holds_sessions_that_hold_work():
    clock = Clock()
    one = session_bytes(working_session())
    store = SessionStore(budget_bytes=5 * one, idle_s=3600, active_s=60, clock=clock)
    for _ in range(40):
        store.put(working_session())
        clock.now += 61  # each seller left before the next came
    assert store.total_bytes <= 5 * one and len(store) <= 5


def test_a_session_dropped_by_gradio_is_found_again_by_its_tab():
    store = SessionStore()
    session = working_session()
    store.put(session, client="tab-1")
    assert store.for_client("tab-1") is session and store.for_client("tab-2") is None


def test_scene_caches_are_bounded_in_bytes():
    from studio.pipeline import Scene, SceneCache

    cache = SceneCache()
    pixels = np.zeros((2000, 2000, 3), np.uint8)
    for seed in range(60):  # 60 generated scenes of 12 MB each: 720 MB unbounded before
        cache.scenes[f"k{seed}"] = Scene(background=Image.fromarray(pixels), shadow=None, seed=seed, kind="generated")
    assert cache.total_bytes <= 256 * 2**20 and "k59" in cache.scenes and cache.scenes["k59"].seed == 59
