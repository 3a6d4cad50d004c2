// The memory policy in a booted system (SPEC §10, issue 6): rd.immucore.memory=server renders
// /etc/nohang/immucore.conf, points nohang.service at it with a drop-in and enables that unit alone
// (nohang-desktop.service conflicts with it). Once up, the agent (immucore.test.hog=1) starts a
// process named sshd holding ~55 % of MemAvailable, matched by the server preset's protect rule,
// then an unbounded hog (`tail /dev/zero`). The protected process is the larger one, so the kernel's
// OOM killer (and an unprotected nohang) would pick it: nohang must kill the hog and spare it.
import {beforeAll, describe, expect, it} from 'vitest';
import {diskCmdline, expectImageBoot, reportOf} from './lib/expect-boot.ts';
import type {AgentFacts, HogFacts, MemoryFacts} from './lib/facts.ts';
import {bootForFacts} from './lib/fixtures.ts';

const CONFIG = '/etc/nohang/immucore.conf';
const DROP_IN = '/etc/systemd/system/nohang.service.d/immucore.conf';

function memoryOf(facts: AgentFacts): MemoryFacts {
  expect(facts.memory, 'the agent reported no memory facts').toBeTypeOf('object');
  return facts.memory as MemoryFacts;
}

function hogOf(facts: AgentFacts): HogFacts {
  const hog = memoryOf(facts).hog;
  expect(hog, 'the agent ran no hog (immucore.test.hog=1)').toBeTypeOf('object');
  return hog as HogFacts;
}

describe('memory policy: rd.immucore.memory=server, nohang kills a hog and spares a protected process', () => {
  let facts: AgentFacts;

  beforeAll(async () => {
    ({facts} = await bootForFacts({
      name: 'memory-policy',
      append: `${diskCmdline('active')} rd.immucore.memory=server immucore.test.hog=1 immucore.test.files=${CONFIG},${DROP_IN}`,
      timeoutSec: 600,
    }));
  });

  it('records the server preset, chosen by the cmdline, and nohang.service enabled in report.json', () => {
    expectImageBoot(facts, 'active');
    const policy = reportOf(facts).memory?.policy;
    expect(policy, JSON.stringify(reportOf(facts).memory)).toMatchObject({preset: 'server', fellBack: false});
    expect(policy?.presetSource).toContain('rd.immucore.memory');
    expect(policy?.rules.map((r) => r.line).join('\n')).toMatch(
      /@BADNESS_ADJ_RE_NAME\s+-1000\s+\/\/\/\s+\^sshd\$/,
    );
    expect(policy?.applied).toMatchObject({unit: 'nohang.service', config: CONFIG});
    const steps = reportOf(facts).steps.filter((s) => s.name === 'memory-policy');
    expect(steps.map((s) => s.outcome)).toEqual(['ok']);
  });

  it('runs exactly one nohang unit, nohang.service, with the rendered config', () => {
    const memory = memoryOf(facts);
    expect(memory.units['nohang.service']).toEqual({enabled: 'enabled', active: 'active'});
    expect(memory.units['nohang-desktop.service'].active).not.toBe('active');
    expect(memory.units['nohang-desktop.service'].enabled).not.toBe('enabled');
    expect(memory.dropIns).toContain(DROP_IN);
    expect(memory.execStart).toContain(CONFIG);
    expect(facts.files[DROP_IN]).toContain(CONFIG);
    expect(facts.files[CONFIG]).toMatch(/^psi_checking_enabled\s*=\s*True$/m);
    expect(memory.journal).toContain('Monitoring has started');
  });

  it('kills the hog through nohang, not the kernel OOM killer', () => {
    const hog = hogOf(facts);
    expect(hog.waited, JSON.stringify(hog)).toEqual({nohang: true, protected: true, hogGone: true});
    expect(hog.hogPid).toBeGreaterThan(1);
    // nohang's corrective action names its victim, then the signal it sent.
    const journal = memoryOf(facts).journal;
    const victim = journal.lastIndexOf('Victim status');
    expect(victim, journal.slice(-3000)).toBeGreaterThanOrEqual(0);
    const action = journal.slice(victim);
    expect(action).toMatch(new RegExp(`PID:\\s+${hog.hogPid}, name: tail,`));
    expect(action).toMatch(/cgroup_v2: \/system\.slice\/immucore-test-hog\.service/);
    expect(action).toMatch(/Sending SIG(KILL|TERM) to the victim/);
    expect(journal).not.toMatch(/name: sshd, state/);
    expect(hog.kernelOom).toBe('');
  });

  it('spares the process the protect rule matches, though it holds more memory than the hog', () => {
    const hog = hogOf(facts);
    expect(hog.protectedComm).toBe('sshd');
    expect(hog.protectedActive).toBe('active');
    expect(hog.protectedMiB).toBeGreaterThan(hog.memAvailableMiB / 2);
  });
});
