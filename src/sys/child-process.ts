// node:child_process, loaded at the first spawn under node (development, the unit tests). The
// compiled binary does not load it for a boot: runTool, a stage command's process group and the device wait's
// monitor spawn with Bun.spawn there (src/sys/bun-spawn.ts, bun-group.ts, monitor-process.ts), and
// loading the module alone costs ~5-9 ms of CPU in bun.
// `npm run lint:deps` (rule lazy-node-builtins) keeps src from importing node:child_process again.
import {createRequire} from 'node:module';

type ChildProcessModule = typeof import('node:child_process');
let loaded: ChildProcessModule | undefined;

/** child_process.spawn, with its types and overloads. */
export const spawn = ((...args: Parameters<ChildProcessModule['spawn']>) => {
  loaded ??= createRequire(import.meta.url)('node:child_process') as ChildProcessModule;
  return loaded.spawn(...args);
}) as ChildProcessModule['spawn'];
