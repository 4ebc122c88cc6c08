from credit.config import Settings
from megp_common.app import serve


def main() -> None:
    serve("credit.bootstrap:create_app", Settings())


if __name__ == "__main__":
    main()
