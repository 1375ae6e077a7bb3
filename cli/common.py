"""What every `mcu` subcommand shares."""

from __future__ import annotations

from typing import NoReturn

import typer


def fail(message: str) -> NoReturn:
    """A clear Russian error on stderr and exit code 2 (bad input, as typer does)."""
    typer.echo(f"Ошибка: {message}", err=True)
    raise typer.Exit(2)
