"""Log analyzer: fetch a service's log over HTTP and judge its error rate.

Reads a plain-text log from a URL (a log endpoint, an object store, a
`python3 -m http.server` next to the logs), finds each line's level
(`ERROR`, `level=error`, `[error]`, JSON `"level": "error"`...), counts the
lines per level with pandas, lists the most frequent error messages (numbers
and ids folded, so "timeout after 31 ms" and "timeout after 45 ms" count as
one), and fails when errors make up too large a share of the lines.
Run it with network "host" (or "bridge") to reach the log's server.

Arguments: the parameters below (in /scripts/args.json, checked first).
Output: ✓/✗ lines; $STELLASCRIPT_OUTPUT gets {url, lines, levels: {level:
count}, error_rate, max_error_rate, top_errors: [{message, count}], healthy}.
Exit codes: 0 healthy, 1 the error rate is above the maximum or the log has
too few lines, 2 the log could not be fetched.
"""
# /// script
# dependencies = ["requests==2.31.0", "pandas==2.1.0", "numpy<2"]
# ///

# /// stellascript
# [parameters.url]
# type = "string"
# required = true
# pattern = "https?://.+"
# description = "Where the log is (plain text, one entry a line)"
# [parameters.max_error_rate]
# type = "number"
# default = 0.05
# minimum = 0
# maximum = 1
# description = "Highest acceptable share of ERROR/FATAL lines"
# [parameters.min_lines]
# type = "integer"
# default = 1
# minimum = 0
# description = "Fewer lines than this fails (a silent service is not a healthy one)"
# [parameters.top]
# type = "integer"
# default = 5
# minimum = 0
# maximum = 50
# description = "How many of the most frequent error messages to report"
# [parameters.auth_token]
# type = "secret"
# description = "A secret holding a bearer token for the log's server (optional)"
# ///

import json
import os
import re
import sys

import pandas as pd
import requests

LEVELS = {"fatal": "FATAL", "critical": "FATAL", "crit": "FATAL", "error": "ERROR", "err": "ERROR",
          "warning": "WARN", "warn": "WARN", "info": "INFO", "notice": "INFO", "debug": "DEBUG", "trace": "DEBUG"}
# A level word standing on its own (ERROR, [error], level=error, "level": "error"), not inside ERRORS_TOTAL.
LEVEL = re.compile(r'(?:level"?\s*[=:]\s*"?|\[|(?<![\w=]))(' + "|".join(LEVELS) + r')(?:\]|"|(?![\w=]))', re.IGNORECASE)
# What varies between two occurrences of the same error.
VARYING = re.compile(r"\b(?:\d[\d.:-]*(?:[TZ]\d[\d:.]*Z?)?|0x[0-9a-f]+|[0-9a-f]{8,})\b", re.IGNORECASE)


def level_of(line: str) -> str:
    match = LEVEL.search(line)
    return LEVELS[match.group(1).lower()] if match else "OTHER"


def fold(line: str) -> str:
    """The message without its timestamp, numbers and ids."""
    return re.sub(r"\s+", " ", VARYING.sub("N", line)).strip()[:200]


def main() -> int:
    with open("/scripts/args.json") as handle:
        args = json.load(handle)
    url = args["url"]
    max_error_rate = float(args.get("max_error_rate", "0.05"))
    min_lines = int(args.get("min_lines", "1"))
    top = int(args.get("top", "5"))
    headers = {}
    if args.get("auth_token"):
        with open(f"/run/secrets/{args['auth_token']}") as secret:
            headers["Authorization"] = f"Bearer {secret.read().strip()}"

    try:
        response = requests.get(url, headers=headers, timeout=30)
        response.raise_for_status()
    except requests.RequestException as error:
        print(f"✗ cannot fetch the log at {url}: {error}")
        return 2

    lines = pd.Series([line for line in response.text.splitlines() if line.strip()], dtype="string")
    frame = pd.DataFrame({"line": lines, "level": lines.map(level_of)})
    levels = frame["level"].value_counts().to_dict()
    errors = frame[frame["level"].isin(["ERROR", "FATAL"])]
    error_rate = round(len(errors) / len(frame), 4) if len(frame) else 0.0
    top_errors = [{"message": message, "count": int(count)}
                  for message, count in errors["line"].map(fold).value_counts().head(top).items()]

    healthy = True
    mark = "✓" if len(frame) >= min_lines else "✗"
    healthy &= mark == "✓"
    print(f"{mark} {len(frame)} lines read (at least {min_lines} expected)")
    mark = "✓" if error_rate <= max_error_rate else "✗"
    healthy &= mark == "✓"
    print(f"{mark} error rate {error_rate:.2%} ({len(errors)} ERROR/FATAL lines), at most {max_error_rate:.2%} allowed")
    print("  levels: " + ", ".join(f"{level} {count}" for level, count in sorted(levels.items())))
    for item in top_errors:
        print(f"  {item['count']:>5} × {item['message']}")

    outputs = {"url": url, "lines": len(frame), "levels": {k: int(v) for k, v in levels.items()},
               "error_rate": error_rate, "max_error_rate": max_error_rate, "top_errors": top_errors,
               "healthy": bool(healthy)}
    if os.environ.get("STELLASCRIPT_OUTPUT"):
        with open(os.environ["STELLASCRIPT_OUTPUT"], "w") as handle:
            json.dump(outputs, handle)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
