from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the trade service (environment variables override every default)."""

    service_name: str = "trade"
    http_port: int = 8004
