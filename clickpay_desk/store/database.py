"""The local SQLite database: profiles, settings, drafts, the submission journal and the
invoices, agreements and payout batches the app has created or fetched.

One ``Store`` for the rest of the app, built from one module per aggregate (``profiles``,
``drafts``, ``journal``, ``invoices``, ``agreements``, ``batches``) over ``base``, which holds the
connections, transactions and migrations. SQL stays inside ``store/``. See ``base`` for threading,
durability and secrets.
"""

from __future__ import annotations

from .agreements import AgreementsStore
from .base import JournalStateError, NotFound, StoreClosed, StoreError
from .batches import BatchesStore
from .catalog import CatalogStore
from .drafts import DraftsStore
from .invoices import InvoicesStore
from .journal import JournalStore
from .profiles import ProfilesStore

__all__ = ["JournalStateError", "NotFound", "Store", "StoreClosed", "StoreError"]


class Store(
    ProfilesStore,
    DraftsStore,
    JournalStore,
    InvoicesStore,
    AgreementsStore,
    BatchesStore,
    CatalogStore,
):
    """The local database. Create with ``Store.open(path)``; methods may be called from any
    thread; every write method is one transaction, committed before it returns."""
