from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the enrollment service (environment variables override every default)."""

    service_name: str = "enrollment"
    http_port: int = 8001
