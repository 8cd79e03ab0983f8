"""``python -m clickpay_desk`` and the ``clickpay-desk`` console script."""

from __future__ import annotations

from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    from clickpay_desk.app import main as app_main

    return app_main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
