// yip's step conditions (node, only_os, only_os_version, only_arch, only_service_manager, if_files),
// decided against facts about the stage's root. Pure: the runner and `immucore stages list` both
// ask `decideConditions`, so the list shows the verdict the boot will reach, and why.

/** The conditions a step carries, as written (regular expressions still as text). */
export interface StepConditions {
  node?: string;
  onlyOs?: string;
  onlyOsVersion?: string;
  onlyArch?: string;
  onlyServiceManager?: string;
  ifFiles?: {all: string[]; any: string[]; none: string[]};
}

/** What the conditions are decided on: the stage root's os-release, tools, the machine's arch. */
export interface RootFacts {
  /** os-release PRETTY_NAME, else NAME (what yip's sysinfo calls the OS name). */
  osName?: string;
  /** os-release VERSION_ID. */
  osVersion?: string;
  /** Go's name for the CPU architecture: amd64, arm64, 386, arm, riscv64, ppc64le, s390x. */
  arch: string;
  /** A systemctl / an openrc at /sbin, /bin, /usr/sbin or /usr/bin of the root. */
  systemd: boolean;
  openrc: boolean;
  /** The kernel's host name, which yip's `node` matches. */
  hostname?: string;
  /** The paths (as seen in the root) of `if_files` that exist. */
  existing: ReadonlySet<string>;
}

export interface ConditionVerdict {
  /** `only_os`, `if_files.all`… */
  condition: string;
  pass: boolean;
  reason: string;
}

/** Where yip looks for each service manager's tool. */
export const SERVICE_MANAGER_TOOLS = {
  systemd: ['/sbin/systemctl', '/bin/systemctl', '/usr/sbin/systemctl', '/usr/bin/systemctl'],
  openrc: ['/sbin/openrc', '/bin/openrc', '/usr/sbin/openrc', '/usr/bin/openrc'],
} as const;

/** Node's `process.arch` as Go's `runtime.GOARCH`, the names yip's only_arch matches. */
export function goArch(nodeArch: string): string {
  const names: Record<string, string> = {
    x64: 'amd64',
    ia32: '386',
    arm64: 'arm64',
    arm: 'arm',
    ppc64: 'ppc64le',
  };
  return names[nodeArch] ?? nodeArch;
}

/**
 * A Go (RE2) regular expression as a JS one, unanchored as Go's MatchString. RE2's leading inline
 * flags (`(?i)`, `(?s)`, `(?m)`) become JS flags; other RE2-only syntax throws a SyntaxError.
 */
export function goRegExp(source: string): RegExp {
  const m = /^\(\?([ims]+)\)/.exec(source);
  return m ? new RegExp(source.slice(m[0].length), m[1]) : new RegExp(source);
}

/** A message for a pattern that does not compile, or undefined when it does. */
export function checkGoRegExp(source: string): string | undefined {
  try {
    goRegExp(source);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** The paths a step's if_files asks about. */
export function conditionPaths(c: StepConditions): string[] {
  return c.ifFiles ? [...c.ifFiles.all, ...c.ifFiles.any, ...c.ifFiles.none] : [];
}

export function hasConditions(c: StepConditions): boolean {
  return Object.values(c).some((v) => v !== undefined);
}

/** Every condition of the step with its verdict, in yip's order; the step runs when all pass. */
export function decideConditions(c: StepConditions, facts: RootFacts): ConditionVerdict[] {
  const out: ConditionVerdict[] = [];
  const regex = (condition: string, pattern: string | undefined, value: string | undefined, what: string) => {
    if (pattern === undefined) return;
    if (value === undefined || value === '') {
      out.push({condition, pass: false, reason: `the root has no ${what} to match /${pattern}/`});
      return;
    }
    const pass = goRegExp(pattern).test(value);
    out.push({
      condition,
      pass,
      reason: `${what} "${value}" ${pass ? 'matches' : 'does not match'} /${pattern}/`,
    });
  };
  regex('node', c.node, facts.hostname, 'host name');
  regex('only_os', c.onlyOs, facts.osName, 'os-release name');
  regex('only_os_version', c.onlyOsVersion, facts.osVersion, 'os-release VERSION_ID');
  regex('only_arch', c.onlyArch, facts.arch, 'architecture');
  if (c.onlyServiceManager !== undefined) out.push(decideServiceManager(c.onlyServiceManager, facts));
  if (c.ifFiles) out.push(...decideIfFiles(c.ifFiles, facts.existing));
  return out;
}

function decideServiceManager(wanted: string, facts: RootFacts): ConditionVerdict {
  const condition = 'only_service_manager';
  const want = wanted.toLowerCase();
  if (want !== 'systemd' && want !== 'openrc')
    return {
      condition,
      pass: false,
      reason: `"${wanted}" is not a service manager yip knows (systemd, openrc)`,
    };
  if (facts.systemd && facts.openrc)
    return {
      condition,
      pass: false,
      reason: 'the root has both systemctl and openrc, so it cannot tell (as yip)',
    };
  const has = want === 'systemd' ? facts.systemd : facts.openrc;
  const tool = want === 'systemd' ? 'systemctl' : 'openrc';
  return {
    condition,
    pass: has,
    reason: has ? `the root has ${tool}` : `the root has no ${tool} in /sbin, /bin, /usr/sbin or /usr/bin`,
  };
}

function decideIfFiles(
  f: NonNullable<StepConditions['ifFiles']>,
  existing: ReadonlySet<string>,
): ConditionVerdict[] {
  const out: ConditionVerdict[] = [];
  if (f.all.length > 0) {
    const missing = f.all.filter((p) => !existing.has(p));
    out.push({
      condition: 'if_files.all',
      pass: missing.length === 0,
      reason: missing.length === 0 ? `all of ${f.all.join(', ')} exist` : `${missing.join(', ')} missing`,
    });
  }
  if (f.any.length > 0) {
    const found = f.any.find((p) => existing.has(p));
    out.push({
      condition: 'if_files.any',
      pass: found !== undefined,
      reason: found ? `${found} exists` : `none of ${f.any.join(', ')} exist`,
    });
  }
  if (f.none.length > 0) {
    const there = f.none.filter((p) => existing.has(p));
    out.push({
      condition: 'if_files.none',
      pass: there.length === 0,
      reason: there.length === 0 ? `none of ${f.none.join(', ')} exist` : `${there.join(', ')} exists`,
    });
  }
  return out;
}

/** `KEY=value` lines of an os-release file, quotes and escapes removed. */
export function parseOsRelease(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m?.[1]) continue;
    let v = (m[2] ?? '').trim();
    const q = v[0];
    if ((q === '"' || q === "'") && v.endsWith(q) && v.length >= 2)
      v = v.slice(1, -1).replace(/\\(["'$`\\])/g, '$1');
    out.set(m[1], v);
  }
  return out;
}
