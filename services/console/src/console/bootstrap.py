"""Composition root of the console: settings, the services' client, sessions, the pages in
each language, the shell and every screen found under console/screens."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.middleware.gzip import GZipMiddleware
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from console.adapters.api import ServiceApi
from console.adapters.oidc import oidc_client
from console.adapters.sessions import SessionCodec, session_secret
from console.adapters.tokens import verifier
from console.config import API_SERVICES, Settings
from console.domain.errors import ServiceRefused, ServiceUnreachable
from console.domain.problems import plain
from console.entrypoints.web.deps import locale_of
from console.entrypoints.web.oidc import router as oidc
from console.entrypoints.web.renewal import install_session_renewal
from console.entrypoints.web.shell import router as shell
from console.entrypoints.web.templating import HERE, Pages
from console.screens import discover
from console.service_layer.container import Services
from megp_common.logging import configure_logging
from megp_common.refusals import DomainRefusal, Unauthorized


def build_services(settings: Settings) -> Services:
    api = ServiceApi({s: settings.url_of(s) for s in API_SERVICES}, settings.service_timeout_s)
    return Services(
        settings=settings,
        api=api,
        sessions=SessionCodec(
            session_secret(settings.session_secret_file, create=not settings.production),
            settings.session_max_age_s,
        ),
        verifier=verifier(settings),
        oidc=oidc_client(settings, api),
    )


def _problem_page(request: Request, status: int, problem: dict[str, object]) -> Response:
    pages: Pages = request.app.state.pages
    body = pages.render(
        locale_of(request),
        "problem.html",
        {"request": request, "person": None, "menu": [], "problem": plain(problem, status)},
    )
    return HTMLResponse(body, status_code=status)


def _install_handlers(app: FastAPI) -> None:
    async def refused(request: Request, exc: Exception) -> Response:
        if isinstance(exc, Unauthorized) or (
            isinstance(exc, ServiceRefused) and exc.status_code == 401
        ):
            if request.headers.get("HX-Request"):
                return Response(status_code=401, headers={"HX-Redirect": "/sign-in"})
            return RedirectResponse("/sign-in", status_code=303)
        if isinstance(exc, ServiceRefused):
            return _problem_page(request, exc.status_code, exc.problem)
        assert isinstance(exc, DomainRefusal)
        status = 503 if isinstance(exc, ServiceUnreachable) else exc.status
        return _problem_page(request, status, exc.to_problem(request.url.path))

    app.add_exception_handler(DomainRefusal, refused)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    screens = discover()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        configure_logging(settings.service_name, settings.log_level, settings.log_json)
        app.state.services = build_services(settings)
        try:
            yield
        finally:
            await app.state.services.api.close()

    app = FastAPI(title="console", lifespan=lifespan, openapi_url=None, docs_url=None)
    app.state.screens = screens
    app.state.pages = Pages({s.name: s.templates for s in screens})
    _install_handlers(app)
    app.add_middleware(GZipMiddleware, minimum_size=1000)  # slow connections: every byte counts
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    install_session_renewal(app)
    app.include_router(shell)
    app.include_router(oidc)
    for screen in screens:
        app.include_router(screen.router)
    return app
