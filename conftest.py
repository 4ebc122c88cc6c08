"""Test harness shared by every test in the repository: the real Kafka broker and store."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager

import pytest
from hypothesis import settings

from megp_common.auth import AuthConfig, Role, local_secret, mint_token
from megp_common.launcher import Platform
from megp_common.settings import ServiceSettings
from megp_common.testing.identity_provider import IdentityProvider, provide_identity_provider
from megp_common.testing.infra import Infra, isolate_worker, provide_infra

# Hypothesis's per-example deadline (200 ms) times the machine, not the code: with two workers
# on two cores, a unit property beside the other worker's platform ran 284 ms for an example and
# failed as "flaky". Every example is still run and checked; many modules already said
# `deadline=None` for themselves. The profile in force (hypothesis's own "ci" one on CI) is kept.
settings.register_profile("megp", parent=settings(), deadline=None)
settings.load_profile("megp")


def pytest_configure(config: pytest.Config) -> None:
    """`make test` runs the suite in parallel workers (pytest-xdist), each with its own servers."""
    worker = getattr(config, "workerinput", {}).get("workerid")
    if worker:
        isolate_worker(worker)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """A test that uses the real broker and store (the `infra` fixture, directly or through
    another fixture) is an integration test by what it uses, whether or not its module says so:
    `make test-unit` (`-m "not integration and not e2e"`) never starts a server."""
    for item in items:
        if "infra" in getattr(item, "fixturenames", ()) and not item.get_closest_marker("e2e"):
            item.add_marker(pytest.mark.integration)


@contextmanager
def _off_the_test_clock() -> Iterator[None]:
    """Start the session's servers outside the per-test timeout (pytest-timeout's SIGALRM,
    paused here and resumed with what was left): the start is not the first test that needs
    them, and has bounds of its own (deploy/local's port waits, `MEGP_READY_TIMEOUT_S` per
    service). On a loaded machine, with two workers starting theirs at once, the broker, store,
    identity provider and seven services took more than a test's 300 s."""
    left, _ = signal.setitimer(signal.ITIMER_REAL, 0)
    try:
        yield
    finally:
        if left:
            signal.setitimer(signal.ITIMER_REAL, left)


@pytest.fixture(scope="session")
def infra() -> Iterator[Infra]:
    with ExitStack() as stack:
        with _off_the_test_clock():
            servers = stack.enter_context(provide_infra())
        os.environ["KAFKA_BOOTSTRAP_SERVERS"] = servers.kafka
        os.environ["MONGO_URL"] = servers.mongo
        yield servers


@pytest.fixture(scope="session")
def identity_provider() -> Iterator[IdentityProvider]:
    """A real OpenID Connect provider (deploy/local/idp.sh), whose tokens the platform trusts."""
    with ExitStack() as stack:
        with _off_the_test_clock():
            provider = stack.enter_context(provide_identity_provider())
        yield provider


@pytest.fixture(scope="session")
def platform(infra: Infra, identity_provider: IdentityProvider) -> Iterator[Platform]:
    """The services and the console, each its own process, against the test infrastructure;
    they accept the identity provider's tokens and the development tokens the tests mint."""
    running = Platform(
        {
            "KAFKA_BOOTSTRAP_SERVERS": infra.kafka,
            "MONGO_URL": infra.mongo,
            "ENVIRONMENT": "test",
            "RELAY_SWEEP_INTERVAL_S": "1",
            "CLOCK_REWIND_ALLOWED": "true",
            **identity_provider.trusted_by_services(),
        }
    )
    try:
        with _off_the_test_clock():
            running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def tokens() -> TokenMint:
    return TokenMint()


class TokenMint:
    """Development tokens signed with the same local key the services verify with."""

    def __init__(self) -> None:
        settings = ServiceSettings()
        self.config = AuthConfig(
            issuer=settings.jwt_issuer,
            audience=settings.jwt_audience,
            secret=local_secret(settings.jwt_secret_file),
        )

    def header(
        self,
        *roles: Role,
        states: tuple[str, ...] = ("*",),
        subject: str = "tester",
        **claims: object,
    ) -> dict[str, str]:
        token = mint_token(self.config, subject, list(roles), list(states), **claims)
        return {"Authorization": f"Bearer {token}"}
