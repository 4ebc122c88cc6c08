from ip_counsel.config import Settings
from megp_common.app import serve


def main() -> None:
    serve("ip_counsel.bootstrap:create_app", Settings())


if __name__ == "__main__":
    main()
