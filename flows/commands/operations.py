"""Commands for running erpsync day to day on Prefect: serve, ui, deployments check."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from connectors.errors import ConfigError
from flows.deployments import CheckedDeployment, DeploymentsError, load_deployments

out = Console()
err = Console(stderr=True)

deployments_app = typer.Typer(help="The deployments in prefect.yaml.", no_args_is_help=True)

FileOption = Annotated[Path, typer.Option("--file", help="The Prefect project file.")]


@deployments_app.command("check")
def deployments_check(file: FileOption = Path("prefect.yaml")) -> None:
    """Check prefect.yaml strictly (unknown keys, schedules, entrypoints, parameters); every
    problem as file:line:column, exit 1 if any. `prefect deploy` itself ignores unknown keys."""
    for deployment in _checked(file):
        spec = deployment.spec
        when = ", ".join(s.cron or str(s.interval or s.rrule) for s in spec.schedules) or "-"
        out.print(f"[green]ok[/green] {spec.name}: {spec.parameters} at {when}")


def serve(
    file: FileOption = Path("prefect.yaml"),
    limit: Annotated[int | None, typer.Option(
        help="Most flow runs at once in this process (default: no limit).")] = None,
) -> None:
    """Run every deployment of prefect.yaml from this process, on its schedules.

    Prefect flow serving: no work pool or worker needed. Stop with Ctrl-C; schedules pause."""
    from flows import ui_server

    ui_server.use_if_running()
    _require_server()
    checked = _checked(file)
    from prefect import serve as prefect_serve

    from flows.deployments import runner_deployment

    prefect_serve(*(runner_deployment(d) for d in checked), limit=limit)


def ui(
    port: Annotated[int | None, typer.Option(help="Port (default 4200, else a free one).")]
    = None,
    stop: Annotated[bool, typer.Option("--stop", help="Stop the local server.")] = False,
) -> None:
    """Start the local Prefect server and its UI if it is not running; print its address."""
    from flows import ui_server

    if stop:
        out.print("stopped" if ui_server.stop() else "no local Prefect server was recorded")
        return
    try:
        url = ui_server.start(port)
    except ConfigError as exc:
        err.print(f"erpsync: {exc}", markup=False, highlight=False)
        raise typer.Exit(2) from None
    out.print(f"Prefect UI: {url}/runs   (stop it with `erpsync ui --stop`)")


def _checked(file: Path) -> list[CheckedDeployment]:
    """The file's deployments, or every problem as file:line:column and exit 1."""
    try:
        return load_deployments(file)
    except DeploymentsError as exc:
        for issue in exc.issues:
            err.print(str(issue), markup=False, highlight=False)
        raise typer.Exit(1) from None


def _require_server() -> None:
    from prefect.settings import PREFECT_API_URL

    if not PREFECT_API_URL.value():
        err.print("erpsync serve needs a Prefect server that outlives it: start one with "
                  "`make ui` (or `erpsync ui`), or set PREFECT_API_URL")
        raise typer.Exit(2)


def register(app: typer.Typer) -> None:
    app.add_typer(deployments_app, name="deployments")
    app.command()(serve)
    app.command()(ui)
