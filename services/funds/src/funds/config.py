from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the funds service (environment variables override every default)."""

    service_name: str = "funds"
    http_port: int = 8002
