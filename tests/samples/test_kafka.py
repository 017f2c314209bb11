"""kafka-consumer-check (Java, kafka-clients 3.9.1) against a real Kafka
broker in KRaft mode started by the session, with consumer groups whose lag
is known: 100 messages in each of the topic's two partitions, and committed
offsets chosen by the test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from tests.samples.http_target import HttpTarget
from tests.samples.kafka_broker import KafkaBroker
from tests.samples.library import SampleRunner, covers

pytestmark = pytest.mark.slow

MESSAGES = 100
# group -> committed offsets of partitions 0 and 1 (lag = 100 - offset)
GROUPS = {"billing": [100, 70], "analytics": [10, 0]}


@pytest.fixture(scope="session")
def kafka(tmp_path_factory) -> Iterator[KafkaBroker]:
    broker = KafkaBroker(tmp_path_factory.mktemp("kafka")).start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture(scope="module")
def orders(kafka: KafkaBroker) -> str:
    topic = f"orders-{uuid.uuid4().hex[:6]}"
    kafka.prepare(topic, MESSAGES, GROUPS)
    return topic


@covers("kafka-consumer-check")
def test_kafka_lag_check_passes_for_a_group_that_keeps_up(samples: SampleRunner, kafka: KafkaBroker, orders: str) -> None:
    run = samples.run("kafka-consumer-check", {"bootstrap_servers": kafka.bootstrap, "group": "billing", "topic": orders,
                                               "max_lag": 50})
    assert run.exit_code == 0, run.describe()
    out = run.outputs
    assert (out["healthy"], out["total_lag"], out["max_partition_lag"], out["problems"]) == (True, 30, 30, [])
    assert [(p["partition"], p["committed"], p["end"], p["lag"], p["ok"]) for p in out["partitions"]] == [
        (0, 100, 100, 0, True), (1, 70, 100, 30, True)]
    assert run.lines("✓")[-1] == "✓ group billing: total lag 30 over 2 partitions"


@covers("kafka-consumer-check")
def test_kafka_lag_check_fails_for_a_lagging_or_missing_group(samples: SampleRunner, kafka: KafkaBroker, orders: str,
                                                              http_service: HttpTarget) -> None:
    run = samples.run("kafka-consumer-check", {"bootstrap_servers": kafka.bootstrap, "group": "analytics", "max_lag": 50})
    assert run.exit_code == 1, run.describe()
    out = run.outputs
    assert (out["healthy"], out["total_lag"], out["max_partition_lag"]) == (False, 190, 100)
    assert [p["lag"] for p in out["partitions"]] == [90, 100] and len(run.lines("✗")) == 2

    run = samples.run("kafka-consumer-check", {"bootstrap_servers": kafka.bootstrap, "group": "billing", "max_total_lag": 20})
    assert run.exit_code == 1 and run.outputs["problems"] == ["total lag 30, at most 20 allowed"], run.describe()

    run = samples.run("kafka-consumer-check", {"bootstrap_servers": kafka.bootstrap, "group": "nobody"})
    assert run.exit_code == 1 and run.outputs["problems"] == ["group nobody has committed no offsets"], run.describe()

    run = samples.run("kafka-consumer-check", {"bootstrap_servers": f"127.0.0.1:{http_service.closed_port}", "group": "billing",
                                               "timeout_ms": 3000})
    assert run.exit_code == 2 and "cannot read group billing" in run.stdout, run.describe()
