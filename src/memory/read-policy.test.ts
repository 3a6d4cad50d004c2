import {describe, expect, it} from 'vitest';
import {parsePolicyFile, policyFromData} from './read-policy.ts';

const FILE = '/oem/90_memory.yaml';
const MIB512 = 512 * 1024;

/** A cloud-config whose memory_policy block is `body`, indented under it. */
function config(body: string): string {
  return `#cloud-config\nstages: {rootfs: [{commands: [true]}]}\nmemory_policy:\n${body
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

describe('parsePolicyFile', () => {
  it('reads the preset, every threshold group, and the rules, each with its line', () => {
    const {block} = parsePolicyFile(
      config(`preset: recovery
mem: {warning: 30%, soft: 12%, hard: 64M}
swap: {soft: 256M, hard: 2%}
zram: {enabled: true, warning: 40%, soft: 50%, hard: 70%}
psi: {enabled: yes, metric: some_avg10, duration: 5, warning: 5, soft: 25, hard: 60}
protect: ["^sshd$", {cgroup: "/system\\\\.slice/k3s\\\\.service$"}, {cmdline: "--role=server", adj: -300}]
prefer: [{name: "^tail$"}, {realpath: "^/usr/bin/stress", adj: 900}]
soft_actions: [{name: "^myapp$", command: "systemctl restart myapp.service"}]`),
      FILE,
      MIB512,
    );
    expect(block?.errors).toEqual([]);
    expect(block?.preset).toEqual({
      value: 'recovery',
      input: 'memory_policy.preset: recovery',
      where: `${FILE}:4`,
    });
    expect(block?.settings.map((s) => `${s.key} = ${s.value} (${s.source})`)).toEqual([
      `warning_threshold_min_mem = 30 % (${FILE}:5)`,
      `soft_threshold_min_mem = 12 % (${FILE}:5)`,
      `hard_threshold_min_mem = 64 M (${FILE}:5)`,
      `soft_threshold_min_swap = 256 M (${FILE}:6)`,
      `hard_threshold_min_swap = 2 % (${FILE}:6)`,
      `zram_checking_enabled = True (${FILE}:7)`,
      `warning_threshold_max_zram = 40 % (${FILE}:7)`,
      `soft_threshold_max_zram = 50 % (${FILE}:7)`,
      `hard_threshold_max_zram = 70 % (${FILE}:7)`,
      `psi_checking_enabled = True (${FILE}:8)`,
      `psi_metrics = some_avg10 (${FILE}:8)`,
      `psi_excess_duration = 5 (${FILE}:8)`,
      `warning_threshold_max_psi = 5 (${FILE}:8)`,
      `soft_threshold_max_psi = 25 (${FILE}:8)`,
      `hard_threshold_max_psi = 60 (${FILE}:8)`,
    ]);
    expect(block?.rules).toEqual([
      {kind: 'badness', match: 'name', adj: -1000, pattern: '^sshd$', source: `${FILE}:9`},
      {
        kind: 'badness',
        match: 'cgroup',
        adj: -1000,
        pattern: '/system\\.slice/k3s\\.service$',
        source: `${FILE}:9`,
      },
      {kind: 'badness', match: 'cmdline', adj: -300, pattern: '--role=server', source: `${FILE}:9`},
      {kind: 'badness', match: 'name', adj: 300, pattern: '^tail$', source: `${FILE}:10`},
      {kind: 'badness', match: 'realpath', adj: 900, pattern: '^/usr/bin/stress', source: `${FILE}:10`},
      {
        kind: 'soft-action',
        match: 'name',
        pattern: '^myapp$',
        command: 'systemctl restart myapp.service',
        source: `${FILE}:11`,
      },
    ]);
  });

  it('gives no block for a file without memory_policy, and an empty one for an empty block', () => {
    expect(parsePolicyFile('#cloud-config\nstages: {}\n', FILE)).toEqual({});
    expect(parsePolicyFile('memory_policy:\n', FILE).block).toMatchObject({
      settings: [],
      rules: [],
      errors: [],
    });
  });

  it('reports a YAML syntax error with its line, as a file without a policy', () => {
    const {block, syntaxError} = parsePolicyFile('memory_policy: [\n', FILE);
    expect(block).toBeUndefined();
    expect(syntaxError?.message).toMatch(
      /^\/oem\/90_memory\.yaml:2:1: YAML syntax error; no memory_policy read/,
    );
    expect(syntaxError?.hint).toMatch(/line 2/);
  });

  const invalid: Array<{name: string; body: string; input: string; error: RegExp; hint: RegExp}> = [
    {
      name: 'a preset that does not exist',
      body: 'preset: tiny',
      input: 'memory_policy.preset: tiny',
      error: /:4:11: memory_policy\.preset "tiny" is not a preset/,
      hint: /server, desktop, recovery, off/,
    },
    {
      name: "a threshold out of nohang's range names the key, the value and the range",
      body: 'mem: {soft: 70%}',
      input: 'memory_policy.mem.soft: 70%',
      error:
        /:4:15: memory_policy\.mem\.soft \(soft_threshold_min_mem\) "70%" is out of range: nohang 0\.2\.0 accepts 0 % to 50 % of RAM/,
      hint: /from 0% to 50%/,
    },
    {
      name: 'a PSI threshold out of range',
      body: 'psi: {hard: 101}',
      input: 'memory_policy.psi.hard: 101',
      error:
        /memory_policy\.psi\.hard \(hard_threshold_max_psi\) "101" is out of range: nohang 0\.2\.0 accepts 5 to 100/,
      hint: /from 5 to 100/,
    },
    {
      name: 'a threshold with no value',
      body: 'swap: {soft: }',
      input: 'memory_policy.swap.soft (soft_threshold_min_swap)',
      error: /memory_policy\.swap\.soft \(soft_threshold_min_swap\) has no value/,
      hint: /Give memory_policy\.swap\.soft a value/,
    },
    {
      name: 'a field a group does not have',
      body: 'psi: {critical: 99}',
      input: 'memory_policy.psi.critical',
      error: /memory_policy\.psi\.critical is not a memory_policy\.psi key/,
      hint: /Use enabled, metric, duration, warning, soft, hard\./,
    },
    {
      name: 'a key the block does not have',
      body: 'swappiness: 10',
      input: 'memory_policy.swappiness',
      error: /:4:3: memory_policy\.swappiness is not a memory_policy key/,
      hint: /preset, mem, swap, zram, psi, protect, prefer or soft_actions/,
    },
    {
      name: 'a block that is not a mapping',
      body: '- server',
      input: 'memory_policy',
      error: /memory_policy is a list, not a mapping/,
      hint: /mapping/,
    },
    {
      name: 'a protect pattern that is not a regular expression',
      body: 'protect: ["(sshd"]',
      input: 'memory_policy.protect[0]: (sshd',
      error: /memory_policy\.protect\[0\] "\(sshd" is not a valid regular expression/,
      hint: /\^sshd\$/,
    },
    {
      // Found by `npm run fuzz`: a bare pattern's problem named a `name:` key the file does not have.
      name: 'a bare protect pattern is named as written, without a name key',
      body: 'protect:\n    - "["',
      input: 'memory_policy.protect[0]: [',
      error: /memory_policy\.protect\[0\] "\[" is not a valid regular expression/,
      hint: /\^sshd\$/,
    },
    {
      name: 'a name pattern written as a mapping keeps its key',
      body: 'protect: [{name: "(sshd"}]',
      input: 'memory_policy.protect[0].name: (sshd',
      error: /memory_policy\.protect\[0\]\.name "\(sshd" is not a valid regular expression/,
      hint: /\^sshd\$/,
    },
    {
      name: 'a pattern in JavaScript-only syntax',
      body: 'prefer: [{cmdline: "(?<job>worker)"}]',
      input: 'memory_policy.prefer[0].cmdline: (?<job>worker)',
      error: /uses \(\?<name>…\), which Python \(nohang\) does not read/,
      hint: /Python and JavaScript/,
    },
    {
      name: 'a rule with two things to match',
      body: 'protect: [{name: a, cmdline: b}]',
      input: 'memory_policy.protect[0]',
      error: /memory_policy\.protect\[0\] needs exactly one of name, cmdline, cgroup, cgroup_v1, realpath/,
      hint: /memory_policy\.protect: \["\^sshd\$"/,
    },
    {
      name: 'a rule with an unknown key',
      body: 'prefer: [{name: a, weight: 3}]',
      input: 'memory_policy.prefer[0]',
      error: /has unknown key weight/,
      hint: /adj: 500/,
    },
    {
      name: 'a badness adjustment out of range',
      body: 'prefer: [{name: a, adj: 5000}]',
      input: 'memory_policy.prefer[0].adj: 5000',
      error: /"5000" is out of range: nohang's badness adjustments are whole numbers from -1000 to 1000/,
      hint: /adj: 300/,
    },
    {
      name: 'a soft action without a command',
      body: 'soft_actions: [{name: "^a$"}]',
      input: 'memory_policy.soft_actions[0]',
      error: /needs one of name, cgroup, cgroup_v1, and a command/,
      hint: /systemctl restart myapp\.service/,
    },
    {
      name: "a soft action pattern with nohang's separator",
      body: 'soft_actions: [{cgroup: "a///b", command: "true"}]',
      input: 'memory_policy.soft_actions[0].cgroup: a///b',
      error: /"a\/\/\/b" contains \/\/\/, nohang's separator/,
      hint: /regular expression/,
    },
    {
      name: 'a soft action with an empty command',
      body: 'soft_actions: [{name: "^a$", command: " "}]',
      input: 'memory_policy.soft_actions[0].command:  ',
      error: /memory_policy\.soft_actions\[0\]\.command is empty/,
      hint: /command:/,
    },
  ];
  it.each(invalid)('$name', ({body, input, error, hint}) => {
    const errors = parsePolicyFile(config(body), FILE, MIB512).block?.errors ?? [];
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({level: 'error', input});
    expect(errors[0]?.message).toMatch(error);
    expect(errors[0]?.message.startsWith(`${FILE}:`)).toBe(true);
    expect(errors[0]?.hint).toMatch(hint);
  });
});

describe('policyFromData', () => {
  it('reads a block given as data, sources naming the file alone', () => {
    const {block} = policyFromData({preset: 'server', psi: {hard: 80}}, 'the test');
    expect(block?.settings).toEqual([{key: 'hard_threshold_max_psi', value: '80', source: 'the test'}]);
  });

  // Found by `npm run fuzz` (fuzz/memory-policy.fuzz.ts): a key that is an alias to no anchor was
  // named "undefined", text the file does not have.
  it('names a key that is an alias to an undefined anchor as written', () => {
    const text = '{ memory_policy: { prese,*server, mem: {soft: 5%} } }\n';
    const {block} = parsePolicyFile(text, '/oem/90_memory.yaml');
    expect(block?.errors.map((e) => e.input)).toEqual(['memory_policy.prese', 'memory_policy.*server']);
    expect(block?.errors.map((e) => e.message).join('\n')).not.toContain('undefined');
  });
});
