import {describe, expect, it} from 'vitest';
import {
  type ConditionVerdict,
  decideConditions,
  goArch,
  goRegExp,
  parseOsRelease,
  type RootFacts,
  type StepConditions,
} from './conditions.ts';

function facts(over: Partial<RootFacts> = {}): RootFacts {
  return {
    osName: 'Debian GNU/Linux 12 (bookworm)',
    osVersion: '12',
    arch: 'amd64',
    systemd: true,
    openrc: false,
    hostname: 'kairos-ab12',
    existing: new Set(['/etc/present']),
    ...over,
  };
}

const verdict = (c: StepConditions, f = facts()): ConditionVerdict[] => decideConditions(c, f);
const passes = (c: StepConditions, f = facts()) => verdict(c, f).every((v) => v.pass);

describe('decideConditions', () => {
  const cases: Array<{name: string; c: StepConditions; f?: RootFacts; pass: boolean; reason: RegExp}> = [
    {
      name: 'only_os matches Debian unanchored',
      c: {onlyOs: 'Ubuntu.*|Debian.*'},
      pass: true,
      reason: /"Debian GNU\/Linux 12 \(bookworm\)" matches/,
    },
    {
      name: 'only_os for openSUSE does not match Debian',
      c: {onlyOs: 'openSUSE.*'},
      pass: false,
      reason: /does not match \/openSUSE/,
    },
    {name: 'only_os matches inside the name (unanchored)', c: {onlyOs: 'GNU'}, pass: true, reason: /matches/},
    {
      name: 'only_os with (?i) is case-insensitive, as RE2',
      c: {onlyOs: '(?i)debian'},
      pass: true,
      reason: /matches/,
    },
    {
      name: 'only_os without an os-release is not run',
      c: {onlyOs: '.*'},
      f: facts({osName: undefined}),
      pass: false,
      reason: /no os-release name/,
    },
    {
      name: 'only_os_version matches VERSION_ID',
      c: {onlyOsVersion: '^12$'},
      pass: true,
      reason: /"12" matches/,
    },
    {name: 'only_os_version mismatch', c: {onlyOsVersion: '^11'}, pass: false, reason: /"12" does not match/},
    {
      name: 'only_arch with the Go name',
      c: {onlyArch: 'amd64'},
      pass: true,
      reason: /architecture "amd64" matches/,
    },
    {
      name: 'only_arch for arm64 on amd64',
      c: {onlyArch: 'arm64'},
      pass: false,
      reason: /does not match \/arm64\//,
    },
    {
      name: 'only_service_manager systemd with systemctl',
      c: {onlyServiceManager: 'systemd'},
      pass: true,
      reason: /has systemctl/,
    },
    {
      name: 'only_service_manager is case-insensitive',
      c: {onlyServiceManager: 'SystemD'},
      pass: true,
      reason: /has systemctl/,
    },
    {
      name: 'only_service_manager openrc on a systemd root',
      c: {onlyServiceManager: 'openrc'},
      pass: false,
      reason: /no openrc/,
    },
    {
      name: 'both service managers: skipped, as yip',
      c: {onlyServiceManager: 'systemd'},
      f: facts({openrc: true}),
      pass: false,
      reason: /both systemctl and openrc/,
    },
    {
      name: 'an unknown service manager',
      c: {onlyServiceManager: 'runit'},
      pass: false,
      reason: /"runit" is not a service manager/,
    },
    {
      name: 'node matches the host name',
      c: {node: '^kairos-'},
      pass: true,
      reason: /host name "kairos-ab12" matches/,
    },
    {name: 'node does not match', c: {node: '^worker'}, pass: false, reason: /does not match/},
    {
      name: 'if_files.all with every file',
      c: {ifFiles: {all: ['/etc/present'], any: [], none: []}},
      pass: true,
      reason: /exist/,
    },
    {
      name: 'if_files.all with one missing',
      c: {ifFiles: {all: ['/etc/present', '/etc/gone'], any: [], none: []}},
      pass: false,
      reason: /\/etc\/gone missing/,
    },
    {
      name: 'if_files.any with one',
      c: {ifFiles: {all: [], any: ['/x', '/etc/present'], none: []}},
      pass: true,
      reason: /\/etc\/present exists/,
    },
    {
      name: 'if_files.none with one there',
      c: {ifFiles: {all: [], any: [], none: ['/etc/present']}},
      pass: false,
      reason: /\/etc\/present exists/,
    },
  ];
  it.each(cases)('$name', ({c, f, pass, reason}) => {
    const v = verdict(c, f ?? facts());
    expect(v.every((x) => x.pass)).toBe(pass);
    expect(v.map((x) => x.reason).join('; ')).toMatch(reason);
  });

  it('decides every condition, in yip order, so the list shows all of them', () => {
    const v = verdict({node: 'x', onlyOs: 'Debian', onlyArch: 'amd64', onlyServiceManager: 'systemd'});
    expect(v.map((x) => [x.condition, x.pass])).toEqual([
      ['node', false],
      ['only_os', true],
      ['only_arch', true],
      ['only_service_manager', true],
    ]);
  });

  it('a step without conditions runs', () => {
    expect(passes({})).toBe(true);
    expect(verdict({})).toEqual([]);
  });
});

describe('goArch', () => {
  it.each([
    ['x64', 'amd64'],
    ['arm64', 'arm64'],
    ['ia32', '386'],
    ['riscv64', 'riscv64'],
  ])('%s is %s', (node, go) => expect(goArch(node)).toBe(go));
});

describe('goRegExp', () => {
  it('throws on a pattern that does not compile', () => expect(() => goRegExp('a((')).toThrow());
  it('keeps multi-line and dot-all flags', () => expect(goRegExp('(?s)a.b').test('a\nb')).toBe(true));
});

describe('parseOsRelease', () => {
  it('reads quoted and bare values', () => {
    const os = parseOsRelease(
      'PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\nNAME=Debian\nVERSION_ID=\'12\'\n# c\n',
    );
    expect(Object.fromEntries(os)).toEqual({
      PRETTY_NAME: 'Debian GNU/Linux 12 (bookworm)',
      NAME: 'Debian',
      VERSION_ID: '12',
    });
  });
});
