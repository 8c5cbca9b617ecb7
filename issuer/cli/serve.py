"""``certreg serve``: the all-in-one service (issuer + verify) under uvicorn."""

from __future__ import annotations

import socket
import sys

import click

from issuer.cli._common import open_database, run, settings_from_env
from issuer.demo_links import demo_links
from registry.observability.logs import configure_logging
from verify.multiproc import metrics_directory, serve_metrics


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="监听地址 / address to listen on.")
@click.option(
    "--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="监听端口 / port to listen on."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="工作进程数（默认 CERTREG_WORKERS）/ worker processes (default CERTREG_WORKERS).",
)
def serve(host: str, port: int, workers: int | None) -> None:
    """启动服务：发证与查验同一端口 / serve the registry: issue and verify, on one port."""
    settings = settings_from_env()

    async def _check() -> None:  # fail here, with the clear message, rather than inside a worker
        async with open_database(settings):
            return

    run(_check)
    _check_listen(host, port)
    url = f"http://{host}:{port}"
    # plain echo: links must stay on one line to be clickable, whatever the terminal's width
    click.echo(f"certreg 服务地址 / serving on {url}")
    click.echo(f"  公众查询 / public query: {url}/   API 文档 / API docs: {url}/schema")
    for line in demo_links(settings):
        click.echo(line)
    configure_logging(settings.server.log_level)
    with metrics_directory(settings.server.metrics_dir) as directory:
        if settings.server.metrics_port is not None:
            serve_metrics(settings.server.metrics_port, host, directory)
            click.echo(f"  指标 / metrics (all workers): http://{host}:{settings.server.metrics_port}/metrics")
        _run_uvicorn(host, port, workers or settings.server.workers, settings.server.log_level)


def _check_listen(host: str, port: int) -> None:
    """Refuse, in both languages and before "serving on" is printed, an address the server cannot listen on
    (a port in use, an unknown host): uvicorn said it in an English log line after the links, exit code 3."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds
            probe.bind(address)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        click.echo(
            f"错误 / error: 无法监听 {host}:{port}（端口已被占用或地址无效）/ cannot listen on {host}:{port}: {reason}",
            err=True,
        )
        sys.exit(2)


def _run_uvicorn(host: str, port: int, workers: int, log_level: str) -> None:
    import uvicorn

    uvicorn.run(
        "issuer.app:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level.lower(),
        # uvicorn's text logging and access log (the raw request line, names in the query string) off: the
        # app writes JSON lines and its own access log of route templates (registry/observability/logs.py)
        log_config=None,
        access_log=False,
        # uvicorn would believe X-Forwarded-For from any local peer; the app decides, by
        # CERTREG_TRUSTED_PROXIES (verify/http/clientip.py)
        proxy_headers=False,
    )


COMMANDS = [serve]
