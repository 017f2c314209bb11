"""A real Apache Kafka broker in KRaft mode (no ZooKeeper), from Maven
Central's jars, on loopback: one JVM that is broker and controller.

The jars are copied once by Maven (``dependency:copy-dependencies`` of
org.apache.kafka:kafka_2.13) into a cache folder that later sessions reuse;
the broker is formatted and started in a fresh folder per session. Fast:
one partition for internal topics, no rebalance delay, a small heap and the
JIT's first tier only.
"""

from __future__ import annotations

import base64
import shutil
import socket
import subprocess
import tempfile
import time
import uuid
from pathlib import Path

from tests.servers import free_port, stop_process_group

KAFKA_VERSION = "3.9.1"
CACHE = Path(tempfile.gettempdir()) / f"stellascript-test-kafka-{KAFKA_VERSION}"
SETUP_PROGRAM = Path(__file__).with_name("KafkaSetup.java")
JVM = ["-Xms128m", "-Xmx512m", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true"]
POM = f"""<project xmlns="http://maven.apache.org/POM/4.0.0"><modelVersion>4.0.0</modelVersion>
<groupId>stellascript.tests</groupId><artifactId>kafka-broker</artifactId><version>1</version>
<dependencies><dependency><groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
<version>{KAFKA_VERSION}</version></dependency></dependencies></project>
"""


def kafka_classpath() -> str:
    """The broker's jars, fetched by Maven the first time (the folder is complete once its marker exists)."""
    libs, marker = CACHE / "libs", CACHE / "complete"
    if not marker.exists():
        shutil.rmtree(CACHE, ignore_errors=True)
        CACHE.mkdir(parents=True)
        (CACHE / "pom.xml").write_text(POM)
        subprocess.run(["mvn", "-q", "-B", "dependency:copy-dependencies", f"-DoutputDirectory={libs}", "-DincludeScope=runtime"],
                       cwd=CACHE, check=True, capture_output=True, timeout=600)
        marker.touch()
    return f"{libs}/*"


class KafkaBroker:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.port, self.controller_port = free_port(), free_port()
        self.classpath = kafka_classpath()
        self.process: subprocess.Popen | None = None

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    def start(self, timeout_s: float = 120) -> KafkaBroker:
        config = self.root / "server.properties"
        config.write_text("\n".join([
            "process.roles=broker,controller", "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{self.controller_port}",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
            f"advertised.listeners=PLAINTEXT://{self.bootstrap}", "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={self.root / 'data'}", "num.partitions=1", "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=1", "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1", "group.initial.rebalance.delay.ms=0",
        ]) + "\n")
        cluster_id = base64.urlsafe_b64encode(uuid.uuid4().bytes).rstrip(b"=").decode()
        java = ["java", *JVM, "-cp", self.classpath]
        subprocess.run([*java, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(config)],
                       check=True, capture_output=True, timeout=120)
        log = self.root / "kafka.log"
        with open(log, "wb") as output:  # the broker keeps its own copy of the descriptor
            self.process = subprocess.Popen([*java, f"-Dkafka.logs.dir={self.root}", "kafka.Kafka", str(config)],
                                            stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout_s
        while True:
            assert self.process.poll() is None, log.read_text()[-4000:]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return self
            except OSError:
                assert time.monotonic() < deadline, log.read_text()[-4000:]
                time.sleep(0.2)

    def prepare(self, topic: str, messages_per_partition: int, groups: dict[str, list[int]]) -> None:
        """A topic with len(offsets) partitions of ``messages_per_partition`` messages each, and
        each group's committed offsets (partition 0 first): a known lag per partition."""
        groups_text = [f"{group}={','.join(map(str, offsets))}" for group, offsets in groups.items()]
        done = subprocess.run(["java", "-cp", self.classpath, str(SETUP_PROGRAM), self.bootstrap, topic,
                               str(messages_per_partition), *groups_text], capture_output=True, text=True, timeout=180,
                              check=False)
        assert done.returncode == 0 and done.stdout.strip().endswith("ready"), done.stdout + done.stderr

    def stop(self) -> None:
        stop_process_group(self.process, grace_s=20)
