// Encrypted volumes (SPEC §5, Kairos kcrypt) on one disk with a software TPM kept between boots.
// Boot 1: the agent does what a Kairos install with kcrypt's local TPM mode does: seals a
// passphrase in NV index 0x1500000 and formats four containers, one per generation (LUKS1 found by
// partition name, LUKS1 with the v5 UUID, LUKS2 labelled like its filesystem, LUKS2 `_LUKS`), and
// two with a systemd-tpm2 token on PCR 7 (systemd-cryptenroll), the second enrolled after PCR 7
// was extended; each also gets the fake key server's passphrase.
// Boot 2: immucore unlocks the four from the TPM NV index and DATA4 with its token, each mounted
// from /dev/mapper. Then the NV index is deleted on the host (swtpm): boot 3 fails each NV volume
// by name, and DATA5 (PCR 7 not what it was sealed to), degraded, the root, DATA4 and the rest
// still up, nothing created in the TPM; its agent then encrypts COS_OEM with the key server's key
// only. Boot 4: the key server on the cmdline (kcrypt.challenger.challenger_server), the image's
// plugin (kcrypt-discovery-fake) opens the encrypted OEM before mount-oem and every volume; seen
// from the initramfs (lib/initramfs-watch.ts), the guest stopped before switch-root.
import {spawn} from 'node:child_process';
import {readFileSync} from 'node:fs';
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
import {bootDisk, bootForFacts, buildImageSet, freshOverlay, standardLayout} from './lib/fixtures.ts';
import type {ImageSet} from './lib/image.ts';
import {
  detached,
  type InitramfsFacts,
  PORT,
  readInitramfsFacts,
  WATCH_END,
  waitWhileUnit,
  watcherScript,
} from './lib/initramfs-watch.ts';
import {LOG_DIR} from './lib/paths.ts';

const NV = 'TPM NV index 0x1500000';
const TOKEN = 'systemd-tpm2 token';
const KMS = 'http://fake-kms';
const VOLUMES = [
  {label: 'COS_PERSISTENT', path: '/usr/local', foundBy: 'partition-name', key: NV},
  {label: 'DATA1', path: '/mnt', foundBy: 'kcrypt-uuid', key: NV},
  {label: 'DATA2', path: '/media', foundBy: 'header-label', key: NV},
  {label: 'DATA3', path: '/usr/src', foundBy: 'luks-label', key: NV},
  {label: 'DATA4', path: '/usr/games', foundBy: 'luks-label', key: TOKEN},
];
/** Sealed to a PCR 7 no boot has again: only in boot 3's layout. */
// Mountpoints the default layout does not name (/srv is an RW path, /opt a persistent one).
const DATA5 = {label: 'DATA5', path: '/usr/include'};
const LUKS_TXT = '/run/immucore-test/luks.txt';
const FILES = [LUKS_TXT, ...VOLUMES.map((v) => `${v.path}/made-by-provision`)];
const KEY_SERVER_BOOT = 'luks-4-key-server';

/**
 * Boot 4's watcher (rd.immucore.break=report): once immucore has settled, each volume's
 * made-by-provision as the initramfs sees it under /sysroot, then lib/initramfs-watch's sections.
 */
function watchKeyServerBoot() {
  const files = ['/oem', ...VOLUMES.map((v) => v.path)].map((p) => `/sysroot${p}/made-by-provision`);
  // The marker is split by quotes where it is typed, as initramfs-watch's are.
  const cat = `for f in ${files.join(' ')}; do echo "@@FILE""@@ $f: $(cat $f 2>&1)"; done`;
  return [
    {
      after: /immucore break \(report\) # /,
      send: `${detached(`${waitWhileUnit(['activating', 'deactivating'])}; ${cat}; ${watcherScript()}`, PORT)} exit\n`,
    },
  ];
}

/** What the watcher of watchKeyServerBoot read in each made-by-provision, by path under /sysroot. */
function provisionedFiles(name: string): Record<string, string> {
  const text = readFileSync(join(LOG_DIR, `${name}.agent.log`), 'utf8').replaceAll('\r', '');
  return Object.fromEntries(
    [...text.matchAll(/^@@FILE@@ \/sysroot(\S+)\/made-by-provision: (.*)$/gm)].map((m) => [m[1], m[2]]),
  );
}

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
    raw('RAW_DATA4', 'data4', 48),
    raw('RAW_DATA5', 'data5', 48),
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
const recordOf = (facts: AgentFacts, label: string) =>
  encryption(facts).find((r) => r.volume === `LABEL=${label}`);
function logUnlocks(boot: string, facts: AgentFacts): void {
  for (const r of encryption(facts))
    console.log(
      `${boot}: unlock ${r.volume} (${r.keySource}) ${r.outcome} in ${Math.round(r.durationMs)} ms under TCG`,
    );
  const steps = reportOf(facts).steps.filter((s) => s.name.startsWith('unlock-'));
  console.log(
    `${boot}: ${steps.map((s) => `${s.name} ${s.outcome} ${Math.round(s.durationMs ?? 0)} ms`).join(', ')}`,
  );
}

describe('encrypted volumes unlocked with the TPM, every kcrypt generation', () => {
  const tpmStateDir = join(CACHE_DIR, 'tpm', 'luks');
  let provisioned: AgentFacts;
  let unlocked: AgentFacts;
  let locked: AgentFacts;
  let keyServer: InitramfsFacts;
  let keyServerFiles: Record<string, string>;
  let keyServerTimedOut: boolean;
  let nvAfterDelete: string;
  let nvAfterLockedBoot: string;

  beforeAll(async () => {
    await rm(tpmStateDir, {recursive: true, force: true});
    const overlay = await freshOverlay('luks', buildLuksDisk);
    const common = {disk: buildLuksDisk, overlay, tpmStateDir, waitForPoweroff: true};
    const timed = async (name: string, append: string): Promise<AgentFacts> => {
      const t0 = Date.now();
      const {facts} = await bootForFacts({...common, name, append});
      console.log(`${name}: ${Math.round((Date.now() - t0) / 1000)} s wall (slot wait included)`);
      return facts;
    };
    const config = (file: string) => `kairos.config_url=/system/immucore-test/${file}`;
    const files = `immucore.test.files=${FILES.join(',')}`;
    // No COS_PERSISTENT yet: do not wait long for it.
    provisioned = await timed(
      'luks-1-provision',
      `${diskCmdline('active')} rd.immucore.volumetimeout=2 immucore.test.luks=provision immucore.test.files=${LUKS_TXT}`,
    );
    unlocked = await timed(
      'luks-2-unlock',
      `${diskCmdline('active')} ${config('luks-volumes.yaml')} immucore.test.luks=status ${files}`,
    );
    nvAfterDelete = await deleteNvIndex(tpmStateDir);
    locked = await timed(
      'luks-3-nv-deleted-pcr7',
      `${diskCmdline('active')} ${config('luks-volumes-pcr7.yaml')} immucore.test.luks=status+oem ${files}`,
    );
    nvAfterLockedBoot = await nvIndexes(tpmStateDir);
    // Ends in the initramfs: what it asserts is there before switch-root.
    const t0 = Date.now();
    const images = await buildImageSet();
    const boot = await bootDisk(images, await buildLuksDisk(images), {
      name: KEY_SERVER_BOOT,
      overlay,
      tpmStateDir,
      append: `${diskCmdline('active')} ${config('luks-volumes.yaml')} kcrypt.challenger.challenger_server=${KMS} rd.immucore.break=report`,
      input: watchKeyServerBoot(),
      stopOn: WATCH_END,
      timeoutSec: 300,
    });
    console.log(`${KEY_SERVER_BOOT}: ${Math.round((Date.now() - t0) / 1000)} s wall (slot wait included)`);
    keyServerTimedOut = boot.timedOut;
    keyServer = readInitramfsFacts(KEY_SERVER_BOOT);
    keyServerFiles = provisionedFiles(KEY_SERVER_BOOT);
  }, 3_600_000);

  it('the first boot sealed a passphrase and encrypted four partitions, as kcrypt does', () => {
    expect(provisioned.files[LUKS_TXT], provisioned.files[LUKS_TXT] ?? '').toMatch(/provisioned\n?$/);
    // The guest has no python: the UUIDs it formats with are the ones immucore derives.
    expect(provisioned.files[LUKS_TXT]).toContain(kcryptUuid('DATA1'));
    expect(provisioned.files[LUKS_TXT]).toContain(kcryptUuid('DATA3'));
  });

  it('unlocks each container with its key source (TPM NV index, or the systemd-tpm2 token on PCR 7), found by its generation, and boots ok', () => {
    expect(reportOf(unlocked).status, JSON.stringify(reportOf(unlocked).failures)).toBe('ok');
    expectImageBoot(unlocked, 'active');
    const records = [...encryption(unlocked)].sort((a, b) => a.volume.localeCompare(b.volume));
    expect(records.map((r) => [r.volume, r.foundBy, r.keySource, r.outcome])).toEqual(
      VOLUMES.map((v) => [`LABEL=${v.label}`, v.foundBy, v.key, 'unlocked']),
    );
    logUnlocks('luks-2-unlock', unlocked);
  });

  it('mounts each volume from its mapper, never by label, and fstab says the same', () => {
    for (const v of VOLUMES) {
      const record = recordOf(unlocked, v.label);
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
          `LABEL=${v.label}: /dev/vda\\d+ → /dev/mapper/vda\\d+, unlocked with the ${v.key} in \\d+ ms`,
        ),
      );
  });

  it('without the NV index, and with PCR 7 not what DATA5 was sealed to: each of those volumes fails by name with the key source and the fix; the token volume still opens; degraded, not stopped', () => {
    expect(nvAfterDelete.trim()).toBe('');
    expect(reportOf(locked).status).toBe('degraded');
    expectImageBoot(locked, 'active');
    logUnlocks('luks-3-nv-deleted-pcr7', locked);
    const failures = reportOf(locked).failures.filter((f) => f.step === 'unlock-volumes');
    const nvVolumes = VOLUMES.filter((v) => v.key === NV);
    expect(failures.map((f) => f.item).sort()).toEqual(
      [...nvVolumes.map((v) => `LABEL=${v.label}`), `LABEL=${DATA5.label}`].sort(),
    );
    for (const f of failures.filter((x) => x.item !== `LABEL=${DATA5.label}`)) {
      expect(f.message).toMatch(
        /^TPM NV index 0x1500000 not found: was \/dev\/vda\d+ encrypted on this machine\?$/,
      );
      expect(f.hint).toMatch(/never creates a new key/);
    }
    const pcr = failures.find((x) => x.item === `LABEL=${DATA5.label}`);
    expect(pcr?.message).toMatch(/^the systemd-tpm2 token does not open \/dev\/vda\d+$/);
    expect(pcr?.hint).toMatch(/PCRs it was sealed to changed.*never re-enrolls/);
    expect(recordOf(locked, DATA5.label)).toMatchObject({keySource: TOKEN, outcome: 'failed'});
    for (const v of [...nvVolumes, DATA5]) expect(findMount(locked, v.path), v.path).toBeUndefined();
    // The token volume does not need the NV index.
    expect(recordOf(locked, 'DATA4')).toMatchObject({keySource: TOKEN, outcome: 'unlocked'});
    expect(findMount(locked, '/usr/games')?.source).toBe(recordOf(locked, 'DATA4')?.mapper);
    expect(locked.files[LUKS_TXT]).toMatch(/LOCKED: TPM NV index 0x1500000/);
    expect(locked.files[LUKS_TXT]).toMatch(/LABEL=DATA5: .*LOCKED: systemd-tpm2 token/);
    // COS_PERSISTENT locked: the persistent paths say so once, not "free space" for each path.
    const persistent = reportOf(locked).steps.find((x) => x.name === 'mount-persistent');
    // The runner prefixes a step's error with the step (src/dag/errors.ts).
    expect(persistent?.error?.message).toMatch(
      /^step mount-persistent \(\d+\/\d+\) failed: LABEL=COS_PERSISTENT holds the persistent state and stayed locked, so no persistent path was bound: /,
    );
    expect(JSON.stringify(persistent?.error)).not.toMatch(/free space/i);
  });

  it('creates nothing in the TPM when the key is missing (kcrypt would seal a new passphrase)', () => {
    expect(nvAfterLockedBoot).toBe('');
  });

  it('a key server on the cmdline: the image plugin opens the encrypted OEM before mount-oem, and every volume', () => {
    expect(locked.files[LUKS_TXT], locked.files[LUKS_TXT] ?? '').toMatch(/encrypted OEM \/dev\/vda\d+/);
    expect(keyServerTimedOut).toBe(false);
    expect(keyServer.unit).toMatchObject({ActiveState: 'active', Result: 'success', ExecMainStatus: '0'});
    const report = keyServer.report;
    expect(report.status, JSON.stringify(report.failures)).toBe('ok');
    const records = report.encryption ?? [];
    for (const r of records)
      console.log(
        `${KEY_SERVER_BOOT}: unlock ${r.volume} (${r.keySource}) ${r.outcome} in ${Math.round(r.durationMs)} ms under TCG`,
      );
    const oem = records.find((r) => r.volume === 'LABEL=COS_OEM');
    expect(oem).toMatchObject({
      foundBy: 'luks-label',
      keySource: `key server plugin (${KMS})`,
      // The dracut module put the image's plugin in the initramfs's $PATH.
      plugin: '/usr/bin/kcrypt-discovery-fake',
      outcome: 'unlocked',
    });
    // unlock-oem ran before mount-oem, which mounted the mapper, never the label.
    const order = report.steps.map((x) => x.name);
    expect(order.indexOf('unlock-oem')).toBeLessThan(order.indexOf('mount-oem'));
    const mount = (target: string) => keyServer.mounts.find((m) => m.target === `/sysroot${target}`);
    expect(mount('/oem')?.source).toBe(oem?.mapper);
    expect(keyServerFiles['/oem']).toBe('COS_OEM');
    for (const v of VOLUMES) {
      const r = records.find((x) => x.volume === `LABEL=${v.label}`);
      expect(r, v.label).toMatchObject({keySource: `key server plugin (${KMS})`, outcome: 'unlocked'});
      expect(r?.mapper).toMatch(/^\/dev\/mapper\/vda\d+$/);
      expect(mount(v.path)?.source, v.path).toBe(r?.mapper);
      expect(keyServerFiles[v.path], v.path).toBe(v.label);
    }
  });
});
