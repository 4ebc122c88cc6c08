"""HTTP access to the six services with development tokens, retries and call counting."""

from __future__ import annotations

import ssl
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import cache
from typing import Any

import httpx

from megp_common.auth import AuthConfig, local_secret, mint_token
from megp_common.settings import ServiceSettings

#: (*roles, states=..., subject=..., **claims) -> {"Authorization": ...}
HeaderFactory = Callable[..., dict[str, str]]


class ApiError(RuntimeError):
    def __init__(self, method: str, url: str, status: int, body: str) -> None:
        super().__init__(f"{method} {url} -> {status}: {body[:500]}")
        self.status = status
        self.body = body


def local_tokens() -> HeaderFactory:
    """Tokens signed with the local development key, as `TokenMint` in conftest.py does."""
    settings = ServiceSettings()
    config = AuthConfig(
        issuer=settings.jwt_issuer,
        audience=settings.jwt_audience,
        secret=local_secret(settings.jwt_secret_file),
    )

    def header(
        *roles: str, states: tuple[str, ...] = ("*",), subject: str = "simulation", **claims: Any
    ) -> dict[str, str]:
        token = mint_token(config, subject, list(roles), list(states), **claims)
        return {"Authorization": f"Bearer {token}"}

    return header


@cache
def _tls_context() -> ssl.SSLContext:
    """One TLS context for every client the driver's threads make: httpx builds one per client
    otherwise (the system's CA store loaded each time; 14 % of the driver's CPU in a national
    setup's sample, by py-spy), though the local platform speaks plain HTTP."""
    return ssl.create_default_context()


@dataclass
class Api:
    urls: Mapping[str, str]
    header: HeaderFactory
    calls: int = 0
    clock_version: int | None = None
    foreign_clock_moves: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    #: minted headers and when, by roles and claims; re-minted after `token_reuse_s` (tokens
    #: live an hour, a national run lasts longer)
    _tokens: dict[tuple[Any, ...], tuple[float, dict[str, str]]] = field(default_factory=dict)
    token_reuse_s: float = 1200.0
    _local: threading.local = field(default_factory=threading.local)
    #: the made-up words of the run's disclosures: every answer of a service other than
    #: ip-counsel is scanned for them once they exist (`answers_scanned`, `leaks`)
    watched: list[str] = field(default_factory=list)
    answers_scanned: int = 0
    leaks: list[str] = field(default_factory=list)

    def watch(self, words: list[str]) -> None:
        with self._lock:
            self.watched.extend(words)

    def _scan(self, service: str, path: str, text: str) -> None:
        if service == "ip-counsel" or not self.watched:
            return
        found = [w for w in list(self.watched) if w in text]
        with self._lock:
            self.answers_scanned += 1
            self.leaks.extend(f"{service}{path}: {w}" for w in found)

    def _client(self, service: str) -> httpx.Client:
        clients: dict[str, httpx.Client] | None = getattr(self._local, "clients", None)
        if clients is None:
            clients = self._local.clients = {}
        if service not in clients:
            clients[service] = httpx.Client(
                base_url=f"{self.urls[service]}/v1", timeout=60, verify=_tls_context()
            )
        return clients[service]

    def token(self, roles: tuple[str, ...], **claims: Any) -> dict[str, str]:
        states = tuple(claims.pop("states", ("*",)))
        subject = claims.pop("subject", "simulation")
        cache_key = (roles, states, subject, tuple(sorted(claims.items())))
        now = time.monotonic()
        with self._lock:
            minted = self._tokens.get(cache_key)
            if minted is None or now - minted[0] > self.token_reuse_s:
                header = self.header(*roles, states=states, subject=subject, **claims)
                minted = self._tokens[cache_key] = (now, header)
            return dict(minted[1])

    def forget_tokens(self) -> None:
        with self._lock:
            self._tokens.clear()

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *roles: str,
        expect: tuple[int, ...] = (200, 201),
        key: str | None = None,
        json: Any = None,
        params: Mapping[str, Any] | None = None,
        claims: Mapping[str, Any] | None = None,
        timeout_s: float | None = None,
        raw: bool = False,
    ) -> Any:
        """One request; connection errors, 5xx and 409 conflicts (concurrent writes) are retried.
        `timeout_s` replaces the client's 60 s for requests that do a lot (a whole sheet); `raw`
        answers the body as text (an XML statement) instead of decoding JSON."""

        def fresh_headers() -> dict[str, str]:
            headers = self.token(roles or ("programme_supervisor",), **dict(claims or {}))
            return headers | ({"Idempotency-Key": key} if key else {})

        headers = fresh_headers()
        delay = 0.2
        for attempt in range(8):
            with self._lock:
                self.calls += 1
            try:
                client = self._client(service)
                r = client.request(
                    method,
                    path,
                    headers=headers,
                    json=json,
                    params=params,
                    timeout=timeout_s if timeout_s is not None else client.timeout,
                )
            except httpx.TransportError:
                if attempt == 7:
                    raise
                time.sleep(delay)
                delay = min(delay * 2, 3.0)
                continue
            if r.status_code in expect:
                self._scan(service, path, r.text)
                if raw:
                    return r.text
                return r.json() if r.content else None
            if r.status_code == 401 and "expired" in r.text and attempt < 7:
                self.forget_tokens()  # a token outlived its hour: mint new ones and retry
                headers = fresh_headers()
                continue
            retryable = r.status_code >= 500 or (r.status_code == 409 and "conflict" in r.text)
            if not retryable or attempt == 7:
                raise ApiError(method, f"{service}{path}", r.status_code, r.text)
            time.sleep(delay)
            delay = min(delay * 2, 3.0)
        raise AssertionError("unreachable")

    def try_call(self, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        """Like `call` but returns (status, body) for a refusal instead of raising."""
        try:
            return 200, self.call(*args, **kwargs)
        except ApiError as e:
            return e.status, e.body

    # -- the shared clock -------------------------------------------------------------------------

    def clock_versions(self) -> dict[str, int]:
        out = {}
        for service in self.urls:
            out[service] = int(self.call(service, "GET", "/admin/clock")["version"])
        return out

    def note_foreign_moves(self) -> None:
        """Counts settings of the shared clock this run did not make (another platform or test
        on the same store moved it: the run's figures are then not to be trusted)."""
        if self.clock_version is None:
            return
        first = next(iter(self.urls))
        now = int(self.call(first, "GET", "/admin/clock")["version"])
        if now != self.clock_version:
            self.foreign_clock_moves += now - self.clock_version
            self.clock_version = now

    def move_clock(self, instant: datetime, timeout_s: float = 60.0) -> int:
        """Set the shared clock (frozen) and wait until every service follows the new setting."""
        first = next(iter(self.urls))
        self.note_foreign_moves()
        setting = self.call(
            first,
            "PUT",
            "/admin/clock",
            "programme_supervisor",
            json={"instant": instant.astimezone(UTC).isoformat(), "frozen": True, "rewind": True},
        )
        version = int(setting["version"])
        deadline = time.monotonic() + timeout_s
        while True:
            versions = self.clock_versions()
            if all(v >= version for v in versions.values()):
                self.clock_version = version
                return version
            if time.monotonic() > deadline:
                raise TimeoutError(f"services did not follow clock version {version}: {versions}")
            time.sleep(0.1)
