// rd.immucore.disable on a plain ext4 root partition: dracut mounts the root from root= as it
// would without immucore; immucore runs the live plan, writes its sentinel and report, and mounts
// nothing (no state partition, no loop image, no overlays).
import {beforeAll, describe, expect, it} from 'vitest';
import {parseCmdline} from '../src/boot/cmdline.ts';
import {decideBootState} from '../src/boot/state.ts';
import {type AgentFacts, findMount} from './lib/facts.ts';
import {bootDisk, buildImageSet, buildPlainRootDisk} from './lib/fixtures.ts';
import type {BootResult} from './lib/qemu.ts';

const CMDLINE = 'root=LABEL=ROOTFS rd.immucore.disable';

describe('rd.immucore.disable boot of a plain root partition', () => {
  let boot: BootResult;
  let facts: AgentFacts;

  beforeAll(async () => {
    const images = await buildImageSet();
    const disk = await buildPlainRootDisk(images);
    boot = await bootDisk(images, disk, {name: 'disable-boot', append: CMDLINE, timeoutSec: 240});
    if (!boot.facts) throw new Error(`the agent never reported; see ${boot.logPath}`);
    facts = boot.facts;
  });

  it('switches root into the plain partition, mounted by dracut', () => {
    const root = findMount(facts, '/');
    expect(root?.fstype).toBe('ext4');
    expect(root?.source).toMatch(/^\/dev\/vda2$/);
    expect(facts.marker).toBe('active');
    expect(facts.failedUnits).toEqual([]);
  });

  it('writes only the sentinel the boot state names', () => {
    const {sentinel} = decideBootState(parseCmdline(CMDLINE));
    expect(Object.keys(facts.cos)).toEqual([sentinel]);
    expect(facts.cos[sentinel]?.trim()).toBe('1');
  });

  it('mounts no image, overlay or state partition', () => {
    expect(facts.mounts.filter((m) => m.source.startsWith('/dev/loop'))).toEqual([]);
    expect(facts.mounts.filter((m) => m.fstype === 'overlay')).toEqual([]);
    expect(findMount(facts, '/run/initramfs/cos-state')).toBeUndefined();
    expect(findMount(facts, '/run/overlay')).toBeUndefined();
  });

  it('reports a live-plan boot', () => {
    const report = facts.report as {status: string; mode: string; mounts: unknown[]} | null;
    expect(report, 'no /run/immucore/report.json').not.toBeNull();
    expect(report?.mode).toBe('live');
    expect(report?.status).toBe('ok');
    expect(report?.mounts).toEqual([]);
  });
});
