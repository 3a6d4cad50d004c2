// Seeding a state dir on the fake: a first seed through a staging dir, an upgrade that brings in
// what the image changed and leaves what the user did, the same image costing no walk, and a seed
// cut short resuming next boot. What to copy is decided (and tested) in src/boot/seed.ts.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {noCounts} from '../boot/seed.ts';
import {parseManifest} from '../boot/seed-manifest.ts';
import {type SeedJob, SeedRecords, seedStateDir} from './seed-state.ts';

const STATE = '/state';
const JOB: SeedJob = {
  path: '/etc/ssh',
  name: 'etc-ssh.bind',
  source: '/sysroot/etc/ssh',
  stateDir: `${STATE}/etc-ssh.bind`,
  seedDir: `${STATE}/.immucore`,
  image: 'ext4 UUID=v1',
};
const V2 = {...JOB, image: 'ext4 UUID=v2'};
const at = (p: string) => `${STATE}/etc-ssh.bind/${p}`;
const seedFile = (suffix: string) => `${STATE}/.immucore/etc-ssh.bind${suffix}`;

/** An image's /etc/ssh, files written at second `sec`. */
function image(sys: FakeSys, files: Record<string, string>, sec = 1): FakeSys {
  for (const [p, text] of Object.entries(files)) {
    sys.with({[`/sysroot/etc/ssh/${p}`]: text});
    sys.meta.set(`/sysroot/etc/ssh/${p}`, {mtimeMs: sec * 1000});
  }
  return sys;
}

/** Boot "another image": replace the image's files. */
function upgrade(sys: FakeSys, files: Record<string, string>, sec: number): void {
  for (const p of [...sys.files.keys()]) if (p.startsWith('/sysroot/etc/ssh/')) sys.files.delete(p);
  image(sys, files, sec);
}

const V1_FILES = {sshd_config: 'Port 22\n', moduli: 'm1\n', 'sshd_config.d/a.conf': 'a\n'};

describe('seedStateDir', () => {
  it('first use: copies the image path whole into staging, renames it into place, then records it', async () => {
    const sys = image(new FakeSys({files: {[`${STATE}/.keep`]: ''}}), V1_FILES);
    sys.meta.set('/sysroot/etc/ssh', {mode: 0o700, uid: 0, gid: 0});
    const r = await seedStateDir(sys, JOB);
    expect(r).toEqual({kind: 'first', counts: expect.objectContaining({added: 4})});
    expect(sys.calls).toEqual([
      `removeScratch ${seedFile('.staging')}`,
      `copyTree /sysroot/etc/ssh ${seedFile('.staging')}`,
      // Flushed before the rename: a power loss never leaves an empty file under its final name.
      `syncFs ${seedFile('.staging')}`,
      `rename ${seedFile('.staging')} ${STATE}/etc-ssh.bind`,
      `removeScratch ${seedFile('.staging')}`,
      `writeAll ${seedFile('.seed.json')} flush`,
      `writeAll ${seedFile('.seeded-from')} unflushed`,
    ]);
    expect(sys.files.get(at('sshd_config'))?.text).toBe('Port 22\n');
    expect(sys.meta.get(`${STATE}/etc-ssh.bind`)?.mode).toBe(0o700);
    expect(sys.files.get(seedFile('.seeded-from'))?.text).toBe('ext4 UUID=v1\n');
    const manifest = parseManifest(sys.files.get(seedFile('.seed.json'))?.text ?? '');
    expect('value' in manifest && [...manifest.value.entries.keys()].sort()).toEqual([
      '',
      'moduli',
      'sshd_config',
      'sshd_config.d',
      'sshd_config.d/a.conf',
    ]);
  });

  it('says what it will copy before copying, once, and not for a seed of directories only', async () => {
    const said: Array<{entries: number; bytes: number}> = [];
    const sys = image(new FakeSys(), V1_FILES);
    await seedStateDir(sys, {...JOB, onCopy: (c) => said.push(c)});
    // 3 files (8 + 3 + 2 bytes) and sshd_config.d.
    expect(said).toEqual([{entries: 4, bytes: 13}]);
    upgrade(sys, {...V1_FILES, moduli: 'm22\n'}, 9);
    await seedStateDir(sys, {...V2, onCopy: (c) => said.push(c)});
    // Every file of the new image has a new mtime: the three are copied (8 + 4 + 2 bytes).
    expect(said.at(-1)).toEqual({entries: 3, bytes: 14});
    await seedStateDir(sys, {...V2, onCopy: (c) => said.push(c)});
    const empty = new FakeSys();
    await empty.mkdirp('/sysroot/etc/ssh/sub');
    await seedStateDir(empty, {...JOB, onCopy: (c) => said.push(c)});
    expect(said).toHaveLength(2);
  });

  it('a staging dir left by a seed cut short (a power loss) is removed, said, and the seed starts over', async () => {
    const sys = image(new FakeSys(), V1_FILES);
    // What a power loss in the copy leaves: the staging dir with an empty file, no state dir.
    sys.with({[`${seedFile('.staging')}/sshd_config`]: '', [`${seedFile('.staging')}/moduli`]: 'm'});
    const r = await seedStateDir(sys, JOB);
    expect(r).toEqual({kind: 'first', counts: expect.objectContaining({added: 4}), cutShort: true});
    expect(sys.files.get(at('sshd_config'))?.text).toBe('Port 22\n');
    expect(sys.files.get(at('moduli'))?.text).toBe('m1\n');
    expect(await sys.exists(seedFile('.staging'))).toBe(false);
    expect((await seedStateDir(sys, JOB)).cutShort).toBeUndefined();
  });

  it('first use of an empty directory: no sync (no file data), the records written', async () => {
    const sys = new FakeSys({files: {[`${STATE}/.keep`]: ''}});
    await sys.mkdirp('/sysroot/etc/ssh');
    const r = await seedStateDir(sys, JOB);
    expect(r).toEqual({kind: 'first', counts: expect.objectContaining({added: 0})});
    expect(sys.calls).toEqual([
      `removeScratch ${seedFile('.staging')}`,
      `copyTree /sysroot/etc/ssh ${seedFile('.staging')}`,
      `rename ${seedFile('.staging')} ${STATE}/etc-ssh.bind`,
      `removeScratch ${seedFile('.staging')}`,
      `writeAll ${seedFile('.seed.json')} flush`,
      `writeAll ${seedFile('.seeded-from')} unflushed`,
    ]);
  });

  it('the same image as last time: two reads, no walk, no write', async () => {
    const sys = image(new FakeSys(), V1_FILES);
    await seedStateDir(sys, JOB);
    sys.calls.length = 0;
    sys.fail(/^listTree /);
    expect(await seedStateDir(sys, JOB)).toEqual({
      kind: 'unchanged',
      counts: expect.objectContaining({added: 0}),
    });
    expect(sys.calls).toEqual([]);
  });

  it('another image that changed nothing here: no copy, no sync, only the identity written', async () => {
    const sys = image(new FakeSys(), V1_FILES);
    await seedStateDir(sys, JOB);
    sys.calls.length = 0;
    expect((await seedStateDir(sys, V2)).counts).toEqual(noCounts());
    expect(sys.calls).toEqual([
      `removeScratch ${seedFile('.staging')}`,
      `removeScratch ${seedFile('.staging')}`,
      `writeAll ${seedFile('.seeded-from')} unflushed`,
    ]);
  });

  it('another image: adds and updates what the user left alone, keeps and does not resurrect the rest', async () => {
    const sys = image(new FakeSys(), V1_FILES);
    await seedStateDir(sys, JOB);
    // The user edits sshd_config, deletes moduli; the new image changes all three and adds one.
    sys.files.set(at('sshd_config'), {text: 'Port 2222\n'});
    sys.files.delete(at('moduli'));
    upgrade(
      sys,
      {sshd_config: 'Port 22\nX\n', moduli: 'm2\n', 'sshd_config.d/a.conf': 'a2\n', new_key: 'k'},
      9,
    );
    sys.calls.length = 0;
    const r = await seedStateDir(sys, V2);
    expect(r).toEqual({
      kind: 'update',
      previous: 'ext4 UUID=v1',
      counts: {added: 1, updated: 1, keptUserChanged: 1, notResurrected: 1, notInImage: 0},
    });
    expect(sys.calls.filter((c) => /^(copyEntries|syncFs|rename|write|writeAll) /.test(c))).toEqual([
      `copyEntries /sysroot/etc/ssh ${seedFile('.staging')} new_key sshd_config.d/a.conf`,
      `syncFs ${seedFile('.staging')}`,
      `rename ${seedFile('.staging')}/new_key ${at('new_key')}`,
      `rename ${seedFile('.staging')}/sshd_config.d/a.conf ${at('sshd_config.d/a.conf')}`,
      `writeAll ${seedFile('.seed.json')} flush`,
      `writeAll ${seedFile('.seeded-from')} unflushed`,
    ]);
    expect(sys.files.get(at('sshd_config'))?.text).toBe('Port 2222\n');
    expect(sys.files.has(at('moduli'))).toBe(false);
    expect(sys.files.get(at('sshd_config.d/a.conf'))?.text).toBe('a2\n');
    expect(sys.files.get(seedFile('.seeded-from'))?.text).toBe('ext4 UUID=v2\n');
    expect(sys.dirs.has(seedFile('.staging'))).toBe(false);

    // Rolling back to the first image puts its untouched files back, not the user's edits.
    upgrade(sys, V1_FILES, 1);
    const back = await seedStateDir(sys, JOB);
    expect(back.counts).toEqual({added: 0, updated: 1, keptUserChanged: 0, notResurrected: 1, notInImage: 1});
    expect(sys.files.get(at('sshd_config.d/a.conf'))?.text).toBe('a\n');
    expect(sys.files.get(at('new_key'))?.text).toBe('k');
  });

  it('a seed cut short resumes: nothing half-copied in place, the records written only at the end', async () => {
    const sys = image(new FakeSys(), V1_FILES);
    await seedStateDir(sys, JOB);
    upgrade(sys, {...V1_FILES, moduli: 'm2\n', sshd_config: 'Port 23\n', new_key: 'k'}, 9);
    // The disk fills up after the first file was moved into place.
    sys.fail(`rename ${seedFile('.staging')}/new_key ${at('new_key')}`, 'ENOSPC', {times: 1});
    sys.calls.length = 0;
    await expect(seedStateDir(sys, V2)).rejects.toMatchObject({code: 'ENOSPC'});
    expect(sys.calls.at(-1)).toBe(`removeScratch ${seedFile('.staging')}`);
    expect(sys.files.get(seedFile('.seeded-from'))?.text).toBe('ext4 UUID=v1\n');
    expect(sys.files.has(at('new_key'))).toBe(false);

    const next = await seedStateDir(sys, V2);
    expect(next.counts).toEqual({added: 1, updated: 2, keptUserChanged: 0, notResurrected: 0, notInImage: 0});
    expect(sys.files.get(at('moduli'))?.text).toBe('m2\n');
    expect(sys.files.get(at('new_key'))?.text).toBe('k');
    expect(sys.files.get(seedFile('.seeded-from'))?.text).toBe('ext4 UUID=v2\n');
  });

  it('a flush that fails moves nothing into place: no file of unknown durability under its final name', async () => {
    const sys = image(new FakeSys(), V1_FILES);
    await seedStateDir(sys, JOB);
    upgrade(sys, {...V1_FILES, moduli: 'm2\n'}, 9);
    sys.fail(`syncFs ${seedFile('.staging')}`, 'EIO', {times: 1});
    await expect(seedStateDir(sys, V2)).rejects.toMatchObject({code: 'EIO'});
    expect(sys.files.get(at('moduli'))?.text).toBe('m1\n');
    expect(sys.files.get(seedFile('.seeded-from'))?.text).toBe('ext4 UUID=v1\n');
    expect((await seedStateDir(sys, V2)).counts).toMatchObject({updated: 3, keptUserChanged: 0});
    expect(sys.files.get(at('moduli'))?.text).toBe('m2\n');
  });

  it('a first seed that fails leaves no state dir and no records; the next boot seeds it whole', async () => {
    const sys = image(new FakeSys(), V1_FILES).fail(/^copyTree /, 'ENOSPC', {times: 1});
    await expect(seedStateDir(sys, JOB)).rejects.toMatchObject({code: 'ENOSPC'});
    expect(await sys.exists(JOB.stateDir)).toBe(false);
    expect(await sys.exists(seedFile('.seed.json'))).toBe(false);
    expect((await seedStateDir(sys, JOB)).kind).toBe('first');
  });

  it('a boot’s records wait for commit: every path seeded and renamed first, then one flushed batch of manifests, then the identities', async () => {
    const sys = image(new FakeSys({files: {[`${STATE}/.keep`]: ''}}), V1_FILES);
    await sys.mkdirp('/sysroot/var/log');
    const LOG: SeedJob = {
      ...JOB,
      path: '/var/log',
      name: 'var-log.bind',
      source: '/sysroot/var/log',
      stateDir: `${STATE}/var-log.bind`,
    };
    const records = new SeedRecords();
    await seedStateDir(sys, JOB, records);
    await seedStateDir(sys, LOG, records);
    // Nothing recorded yet: a power loss here is a seed cut short after its renames (next test).
    expect(sys.calls.filter((c) => c.startsWith('write'))).toEqual([]);
    expect(records.paths).toEqual(['/etc/ssh', '/var/log']);
    await records.commit(sys);
    expect(records.paths).toEqual([]);
    const log = `${STATE}/.immucore/var-log.bind`;
    expect(sys.calls).toEqual([
      `removeScratch ${seedFile('.staging')}`,
      `copyTree /sysroot/etc/ssh ${seedFile('.staging')}`,
      `syncFs ${seedFile('.staging')}`,
      `rename ${seedFile('.staging')} ${STATE}/etc-ssh.bind`,
      `removeScratch ${seedFile('.staging')}`,
      `removeScratch ${log}.staging`,
      `copyTree /sysroot/var/log ${log}.staging`,
      `rename ${log}.staging ${STATE}/var-log.bind`,
      `removeScratch ${log}.staging`,
      `writeAll ${seedFile('.seed.json')} ${log}.seed.json flush`,
      `writeAll ${seedFile('.seeded-from')} ${log}.seeded-from unflushed`,
    ]);
    expect(sys.files.get(`${log}.seeded-from`)?.text).toBe('ext4 UUID=v1\n');
    // The next boot of the same image: nothing to do for either.
    sys.calls.length = 0;
    expect((await seedStateDir(sys, JOB)).kind).toBe('unchanged');
    expect((await seedStateDir(sys, LOG)).kind).toBe('unchanged');
    expect(sys.calls).toEqual([]);
  });

  it('a boot cut before its records were committed: the next boot finds the state dirs in place, copies nothing, and records them', async () => {
    const sys = image(new FakeSys({files: {[`${STATE}/.keep`]: ''}}), V1_FILES);
    await seedStateDir(sys, JOB, new SeedRecords()); // never committed: the power went
    expect(sys.files.has(seedFile('.seed.json'))).toBe(false);
    sys.calls.length = 0;
    const r = await seedStateDir(sys, JOB);
    expect(r).toEqual({kind: 'update', counts: noCounts()});
    expect(sys.calls.filter((c) => /^(copy|rename|syncFs)/.test(c))).toEqual([]);
    const manifest = parseManifest(sys.files.get(seedFile('.seed.json'))?.text ?? '');
    expect('value' in manifest && manifest.value.entries.size).toBe(5);
    expect(sys.files.get(seedFile('.seeded-from'))?.text).toBe('ext4 UUID=v1\n');
  });

  it('records that cannot be written: the commit fails, no identity is written, and the next boot records them', async () => {
    const sys = image(new FakeSys({files: {[`${STATE}/.keep`]: ''}}), V1_FILES);
    const records = new SeedRecords();
    await seedStateDir(sys, JOB, records);
    sys.fail(/^writeAll .*flush$/, 'ENOSPC', {times: 1});
    await expect(records.commit(sys)).rejects.toMatchObject({code: 'ENOSPC'});
    expect(sys.files.has(seedFile('.seeded-from'))).toBe(false);
    expect(sys.files.has(seedFile('.seed.json'))).toBe(false);
    const r = await seedStateDir(sys, JOB);
    expect(r).toEqual({kind: 'update', counts: noCounts()});
    expect(sys.files.get(seedFile('.seeded-from'))?.text).toBe('ext4 UUID=v1\n');
  });

  it('a state dir without records (an older immucore) is compared with the image, nothing overwritten', async () => {
    const sys = image(new FakeSys(), V1_FILES).with({[at('sshd_config')]: 'Port 2222\n', [at('mine')]: 'x'});
    sys.meta.set(at('sshd_config'), {mtimeMs: 5000});
    const r = await seedStateDir(sys, JOB);
    expect(r.kind).toBe('update');
    expect(r.counts).toEqual({added: 3, updated: 0, keptUserChanged: 1, notResurrected: 0, notInImage: 0});
    expect(sys.files.get(at('sshd_config'))?.text).toBe('Port 2222\n');
    expect(sys.files.get(at('moduli'))?.text).toBe('m1\n');
  });

  it('an unreadable manifest is reported, and the state dir compared as unrecorded', async () => {
    const sys = image(new FakeSys(), V1_FILES);
    await seedStateDir(sys, JOB);
    sys.files.set(seedFile('.seed.json'), {text: '{"version":1,"pa'});
    const r = await seedStateDir(sys, V2);
    expect(r.manifestProblem).toMatch(/^not JSON/);
    expect(r.counts).toEqual({added: 0, updated: 0, keptUserChanged: 0, notResurrected: 0, notInImage: 0});
  });
});
