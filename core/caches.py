"""A small in-process cache: entries expire after a time, and past `max_entries` the least
recently used goes, so a process serving many carriers keeps a bounded amount of memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")
_MISSING = object()


class BoundedTTLCache(Generic[K, V]):
    def __init__(self, max_entries: int) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[K, tuple[float, V]] = OrderedDict()
        self._lock = threading.Lock()  # threaded servers share one instance

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value stored under `key` if it has not expired; `default` otherwise."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return default
            if found[0] <= time.monotonic():
                del self._entries[key]
                return default
            self._entries.move_to_end(key)
            return found[1]

    def set(self, key: K, value: V, ttl_seconds: float) -> None:
        with self._lock:
            self._entries[key] = (time.monotonic() + ttl_seconds, value)
            self._entries.move_to_end(key)
            while len(self._entries) > self.max_entries:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def __len__(self) -> int:
        return len(self._entries)
