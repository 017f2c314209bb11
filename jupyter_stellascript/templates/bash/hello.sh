#!/usr/bin/env bash
set -euo pipefail
# Arguments are in /scripts/args.json (a JSON object of strings).
name=$(sed -n 's/.*"name"[[:space:]]*:[[:space:]]*"\([^"]*\)".*/\1/p' /scripts/args.json)
echo "Hello, ${name:-world}!"
