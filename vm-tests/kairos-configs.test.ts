// Kairos-shaped cloud-configs booted for real (issue #10): the standard disk on a disk 512 MiB
// larger (free space after COS_PERSISTENT, the last partition, as an image written to a bigger
// disk) with a NoCloud `cidata` CD attached, booted twice. The configs
// (agent/cloud-config/kairos-stock.yaml) grow COS_PERSISTENT, pull the CD's user data into /oem,
// decide only_os/only_service_manager, make group admin (gid 900) and user kairos in it, a
// templated fallback host name and the cos-setup-boot unit. The user data (a `#cloud-config`)
// names the host and writes a file. Boot 1 grows and writes; boot 2 (same disk, same CD) changes
// nothing: the same partitions, filesystem size, and user data files (inode, mtime).
import {closeSync, openSync, readSync, statSync} from 'node:fs';
import {join} from 'node:path';
import {execa} from 'execa';
import {beforeAll, describe, expect, it} from 'vitest';
import {CACHE_DIR} from './lib/cache.ts';
import {buildCidataIso} from './lib/cidata.ts';
import {diskCmdline, expectBootStatus, expectStagesRan} from './lib/expect-boot.ts';
import type {AgentFacts, DiskFact} from './lib/facts.ts';
import {bootForFacts, buildImageSet, buildStandardDisk} from './lib/fixtures.ts';
import {progress} from './lib/log.ts';
import {type BootResult, createOverlay} from './lib/qemu.ts';

const GROW_MIB = 512;
// A hang guard (doubled by IMMUCORE_VM_TIMEOUT_SCALE), above the default 300 s: on a machine loaded
// by other builds and guests, one of these full boots took 532 s to the agent.
const BOOT_TIMEOUT_SEC = 420;
const USER_DATA = `#cloud-config
hostname: kairos-cidata
stages:
  initramfs:
    - name: "From the CD"
      files:
        - path: /etc/immucore-cidata
          content: "applied from the cidata user data\\n"
          permissions: 0644
`;
const CONFIG = '/system/immucore-test/kairos-stock.yaml';
const FILES = [
  '/proc/sys/kernel/hostname',
  '/etc/hostname',
  '/etc/group',
  '/etc/passwd',
  '/etc/immucore-cidata',
  '/etc/systemd/system/cos-setup-boot.service',
  '/etc/systemd/system/multi-user.target.wants/cos-setup-boot.service',
  '/oem/userdata',
  '/oem/userdata.yaml',
];
const STATS = ['/oem/userdata', '/oem/userdata.yaml'];

/** The base disk's last partition and its ext4 size, read from the raw file (GPT and superblock). */
async function baseLayout(
  disk: string,
): Promise<{sectors: number; start: number; size: number; fsBytes: number}> {
  const {stdout} = await execa('sfdisk', ['--json', disk]);
  const table = JSON.parse(stdout) as {partitiontable: {partitions: Array<{start: number; size: number}>}};
  const last = table.partitiontable.partitions.at(-1);
  if (!last) throw new Error(`no partition on ${disk}`);
  // ext4 superblock at byte 1024 of the partition: s_blocks_count_lo at 4, s_log_block_size at 24.
  const sb = Buffer.alloc(1024);
  const fd = openSync(disk, 'r');
  try {
    readSync(fd, sb, 0, 1024, last.start * 512 + 1024);
  } finally {
    closeSync(fd);
  }
  const fsBytes = sb.readUInt32LE(4) * 1024 * 2 ** sb.readUInt32LE(24);
  const sectors = Math.floor(statSync(disk).size / 512);
  return {sectors, start: last.start, size: last.size, fsBytes};
}

function persistentOf(disk: DiskFact | null | undefined) {
  expect(disk, 'no disk facts (immucore.test.disk=1)').toBeTruthy();
  const d = disk as DiskFact;
  const last = d.partitions.at(-1);
  const ext4 = d.persistentExt4;
  expect(last).toBeDefined();
  expect(ext4).toBeTruthy();
  return {
    partition: last as {name: string; start: number; size: number},
    fsBytes: (ext4?.['Block count'] ?? 0) * (ext4?.['Block size'] ?? 0),
  };
}

/** `<label>: done in <n>ms` of the step named `name` in the immucore journal. */
function stepMs(facts: AgentFacts, name: string): number | undefined {
  const m = new RegExp(`"${name}" \\([^)]*\\): done in (\\d+)ms`).exec(facts.immucoreJournal);
  return m ? Number(m[1]) : undefined;
}

describe('Kairos stock-like configs, a grown disk and a cidata CD, booted twice', () => {
  let base: Awaited<ReturnType<typeof baseLayout>>;
  let first: AgentFacts;
  let second: AgentFacts;

  beforeAll(async () => {
    const images = await buildImageSet();
    const disk = await buildStandardDisk(images);
    base = await baseLayout(disk);
    const overlay = await createOverlay(
      disk,
      join(CACHE_DIR, 'overlays', 'kairos-configs.qcow2'),
      Math.ceil((base.sectors * 512) / 1024 / 1024) + GROW_MIB,
    );
    const cdrom = await buildCidataIso('kairos', {
      userData: USER_DATA,
      metaData: 'instance-id: immucore-kairos\nlocal-hostname: from-meta-data\n',
    });
    const append = `${diskCmdline('active')} kairos.config_url=${CONFIG} immucore.test.files=${FILES.join(',')} immucore.test.stat=${STATS.join(',')} immucore.test.disk=1`;
    let boot: BootResult;
    ({boot, facts: first} = await bootForFacts({
      name: 'kairos-configs-1',
      append,
      overlay,
      cdrom,
      timeoutSec: BOOT_TIMEOUT_SEC,
      waitForPoweroff: true,
    }));
    progress(
      `kairos-configs-1: ${boot.seconds.toFixed(0)} s (agent at ${boot.secondsToAgent?.toFixed(0)} s)`,
    );
    ({boot, facts: second} = await bootForFacts({
      name: 'kairos-configs-2',
      append,
      overlay,
      cdrom,
      timeoutSec: BOOT_TIMEOUT_SEC,
    }));
    progress(
      `kairos-configs-2: ${boot.seconds.toFixed(0)} s (agent at ${boot.secondsToAgent?.toFixed(0)} s)`,
    );
    for (const [n, f] of [
      [1, first],
      [2, second],
    ] as const)
      progress(
        `kairos-configs-${n}: Repart image ${stepMs(f, 'Repart image')} ms, Pull data from provider ${stepMs(f, 'Pull data from provider')} ms`,
      );
  }, 1_800_000);

  it('boots ok twice, every stage step as planned, no unit failed', () => {
    expect(second.bootId).not.toBe(first.bootId);
    for (const facts of [first, second]) {
      expectBootStatus(facts, 'ok');
      expectStagesRan(facts);
      // A stage step that failed says `<part> "<name>" (<file> <path>) failed: …`.
      expect(facts.immucoreJournal).not.toMatch(/\) failed/);
    }
  });

  it('grows COS_PERSISTENT, the last partition, and its ext4 to the end of the disk on the first boot', () => {
    const {partition, fsBytes} = persistentOf(first.disk);
    const sectors = first.disk?.sectors ?? 0;
    expect(sectors).toBe(base.sectors + GROW_MIB * 2048);
    expect(partition.start).toBe(base.start);
    // Up to the last usable sector: the backup GPT's 33 sectors follow.
    expect(partition.start + partition.size - 1).toBe(sectors - 34);
    expect(partition.size).toBeGreaterThan(base.size + (GROW_MIB - 1) * 2048);
    expect(fsBytes).toBeGreaterThan(base.fsBytes);
    expect(fsBytes).toBeLessThanOrEqual(partition.size * 512);
    expect(fsBytes).toBeGreaterThan(partition.size * 512 - 1024 * 1024);
    expect(first.immucoreJournal).toMatch(
      new RegExp(
        `layout: growing partition \\d+ of /dev/vda from ${Math.floor(base.size / 2048)} MiB to ${Math.floor(partition.size / 2048)} MiB`,
      ),
    );
    progress(
      `kairos-configs: COS_PERSISTENT ${base.size / 2048} MiB (ext4 ${base.fsBytes / 2 ** 20} MiB) -> ${partition.size / 2048} MiB (ext4 ${fsBytes / 2 ** 20} MiB)`,
    );
  });

  it('pulls the user data from the cidata CD into /oem', () => {
    expect(first.immucoreJournal).toMatch(/datasource: user data from \/dev\/sr0 \(cidata\) user-data/);
    expect(first.immucoreJournal).toMatch(/datasource: wrote \/oem\/userdata\.yaml/);
    for (const facts of [first, second]) {
      expect(facts.files['/oem/userdata']).toBe(USER_DATA);
      expect(facts.files['/oem/userdata.yaml']).toBe(USER_DATA);
    }
  });

  it("applies the user data in the same boot: its hostname (over the configs' fallback) and its file", () => {
    for (const facts of [first, second]) {
      expect(facts.files['/proc/sys/kernel/hostname']?.trim()).toBe('kairos-cidata');
      expect(facts.files['/etc/hostname']?.trim()).toBe('kairos-cidata');
      expect(facts.files['/etc/immucore-cidata']).toBe('applied from the cidata user data\n');
      expect(facts.immucoreJournal).toMatch(/"Default hostname" \([^)]*\): skipped/);
    }
  });

  it('decides only_os and only_service_manager on the booted root', () => {
    for (const facts of [first, second]) {
      expect(facts.cos['kairos-only-os']).toBe('Debian family\n');
      expect(facts.cos['kairos-suse']).toBeUndefined();
      expect(facts.cos['kairos-openrc']).toBeUndefined();
    }
  });

  it('makes group admin (gid 900), user kairos in it, /oem owned by it, and the boot-stage unit', () => {
    for (const facts of [first, second]) {
      expect(facts.files['/etc/group']).toMatch(/^admin:x:900:kairos$/m);
      expect(facts.files['/etc/passwd']).toMatch(/^kairos:x:\d+:\d+::\/home\/kairos:\/bin\/bash$/m);
      expect(facts.stat?.['/oem/userdata.yaml']?.owner).toBe('0:900');
      expect(facts.files['/etc/systemd/system/cos-setup-boot.service']).toMatch(/ExecStart=\/bin\/true/);
      expect(facts.files['/etc/systemd/system/multi-user.target.wants/cos-setup-boot.service']).toBe(
        facts.files['/etc/systemd/system/cos-setup-boot.service'],
      );
    }
  });

  it('changes nothing on the second boot: partitions, filesystem size, user data files', () => {
    expect(second.disk).toEqual(first.disk);
    for (const p of STATS) {
      expect(second.stat?.[p], p).toBeTruthy();
      expect(second.stat?.[p], p).toEqual(first.stat?.[p]);
    }
    expect(second.immucoreJournal).toMatch(/layout: partition \d+ of \/dev\/vda already has its size/);
    expect(second.immucoreJournal).not.toMatch(/layout: growing/);
    expect(second.immucoreJournal).toMatch(/datasource: \/oem\/userdata\.yaml already holds this user data/);
    expect(second.immucoreJournal).not.toMatch(/datasource: wrote/);
  });
});
