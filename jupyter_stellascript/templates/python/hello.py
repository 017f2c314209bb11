# /// stellascript
# [parameters.name]
# type = "string"
# default = "world"
# description = "Who to greet"
# ///
import json
import os

# Arguments arrive in /scripts/args.json: a JSON object of strings, checked
# against the parameters above (defaults filled in) before the run starts.
with open("/scripts/args.json") as handle:
    args = json.load(handle)

name = args.get("name", "world")
print(f"Hello, {name}!")

# Results for a workflow's next steps: a JSON object in the file STELLASCRIPT_OUTPUT names, when it is set.
if os.environ.get("STELLASCRIPT_OUTPUT"):
    with open(os.environ["STELLASCRIPT_OUTPUT"], "w") as handle:
        json.dump({"greeting": f"Hello, {name}!"}, handle)
