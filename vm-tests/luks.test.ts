// Encrypted volumes (SPEC §5, Kairos kcrypt) on one disk with a software TPM kept between boots.
// Boot 1: the agent does what a Kairos install with kcrypt's local TPM mode does: seals a
// passphrase in NV index 0x1500000 and formats four containers, one per generation (LUKS1 found by
// partition name, LUKS1 with the v5 UUID, LUKS2 labelled like its filesystem, LUKS2 `_LUKS`).
// Boot 2: immucore unlocks all four from the TPM and mounts each from /dev/mapper. Then the NV
// index is deleted on the host (swtpm): boot 3 fails each volume by name, degraded, the root and
// the rest still up, and nothing created in the TPM.
import {spawn} from 'node:child_process';
import {rm} from 'node:fs/promises';
import net from 'node:net';
import {join} from 'node:path';
import {execa} from 'execa';
import {beforeAll, describe, expect, it} from 'vitest';
import {kcryptUuid} from '../src/boot/luks.ts';
import type {BootReport} from '../src/report/boot-report.ts';
import {CACHE_DIR} from './lib/cache.ts';
import {buildDisk} from './lib/disk.ts';
import {diskCmdline, expectImageBoot, fstabLines, reportOf} from './lib/expect-boot.ts';
import type {AgentFacts} from './lib/facts.ts';
import {bootForFacts, freshOverlay, standardLayout} from './lib/fixtures.ts';
import type {ImageSet} from './lib/image.ts';

const VOLUMES = [
  {label: 'COS_PERSISTENT', path: '/usr/local', foundBy: 'partition-name'},
  {label: 'DATA1', path: '/mnt', foundBy: 'kcrypt-uuid'},
  {label: 'DATA2', path: '/media', foundBy: 'header-label'},
  {label: 'DATA3', path: '/usr/src', foundBy: 'luks-label'},
];
const LUKS_TXT = '/run/immucore-test/luks.txt';
const FILES = [LUKS_TXT, ...VOLUMES.map((v) => `${v.path}/made-by-provision`)];

/** The standard disk, its persistent partition and three data partitions raw for the agent to encrypt. */
function buildLuksDisk(images: ImageSet): Promise<string> {
  const raw = (label: string, partName: string, extraMiB: number) => ({
    label,
    partName,
    content: {kind: 'empty' as const},
    extraMiB,
  });
  return buildDisk('luks', [
    ...standardLayout(images, {COS_PERSISTENT: raw('RAW_PERSISTENT', 'persistent', 128)}),
    raw('RAW_DATA1', 'data1', 24),
    raw('RAW_DATA2', 'data2', 48),
    raw('RAW_DATA3', 'data3', 48),
  ]);
}

/** Delete NV index 0x1500000 in the guest's TPM state, as a cleared or replaced TPM would lose it. */
async function deleteNvIndex(stateDir: string): Promise<string> {
  const port = await freePort();
  const swtpm = spawn(
    'swtpm',
    [
      'socket',
      '--tpm2',
      '--tpmstate',
      `dir=${stateDir}`,
      '--server',
      `type=tcp,port=${port}`,
      '--ctrl',
      `type=tcp,port=${port + 1}`,
      '--flags',
      'not-need-init,startup-clear',
    ],
    {stdio: 'ignore'},
  );
  const env = {TPM2TOOLS_TCTI: `swtpm:port=${port}`};
  try {
    for (
      let i = 0;
      (await execa('tpm2_getcap', ['properties-fixed'], {env, reject: false})).exitCode !== 0;
      i++
    ) {
      if (i > 100) throw new Error('swtpm on the guest state did not answer');
      await new Promise((r) => setTimeout(r, 50));
    }
    await execa('tpm2_nvundefine', ['-C', 'o', '0x1500000'], {env});
    await execa('tpm2_shutdown', [], {env});
    return (await execa('tpm2_getcap', ['handles-nv-index'], {env})).stdout;
  } finally {
    swtpm.kill();
  }
}

async function nvIndexes(stateDir: string): Promise<string> {
  const port = await freePort();
  const swtpm = spawn(
    'swtpm',
    [
      'socket',
      '--tpm2',
      '--tpmstate',
      `dir=${stateDir}`,
      '--server',
      `type=tcp,port=${port}`,
      '--ctrl',
      `type=tcp,port=${port + 1}`,
      '--flags',
      'not-need-init,startup-clear',
    ],
    {stdio: 'ignore'},
  );
  const env = {TPM2TOOLS_TCTI: `swtpm:port=${port}`};
  try {
    for (
      let i = 0;
      (await execa('tpm2_getcap', ['properties-fixed'], {env, reject: false})).exitCode !== 0;
      i++
    ) {
      if (i > 100) throw new Error('swtpm on the guest state did not answer');
      await new Promise((r) => setTimeout(r, 50));
    }
    return (await execa('tpm2_getcap', ['handles-nv-index'], {env})).stdout.trim();
  } finally {
    swtpm.kill();
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

const findMount = (facts: AgentFacts, target: string) => facts.mounts.find((m) => m.target === target);
const encryption = (facts: AgentFacts) => (reportOf(facts) as BootReport).encryption ?? [];

describe('encrypted volumes unlocked with the TPM, every kcrypt generation', () => {
  const tpmStateDir = join(CACHE_DIR, 'tpm', 'luks');
  let provisioned: AgentFacts;
  let unlocked: AgentFacts;
  let locked: AgentFacts;
  let nvAfterDelete: string;
  let nvAfterLockedBoot: string;

  beforeAll(async () => {
    await rm(tpmStateDir, {recursive: true, force: true});
    const overlay = await freshOverlay('luks', buildLuksDisk);
    const common = {disk: buildLuksDisk, overlay, tpmStateDir, waitForPoweroff: true};
    ({facts: provisioned} = await bootForFacts({
      ...common,
      name: 'luks-1-provision',
      // No COS_PERSISTENT yet: do not wait long for it.
      append: `${diskCmdline('active')} rd.immucore.volumetimeout=2 immucore.test.luks=provision immucore.test.files=${LUKS_TXT}`,
    }));
    const append = `${diskCmdline('active')} kairos.config_url=/system/immucore-test/luks-volumes.yaml immucore.test.luks=status immucore.test.files=${FILES.join(',')}`;
    ({facts: unlocked} = await bootForFacts({...common, name: 'luks-2-unlock', append}));
    nvAfterDelete = await deleteNvIndex(tpmStateDir);
    ({facts: locked} = await bootForFacts({...common, name: 'luks-3-nv-deleted', append}));
    nvAfterLockedBoot = await nvIndexes(tpmStateDir);
  }, 3_600_000);

  it('the first boot sealed a passphrase and encrypted four partitions, as kcrypt does', () => {
    expect(provisioned.files[LUKS_TXT], provisioned.files[LUKS_TXT] ?? '').toMatch(/provisioned\n?$/);
    // The guest has no python: the UUIDs it formats with are the ones immucore derives.
    expect(provisioned.files[LUKS_TXT]).toContain(kcryptUuid('DATA1'));
    expect(provisioned.files[LUKS_TXT]).toContain(kcryptUuid('DATA3'));
  });

  it('unlocks each container with the TPM NV passphrase, found by its generation, and boots ok', () => {
    expect(reportOf(unlocked).status, JSON.stringify(reportOf(unlocked).failures)).toBe('ok');
    expectImageBoot(unlocked, 'active');
    // In mount order (parents first, then by name), as the layout's volumes are.
    const records = [...encryption(unlocked)].sort((a, b) => a.volume.localeCompare(b.volume));
    expect(records.map((r) => [r.volume, r.foundBy, r.keySource, r.outcome])).toEqual(
      VOLUMES.map((v) => [`LABEL=${v.label}`, v.foundBy, 'TPM NV index 0x1500000', 'unlocked']),
    );
    for (const r of records)
      console.log(`unlock ${r.volume} (${r.foundBy}): ${Math.round(r.durationMs)} ms under TCG`);
    const steps = reportOf(unlocked).steps.filter((s) => s.name.startsWith('unlock-'));
    console.log(steps.map((s) => `${s.name}: ${s.outcome} ${Math.round(s.durationMs ?? 0)} ms`).join(', '));
  });

  it('mounts each volume from its mapper, never by label, and fstab says the same', () => {
    for (const v of VOLUMES) {
      const record = encryption(unlocked).find((r) => r.volume === `LABEL=${v.label}`);
      expect(record?.mapper).toMatch(/^\/dev\/mapper\/vda\d+$/);
      expect(findMount(unlocked, v.path)?.source, v.path).toBe(record?.mapper);
      expect(fstabLines(unlocked).filter((l) => l.split(/\s+/)[1] === v.path)).toEqual([
        expect.stringMatching(new RegExp(`^${record?.mapper} ${v.path} ext4 `)),
      ]);
      expect(unlocked.files[`${v.path}/made-by-provision`]?.trim()).toBe(v.label);
    }
  });

  it('immucore status shows each encrypted volume and how it was unlocked', () => {
    const status = unlocked.files[LUKS_TXT] ?? '';
    expect(status).toContain('encrypted volumes:');
    for (const v of VOLUMES)
      expect(status).toMatch(
        new RegExp(
          `LABEL=${v.label}: /dev/vda\\d+ → /dev/mapper/vda\\d+, unlocked with the TPM NV index 0x1500000 in \\d+ ms`,
        ),
      );
  });

  it('without the NV index: each volume fails by name with the key source and the fix; the boot is degraded, not stopped', () => {
    expect(nvAfterDelete.trim()).toBe('');
    expect(reportOf(locked).status).toBe('degraded');
    expectImageBoot(locked, 'active');
    const failures = reportOf(locked).failures.filter((f) => f.step === 'unlock-volumes');
    expect(failures.map((f) => f.item).sort()).toEqual(VOLUMES.map((v) => `LABEL=${v.label}`));
    for (const f of failures) {
      expect(f.message).toMatch(
        /^TPM NV index 0x1500000 not found: was \/dev\/vda\d+ encrypted on this machine\?$/,
      );
      expect(f.hint).toMatch(/never creates a new key/);
    }
    for (const v of VOLUMES) expect(findMount(locked, v.path), v.path).toBeUndefined();
    expect(locked.files[LUKS_TXT]).toMatch(/LOCKED: TPM NV index 0x1500000/);
    expect(locked.files[LUKS_TXT]).toMatch(/No devices found/);
  });

  it('creates nothing in the TPM when the key is missing (kcrypt would seal a new passphrase)', () => {
    expect(nvAfterLockedBoot).toBe('');
  });
});
