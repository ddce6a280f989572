#!/usr/bin/env node
// Entry point of the `convnet` command. The CLI (cli/, compiled to dist/cli/) runs from the Node
// bundle dist/node/cli.js (tools/bundleNode.mjs, part of `npm run build`), which shares its chunks
// with the library's bundle: `convnet --help` loads a few files instead of ~170 modules.
import { main } from '../dist/node/cli.js';

process.exitCode = await main(process.argv);
