"""`mesosafe serve | worker | demo | manage`: the clinic service. Django is imported inside each command so
that other `mesosafe` commands start fast."""

from __future__ import annotations

import json
import os
import sys

import click

from mesosafe.cli import PRIVATE_UMASK

SETTINGS = "mesosafe.web.settings"


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    import django

    django.setup()


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


@click.command(context_settings={"ignore_unknown_options": True, "help_option_names": []})
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command, e.g. `mesosafe manage migrate`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", SETTINGS)
    from django.core.management import execute_from_command_line

    execute_from_command_line(["mesosafe manage", *args])


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535))
@click.option("--workers", type=click.IntRange(1, 64), help="gunicorn worker processes [default: cores + 1]")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 64), help="per worker")
def serve(host: str, port: int, workers: int | None, threads: int) -> None:
    """Migrate, collect static files if needed, then serve with gunicorn."""
    # Emails need whole links; without a configured public address, this server's own is the best guess.
    os.environ.setdefault("MESOSAFE_BASE_URL", own_address(host, port))
    _django()
    _migrate()
    from django.conf import settings
    from django.core.management import call_command

    static_root = settings.STATIC_ROOT
    if not (static_root / "admin").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    count = workers or (os.cpu_count() or 1) + 1
    # Threaded workers: while one request waits for PostgreSQL to flush its commit, others use the CPU,
    # and concurrent commits share one flush. --reuse-port gives each worker its own listening socket, so
    # the kernel spreads connections over the workers; on one shared socket the first worker to wake took
    # all of a client's keep-alive connections and the other workers sat idle. gunicorn keeps the umask it
    # is started with, but sets its own (0 by default) while it makes a socket or a worker's file: ours.
    argv = [
        sys.executable, "-m", "gunicorn", "mesosafe.web.wsgi:application",
        "--config", "python:mesosafe.web.gunicorn_conf",
        "--bind", f"{host}:{port}",
        "--workers", str(count),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--access-logfile", "-",
        "--reuse-port",
        "--umask", f"{PRIVATE_UMASK:#o}",
    ]  # fmt: skip
    click.echo(f"mesosafe: http://{host}:{port}, {count} workers × {threads} threads", err=True)
    os.execv(sys.executable, argv)


def own_address(host: str, port: int) -> str:
    """http://host:port as a browser on this machine reaches it (all-interfaces binds mean localhost)."""
    if host in ("0.0.0.0", "::", ""):
        host = "127.0.0.1"
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


@click.command()
@click.option("--batch", is_flag=True, help="run the tasks that are due, then exit")
def worker(batch: bool) -> None:
    """Run background tasks: check-in reminders and urgent-check-in notifications. A database outage is
    logged and ridden out (reconnecting with backoff); the process does not exit for it."""
    _django()
    from mesosafe.workers.runner import requeue_own, ride_out

    ride_out(_migrate)
    from django.conf import settings
    from django.core.management import call_command
    from django.utils.crypto import get_random_string

    from mesosafe.workers.heartbeat import HeartbeatThread

    if not settings.MESOSAFE_BASE_URL:
        click.echo(
            "mesosafe worker: MESOSAFE_BASE_URL is not set, so reminder emails carry the path of the"
            " patient's link (/p/…) instead of a link that opens; set it to the address patients use.",
            err=True,
        )
    worker_id = get_random_string(32)
    heartbeat = HeartbeatThread(worker_id)
    ride_out(heartbeat.start)  # its first beat requeues what a stopped worker left running

    def work() -> None:
        requeue_own(worker_id)  # a task the database went away under, after an outage
        call_command("db_worker", batch=batch, worker_id=worker_id)

    try:
        ride_out(work)
    finally:
        heartbeat.stop()


@click.command()
@click.option("--json", "as_json", is_flag=True, help="print logins and the patient link as JSON")
def demo(as_json: bool) -> None:
    """Create two demo clinics with staff, products, patients, treatments and check-ins."""
    _django()
    _migrate()
    from django.core import mail
    from django.test.utils import override_settings

    from mesosafe.cli import demo as demo_data

    # Demo patients are fictional: their emails are not sent anywhere.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        result = demo_data.run()
    mail.outbox = []
    if as_json:
        click.echo(json.dumps(result))
        return
    for clinic in result["clinics"]:
        click.echo(f"{clinic['name']}: user {clinic['staff_username']} password {clinic['staff_password']}")
        click.echo(f"  API key: {clinic['api_key']}")
    click.echo(f"Patient link (first clinic): {result['patient']['link']}")
    registry = result["registry"]
    click.echo(
        f"Registry page {registry['link']}: user {registry['username']} password {registry['password']}"
    )
