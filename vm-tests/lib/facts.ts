// The agent's report (vm-tests/agent/immucore-test-agent.sh), as the tests see it.
export const AGENT_BEGIN = '@@IMMUCORE-AGENT-BEGIN@@';
export const AGENT_END = '@@IMMUCORE-AGENT-END@@';

export interface MountFact {
  target: string;
  source: string;
  fstype: string;
  options: string;
}

export interface AgentFacts {
  /** Seconds since the kernel started, when the agent ran. */
  uptime: number;
  /** Seconds since the kernel started, when the agent started (the system was up). */
  agentStarted: number;
  cmdline: string;
  bootId: string;
  /** /etc/immucore-test-image: which root image booted (active, passive, recovery). */
  marker: string | null;
  mounts: MountFact[];
  /** /run/cos: file name → content. */
  cos: Record<string, string>;
  /** /run/immucore/report.json, parsed (a string when it is not JSON, null when missing). */
  report: unknown;
  fstab: string | null;
  /** The files asked for with immucore.test.files=, null when missing. */
  files: Record<string, string | null>;
  failedUnits: string[];
  /** With immucore.test.time=1: ms of two runs each of `immucore --version` and `immucore plan`. */
  binaryMs: {version: number[]; plan: number[]} | null;
  /** nohang's units in the booted system, and what the memory hog (immucore.test.hog=1) did. */
  memory?: MemoryFacts;
  /** systemd's InitRDTimestampMonotonic / UserspaceTimestampMonotonic (µs since kernel start). */
  timing: Record<string, number | null>;
  /** `journalctl -u immucore.service` of this boot (the initrd's journal carries over). */
  immucoreJournal: string;
  /** With immucore.test.slot=1: `immucore slot status --json` (`{error}` when it printed nothing). */
  slot?: unknown;
  /** The paths asked for with immucore.test.stat=, null when missing. */
  stat?: Record<string, StatFact | null>;
  /** With immucore.test.disk=1: /dev/vda and COS_PERSISTENT's ext4. */
  disk?: DiskFact | null;
}

export interface StatFact {
  inode: number;
  /** Seconds since the epoch. */
  mtime: number;
  size: number;
  /** `uid:gid` */
  owner: string;
}

export interface DiskFact {
  /** /dev/vda's size in 512-byte sectors. */
  sectors: number;
  /** Each partition's start and size in 512-byte sectors (sysfs). */
  partitions: Array<{name: string; start: number; size: number}>;
  /** `dumpe2fs -h` of LABEL=COS_PERSISTENT: `Block count`, `Block size`. */
  persistentExt4: Record<string, number> | null;
}

export interface UnitStateFact {
  /** `systemctl is-enabled` (`enabled`, `disabled`, `masked`, '' when the unit does not exist). */
  enabled: string;
  /** `systemctl is-active`. */
  active: string;
}

/** The `systemctl show` properties the agent asked for, name → value. */
export type UnitProperties = Record<string, string>;

export interface HogFacts {
  /** false where a bounded wait ran out: nohang monitoring, the protected process ready, the hog gone. */
  waited: {nohang: boolean; protected: boolean; hogGone: boolean};
  memAvailableMiB: number;
  /** What the process named sshd held (55 % of MemAvailable before it started). */
  protectedMiB: number;
  memAvailableBeforeHogMiB: number | null;
  /** The hog's PID (`tail /dev/zero`), as systemd gave it. */
  hogPid: number | null;
  /**
   * `systemctl show -p Result -p ExecMainCode -p ExecMainStatus` of the hog's unit: defaults once
   * the unit is gone (SIGTERM is a clean exit to systemd, so a terminated hog leaves no failed unit).
   */
  hog: UnitProperties;
  protected: UnitProperties;
  /** The protected process's /proc/<pid>/comm, while it ran ('' when it was gone). */
  protectedComm: string;
  protectedActive: string;
  /** Kernel log lines of the OOM killer (empty when nohang acted first). */
  kernelOom: string;
}

export interface MemoryFacts {
  units: Record<'nohang.service' | 'nohang-desktop.service', UnitStateFact>;
  /** `systemctl show -p ExecStart --value nohang.service`. */
  execStart: string;
  dropIns: string[];
  /** `journalctl -u nohang.service -o cat` of this boot. */
  journal: string;
  hog: HogFacts | null;
}

/**
 * Finds the agent's JSON between the markers in a serial log. The console may interleave
 * kernel messages, so the JSON is taken as the longest line between the markers that parses.
 */
export function parseAgentFacts(log: string): AgentFacts | undefined {
  const lines = log.split(/\r?\n/);
  const begin = lines.findIndex((l) => l.includes(AGENT_BEGIN));
  if (begin < 0) return undefined;
  const end = lines.findIndex((l, i) => i > begin && l.includes(AGENT_END));
  const candidates = lines.slice(begin + 1, end < 0 ? undefined : end).sort((a, b) => b.length - a.length);
  for (const c of candidates) {
    const start = c.indexOf('{');
    if (start < 0) continue;
    try {
      return JSON.parse(c.slice(start)) as AgentFacts;
    } catch {
      // not the JSON line (or a broken one): try the next
    }
  }
  return undefined;
}

/** The mount on `target`, if any (the last one wins, as in the kernel's view). */
export function findMount(facts: Pick<AgentFacts, 'mounts'>, target: string): MountFact | undefined {
  return facts.mounts.filter((m) => m.target === target).at(-1);
}
