"""The Invoices tab and its parts."""

from .tab import InvoicesTab

__all__ = ["InvoicesTab"]
