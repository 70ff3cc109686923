// SPDX-License-Identifier: Apache-2.0
// Runs a wasm32-wasi command under node's WASI (V8's JIT), the reference
// engine for bench/compute:
//   node --no-warnings node-wasi.mjs file.wasm [arguments...]
// The guest's exit status becomes node's exit status.
import { readFile } from 'node:fs/promises';
import process from 'node:process';
import { WASI } from 'node:wasi';

const [modulePath, ...guestArguments] = process.argv.slice(2);
if (modulePath === undefined) {
  process.stderr.write('usage: node --no-warnings node-wasi.mjs file.wasm [arguments...]\n');
  process.exit(2);
}

const wasi = new WASI({
  version: 'preview1',
  args: [modulePath, ...guestArguments],
  env: {},
  returnOnExit: true,
});
const module = await WebAssembly.compile(await readFile(modulePath));
const instance = await WebAssembly.instantiate(module, {
  wasi_snapshot_preview1: wasi.wasiImport,
});
process.exitCode = wasi.start(instance);
