"""Known vulnerabilities of the locked dependencies (pip-audit over requirements.lock).

Prints each vulnerable package with its advisories and the fixed versions. A package the
vulnerability service could not answer for is counted as not audited, never as safe:
where the service is out of reach (a closed network), the report says so. `--strict`
exits 1 on any vulnerability (make audit); CI reports without failing the build on an
advisory published after the lock was made.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

LOCK = Path(__file__).resolve().parents[1] / "requirements.lock"


def main() -> int:
    strict = "--strict" in sys.argv
    found = subprocess.run(
        [sys.executable, "-m", "pip_audit", "-r", str(LOCK), "--require-hashes",
         "--disable-pip", "--progress-spinner", "off", "--format", "json"],
        capture_output=True, text=True)
    try:
        report = json.loads(found.stdout)
    except json.JSONDecodeError:
        print(f"аудит зависимостей не выполнен: {found.stderr.strip()[-500:]}")
        return 1 if strict else 0
    packages = report.get("dependencies", [])
    skipped = [p for p in packages if p.get("skip_reason")]
    vulnerable = [p for p in packages if p.get("vulns")]
    for p in vulnerable:
        for v in p["vulns"]:
            fixed = ", ".join(v.get("fix_versions") or []) or "исправления нет"
            print(f"УЯЗВИМОСТЬ {p['name']} {p['version']}: {v['id']} (исправлено в: {fixed})")
    audited = len(packages) - len(skipped)
    print(f"аудит зависимостей: проверено {audited} из {len(packages)}, уязвимых"
          f" {len(vulnerable)}")
    if skipped:
        print(f"не проверено {len(skipped)} (служба уязвимостей не ответила по ним, например:"
              f" {skipped[0]['skip_reason']})")
    return 1 if strict and (vulnerable or skipped) else 0


if __name__ == "__main__":
    sys.exit(main())
