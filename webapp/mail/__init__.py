"""Outgoing email: what to send (messages), the durable outbox, and delivery."""
