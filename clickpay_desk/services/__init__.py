"""Use cases: "create this invoice", "reconcile", "refresh statuses". Plain Python, no Qt.

The UI runs these through its task runner; they orchestrate core + gateway + store.
"""
