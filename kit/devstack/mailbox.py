"""A local SMTP server that keeps every message in a maildir (the dev stack's mail)."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path

from kit.devstack.process import running_pid, spawn, terminate


@dataclass(frozen=True)
class MailboxStack:
    run_dir: Path
    port: int = 8025

    @property
    def maildir(self) -> Path:
        return self.run_dir / "maildir"

    @property
    def pid_file(self) -> Path:
        return self.run_dir / "mailbox.pid"

    def up(self) -> str:
        if not running_pid(self.pid_file):
            self.run_dir.mkdir(parents=True, exist_ok=True)
            spawn([sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
                   "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
                  self.run_dir / "mailbox.log", self.pid_file)
        return f"127.0.0.1:{self.port} → {self.maildir}"

    def down(self) -> bool:
        return terminate(self.pid_file)

    def status(self) -> str:
        pid = running_pid(self.pid_file)
        return f"Почта: работает (pid {pid}, письма в {self.maildir}/new)" if pid else "Почта: остановлена"
