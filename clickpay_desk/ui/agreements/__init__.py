"""The Agreements tab and its parts."""

from .tab import AgreementsTab

__all__ = ["AgreementsTab"]
