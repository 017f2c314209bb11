/*
 * API smoke test: call a list of endpoints of a freshly deployed API and check
 * that each answers with the status it should, with JSON that parses.
 *
 * Endpoints are called one after another, in the order given, with Node's
 * built-in fetch (redirects are followed; the status judged is the final one).
 * Run it with network "host" (or "bridge") to reach anything outside the sandbox.
 *
 * Arguments (args.json, all strings):
 *   base_url        required  http:// or https:// URL the paths are appended to,
 *                             e.g. http://127.0.0.1:8080/api
 *   endpoints       "/"       paths separated by commas or newlines, each optionally
 *                             followed by a space and its expected status (a code or
 *                             a class): "/health, /items 200, /admin 401, /old 3xx"
 *                             (a path without one expects 2xx)
 *   require_json    "true"    a 2xx answer with a body (not 204/205) must have a JSON
 *                             content type (application/json or +json) and parse
 *   max_latency_ms  ""        slowest acceptable answer per endpoint (none: not checked)
 *   timeout_ms      "5000"    give up on an endpoint after this long
 *   auth_token      ""        sent as "Authorization: Bearer <token>" when given
 *
 * Output (stdout, JSON):
 *   {"base_url": "...", "healthy": true, "passed": 3, "failed": 0,
 *    "results": [{"path": "/health", "url": "...", "status": 200, "expected_status": "2xx",
 *                 "content_type": "application/json", "latency_ms": 3.2, "ok": true,
 *                 "problems": []}, ...]}
 *
 * Exit codes: 0 every endpoint passed, 1 at least one failed (or could not be
 * reached), 2 bad arguments (message on stderr, nothing on stdout).
 */

import * as fs from "fs";

const ARGS_FILE = "/scripts/args.json";
const KNOWN_ARGUMENTS = ["base_url", "endpoints", "require_json", "max_latency_ms", "timeout_ms", "auth_token"];

class BadArguments extends Error {}

interface Endpoint {
  path: string;
  expected: string;
}

interface Config {
  baseUrl: string;
  endpoints: Endpoint[];
  requireJson: boolean;
  maxLatencyMs: number | null;
  timeoutMs: number;
  authToken: string;
}

interface EndpointResult {
  path: string;
  url: string;
  status: number | null;
  expected_status: string;
  content_type: string | null;
  latency_ms: number | null;
  ok: boolean;
  problems: string[];
}

function readArgs(): Record<string, string> {
  if (!fs.existsSync(ARGS_FILE)) {
    return {};
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(ARGS_FILE, "utf8"));
  } catch (error) {
    throw new BadArguments(`${ARGS_FILE} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) {
    throw new BadArguments(`${ARGS_FILE} must hold a JSON object`);
  }
  const args: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== "string") {
      throw new BadArguments(`argument ${name} must be a string`);
    }
    args[name] = value;
  }
  return args;
}

function positiveNumber(args: Record<string, string>, name: string, fallback: number | null): number | null {
  const text = (args[name] ?? "").trim();
  if (text === "") {
    return fallback;
  }
  const value = Number(text);
  if (!/^\d+(\.\d+)?$/.test(text) || !Number.isFinite(value) || value <= 0) {
    throw new BadArguments(`${name} must be a positive number of milliseconds, got "${text}"`);
  }
  return value;
}

function statusMatches(expected: string, status: number): boolean {
  return /^\dxx$/.test(expected) ? Math.floor(status / 100) === Number(expected[0]) : Number(expected) === status;
}

function parseEndpoints(text: string): Endpoint[] {
  const endpoints: Endpoint[] = [];
  for (const entry of text.split(/[,\n]/).map((piece) => piece.trim()).filter((piece) => piece !== "")) {
    const [path, expected = "2xx", ...rest] = entry.split(/\s+/);
    if (!path.startsWith("/") || rest.length > 0) {
      throw new BadArguments(`endpoint "${entry}" must be a path starting with "/", optionally followed by a space and the expected status (e.g. "/health 200" or "/items 2xx")`);
    }
    if (!/^[1-5](\d\d|xx)$/i.test(expected)) {
      throw new BadArguments(`endpoint "${entry}" names an expected status that is neither a code like 200 nor a class like 2xx`);
    }
    endpoints.push({ path, expected: expected.toLowerCase() });
  }
  return endpoints;
}

function parseConfig(args: Record<string, string>): Config {
  const unknown = Object.keys(args).filter((name) => !KNOWN_ARGUMENTS.includes(name)).sort();
  if (unknown.length > 0) {
    throw new BadArguments(`unknown argument(s): ${unknown.join(", ")}; known: ${KNOWN_ARGUMENTS.join(", ")}`);
  }
  const baseUrl = (args.base_url ?? "").trim();
  if (baseUrl === "") {
    throw new BadArguments("base_url is required, e.g. http://127.0.0.1:8080/api");
  }
  let parsedUrl: URL;
  try {
    parsedUrl = new URL(baseUrl);
  } catch {
    throw new BadArguments(`base_url "${baseUrl}" is not a URL`);
  }
  if (parsedUrl.protocol !== "http:" && parsedUrl.protocol !== "https:") {
    throw new BadArguments(`base_url must be an http:// or https:// URL, got "${baseUrl}"`);
  }
  const requireJson = (args.require_json ?? "true").trim().toLowerCase() || "true";
  if (requireJson !== "true" && requireJson !== "false") {
    throw new BadArguments(`require_json must be true or false, got "${args.require_json}"`);
  }
  const endpoints = parseEndpoints(args.endpoints ?? "/");
  if (endpoints.length === 0) {
    throw new BadArguments("endpoints lists no paths");
  }
  return {
    baseUrl: baseUrl.replace(/\/+$/, ""),
    endpoints,
    requireJson: requireJson === "true",
    maxLatencyMs: positiveNumber(args, "max_latency_ms", null),
    timeoutMs: positiveNumber(args, "timeout_ms", 5000) as number,
    authToken: (args.auth_token ?? "").trim(),
  };
}

function describeFailure(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError")) {
    return `no answer within ${timeoutMs} ms`;
  }
  if (error instanceof Error) {
    const cause = error.cause as { code?: string; message?: string } | undefined;
    const detail = cause?.code ?? cause?.message;
    return `request failed: ${detail ? `${error.message} (${detail})` : error.message}`;
  }
  return `request failed: ${String(error)}`;
}

async function callEndpoint(config: Config, endpoint: Endpoint): Promise<EndpointResult> {
  const url = config.baseUrl + endpoint.path;
  const result: EndpointResult = {
    path: endpoint.path, url, status: null, expected_status: endpoint.expected,
    content_type: null, latency_ms: null, ok: false, problems: [],
  };
  const headers: Record<string, string> = { Accept: "application/json", "User-Agent": "stellascript-api-smoke-test/1" };
  if (config.authToken !== "") {
    headers.Authorization = `Bearer ${config.authToken}`;
  }
  const started = performance.now();
  let body: string;
  let status: number;
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(config.timeoutMs) });
    body = await response.text();
    status = result.status = response.status;
    result.content_type = response.headers.get("content-type");
  } catch (error) {
    result.problems.push(describeFailure(error, config.timeoutMs));
    return result;
  }
  const latency = performance.now() - started;
  result.latency_ms = Math.round(latency * 10) / 10;

  if (!statusMatches(endpoint.expected, status)) {
    result.problems.push(`status ${status}, expected ${endpoint.expected}`);
  }
  const isSuccess = status >= 200 && status < 300;
  if (config.requireJson && isSuccess && status !== 204 && status !== 205) {
    const mediaType = (result.content_type ?? "").split(";")[0].trim().toLowerCase();
    if (mediaType !== "application/json" && !mediaType.endsWith("+json")) {
      result.problems.push(`content type ${result.content_type ?? "(none)"}, expected JSON`);
    } else {
      try {
        JSON.parse(body);
      } catch (error) {
        result.problems.push(`body is not valid JSON: ${(error as Error).message}`);
      }
    }
  }
  if (config.maxLatencyMs !== null && latency > config.maxLatencyMs) {
    result.problems.push(`took ${result.latency_ms} ms, at most ${config.maxLatencyMs} ms allowed`);
  }
  result.ok = result.problems.length === 0;
  return result;
}

async function main(): Promise<number> {
  let config: Config;
  try {
    config = parseConfig(readArgs());
  } catch (error) {
    if (error instanceof BadArguments) {
      process.stderr.write(`api_smoke_test: bad arguments: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  // Node loads its fetch implementation on first use (~100s of ms); do that
  // before the clock starts so the first endpoint's latency is not inflated.
  await fetch("data:,").then((response) => response.text(), () => undefined);
  const results: EndpointResult[] = [];
  for (const endpoint of config.endpoints) {
    results.push(await callEndpoint(config, endpoint));
  }
  const failed = results.filter((result) => !result.ok).length;
  const report = { base_url: config.baseUrl, healthy: failed === 0, passed: results.length - failed, failed, results };
  process.stdout.write(JSON.stringify(report, null, 2) + "\n");
  return failed === 0 ? 0 : 1;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`api_smoke_test: unexpected failure: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  },
);
