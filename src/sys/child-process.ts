// node:child_process, loaded at the first spawn. A steady boot of the compiled binary starts no
// process (the loop attach and the mounts are syscalls), and loading the module costs ~5-9 ms of
// CPU at start in bun. In the compiled binary only a stage command (src/sys/exec-group.ts) loads
// it now: runTool and the device wait's monitor spawn with Bun.spawn (src/sys/bun-spawn.ts).
// `npm run lint:deps` (rule lazy-node-builtins) keeps src from importing node:child_process again.
import {createRequire} from 'node:module';

type ChildProcessModule = typeof import('node:child_process');
let loaded: ChildProcessModule | undefined;

/** child_process.spawn, with its types and overloads. */
export const spawn = ((...args: Parameters<ChildProcessModule['spawn']>) => {
  loaded ??= createRequire(import.meta.url)('node:child_process') as ChildProcessModule;
  return loaded.spawn(...args);
}) as ChildProcessModule['spawn'];
