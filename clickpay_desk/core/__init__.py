"""The domain: money, invoices, agreements, payouts. Pure Python: no I/O, no Qt."""
