"""The program lead's upload page for usage reports."""

from pathlib import Path

from fixtures_path import require_shared_fixtures
from support import as_caller
from uptake.access.roles import Role
from uptake.audit import service as audit_service

SHARED_FIXTURES_DIR = require_shared_fixtures()

SAMPLES = Path(__file__).parent / "samples"


def test_the_form_offers_each_source(client, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))
    page = client.get("/telemetry/import")
    assert page.status_code == 200
    assert 'value="github-copilot"' in page.text
    assert 'value="m365-copilot"' in page.text
    assert 'name="csrf_token"' in page.text


def test_an_uploaded_report_is_imported_counted_and_audited(client, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))
    report = (SAMPLES / "github-copilot-users-1-day.ndjson").read_bytes()

    first = client.post(
        "/telemetry/import",
        data={"source": "github-copilot", "use_case": "code-review"},
        files={"file": ("users-1-day.ndjson", report, "application/x-ndjson")},
    )
    again = client.post(
        "/telemetry/import",
        data={"source": "github-copilot", "use_case": "code-review"},
        files={"file": ("users-1-day.ndjson", report, "application/x-ndjson")},
    )

    assert first.status_code == 200
    assert "11 events made, 11 stored, 0 already stored, 0 problem(s)" in first.text
    assert "<code>code-review</code>" in first.text  # not in the catalog, stored all the same
    assert "11 events made, 0 stored, 11 already stored" in again.text
    assert client.app.state.event_store.count(workspace) == 11
    with world.session(workspace) as session:
        entries = audit_service.list_audit_entries(session, workspace, action="telemetry.import")
    assert sorted((entry.target, entry.after["accepted"]) for entry in entries) == [
        ("github-copilot:users-1-day.ndjson", 0),
        ("github-copilot:users-1-day.ndjson", 11),
    ]


def test_a_report_endpoint_answer_is_refused_with_what_to_do(client, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))
    body = (
        SHARED_FIXTURES_DIR / "github-copilot-metrics" / "copilot-users-one-day-usage-metrics.json"
    ).read_bytes()
    response = client.post(
        "/telemetry/import",
        data={"source": "github-copilot"},
        files={"file": ("answer.json", body, "application/json")},
    )
    assert response.status_code == 422
    assert "download them (the links expire) and import those files" in response.text
    assert client.app.state.event_store.count(workspace) == 0


def test_a_missing_file_and_unknown_source_are_named(client, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))
    response = client.post("/telemetry/import", data={"source": "slack"})
    assert response.status_code == 422
    assert "<code>source</code>: choose one of: github-copilot, m365-copilot" in response.text
    assert "<code>file</code>: choose the report file to import" in response.text
