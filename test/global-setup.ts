// The boot tests run the binary that ships: compile dist/immucore from the current sources once
// per test run (under a second), so a test never boots a stale build.
import path from 'node:path';
import {execa} from 'execa';

export default async function setup(): Promise<void> {
  const repo = path.resolve(import.meta.dirname, '..');
  await execa('node', ['--import', 'tsx', 'scripts/compile.ts'], {cwd: repo, stdio: 'inherit'});
}
