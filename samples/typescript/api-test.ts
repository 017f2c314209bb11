// API integration test: walk a REST resource's whole life — create, read,
// list, delete, read again — and check every answer's status and shape.
//
// A post-deploy check that goes further than a health endpoint: it proves the
// API and its database work end to end. Requests go through axios; each
// answer's body is parsed with a zod schema, so a renamed or mistyped field
// fails the step that returned it, naming the field. The item it creates is
// deleted again (also when a later step fails). Run it with network "host"
// (or "bridge", or against a target container) to reach the API.
//
// /// stellascript
// [parameters.base_url]
// type = "string"
// required = true
// pattern = "https?://.+"
// description = "The API's base URL, e.g. http://127.0.0.1:8080/api"
// [parameters.resource]
// type = "string"
// default = "items"
// pattern = "[a-z0-9_/-]+"
// description = "The collection to exercise: POST/GET {base_url}/{resource}, GET/DELETE {base_url}/{resource}/{id}"
// [parameters.health_path]
// type = "string"
// default = "/health"
// description = "Checked first: must answer 200 with {\"status\": \"ok\"} (empty: skipped)"
// [parameters.api_token]
// type = "secret"
// description = "A secret holding a bearer token for the API (optional)"
// [parameters.timeout_ms]
// type = "integer"
// default = 5000
// minimum = 1
// description = "Per request"
// ///
//
// Arguments: the parameters above (in /scripts/args.json, checked before the run).
// Output: a ✓/✗ line per step; $STELLASCRIPT_OUTPUT gets {base_url, passed,
// failed, healthy, steps: [{name, ok, status, ms, problem}]}.
// Exit codes: 0 every step passed, 1 a step failed, 2 the API could not be
// reached at all.

import axios, { AxiosError, AxiosInstance } from "axios";
import { readFileSync, writeFileSync } from "fs";
import { z } from "zod";

const Health = z.object({ status: z.literal("ok") }).passthrough();
const Item = z.object({ id: z.union([z.string().min(1), z.number().int()]), name: z.string(), created_at: z.string().datetime() });
const ItemList = z.array(Item);

interface Step {
  name: string;
  ok: boolean;
  status: number | null;
  ms: number;
  problem: string | null;
}

const args: Record<string, string> = JSON.parse(readFileSync("/scripts/args.json", "utf8"));
const baseUrl = args.base_url.replace(/\/+$/, "");
const resource = (args.resource ?? "items").replace(/^\/+|\/+$/g, "");
const headers: Record<string, string> = { "User-Agent": "stellascript-api-integration-test/1" };
if (args.api_token) {
  // A secret arrives as a file, never as an argument.
  headers.Authorization = `Bearer ${readFileSync(`/run/secrets/${args.api_token}`, "utf8").trim()}`;
}
const http: AxiosInstance = axios.create({
  baseURL: baseUrl, headers, timeout: Number(args.timeout_ms ?? "5000"),
  validateStatus: () => true, // every status is an answer to judge, not an exception
});
const steps: Step[] = [];
let unreachable = false;

async function step<T>(name: string, expected: number, call: () => Promise<{ status: number; data: unknown }>,
                       schema?: z.ZodType<T>): Promise<T | undefined> {
  const started = performance.now();
  const record: Step = { name, ok: false, status: null, ms: 0, problem: null };
  steps.push(record);
  try {
    const response = await call();
    record.status = response.status;
    if (response.status !== expected) {
      record.problem = `status ${response.status}, expected ${expected}`;
    } else if (schema) {
      const parsed = schema.safeParse(response.data);
      if (parsed.success) {
        record.ok = true;
        return parsed.data;
      }
      // An explicit type: without strictNullChecks (tsc runs non-strict here) `success` does not narrow the union.
      const failure = parsed as z.SafeParseError<T>;
      record.problem = failure.error.issues.map((issue) => `${issue.path.join(".") || "body"}: ${issue.message}`).join("; ");
    } else {
      record.ok = true;
    }
  } catch (error) {
    const failure = error as AxiosError;
    unreachable ||= failure.response === undefined;
    record.problem = failure.code ? `${failure.code}: ${failure.message}` : String(error);
  } finally {
    record.ms = Math.round(performance.now() - started);
    console.log(`${record.ok ? "✓" : "✗"} ${name} → ${record.status ?? "no answer"} (${record.ms} ms)${record.problem ? `: ${record.problem}` : ""}`);
  }
  return undefined;
}

async function main(): Promise<number> {
  if (args.health_path !== "") {
    await step(`GET ${args.health_path ?? "/health"}`, 200, () => http.get(args.health_path ?? "/health"), Health);
    if (unreachable) {
      return finish(2);
    }
  }
  const name = `stellascript-${Date.now()}`;
  const created = await step(`POST /${resource}`, 201, () => http.post(`/${resource}`, { name }), Item);
  if (created !== undefined) {
    try {
      const read = await step(`GET /${resource}/${created.id}`, 200, () => http.get(`/${resource}/${created.id}`), Item);
      if (read !== undefined && read.name !== name) {
        steps[steps.length - 1].ok = false;
        steps[steps.length - 1].problem = `name is "${read.name}", created as "${name}"`;
        console.log(`✗ the item read back is not the one created: ${steps[steps.length - 1].problem}`);
      }
      const list = await step(`GET /${resource}`, 200, () => http.get(`/${resource}`), ItemList);
      if (list !== undefined && !list.some((item) => item.id === created.id)) {
        steps[steps.length - 1].ok = false;
        steps[steps.length - 1].problem = `the list does not hold ${created.id}`;
        console.log(`✗ the list does not hold the new item ${created.id}`);
      }
    } finally {
      await step(`DELETE /${resource}/${created.id}`, 204, () => http.delete(`/${resource}/${created.id}`));
    }
    await step(`GET /${resource}/${created.id} after delete`, 404, () => http.get(`/${resource}/${created.id}`));
  }
  return finish(steps.every((s) => s.ok) ? 0 : 1);
}

function finish(code: number): number {
  const failed = steps.filter((s) => !s.ok).length;
  console.log(`${steps.length - failed} of ${steps.length} steps passed`);
  if (process.env.STELLASCRIPT_OUTPUT) {
    writeFileSync(process.env.STELLASCRIPT_OUTPUT, JSON.stringify({
      base_url: baseUrl, passed: steps.length - failed, failed, healthy: code === 0, steps,
    }));
  }
  return code;
}

main().then((code) => { process.exitCode = code; }, (error) => {
  console.log(`✗ unexpected failure: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 2;
});
