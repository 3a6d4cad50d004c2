// Persistent state across images, on real disk boots: the passive image plays the old release and
// the active one the upgrade. A state dir brings in what a new image added or changed, keeps what
// the user changed, does not bring back what the user deleted, follows a rollback, and a seed that
// ran out of space is done whole on the next boot.
import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import type {SeedRecord} from '../../src/report/boot-report.ts';
import {makeMachine} from '../helpers/boot-disk.ts';
import {withTempRoot} from '../helpers/temp-root.ts';
import type {Tree} from '../helpers/tree.ts';

const t = withTempRoot();
const OLD = 'root=LABEL=COS_PASSIVE cos-img/filename=/cOS/passive.img';
const NEW = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
const LAYOUT = [
  'RW_PATHS="/var /etc /srv"',
  'PERSISTENT_STATE_PATHS="/etc/ssh /root"',
  'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"',
  '',
].join('\n');
// Half-second mtimes: the 32 MiB persistent volume has 128-byte inodes and keeps whole seconds.
const T1 = new Date('2024-01-01T00:00:00.500Z');
const T2 = new Date('2024-06-01T00:00:00.500Z');
const file = (content: string, mtime: Date) => ({content, mtime});

const RELEASE_1: Tree = {
  'etc/ssh/sshd_config': file('Port 22\n', T1),
  'etc/ssh/moduli': file('m1\n', T1),
  'etc/ssh/ssh_config.d/a.conf': file('a1\n', T1),
  'etc/ssh/dropped': file('only in release 1\n', T1),
};
const RELEASE_2: Tree = {
  'etc/ssh/sshd_config': file('Port 22\nUsePAM yes\n', T2),
  'etc/ssh/moduli': file('m2\n', T2),
  'etc/ssh/ssh_config.d/a.conf': file('a2\n', T2),
  'etc/ssh/new_key': file('k2\n', T2),
};

const state = (p: string) => t.path(`sysroot/usr/local/.state/etc-ssh.bind/${p}`);
const read = (p: string) => fs.readFile(state(p), 'utf8');
const seedOf = (seeds: SeedRecord[] | undefined, p: string) => seeds?.find((s) => s.path === p);

describe('persistent state across images', () => {
  it('brings in what an upgrade changed, keeps the user’s changes and deletions, and follows a rollback', async () => {
    const machine = await makeMachine(t, {
      images: ['active', 'passive'],
      imageTrees: {passive: RELEASE_1, active: RELEASE_2},
    });
    const first = await machine.boot(OLD, {layout: LAYOUT});
    expect(first.result.exitCode, first.result.all).toBe(0);
    expect(seedOf(first.report.seeds, '/etc/ssh')).toMatchObject({kind: 'first', added: 5});
    // The user edits one file and deletes another.
    await fs.writeFile(t.path('sysroot/etc/ssh/sshd_config'), 'Port 2222\n');
    await fs.rm(t.path('sysroot/etc/ssh/moduli'));
    await machine.shutdown();

    const again = await machine.boot(OLD, {layout: LAYOUT});
    expect(seedOf(again.report.seeds, '/etc/ssh')).toMatchObject({kind: 'unchanged', added: 0, updated: 0});
    await machine.shutdown();

    const upgrade = await machine.boot(NEW, {layout: LAYOUT});
    expect(upgrade.result.exitCode, upgrade.result.all).toBe(0);
    expect(upgrade.report.status).toBe('ok');
    const seed = seedOf(upgrade.report.seeds, '/etc/ssh');
    expect(seed).toMatchObject({
      kind: 'update',
      added: 1,
      updated: 1,
      keptUserChanged: 1,
      notResurrected: 1,
      notInImage: 1,
      image: expect.stringMatching(/^ext4 UUID=/),
      previous: first.report.seeds?.[0]?.image,
    });
    expect(await read('new_key')).toBe('k2\n');
    expect(await read('ssh_config.d/a.conf')).toBe('a2\n');
    expect(await read('sshd_config')).toBe('Port 2222\n');
    await expect(read('moduli')).rejects.toThrow(/ENOENT/);
    expect(await read('dropped')).toBe('only in release 1\n');
    // The records sit beside the state dirs, not in them.
    const records = await fs.readdir(t.path('sysroot/usr/local/.state/.immucore'));
    expect(records.filter((f) => f.startsWith('etc-ssh.bind')).sort()).toEqual([
      'etc-ssh.bind.seed.json',
      'etc-ssh.bind.seeded-from',
    ]);
    expect(await fs.readdir(t.path('sysroot/etc/ssh'))).not.toContain('etc-ssh.bind.seed.json');
    const log = await fs.readFile(t.path('run/immucore/immucore.log'), 'utf8');
    expect(log).toMatch(
      /\/etc\/ssh: the image changed since the last seed \(was ext4 UUID=[^)]+\): 1 added, 1 updated, 1 kept \(changed by the user\), 1 not resurrected \(deleted by the user\), 1 left \(not in this image\)/,
    );
    await machine.shutdown();

    // A rollback: the older release's files come back where the user did not touch them.
    const back = await machine.boot(OLD, {layout: LAYOUT});
    expect(seedOf(back.report.seeds, '/etc/ssh')).toMatchObject({kind: 'update', updated: 1, notInImage: 1});
    expect(await read('ssh_config.d/a.conf')).toBe('a1\n');
    expect(await read('sshd_config')).toBe('Port 2222\n');
    await expect(read('moduli')).rejects.toThrow(/ENOENT/);
  }, 180_000);

  it('a first seed that runs out of space leaves nothing behind, and is done whole next boot', async () => {
    const ballast = path.join(t.images, 'ballast');
    await fs.writeFile(ballast, Buffer.alloc(22 * 2 ** 20, 1));
    const big = Buffer.alloc(3 * 2 ** 20, 7);
    const machine = await makeMachine(t, {
      images: ['active'],
      imageTrees: {
        active: {
          'etc/ssh/a.bin': {content: big.toString('latin1')},
          'etc/ssh/b.bin': {content: big.toString('latin1')},
          'etc/ssh/c.bin': {content: big.toString('latin1')},
        },
      },
      persistent: {ballast: {copyFrom: ballast}},
    });
    const full = await machine.boot(NEW, {layout: LAYOUT});
    expect(full.result.exitCode, full.result.all).toBe(0);
    expect(full.report.status).toBe('degraded');
    expect(full.report.failures).toEqual([
      expect.objectContaining({
        item: '/etc/ssh',
        // The full volume named, with cp's own words (which file it was writing).
        message: expect.stringMatching(
          /^Cannot seed the state dir \/usr\/local\/\.state\/etc-ssh\.bind of \/etc\/ssh from the image: the persistent volume is full \(ENOSPC\): cp -a -T .*No space left on device$/s,
        ),
        hint: 'Free space on the persistent volume (df -h /usr/local/.state; du -sh /usr/local/.state/*); the seed runs again on the next boot.',
      }),
    ]);
    expect(full.result.all).toMatch(/\/etc\/ssh: Cannot seed .*\(ENOSPC\)/);
    // Not bound: the image's files show; nothing half-copied is left on the volume.
    expect(full.mounts.map((m) => m.target)).not.toContain('/sysroot/etc/ssh');
    expect(full.mounts.map((m) => m.target)).toContain('/sysroot/root');
    await expect(fs.access(state(''))).rejects.toThrow(/ENOENT/);
    expect(await fs.readdir(t.path('sysroot/usr/local/.state/.immucore'))).not.toContain(
      'etc-ssh.bind.staging',
    );
    // The user frees space; the next boot seeds the path whole.
    await fs.rm(t.path('sysroot/usr/local/ballast'));
    await machine.shutdown();

    const next = await machine.boot(NEW, {layout: LAYOUT});
    expect(next.report.status).toBe('ok');
    expect(seedOf(next.report.seeds, '/etc/ssh')).toMatchObject({kind: 'first', added: 4});
    for (const f of ['a.bin', 'b.bin', 'c.bin']) expect((await fs.stat(state(f))).size, f).toBe(big.length);
  });

  it('gives a state dir an older immucore made 0755 root:root the mode and owner of the image’s', async () => {
    const machine = await makeMachine(t, {
      images: ['active'],
      imageTrees: {active: {root: {dir: true, mode: 0o700}, 'root/.profile': 'p\n'}},
      persistent: {'.state/root.bind': {dir: true, mode: 0o755}, '.state/root.bind/.profile': 'p\n'},
    });
    const {report} = await machine.boot(NEW, {layout: LAYOUT});
    expect(seedOf(report.seeds, '/root')).toMatchObject({kind: 'update', updated: 1});
    expect((await fs.stat(t.path('sysroot/root'))).mode & 0o7777).toBe(0o700);
  });
});
