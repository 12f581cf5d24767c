"""Contracts: what the organization bought of a tool (seats, price per month or year, currency), from which day,
and its renewal terms. The contract in force on a day is the tool's latest one started by then, so a tool has at
most one contract per start day."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from sqlalchemy.orm import Session

from uptake.audit import service as audit_service
from uptake.errors import Conflict, FieldError, InvalidInput, NotFound
from uptake.licences import repository, schemas
from uptake.licences.models import Contract
from uptake.licences.tools import get_tool, tools_by_id


class ContractNotFound(NotFound):
    title = "There is no such contract in this workspace."


class ContractDayTaken(Conflict):
    title = "This tool already has a contract starting that day."


def contract_output(contract: Contract, tool_slug: str) -> schemas.Contract:
    return schemas.Contract(
        id=contract.id,
        tool=tool_slug,
        seats_purchased=contract.seats_purchased,
        price_per_seat=float(contract.price_per_seat),
        price_period=contract.price_period,
        monthly_price_per_seat=round(contract.monthly_price_per_seat, 4),
        currency=contract.currency,
        starts_on=contract.starts_on,
        renews_on=contract.renews_on,
        notice_days=contract.notice_days,
        notice_deadline=(
            contract.renews_on - timedelta(days=contract.notice_days) if contract.renews_on else None
        ),
        reference=contract.reference,
    )


def _contract_audit(contract: Contract, tool_slug: str) -> dict[str, Any]:
    return contract_output(contract, tool_slug).model_dump(mode="json")


def _check_start_day(
    session: Session, workspace_id: int, tool_id: int, starts_on: date, contract_id: int | None
) -> None:
    """One contract per tool and start day: the contract in force on a day is the latest started by then."""
    for other in repository.list_contracts(session, workspace_id, tool_id=tool_id):
        if other.starts_on == starts_on and other.id != contract_id:
            raise ContractDayTaken(
                f"contract {other.id} starts on {starts_on} too; change that one instead",
                contract_id=other.id,
            )


def create_contract(
    session: Session, workspace_id: int, body: schemas.ContractCreate, *, actor: str
) -> schemas.Contract:
    tool = get_tool(session, workspace_id, body.tool)
    _check_start_day(session, workspace_id, tool.id, body.starts_on, None)
    contract = Contract(
        workspace_id=workspace_id,
        tool_id=tool.id,
        **body.model_dump(exclude={"tool"}),
    )
    session.add(contract)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="licences.contract.created",
        target=f"contract:{contract.id}",
        after=_contract_audit(contract, tool.slug),
    )
    return contract_output(contract, tool.slug)


def _get_contract(session: Session, workspace_id: int, contract_id: int) -> Contract:
    contract = repository.get_contract(session, workspace_id, contract_id)
    if contract is None:
        raise ContractNotFound(f"no contract {contract_id}", contract_id=contract_id)
    return contract


def update_contract(
    session: Session, workspace_id: int, contract_id: int, body: schemas.ContractUpdate, *, actor: str
) -> schemas.Contract:
    contract = _get_contract(session, workspace_id, contract_id)
    slug = tools_by_id(session, workspace_id)[contract.tool_id].slug
    before = _contract_audit(contract, slug)
    changes = body.model_dump(exclude_unset=True)
    for required in ("seats_purchased", "price_per_seat", "price_period", "currency", "starts_on"):
        if required in changes and changes[required] is None:
            raise InvalidInput(errors=[FieldError(required, "cannot be removed")])
    if "starts_on" in changes:
        _check_start_day(session, workspace_id, contract.tool_id, changes["starts_on"], contract.id)
    for field, value in changes.items():
        setattr(contract, field, value)
    if contract.renews_on is not None and contract.renews_on <= contract.starts_on:
        raise InvalidInput(errors=[FieldError("renews_on", "must be after starts_on")])
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="licences.contract.changed",
        target=f"contract:{contract.id}",
        before=before,
        after=_contract_audit(contract, slug),
    )
    return contract_output(contract, slug)


def delete_contract(session: Session, workspace_id: int, contract_id: int, *, actor: str) -> None:
    contract = _get_contract(session, workspace_id, contract_id)
    slug = tools_by_id(session, workspace_id)[contract.tool_id].slug
    before = _contract_audit(contract, slug)
    session.delete(contract)
    session.flush()
    audit_service.record_audit_entry(
        session,
        workspace_id,
        actor=actor,
        action="licences.contract.deleted",
        target=f"contract:{contract_id}",
        before=before,
    )


def list_contracts(session: Session, workspace_id: int, *, tool: str | None = None) -> list[schemas.Contract]:
    tools = tools_by_id(session, workspace_id)
    tool_id = get_tool(session, workspace_id, tool).id if tool is not None else None
    return [
        contract_output(contract, tools[contract.tool_id].slug)
        for contract in repository.list_contracts(session, workspace_id, tool_id=tool_id)
    ]


def current_contract(contracts: Sequence[Contract], on: date) -> Contract | None:
    """The contract in force on a day: the latest one started by then."""
    started = [contract for contract in contracts if contract.starts_on <= on]
    return max(started, key=lambda contract: (contract.starts_on, contract.id), default=None)
