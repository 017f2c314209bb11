"""HTTP health check: GET (or HEAD) a URL and judge the answer.

Use it as a post-deploy gate or a periodic probe: it fails when the endpoint
is unreachable, answers with an unexpected status, lacks an expected piece of
text, or is slower than allowed. Run it with network "host" (or "bridge") to
reach anything outside the sandbox.

Arguments (args.json, all strings):
  url              required  http:// or https:// URL to check
  expected_status  "200"     accepted statuses, comma-separated; "2xx"-style
                             classes allowed, e.g. "200,204" or "2xx,301"
  expect_body      ""        text the response body must contain (none: not checked)
  max_latency_ms   ""        slowest acceptable response, in ms (none: not checked)
  timeout_s        "10"      give up after this many seconds
  method           "GET"     GET or HEAD
  insecure         "false"   "true" skips TLS certificate verification
Redirects are followed; the status judged is the final one.

Output (stdout, JSON):
  {"url": ..., "healthy": true|false, "status": 200|null, "latency_ms": 12.3|null,
   "body_bytes": 42, "checks": [{"name": "status", "ok": true, "detail": "..."}, ...],
   "error": null|"connection refused ..."}

Exit codes: 0 healthy, 1 a check failed (or the URL could not be reached),
2 bad arguments (message on stderr, nothing on stdout).
"""

import json
import re
import ssl
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ARGS_FILE = Path("/scripts/args.json")
KNOWN_ARGUMENTS = {"url", "expected_status", "expect_body", "max_latency_ms", "timeout_s", "method", "insecure"}
MAX_BODY_BYTES = 10 * 1024 * 1024


class BadArguments(Exception):
    pass


def read_args() -> dict:
    if not ARGS_FILE.exists():
        return {}
    try:
        args = json.loads(ARGS_FILE.read_text(encoding="utf-8"))
    except ValueError as error:
        raise BadArguments(f"{ARGS_FILE} is not valid JSON: {error}") from None
    if not isinstance(args, dict):
        raise BadArguments(f"{ARGS_FILE} must hold a JSON object")
    return args


def number(args: dict, name: str, default: float | None, minimum: float = 0) -> float | None:
    text = str(args.get(name, "")).strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        raise BadArguments(f"{name} must be a number, got {text!r}") from None
    if value != value or value < minimum or value == float("inf"):
        raise BadArguments(f"{name} must be a finite number >= {minimum:g}, got {text!r}")
    return value


def status_matcher(text: str):
    """A predicate over status codes from "200,204" or "2xx,301"."""
    exact, classes = set(), set()
    for part in (piece.strip().lower() for piece in text.split(",")):
        if re.fullmatch(r"[1-5]\d\d", part):
            exact.add(int(part))
        elif re.fullmatch(r"[1-5]xx", part):
            classes.add(int(part[0]))
        else:
            raise BadArguments(f"expected_status must list codes like 200 or classes like 2xx, got {text!r}")
    return lambda status: status in exact or status // 100 in classes


def parse_args(args: dict) -> dict:
    unknown = sorted(set(args) - KNOWN_ARGUMENTS)
    if unknown:
        raise BadArguments(f"unknown argument(s): {', '.join(unknown)}; known: {', '.join(sorted(KNOWN_ARGUMENTS))}")
    url = str(args.get("url", "")).strip()
    if not url:
        raise BadArguments("url is required, e.g. http://127.0.0.1:8080/health")
    if not re.match(r"^https?://[^/\s]+", url, re.I):
        raise BadArguments(f"url must be an http:// or https:// URL, got {url!r}")
    method = str(args.get("method", "GET")).strip().upper() or "GET"
    if method not in ("GET", "HEAD"):
        raise BadArguments(f"method must be GET or HEAD, got {method!r}")
    insecure = str(args.get("insecure", "false")).strip().lower()
    if insecure not in ("true", "false", ""):
        raise BadArguments(f"insecure must be true or false, got {insecure!r}")
    expected = str(args.get("expected_status", "200")).strip() or "200"
    return {
        "url": url,
        "method": method,
        "expected_status": expected,
        "accepts": status_matcher(expected),
        "expect_body": str(args.get("expect_body", "")),
        "max_latency_ms": number(args, "max_latency_ms", None),
        "timeout_s": number(args, "timeout_s", 10.0, minimum=0.001),
        "insecure": insecure == "true",
    }


def fetch(config: dict) -> tuple[int | None, bytes, float, str | None]:
    """Status, body, latency in ms and an error description (None on success)."""
    request = urllib.request.Request(config["url"], method=config["method"],
                                     headers={"User-Agent": "stellascript-http-health-check/1"})
    context = ssl.create_default_context()
    if config["insecure"]:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=config["timeout_s"], context=context) as response:
            body = response.read(MAX_BODY_BYTES)
            status, error = response.status, None
    except urllib.error.HTTPError as response:  # a non-2xx answer is still an answer
        try:
            body = response.read(MAX_BODY_BYTES) if response.fp else b""
        except OSError:
            body = b""
        status, error = response.code, None
    except urllib.error.URLError as failure:
        reason = failure.reason
        status, body, error = None, b"", f"could not reach {config['url']}: {reason}"
    except (TimeoutError, OSError) as failure:
        status, body, error = None, b"", f"could not reach {config['url']}: {failure or type(failure).__name__}"
    latency_ms = round((time.perf_counter() - started) * 1000, 1)
    return status, body, latency_ms, error


def check(config: dict) -> dict:
    status, body, latency_ms, error = fetch(config)
    checks = []
    if error is None:
        checks.append({"name": "status", "ok": config["accepts"](status),
                       "detail": f"got {status}, expected {config['expected_status']}"})
        if config["expect_body"]:
            found = config["expect_body"] in body.decode("utf-8", errors="replace")
            checks.append({"name": "body", "ok": found,
                           "detail": f"{'found' if found else 'did not find'} {config['expect_body']!r} in the body"})
        if config["max_latency_ms"] is not None:
            checks.append({"name": "latency", "ok": latency_ms <= config["max_latency_ms"],
                           "detail": f"{latency_ms:g} ms, at most {config['max_latency_ms']:g} ms allowed"})
    return {
        "url": config["url"],
        "healthy": error is None and all(item["ok"] for item in checks),
        "status": status,
        "latency_ms": latency_ms if error is None else None,
        "body_bytes": len(body),
        "checks": checks,
        "error": error,
    }


def main() -> int:
    try:
        config = parse_args(read_args())
    except BadArguments as error:
        print(f"http_health_check: bad arguments: {error}", file=sys.stderr)
        return 2
    result = check(config)
    print(json.dumps(result, indent=2))
    return 0 if result["healthy"] else 1


if __name__ == "__main__":
    sys.exit(main())
