"""Who may call a route: one mechanism for every route, stated in its signature.

Every route depends on exactly one :class:`Access` rule (``Admin``, ``ProgramLead``, ``Reviewer``, …, or
``Public`` for the few routes anyone may call). The rule authenticates the caller (an API key in
``Authorization: Bearer`` or the login cookie), checks the role or the key's scope, and binds the request's
database session to the caller's workspace. The route × role test in ``tests/auth/test_permissions.py`` walks
every registered route, so a route without a rule fails the build.

Who a key or a login cookie belongs to is `auth`'s to say: the application gives its :class:`Authenticator`
(the `auth` service) to this module through ``app.state.authenticator``, so every domain can state its rules here
without importing `auth`, which itself reads the directory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from http.cookies import SimpleCookie
from typing import Annotated, Protocol

from fastapi import Depends, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from uptake.access.principal import PersonPrincipal, Principal
from uptake.access.roles import Role, Scope
from uptake.errors import Conflict, Forbidden, NotAuthenticated
from uptake.settings import Settings

SESSION_COOKIE = "uptake_session"


class LoginRequired(NotAuthenticated):
    """Raised for pages: the error handler answers with a redirect to the login page."""


class CommitFailed(Conflict):
    title = "The change could not be stored because it conflicts with stored data."


class Authenticator(Protocol):
    """Finds the caller of a request from an API key or a login token (the `auth` service is one)."""

    def principal_for_api_key(self, session: Session, plaintext: str) -> Principal | None: ...

    def principal_for_login_token(
        self, session: Session, settings: Settings, token: str
    ) -> Principal | None: ...


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


def get_session(request: Request) -> Iterator[Session]:
    """The request's unit of work: committed before the response is sent, rolled back on any error."""
    session: Session = request.app.state.session_factory()
    try:
        yield session
        try:
            session.commit()
        except IntegrityError as error:
            session.rollback()
            raise CommitFailed(str(error.orig).splitlines()[0] if error.orig else None) from None
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


SessionDep = Annotated[Session, Depends(get_session, scope="function")]


def get_authenticator(request: Request) -> Authenticator:
    authenticator: Authenticator = request.app.state.authenticator
    return authenticator


AuthenticatorDep = Annotated[Authenticator, Depends(get_authenticator)]


def cookie_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.effective_secret_key, salt="uptake.session")


def signed_session_checker(settings: Settings) -> Callable[[SimpleCookie], bool]:
    """Whether a request's cookies hold a session cookie this server signed (not whether the session still
    lives: that needs the database). The CSRF middleware buffers large forms only for such senders."""
    serializer = cookie_serializer(settings)

    def is_signed_in(cookie: SimpleCookie) -> bool:
        if SESSION_COOKIE not in cookie:
            return False
        try:
            serializer.loads(cookie[SESSION_COOKIE].value)
        except BadSignature:
            return False
        return True

    return is_signed_in


def _authenticate(
    request: Request, session: Session, settings: Settings, authenticator: Authenticator
) -> Principal | None:
    authorization = request.headers.get("authorization", "")
    if authorization:
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() != "bearer" or not credentials.strip():
            raise NotAuthenticated("send the API key as 'Authorization: Bearer <key>'")
        principal = authenticator.principal_for_api_key(session, credentials.strip())
        if principal is None:
            raise NotAuthenticated("the API key is unknown, revoked or expired")
        return principal
    signed = request.cookies.get(SESSION_COOKIE)
    if not signed:
        return None
    try:
        token = cookie_serializer(settings).loads(signed, max_age=settings.session_absolute_hours * 3600)
    except BadSignature:
        return None
    return authenticator.principal_for_login_token(session, settings, str(token))


class Access:
    """An access rule: the roles (for people) and scopes (for API keys) a route admits.

    ``admin`` always passes. ``public=True`` admits anyone, authenticated or not (the principal is None then).
    ``page=True`` makes an unauthenticated caller a redirect to the login page instead of a 401.
    """

    def __init__(
        self,
        *roles: Role,
        scopes: tuple[Scope, ...] = (),
        public: bool = False,
        page: bool = False,
    ) -> None:
        self.roles = frozenset(roles)
        self.scopes = frozenset(scope.value for scope in scopes)
        self.public = public
        self.page = page

    def __repr__(self) -> str:
        if self.public:
            return "Access(public)"
        return f"Access(roles={sorted(self.roles)}, scopes={sorted(self.scopes)})"

    def admits(self, principal: Principal) -> bool:
        if principal.api_key_id is not None:
            return bool(self.scopes & principal.scopes) or (
                Scope.admin.value in principal.scopes and Role.admin in self.roles
            )
        return Role.admin in principal.roles or bool(self.roles & principal.roles)

    def __call__(
        self, request: Request, session: SessionDep, settings: SettingsDep, authenticator: AuthenticatorDep
    ) -> Principal | None:
        principal = _authenticate(request, session, settings, authenticator)
        request.state.principal = principal
        if self.public:
            return principal
        if principal is None:
            if self.page:
                raise LoginRequired()
            raise NotAuthenticated()
        if not self.admits(principal):
            wanted = ", ".join(sorted(self.roles | self.scopes)) or "admin"
            raise Forbidden(f"this needs one of: {wanted}")
        return principal


class NotAPerson(Forbidden):
    title = "This is for people, not API keys."


class PersonAccess(Access):
    """An access rule that also wants a person, not an API key: what is one's own (one's inbox, training, seats,
    notification preferences). The route gets a :class:`PersonPrincipal`, whose ``person_id`` is set."""

    def __call__(
        self, request: Request, session: SessionDep, settings: SettingsDep, authenticator: AuthenticatorDep
    ) -> PersonPrincipal:
        principal = super().__call__(request, session, settings, authenticator)
        if principal is None or principal.person_id is None:
            raise NotAPerson("this is one person's own; an API key has none")
        return PersonPrincipal.of(principal)


EVERYONE = (Role.employee, Role.team_lead, Role.reviewer, Role.program_lead)

# Who may call a route, as types a route's signature names. Admin passes every rule.
Admin = Annotated[Principal, Depends(Access(Role.admin))]
ProgramLead = Annotated[Principal, Depends(Access(Role.program_lead))]
Reviewer = Annotated[Principal, Depends(Access(Role.reviewer, Role.program_lead))]
TeamLead = Annotated[Principal, Depends(Access(Role.team_lead, Role.program_lead))]
# Adoption figures: program leads and reviewers see the workspace's, team leads their own teams' (the route
# narrows them with ``Principal.team_ids``).
MetricsReader = Annotated[Principal, Depends(Access(Role.team_lead, Role.reviewer, Role.program_lead))]
Employee = Annotated[Principal, Depends(Access(*EVERYONE))]
# CSV imports over HTTP: program leads, and admin-scoped keys (a nightly export pushed by a script).
Importer = Annotated[Principal, Depends(Access(Role.program_lead, Role.admin))]
Public = Annotated[Principal | None, Depends(Access(public=True))]
# What is one's own (inbox, training, seats): any role, but a person, never an API key.
Person = Annotated[PersonPrincipal, Depends(PersonAccess(*EVERYONE))]

AdminPage = Annotated[Principal, Depends(Access(Role.admin, page=True))]
ProgramLeadPage = Annotated[Principal, Depends(Access(Role.program_lead, page=True))]
ReviewerPage = Annotated[Principal, Depends(Access(Role.reviewer, Role.program_lead, page=True))]
TeamLeadPage = Annotated[Principal, Depends(Access(Role.team_lead, Role.program_lead, page=True))]
EmployeePage = Annotated[Principal, Depends(Access(*EVERYONE, page=True))]
PublicPage = Annotated[Principal | None, Depends(Access(public=True, page=True))]
PersonPage = Annotated[PersonPrincipal, Depends(PersonAccess(*EVERYONE, page=True))]

EventsWriter = Annotated[Principal, Depends(Access(scopes=(Scope.events_write,)))]
EntitlementsReader = Annotated[Principal, Depends(Access(*EVERYONE, scopes=(Scope.entitlements_read,)))]
FeedbackWriter = Annotated[Principal, Depends(Access(*EVERYONE, scopes=(Scope.feedback_write,)))]
# Prometheus scraping /metrics: a key with metrics:read (or an admin); the setting metrics_public opens it to all.
MetricsScraper = Annotated[Principal, Depends(Access(Role.admin, scopes=(Scope.metrics_read,)))]
ScimClient = Annotated[Principal, Depends(Access(scopes=(Scope.scim,)))]
