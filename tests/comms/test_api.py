"""Communication's JSON routes: cohorts and announcements with read receipts, questions and answers, preferences."""

from __future__ import annotations

from enablement.enablement_builders import make_use_case
from support import as_caller
from uptake.access.roles import Role
from uptake.db import session_scope
from uptake.directory.schemas import PersonUpdate
from uptake.directory.service import people as people_service
from uptake.directory.service import teams as teams_service


def _team_of(world, workspace: int, name: str, size: int) -> tuple[int, list[int]]:
    with session_scope(world.factory, workspace) as session:
        team_id = teams_service.create_team(session, workspace, name=name).id
    people = [world.person(workspace) for _ in range(size)]
    with session_scope(world.factory, workspace) as session:
        for person in people:
            people_service.update_person(
                session, workspace, person, PersonUpdate(team_id=team_id), actor="test"
            )
    return team_id, people


def test_an_announcement_reaches_its_cohort_and_counts_acknowledgements_above_the_floor(
    world, client
) -> None:
    workspace = world.workspace()
    claims, _ = _team_of(world, workspace, "Claims", 6)
    legal, _ = _team_of(world, workspace, "Legal", 2)
    sales, _ = _team_of(world, workspace, "Sales", 6)
    lead = world.caller(workspace, Role.program_lead)
    reader = world.caller(workspace, Role.employee)
    with session_scope(world.factory, workspace) as session:
        people_service.update_person(
            session, workspace, reader.person_id, PersonUpdate(team_id=claims), actor="test"
        )
    as_caller(client, lead)
    preview = client.post("/api/v1/announcements/audience-preview", json={"team_ids": [claims]}).json()
    assert preview["count"] == 7
    nobody = client.post("/api/v1/announcements/audience-preview", json={})
    assert nobody.status_code == 422
    sent = client.post(
        "/api/v1/announcements",
        json={
            "title": "New guidance",
            "body_markdown": "Read it.",
            "audience": {"team_ids": [claims, legal, sales]},
            "requires_acknowledgement": True,
            "send_now": True,
        },
    )
    assert sent.status_code == 201, sent.text
    announcement = sent.json()
    assert (announcement["status"], announcement["audience_size"]) == ("sent", 15)

    as_caller(client, reader)
    mine = client.get("/api/v1/me/announcements").json()
    assert [(item["id"], item["acknowledged_at"]) for item in mine] == [(announcement["id"], None)]
    inbox = client.get("/api/v1/me/notifications").json()
    assert [item["subject"] for item in inbox] == ["New guidance"]
    acknowledged = client.post(f"/api/v1/announcements/{announcement['id']}/acknowledgement").json()
    assert acknowledged["acknowledged_at"] is not None

    as_caller(client, lead)
    assert client.post(f"/api/v1/announcements/{announcement['id']}/acknowledgement").status_code == 404
    report = client.get(f"/api/v1/announcements/{announcement['id']}/report").json()
    assert (report["total"]["recipients"], report["total"]["acknowledged"]) == (15, 1)
    by_cohort = {row["cohort"]: row for row in report["cohorts"]}
    assert (by_cohort["team: Claims"]["recipients"], by_cohort["team: Claims"]["acknowledged"]) == (7, 1)
    assert by_cohort["team: Legal"]["recipients"] is None  # two people: below the floor
    # With Legal hidden, Sales (the smallest shown) is hidden too, so Legal is not the total minus the rest.
    assert (by_cohort["team: Legal"]["suppressed"], by_cohort["team: Sales"]["suppressed"]) == (True, True)
    assert client.post(f"/api/v1/announcements/{announcement['id']}/sending").status_code == 409


def test_a_question_is_answered_by_the_owner_only_and_the_asker_is_told(world, client) -> None:
    workspace = world.workspace()
    owner = world.caller(workspace, Role.employee)
    asker = world.caller(workspace, Role.employee)
    bystander = world.caller(workspace, Role.employee)
    make_use_case(world, workspace, "claims-letters", owner_id=owner.person_id)
    as_caller(client, asker)
    question = client.post(
        "/api/v1/questions", json={"use_case_slug": "claims-letters", "title": "May I use it for appeals?"}
    ).json()
    assert question["asker_id"] == asker.person_id
    as_caller(client, bystander)
    assert client.get(f"/api/v1/questions/{question['id']}").json()["asker_id"] is None
    refused = client.post(f"/api/v1/questions/{question['id']}/answers", json={"body_markdown": "Sure"})
    assert refused.status_code == 403
    as_caller(client, owner)
    answered = client.post(f"/api/v1/questions/{question['id']}/answers", json={"body_markdown": "Not yet."})
    assert answered.status_code == 201
    faq = client.post(f"/api/v1/questions/{question['id']}/faq", json={})
    assert faq.status_code == 201
    assert client.get("/api/v1/faq", params={"use_case_slug": "claims-letters"}).json()[0][
        "answer_markdown"
    ] == ("Not yet.")
    as_caller(client, asker)
    inbox = client.get("/api/v1/me/notifications").json()
    assert [item["subject"] for item in inbox] == ["Your question was answered: May I use it for appeals?"]
    unknown = client.post("/api/v1/questions", json={"use_case_slug": "no-such-thing", "title": "Hello?"})
    assert unknown.status_code == 404


def test_preferences_hold_email_for_the_digest_and_mute_categories(world, client) -> None:
    workspace = world.workspace()
    caller = world.caller(workspace, Role.employee)
    as_caller(client, caller)
    assert client.get("/api/v1/me/notification-preferences").json() == {
        "email_enabled": True,
        "digest": "immediate",
        "muted_categories": [],
    }
    updated = client.patch(
        "/api/v1/me/notification-preferences", json={"digest": "daily", "muted_categories": ["question"]}
    )
    assert updated.json() == {"email_enabled": True, "digest": "daily", "muted_categories": ["question"]}
    bad = client.patch("/api/v1/me/notification-preferences", json={"digest": "hourly"})
    assert bad.status_code == 422
    assert bad.json()["errors"][0]["field"] == "digest"
    from uptake.comms.service import notifications as notifications_service

    with session_scope(world.factory, workspace) as session:
        notifications_service.enqueue_notification(
            session,
            workspace,
            person_ids=[caller.person_id],
            subject="A",
            body_markdown="",
            category="announcement",
        )
        notifications_service.enqueue_notification(
            session,
            workspace,
            person_ids=[caller.person_id],
            subject="B",
            body_markdown="",
            category="question",
        )
        statuses = sorted(
            (row.subject, row.channel.value, row.status.value)
            for row in notifications_service.list_outbox(session, workspace)
        )
    assert statuses == [("A", "email", "held")]


def test_a_rollout_wave_is_a_cohort(world, client) -> None:
    from uptake.rollout import schemas as rollout_schemas
    from uptake.rollout import service as rollout_service

    workspace = world.workspace()
    lead = world.caller(workspace, Role.program_lead)
    pilots = [world.person(workspace) for _ in range(3)]
    world.person(workspace)  # not in the wave
    make_use_case(world, workspace, "claims-letters")
    with session_scope(world.factory, workspace) as session:
        from uptake.catalog import service as catalog_service

        catalog_service.get_use_case_by_slug(
            session, workspace, "claims-letters"
        ).status = catalog_service.UseCaseStatus.approved
        wave = rollout_schemas.WaveCreate(name="pilot", person_ids=pilots)
        plan = rollout_schemas.RolloutPlanCreate(use_case="claims-letters", waves=[wave])
        rollout_service.create_plan(session, workspace, plan, actor="test")
        rollout_service.start_rollout(session, workspace, "claims-letters", actor="test")
    as_caller(client, lead)
    audience = {"rollout_waves": [{"use_case_slug": "claims-letters", "wave": "pilot"}]}
    preview = client.post("/api/v1/announcements/audience-preview", json=audience)
    assert preview.json()["count"] == 3
    unknown = client.post(
        "/api/v1/announcements/audience-preview",
        json={"rollout_waves": [{"use_case_slug": "claims-letters", "wave": "everyone"}]},
    )
    assert unknown.status_code == 422
    assert unknown.json()["errors"] == [
        {
            "field": "audience.rollout_waves[0].wave",
            "reason": "the rollout of 'claims-letters' has no wave 'everyone'",
        }
    ]
