"""The manual API over a running SDK: span, traced (sync + async), tracer, metrics, log."""

from __future__ import annotations

import asyncio

import pytest

import tracehouse
from conftest import sdk_options
from otlp_receiver import Receiver
from tracehouse import counter, gauge, histogram, log, span, traced, tracer


def test_span_and_traced(receiver: Receiver) -> None:
    assert tracehouse.init(service_name="manual", **sdk_options(receiver))  # type: ignore[arg-type]

    @traced
    def add(a: int, b: int) -> int:
        return a + b

    @traced(name="fetch user", attributes={"user.id": 7})
    async def fetch() -> str:
        await asyncio.sleep(0)
        return "ok"

    with span("outer", {"items.count": 2}) as outer:
        assert add(1, 2) == 3
        assert asyncio.run(fetch()) == "ok"
        outer.set_attribute("done", True)
    with pytest.raises(KeyError), span("failing"):
        raise KeyError("missing")
    with tracer.start_as_current_span("raw"):
        pass
    tracehouse.force_flush()
    receiver.wait_for(lambda: len(receiver.spans) >= 5)
    spans = {s["name"]: s for s in receiver.spans}
    outer_span = spans["outer"]
    assert outer_span["attributes"] == {"items.count": 2, "done": True}
    assert spans["test_span_and_traced.<locals>.add"]["parentSpanId"] == outer_span["spanId"]
    assert spans["fetch user"]["parentSpanId"] == outer_span["spanId"]
    assert spans["fetch user"]["attributes"] == {"user.id": 7}
    failing = spans["failing"]
    assert failing["status"]["code"] == "STATUS_CODE_ERROR"
    assert failing["attributes"]["error.type"] == "KeyError"
    assert [e["name"] for e in failing["events"]] == ["exception"]
    assert spans["raw"]["scope"] == "tracehouse"
    assert outer_span["resource"]["telemetry.distro.name"] == "tracehouse"
    assert outer_span["resource"]["service.instance.id"]


def test_metrics_helpers_and_runtime_metrics(receiver: Receiver) -> None:
    orders = counter("orders.placed", unit="{order}")  # before init: becomes live when it starts
    assert tracehouse.init(service_name="metrics", **sdk_options(receiver))  # type: ignore[arg-type]
    orders.add(2, {"payment.method": "card"})
    histogram("upload.size", unit="By").record(2048)
    gauge("queue.depth").set(12, {"queue": "emails"})
    tracehouse.force_flush()
    receiver.wait_for(lambda: {"orders.placed", "upload.size", "queue.depth"} <= {m["name"] for m in receiver.metrics})
    by_name = {m["name"]: m for m in receiver.metrics}
    assert by_name["orders.placed"]["point"]["asInt"] == "2"
    assert by_name["orders.placed"]["point"]["attributes"] == {"payment.method": "card"}
    assert by_name["orders.placed"]["unit"] == "{order}"
    assert by_name["upload.size"]["kind"] == "histogram"
    assert by_name["queue.depth"]["kind"] == "gauge"
    names = {m["name"] for m in receiver.metrics}
    assert {"process.cpu.time", "process.memory.usage", "cpython.gc.collections"} <= names


def test_log_carries_the_active_span(receiver: Receiver) -> None:
    assert tracehouse.init(service_name="logs", **sdk_options(receiver))  # type: ignore[arg-type]
    with span("request") as current:
        log.info("order placed", {"order.id": 42})
        log.error("payment failed", {"error": ValueError("card declined")})
    log.debug("outside")
    tracehouse.force_flush()
    receiver.wait_for(lambda: len(receiver.logs) >= 3)
    records = {r["body"]["stringValue"]: r for r in receiver.logs}
    trace_id = format(current.get_span_context().trace_id, "032x")
    placed = records["order placed"]
    assert placed["severityText"] == "INFO"
    assert placed["attributes"] == {"order.id": 42}
    assert bytes.fromhex(_b64_to_hex(placed["traceId"])) == bytes.fromhex(trace_id)
    failed = records["payment failed"]
    assert failed["severityNumber"] == "SEVERITY_NUMBER_ERROR"
    assert failed["attributes"]["exception.type"] == "ValueError"
    assert failed["attributes"]["exception.message"] == "card declined"
    assert "traceId" not in records["outside"]


def _b64_to_hex(value: str) -> str:
    import base64

    return base64.b64decode(value).hex()


def test_api_is_a_no_op_before_init() -> None:
    with span("nothing") as current:
        assert not current.get_span_context().is_valid
    log.info("dropped")
    counter("c").add(1)
    assert tracehouse.force_flush() is True


def test_logging_bridge_keeps_basic_config_working(receiver: Receiver) -> None:
    import logging

    root = logging.getLogger()
    before = list(root.handlers)
    try:
        for handler in before:
            root.removeHandler(handler)
        assert tracehouse.init(service_name="bridge", **sdk_options(receiver))  # type: ignore[arg-type]
        logging.basicConfig(level=logging.INFO, format="%(message)s")
        assert any(type(h) is logging.StreamHandler for h in root.handlers), root.handlers
        logging.getLogger("app").info("after basicConfig")
        tracehouse.force_flush()
        receiver.wait_for(lambda: any(r["body"]["stringValue"] == "after basicConfig" for r in receiver.logs))
        assert receiver.logs[-1]["severityText"] == "INFO"
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
        for handler in before:
            root.addHandler(handler)
        root.setLevel(logging.WARNING)


def test_logging_bridge_opt_out(receiver: Receiver) -> None:
    import logging

    assert tracehouse.init(service_name="quiet", logging_bridge=False, **sdk_options(receiver))  # type: ignore[arg-type]
    logging.getLogger("app").error("not exported")
    log.info("exported")
    tracehouse.force_flush()
    receiver.wait_for(lambda: len(receiver.logs) >= 1)
    assert [r["body"]["stringValue"] for r in receiver.logs] == ["exported"]
