from __future__ import annotations

from pathlib import Path

import pytest

from megp_common.auth import AuthConfig, Role, TokenVerifier, local_secret
from megp_common.auth.cli import main


def _verify(token: str, secret_file: Path) -> TokenVerifier:
    verifier = TokenVerifier(AuthConfig(secret=local_secret(secret_file)))
    verifier.verify(token)
    return verifier


def test_cli_prints_a_verifiable_token(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    secret_file = tmp_path / "secret"
    argv = [
        "--sub", "alice",
        "--role", "programme_supervisor", "--role", "odf_staff",
        "--state", "09", "--state", "15",
        "--participant-id", "p-1", "--group-id", "g-1",
        "--ttl", "60", "--secret-file", str(secret_file),
    ]  # fmt: skip
    assert main(argv) == 0
    token = capsys.readouterr().out.strip()
    principal = _verify(token, secret_file).verify(token)
    assert principal.subject == "alice"
    assert principal.roles == {Role.PROGRAMME_SUPERVISOR, Role.ODF_STAFF}
    assert principal.states == {"09", "15"}
    assert principal.participant_id == "p-1"
    assert principal.group_ids == {"g-1"}


def test_cli_uses_env_secret_file_and_national_scope(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secret_file = tmp_path / "env-secret"
    monkeypatch.setenv("MEGP_JWT_SECRET_FILE", str(secret_file))
    assert main(["--sub", "svc", "--role", "service", "--state", "*"]) == 0
    token = capsys.readouterr().out.strip()
    assert _verify(token, secret_file).verify(token).is_national


def test_cli_defaults_to_local_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("MEGP_JWT_SECRET_FILE", raising=False)
    monkeypatch.chdir(tmp_path)
    assert main(["--sub", "bob", "--role", "participant", "--state", "01"]) == 0
    token = capsys.readouterr().out.strip()
    _verify(token, tmp_path / ".local" / "dev-jwt-secret")


@pytest.mark.parametrize(
    "argv",
    [
        ["--sub", "a", "--role", "wizard", "--state", "09"],
        ["--sub", "a", "--role", "service", "--state", "99"],
        ["--sub", "a", "--role", "service"],
        ["--sub", "a", "--role", "service", "--state", "09", "--ttl", "0"],
    ],
)
def test_cli_rejects_bad_arguments(
    argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        main([*argv, "--secret-file", str(tmp_path / "s")])
    assert caught.value.code == 2
    assert capsys.readouterr().out == ""
