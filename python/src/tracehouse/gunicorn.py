"""Gunicorn server hooks. In ``gunicorn.conf.py``::

    from tracehouse.gunicorn import post_fork, worker_exit  # noqa: F401

``post_fork`` gives each worker its own ``process.pid`` and ``service.instance.id`` when the SDK
was started before the fork (``preload_app = True``); without preloading every worker imports the
app, and so starts its own SDK, by itself. ``worker_exit`` flushes the worker's telemetry.
"""

from __future__ import annotations

from typing import Any

from tracehouse.sdk_state import refresh_after_fork, shutdown


def post_fork(server: Any, worker: Any) -> None:
    """Gunicorn ``post_fork`` hook: re-labels the inherited SDK as this worker's."""
    refresh_after_fork()


def worker_exit(server: Any, worker: Any) -> None:
    """Gunicorn ``worker_exit`` hook: flushes spans, metrics and logs before the worker exits."""
    shutdown()
