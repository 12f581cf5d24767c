"""The directory pages through the ASGI app: people with search, filters and pages, a person, the team tree, a
team, job roles; team leads see their own teams only; the CSV upload previews before it imports."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from directory.directory_builders import build_organization
from support import as_caller
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service


def _listed(html: str) -> list[str]:
    """The names in the people table, in order."""
    return re.findall(r'<tr data-person="\d+">\s*<td><a href="/directory/people/\d+">([^<]+)</a>', html)


def test_people_list_searches_name_email_and_external_id(client: TestClient, world) -> None:
    workspace = world.workspace()
    build_organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    assert _listed(client.get("/directory", params={"q": "okaf"}).text) == ["Ben Okafor"]
    assert _listed(client.get("/directory", params={"q": "carla@exa"}).text) == ["Carla Weber"]
    assert _listed(client.get("/directory", params={"q": "F7"}).text) == ["Carla Weber"]
    everyone = client.get("/directory")
    assert everyone.status_code == 200
    assert {"Ana Costa", "Ben Okafor", "Carla Weber"} <= set(_listed(everyone.text))


def test_people_list_filters_by_team_with_subteams_role_status_and_location(
    client: TestClient, world
) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    assert _listed(client.get("/directory", params={"team": ids["service"]}).text) == [
        "Ana Costa",
        "Ben Okafor",
    ]
    assert _listed(client.get("/directory", params={"job_role": ids["accountant"]}).text) == ["Carla Weber"]
    assert _listed(client.get("/directory", params={"status": "leave"}).text) == ["Ben Okafor"]
    assert _listed(client.get("/directory", params={"location": "Lisbon"}).text) == [
        "Ana Costa",
        "Carla Weber",
    ]
    both = client.get("/directory", params={"location": "Lisbon", "team": ids["service"]})
    assert _listed(both.text) == ["Ana Costa"]
    assert client.get("/directory", params={"team": "999999"}).status_code == 404
    assert client.get("/directory", params={"team": "9" * 20}).status_code == 422  # no id is that large


def test_people_list_pages_by_fifty(client: TestClient, world) -> None:
    workspace = world.workspace()
    with session_scope(world.factory, workspace) as session:
        people_service.add_people_in_bulk(
            session,
            workspace,
            [
                {"external_id": f"P{n:03d}", "email": f"p{n}@example.com", "display_name": f"Member {n:03d}"}
                for n in range(70)
            ],
        )
    as_caller(client, world.caller(workspace, Role.program_lead))

    first = client.get("/directory", params={"q": "member"})
    second = client.get("/directory", params={"q": "member", "page": 2})

    assert _listed(first.text) == [f"Member {n:03d}" for n in range(50)]
    assert _listed(second.text) == [f"Member {n:03d}" for n in range(50, 70)]
    assert "Page 1 of 2" in first.text
    assert (
        'href="/directory?q=member&amp;team=&amp;job_role=&amp;status=&amp;location=&amp;page=2"'
        in first.text
    )


def test_person_page_shows_fields_team_manager_and_reports(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    ben = client.get(f"/directory/people/{ids['ben']}")
    ana = client.get(f"/directory/people/{ids['ana']}")

    assert ben.status_code == 200
    assert "ben@example.com" in ben.text
    assert "<code>E2</code>" in ben.text
    assert f'<a href="/directory/people/{ids["ana"]}">Ana Costa</a>' in ben.text  # manager
    assert f'<a href="/directory/teams/{ids["night"]}">Night Shift</a>' in ben.text
    assert (
        f'<a href="/directory/teams/{ids["service"]}">Customer Service</a> ›' in ben.text
    )  # the team's path
    assert 'data-status="leave"' in ben.text
    assert (
        f'<li data-person="{ids["ben"]}"><a href="/directory/people/{ids["ben"]}">Ben Okafor</a>' in ana.text
    )
    assert client.get("/directory/people/999999").status_code == 404


def test_team_page_shows_its_tree_members_and_lead(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    page = client.get(f"/directory/teams/{ids['tier1']}")

    assert page.status_code == 200
    tree = page.text[page.text.index("Team and subteams") :]
    assert re.findall(r'<li data-team="(\d+)">', tree) == [str(ids["tier1"]), str(ids["night"])]
    assert "2 people (1 directly)" in page.text
    assert f'<dt>Lead</dt><dd><a href="/directory/people/{ids["ana"]}">Ana Costa</a>' in page.text
    assert _listed(page.text) == ["Ana Costa"]  # members directly in the team; Ben is in Night Shift
    assert "Members (1)" in page.text

    teams = client.get("/directory/teams").text
    assert re.findall(r'<li data-team="(\d+)">', teams) == [
        str(ids["service"]),
        str(ids["tier1"]),
        str(ids["night"]),
        str(ids["finance"]),
    ]


def test_job_roles_page_counts_people(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))

    page = client.get("/directory/job-roles").text

    rows = dict(re.findall(r'<tr data-job-role="(\d+)"><td>([^<]+)</td>', page))
    assert rows == {str(ids["accountant"]): "Accountant", str(ids["agent"]): "Support agent"}
    assert f'<a href="/directory?job_role={ids["agent"]}">2</a>' in page


def test_a_team_lead_sees_only_their_teams_and_subteams(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    lead = world.caller(workspace, Role.team_lead)
    with session_scope(world.factory, workspace) as session:
        teams_service.set_team_lead(session, workspace, ids["tier1"], lead.person_id)
    as_caller(client, lead)

    assert _listed(client.get("/directory").text) == ["Ana Costa", "Ben Okafor"]
    assert _listed(client.get("/directory", params={"q": "carla"}).text) == []
    assert _listed(client.get("/directory", params={"location": "Lisbon"}).text) == ["Ana Costa"]
    assert client.get(f"/directory/people/{ids['ben']}").status_code == 200
    assert client.get(f"/directory/people/{ids['carla']}").status_code == 404
    assert client.get(f"/directory/teams/{ids['finance']}").status_code == 404
    assert client.get(f"/directory/teams/{ids['service']}").status_code == 404  # the parent is not theirs
    assert client.get("/directory", params={"team": ids["finance"]}).status_code == 404
    teams = client.get("/directory/teams").text
    assert re.findall(r'<li data-team="(\d+)">', teams) == [str(ids["tier1"]), str(ids["night"])]
    roles = client.get("/directory/job-roles").text
    assert f'<a href="/directory?job_role={ids["agent"]}">2</a>' in roles
    assert f'href="/directory?job_role={ids["accountant"]}"' not in roles  # Carla is not counted
    assert 'href="/directory/import"' not in client.get("/directory").text


def test_navigation_shows_the_directory_to_leads_and_team_leads_only(client: TestClient, world) -> None:
    workspace = world.workspace()
    for role, shown in [(Role.program_lead, True), (Role.team_lead, True), (Role.employee, False)]:
        as_caller(client, world.caller(workspace, role))
        assert ('<a href="/directory"' in client.get("/").text) is shown, role
    assert client.get("/directory").status_code == 403


def test_no_page_shows_another_workspace(client: TestClient, world) -> None:
    ours = world.workspace()
    theirs = world.workspace()
    their_ids = build_organization(world, theirs)
    as_caller(client, world.caller(ours, Role.program_lead))

    listed = _listed(client.get("/directory").text)
    assert len(listed) == 1  # the program lead, the only person of our workspace
    assert "Ana Costa" not in listed
    assert client.get(f"/directory/people/{their_ids['ana']}").status_code == 404
    assert client.get(f"/directory/teams/{their_ids['tier1']}").status_code == 404
    assert "Support agent" not in client.get("/directory/job-roles").text


# -- the upload with its preview --------------------------------------------------------------------------------

UPLOAD = (
    "Employee ID,Email,First Name,Last Name,Department,Manager,Badge colour\n"
    "E1,ana@example.com,Ana,Costa,Customer Service/Tier 1,,blue\n"
    "E2,ben@example.com,Ben,Okafor,Customer Service/Tier 1,E1,red\n"
    "E3,not-an-email,Cara,Ito,Customer Service,E1,green\n"
    "E4,dan@example.com,Dan,Nobody,Finance,E404,blue\n"
)


def _upload(client: TestClient, content: str, name: str = "people.csv"):
    return client.post(
        "/directory/import",
        files={"file": (name, content.encode(), "text/csv")},
        data={"csrf_token": client.cookies.get("uptake_csrf", "")},
    )


def test_an_upload_is_previewed_first_and_imported_only_when_confirmed(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))  # a person in the directory too

    preview = _upload(client, UPLOAD)

    assert preview.status_code == 200
    assert 'data-count="created">2<' in preview.text
    assert 'data-count="rejected">2<' in preview.text
    assert '<tr data-line="4"><td class="num">4</td><td>E3</td><td><code>Email</code></td>' in preview.text
    assert "&#39;not-an-email&#39; is not an email address" in preview.text
    assert '<tr data-line="5"><td class="num">5</td><td>E4</td><td><code>Manager</code></td>' in preview.text
    assert "no person with external id E404 in this file or the directory" in preview.text
    assert "New teams: Customer Service, Tier 1." in preview.text
    assert "<code>Badge colour</code>" in preview.text  # an ignored column is named
    with session_scope(world.factory, workspace) as session:
        assert people_service.count_people(session, workspace) == 1  # a preview stores nothing
        assert teams_service.count_teams(session, workspace) == 0

    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert token is not None
    done = client.post(
        "/directory/import/confirm",
        data={"csrf_token": client.cookies.get("uptake_csrf", ""), "token": token.group(1)},
    )

    assert done.status_code == 200
    assert 'data-count="created">2<' in done.text
    assert '<tr data-line="4">' in done.text
    with session_scope(world.factory, workspace) as session:
        ben = people_service.get_person_by_external_id(session, workspace, "E2")
        ana = people_service.get_person_by_external_id(session, workspace, "E1")
        assert ben is not None
        assert ana is not None
        assert ben.manager_id == ana.id
        assert people_service.count_people(session, workspace) == 3
        assert teams_service.get_team_by_name(session, workspace, "Finance") is None  # only E4 wanted it

    again = client.post(
        "/directory/import/confirm",
        data={"csrf_token": client.cookies.get("uptake_csrf", ""), "token": token.group(1)},
    )
    assert again.status_code == 404
    assert "upload the file again" in again.text


def test_a_second_upload_of_the_same_file_previews_no_change(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))
    first = _upload(client, UPLOAD)
    token = re.search(r'name="token" value="([^"]+)"', first.text)
    assert token is not None
    client.post(
        "/directory/import/confirm",
        data={"csrf_token": client.cookies.get("uptake_csrf", ""), "token": token.group(1)},
    )
    changed = UPLOAD.replace(
        "E2,ben@example.com,Ben,Okafor,Customer Service/Tier 1,E1", "E2,ben@example.com,Ben,Okafor,Finance,E1"
    )

    preview = _upload(client, changed)

    assert 'data-count="unchanged">1<' in preview.text
    assert 'data-count="updated">1<' in preview.text
    assert '<span class="badge running">update</span> team' in preview.text


def test_an_upload_without_the_needed_columns_names_them(client: TestClient, world) -> None:
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))

    refused = _upload(client, "name,title\nAna,Agent\n")

    assert refused.status_code == 422
    assert "<code>external_id</code>: no column for it" in refused.text
    assert "<code>email</code>: no column for it" in refused.text
    not_text = client.post(
        "/directory/import",
        files={"file": ("people.xlsx", b"PK\x03\x04\xff\xfe binary", "application/octet-stream")},
        data={"csrf_token": client.cookies.get("uptake_csrf", "")},
    )
    assert not_text.status_code == 422
    assert "not UTF-8 text" in not_text.text


def test_a_large_upload_is_imported_by_the_worker_and_followed_on_its_page(
    client: TestClient, world, app, monkeypatch
) -> None:
    from uptake.directory import people_import
    from uptake.jobs.runner import Worker

    monkeypatch.setattr(people_import, "SYNCHRONOUS_ROW_LIMIT", 3)  # the four rows of UPLOAD are "large"
    workspace = world.workspace()
    as_caller(client, world.caller(workspace, Role.program_lead))
    preview = _upload(client, UPLOAD)
    token = re.search(r'name="token" value="([^"]+)"', preview.text)
    assert token is not None

    queued = client.post(
        "/directory/import/confirm",
        data={"csrf_token": client.cookies.get("uptake_csrf", ""), "token": token.group(1)},
        follow_redirects=False,
    )

    assert queued.status_code == 303
    job_page = queued.headers["location"]
    assert re.fullmatch(r"/directory/import/jobs/\d+", job_page)
    waiting = client.get(job_page)
    assert 'data-job-status="queued"' in waiting.text
    assert f'data-refresh="{job_page}"' in waiting.text
    with session_scope(world.factory, workspace) as session:
        assert people_service.get_person_by_external_id(session, workspace, "E1") is None

    worker = Worker(
        app.state.settings, app.state.session_factory, app.state.job_definitions, poll_seconds=0.01
    )
    assert worker.run_until_idle() == 1

    done = client.get(job_page, headers={"HX-Request": "true"})  # the fragment the page refreshes with
    assert 'data-job-status="succeeded"' in done.text
    assert 'data-count="created">2<' in done.text
    assert '<tr data-line="4"><td class="num">4</td><td>E3</td><td><code>Email</code></td>' in done.text
    with session_scope(world.factory, workspace) as session:
        ben = people_service.get_person_by_external_id(session, workspace, "E2")
        assert ben is not None
        assert ben.manager_id is not None
    assert not list(people_import.uploads_folder(app.state.settings.data_dir).iterdir())  # the upload is gone
    assert client.get("/directory/import/jobs/999999").status_code == 404


def test_the_pages_run_as_many_queries_for_forty_people_as_for_four(
    client: TestClient, world, count_queries
) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    as_caller(client, world.caller(workspace, Role.program_lead))
    pages = ["/directory", f"/directory/teams/{ids['night']}", f"/directory/people/{ids['ana']}"]

    def queries_per_page() -> list[int]:
        counts = []
        for path in pages:
            with count_queries() as queries:
                assert client.get(path).status_code == 200
            counts.append(queries.count)
        return counts

    few = queries_per_page()
    with session_scope(world.factory, workspace) as session:
        people_service.add_people_in_bulk(
            session,
            workspace,
            [
                {
                    "external_id": f"N{n}",
                    "email": f"n{n}@example.com",
                    "display_name": f"Newcomer {n}",
                    "team_id": ids["night"] if n % 2 else ids["finance"],
                    "job_role_id": ids["agent"],
                    "manager_id": ids["ana"],
                }
                for n in range(36)
            ],
        )
    assert queries_per_page() == few


def test_a_program_lead_names_a_team_lead_who_then_sees_that_team(client: TestClient, world) -> None:
    workspace = world.workspace()
    ids = build_organization(world, workspace)
    newcomer = world.caller(workspace, Role.team_lead)
    as_caller(client, world.caller(workspace, Role.program_lead))
    csrf = client.cookies.get("uptake_csrf", "")

    named = client.post(
        f"/directory/teams/{ids['finance']}/lead",
        data={"csrf_token": csrf, "email": newcomer.email.upper()},
        follow_redirects=False,
    )
    unknown = client.post(
        f"/directory/teams/{ids['finance']}/lead",
        data={"csrf_token": csrf, "email": "nobody@example.com"},
        follow_redirects=True,
    )

    assert named.status_code == 303
    assert named.headers["location"] == f"/directory/teams/{ids['finance']}"
    assert "no one in the directory has the email nobody@example.com" in unknown.text
    with session_scope(world.factory, workspace) as session:
        assert teams_service.get_team(session, workspace, ids["finance"]).lead_id == newcomer.person_id
    as_caller(client, newcomer)
    assert _listed(client.get("/directory").text) == ["Carla Weber"]

    as_caller(client, world.caller(workspace, Role.program_lead))
    client.post(
        f"/directory/teams/{ids['finance']}/lead", data={"csrf_token": client.cookies.get("uptake_csrf", "")}
    )
    with session_scope(world.factory, workspace) as session:
        assert teams_service.get_team(session, workspace, ids["finance"]).lead_id is None
