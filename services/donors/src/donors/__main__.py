from donors.config import Settings
from megp_common.app import serve


def main() -> None:
    serve("donors.bootstrap:create_app", Settings())


if __name__ == "__main__":
    main()
