"""What every action on a profile or an invoice needs before it starts, refused in words the
user can act on (before anything is journalled or sent)."""

from __future__ import annotations

from clickpay_desk.core.profile import Profile
from clickpay_desk.store.records import InvoiceRecord


def saved_profile_id(profile: Profile) -> int:
    """The journal and the local records name the merchant by the saved profile's id."""
    if profile.id is None:
        raise ValueError("save the profile before using it")
    return profile.id


def created_remote_id(record: InvoiceRecord) -> str:
    """The gateway's id of an invoice: every action after the create addresses it by that."""
    if record.remote_id is None:
        raise ValueError("this invoice was never created at the gateway")
    return record.remote_id
