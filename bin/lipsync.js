#!/usr/bin/env node
'use strict';
// The `lipsync` command. In a checkout it runs the TypeScript sources through ts-node
// (transpile only: type errors are `npm run typecheck`'s job, not every start-up's); a
// built package without src/ runs the compiled dist/ instead.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');

function loadMain() {
  if (fs.existsSync(path.join(root, 'src'))) {
    require('ts-node').register({ transpileOnly: true, project: path.join(root, 'tsconfig.json') });
    return require(path.join(root, 'src', 'cli', 'main.ts')).main;
  }
  return require(path.join(root, 'dist', 'cli', 'main.js')).main;
}

// How long a finished command may take to let go of its handles before it is ended anyway.
const EXIT_GRACE_MS = 2000;

loadMain()(process.argv.slice(2))
  .catch((err) => {
    // main() maps every failure to a code; this is only for a bug in that mapping.
    process.stderr.write(`lipsync: ${err && err.message ? err.message : String(err)}\n`);
    return 4;
  })
  .then((code) => {
    process.exitCode = code;
    // A leftover handle (a gRPC channel, the native runtime) must not hang a script
    // waiting on us; unref'd, this timer itself never delays a clean exit.
    setTimeout(() => process.exit(), EXIT_GRACE_MS).unref();
  });
