"""The delivery service of the core: outbox, inbox, email, webhooks, subscribers (see operations.py)."""
