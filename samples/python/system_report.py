"""System report: what a script sees inside its Stella Script sandbox — and
whether the sandbox holds its promises.

A first smoke test of a new installation (or a new runtime image): reports
the user, limits, writable paths and network interfaces, and checks that the
root and /scripts are read-only, /work and /tmp writable, and (with
expect_network = "none") that the run has no network but loopback.

Arguments: the parameters below (in /scripts/args.json, checked first).
Output: ✓/✗ lines; $STELLASCRIPT_OUTPUT gets {title, uid, hostname,
cpu_count, open_files_limit, file_size_limit, writable, network_interfaces,
healthy}.
Exit codes: 0 the sandbox is as promised, 1 it is not.
"""

# /// stellascript
# [parameters.title]
# type = "string"
# default = "Stella Script system report"
# description = "A heading for the report"
# [parameters.expect_network]
# type = "enum"
# values = ["any", "none"]
# default = "any"
# description = "none: fail unless loopback is the only network interface (a run with network none)"
# ///

import json
import os
import resource
import socket
from pathlib import Path


def writable(path: str) -> bool:
    try:
        probe = Path(path) / f".probe-{os.getpid()}"
        probe.write_text("x")
        probe.unlink()
        return True
    except OSError:
        return False


def main() -> int:
    with open("/scripts/args.json") as handle:
        args = json.load(handle)
    report = {
        "title": args.get("title", "Stella Script system report"),
        "uid": os.getuid(),
        "hostname": socket.gethostname(),
        "cpu_count": os.cpu_count(),
        "open_files_limit": resource.getrlimit(resource.RLIMIT_NOFILE)[0],
        "file_size_limit": resource.getrlimit(resource.RLIMIT_FSIZE)[0],
        "writable": {path: writable(path) for path in ("/", "/scripts", "/work", "/tmp")},
        "network_interfaces": sorted(name for _, name in socket.if_nameindex()),
    }
    print(json.dumps(report, indent=2))

    healthy = True
    as_promised = report["writable"] == {"/": False, "/scripts": False, "/work": True, "/tmp": True}
    healthy &= as_promised
    print(f"{'✓' if as_promised else '✗'} /work and /tmp are writable; /, /scripts are not"
          + ("" if as_promised else f" (found {report['writable']})"))
    if args.get("expect_network") == "none":
        isolated = report["network_interfaces"] == ["lo"]
        healthy &= isolated
        print(f"{'✓' if isolated else '✗'} network interfaces: {', '.join(report['network_interfaces'])} (expected lo only)")
    report["healthy"] = healthy
    if os.environ.get("STELLASCRIPT_OUTPUT"):
        with open(os.environ["STELLASCRIPT_OUTPUT"], "w") as handle:
            json.dump(report, handle)
    return 0 if healthy else 1


if __name__ == "__main__":
    raise SystemExit(main())
