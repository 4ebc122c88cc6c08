"""Every built service has the shape docs/architecture.md ("A service's shape") writes down, so
a new service has one example to follow and drift shows up here, not in review.

A service counts as built once its `domain/` holds a module; trade and ip-counsel, still
skeletons, are held to the outer folders only until then."""

from __future__ import annotations

import ast
import asyncio
import importlib
import inspect
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute

from megp_common.web import app_state

ROOT = Path(__file__).resolve().parents[2]
SERVICES = sorted(p for p in (ROOT / "services").iterdir() if (p / "src").is_dir())

ALWAYS = ["bootstrap.py", "config.py", "domain", "service_layer", "adapters", "entrypoints/api"]
BUILT = [
    "domain/errors.py",
    "service_layer/container.py",
    "service_layer/queries.py",
    "adapters/repositories.py",
    "entrypoints/api/routes.py",
    "entrypoints/api/routers",
    "entrypoints/api/schemas",
    "entrypoints/api/deps.py",
    "entrypoints/api/errors.py",
]


#: the web console serves pages over the services' APIs: no store, no events, no API of its own
WEB_APPS = {"console"}
WEB_SHAPE = [
    "bootstrap.py",
    "config.py",
    "domain/errors.py",
    "service_layer/container.py",
    "service_layer/queries.py",
    "adapters/api.py",
    "adapters/sessions.py",
    "entrypoints/web",
    "screens",
    "templates",
    "locale",
]
#: what a web app never imports: it holds no data beyond sessions and reads no database
STORE_MODULES = ("pymongo", "bson", "aiokafka", "megp_common.mongo", "megp_common.outbox")


def package(service: Path) -> Path:
    (pkg,) = [p for p in (service / "src").iterdir() if p.is_dir() and not p.name.startswith(".")]
    return pkg


def built(pkg: Path) -> bool:
    return any(p.name != "__init__.py" for p in (pkg / "domain").glob("*.py"))


def test_the_services_are_found() -> None:
    names = {s.name for s in SERVICES}
    assert {"enrollment", "funds", "credit", "trade", "ip-counsel", "webhooks", "donors"} <= names
    assert sum(built(package(s)) for s in SERVICES) >= 3


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_a_service_has_the_written_shape(service: Path) -> None:
    pkg = package(service)
    wanted = WEB_SHAPE if service.name in WEB_APPS else ALWAYS + (BUILT if built(pkg) else [])
    missing = [path for path in wanted if not (pkg / path).exists()]
    assert not missing, f"{service.name} lacks {missing} (docs/architecture.md, A service's shape)"


@pytest.mark.parametrize("app", sorted(WEB_APPS))
def test_a_web_app_reads_no_database_and_publishes_nothing(app: str) -> None:
    pkg = package(ROOT / "services" / app)
    offenders = []
    for module in pkg.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            offenders += [
                f"{module.relative_to(ROOT)}: {n}"
                for n in names
                if any(n == m or n.startswith(m + ".") for m in STORE_MODULES)
            ]
    assert not offenders, offenders


ROUTE_CALLS = {"get", "post", "put", "patch", "delete", "api_route", "APIRouter"}


def _route_paths(tree: ast.AST) -> list[str]:
    """The paths and prefixes routes are declared with (`@router.get("/x")`,
    `APIRouter(prefix="/x")`); a Location header built from "/v1/..." is not one."""
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "attr", getattr(node.func, "id", ""))
        if name not in ROUTE_CALLS:
            continue
        args = [*node.args[:1], *(k.value for k in node.keywords if k.arg in ("path", "prefix"))]
        found += [a.value for a in args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    return found


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_v1_is_added_in_routes_py_only(service: Path) -> None:
    pkg = package(service)
    api = pkg / "entrypoints" / "api"
    offenders = []
    for module in api.rglob("*.py"):
        if module.name == "routes.py" and module.parent == api:
            continue
        tree = ast.parse(module.read_text())
        for value in _route_paths(tree):
            if value == "/v1" or value.startswith("/v1/"):
                offenders.append(f"{module.relative_to(ROOT)}: {value!r}")
    assert not offenders, "only entrypoints/api/routes.py adds /v1: " + "; ".join(offenders)


@pytest.mark.parametrize(
    "service",
    [s for s in SERVICES if s.name in WEB_APPS or built(package(s))],
    ids=lambda p: p.name,
)
def test_the_container_is_called_services(service: Path) -> None:
    container = package(service) / "service_layer" / "container.py"
    classes = {
        n.name for n in ast.walk(ast.parse(container.read_text())) if isinstance(n, ast.ClassDef)
    }
    assert "Services" in classes


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_no_service_defines_its_own_exception_tree(service: Path) -> None:
    """Refusals are names in megp_common.refusals; a service may subclass one, never start a
    tree of its own from Exception. (A ValueError that guards an invariant, such as an
    unbalanced journal entry, is a programming error, not a refusal.)"""
    pkg = package(service)
    own = []
    for module in pkg.rglob("*.py"):
        for node in ast.walk(ast.parse(module.read_text())):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                if bases & {"Exception", "BaseException"}:
                    own.append(f"{module.relative_to(ROOT)}: {node.name}")
    assert not own, "a refusal derives from megp_common.refusals: " + "; ".join(own)


def _routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route of an app, the included routers' too (FastAPI includes them lazily)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            yield from _routes(included.routes)
        else:
            yield route


def _coroutine(call: object) -> bool:
    """Awaited by FastAPI rather than sent to the thread pool: a coroutine or async generator
    function, or an object whose `__call__` is a coroutine function (a security scheme)."""
    dunder = getattr(call, "__call__", None)  # noqa: B004
    return (
        inspect.isasyncgenfunction(call)
        or asyncio.iscoroutinefunction(call)
        or asyncio.iscoroutinefunction(dunder)
    )


def _sync_callables(dependant: Dependant) -> Iterator[str]:
    for dependency in dependant.dependencies:
        call = dependency.call
        if call is not None and not _coroutine(call):
            yield getattr(call, "__qualname__", repr(call))
        yield from _sync_callables(dependency)


def threadpool_calls(app: FastAPI) -> list[str]:
    """What FastAPI would run in its thread pool on a request: a plain-function endpoint or
    dependency (a thread hop per request and call, for code that never blocks here)."""
    found = []
    for route in _routes(app.routes):
        if not isinstance(route, APIRoute):
            continue
        if not asyncio.iscoroutinefunction(route.endpoint):
            found.append(f"{route.path}: endpoint {route.endpoint.__qualname__}")
        found += [f"{route.path}: {name}" for name in _sync_callables(route.dependant)]
    return sorted(set(found))


def _plain() -> int:
    return 1


def test_the_thread_pool_check_finds_a_plain_function() -> None:
    app = FastAPI()

    @app.get("/x")
    async def x(value: Annotated[int, Depends(_plain)]) -> int:
        return value

    @app.get("/y")
    def y() -> int:
        return 2

    @app.get("/z")
    async def z(value: Annotated[int, Depends(app_state("answer", int))]) -> int:
        return value

    assert threadpool_calls(app) == [
        "/x: _plain",
        "/y: endpoint test_the_thread_pool_check_finds_a_plain_function.<locals>.y",
    ]


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_no_route_runs_in_the_thread_pool(service: Path) -> None:
    """Every route's endpoint and dependencies are coroutines (megp_common.web.app_state for
    what the app holds), so no request pays a thread hop; the next route is held to it too."""
    bootstrap = importlib.import_module(f"{package(service).name}.bootstrap")
    app = bootstrap.create_app()
    assert sum(isinstance(r, APIRoute) for r in _routes(app.routes)) > 0
    offenders = threadpool_calls(app)
    assert not offenders, "a plain function would run in the thread pool: " + "; ".join(offenders)
