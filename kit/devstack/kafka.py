"""A single-node Apache Kafka broker in KRaft mode, from Maven Central jars, on Java 17."""

from __future__ import annotations

import asyncio
import glob
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from kit.devstack.process import running_pid, spawn, terminate

PROJECT_ROOT = Path(__file__).resolve().parents[2]
POM = PROJECT_ROOT / "stack" / "kafka" / "pom.xml"

LOG4J = """log4j.rootLogger=WARN, stdout
log4j.appender.stdout=org.apache.log4j.ConsoleAppender
log4j.appender.stdout.layout=org.apache.log4j.PatternLayout
log4j.appender.stdout.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.server.KafkaRaftServer=INFO
"""


@dataclass(frozen=True)
class KafkaStack:
    cache_dir: Path  # jars and the Maven repository (git-ignored)
    run_dir: Path  # data, logs, pid
    port: int = 19092

    @property
    def libs(self) -> Path:
        return self.cache_dir / "kafka" / "libs"

    @property
    def bootstrap(self) -> str:
        return f"127.0.0.1:{self.port}"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "kafka.pid"

    @property
    def log_file(self) -> Path:
        return self.run_dir / "kafka.log"

    def fetch(self) -> None:
        """Download the broker jars with Maven once; later starts reuse the cache."""
        if glob.glob(str(self.libs / "kafka_2.13-*.jar")):
            return
        if shutil.which("mvn") is None:
            raise RuntimeError("Maven (mvn) не найден: он нужен, чтобы скачать Apache Kafka")
        subprocess.run(
            ["mvn", "-B", "-q", "-f", str(POM), f"-Dmaven.repo.local={self.cache_dir / 'm2'}",
             "dependency:copy-dependencies", f"-DoutputDirectory={self.libs}",
             "-DincludeScope=runtime"],
            check=True,
        )

    def _java(self, *args: str) -> list[str]:
        return ["java", "-Xms256m", "-Xmx768m",
                f"-Dlog4j.configuration=file:{self.run_dir / 'log4j.properties'}",
                "-cp", f"{self.libs}/*", *args]

    def _write_config(self) -> Path:
        controller = self.port + 1
        config = self.run_dir / "server.properties"
        config.write_text("\n".join([
            "process.roles=broker,controller",
            "node.id=1",
            f"controller.quorum.voters=1@127.0.0.1:{controller}",
            f"listeners=PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{controller}",
            f"advertised.listeners=PLAINTEXT://127.0.0.1:{self.port}",
            "controller.listener.names=CONTROLLER",
            "listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
            f"log.dirs={self.run_dir / 'data'}",
            "offsets.topic.replication.factor=1",
            "offsets.topic.num.partitions=6",
            "transaction.state.log.replication.factor=1",
            "transaction.state.log.min.isr=1",
            "group.initial.rebalance.delay.ms=0",
            "auto.create.topics.enable=false",
            "log.retention.hours=-1",
            "",
        ]))
        (self.run_dir / "log4j.properties").write_text(LOG4J)
        return config

    def up(self, timeout: float = 90.0) -> str:
        """Start the broker unless it runs; return its bootstrap address once it answers."""
        if running_pid(self.pid_file):
            wait_until_answers(self.bootstrap, timeout)
            return self.bootstrap
        if asyncio.run(_answers(self.bootstrap)):
            raise RuntimeError(f"порт {self.port} занят другим брокером: остановите его или "
                               "задайте другой порт")
        self.fetch()
        self.run_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        if not (self.run_dir / "data" / "meta.properties").exists():
            subprocess.run(
                self._java("kafka.tools.StorageTool", "format", "-t", _cluster_id(),
                           "-c", str(config), "--ignore-formatted"),
                check=True, capture_output=True,
            )
        spawn(self._java("kafka.Kafka", str(config)), self.log_file, self.pid_file)
        wait_until_answers(self.bootstrap, timeout, self.pid_file)
        return self.bootstrap

    def down(self) -> bool:
        return terminate(self.pid_file)

    def status(self) -> str:
        pid = running_pid(self.pid_file)
        return f"Kafka: работает (pid {pid}, {self.bootstrap})" if pid else "Kafka: остановлена"


def _cluster_id() -> str:
    """A KRaft cluster id (a UUID in base64url); never one that starts with "-", which the
    storage tool would take for an option (one start in 64 failed so)."""
    import base64

    while True:
        found = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not found.startswith("-"):
            return found


def wait_until_answers(bootstrap: str, timeout: float, pid_file: Path | None = None) -> None:
    """Block until the broker answers a metadata request (or fail with the reason)."""
    deadline = time.monotonic() + timeout
    while True:
        if asyncio.run(_answers(bootstrap)):
            return
        if pid_file is not None and running_pid(pid_file) is None:
            raise RuntimeError(f"Kafka завершилась при запуске, см. {pid_file.parent / 'kafka.log'}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"Kafka не ответила на {bootstrap} за {timeout:.0f} с")
        time.sleep(0.5)


async def _answers(bootstrap: str) -> bool:
    import logging

    from aiokafka.admin import AIOKafkaAdminClient

    logging.getLogger("aiokafka").setLevel(logging.CRITICAL)  # "not yet" is expected here
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    try:
        await admin.start()
        await admin.describe_cluster()
        return True
    except Exception:  # noqa: BLE001 - any failure means "not yet"
        return False
    finally:
        await admin.close()
