"""A forked worker (what gunicorn's pre-fork model does) exports under its own identity."""

from __future__ import annotations

import os

import tracehouse
from conftest import sdk_options
from otlp_receiver import Receiver
from tracehouse.gunicorn import post_fork, worker_exit


def test_forked_child_exports_with_its_own_pid_and_instance(receiver: Receiver) -> None:
    assert tracehouse.init(service_name="prefork", **sdk_options(receiver))  # type: ignore[arg-type]
    with tracehouse.span("in parent"):
        pass
    child = os.fork()
    if child == 0:  # the worker: gunicorn would call these hooks
        code = 0
        try:
            post_fork(None, None)
            post_fork(None, None)  # idempotent
            with tracehouse.span("in child"):
                pass
            worker_exit(None, None)  # flushes
        except BaseException:
            code = 1
        os._exit(code)
    _, status = os.waitpid(child, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    tracehouse.force_flush()
    receiver.wait_for(lambda: {"in parent", "in child"} <= {s["name"] for s in receiver.spans})
    spans = {s["name"]: s for s in receiver.spans}
    parent, worker = spans["in parent"]["resource"], spans["in child"]["resource"]
    assert parent["process.pid"] == os.getpid()
    assert worker["process.pid"] == child
    assert worker["service.instance.id"] != parent["service.instance.id"]
    assert worker["service.name"] == parent["service.name"] == "prefork"
