// JSON Schema validator: fetch a JSON document (a config endpoint, a feature
// flag file, an API answer) or take one given inline, and validate it against
// a JSON Schema with ajv, listing every violation with its path.
//
// Draft-07 schemas (ajv's default; "$schema" may say so) with every error
// reported (allErrors), not only the first. Run it with network "host" (or
// "bridge") to fetch a document from outside the sandbox.
//
// /// stellascript
// [parameters.schema]
// type = "json"
// required = true
// description = "The JSON Schema"
// [parameters.document_url]
// type = "string"
// default = ""
// description = "Where to fetch the document (http:// or https://); or give document"
// [parameters.document]
// type = "json"
// default = "null"
// description = "The document itself, when there is no URL"
// [parameters.auth_token]
// type = "secret"
// description = "A secret holding a bearer token for document_url (optional)"
// ///
//
// Arguments: the parameters above (in /scripts/args.json, checked before the
// run); exactly one of document_url and document.
// Output: ✓/✗ lines, one per violation; $STELLASCRIPT_OUTPUT gets {source,
// valid, error_count, errors: [{path, message, keyword}]}.
// Exit codes: 0 valid, 1 invalid, 2 the schema does not compile, the document
// could not be fetched or is not JSON, or neither/both of document and
// document_url were given.

import Ajv, { ErrorObject } from "ajv";
import { readFileSync, writeFileSync } from "fs";

const args: Record<string, string> = JSON.parse(readFileSync("/scripts/args.json", "utf8"));

function fail(message: string): never {
  console.log(`✗ ${message}`);
  process.exit(2);
}

async function loadDocument(): Promise<{ source: string; document: unknown }> {
  const url = (args.document_url ?? "").trim();
  const inline = args.document ?? "null";
  if ((url === "") === (inline === "null")) {
    fail("give exactly one of document_url and document");
  }
  if (url === "") {
    return { source: "document", document: JSON.parse(inline) };
  }
  if (!/^https?:\/\//.test(url)) {
    fail(`document_url must be an http:// or https:// URL, got "${url}"`);
  }
  const headers: Record<string, string> = { Accept: "application/json" };
  if (args.auth_token) {
    headers.Authorization = `Bearer ${readFileSync(`/run/secrets/${args.auth_token}`, "utf8").trim()}`;
  }
  let text: string;
  try {
    const response = await fetch(url, { headers, signal: AbortSignal.timeout(15000) });
    text = await response.text();
    if (!response.ok) {
      fail(`${url} answered ${response.status}`);
    }
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause?.code;
    fail(`cannot fetch ${url}: ${(error as Error).message}${cause ? ` (${cause})` : ""}`);
  }
  try {
    return { source: url, document: JSON.parse(text) };
  } catch (error) {
    fail(`${url} is not JSON: ${(error as Error).message}`);
  }
}

function describe(error: ErrorObject): { path: string; message: string; keyword: string } {
  const where = error.keyword === "additionalProperties"
    ? `${error.instancePath}/${(error.params as { additionalProperty: string }).additionalProperty}`
    : error.instancePath;
  return { path: where || "/", message: error.message ?? error.keyword, keyword: error.keyword };
}

async function main(): Promise<number> {
  const ajv = new Ajv({ allErrors: true, strict: false });
  let validate;
  try {
    validate = ajv.compile(JSON.parse(args.schema));
  } catch (error) {
    fail(`the schema does not compile: ${(error as Error).message}`);
  }
  const { source, document } = await loadDocument();
  const valid = validate(document) as boolean;
  const errors = (validate.errors ?? []).map(describe);
  if (valid) {
    console.log(`✓ ${source} is valid`);
  } else {
    for (const error of errors) {
      console.log(`✗ ${error.path}: ${error.message}`);
    }
    console.log(`${source} has ${errors.length} violation(s)`);
  }
  if (process.env.STELLASCRIPT_OUTPUT) {
    writeFileSync(process.env.STELLASCRIPT_OUTPUT, JSON.stringify({ source, valid, error_count: errors.length, errors }));
  }
  return valid ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (error) => {
  console.log(`✗ unexpected failure: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 2;
});
