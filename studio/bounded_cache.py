"""A small least-recently-used map that threads can share (export caches, PSNR memo)."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Any


class BoundedCache:
    """A small least-recently-used map, safe to share between threads.

    Bounded by entry count and, with `budget_bytes` and `weigh`, by size too: a 2000 px canvas is
    12 MB, so two dozen of them per browser session would be too much for a shared link.
    The newest entry always stays, even when it alone is over the budget.
    """

    def __init__(self, capacity: int, *, budget_bytes: int = 0, weigh: Callable[[Any], int] | None = None) -> None:
        self.capacity = capacity
        self.budget_bytes = budget_bytes
        self._weigh = weigh
        self._items: OrderedDict[object, object] = OrderedDict()
        self._weights: dict[object, int] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def __getitem__(self, key: object) -> Any:
        with self._lock:
            self._items.move_to_end(key)  # KeyError when absent, like a dict
            return self._items[key]

    def __setitem__(self, key: object, value: object) -> None:
        self.put(key, value)

    @property
    def total_bytes(self) -> int:
        return sum(self._weights.values())

    def values(self) -> list[Any]:
        """A snapshot of the entries, oldest first (reading does not refresh them)."""
        with self._lock:
            return list(self._items.values())

    def get(self, key: object, default: Any = None) -> Any:
        with self._lock:
            if key not in self._items:
                return default
            self._items.move_to_end(key)
            return self._items[key]

    def put(self, key: object, value: object) -> None:
        weight = self._weigh(value) if self._weigh is not None else 0
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            self._weights[key] = weight
            total = sum(self._weights.values())
            while len(self._items) > 1 and (
                len(self._items) > self.capacity or (self.budget_bytes and total > self.budget_bytes)
            ):
                oldest, _ = self._items.popitem(last=False)
                total -= self._weights.pop(oldest)

    def get_or_make(self, key: object, make: Callable[[], Any]) -> Any:
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        value = make()  # outside the lock: two threads may both make it; both get equal values
        self.put(key, value)
        return value


__all__ = ["BoundedCache"]
