// What the page fetches from the server at start (the config's fields, the data sets) and
// the phases of a step, as the real routes give them: tests/js/server_answers.py prints
// them, run with the project's Python ($PYTHON, which tests/test_js_units.py sets; else
// the checkout's .venv, else python3).
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const script = fileURLToPath(new URL("./server_answers.py", import.meta.url));
const venv = fileURLToPath(new URL("../../.venv/bin/python", import.meta.url));
const python = process.env.PYTHON ?? (existsSync(venv) ? venv : "python3");

export const server = JSON.parse(execFileSync(python, [script], { encoding: "utf8", maxBuffer: 1 << 26 }));
