"""Thin tornado handlers: parse HTTP, call a manager, write JSON."""

from .routes import routes

__all__ = ["routes"]
