#!/usr/bin/env node
// The `lasersell-stream` command; the code is built into dist/cli.js.
import "../dist/cli.js";
