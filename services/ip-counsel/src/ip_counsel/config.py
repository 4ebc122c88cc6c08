from megp_common.settings import ServiceSettings


class Settings(ServiceSettings):
    """Settings of the ip-counsel service (environment variables override every default)."""

    service_name: str = "ip-counsel"
    http_port: int = 8005
