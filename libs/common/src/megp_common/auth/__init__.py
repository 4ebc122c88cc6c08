"""Bearer-JWT authentication; FastAPI dependencies live in ``megp_common.auth.fastapi``, a
partner bank's scope in ``megp_common.auth.banks``, a donor portal's in
``megp_common.auth.donors``."""

from megp_common.auth.banks import BankAccess, bank_filter, check_bank, open_to_banks
from megp_common.auth.donors import DonorAccess, open_to_donors
from megp_common.auth.principal import ALL_STATES, Principal, Role, check_state, state_filter
from megp_common.auth.tokens import AuthConfig, TokenVerifier, local_secret, mint_token

__all__ = [
    "ALL_STATES",
    "AuthConfig",
    "BankAccess",
    "DonorAccess",
    "Principal",
    "Role",
    "TokenVerifier",
    "bank_filter",
    "check_bank",
    "check_state",
    "local_secret",
    "mint_token",
    "open_to_banks",
    "open_to_donors",
    "state_filter",
]
