from megp_common.app import serve
from webhooks.config import Settings


def main() -> None:
    serve("webhooks.bootstrap:create_app", Settings())


if __name__ == "__main__":
    main()
