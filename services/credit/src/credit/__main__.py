from megp_common.app import serve

from credit.config import Settings


def main() -> None:
    serve("credit.bootstrap:create_app", Settings())


if __name__ == "__main__":
    main()
