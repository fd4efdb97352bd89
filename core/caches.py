"""A small in-process cache: entries expire after a time, and past `max_entries` (or, when
given, `max_bytes` of cached text) the least recently used go, so a process serving many
carriers keeps a bounded amount of memory."""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from typing import Any, Generic, TypeVar

K = TypeVar("K")
V = TypeVar("V")


def size_of(value: Any) -> int:
    """Roughly what a cached value holds: its text, or 1 KB for an object."""
    if isinstance(value, str):
        return len(value)
    if isinstance(value, dict):
        return sum(size_of(v) for v in value.values())
    if isinstance(value, list | tuple):
        return sum(size_of(v) for v in value)
    return 1024


class BoundedTTLCache(Generic[K, V]):
    def __init__(self, max_entries: int, max_bytes: int | None = None) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._entries: OrderedDict[K, tuple[float, int, V]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()  # threaded servers share one instance

    def get(self, key: K, default: V | None = None) -> V | None:
        """The value stored under `key` if it has not expired; `default` otherwise."""
        with self._lock:
            found = self._entries.get(key)
            if found is None:
                return default
            if found[0] <= time.monotonic():
                self._drop(key)
                return default
            self._entries.move_to_end(key)
            return found[2]

    def set(self, key: K, value: V, ttl_seconds: float) -> None:
        size = size_of(value) if self.max_bytes is not None else 0
        with self._lock:
            if key in self._entries:
                self._drop(key)
            self._entries[key] = (time.monotonic() + ttl_seconds, size, value)
            self._bytes += size
            while self._entries and (
                len(self._entries) > self.max_entries or (self.max_bytes is not None and self._bytes > self.max_bytes)
            ):
                self._drop(next(iter(self._entries)))

    def _drop(self, key: K) -> None:
        self._bytes -= self._entries.pop(key)[1]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def size_bytes(self) -> int:
        return self._bytes
