"""Schemathesis against each running service: whatever a request looks like, the answer is never
a server error, its status is one the OpenAPI schema documents for the operation, and its content
type is one documented for that status.

Bounded so it fits in `make test`: a fixed number of examples per operation and generation mode,
a fixed seed, no shrinking (a failure is recorded with its reproducing curl command, not
minimised). Requests carry minted tokens (a national programme supervisor, an ODF staff member
of the seeded state) and, for path parameters whose name we know, ids of resources created
through the API first, so that a share of them reaches real participants, projects, groups
and funds instead of 404s.

    FUZZ_EXAMPLES=50 uv run --frozen pytest tests/e2e/test_fuzz_openapi.py   # a deeper run
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import httpx
import hypothesis
import hypothesis.errors
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase
from hypothesis import strategies as st
from schemathesis import APIOperation, Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import content_type_conformance, status_code_conformance

from megp_common.auth import Role
from megp_common.ids import new_id
from megp_common.launcher import Platform
from megp_common.settings import API_SERVICES as SERVICES
from megp_common.testing.enrollment_driver import Driver

pytestmark = pytest.mark.e2e

EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "15"))
SEED = 20260418
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance]
STATE = "20"
#: moving the shared clock would move it under every other test of the session
NOT_WITH_VALID_TOKENS = {("PUT", "/v1/admin/clock")}


@dataclass
class Finding:
    operation: str
    status: int | None
    problems: list[str]
    curl: str

    def __str__(self) -> str:
        return f"{self.operation} -> {self.status}: {'; '.join(self.problems)}\n    {self.curl}"


@dataclass
class Fuzzed:
    service: str
    requests: int = 0
    statuses: dict[int, int] = field(default_factory=dict)
    findings: dict[tuple[str, int | None, str], Finding] = field(default_factory=dict)
    seconds: float = 0.0

    def report(self) -> str:
        seen = ", ".join(f"{code}x{n}" for code, n in sorted(self.statuses.items()))
        lines = [f"{self.service}: {self.requests} requests in {self.seconds:.1f}s ({seen})"]
        lines += [str(finding) for finding in self.findings.values()]
        return "\n".join(lines)


@dataclass(frozen=True)
class Seeds:
    """Ids of real resources, by the path parameter names that carry them."""

    path_parameters: Mapping[str, str]


def seed(platform: Platform, tokens: Any) -> Seeds:
    """A participant, a project, an active group with its ODF (so a fund opens for it) and an
    agreed business plan, all created through the API. (The group's credit line would open only
    after three months of deposits: the credit routes see the group id, and 404s.)"""

    def header(*roles: str, **claims: Any) -> dict[str, str]:
        # every write gets its own Idempotency-Key (reads ignore it)
        return dict(tokens.header(*roles, **claims)) | {"Idempotency-Key": f"fuzz-{new_id()}"}

    drive = Driver(platform.processes["enrollment"].url, header, state=STATE)
    group, members = drive.active_group(members=5)
    project = drive.propose()
    start = Driver.first_of_next_month(drive.today())
    drive.agree_plan(group["id"], members[0], start, key=f"fuzz-plan-{new_id()}")
    supervisor = tokens.header(Role.PROGRAMME_SUPERVISOR, states=("*",))
    funds = platform.processes["funds"].url
    _eventually(lambda: httpx.get(f"{funds}/v1/funds/{group['id']}", headers=supervisor))
    return Seeds(
        {
            "participant_id": members[0],
            "project_id": project["id"],
            "group_id": group["id"],
            "fund_id": group["id"],
            "period_start": start.isoformat(),
            "bank": "Banorte",  # the trust bank Driver.register_odf names
        }
    )


def _eventually(read: Callable[[], httpx.Response], within_s: float = 30.0) -> None:
    deadline = time.monotonic() + within_s
    while (response := read()).status_code != 200:
        assert time.monotonic() < deadline, response.text
        time.sleep(0.3)


def strategies(
    operation: APIOperation, seeds: Seeds, callers: Mapping[str, Mapping[str, str]]
) -> list[tuple[str, st.SearchStrategy[Case]]]:
    """Per generation mode, the cases of `operation`: as each caller, with seeded path ids and
    with generated ones."""
    label = f"{operation.method.upper()} {operation.path}"
    names = {p.name for p in operation.path_parameters}
    known = {name: value for name, value in seeds.path_parameters.items() if name in names}
    if (operation.method.upper(), operation.path) in NOT_WITH_VALID_TOKENS:
        callers = {"odf_staff": callers["odf_staff"]}
    modes = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        options = []
        for headers in callers.values():
            options.append(operation.as_strategy(mode, headers=dict(headers)))
            if known:
                options.append(
                    operation.as_strategy(mode, headers=dict(headers), path_parameters=known)
                )
        modes.append((f"{label} [{mode.value}]", st.one_of(options)))
    return modes


def fuzz(
    service: str,
    base_url: str,
    seeds: Seeds,
    callers: Mapping[str, Mapping[str, str]],
    examples: int = EXAMPLES,
) -> Fuzzed:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    result = Fuzzed(service)
    session = requests.Session()
    started = time.monotonic()

    def send(case: Case) -> None:
        label = f"{case.method.upper()} {case.path}"
        try:
            response = case.call(base_url=base_url, session=session, timeout=30)
        except requests.RequestException as exc:
            key = (label, None, type(exc).__name__)
            result.findings.setdefault(
                key, Finding(label, None, [repr(exc)], case.as_curl_command(base_url=base_url))
            )
            return
        result.requests += 1
        result.statuses[response.status_code] = result.statuses.get(response.status_code, 0) + 1
        try:
            case.validate_response(response, checks=CHECKS)
        except FailureGroup as group:
            titles = sorted({failure.title for failure in group.exceptions})
            key = (label, response.status_code, "|".join(titles))
            result.findings.setdefault(
                key,
                Finding(
                    label,
                    response.status_code,
                    [*titles, response.text[:300]],
                    case.as_curl_command(headers=dict(response.request.headers)),
                ),
            )

    for operation in _operations(schema):
        for _label, strategy in strategies(operation, seeds, callers):
            _run(strategy, send, examples)
    result.seconds = time.monotonic() - started
    return result


def _operations(schema: Any) -> Iterator[APIOperation]:
    for loaded in schema.get_all_operations():
        yield loaded.ok()


def _run(strategy: st.SearchStrategy[Case], send: Callable[[Case], None], examples: int) -> None:
    @hypothesis.seed(SEED)
    @hypothesis.settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=False,
        phases=[Phase.generate],  # no shrinking: every failure is recorded as it came
        suppress_health_check=list(HealthCheck),
        print_blob=False,
    )
    @hypothesis.given(strategy)
    def run(case: Case) -> None:
        send(case)

    # Unsatisfiable: nothing of the operation can be made invalid (no parameters, no body)
    with contextlib.suppress(hypothesis.errors.Unsatisfiable):
        run()


@pytest.fixture(scope="module")
def seeds(platform: Platform, tokens: Any) -> Seeds:
    return seed(platform, tokens)


@pytest.fixture(scope="module")
def callers(tokens: Any) -> dict[str, dict[str, str]]:
    return {
        "programme_supervisor": tokens.header(
            Role.PROGRAMME_SUPERVISOR, states=("*",), subject="fuzz-supervisor"
        ),
        "odf_staff": tokens.header(Role.ODF_STAFF, states=(STATE,), subject="fuzz-staff"),
    }


@pytest.mark.parametrize("service", list(SERVICES))
def test_no_server_error_and_every_answer_documented(
    service: str, platform: Platform, seeds: Seeds, callers: dict[str, dict[str, str]]
) -> None:
    result = fuzz(service, platform.processes[service].url, seeds, callers)
    print(result.report())
    assert result.requests > 0
    assert not result.findings, result.report()


def test_a_64_kib_query_is_a_414_problem_from_the_app(platform: Platform) -> None:
    # over a raw socket: httpx refuses to send a URL this long, and httptools (uvicorn's default
    # parser) could not parse it; h11 reads it and the app answers
    port = platform.processes["enrollment"].port
    request = f"GET /healthz?q={'a' * 65536} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request.encode())
        answer = b""
        while chunk := conn.recv(65536):
            answer += chunk
    head, _, body = answer.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 414"), head
    assert "content-type: application/problem+json" in head.lower()
    assert '"max_query_bytes":8192' in body


@pytest.mark.parametrize("service", list(SERVICES))
def test_a_405_allows_exactly_the_methods_the_schema_documents_for_the_path(
    service: str, platform: Platform
) -> None:
    url = platform.processes[service].url
    paths: dict[str, dict[str, Any]] = httpx.get(f"{url}/openapi.json").json()["paths"]
    patterns = {t: re.compile(re.sub(r"\{[^}]+\}", "[^/]+", t) + "$") for t in paths}
    for template in paths:
        path = re.sub(r"\{[^}]+\}", "x", template)
        response = httpx.options(f"{url}{path}")
        assert response.status_code == 405, (template, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")
        # every documented path the concrete one matches: /v1/participants/registration-sheets
        # is also /v1/participants/{participant_id}
        documented = {
            method.upper()
            for other, item in paths.items()
            if patterns[other].match(path)
            for method in item
            if method != "parameters"
        }
        allowed = {m.strip() for m in response.headers["allow"].split(",")}
        assert allowed == documented, template
