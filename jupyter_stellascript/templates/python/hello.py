import json

with open("/scripts/args.json") as handle:
    args = json.load(handle)

name = args.get("name", "world")
print(f"Hello, {name}!")
