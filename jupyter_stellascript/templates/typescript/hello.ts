import { readFileSync } from "fs";

const args: Record<string, string> = JSON.parse(readFileSync("/scripts/args.json", "utf8"));
const name = args.name ?? "world";
console.log(`Hello, ${name}!`);
