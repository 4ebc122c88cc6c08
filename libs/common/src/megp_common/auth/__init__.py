"""Bearer-JWT authentication; FastAPI dependencies live in ``megp_common.auth.fastapi``."""

from megp_common.auth.principal import ALL_STATES, Principal, Role, check_state, state_filter
from megp_common.auth.tokens import AuthConfig, TokenVerifier, local_secret, mint_token

__all__ = [
    "ALL_STATES",
    "AuthConfig",
    "Principal",
    "Role",
    "TokenVerifier",
    "check_state",
    "local_secret",
    "mint_token",
    "state_filter",
]
