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
  /** systemd's InitRDTimestampMonotonic / UserspaceTimestampMonotonic (µs since kernel start). */
  timing: Record<string, number | null>;
  /** `journalctl -u immucore.service` of this boot (the initrd's journal carries over). */
  immucoreJournal: string;
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
export function findMount(facts: AgentFacts, target: string): MountFact | undefined {
  return facts.mounts.filter((m) => m.target === target).at(-1);
}
