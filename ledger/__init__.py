"""The domain and its persistence: money, customers, invoices, payments, allocations,
events (the audit trail), numbering and the store.

Imports nothing else of arclerk's: every other package may depend on it.
"""
