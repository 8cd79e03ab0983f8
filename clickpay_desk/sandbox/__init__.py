"""Local simulators of the ClickPay (PT2) and Geidea gateways.

* :func:`create_app` — the WSGI app, for ``httpx.WSGITransport`` (tests, the desk's demo mode)
* :func:`start_in_thread` — the same app behind a real threaded HTTP server on loopback
* :class:`SandboxConfig` — credentials and behaviour (defaults: the demo merchant in ``demo.py``)
* :func:`seed_demo_data` — a few invoices, an agreement and payout batches for the demo mode

Controls for tests live under ``/_sandbox/`` (see :mod:`.controls`), faults in :mod:`.faults`.
"""

from .app import SandboxApp, create_app
from .config import SandboxConfig
from .seed import seed_demo_data
from .server import SandboxServer, start_in_thread
from .web import ConnectionDropped

__all__ = [
    "ConnectionDropped",
    "SandboxApp",
    "SandboxConfig",
    "SandboxServer",
    "create_app",
    "seed_demo_data",
    "start_in_thread",
]
