// Webhook sender: deliver a JSON event to a webhook, with retries and a
// delivery confirmation.
//
// POSTs {event, sent_at, data} with an Idempotency-Key header that stays the
// same across retries (so a receiver can drop duplicates), signed with
// HMAC-SHA256 when a signing secret is given (X-Signature-256: sha256=<hex>
// of the body, GitHub's scheme). A delivery is confirmed by a 2xx answer;
// 408, 429, 5xx answers and network errors are retried with exponential
// backoff (Retry-After honoured), any other 4xx is final. Run it with network
// "host" (or "bridge") to reach the webhook.
//
// /// stellascript
// [parameters.webhook_url]
// type = "secret"
// required = true
// description = "A secret holding the webhook's URL (URLs of webhooks are credentials)"
// [parameters.data]
// type = "json"
// required = true
// description = "The event's payload"
// [parameters.event]
// type = "string"
// default = "stellascript.notification"
// description = "The event's name (also the X-Event header)"
// [parameters.signing_secret]
// type = "secret"
// description = "A secret holding the HMAC-SHA256 signing key (optional)"
// [parameters.max_attempts]
// type = "integer"
// default = 4
// minimum = 1
// maximum = 20
// description = "Attempts in all, the first included"
// [parameters.initial_delay_ms]
// type = "integer"
// default = 500
// minimum = 0
// description = "Wait before the first retry; doubled after each"
// [parameters.timeout_ms]
// type = "integer"
// default = 10000
// minimum = 1
// description = "Per attempt"
// ///
//
// Arguments: the parameters above (in /scripts/args.json, checked before the run).
// Output: a ✓/✗ line per attempt; $STELLASCRIPT_OUTPUT gets {delivered,
// attempts, status, idempotency_key, receipt} (receipt: the receiver's answer,
// parsed when it is JSON).
// Exit codes: 0 delivered, 1 refused (a final 4xx) or every attempt failed.

import { createHmac, randomUUID } from "crypto";
import { readFileSync, writeFileSync } from "fs";

const args: Record<string, string> = JSON.parse(readFileSync("/scripts/args.json", "utf8"));
const secret = (name: string): string => readFileSync(`/run/secrets/${name}`, "utf8").trim();

const url = secret(args.webhook_url);
const event = args.event ?? "stellascript.notification";
const maxAttempts = Number(args.max_attempts ?? "4");
const initialDelayMs = Number(args.initial_delay_ms ?? "500");
const timeoutMs = Number(args.timeout_ms ?? "10000");
const idempotencyKey = randomUUID();
const body = JSON.stringify({ event, sent_at: new Date().toISOString(), data: JSON.parse(args.data) });
const headers: Record<string, string> = {
  "Content-Type": "application/json", "User-Agent": "stellascript-webhook-sender/1",
  "X-Event": event, "Idempotency-Key": idempotencyKey,
};
if (args.signing_secret) {
  headers["X-Signature-256"] = `sha256=${createHmac("sha256", secret(args.signing_secret)).update(body).digest("hex")}`;
}

const retryable = (status: number): boolean => status === 408 || status === 429 || status >= 500;
const sleep = (ms: number) => new Promise((done) => setTimeout(done, ms));

async function main(): Promise<number> {
  let status: number | null = null;
  let receipt: unknown = null;
  let delivered = false;
  let attempt = 0;
  let delayMs = initialDelayMs;
  while (attempt < maxAttempts && !delivered) {
    attempt += 1;
    let retryAfterMs: number | null = null;
    try {
      const response = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(timeoutMs) });
      status = response.status;
      const text = await response.text();
      try {
        receipt = JSON.parse(text);
      } catch {
        receipt = text.slice(0, 1000);
      }
      delivered = response.ok;
      console.log(`${delivered ? "✓" : "✗"} attempt ${attempt}: ${status}${delivered ? " — delivered" : ""}`);
      if (!delivered && !retryable(status)) {
        console.log(`✗ the webhook refused the event (${status}); not retried: ${text.slice(0, 200)}`);
        break;
      }
      const retryAfter = Number(response.headers.get("retry-after"));
      retryAfterMs = Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : null;
    } catch (error) {
      const cause = (error as { cause?: { code?: string } }).cause?.code;
      console.log(`✗ attempt ${attempt}: ${(error as Error).name === "TimeoutError" ? `no answer within ${timeoutMs} ms` : `${(error as Error).message}${cause ? ` (${cause})` : ""}`}`);
    }
    if (!delivered && attempt < maxAttempts) {
      await sleep(retryAfterMs ?? delayMs);
      delayMs *= 2;
    }
  }
  if (!delivered) {
    console.log(`✗ not delivered after ${attempt} attempt(s)`);
  }
  if (process.env.STELLASCRIPT_OUTPUT) {
    writeFileSync(process.env.STELLASCRIPT_OUTPUT, JSON.stringify({
      delivered, attempts: attempt, status, idempotency_key: idempotencyKey, receipt,
    }));
  }
  return delivered ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (error) => {
  console.log(`✗ unexpected failure: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
});
