"""No credential in any log line the server writes.

Tornado logs a failed request as "Uncaught exception GET /x?token=... " with
the request's repr (its URI and query), tracebacks may quote URLs, and a log
line may quote headers. :class:`RedactCredentials` rewrites each record
before it is written: ``token=``/``password=`` values in URLs, the
``Authorization`` and ``Cookie`` header values, and anything shaped like a
Stella Script API token (``sst_...``) become ``[redacted]``. It is installed
on the handlers that write the server's log (the Jupyter application's and
the root logger's), so every logger that propagates to them is covered
(tornado's, Jupyter's, ours), tracebacks included.

One exception: a personal JupyterLab prints its own shared login URL
(``?token=<the server's token>``) at start-up for its owner to open; that
token is Jupyter's, already on the console by design, and stays readable.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable

REDACTED = "[redacted]"

# A value already masked ("[redacted]", Jupyter's "[secret]") is left alone.
_URL_SECRET = re.compile(r"(?i)(\b(?:token|password|_xsrf)=)([^&\s'\"#;,()\[\]{}]+)")
_HEADER_SECRET = re.compile(r"(?i)(\b(?:authorization|cookie)['\"]?\s*[:=]\s*['\"]?)([^'\"\r\n]+)")
_API_TOKEN = re.compile(r"\bsst_[A-Za-z0-9_\-]+")


class RedactCredentials(logging.Filter):
    def __init__(self, keep: str = "") -> None:
        super().__init__()
        self.keep = keep  # the server's own shared token, printed by Jupyter itself (empty: none)

    def redact(self, text: str) -> str:
        text = _API_TOKEN.sub(REDACTED, text)
        text = _HEADER_SECRET.sub(lambda m: m.group(1) + REDACTED, text)
        return _URL_SECRET.sub(lambda m: m.group(0) if self.keep and m.group(2) == self.keep else m.group(1) + REDACTED, text)

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = self.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set: format the traceback once, redacted.
            record.exc_text = self.redact(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(loggers: Iterable[logging.Logger], keep: str = "") -> RedactCredentials:
    """Put one filter on every handler of ``loggers``, of the root logger and
    on the last-resort handler (once each; installing again changes nothing)."""
    redaction = RedactCredentials(keep)
    handlers = {id(h): h for logger in [*loggers, logging.getLogger()] for h in logger.handlers}
    if logging.lastResort is not None:
        handlers[id(logging.lastResort)] = logging.lastResort
    for handler in handlers.values():
        for old in [f for f in handler.filters if isinstance(f, RedactCredentials)]:
            handler.removeFilter(old)
        handler.addFilter(redaction)
    return redaction
