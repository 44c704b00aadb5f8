#!/usr/bin/env node
// The `valle` command. The CLI is TypeScript, run through tsx (a dependency): register it, then load main.ts.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src-main/cli/main.ts');
process.exitCode = await main(process.argv.slice(2));
