"""Reading discovery logs: the format recognized, each bad row named by line, column and reason, the map from
domains and application names to AI tools."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pytest

from discovery.discovery_builders import generic_csv, umbrella_log, umbrella_row
from uptake.catalog.schemas import SLUG_PATTERN
from uptake.discovery.ai_services import CATEGORIES, DOMAIN_PATTERN, build_service_map, shipped_services
from uptake.discovery.intake import LogFileInvalid, LogRow, RowRejection, read_log, umbrella_user
from uptake.discovery.models import LogFormat


def rows_of(text: str, **options):
    parsed = read_log(io.StringIO(text, newline=""), **options)
    return parsed, list(parsed.rows)


def test_the_shipped_map_names_dozens_of_assistants_of_every_kind():
    version, services = shipped_services()
    assert version.count(".") == 2
    assert len(services) >= 40
    assert {service.category for service in services} >= {"chat", "code", "image", "meeting"}
    slugs = [service.slug for service in services]
    assert len(slugs) == len(set(slugs))
    assert all(SLUG_PATTERN.match(slug) for slug in slugs)
    assert {service.category for service in services} <= set(CATEGORIES)
    domains = [domain for service in services for domain in service.domains]
    assert len(domains) == len(set(domains))
    assert [domain for domain in domains if not DOMAIN_PATTERN.match(domain)] == []


@pytest.mark.parametrize(
    ("seen", "tool"),
    [
        ("chatgpt.com", "chatgpt"),
        ("https://chat.openai.com/c/123", "chatgpt"),
        ("api.openai.com", "openai-api"),
        ("labs.openai.com", "dall-e"),
        ("WWW.Midjourney.com:443", "midjourney"),
        ("https://www.bing.com/chat?q=1", "microsoft-copilot"),
        ("Otter.ai", "otter-ai"),
        ("Google Gemini", "gemini"),
        ("github copilot", "github-copilot"),
    ],
)
def test_domains_urls_and_app_names_map_to_tools_and_the_longest_match_wins(seen, tool):
    assert build_service_map().match(seen)[0] == tool


@pytest.mark.parametrize("seen", ["www.bing.com/search?q=1", "example.com", "openai.com.evil.test", ""])
def test_other_sites_are_no_ai_service(seen):
    assert build_service_map().match(seen) is None


def test_a_generic_file_keeps_good_rows_and_names_each_bad_one():
    text = generic_csv(
        [
            ("2026-12-01T09:00:00Z", "ada@example.com", "chatgpt.com", 3, 1200),
            ("yesterday", "bob@example.com", "claude.ai", 1, 10),
            ("2026-12-01 10:00:00", "", "claude.ai", 1, 10),
            ("1764579600", "cy@example.com", "", 1, 10),
            ("1764579600000", "cy@example.com", "claude.ai", "x", 10),
        ]
    )
    parsed, rows = rows_of(text)
    assert parsed.log_format == LogFormat.generic
    good = [row for row in rows if isinstance(row, LogRow)]
    bad = [row for row in rows if isinstance(row, RowRejection)]
    assert [(row.line, row.user, row.target, row.requests, row.bytes) for row in good] == [
        (2, "ada@example.com", "chatgpt.com", 3, 1200)
    ]
    assert good[0].time == datetime(2026, 12, 1, 9, tzinfo=UTC)
    assert [(row.line, row.column) for row in bad] == [
        (3, "time"),
        (4, "user"),
        (5, "domain"),
        (6, "requests"),
    ]
    assert "must be a time" in bad[0].reason
    assert "whole number of requests" in bad[3].reason


def test_epoch_seconds_and_milliseconds_are_read_as_utc():
    text = generic_csv(
        [
            ("1764579600", "a@example.com", "claude.ai", 1, 0),
            ("1764579600000", "a@example.com", "claude.ai", 1, 0),
        ]
    )
    _, rows = rows_of(text)
    assert [row.time for row in rows] == [datetime(2025, 12, 1, 9, tzinfo=UTC)] * 2


def test_a_header_without_the_needed_columns_names_them():
    with pytest.raises(LogFileInvalid) as raised:
        rows_of("time,who,site\n2026-12-01,a,b\n")
    assert {error.field for error in raised.value.errors} == {"user"}
    with pytest.raises(LogFileInvalid) as raised:
        rows_of("when,who\n")
    assert raised.value.errors[0].field == "file"


def test_an_umbrella_web_log_is_read_by_its_documented_field_order():
    text = umbrella_log(
        [
            umbrella_row(
                datetime(2026, 12, 1, 9, 15),
                "Ada Lovelace (ada@example.com)",
                "https://chatgpt.com/backend-api",
                500,
                1500,
            ),
            umbrella_row(datetime(2026, 12, 1, 9, 16), "LAPTOP-42", "https://claude.ai/api"),
            ["2026-13-01 09:00:00", *umbrella_row(datetime(2026, 12, 1), "x", "https://claude.ai")[1:]],
            ["2026-12-01 09:00:00", "short row"],
        ]
    )
    parsed, rows = rows_of(text)
    assert parsed.log_format == LogFormat.umbrella
    assert [(row.user, row.target, row.bytes) for row in rows[:2]] == [
        ("ada@example.com", "https://chatgpt.com/backend-api", 2000),
        ("LAPTOP-42", "https://claude.ai/api", 2000),
    ]
    assert [(row.line, row.column) for row in rows[2:]] == [(3, "timestamp (field 1)"), (4, "(row)")]


def test_an_umbrella_user_is_the_email_in_the_label_or_the_identities():
    assert umbrella_user("Ada Lovelace (ada@example.com)", "") == "ada@example.com"
    assert umbrella_user("Ada Lovelace", "Ada Lovelace (ada@example.com),HQ") == "ada@example.com"
    assert umbrella_user("LAPTOP-42", "LAPTOP-42,HQ") == "LAPTOP-42"
