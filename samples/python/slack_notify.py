"""Slack notification: post a deployment or incident message to a Slack channel.

Sends a message through a Slack incoming webhook (slack-sdk's WebhookClient):
a colour-coded attachment (info, success, warning, failure) with a title, the
text and optional fields, retried on rate limits (429, honouring
Retry-After), server errors and dropped connections. The webhook URL is a
secret: it is the credential. Any Slack-compatible receiver (Mattermost,
Rocket.Chat, a chat bridge) that answers 200 "ok" works too. Run it with
network "host" (or "bridge") to reach the webhook.

Arguments: the parameters below (in /scripts/args.json, checked first).
Output: ✓/✗ lines; $STELLASCRIPT_OUTPUT gets {delivered, status, body, status_level}.
Exit codes: 0 delivered (Slack answered 200 "ok"), 1 refused (any other
answer: Slack's error text is reported), 2 the webhook could not be reached.
"""
# /// script
# dependencies = ["slack-sdk==3.23.0"]
# ///

# /// stellascript
# [parameters.webhook_url]
# type = "secret"
# required = true
# description = "A secret holding the incoming webhook's URL (https://hooks.slack.com/services/...)"
# [parameters.text]
# type = "string"
# required = true
# description = "The message (Slack mrkdwn)"
# [parameters.title]
# type = "string"
# default = "Stella Script"
# description = "The attachment's title"
# [parameters.status]
# type = "enum"
# values = ["info", "success", "warning", "failure"]
# default = "info"
# description = "Colours the message"
# [parameters.fields]
# type = "json"
# default = {}
# description = 'Short fields shown under the text, e.g. {"version": "1.4.2", "env": "prod"}'
# [parameters.retries]
# type = "integer"
# default = 3
# minimum = 0
# maximum = 10
# description = "Retries on 429, 5xx and connection errors"
# ///

import json
import os
import sys
import urllib.error

from slack_sdk.http_retry.builtin_handlers import (
    ConnectionErrorRetryHandler,
    RateLimitErrorRetryHandler,
)
from slack_sdk.http_retry.handler import RetryHandler
from slack_sdk.webhook import WebhookClient

COLOURS = {"info": "#439FE0", "success": "good", "warning": "warning", "failure": "danger"}


class ServerErrorRetryHandler(RetryHandler):
    """Retries 5xx answers (slack-sdk retries connection errors and 429s out of the box)."""

    def _can_retry(self, *, state, request, response=None, error=None) -> bool:
        return response is not None and response.status_code >= 500


def main() -> int:
    with open("/scripts/args.json") as handle:
        args = json.load(handle)
    with open(f"/run/secrets/{args['webhook_url']}") as secret:
        webhook_url = secret.read().strip()
    status = args.get("status", "info")
    fields = json.loads(args.get("fields", "{}"))
    if not isinstance(fields, dict):
        print('✗ fields must be a JSON object, e.g. {"version": "1.4.2"}')
        return 2
    retries = int(args.get("retries", "3"))

    client = WebhookClient(webhook_url, timeout=15, retry_handlers=[
        ConnectionErrorRetryHandler(max_retry_count=retries),
        RateLimitErrorRetryHandler(max_retry_count=retries),
        ServerErrorRetryHandler(max_retry_count=retries),
    ])
    attachment = {
        "color": COLOURS[status], "title": args.get("title", "Stella Script"), "text": args["text"],
        "fields": [{"title": str(name), "value": str(value), "short": True} for name, value in fields.items()],
        "fallback": args["text"],
    }
    try:
        response = client.send(text=args["text"], attachments=[attachment])
    except (urllib.error.URLError, OSError) as error:
        print(f"✗ the webhook could not be reached: {error}")
        return 2

    delivered = response.status_code == 200 and response.body.strip() == "ok"
    if delivered:
        print(f"✓ delivered ({status}): {args['text']}")
    else:
        print(f"✗ the webhook refused the message: {response.status_code} {response.body.strip()[:200]}")
    if os.environ.get("STELLASCRIPT_OUTPUT"):
        with open(os.environ["STELLASCRIPT_OUTPUT"], "w") as handle:
            json.dump({"delivered": delivered, "status": response.status_code, "body": response.body[:1000],
                       "status_level": status}, handle)
    return 0 if delivered else 1


if __name__ == "__main__":
    sys.exit(main())
