"""One-line warnings on stderr, each key printed once, so bad settings never flood the app's output."""

from __future__ import annotations

import contextlib
import sys
import threading

_seen: set[str] = set()
_lock = threading.Lock()


def warn(key: str, message: str) -> None:
    """Prints ``[tracehouse] message`` once per ``key``; never raises."""
    with _lock:
        if key in _seen:
            return
        _seen.add(key)
    with contextlib.suppress(Exception):  # a closed stderr must not break the app
        print(f"[tracehouse] {message}", file=sys.stderr, flush=True)


def reset_warnings() -> None:
    """Forgets the keys already warned about (for tests)."""
    with _lock:
        _seen.clear()
