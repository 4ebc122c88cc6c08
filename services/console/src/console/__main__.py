from console.config import Settings
from megp_common.app import serve


def main() -> None:
    serve("console.bootstrap:create_app", Settings())


if __name__ == "__main__":
    main()
