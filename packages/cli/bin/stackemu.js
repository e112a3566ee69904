#!/usr/bin/env node
// The `stackemu` command (packages/cli): see src/main.ts.
import { readFileSync, writeFileSync } from 'node:fs';
import { main, processIo } from '../dist/index.js';

const code = await main(process.argv.slice(2), processIo({ readFileSync, writeFileSync }));
process.exitCode = code;
