"""The console's pages without the services: sign-in, languages, es-MX formats, what a role is
offered, and the catalogues in step with the sources (no service needed: these need no
server, only the app)."""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from console.adapters.tokens import person_of
from console.bootstrap import create_app
from console.config import Settings
from console.entrypoints.web.templating import LOCALE_DIR, build_environment

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts"


@pytest.fixture
def client(tmp_path: Path) -> Iterator[TestClient]:
    settings = Settings(
        session_secret_file=tmp_path / "session", service_urls={"enrollment": "http://127.0.0.1:9"}
    )
    with TestClient(create_app(settings)) as c:
        yield c


def sign_in(client: TestClient, role: str, **fields: str) -> None:
    answer = client.post(
        "/sign-in", data={"role": role, "state": "09", **fields}, follow_redirects=False
    )
    assert answer.status_code == 303, answer.text


def test_sign_in_is_in_spanish_first_and_english_on_request(client: TestClient) -> None:
    page = client.get("/sign-in").text
    assert '<html lang="es-MX">' in page and "Entrar" in page
    assert 'label for="role"' in page and 'id="role"' in page
    client.get("/language/en?next=/sign-in")
    english = client.get("/sign-in").text
    assert '<html lang="en">' in english and "Sign in" in english


def test_pages_need_a_session_and_a_signed_cookie(client: TestClient) -> None:
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"
    client.cookies.set("megp_console", "forged")
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_sign_in_missing_what_the_role_needs_says_so_next_to_the_field(
    client: TestClient,
) -> None:
    answer = client.post("/sign-in", data={"role": "board_representative", "state": "09"})
    assert answer.status_code == 422
    assert "necesita su identificador" in answer.text


def test_what_each_role_is_offered(client: TestClient) -> None:
    sign_in(client, "odf_staff")
    home = client.get("/").text
    assert "Llenar la hoja del periodo" in home and 'href="/approvals"' not in home
    sign_in(client, "board_representative", participant_id="rep-1")
    assert 'href="/approvals"' in client.get("/").text
    sign_in(client, "donor_portal", organization="Fundación")
    home = client.get("/").text
    assert 'href="/approvals"' not in home and 'href="/dashboard"' not in home
    assert client.get("/dashboard").status_code == 403
    for decision, form in (
        ("/approvals/loans/l-1/board-approval", {}),
        ("/approvals/funds/g-1/spending-requests/s-1/approval", {}),
        ("/approvals/groups/g-1/board/director-general", {"candidate_id": "c-1"}),
        ("/approvals/groups/g-1/board/special-members", {"candidate_id": "c-1"}),
        ("/approvals/groups/g-1/board/representatives", {"participant_id": "p-1"}),
        ("/approvals/groups/g-1/board/seats/s-1/removal", {"reason": "moved away"}),
        ("/trade/orders/o-1/lines/1/fulfilment", {"group": "g-1"}),
        ("/trade/orders/o-1/lines/1/shortening", {"group": "g-1", "reason": "no more wool"}),
        ("/counsel/disclosures/d-1/sessions", {"advice": "file it"}),
    ):
        refused = client.post(decision, data={"key": "k" * 12, **form})
        assert refused.status_code == 403, decision
    sign_in(client, "board_representative", participant_id="rep-1")
    unknown = client.post(
        "/approvals/groups/g-1/board/treasurer", data={"key": "k" * 12, "candidate_id": "c-1"}
    )
    assert unknown.status_code == 422  # no such seat: refused before any service is asked


def test_a_counsellor_signs_in_as_the_subject_the_programme_registered(
    client: TestClient,
) -> None:
    answer = client.post("/sign-in", data={"role": "ip_counsellor", "state": "20"})
    assert answer.status_code == 422
    assert "el sujeto con que el programa la registró" in answer.text
    sign_in(client, "ip_counsellor", subject="counsellor-lopez")
    home = client.get("/").text
    assert 'href="/counsel"' in home and 'href="/approvals"' not in home
    services = client.app.state.services  # type: ignore[attr-defined]
    token = services.sessions.load(client.cookies.get("megp_console")).token
    person = person_of(services.verifier, token)
    assert (person.subject, person.roles) == ("counsellor-lopez", frozenset({"ip_counsellor"}))
    for decision, form in (
        ("/trade/orders/o-1/lines/1/fulfilment", {"group": "g-1"}),
        ("/approvals/groups/g-1/board/seats/s-1/removal", {"reason": "moved away"}),
    ):
        assert client.post(decision, data={"key": "k" * 12, **form}).status_code == 403


def test_an_empty_registration_sheet_is_refused_before_anything_is_sent(
    client: TestClient,
) -> None:
    sign_in(client, "donor_portal", organization="Fundación")
    assert client.get("/registration-sheet").status_code == 403
    sign_in(client, "odf_staff")
    page = client.get("/registration-sheet?rows=3").text
    assert 'href="/registration-sheet"' in page and page.count('class="card" id="line-') == 3
    key = "k" * 12
    empty = client.post("/registration-sheet", data={"sheet_key": key, "function:1": "production"})
    assert empty.status_code == 422 and "Llene al menos una línea" in empty.text
    no_state = client.post("/registration-sheet", data={"sheet_key": key, "curp:1": "X"})
    assert no_state.status_code == 422 and "Elija un estado" in no_state.text
    assert 'value="X"' in no_state.text  # what was typed stays on the sheet


def test_the_sheets_service_worker_is_served_from_the_root_uncached(client: TestClient) -> None:
    worker = client.get("/sheet-worker.js")  # no session needed: it is a script, no data
    assert worker.status_code == 200
    assert worker.headers["content-type"].startswith("application/javascript")
    assert worker.headers["cache-control"] == "no-cache"
    assert "period-sheet" in worker.text and "/static/console.css" in worker.text


def test_signing_out_asks_the_browser_to_empty_what_it_keeps(client: TestClient) -> None:
    sign_in(client, "odf_staff")
    home = client.get("/").text
    assert 'id="sign-out"' in home and "/static/sign-out.js" in home
    assert "nunca se envió" in home  # the warning about a kept sheet, in Spanish
    out = client.post("/sign-out", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/sign-in"
    assert out.headers["clear-site-data"] == '"storage"'
    assert client.get("/", follow_redirects=False).headers["location"] == "/sign-in"


def test_a_service_that_cannot_be_reached_is_said_in_the_section(client: TestClient) -> None:
    sign_in(client, "odf_staff")
    page = client.get("/groups/g-1")
    assert page.status_code == 200
    assert "no responde" in page.text  # enrollment is at a port nobody listens on


def test_dates_money_and_numbers_follow_es_mx() -> None:
    env = build_environment("es_MX", {})
    f = env.filters
    assert f["money"]("1234.5") == "$1,234.50"
    assert f["number"](24000) == "24,000"
    assert f["day"]("2030-03-01") == "1 mar 2030"
    assert f["percent"]("0.525").replace("\xa0", " ") == "52.5 %"
    assert build_environment("en", {}).filters["day"]("2030-03-01") == "Mar 1, 2030"


def test_the_catalogues_are_complete_and_compiled_from_the_sources() -> None:
    spec = importlib.util.spec_from_file_location("console_i18n", SCRIPTS / "i18n.py")
    assert spec is not None and spec.loader is not None
    i18n = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(i18n)
    missing = [m for m in i18n.message_ids() if m not in i18n.ES_MX]
    assert not missing, f"untranslated in es_MX (add to scripts/es_mx.py): {missing}"
    for locale, (po, mo) in i18n.build().items():
        folder = LOCALE_DIR / locale / "LC_MESSAGES"
        assert (folder / "messages.po").read_bytes() == po, f"run scripts/i18n.py ({locale})"
        assert (folder / "messages.mo").read_bytes() == mo, f"run scripts/i18n.py ({locale})"


def test_a_screen_is_one_folder() -> None:
    app = create_app(Settings())
    names = [s.name for s in app.state.screens]
    assert names == [
        "approvals",
        "counsellor",
        "dashboard",
        "group",
        "ip_counsel",
        "registration",
        "sheets",
        "trade",
    ]
    for screen in app.state.screens:
        assert screen.templates.is_dir(), screen.name
