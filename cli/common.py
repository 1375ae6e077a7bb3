"""What every `mcu` subcommand shares."""

from __future__ import annotations

from typing import NoReturn

import httpx
import typer


def fail(message: str) -> NoReturn:
    """A clear Russian error on stderr and exit code 2 (bad input, as typer does)."""
    typer.echo(f"Ошибка: {message}", err=True)
    raise typer.Exit(2)


def problem_detail(response: httpx.Response) -> str:
    """A service's Russian explanation of a refusal (RFC 9457), with its stable code; an
    answer that is not a problem document (a proxy's 502, say) is named by its status."""
    try:
        problem = response.json()
    except ValueError:
        return f"ответ {response.status_code} {response.reason_phrase}"
    return f"{problem.get('detail') or problem.get('title')} (код {problem.get('code')})"


def reference_deployment():
    """The deployment's tree (MCU_DEPLOYMENT, else one municipality, else the demo's). Only
    read: no door opens, so demo tokens do not matter."""
    from kit.settings import Settings
    from kit.staff import read_deployment

    try:
        return read_deployment(Settings())
    except ValueError as exc:
        fail(str(exc))


def reference_directory():
    """The deployment's directory (MCU_ROUTING_DIRECTORY, else the shipped one), for its
    time zone and its people. Only read: no door opens, so demo tokens do not matter."""
    from kit.settings import Settings
    from kit.staff import read_directory

    try:
        return read_directory(Settings())[0]
    except ValueError as exc:
        fail(str(exc))
