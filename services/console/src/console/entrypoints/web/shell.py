"""The shell: sign-in and sign-out, the language, the home page, health and readiness."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response

from console.adapters.sessions import COOKIE, ID_TOKEN_COOKIE, ID_TOKEN_PATH, LANG_COOKIE, Session
from console.adapters.tokens import mint_development_token
from console.domain.problems import N_
from console.domain.rights import Person
from console.entrypoints.web.deps import CurrentSeat, base_url, locale_of, pages_of, services_of
from console.entrypoints.web.renewal import set_session_cookie
from console.entrypoints.web.templating import LOCALES
from megp_common.auth import Role
from megp_common.refusals import Forbidden

router = APIRouter()

#: the roles a development sign-in offers, in the order people look for them
SIGN_IN_ROLES = (
    Role.ODF_STAFF,
    Role.BOARD_REPRESENTATIVE,
    Role.PROGRAMME_SUPERVISOR,
    Role.COMMITTEE_MEMBER,
    Role.DONOR_PORTAL,
    Role.PARTNER_BANK,
    Role.PARTICIPANT,
    Role.IP_COUNSELLOR,
)
STATES = ["*", *(f"{n:02d}" for n in range(1, 33))]


def sign_in_page(request: Request, status: int = 200, **context: object) -> HTMLResponse:
    services = services_of(request)
    body = pages_of(request).render(
        locale_of(request),
        "sign_in.html",
        {
            "request": request,
            "person": None,
            "menu": [],
            "roles": [r.value for r in SIGN_IN_ROLES],
            "states": STATES,
            "development": services.settings.offers_development_sign_in,
            "oidc": services.oidc is not None,
            **context,
        },
    )
    return HTMLResponse(body, status_code=status)


@router.get("/sign-in", response_class=HTMLResponse)
async def sign_in_form(request: Request) -> HTMLResponse:
    return sign_in_page(request)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    role: Annotated[str, Form()],
    state: Annotated[str, Form()],
    participant_id: Annotated[str, Form()] = "",
    group_ids: Annotated[str, Form()] = "",
    organization: Annotated[str, Form()] = "",
    subject: Annotated[str, Form(max_length=200)] = "",
) -> Response:
    services = services_of(request)
    if not services.settings.offers_development_sign_in:
        raise Forbidden("development sign-in is off; sign in through the identity provider")
    problems: dict[str, str] = {}
    if role not in {r.value for r in SIGN_IN_ROLES}:
        problems["role"] = N_("Choose one of the roles.")
    if state not in STATES:
        problems["state"] = N_("Choose a state.")
    if role in ("participant", "board_representative") and not participant_id.strip():
        problems["participant_id"] = N_("A participant or board representative needs their id.")
    if role in ("partner_bank", "donor_portal") and not organization.strip():
        problems["organization"] = N_("A bank or donor needs its organization.")
    if role == "ip_counsellor" and not subject.strip():
        problems["subject"] = N_("A counsellor signs in as the subject the programme registered.")
    if problems:
        return sign_in_page(request, 422, problems=problems)
    token = mint_development_token(
        services.settings,
        role,
        state,
        participant_id=participant_id.strip() or None,
        group_ids=[g.strip() for g in group_ids.split(",") if g.strip()],
        organization=organization.strip() or None,
        subject=subject.strip() or None,
    )
    answer = RedirectResponse("/", status_code=303)
    set_session_cookie(answer, services, Session(token))
    return answer


@router.post("/sign-out")
async def sign_out(request: Request) -> Response:
    """Ends the session. The browser is also asked to empty what it keeps for the console
    (localStorage's kept sheets, the sheet worker's cache of pages with members' names, the
    worker): `sign-out.js` does it first, after asking about a sheet never sent; the header
    covers a browser that did not run it. Signed in through the identity provider, the browser
    then ends the provider's session too (its end-session endpoint, which sends it back to the
    sign-in page), so the next person on a shared phone is asked who they are."""
    services = services_of(request)
    target = "/sign-in"
    if services.oidc is not None:
        hint = services.sessions.unseal(request.cookies.get(ID_TOKEN_COOKIE))
        target = await services.oidc.end_session_url(f"{base_url(request)}/sign-in", hint) or target
    request.state.signed_out = True
    answer = RedirectResponse(target, status_code=303)
    answer.delete_cookie(COOKIE)
    answer.delete_cookie(ID_TOKEN_COOKIE, path=ID_TOKEN_PATH)
    answer.headers["Clear-Site-Data"] = '"storage"'
    return answer


@router.get("/language/{code}")
async def language(code: str, request: Request, next: str = "/") -> Response:
    target = next if next.startswith("/") and not next.startswith("//") else "/"
    answer = RedirectResponse(target, status_code=303)
    if code in LOCALES:
        answer.set_cookie(LANG_COOKIE, code, max_age=365 * 86400, samesite="lax")
    return answer


def tasks(person: Person) -> list[str]:
    """What the home page offers first, by role."""
    return [
        name
        for name, shown in (
            ("sheets", person.enters_sheets),
            ("approvals", person.decides_for_boards),
            ("dashboard", person.supervises),
            ("groups", person.reads_groups),
        )
        if shown
    ]


@router.get("/", response_class=HTMLResponse)
async def home(seat: CurrentSeat) -> HTMLResponse:
    return seat.page("home.html", tasks=tasks(seat.person))


@router.get("/healthz", include_in_schema=False)
async def healthz() -> JSONResponse:
    return JSONResponse({"status": "ok"})


@router.get("/readyz", include_in_schema=False)
async def readyz() -> JSONResponse:
    # the console keeps nothing of its own to wait for; a service it cannot reach is shown on
    # the page that needs it (Section), not as the console being down
    return JSONResponse({"status": "ready", "checks": {"console": True}})
