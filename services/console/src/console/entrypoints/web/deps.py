"""Who is asking (the session's person, their language) and how a page answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse

from console.adapters.api import Caller
from console.adapters.sessions import COOKIE, LANG_COOKIE
from console.domain.rights import Person
from console.entrypoints.web.renewal import renewed, verified_person
from console.entrypoints.web.templating import LOCALES, Pages
from console.service_layer.container import Services
from megp_common.refusals import Forbidden, Unauthorized


def services_of(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


def pages_of(request: Request) -> Pages:
    pages: Pages = request.app.state.pages
    return pages


def base_url(request: Request) -> str:
    """The console's address as the browser reaches it (`PUBLIC_URL`, else the request's)."""
    public = services_of(request).settings.public_url
    return (public or str(request.base_url)).rstrip("/")


def locale_of(request: Request) -> str:
    chosen = request.cookies.get(LANG_COOKIE)
    return chosen if chosen in LOCALES else LOCALES[0]


@dataclass
class Seat:
    """The signed-in person at this request: who, in which language, calling as themselves."""

    person: Person
    caller: Caller
    locale: str
    request: Request

    def page(self, name: str, status: int = 200, **context: Any) -> HTMLResponse:
        pages = pages_of(self.request)
        body = pages.render(
            self.locale,
            name,
            {"request": self.request, "person": self.person, "menu": menu(self), **context},
        )
        return HTMLResponse(body, status_code=status)

    def says(self, message: str) -> str:
        return pages_of(self.request).gettext(self.locale, message)


def menu(seat: Seat) -> list[tuple[str, str]]:
    return [
        (seat.says(item.label), item.path)
        for screen in seat.request.app.state.screens
        for item in screen.menu
        if item.shown(seat.person)
    ]


async def seat(request: Request) -> Seat:
    services = services_of(request)
    session = services.sessions.load(request.cookies.get(COOKIE))
    if session is None:
        raise Unauthorized("sign in first")
    session = await renewed(services, session, request)
    person = await verified_person(services, session.token)
    return Seat(person, services.api.as_person(session.token), locale_of(request), request)


CurrentSeat = Annotated[Seat, Depends(seat)]


def require(allowed: bool, what: str) -> None:
    """Refuse a console route the person's roles do not open (the service would refuse too)."""
    if not allowed:
        raise Forbidden(f"your roles do not allow {what}")
