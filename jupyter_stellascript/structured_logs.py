"""Stella Script's own log lines as JSON, one object per line, on stderr.

The package logs under ``jupyter_stellascript`` (the request log is
``jupyter_stellascript.requests``, one line per API request). Neither
jupyter_server nor ``stellascript serve`` gives that logger a handler of its
own, so without this its INFO lines reach only the root logger, at WARNING
by default: nothing. ``install`` gives it one handler writing JSON lines
(time, level, logger, and the message: a message that is itself a JSON
object, as a request line is, is merged in), at ``c.StellaScript.log_level``.
Credentials are masked by the redaction filter the app puts on every handler
(logging_redaction.py), this one included.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import datetime, timezone

PACKAGE_LOGGER = "jupyter_stellascript"
LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


class JsonLines(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        entry: dict = {"time": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
                       "level": record.levelname, "logger": record.name}
        fields = _json_object(message)
        if fields is None:
            entry["message"] = message
        else:
            entry.update(fields)
        if record.exc_info or record.exc_text:
            entry["exception"] = record.exc_text or self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def _json_object(text: str) -> dict | None:
    if not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


class _StructuredHandler(logging.StreamHandler):
    """Marks the handler this module installed (installing again replaces it)."""


def install(level: str = "INFO", stream=None) -> logging.Handler:
    logger = logging.getLogger(PACKAGE_LOGGER)
    for old in [h for h in logger.handlers if isinstance(h, _StructuredHandler)]:
        logger.removeHandler(old)
    handler = _StructuredHandler(stream or sys.stderr)
    handler.setFormatter(JsonLines())
    logger.addHandler(handler)
    logger.setLevel(level)
    logger.propagate = False  # one line per record, not one more through the root logger's handlers
    return handler
