"""``prefect.yaml``, read strictly: the deployments ``erpsync serve`` runs and CI checks.

``prefect deploy --all`` ignores keys it does not know (``schedulez:`` deploys a sync with no
schedule, exit 0), so this module reads the same file with models that forbid unknown keys at
every level, builds every schedule (a bad cron or time zone fails here), imports every
entrypoint and validates every deployment's (and schedule's) parameters against the flow's
signature. Every problem is reported at ``prefect.yaml:line:column``, all at once.

The keys allowed are the ones Prefect's own deployment format understands (a test keeps them
a subset of it); ``definitions`` holds YAML anchors shared by the deployments.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from connectors.errors import ConfigError
from engine.mapping.errors import MappingIssue
from engine.mapping.yaml_source import LocatedYaml, load_located


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ScheduleSpec(_Strict):
    cron: str | None = None
    interval: timedelta | None = None
    rrule: str | None = None
    timezone: str | None = None
    day_or: bool = True
    active: bool = True
    parameters: dict[str, Any] = Field(default_factory=dict)
    slug: str | None = None

    @model_validator(mode="after")
    def _exactly_one_kind(self) -> ScheduleSpec:
        if sum(v is not None for v in (self.cron, self.interval, self.rrule)) != 1:
            raise ValueError("a schedule needs exactly one of cron, interval or rrule")
        return self


class ConcurrencySpec(_Strict):
    limit: int = Field(ge=1)
    collision_strategy: Literal["ENQUEUE", "CANCEL_NEW"] = "ENQUEUE"
    grace_period_seconds: int | None = Field(default=None, ge=60, le=86400)


class WorkPoolSpec(_Strict):
    name: str
    work_queue_name: str | None = None
    job_variables: dict[str, Any] = Field(default_factory=dict)


class DeploymentSpec(_Strict):
    name: str
    entrypoint: str
    description: str | None = None
    version: str | None = None
    tags: list[str] = Field(default_factory=list)
    parameters: dict[str, Any] = Field(default_factory=dict)
    enforce_parameter_schema: bool = True
    schedules: list[ScheduleSpec] = Field(default_factory=list)
    paused: bool | None = None
    concurrency_limit: int | ConcurrencySpec | None = None
    work_pool: WorkPoolSpec | None = None
    pull: list[dict[str, Any]] | None = None


class PrefectYaml(_Strict):
    name: str | None = None
    prefect_version: str | None = Field(default=None, alias="prefect-version")
    definitions: dict[str, Any] | None = None
    build: list[dict[str, Any]] | None = None
    push: list[dict[str, Any]] | None = None
    pull: list[dict[str, Any]] | None = None
    deployments: list[DeploymentSpec] = Field(min_length=1)


class DeploymentsError(ConfigError):
    """``prefect.yaml`` must not be deployed as it is; carries every issue found."""

    def __init__(self, issues: list[MappingIssue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues), code="INVALID_PREFECT_YAML")


@dataclass(frozen=True)
class CheckedDeployment:
    """One deployment whose schedules are built and whose flow is imported."""

    spec: DeploymentSpec
    flow: Any  # prefect.Flow
    schedules: list[Any]  # prefect.client.schemas.actions.DeploymentScheduleCreate


def load_deployments(path: Path | str = "prefect.yaml") -> list[CheckedDeployment]:
    """Read and check ``path`` completely; raise ``DeploymentsError`` listing every issue."""
    path = Path(path)
    located = load_located(path.read_text(encoding="utf-8"), str(path))
    try:
        config = PrefectYaml.model_validate(located.data)
    except ValidationError as exc:
        raise DeploymentsError([located.issue(_yaml_path(e["loc"], located), _message(e))
                                for e in exc.errors()]) from None
    issues: list[MappingIssue] = []
    checked = [_check(i, spec, located, issues) for i, spec in enumerate(config.deployments)]
    names = [spec.name for spec in config.deployments]
    for i, name in enumerate(names):
        if names.index(name) != i:
            issues.append(located.issue(("deployments", i, "name"),
                                        f"deployment name {name!r} is used twice"))
    if issues:
        raise DeploymentsError(issues)
    return [c for c in checked if c is not None]


def _check(index: int, spec: DeploymentSpec, located: LocatedYaml,
           issues: list[MappingIssue]) -> CheckedDeployment | None:
    def report(message: str | None, *path: str | int) -> None:
        if message:
            issues.append(located.issue(("deployments", index, *path), message))

    flow, problem = _import_flow(spec.entrypoint)
    report(problem, "entrypoint")
    schedules = []
    for number, schedule in enumerate(spec.schedules):
        try:
            schedules.append(build_schedule(schedule))
        except ValidationError as exc:  # CronSchedule names the field: cron, timezone
            for error in exc.errors():
                report(str(error["msg"]), "schedules", number, *error["loc"][:1])
        except ValueError as exc:
            report(_first_line(exc), "schedules", number)
    if flow is None:
        return None
    report(_parameters_problem(flow, spec.parameters), "parameters")
    for number, schedule in enumerate(spec.schedules):
        report(_parameters_problem(flow, {**spec.parameters, **schedule.parameters}),
               "schedules", number, "parameters")
    return CheckedDeployment(spec, flow, schedules)


def build_schedule(spec: ScheduleSpec) -> Any:
    """The server-side schedule; building it checks the cron expression and the time zone."""
    from prefect.client.schemas.actions import DeploymentScheduleCreate
    from prefect.client.schemas.schedules import CronSchedule, IntervalSchedule, RRuleSchedule

    schedule: Any
    if spec.cron is not None:
        schedule = CronSchedule(cron=spec.cron, timezone=spec.timezone, day_or=spec.day_or)
    elif spec.interval is not None:
        schedule = IntervalSchedule(interval=spec.interval, timezone=spec.timezone)
    else:
        schedule = RRuleSchedule(rrule=spec.rrule or "", timezone=spec.timezone)
    return DeploymentScheduleCreate(schedule=schedule, active=spec.active,
                                    parameters=spec.parameters, slug=spec.slug)


def _import_flow(entrypoint: str) -> tuple[Any, str | None]:
    """The flow at ``entrypoint``, or ``None`` and why not."""
    from prefect import Flow
    from prefect.flows import load_flow_from_entrypoint

    flow: Any
    try:
        flow = load_flow_from_entrypoint(entrypoint, use_placeholder_flow=False)
    except Exception as exc:  # any import failure is the file's problem, said at its line
        return None, f"entrypoint {entrypoint!r} cannot be imported: {_first_line(exc)}"
    if not isinstance(flow, Flow):
        return None, f"entrypoint {entrypoint!r} is not a Prefect flow"
    return flow, None


def _parameters_problem(flow: Any, parameters: dict[str, Any]) -> str | None:
    """Unknown names, missing required ones and wrong values (a ``mode`` outside its
    choices), by the flow's own signature and type hints."""
    import inspect
    import typing

    from pydantic import TypeAdapter

    signature = inspect.signature(flow.fn)
    unknown = sorted(set(parameters) - set(signature.parameters))
    missing = sorted(name for name, p in signature.parameters.items()
                     if p.default is inspect.Parameter.empty and name not in parameters)
    if unknown or missing:
        return (f"parameters do not fit flow {flow.name!r}: unknown {unknown}, missing "
                f"{missing}; it takes {sorted(signature.parameters)}")
    hints = typing.get_type_hints(flow.fn)
    for name, value in parameters.items():
        try:
            TypeAdapter(hints.get(name, Any)).validate_python(value)
        except ValidationError as exc:
            return f"parameter {name}={value!r}: {exc.errors()[0]['msg']}"
    return None


def _yaml_path(loc: tuple[int | str, ...], located: LocatedYaml) -> tuple[str | int, ...]:
    """Pydantic's error location, without the union-branch names it inserts."""
    path: list[str | int] = []
    for part in loc:
        candidate = (*path, part)
        if candidate in located.positions or isinstance(part, int):
            path.append(part)
        elif part == "prefect_version":
            path.append("prefect-version")
    return tuple(path)


def _message(error: Any) -> str:
    if error["type"] == "extra_forbidden":
        return f"unknown key {error['loc'][-1]!r}"
    return str(error["msg"])


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return text.splitlines()[0]


def runner_deployment(checked: CheckedDeployment) -> Any:
    """The deployment as ``serve`` runs it: same name, schedules, parameters, tags and
    concurrency limit as ``prefect deploy`` registers from the file, without a work pool."""
    from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy

    spec = checked.spec
    limit: int | ConcurrencyLimitConfig | None = None
    if isinstance(spec.concurrency_limit, ConcurrencySpec):
        limit = ConcurrencyLimitConfig(
            limit=spec.concurrency_limit.limit,
            collision_strategy=ConcurrencyLimitStrategy(spec.concurrency_limit.collision_strategy),
            grace_period_seconds=spec.concurrency_limit.grace_period_seconds)
    else:
        limit = spec.concurrency_limit
    return checked.flow.to_deployment(
        name=spec.name, schedules=checked.schedules, parameters=spec.parameters,
        tags=spec.tags, description=spec.description, version=spec.version,
        paused=spec.paused, concurrency_limit=limit,
        enforce_parameter_schema=spec.enforce_parameter_schema)
