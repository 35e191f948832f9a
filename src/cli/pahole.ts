#!/usr/bin/env node
// dwarf2btf-pahole: pahole's BTF encoder command line (see pahole-args.ts), for the kernel build's
// PAHOLE=. Only what an encode needs is loaded (no yargs): a kernel build runs this once per module.
import * as fs from 'node:fs';
import { parsePaholeArgs, runPahole } from './pahole-args.js';
import { runCli } from './run.js';

runCli('dwarf2btf-pahole', async (argv, out) => {
  const cmd = parsePaholeArgs(argv.slice(2), (p) => fs.existsSync(p));
  await runPahole(cmd, out.write);
});
