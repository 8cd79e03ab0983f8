"""ClickPay Desk: a desktop back-office for ClickPay (PayTabs PT2) and Geidea merchants."""

__version__ = "0.1.0"
