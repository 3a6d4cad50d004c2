// node:fs for src/sys, taken with require rather than `import … from 'node:fs'`. In the compiled
// binary, bun answers an ESM import of node:fs by building the module's namespace, which runs its
// lazy `ReadStream`/`WriteStream` getters and so loads node:stream: ~10-25 ms of CPU on every start,
// for streams no boot uses. A require hands back the module object and leaves those getters alone.
// `npm run lint:deps` (rule lazy-node-builtins) keeps other modules from importing node:fs again;
// `import type` is fine, it leaves nothing at run time. node:fs/promises costs the same either way.
import {createRequire} from 'node:module';

/** The node:fs module, typed as the ESM import would be. */
export const fs: typeof import('node:fs') = createRequire(import.meta.url)('node:fs');

// The functions src/sys uses, read once here so each user changes only its import line.
export const {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fchmodSync,
  fsync,
  lchownSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  statSync,
  symlinkSync,
  watch,
  writeFileSync,
  writeSync,
} = fs;
