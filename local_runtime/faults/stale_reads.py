"""Stale reads for the fault proxy: which version of an item an eventually consistent GetItem may still see.

DynamoDB's GetItem is eventually consistent unless ``ConsistentRead`` is true: right after a write, a
read may return the item as it was before (or nothing, for a new item). Emulators are always consistent,
so code that reads its own writes naively passes locally and fails on AWS.
"""

import json
import threading
import time
from typing import Any


class StaleReads:
    """Remembers, per (table, key), the version a stale read returns and until when.

    ``window_s`` applies to every table; ``windows`` (set at run time) to one table each, overriding it.
    """

    def __init__(self, window_s: float, key_attributes: tuple[str, ...]) -> None:
        self.window_s, self.key_attributes = window_s, key_attributes
        self.windows: dict[str, float] = {}
        self._versions: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    def window_for(self, table: str) -> float:
        return self.windows.get(table, self.window_s)

    def set_window(self, table: str, window_s: float | None) -> None:
        """Give ``table`` its own window (``None``: back to the default, and forget its versions)."""
        with self._lock:
            if window_s is None:
                self.windows.pop(table, None)
                prefix = json.dumps([table])[:-1]
                self._versions = {slot: v for slot, v in self._versions.items() if not slot.startswith(prefix)}
            else:
                self.windows[table] = window_s

    def _slot(self, table: str, key: dict[str, Any]) -> str:
        return json.dumps([table, {name: key.get(name) for name in self.key_attributes}], sort_keys=True)

    def key_of(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """The key attributes of a write, in DynamoDB's wire format."""
        source = body.get("Item", {}) if operation == "PutItem" else body.get("Key", {})
        return {name: source[name] for name in self.key_attributes if name in source}

    def record_write(self, table: str, key: dict[str, Any], old_item: dict[str, Any] | None) -> None:
        with self._lock:
            slot = self._slot(table, key)
            # Within an open window the version readers may still see is the one from before the first write.
            if slot in self._versions and self._versions[slot][0] > time.monotonic():
                old_item = self._versions[slot][1]
            self._versions[slot] = (time.monotonic() + self.window_for(table), old_item)

    def stale_version(self, table: str, key: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
        """(True, old item or None) while the key's window is open; (False, None) after."""
        with self._lock:
            until, old_item = self._versions.get(self._slot(table, key), (0.0, None))
        return (True, old_item) if until > time.monotonic() else (False, None)
