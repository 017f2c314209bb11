"""System report: what a script sees inside its Stella Script sandbox.

Arguments (args.json): title (optional) — a heading for the report.
Prints a JSON report: user, limits, filesystem and network state. Useful as a
first smoke test of a new installation.
Exit codes: 0 (it reports; it judges nothing).
"""

# /// stellascript
# [parameters.title]
# type = "string"
# default = "Stella Script system report"
# description = "A heading for the report"
# ///

import json
import os
import resource
import socket
from pathlib import Path


def read_args() -> dict:
    path = Path("/scripts/args.json")
    return json.loads(path.read_text()) if path.exists() else {}


def writable(path: str) -> bool:
    try:
        probe = Path(path) / f".probe-{os.getpid()}"
        probe.write_text("x")
        probe.unlink()
        return True
    except OSError:
        return False


def network_interfaces() -> list[str]:
    return sorted(name for _, name in socket.if_nameindex())


def main() -> None:
    args = read_args()
    report = {
        "title": args.get("title", "Stella Script system report"),
        "uid": os.getuid(),
        "hostname": socket.gethostname(),
        "cpu_count": os.cpu_count(),
        "open_files_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "file_size_limit": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
        "writable": {path: writable(path) for path in ("/", "/scripts", "/work", "/tmp")},
        "network_interfaces": network_interfaces(),
    }
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
