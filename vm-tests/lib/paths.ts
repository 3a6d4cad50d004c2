// Where the harness finds the repository's parts and writes its logs.
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const VM_TESTS = join(REPO, 'vm-tests');
/** Serial console logs and the build log; ignored by git. */
export const LOG_DIR = join(VM_TESTS, 'logs');
export const AGENT_DIR = join(VM_TESTS, 'agent');
export const DRACUT_MODULE_DIR = join(REPO, 'dracut');
/** Files every immucore image carries (the default layout cloud-config in /system/oem). */
export const OVERLAYS_DIR = join(REPO, 'overlays');
/** The binary under test; IMMUCORE_BINARY points elsewhere (e.g. a release build). */
export const BINARY = process.env.IMMUCORE_BINARY ?? join(REPO, 'dist/immucore');
