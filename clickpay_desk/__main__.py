"""``python -m clickpay_desk`` and the ``clickpay-desk`` console script."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from clickpay_desk.sandbox_process import SANDBOX_SERVER_FLAG


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == [SANDBOX_SERVER_FLAG]:
        # The --sandbox gateway's own process (clickpay_desk.sandbox_process): the same
        # executable, frozen or not, so a packaged app needs no second program.
        from clickpay_desk.sandbox.server import main as sandbox_main

        return sandbox_main(args[1:])
    from clickpay_desk.app import main as app_main

    return app_main(args)


if __name__ == "__main__":
    raise SystemExit(main())
