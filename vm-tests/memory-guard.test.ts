// The initramfs memory guard in a 512 MiB guest (SPEC §10, issue 6): a rootfs-stage step that
// allocates without bound (vm-tests/agent/cloud-config/memory-hog.yaml, read through
// kairos.config_url) is stopped by immucore's guard at the policy's hard threshold: its process
// group killed, the step failed with the reason, the stage and the boot going on.
import {beforeAll, describe, expect, it} from 'vitest';
import {diskCmdline, expectImageBoot, reportOf} from './lib/expect-boot.ts';
import type {AgentFacts} from './lib/facts.ts';
import {bootForFacts} from './lib/fixtures.ts';
import type {BootResult} from './lib/qemu.ts';

const CONFIG = 'kairos.config_url=/system/immucore-test/memory-hog.yaml';
const STEP = 'Allocate without bound';
const AFTER = '/run/immucore-memory-guard-after';

describe('512 MiB guest: the initramfs guard stops a rootfs step that allocates without bound', () => {
  let facts: AgentFacts;
  let boot: BootResult;

  beforeAll(async () => {
    ({facts, boot} = await bootForFacts({
      name: 'memory-guard',
      append: `${diskCmdline('active')} ${CONFIG} immucore.test.files=${AFTER}`,
      memoryMiB: 512,
      timeoutSec: 600,
    }));
  });

  it('completes the boot into the active image, degraded', () => {
    expectImageBoot(facts, 'active');
    expect(reportOf(facts).status).toBe('degraded');
  });

  it('fails the step, naming it and the hard threshold, in report.json', () => {
    const report = reportOf(facts);
    const failure = report.failures.find((f) => f.step === 'rootfs-stage');
    expect(failure, JSON.stringify(report.failures)).toBeDefined();
    expect(failure?.item).toContain(STEP);
    expect(failure?.message).toMatch(
      /memory guard: MemAvailable [\d.]+ MiB is at or below the hard threshold [\d.]+ MiB \(hard_threshold_min_mem = 15 % of [\d.]+ MiB\)/,
    );
    // The stage step itself ran to its end (the next item ran); the killed item is its failure.
    const step = report.steps.find((s) => s.name === 'rootfs-stage');
    expect(step?.failures?.map((f) => f.item)).toEqual([failure?.item]);
  });

  it("records the guard's kill: the step, its process group and the threshold", () => {
    const guard = reportOf(facts).memory?.guard ?? [];
    const run = guard.find((g) => g.step === 'rootfs-stage');
    expect(run, JSON.stringify(guard)).toMatchObject({
      setting: expect.stringMatching(/^hard_threshold_min_mem = 15 %/),
    });
    expect(run?.hardThresholdMiB).toBeGreaterThan(0);
    expect(run?.kills).toHaveLength(1);
    expect(run?.kills[0]?.item).toContain(STEP);
    expect(run?.kills[0]?.reason).toMatch(/^MemAvailable [\d.]+ MiB/);
    expect(run?.kills[0]?.processGroup).toBeGreaterThan(1);
    // The guard acted first: the kernel's OOM killer never ran (its lines reach the console).
    expect(boot.log).not.toMatch(/Out of memory: Killed process|invoked oom-killer/);
  });

  it('goes on with the stage after the killed step', () => {
    expect(facts.files[AFTER]).toBe('went on\n');
  });
});
