"""A local PostgreSQL cluster from Debian's packages, for the production-store tests."""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def install() -> Path:
    """apt-get install postgresql when missing (root only); returns the bin directory."""
    bin_dir = _bin_dir()
    if bin_dir:
        return bin_dir
    if os.geteuid() != 0 or shutil.which("apt-get") is None:
        raise RuntimeError("PostgreSQL не установлен: apt-get install postgresql")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "postgresql"], check=True,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    bin_dir = _bin_dir()
    assert bin_dir is not None
    return bin_dir


@dataclass(frozen=True)
class PostgresStack:
    run_dir: Path
    port: int = 55432
    user: str = "mcu"
    database: str = "mcu"

    @property
    def data_dir(self) -> Path:
        return self.run_dir / "pgdata"

    def _as_owner(self, cmd: list[str]) -> list[str]:
        # The server refuses to run as root: run it as the `postgres` system user.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *cmd]
        return cmd

    def _prepare_dirs(self) -> None:
        self.run_dir.mkdir(parents=True, exist_ok=True)
        if os.geteuid() == 0:
            pg = pwd.getpwnam("postgres")
            os.chown(self.run_dir, pg.pw_uid, pg.pw_gid)
            for parent in self.run_dir.resolve().parents:
                parent.chmod(parent.stat().st_mode | 0o011)  # let postgres traverse

    def up(self) -> str:
        bin_dir = install()
        self._prepare_dirs()
        if not (self.data_dir / "PG_VERSION").exists():
            subprocess.run(self._as_owner([
                str(bin_dir / "initdb"), "-D", str(self.data_dir), "-U", self.user,
                "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"]),
                check=True, capture_output=True)
        if not self.running():
            subprocess.run(self._as_owner([
                str(bin_dir / "pg_ctl"), "-D", str(self.data_dir), "-w", "-t", "60",
                "-l", str(self.run_dir / "postgres.log"),
                "-o", f"-p {self.port} -k {self.run_dir} -c listen_addresses=127.0.0.1 "
                      "-c max_connections=200",
                "start"]), check=True, capture_output=True)
        self._create_database(bin_dir)
        return self.dsn

    def _create_database(self, bin_dir: Path) -> None:
        psql = [str(bin_dir / "psql"), "-h", "127.0.0.1", "-p", str(self.port),
                "-U", self.user, "-d", "postgres", "-tAc"]
        deadline = time.monotonic() + 30
        while True:
            exists = subprocess.run(
                self._as_owner([*psql, f"SELECT 1 FROM pg_database WHERE datname='{self.database}'"]),
                capture_output=True, text=True)
            if exists.returncode == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        if exists.stdout.strip() != "1":
            subprocess.run(self._as_owner([*psql, f"CREATE DATABASE {self.database}"]), check=True,
                           capture_output=True)

    def running(self) -> bool:
        bin_dir = _bin_dir()
        if bin_dir is None or not (self.data_dir / "PG_VERSION").exists():
            return False
        status = subprocess.run(self._as_owner([str(bin_dir / "pg_ctl"), "-D", str(self.data_dir),
                                                "status"]), capture_output=True)
        return status.returncode == 0

    def down(self) -> bool:
        bin_dir = _bin_dir()
        if bin_dir is None or not self.running():
            return False
        subprocess.run(self._as_owner([str(bin_dir / "pg_ctl"), "-D", str(self.data_dir),
                                       "-m", "fast", "stop"]), check=True, capture_output=True)
        return True

    @property
    def dsn(self) -> str:
        return f"postgresql://{self.user}@127.0.0.1:{self.port}/{self.database}"

    def status(self) -> str:
        return (f"PostgreSQL: работает ({self.dsn})" if self.running()
                else "PostgreSQL: остановлен")
