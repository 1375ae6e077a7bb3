"""`mcu` command: dev stack, services, contracts, demo."""

from __future__ import annotations

import asyncio
import importlib
import os
import subprocess
import sys

import typer

from kit.settings import CONSOLE, DEFAULT_PORTS, SERVICES, Settings

app = typer.Typer(help="МЦУ: платформа муниципального центра управления", no_args_is_help=True)
stack = typer.Typer(help="Локальный стенд: Apache Kafka и PostgreSQL", no_args_is_help=True)
contracts_cli = typer.Typer(help="Контракты событий: JSON Schema и AsyncAPI", no_args_is_help=True)
app.add_typer(stack, name="stack")
app.add_typer(contracts_cli, name="contracts")


def _register_subcommands() -> None:
    from cli.analytics import analytics
    from cli.audit import audit
    from cli.chaos import chaos
    from cli.classify import classify
    from cli.dlq import dlq
    from cli.intake import intake
    from cli.sla import sla
    from cli.staff import staff

    app.add_typer(intake, name="intake")
    app.add_typer(classify, name="classify")
    app.add_typer(sla, name="sla")
    app.add_typer(analytics, name="analytics")
    app.add_typer(staff, name="staff")
    app.add_typer(dlq, name="dlq")
    app.add_typer(audit, name="audit")
    app.command("chaos")(chaos)


_register_subcommands()


def _dev_stack():
    from kit.devstack.stack import DevStack

    return DevStack()


@stack.command("up")
def stack_up(postgres: bool = typer.Option(False, help="Запустить и PostgreSQL")) -> None:
    """Запустить брокер Kafka (и PostgreSQL) и дождаться ответа."""
    from cli.common import fail

    dev = _dev_stack()
    try:
        typer.echo(f"Kafka: {dev.kafka.up()}")
        if postgres:
            typer.echo(f"PostgreSQL: {dev.postgres.up()}")
    except subprocess.CalledProcessError as exc:
        output = (exc.stderr or exc.stdout or b"")
        detail = output.decode(errors="replace")[-500:] if isinstance(output, bytes) else output[-500:]
        fail(f"команда {exc.cmd[0]} завершилась с кодом {exc.returncode}: {detail.strip()}")
    except (RuntimeError, TimeoutError) as exc:
        fail(str(exc))


@stack.command("down")
def stack_down() -> None:
    """Остановить всё, что запустил `mcu stack up`."""
    dev = _dev_stack()
    typer.echo("Kafka остановлена" if dev.kafka.down() else "Kafka не была запущена")
    typer.echo("Почта остановлена" if dev.mailbox.down() else "Почта не была запущена")
    typer.echo("Приёмник ПОС/ИМ остановлен" if dev.gateway.down()
               else "Приёмник ПОС/ИМ не был запущен")
    typer.echo("PostgreSQL остановлен" if dev.postgres.down() else "PostgreSQL не был запущен")


@stack.command("status")
def stack_status() -> None:
    dev = _dev_stack()
    typer.echo(dev.kafka.status())
    typer.echo(dev.postgres.status())
    typer.echo(dev.mailbox.status())
    typer.echo(dev.gateway.status())


@app.command()
def serve(service: str = typer.Argument(..., help="intake | routing | sla | analytics | console"),
          worker_port: int | None = typer.Option(None, hidden=True,
                                                 help="HTTP-процесс при главном (его порт)"),
          main_port: int | None = typer.Option(None, hidden=True,
                                               help="порт главного процесса для HTTP-процессов"),
          main_pid: int | None = typer.Option(None, hidden=True, help="главный процесс"),
          ) -> None:
    """Запустить один сервис (HTTP, ретранслятор, потребитель журнала)."""
    if service not in (*SERVICES, CONSOLE):
        raise typer.BadParameter(f"неизвестный сервис {service!r}; есть: "
                                 f"{', '.join((*SERVICES, CONSOLE))}")
    if worker_port is not None and (main_port is None or main_pid is None):
        raise typer.BadParameter("HTTP-процесс запускает главный: нужны --main-port и --main-pid")
    from kit.runtime import serve as serve_service

    bootstrap = importlib.import_module(f"services.{service}.bootstrap")
    serve_service(bootstrap.build(Settings()),
                  (main_pid, main_port) if worker_port is not None else None, worker_port)


@contracts_cli.command("generate")
def contracts_generate() -> None:
    """Перегенерировать JSON Schema и AsyncAPI из моделей."""
    from contracts.generate import write

    for path in write():
        typer.echo(str(path))


@contracts_cli.command("check")
def contracts_check() -> None:
    """Проверить, что зафиксированные документы совпадают с моделями."""
    from contracts.generate import drift

    problems = drift()
    if problems:
        typer.echo("Расходятся с моделями: " + ", ".join(problems), err=True)
        raise typer.Exit(1)
    typer.echo("Контракты совпадают с моделями")


@app.command()
def demo(rate: float = typer.Option(2.0, help="Обращений в секунду"),
         total: int = typer.Option(0, help="Сколько отправить (0 — без конца)"),
         seed: int = typer.Option(1, help="Зерно генератора"),
         staff: bool = typer.Option(True, help="Имитировать работу сотрудников"),
         intake_url: str = typer.Option(f"http://127.0.0.1:{DEFAULT_PORTS['intake']}"),
         routing_url: str = typer.Option(f"http://127.0.0.1:{DEFAULT_PORTS['routing']}")) -> None:
    """Демо: обращения через сервис приёма и работа сотрудников через маршрутизацию."""
    from demo.places import places
    from demo.runner import run, wait_for
    from demo.staff import Staff
    from kit.staff import read_deployment

    deployment = read_deployment(Settings())  # the services' own: whose items to make
    heads = tuple(h.id for m in deployment.municipalities.values()
                  if (h := m.directory.mcu_head) is not None)
    wait_for(intake_url)

    async def both() -> int:
        tasks = []
        if staff:
            wait_for(routing_url)
            tasks.append(asyncio.create_task(Staff(routing_url, seed, heads=heads).run()))
        sent = await run(intake_url, rate, total or None, seed, places=places(deployment))
        for task in tasks:
            task.cancel()
        return sent

    sent = asyncio.run(both())
    typer.echo(f"демо: отправлено {sent} обращений")


@app.command()
def run(rate: float = typer.Option(2.0, help="Скорость демо, обращений в секунду"),
        no_demo: bool = typer.Option(False, help="Без генератора демо"),
        clock_speed: float = typer.Option(
            600.0, help="Во сколько раз быстрее идут часы контроля сроков (1 — реальное время)"),
        ) -> None:
    """Стенд, все сервисы и демо под присмотром: упавший сервис перезапускается; Ctrl+C
    или SIGTERM останавливает всё (стенд остаётся)."""
    from cli.supervisor import Supervisor
    from demo.runner import is_ready

    dev = _dev_stack()
    typer.echo(f"Kafka: {dev.kafka.up()}")
    typer.echo(f"Почта: {dev.mailbox.up()}")
    typer.echo(f"Приёмник ответов ПОС и «Инцидент Менеджмент»: {dev.gateway.up()}")
    settings = Settings()
    if settings.demo:  # the console edits copies of the demo's reference files
        from cli.demo_files import prepared

        os.environ.update(prepared(settings))
    mail_env = {**os.environ,  # SLA's notices to staff, intake's answers to applicants
                "MCU_SMTP_HOST": os.environ.get("MCU_SMTP_HOST", "127.0.0.1"),
                "MCU_SMTP_PORT": os.environ.get("MCU_SMTP_PORT", str(dev.mailbox.port))}
    if "MCU_ANSWER_ENDPOINTS" not in os.environ:  # answers to ПОС and ИМ: the local receiver
        from kit.staff import read_deployment

        mail_env["MCU_ANSWER_ENDPOINTS"] = dev.gateway.endpoints(
            read_deployment(settings).municipalities)
    envs = {"sla": {**mail_env, "MCU_CLOCK_SPEED": str(clock_speed)}, "intake": mail_env}
    supervisor = Supervisor(say=lambda line: typer.echo(f"mcu run: {line}", err=True))
    for name in (*SERVICES, CONSOLE):
        supervisor.add(name, [sys.executable, "-m", "cli.main", "serve", name],
                       env=envs.get(name))
    problem = supervisor.start_up(
        lambda child: is_ready(f"http://127.0.0.1:{settings.port_for(child.name)}"), timeout=120)
    if problem is not None:
        supervisor.stop()
        typer.echo(f"Ошибка: {problem}", err=True)
        raise typer.Exit(2)
    typer.echo("\nМЦУ запущен (упавший сервис перезапускается сам):")
    typer.echo(f"  консоль    http://127.0.0.1:{settings.port_for(CONSOLE)}/   — вход "
               "сотрудников (демо: u-mcu-coord, ключ demo-u-mcu-coord; список — на странице входа)")
    for name in SERVICES:
        base = f"http://127.0.0.1:{settings.port_for(name)}"
        typer.echo(f"  {name:<10} {base}/docs   метрики {base}/metrics")
    typer.echo(f"  журнал     Kafka {settings.kafka_bootstrap}, топик {settings.log_topic}")
    typer.echo(f"  хранилища  {settings.data_dir.resolve()}/<сервис>.sqlite")
    typer.echo(f"  почта      письма о сроках и ответы заявителям: {dev.mailbox.maildir}/new "
               f"(часы сроков ×{clock_speed:g})")
    typer.echo(f"  ПОС и ИМ   ответы, принятые приёмником: {dev.gateway.run_dir}/<канал>/")
    typer.echo("  аудит      в консоли аудитор u-auditor: «Проверка по журналу» в карточке; "
               "mcu audit replay ОБРАЩЕНИЕ [--at …], mcu audit dossier ОБРАЩЕНИЕ --out "
               "справка.pdf, mcu audit verify\n")
    if not no_demo:
        supervisor.add("demo", [sys.executable, "-m", "cli.main", "demo", "--rate", str(rate)])
    raise typer.Exit(supervisor.run())


def main() -> None:
    """The `mcu` command: a deployment's setting that is wrong ends it with a Russian
    message naming the variable (exit 2), not a traceback."""
    from pydantic import ValidationError

    from kit.settings import ConfigError, settings_problem

    try:
        app()
    except ValidationError as exc:
        if exc.title != "Settings":
            raise
        typer.echo(f"Ошибка: {settings_problem(exc)}", err=True)
        sys.exit(2)
    except ConfigError as exc:
        typer.echo(f"Ошибка: {exc}", err=True)
        sys.exit(2)


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
