"""Prometheus query: run a PromQL query and check every series against a threshold.

A deployment gate or an SLO probe: "is every instance up?" (`up{job="api"}`
== 1), "is the error ratio below 1%?", "is p99 latency under 300 ms?". The
query runs at the current time through prometheus-api-client; each series it
returns must satisfy `value <operator> threshold`, and fewer series than
`min_series` fails too (a query that matches nothing usually means a typo or
a target that vanished, not health). Run it with network "host" (or
"bridge") to reach Prometheus.

Arguments: the parameters below (in /scripts/args.json, checked first).
Output: one ✓/✗ line per series; $STELLASCRIPT_OUTPUT gets {query, operator,
threshold, series: [{labels, value, ok}], passed, failed, healthy}.
Exit codes: 0 every series passed, 1 a series failed or too few came back,
2 Prometheus could not be asked (unreachable, a bad query, refused credentials).
"""
# /// script
# dependencies = ["prometheus-api-client==0.5.4"]
# ///

# /// stellascript
# [parameters.prometheus_url]
# type = "string"
# required = true
# pattern = "https?://.+"
# description = "Prometheus' base URL, e.g. http://prometheus:9090"
# [parameters.query]
# type = "string"
# required = true
# description = "The PromQL query (an instant vector or a scalar)"
# [parameters.operator]
# type = "enum"
# values = ["<", "<=", "==", "!=", ">=", ">"]
# default = ">="
# description = "How each series' value must compare with the threshold"
# [parameters.threshold]
# type = "number"
# required = true
# description = "The value each series is compared with"
# [parameters.min_series]
# type = "integer"
# default = 1
# minimum = 0
# description = "At least this many series must come back"
# [parameters.bearer_token]
# type = "secret"
# description = "A secret holding a bearer token for Prometheus (optional)"
# ///

import json
import math
import operator
import os
import sys

from prometheus_api_client import PrometheusApiClientException, PrometheusConnect
from requests import RequestException

OPERATORS = {"<": operator.lt, "<=": operator.le, "==": operator.eq, "!=": operator.ne, ">=": operator.ge, ">": operator.gt}


def label_text(labels: dict) -> str:
    name = labels.get("__name__", "")
    rest = ", ".join(f'{key}="{value}"' for key, value in sorted(labels.items()) if key != "__name__")
    return f"{name}{{{rest}}}"


def main() -> int:
    with open("/scripts/args.json") as handle:
        args = json.load(handle)
    url, query = args["prometheus_url"], args["query"]
    op = args.get("operator", ">=")
    threshold = float(args["threshold"])
    min_series = int(args.get("min_series", "1"))
    headers = {}
    if args.get("bearer_token"):
        with open(f"/run/secrets/{args['bearer_token']}") as secret:
            headers["Authorization"] = f"Bearer {secret.read().strip()}"

    prometheus = PrometheusConnect(url=url, headers=headers, disable_ssl=False)
    try:
        result = prometheus.custom_query(query=query)
    except (PrometheusApiClientException, RequestException) as error:
        print(f"✗ Prometheus at {url} could not run {query!r}: {error}")
        return 2

    # An instant vector is a list of {metric, value: [time, "text"]}; a scalar is [time, "text"].
    if result and not isinstance(result[0], dict):
        result = [{"metric": {}, "value": result}]
    series = []
    for item in result:
        value = float(item["value"][1])
        ok = not math.isnan(value) and OPERATORS[op](value, threshold)
        # NaN (0/0 in a ratio) is no number to pass a threshold, and no JSON: reported as null.
        series.append({"labels": item["metric"], "value": None if math.isnan(value) else value, "ok": ok})
        print(f"{'✓' if ok else '✗'} {label_text(item['metric'])} = {value:g} (must be {op} {threshold:g})")

    failed = sum(not item["ok"] for item in series)
    enough = len(series) >= min_series
    print(f"{'✓' if enough else '✗'} {len(series)} series returned (at least {min_series} expected)")
    healthy = enough and failed == 0
    outputs = {"query": query, "operator": op, "threshold": threshold, "series": series,
               "passed": len(series) - failed, "failed": failed, "healthy": healthy}
    if os.environ.get("STELLASCRIPT_OUTPUT"):
        with open(os.environ["STELLASCRIPT_OUTPUT"], "w") as handle:
            json.dump(outputs, handle)
    return 0 if healthy else 1


if __name__ == "__main__":
    sys.exit(main())
