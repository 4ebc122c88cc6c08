from pydantic import Field

from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the donors service (environment variables override every default)."""

    service_name: str = "donors"
    http_port: int = 8007
    scheduler_interval_s: float = Field(
        default=5.0, gt=0, description="How often the lapse of unpaid pledges is looked for"
    )
    donations_listed_max: int = Field(
        default=5_000, ge=1, le=100_000, description="The most donations one report reads"
    )
