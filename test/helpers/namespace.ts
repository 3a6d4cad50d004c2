// Integration tests mount things: they must run as root inside a private mount namespace, so that
// every mount vanishes with the namespace and none leaks to the host or to another test run.
import {readFileSync, readlinkSync} from 'node:fs';

export const NAMESPACE_COMMAND = 'unshare --mount --propagation private -- npx vitest run test/';

/** Why this process may not run integration tests, or `undefined` when it may. */
export function integrationEnvProblem(): string | undefined {
  if (process.getuid?.() !== 0) return 'they need root (loop devices, mounts)';
  if (!inOwnMountNamespace()) return 'this process shares its mount namespace with its parent';
  const rootLine = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .find((l) => l.split(' ')[4] === '/');
  if (rootLine && / shared:\d+/.test(rootLine.split(' - ')[0] ?? '')) {
    return 'the namespace propagates mounts to the host (/ is shared)';
  }
  return undefined;
}

/** Throws, with the command to use, unless integrationEnvProblem() finds nothing. */
export function assertIntegrationEnv(): void {
  const problem = integrationEnvProblem();
  if (problem) {
    throw new Error(
      `Integration tests must run as root in a private mount namespace, but ${problem}. Run them as:\n  ${NAMESPACE_COMMAND}`,
    );
  }
}

/**
 * True when some ancestor we can inspect lives in another mount namespace: `unshare` execs the
 * test runner, so the shell that started it is the first ancestor outside.
 */
function inOwnMountNamespace(): boolean {
  const self = readlinkSync('/proc/self/ns/mnt');
  let pid = process.ppid;
  for (let hops = 0; pid > 0 && hops < 64; hops++) {
    try {
      if (readlinkSync(`/proc/${pid}/ns/mnt`) !== self) return true;
    } catch {
      // a process we may not inspect (pid 1 in some sandboxes): look further up
    }
    if (pid === 1) break;
    pid = parentOf(pid);
  }
  return false;
}

function parentOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // `pid (comm) state ppid ...`, and comm may hold spaces and parentheses.
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}
