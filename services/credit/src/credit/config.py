from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the credit service (environment variables override every default)."""

    service_name: str = "credit"
    http_port: int = 8003
