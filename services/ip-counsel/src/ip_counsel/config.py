from pathlib import Path

from pydantic import Field

from megp_common.settings import REPO_ROOT, ServiceSettings


class Settings(ServiceSettings):
    """Settings of the ip-counsel service (environment variables override every default)."""

    service_name: str = "ip-counsel"
    http_port: int = 8005
    content_keyring_file: Path = Field(
        default=REPO_ROOT / ".local" / "dev-ip-content-keyring.json",
        description="The service keys that wrap each disclosure's data key (adapters/sealing.py);"
        " created with one fresh key outside production when missing",
    )
    review_quorum: int = Field(
        default=1, ge=1, le=50, description="Reviewers' scores a review needs to conclude [¶57]"
    )
