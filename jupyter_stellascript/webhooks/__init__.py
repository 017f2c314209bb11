"""Webhook triggers (issue 17): models.py, tables.py, manager.py (secrets, calls), handlers.py (REST)."""

from .manager import Webhooks

__all__ = ["Webhooks"]
