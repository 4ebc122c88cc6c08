from megp_common.app import serve
from trade.config import Settings


def main() -> None:
    serve("trade.bootstrap:create_app", Settings())


if __name__ == "__main__":
    main()
