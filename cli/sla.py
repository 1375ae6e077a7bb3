"""`mcu sla …`: check a deadline computation, seed and check calendars and policies."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer

from cli.common import fail, reference_deployment, reference_directory

sla = typer.Typer(help="Сроки: производственный календарь, расчёт сроков, политика",
                  no_args_is_help=True)
calendar_cli = typer.Typer(help="Производственный календарь", no_args_is_help=True)
policy_cli = typer.Typer(help="Политика сроков", no_args_is_help=True)
sla.add_typer(calendar_cli, name="calendar")
sla.add_typer(policy_cli, name="policy")



@sla.command("deadline")
def deadline(registered: str = typer.Option(..., help="Момент регистрации, ISO 8601 с поясом"),
             term: str = typer.Option(..., help="30d | 10wd | 8wh"),
             municipality: str = typer.Option(
                 None, help="Муниципалитет (id в дереве развёртывания): его пояс, календарь с "
                            "региональными днями и расписание; нужен, если их несколько"),
             calendar: list[Path] = typer.Option(None, help="Файл календаря (можно несколько)"),
             tz: str = typer.Option(None, help="Часовой пояс, по умолчанию муниципалитета"),
             policy: Path = typer.Option(None, help="Файл политики (расписание)")) -> None:
    """Рассчитать один срок так, как его считает служба сроков для муниципалитета, и
    вывести JSON с due, объяснением и ревизией календаря."""
    from kit.deployment import UnknownMunicipality
    from kit.settings import Settings
    from services.sla.adapters import calendar_file, policy_file
    from services.sla.bootstrap import tenants
    from services.sla.domain.calendar import ProductionCalendar
    from services.sla.domain.terms import Term, TermCalculator

    tree = reference_deployment()
    if municipality is None and len(tree.municipalities) > 1:
        fail("в развёртывании несколько муниципалитетов, укажите --municipality: "
             + ", ".join(sorted(tree.municipalities)))
    try:
        place = tree.municipality(municipality or next(iter(tree.municipalities)))
        moment = datetime.fromisoformat(registered)
        calc = tenants(Settings(), tree)[place.id].calc
        if calendar or tz or policy:  # a file under review replaces the municipality's
            zone = ZoneInfo(tz or place.timezone)
            schedule = (policy_file.load(policy, zone).schedule if policy
                        else replace(calc.schedule, timezone=zone))
            cal = ProductionCalendar(calendar_file.load(p) for p in calendar) if calendar \
                else calc.calendar
            calc = TermCalculator(cal, schedule)
        due = calc.due(moment, Term.parse(term))
    except UnknownMunicipality as exc:
        fail(exc.args[0])
    except ValueError as exc:  # includes TermError and the file errors
        fail(str(exc))
    except ZoneInfoNotFoundError:
        fail(f"неизвестный часовой пояс {tz!r}")
    typer.echo(json.dumps({"municipality": place.id, **due.as_json(),
                           "calendar_revision": calc.revision}, ensure_ascii=False, indent=2))


@calendar_cli.command("seed")
def seed(year: int = typer.Option(..., help="Год"),
         out: Path = typer.Option(..., help="Куда записать YAML")) -> None:
    """Заготовка календаря года из библиотеки holidays (и что она знать не может)."""
    from services.sla.adapters.calendar_file import dump
    from services.sla.adapters.calendar_seed import seed as seed_year

    seeded = seed_year(year)
    out.write_text(dump(seeded.year, f"# Заготовка на {year} год: проверьте перед использованием.\n"),
                   encoding="utf-8")
    typer.echo(f"записано: {out} (нерабочих дней {len(seeded.year.non_working)}, "
               f"рабочих по переносу {len(seeded.year.working)}, "
               f"сокращённых {len(seeded.year.shortened)})")
    typer.echo("Чего заготовка знать не может:")
    for line in seeded.cannot_know:
        typer.echo(f"  - {line}")


@calendar_cli.command("check")
def check_calendar(files: list[Path]) -> None:
    """Проверить файлы календаря."""
    from services.sla.adapters.calendar_file import CalendarFileError, load

    failed = False
    for path in files:
        try:
            year = load(path)
            typer.echo(f"{path}: {year.year} год, {len(year.non_working)} нерабочих, "
                       f"{len(year.working)} рабочих по переносу, {len(year.shortened)} сокращённых")
        except (CalendarFileError, OSError) as exc:
            failed = True
            typer.echo(f"{exc}", err=True)
    if failed:
        raise typer.Exit(1)


@policy_cli.command("check")
def check_policy(file: Path) -> None:
    """Проверить файл политики сроков вместе со справочником (MCU_ROUTING_DIRECTORY), с
    которым она будет работать: у каждой роли эскалации должен быть сотрудник."""
    from services.sla.adapters.policy_file import PolicyFileError, load, staffing_problems

    directory = reference_directory()
    try:
        loaded = load(file, ZoneInfo(directory.timezone))
        if problems := staffing_problems(loaded.policy, directory):
            raise PolicyFileError(str(file), problems)
    except (PolicyFileError, OSError) as exc:
        fail(str(exc))
    typer.echo(f"{file}: {len(loaded.policy.rules)} правил; справочник "
               f"«{directory.municipality}», пояс {directory.timezone}")

