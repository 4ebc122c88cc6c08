"""``megp-token``: print a development bearer token signed with the local secret."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from megp_common.auth.principal import ALL_STATES, Role, is_state_code
from megp_common.auth.tokens import AuthConfig, local_secret, mint_token

SECRET_FILE_ENV = "MEGP_JWT_SECRET_FILE"
DEFAULT_SECRET_FILE = Path(".local") / "dev-jwt-secret"


def _state(value: str) -> str:
    if value != ALL_STATES and not is_state_code(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not an INEGI state code 01-32 or '*'")
    return value


def _parser() -> argparse.ArgumentParser:
    defaults = AuthConfig()
    parser = argparse.ArgumentParser(
        prog="megp-token", description="Mint a development JWT for the MEGP services."
    )
    parser.add_argument("--sub", required=True, help="subject (user or service id)")
    parser.add_argument(
        "--role",
        action="append",
        required=True,
        choices=[role.value for role in Role],
        help="a role to grant; repeat for several",
    )
    parser.add_argument(
        "--state",
        action="append",
        required=True,
        type=_state,
        help="INEGI state code the subject may act in; repeat, or '*' for national scope",
    )
    parser.add_argument("--participant-id")
    parser.add_argument("--group-id", action="append", default=[], help="repeatable")
    parser.add_argument("--organization", help="bank or donor association name")
    parser.add_argument("--ttl", type=int, default=3600, help="lifetime in seconds")
    parser.add_argument("--issuer", default=defaults.issuer)
    parser.add_argument("--audience", default=defaults.audience)
    parser.add_argument(
        "--secret-file",
        type=Path,
        default=None,
        help=f"signing secret (default: ${SECRET_FILE_ENV} or ./{DEFAULT_SECRET_FILE})",
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.ttl <= 0:
        parser.error("--ttl must be positive")
    secret_file: Path = args.secret_file or Path(
        os.environ.get(SECRET_FILE_ENV) or Path.cwd() / DEFAULT_SECRET_FILE
    )
    secret = local_secret(secret_file)
    config = AuthConfig(issuer=args.issuer, audience=args.audience, secret=secret)
    extra: dict[str, object] = {}
    if args.participant_id:
        extra["participant_id"] = args.participant_id
    if args.group_id:
        extra["group_ids"] = sorted(set(args.group_id))
    if args.organization:
        extra["organization"] = args.organization
    token = mint_token(config, args.sub, args.role, args.state, ttl_seconds=args.ttl, **extra)
    sys.stdout.write(token + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
