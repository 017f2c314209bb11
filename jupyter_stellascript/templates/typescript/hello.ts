// /// stellascript
// [parameters.name]
// type = "string"
// default = "world"
// description = "Who to greet"
// ///
import { readFileSync, writeFileSync } from "fs";

// Arguments arrive in /scripts/args.json: a JSON object of strings, checked
// against the parameters above (defaults filled in) before the run starts.
const args: Record<string, string> = JSON.parse(readFileSync("/scripts/args.json", "utf8"));
const greeting = `Hello, ${args.name ?? "world"}!`;
console.log(greeting);

// Results for a workflow's next steps: a JSON object in the file STELLASCRIPT_OUTPUT names, when it is set.
const output = process.env.STELLASCRIPT_OUTPUT;
if (output) {
  writeFileSync(output, JSON.stringify({ greeting }));
}
