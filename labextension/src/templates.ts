/**
 * Starting points for a new script, one per language. Each reads its
 * arguments from /scripts/args.json (a JSON object of strings), which is how
 * Stella Script passes them.
 */
export const TEMPLATES: Record<string, string> = {
  python: `import json

with open("/scripts/args.json") as handle:
    args = json.load(handle)

name = args.get("name", "world")
print(f"Hello, {name}!")
`,
  bash: `#!/usr/bin/env bash
set -euo pipefail
# Arguments are in /scripts/args.json (a JSON object of strings).
name=$(python3 -c 'import json; print(json.load(open("/scripts/args.json")).get("name", "world"))' 2>/dev/null || echo world)
echo "Hello, $name!"
`,
  typescript: `import { readFileSync } from "fs";

const args: Record<string, string> = JSON.parse(readFileSync("/scripts/args.json", "utf8"));
const name = args.name ?? "world";
console.log(\`Hello, \${name}!\`);
`,
  go: `package main

import (
	"encoding/json"
	"fmt"
	"os"
)

func main() {
	args := map[string]string{}
	if data, err := os.ReadFile("/scripts/args.json"); err == nil {
		_ = json.Unmarshal(data, &args)
	}
	name := args["name"]
	if name == "" {
		name = "world"
	}
	fmt.Printf("Hello, %s!\\n", name)
}
`,
  java: `import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class Main {
    public static void main(String[] args) throws Exception {
        String json = Files.readString(Path.of("/scripts/args.json"));
        Matcher match = Pattern.compile("\\"name\\"\\\\s*:\\\\s*\\"([^\\"]*)\\"").matcher(json);
        String name = match.find() ? match.group(1) : "world";
        System.out.println("Hello, " + name + "!");
    }
}
`,
  csharp: `using System;
using System.IO;
using System.Text.Json;
using System.Collections.Generic;

var arguments = JsonSerializer.Deserialize<Dictionary<string, string>>(File.ReadAllText("/scripts/args.json"))
    ?? new Dictionary<string, string>();
var name = arguments.TryGetValue("name", out var given) ? given : "world";
Console.WriteLine($"Hello, {name}!");
`
};
