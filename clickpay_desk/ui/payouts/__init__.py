"""The Payouts tab and its parts."""

from .tab import PayoutsTab

__all__ = ["PayoutsTab"]
