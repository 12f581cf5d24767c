"""What the translating sources share: ids made from a report's keys, and the time of a dated-only event."""

import uuid
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from uptake.telemetry.event_sources import deterministic_event_id, time_on_day


@given(namespace=st.uuids(), name=st.text())
def test_event_ids_are_uuid5_of_the_namespace_and_name(namespace, name) -> None:
    assert deterministic_event_id(namespace, name) == str(uuid.uuid5(namespace, name))


ZONES = ["UTC", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Europe/Berlin", "America/St_Johns"]


@given(day=st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31)), zone=st.sampled_from(ZONES))
def test_a_report_day_stays_that_day_in_the_workspace_zone(day, zone) -> None:
    moment = time_on_day(day, zone, datetime(2100, 1, 1, tzinfo=UTC))
    assert moment.astimezone(ZoneInfo(zone)).date() == day


def test_a_day_of_today_is_never_later_than_now() -> None:
    now = datetime(2026, 5, 1, 6, 0, tzinfo=UTC)
    assert time_on_day(date(2026, 5, 1), "UTC", now) == now
