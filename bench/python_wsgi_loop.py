"""In-process CPU per request of the bench's Flask app: calls its WSGI entry point in a loop with a
gunicorn-like environ (no sockets, no server), so the figure is the app plus its instrumentation
only, and steady enough to compare on a loaded machine. Part of bench/python_sdk_bench.ts.

``BENCH_MODE=none|tracehouse`` as for python_flask_app.py (run it under ``opentelemetry-instrument``
with ``none`` for zero-code). Prints one JSON line: CPU per request of the request thread and of
the whole process (which includes the span exporter's thread), in microseconds.
``PROFILE=cumulative`` (or ``tottime``) prints a cProfile table of the measured loop instead.
"""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Iterable
from typing import Any

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from python_flask_app import app

REQUESTS = int(os.environ.get("REQUESTS", "5000"))
ENVIRON: dict[str, Any] = {
    "REQUEST_METHOD": "GET",
    "PATH_INFO": "/users/7",
    "RAW_URI": "/users/7",
    "QUERY_STRING": "",
    "SERVER_NAME": "127.0.0.1",
    "SERVER_PORT": "8000",
    "SERVER_PROTOCOL": "HTTP/1.1",
    "SERVER_SOFTWARE": "gunicorn",
    "HTTP_HOST": "127.0.0.1:8000",
    "HTTP_USER_AGENT": "wrk",
    "REMOTE_ADDR": "127.0.0.1",
    "REMOTE_PORT": "50000",
    "wsgi.url_scheme": "http",
    "wsgi.errors": sys.stderr,
    "wsgi.version": (1, 0),
    "wsgi.multithread": False,
    "wsgi.multiprocess": False,
    "wsgi.run_once": False,
}


def _start_response(status: str, headers: list[tuple[str, str]], exc_info: object = None) -> None:
    pass


def request() -> None:
    environ = dict(ENVIRON, **{"wsgi.input": io.BytesIO(b"")})
    body: Iterable[bytes] = app(environ, _start_response)
    for _ in body:
        pass
    close = getattr(body, "close", None)
    if close:
        close()  # as a server does: the WSGI middleware ends the span here


def main() -> None:
    for _ in range(500):  # warm-up: first exports, caches
        request()
    profile = os.environ.get("PROFILE")
    if profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(lambda: [request() for _ in range(REQUESTS)])
        pstats.Stats(profiler).sort_stats(profile).print_stats(40)
        return
    process, thread = time.process_time(), time.thread_time()
    for _ in range(REQUESTS):
        request()
    thread = time.thread_time() - thread
    process = time.process_time() - process
    print(json.dumps({"thread_us": thread / REQUESTS * 1e6, "process_us": process / REQUESTS * 1e6}))


if __name__ == "__main__":
    main()
