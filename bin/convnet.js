#!/usr/bin/env node
// Entry point of the `convnet` command; the CLI itself is compiled from cli/ by `npm run build`.
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv);
