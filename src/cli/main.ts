#!/usr/bin/env node
import { runCli } from "./cli.js";

// The `tesserae` executable. Exits once the command is done, after stdout has been flushed: a
// project's stray timers or sockets must not keep a finished command alive.
const code = await runCli(process.argv.slice(2));
process.stdout.write("", () => process.exit(code));
