"""The one door to adoption analytics for other domains, the API and the command line. It stays whole: it is the
one door other domains use, and splitting it would give them several.

`Analytics` holds one analytics engine (see `engines`) and keeps each workspace's snapshots and person × day
activity table fresh:

- **Pulled** at each refresh from the domains that own them, through their services: `people` (directory,
  with each person's event pseudonym), `teams` (directory), `use_cases` and `seat_grants` (catalog) and
  `completions` (enablement: who is trained for each use case, and since when).
- **Pushed** by the domains that own them, through `Analytics.write_snapshot`: `entitlements` (rollout),
  `seats` and `contracts` (licences), `incidents` (trust) and `survey_trust` (surveys). A push marks the
  workspace stale so the next figure reads it.

A refresh rebuilds the activity table from the events. It runs when a workspace is first asked about, when
it is older than `max_age`, or after `invalidate`; published figures are cached until the next refresh, so
a dashboard that asks for the same metric twice costs one query. Every figure leaves through
`privacy.publish_metric` with the workspace's privacy floor.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from sqlalchemy.orm import Session

from uptake.access.principal import Principal
from uptake.access.roles import Role
from uptake.analytics import engines, forecast, interventions, metrics, privacy, schemas, snapshots
from uptake.analytics.metrics import AnalyticsTables, MetricOptions
from uptake.analytics.privacy import PublishedMetric
from uptake.analytics.schemas import Grouping, Period
from uptake.catalog import schemas as catalog_schemas
from uptake.catalog import service as catalog_service
from uptake.directory.service import job_roles as job_roles_service
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service
from uptake.enablement.service import completions as completions_service
from uptake.errors import FieldError, Forbidden, InvalidInput, NotFound
from uptake.telemetry import service as telemetry_service
from uptake.workspaces import service as workspaces_service

DEFAULT_MAX_AGE_SECONDS = 300.0
# Use cases nobody may use (yet, or ever): left out of the `use_cases` snapshot. An approved use case stays in:
# a rollout may have started it, and its funnel needs it (its training rule, its tool).
NEVER_RELEASED = frozenset(
    {
        catalog_schemas.UseCaseStatus.draft,
        catalog_schemas.UseCaseStatus.in_review,
        catalog_schemas.UseCaseStatus.rejected,
    }
)
# Use cases a licence seat makes its holders eligible for (when the use case targets them): released ones.
SEAT_RELEASED = frozenset(
    {
        catalog_schemas.UseCaseStatus.piloting,
        catalog_schemas.UseCaseStatus.rolling_out,
        catalog_schemas.UseCaseStatus.generally_available,
    }
)
PULLED_SNAPSHOTS = ("people", "teams", "use_cases", "seat_grants", "completions")
PUSHED_SNAPSHOTS = ("entitlements", "seats", "contracts", "incidents", "survey_trust")
FORECAST_HISTORY_DAYS = 3 * 366
MAX_PERIOD_DAYS = 3 * 366
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(2199, 12, 31)
PERIOD_PRESETS = (
    "last_7_days",
    "last_28_days",
    "last_90_days",
    "this_month",
    "last_month",
    "this_quarter",
    "last_quarter",
    "this_year",
    "last_year",
)
MAX_USE_CASES = 100_000


class MetricNotFound(NotFound):
    title = "No such metric."


@dataclass(frozen=True)
class WorkspaceAnalyticsSettings:
    """What a workspace decides about its figures: the privacy floor k, working days, its time zone."""

    privacy_floor: int
    working_days_only: bool
    timezone: str


@dataclass(frozen=True)
class CohortFigures:
    """One use case's figures over a set of people (a rollout wave), after the privacy floor.

    A figure is None when it is suppressed (fewer than k people behind it) or has no denominator;
    `suppressed` then says why.
    """

    use_case: str
    period: Period
    people: int | None
    eligible: int | None
    active: int | None
    adoption_rate: float | None
    trained: int | None
    training_completion: float | None
    decided_events: int | None
    acceptance_rate: float | None
    suppressed: str | None = None


@dataclass
class _WorkspaceState:
    tables: AnalyticsTables
    refreshed_at: float
    published: dict[tuple[Any, ...], PublishedMetric] = field(default_factory=dict)


class Analytics:
    """One analytics engine and the workspaces it keeps fresh; safe to share between threads."""

    def __init__(
        self,
        backend: engines.EventsBackend,
        *,
        max_age_seconds: float = DEFAULT_MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.backend = backend
        self.max_age_seconds = max_age_seconds
        self._clock = clock
        self._states: dict[int, _WorkspaceState] = {}
        self._lock = threading.RLock()

    # --- freshness ---

    def refresh(self, session: Session, workspace_id: int) -> AnalyticsTables:
        """Export the pulled snapshots and rebuild the activity table of one workspace now."""
        with self._lock:
            for name, rows in pulled_snapshots(session, workspace_id).items():
                snapshots.write_snapshot(self.backend, name, rows, workspace_id=workspace_id)
            metrics.refresh_activity(self.backend, workspace_id)
            tables = metrics.load_tables(self.backend)
            self._states[workspace_id] = _WorkspaceState(tables=tables, refreshed_at=self._clock())
            return tables

    def tables(self, session: Session, workspace_id: int) -> AnalyticsTables:
        """The workspace's tables, refreshed first when they are missing, stale or invalidated."""
        with self._lock:
            state = self._states.get(workspace_id)
            if state is None or self._clock() - state.refreshed_at > self.max_age_seconds:
                return self.refresh(session, workspace_id)
            return state.tables

    def invalidate(self, workspace_id: int) -> None:
        """Forget what was computed for the workspace: the next figure refreshes first."""
        with self._lock:
            self._states.pop(workspace_id, None)

    def write_snapshot(self, name: str, rows: Iterable[Mapping[str, Any]], *, workspace_id: int) -> int:
        """Replace a pushed snapshot (`entitlements`, `seats`, `contracts`, `incidents`, `survey_trust`) of a
        workspace."""
        if name not in PUSHED_SNAPSHOTS:
            raise snapshots.SnapshotError(
                f"{name!r} is refreshed from its domain; the snapshots pushed here are {list(PUSHED_SNAPSHOTS)}"
            )
        with self._lock:
            count = snapshots.write_snapshot(self.backend, name, rows, workspace_id=workspace_id)
            self.invalidate(workspace_id)
            return count

    # --- figures ---

    def metric(
        self,
        session: Session,
        workspace_id: int,
        name: str,
        period: Period,
        grouping: Grouping | None = None,
        *,
        options: MetricOptions | None = None,
    ) -> PublishedMetric:
        """Metric `name` for the workspace, the period and the grouping, with the workspace's privacy floor.

        Raises KeyError for an unknown metric and `metrics.UnsupportedGrouping` for a grouping it has no
        meaning for.
        """
        definition = metrics.metric_by_name(name)
        grouping = grouping or Grouping()
        definition.check(grouping)
        settings = workspace_settings(session, workspace_id)
        options = options or MetricOptions(working_days_only=settings.working_days_only)
        key = (name, period, grouping, options, settings.privacy_floor)
        with self._lock:
            tables = self.tables(session, workspace_id)
            state = self._states[workspace_id]
            cached = state.published.get(key)
            if cached is None:
                cached = privacy.publish_metric(
                    self.backend,
                    tables,
                    definition,
                    workspace_id,
                    period,
                    grouping,
                    k=settings.privacy_floor,
                    options=options,
                )
                state.published[key] = cached
            return cached

    def raw_rows(
        self,
        session: Session,
        workspace_id: int,
        name: str,
        period: Period,
        grouping: Grouping | None = None,
        *,
        options: MetricOptions | None = None,
    ) -> list[dict[str, Any]]:
        """Metric rows *before* the privacy floor, for analytics' own models (forecasts, interventions),
        which apply the floor to what they publish themselves."""
        definition = metrics.metric_by_name(name)
        with self._lock:
            tables = self.tables(session, workspace_id)
            expression = metrics.metric_expression(
                definition, tables, workspace_id, period, grouping or Grouping(), options
            )
            rows: list[dict[str, Any]] = engines.to_arrow(self.backend, expression).to_pylist()
            return rows

    def last_engaged_days(self, session: Session, workspace_id: int, tool: str) -> dict[str, date]:
        """Pseudonym → the last day they had an engaged event with `tool`: what the seat ledger's reassignment
        queue reads to find idle seats. Not a figure: it never leaves the licences domain as one."""
        with self._lock:
            activity = self.tables(session, workspace_id).activity
            used = activity.filter(activity.workspace_id == workspace_id, activity.tool == tool)
            rows = engines.to_arrow(self.backend, used.group_by("person").aggregate(last_day=used.day.max()))
        return {row["person"]: row["last_day"] for row in rows.to_pylist()}

    def cohort_figures(
        self,
        session: Session,
        workspace_id: int,
        use_case: str,
        person_ids: Collection[int],
        period: Period,
    ) -> CohortFigures:
        """Adoption rate, training completion and acceptance rate of one use case over a set of directory
        people (what a rollout gate reads), each behind the privacy floor."""
        settings = workspace_settings(session, workspace_id)
        pseudonyms = sorted(pseudonyms_of(session, workspace_id, person_ids).values())
        with self._lock:
            tables = restricted_to_people(self.tables(session, workspace_id), pseudonyms)
            by_use_case = Grouping(by=("use_case",))

            def row_of(name: str) -> dict[str, Any] | None:
                published = privacy.publish_metric(
                    self.backend,
                    tables,
                    metrics.metric_by_name(name),
                    workspace_id,
                    period,
                    by_use_case,
                    k=settings.privacy_floor,
                )
                return next((row for row in published.rows if row["use_case"] == use_case), None)

            adoption = row_of("adoption_rate") or {}
            funnel = row_of("funnel") or {}
            acceptance = row_of("acceptance_rate") or {}
        eligible = adoption.get("eligible")
        trained = funnel.get("trained")
        reasons = sorted(
            {str(row["suppression_reason"]) for row in (adoption, funnel) if row.get("suppressed")}
        )
        return CohortFigures(
            use_case=use_case,
            period=period,
            people=len(pseudonyms) if len(pseudonyms) >= settings.privacy_floor else None,
            eligible=eligible,
            active=adoption.get("active"),
            adoption_rate=adoption.get("value"),
            trained=trained,
            training_completion=(trained / funnel["eligible"])
            if trained is not None and funnel.get("eligible")
            else None,
            decided_events=acceptance.get("decided"),
            acceptance_rate=acceptance.get("value"),
            suppressed="; ".join(reasons) or None,
        )

    def forecasts(
        self,
        session: Session,
        workspace_id: int,
        as_of: date,
        *,
        use_case: str | None = None,
        target_share: float | None = None,
    ) -> list[schemas.Forecast]:
        """A Bass forecast per use case (or for one): the day its target adoption is reached.

        The target is `target_share` when given, else the use case's target adoption in the catalog, else
        `forecast.DEFAULT_TARGET_SHARE`.
        """
        settings = workspace_settings(session, workspace_id)
        history = Period(as_of - timedelta(days=FORECAST_HISTORY_DAYS), as_of)
        by_use_case = Grouping(by=("use_case",))
        weekly = self.raw_rows(
            session, workspace_id, "new_triers", history, Grouping(by=("use_case",), grain="week")
        )
        eligible = {
            row["use_case"]: int(row["value"])
            for row in self.raw_rows(session, workspace_id, "eligible", Period(as_of, as_of), by_use_case)
        }
        triers: dict[str, dict[date, int]] = {}
        for row in weekly:
            triers.setdefault(row["use_case"], {})[row["bucket"]] = int(row["value"])
        targets = catalog_targets(session, workspace_id)
        names = sorted(set(triers) | set(eligible) | set(targets)) if use_case is None else [use_case]
        return [
            forecast.forecast_use_case(
                name,
                triers.get(name, {}),
                eligible=eligible.get(name),
                target_share=target_share or targets.get(name) or forecast.DEFAULT_TARGET_SHARE,
                as_of=as_of,
                k=settings.privacy_floor,
            )
            for name in names
        ]

    def interventions(
        self,
        session: Session,
        workspace_id: int,
        period: Period,
        *,
        team_ids: Collection[int] | None = None,
        limit: int | None = None,
    ) -> list[schemas.Intervention]:
        """Lagging team × use case cells, worst first (only `team_ids`' cells when given), from published
        figures: nothing about fewer than k people."""
        cells = Grouping(by=("team", "use_case"))
        by_use_case = Grouping(by=("use_case",))

        def rows(name: str, grouping: Grouping) -> list[dict[str, Any]]:
            return self.metric(session, workspace_id, name, period, grouping).rows

        ranked = interventions.rank_interventions(
            adoption=rows("adoption_rate", cells),
            funnel=rows("funnel", cells),
            rejection=rows("rejection_rate", cells),
            workspace_adoption={row["use_case"]: row["value"] for row in rows("adoption_rate", by_use_case)},
            trust={row["use_case"]: row for row in rows("trust_score", by_use_case)},
            targets=catalog_targets(session, workspace_id),
            team_names={team.id: team.name for team in teams_service.list_all_teams(session, workspace_id)},
        )
        if team_ids is not None:
            allowed = set(team_ids)
            ranked = [item for item in ranked if item.team_id in allowed]
            ranked = [replace(item, rank=position) for position, item in enumerate(ranked, start=1)]
        return ranked[:limit] if limit is not None else ranked


def catalog_targets(session: Session, workspace_id: int) -> dict[str, float]:
    """The catalog's target adoption per use case, as a share (the catalog stores percent)."""
    use_cases, _ = catalog_service.list_use_cases(session, workspace_id, limit=MAX_USE_CASES)
    return {
        use_case.slug: use_case.target_adoption_percent / 100.0
        for use_case in use_cases
        if use_case.target_adoption_percent
    }


def team_scope(reader: Principal) -> frozenset[int] | None:
    """The teams whose figures ``reader`` sees, or None for the whole workspace. Program leads and reviewers (and
    admins) see every team; a team lead sees the teams they lead, with their subteams. Decided here, once, for
    the API, the pages and the home page."""
    return None if reader.has_role(Role.program_lead, Role.reviewer) else reader.team_ids


def scoped_grouping(name: str, grouping: Grouping, team_ids: frozenset[int] | None) -> Grouping:
    """The grouping a reader limited to ``team_ids`` gets: broken down by team (a workspace-wide figure has no
    team to limit it to, so it is refused)."""
    if team_ids is None:
        return grouping
    if "team" not in metric_definition(name).dimensions:
        raise Forbidden(f"{name} is a workspace-wide figure; team leads see figures by team")
    if "team" not in grouping.by:
        return Grouping(by=("team", *grouping.by), grain=grouping.grain)
    return grouping


def scoped_rows(rows: Iterable[dict[str, Any]], team_ids: frozenset[int] | None) -> list[dict[str, Any]]:
    """The rows of a figure grouped by team that a reader limited to ``team_ids`` sees."""
    if team_ids is None:
        return list(rows)
    return [row for row in rows if row.get("team_id") in team_ids]


def resolve_period(preset: str | None, start: date | None, end: date | None, today: date) -> Period:
    """The period a request names: a preset (`PERIOD_PRESETS`, relative to `today`), or `from`/`to`.

    With only `to`, the period is the 28 days ending then; with only `from`, it runs to today; with
    neither, the last 28 days. Raises InvalidInput naming the field at fault.
    """
    if preset is not None and (start is not None or end is not None):
        raise InvalidInput(errors=[FieldError("period", "give either a period or from/to, not both")])
    if preset is not None:
        if preset not in PERIOD_PRESETS:
            raise InvalidInput(errors=[FieldError("period", f"must be one of {', '.join(PERIOD_PRESETS)}")])
        return _preset_period(preset, today)
    for name, day in (("from", start), ("to", end)):
        if day is not None and not EARLIEST_DAY <= day <= LATEST_DAY:
            raise InvalidInput(errors=[FieldError(name, f"must be between {EARLIEST_DAY} and {LATEST_DAY}")])
    if end is None:
        end = today if start is None or start <= today else start
    if start is None:
        start = end - timedelta(days=metrics.ADOPTION_WINDOW_DAYS - 1)
    if start > end:
        raise InvalidInput(errors=[FieldError("from", f"must not be after to ({end})")])
    if (end - start).days + 1 > MAX_PERIOD_DAYS:
        raise InvalidInput(errors=[FieldError("from", f"a period spans at most {MAX_PERIOD_DAYS} days")])
    return Period(start, end)


def _preset_period(preset: str, today: date) -> Period:
    if preset.startswith("last_") and preset.endswith("_days"):
        return Period(today - timedelta(days=int(preset.split("_")[1]) - 1), today)
    month_start = today.replace(day=1)
    quarter_start = today.replace(month=(today.month - 1) // 3 * 3 + 1, day=1)
    if preset == "this_month":
        return Period(month_start, today)
    if preset == "last_month":
        end = month_start - timedelta(days=1)
        return Period(end.replace(day=1), end)
    if preset == "this_quarter":
        return Period(quarter_start, today)
    if preset == "last_quarter":
        end = quarter_start - timedelta(days=1)
        return Period(end.replace(month=(end.month - 1) // 3 * 3 + 1, day=1), end)
    if preset == "this_year":
        return Period(today.replace(month=1, day=1), today)
    return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))


def parse_grouping(by: Iterable[str], grain: str | None) -> Grouping:
    """A grouping from request values (`by` repeated or comma-separated); InvalidInput names the field."""
    dimensions = [part.strip() for value in by for part in value.split(",") if part.strip()]
    unknown = [dimension for dimension in dimensions if dimension not in schemas.DIMENSIONS]
    if unknown:
        raise InvalidInput(
            errors=[FieldError("by", f"unknown {unknown}; group by {', '.join(schemas.DIMENSIONS)}")]
        )
    if len(set(dimensions)) != len(dimensions):
        raise InvalidInput(errors=[FieldError("by", "names a dimension twice")])
    if grain is not None and grain not in ("day", "week", "month"):
        raise InvalidInput(errors=[FieldError("grain", "must be day, week or month")])
    return Grouping(by=tuple(dimensions), grain=grain)  # type: ignore[arg-type]


def metric_definition(name: str) -> metrics.MetricDefinition:
    """The metric called `name`; MetricNotFound otherwise."""
    try:
        return metrics.metric_by_name(name)
    except KeyError:
        raise MetricNotFound(f"no metric called {name!r}") from None


def check_grouping(name: str, grouping: Grouping) -> metrics.MetricDefinition:
    """The metric called `name` (NotFound otherwise), after checking it accepts `grouping`."""
    definition = metric_definition(name)
    refused = [dimension for dimension in grouping.by if dimension not in definition.dimensions]
    if refused:
        raise InvalidInput(errors=[FieldError("by", f"{name} cannot be grouped by {', '.join(refused)}")])
    if grouping.grain not in definition.grains:
        allowed = sorted(grain for grain in definition.grains if grain is not None)
        reason = (
            f"{name} has no time grain" if not allowed else f"{name} takes a grain of {', '.join(allowed)}"
        )
        raise InvalidInput(errors=[FieldError("grain", reason)])
    return definition


def workspace_settings(session: Session, workspace_id: int) -> WorkspaceAnalyticsSettings:
    workspace = workspaces_service.get_workspace(session, workspace_id)
    return WorkspaceAnalyticsSettings(
        privacy_floor=privacy.check_floor(workspace.privacy_floor),
        working_days_only=workspace.working_days_only,
        timezone=workspace.timezone,
    )


def pseudonyms_of(session: Session, workspace_id: int, person_ids: Collection[int]) -> dict[int, str]:
    """Directory person id → the pseudonym their events carry, for the given people."""
    key = telemetry_service.pseudonym_key(session, workspace_id)
    wanted = set(person_ids)
    return {
        person.id: telemetry_service.pseudonymize_person(key, person.external_id)
        for person in people_service.person_snapshots(session, workspace_id)
        if person.id in wanted
    }


def restricted_to_people(tables: AnalyticsTables, pseudonyms: Collection[str]) -> AnalyticsTables:
    """The tables with every person-level row outside `pseudonyms` left out."""
    listed = list(pseudonyms)

    def only(table: Any) -> Any:
        return table.filter(table.person.isin(listed)) if listed else table.filter(table.person.isnull())

    return replace(
        tables,
        activity=only(tables.activity),
        people=only(tables.people),
        entitlements=only(tables.entitlements),
        seats=only(tables.seats),
        completions=only(tables.completions),
    )


def pulled_snapshots(session: Session, workspace_id: int) -> dict[str, list[dict[str, Any]]]:
    """The rows of the snapshots analytics reads from the directory, the catalog and enablement."""
    workspace = workspaces_service.get_workspace(session, workspace_id)
    key = telemetry_service.pseudonym_key(session, workspace_id)
    zone = ZoneInfo(workspace.timezone)
    roles = {role.id: role.name for role in job_roles_service.list_all_job_roles(session, workspace_id)}
    people = people_service.person_snapshots(session, workspace_id)
    pseudonym_by_id = {
        person.id: telemetry_service.pseudonymize_person(key, person.external_id) for person in people
    }
    people_rows = [
        {
            "workspace_id": workspace_id,
            "person": pseudonym_by_id[person.id],
            "team_id": person.team_id,
            "role": roles.get(person.job_role_id) if person.job_role_id is not None else None,
            "is_active": person.employment_status != "left",
        }
        for person in people
    ]
    team_rows = [
        {
            "workspace_id": workspace_id,
            "team_id": team.id,
            "parent_id": team.parent_id,
            "name": team.name,
            "path": "",
        }
        for team in teams_service.list_all_teams(session, workspace_id)
    ]
    use_cases, _ = catalog_service.list_use_cases(session, workspace_id, limit=MAX_USE_CASES)
    use_case_rows: list[dict[str, Any]] = []
    completion_rows: list[dict[str, Any]] = []
    grant_rows: list[dict[str, Any]] = []
    for use_case in use_cases:
        if use_case.status in NEVER_RELEASED:
            continue  # not in use yet (or never to be)
        tools = use_case.tool_slugs
        grant_rows += seat_grant_rows(
            workspace_id,
            use_case.slug,
            tools,
            status=use_case.status,
            paused_from=use_case.paused_from,
            team_ids=use_case.target_team_ids,
            roles=[roles[role_id] for role_id in use_case.target_job_role_ids if role_id in roles],
        )
        use_case_rows.append(
            {
                "workspace_id": workspace_id,
                "use_case": use_case.slug,
                "tool": tools[0] if tools else None,
                "minutes_saved_estimate": use_case.estimated_minutes_saved_per_accepted_output,
                "training_required": bool(use_case.required_training),
            }
        )
        if use_case.required_training:
            trained = completions_service.completions_for_use_case(session, workspace_id, use_case.slug)
            completion_rows.extend(
                {
                    "workspace_id": workspace_id,
                    "person": pseudonym_by_id[person_id],
                    "use_case": use_case.slug,
                    "completed_day": _local_day(completed_at, zone),
                }
                for person_id, completed_at in trained.items()
                if person_id in pseudonym_by_id
            )
    return {
        "people": people_rows,
        "teams": team_rows,
        "use_cases": use_case_rows,
        "seat_grants": grant_rows,
        "completions": completion_rows,
    }


def seat_grant_rows(
    workspace_id: int,
    use_case: str,
    tools: Iterable[str],
    *,
    status: catalog_schemas.UseCaseStatus,
    paused_from: catalog_schemas.UseCaseStatus | None,
    team_ids: Iterable[int],
    roles: Iterable[str],
) -> list[dict[str, Any]]:
    """The `seat_grants` rows of one use case: a seat of any of its tools makes its holder eligible when the use
    case is released (or paused from a released status) and targets the holder's team and role (a use case
    without targets: every holder)."""
    released = status in SEAT_RELEASED or (
        status == catalog_schemas.UseCaseStatus.paused and paused_from in SEAT_RELEASED
    )
    if not released:
        return []
    target_teams: list[int | None] = list(team_ids) or [None]
    target_roles: list[str | None] = list(dict.fromkeys(roles)) or [None]
    return [
        {"workspace_id": workspace_id, "tool": tool, "use_case": use_case, "team_id": team_id, "role": role}
        for tool in tools
        for team_id in target_teams
        for role in target_roles
    ]


def _local_day(moment: datetime, zone: ZoneInfo) -> date:
    """The workspace's calendar date of a stored moment (stored naive moments are UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=ZoneInfo("UTC"))
    return aware.astimezone(zone).date()


def connect_events_engine(events_url: str) -> engines.EventsBackend:
    """The analytics engine over the events store named by UPTAKE_EVENTS_URL.

    The events store's DuckDB URL names its file after `duckdb:///` (four slashes for an absolute path); in
    one process, DuckDB connections to one file share one database, so analytics reads the events the
    server writes. Other URLs (`postgres://`, `pyspark:///lake`, ...) are analytics engines of their own.
    """
    if events_url.startswith("duckdb:///"):
        path = events_url.removeprefix("duckdb:///")
        return engines.connect_duckdb_file(path or ":memory:")
    return engines.connect(events_url)


def workspace_today(session: Session, workspace_id: int) -> date:
    """Today's date in the workspace's time zone (the calendar the events' `day` uses)."""
    return datetime.now(ZoneInfo(workspace_settings(session, workspace_id).timezone)).date()


_app_analytics_lock = threading.Lock()


def app_analytics(app_state: Any) -> Analytics:
    """The application's one analytics engine (kept on the app's state), opened on first use; every page, route
    and job of one process reads figures through it, so they share its cache and its refreshes."""
    with _app_analytics_lock:
        if getattr(app_state, "analytics", None) is None:
            app_state.analytics = Analytics(connect_events_engine(app_state.settings.effective_events_url))
    analytics: Analytics = app_state.analytics
    return analytics


def bass_cumulative(t: np.ndarray, p: float, q: float, m: float) -> np.ndarray:
    """The Bass model's cumulative adopters `t` periods after the start (a forecast's fitted curve)."""
    return forecast.bass_cumulative(t, p, q, m)


def list_metric_definitions() -> list[metrics.MetricDefinition]:
    """Every metric uptake computes, in the order of PRODUCT.md's definitions."""
    return list(metrics.METRICS)
