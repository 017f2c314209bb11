"""Notifications (issue 17): on failure, recovery, success or start of a script's, a workflow's or a
schedule's runs, a webhook (json or Slack's format) or a handler run.

models.py (rules, the delivery record), tables.py, payloads.py (what is sent), delivery.py (one
webhook with retries; HttpSender is swappable), dispatch.py (which rules and events a run has, in
a thread pool of its own), manager.py (settings and the delivery log), handlers.py (REST).
"""

from .dispatch import Notifier
from .manager import NotificationSettingsStore

__all__ = ["NotificationSettingsStore", "Notifier"]
