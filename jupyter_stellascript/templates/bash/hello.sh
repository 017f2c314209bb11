#!/usr/bin/env bash
# /// stellascript
# [parameters.name]
# type = "string"
# default = "world"
# description = "Who to greet"
# ///
set -euo pipefail

# Arguments arrive in /scripts/args.json: a JSON object of strings, checked
# against the parameters above (defaults filled in). jq (in the image) reads it.
name=$(jq -r '.name // "world"' /scripts/args.json)
greeting="Hello, ${name}!"
echo "$greeting"

# Results for a workflow's next steps: a JSON object in the file STELLASCRIPT_OUTPUT names, when it is set.
if [[ -n "${STELLASCRIPT_OUTPUT:-}" ]]; then
    jq -n --arg greeting "$greeting" '{greeting: $greeting}' > "$STELLASCRIPT_OUTPUT"
fi
