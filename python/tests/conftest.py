"""Fixtures: a real OTLP/HTTP receiver, and an SDK that is shut down after every test."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

import tracehouse
from otlp_receiver import Receiver, start_receiver
from tracehouse._warn import reset_warnings


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = start_receiver()
    yield started
    tracehouse.shutdown()
    started.close()


@pytest.fixture(autouse=True)
def _fresh_sdk() -> Iterator[None]:
    reset_warnings()
    yield
    tracehouse.shutdown()


def sdk_options(receiver: Receiver) -> dict[str, object]:
    """Options that export to ``receiver`` quickly and read no process environment."""
    return {"endpoint": receiver.url, "batch_delay_millis": 50, "metric_export_interval_millis": 60_000, "env": {}}
