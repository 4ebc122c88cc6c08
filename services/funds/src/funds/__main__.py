from megp_common.app import serve

from funds.config import Settings


def main() -> None:
    serve("funds.bootstrap:create_app", Settings())


if __name__ == "__main__":
    main()
