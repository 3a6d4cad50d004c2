// Persistent paths: a state dir per path on the persistent volume, seeded from the image (first use,
// and what another image brings: seed-state.test.ts has the mechanics), bound over the path (or the
// upper layer of an overlay); one bad path costs only itself.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {stepContext, stepError} from '../../test/fakes/step-context.ts';
import {bindPersistentPaths} from './bind-persistent.ts';

const STATE = '/sysroot/usr/local/.state';
const VOLUME = 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n';

/** A root image (on /dev/loop7) with sshd config and a home dir, and the persistent volume mounted (empty). */
const machine = () =>
  new FakeSys({
    devices: [{device: '/dev/loop7', info: {fstype: 'ext4', label: 'COS_ACTIVE', uuid: 'v1'}}],
    files: {
      '/sysroot/etc/ssh/sshd_config': 'Port 22\n',
      '/sysroot/etc/ssh/moduli': 'x\n',
      '/sysroot/home/.keep': '',
      '/sysroot/usr/local/.keep': '',
    },
  });

const run = (sys: FakeSys, layout: string, opts: {noLoop?: boolean} = {}) => {
  const ctx = stepContext(sys, {layout: VOLUME + layout, step: 'mount-persistent'});
  if (!opts.noLoop) ctx.boot.loopDevice = '/dev/loop7';
  return {ctx, done: bindPersistentPaths(ctx)};
};
const copiesAndMounts = (sys: FakeSys) => sys.calls.filter((c) => /^(copyTree|copyEntries|mount) /.test(c));
const upgradeImage = (sys: FakeSys) => {
  const loop = sys.devices.find((d) => d.device === '/dev/loop7');
  if (loop) loop.info.uuid = 'v2';
};

describe('bindPersistentPaths', () => {
  it('seeds each state dir from the image, then binds it over the path, shallower paths first', async () => {
    const sys = machine();
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/home /etc/ssh"\n');
    await done;
    expect(copiesAndMounts(sys)).toEqual([
      `copyTree /sysroot/home ${STATE}/.immucore/home.bind.staging`,
      `mount none ${STATE}/home.bind /sysroot/home`,
      `copyTree /sysroot/etc/ssh ${STATE}/.immucore/etc-ssh.bind.staging`,
      `mount none ${STATE}/etc-ssh.bind /sysroot/etc/ssh`,
    ]);
    expect(sys.files.get(`${STATE}/etc-ssh.bind/sshd_config`)?.text).toBe('Port 22\n');
    expect(sys.mounts[0]?.options).toEqual(['bind']);
    expect(ctx.boot.mounts.map((m) => m.step)).toEqual(['mount-persistent', 'mount-persistent']);
    expect(ctx.log.lines.map((l) => l.msg)).toContain(
      '/etc/ssh: first use: seeded /usr/local/.state/etc-ssh.bind from the image (2 entries)',
    );
    expect(ctx.boot.seeds).toEqual([
      expect.objectContaining({
        path: '/home',
        kind: 'first',
        added: 1,
        image: 'ext4 UUID=v1 LABEL=COS_ACTIVE',
      }),
      expect.objectContaining({path: '/etc/ssh', stateDir: `${STATE}/etc-ssh.bind`, kind: 'first', added: 2}),
    ]);
  });

  it('binds without copying when the image is the one that seeded it; another image brings its changes', async () => {
    const sys = machine();
    await run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh"\n').done;
    sys.calls.length = 0;
    const same = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh"\n');
    await same.done;
    expect(copiesAndMounts(sys)).toEqual([`mount none ${STATE}/etc-ssh.bind /sysroot/etc/ssh`]);
    expect(same.ctx.boot.seeds).toEqual([expect.objectContaining({kind: 'unchanged', added: 0})]);
    expect(same.ctx.log.lines.map((l) => l.msg)).toContain(
      '1 state dirs already seeded from this image (ext4 UUID=v1 LABEL=COS_ACTIVE): nothing to copy',
    );
    // The user edits sshd_config; the next image changes it and adds a file.
    sys.files.set(`${STATE}/etc-ssh.bind/sshd_config`, {text: 'Port 2222\n'});
    sys.with({
      '/sysroot/etc/ssh/sshd_config': 'Port 22\nUsePAM yes\n',
      '/sysroot/etc/ssh/new_in_image': 'y\n',
    });
    upgradeImage(sys);
    const next = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh"\n');
    await next.done;
    expect(sys.files.get(`${STATE}/etc-ssh.bind/sshd_config`)?.text).toBe('Port 2222\n');
    expect(sys.files.get(`${STATE}/etc-ssh.bind/new_in_image`)?.text).toBe('y\n');
    expect(next.ctx.log.lines.map((l) => l.msg)).toContain(
      '/etc/ssh: the image changed since the last seed (was ext4 UUID=v1 LABEL=COS_ACTIVE): 1 added, 0 updated, 1 kept (changed by the user), 0 not resurrected (deleted by the user), 0 left (not in this image)',
    );
  });

  it('says on the console what a seed copies before it copies, and that a seed cut short started over', async () => {
    const sys = machine();
    sys.with({[`${STATE}/.immucore/etc-ssh.bind.staging/sshd_config`]: ''});
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/home /etc/ssh"\n');
    await done;
    const said = ctx.log.lines.map((l) => l.msg);
    const copying =
      '/etc/ssh: copying 2 entries (0.0 MiB) from the image into /usr/local/.state/etc-ssh.bind';
    // /home holds one empty file: data, so said too; said before the copy, the result after.
    expect(said.filter((m) => m.includes(': copying '))).toEqual([
      '/home: copying 1 entries (0.0 MiB) from the image into /usr/local/.state/home.bind',
      copying,
    ]);
    expect(said.indexOf(copying)).toBeLessThan(
      said.indexOf('/etc/ssh: first use: seeded /usr/local/.state/etc-ssh.bind from the image (2 entries)'),
    );
    expect(said).toContain(
      '/etc/ssh: the last seed of /usr/local/.state/etc-ssh.bind was cut short (a power loss or a kill): what it had copied was removed, and this seed started over',
    );
    expect(ctx.boot.seeds.map((s) => [s.path, s.cutShort])).toEqual([
      ['/home', undefined],
      ['/etc/ssh', true],
    ]);
    expect(sys.files.get(`${STATE}/etc-ssh.bind/sshd_config`)?.text).toBe('Port 22\n');
  });

  it('a seed that fails binds the existing state dir as it was, and fails the item by name', async () => {
    const sys = machine();
    await run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /home"\n').done;
    sys.with({'/sysroot/etc/ssh/new_in_image': 'y\n'});
    upgradeImage(sys);
    sys.fail(/^copyEntries \/sysroot\/etc\/ssh /, 'ENOSPC');
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /home"\n');
    expect((await stepError(done)).message).toBe('1 of 2 failed: /etc/ssh');
    expect(sys.mounts.slice(-2).map((m) => m.target)).toEqual(['/sysroot/home', '/sysroot/etc/ssh']);
    expect(ctx.boot.failures).toEqual([
      expect.objectContaining({
        item: '/etc/ssh',
        message:
          "Bound /usr/local/.state/etc-ssh.bind over /etc/ssh as it was: bringing in the image's changes failed: the persistent volume is full (ENOSPC): copyEntries /sysroot/etc/ssh /sysroot/usr/local/.state/.immucore/etc-ssh.bind.staging new_in_image: ENOSPC (injected)",
        hint: 'Free space on the persistent volume (df -h /usr/local/.state; du -sh /usr/local/.state/*); the seed resumes on the next boot.',
      }),
    ]);
  });

  it('a first seed that fails leaves the path unbound (the image shows), and fails the item', async () => {
    const sys = machine().fail(/^copyTree \/sysroot\/home /, 'ENOSPC');
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /home"\n');
    expect((await stepError(done)).message).toBe('1 of 2 failed: /home');
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/etc/ssh']);
    expect(ctx.boot.failures[0]).toMatchObject({
      item: '/home',
      message:
        'Cannot seed the state dir /usr/local/.state/home.bind of /home from the image: the persistent volume is full (ENOSPC): copyTree /sysroot/home /sysroot/usr/local/.state/.immucore/home.bind.staging: ENOSPC (injected)',
      hint: 'Free space on the persistent volume (df -h /usr/local/.state; du -sh /usr/local/.state/*); the seed runs again on the next boot.',
    });
  });

  it('writes every path’s seed records in one batch after the last path, also when one path failed', async () => {
    const sys = machine().fail(/^copyTree \/sysroot\/home /, 'EIO', {times: 1});
    const {done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /home /var/log"\n');
    expect((await stepError(done)).message).toBe('1 of 3 failed: /home');
    const writes = sys.calls.filter((c) => c.startsWith('write'));
    expect(writes).toEqual([
      `writeAll ${STATE}/.immucore/etc-ssh.bind.seed.json ${STATE}/.immucore/var-log.bind.seed.json flush`,
      `writeAll ${STATE}/.immucore/etc-ssh.bind.seeded-from ${STATE}/.immucore/var-log.bind.seeded-from unflushed`,
    ]);
    // After the last bind: one batch, not one flushed write per path.
    expect(sys.calls.indexOf(writes[0] as string)).toBeGreaterThan(
      sys.calls.indexOf(`mount none ${STATE}/var-log.bind /sysroot/var/log`),
    );
    // The next boot: the two recorded are unchanged, the failed one seeded.
    const next = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /home /var/log"\n');
    await next.done;
    expect(next.ctx.boot.seeds.map((r) => `${r.path} ${r.kind}`)).toEqual([
      '/home first',
      '/etc/ssh unchanged',
      '/var/log unchanged',
    ]);
  });

  it('seed records that cannot be written fail the step naming the paths; every path is bound, and the next boot records them', async () => {
    const sys = machine().fail(/^writeAll .* flush$/, 'ENOSPC', {times: 1});
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /home"\n');
    const err = await stepError(done);
    expect(err.message).toBe(
      `Cannot record the seeds of /home, /etc/ssh: the persistent volume is full (ENOSPC): writeAll ${STATE}/.immucore/home.bind.seed.json ${STATE}/.immucore/etc-ssh.bind.seed.json flush: ENOSPC (injected)`,
    );
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/home', '/sysroot/etc/ssh']);
    expect(ctx.boot.failures).toEqual([
      expect.objectContaining({
        item: '/home /etc/ssh',
        message: err.message,
        hint: 'Free space on the persistent volume (df -h /usr/local/.state; du -sh /usr/local/.state/*); the next boot finds what was seeded in place and records it.',
      }),
    ]);
    expect(sys.files.has(`${STATE}/.immucore/home.bind.seeded-from`)).toBe(false);
    const next = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /home"\n');
    await next.done;
    expect(next.ctx.boot.seeds.map((r) => `${r.path} ${r.kind} ${r.added + r.updated}`)).toEqual([
      '/home update 0',
      '/etc/ssh update 0',
    ]);
    expect(sys.files.get(`${STATE}/.immucore/home.bind.seeded-from`)?.text).toBe(
      'ext4 UUID=v1 LABEL=COS_ACTIVE\n',
    );
  });

  it('a seed that fails for another reason names that reason, and does not blame the space', async () => {
    const sys = machine().fail(/^copyTree \/sysroot\/home /, 'EIO');
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/home"\n');
    await stepError(done);
    expect(ctx.boot.failures[0]).toMatchObject({
      item: '/home',
      message:
        'Cannot seed the state dir /usr/local/.state/home.bind of /home from the image: copyTree /sysroot/home /sysroot/usr/local/.state/.immucore/home.bind.staging: EIO (injected)',
      hint: 'Free space on the persistent volume (df -h /usr/local/.state) or fix the error above; the seed runs again on the next boot.',
    });
  });

  it('the persistent volume stayed locked: one failure naming it and the unlock, nothing seeded, no "free space" hint', async () => {
    const sys = machine();
    const ctx = stepContext(sys, {
      layout: `${VOLUME}PERSISTENT_STATE_PATHS="/etc/ssh /home"\n`,
      step: 'mount-persistent',
    });
    ctx.boot.loopDevice = '/dev/loop7';
    ctx.boot.locked.add('LABEL=COS_PERSISTENT');
    const err = await stepError(bindPersistentPaths(ctx));
    expect(err.message).toBe(
      "LABEL=COS_PERSISTENT holds the persistent state and stayed locked, so no persistent path was bound: /home, /etc/ssh are the image's for this boot, and changes to them are lost at reboot",
    );
    expect(err.hint).toMatch(/unlock-volumes failure says why/);
    expect(err.hint).not.toMatch(/[Ff]ree space/);
    expect(copiesAndMounts(sys)).toEqual([]);
    expect(sys.dirs.has(STATE)).toBe(false);
  });

  it('the persistent volume failed in mount-volumes (never appeared): one failure naming it, nothing seeded', async () => {
    const sys = machine();
    const ctx = stepContext(sys, {
      layout: `${VOLUME}PERSISTENT_STATE_PATHS="/etc/ssh /home"\n`,
      step: 'mount-persistent',
    });
    ctx.boot.loopDevice = '/dev/loop7';
    ctx.boot.failures.push({
      step: 'mount-volumes',
      item: 'LABEL=COS_PERSISTENT:/usr/local',
      message: 'Device LABEL=COS_PERSISTENT did not appear within 5000 ms',
    });
    const err = await stepError(bindPersistentPaths(ctx));
    expect(err.message).toBe(
      "LABEL=COS_PERSISTENT holds the persistent state and was not mounted, so no persistent path was bound: /home, /etc/ssh are the image's for this boot, and changes to them are lost at reboot",
    );
    expect(err.hint).toMatch(/longer rd.immucore.volumetimeout/);
    expect(err.hint).not.toMatch(/[Ff]ree space/);
    expect(copiesAndMounts(sys)).toEqual([]);
    expect(sys.dirs.has(STATE)).toBe(false);
  });

  it('another volume that failed in mount-volumes does not stop the persistent paths', async () => {
    const sys = machine();
    const ctx = stepContext(sys, {
      layout: 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local LABEL=DATA:/data"\nPERSISTENT_STATE_PATHS="/home"\n',
      step: 'mount-persistent',
    });
    ctx.boot.loopDevice = '/dev/loop7';
    ctx.boot.failures.push({step: 'mount-volumes', item: 'LABEL=DATA:/data', message: 'did not appear'});
    await bindPersistentPaths(ctx);
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/home']);
  });

  it('another locked volume (not the one holding the state) does not stop the persistent paths', async () => {
    const sys = machine();
    const ctx = stepContext(sys, {
      layout: 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local LABEL=DATA:/data"\nPERSISTENT_STATE_PATHS="/home"\n',
      step: 'mount-persistent',
    });
    ctx.boot.loopDevice = '/dev/loop7';
    ctx.boot.locked.add('LABEL=DATA');
    await bindPersistentPaths(ctx);
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/home']);
  });

  it('without a way to tell the image, warns and compares the trees on every boot', async () => {
    const sys = machine();
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh"\n', {noLoop: true});
    await done;
    expect(ctx.log.lines.filter((l) => l.level === 'warn').map((l) => l.msg)).toEqual([
      'cannot tell which image is booted: persistent paths are compared with it on every boot, ignoring.',
    ]);
    const again = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh"\n', {noLoop: true});
    await again.done;
    expect(again.ctx.boot.seeds).toEqual([expect.objectContaining({kind: 'update', added: 0})]);
  });

  it('in overlay mode makes the upper and work dirs in the state dir and copies nothing', async () => {
    const sys = machine();
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh"\nPERSISTENT_STATE_BIND=false\n');
    await done;
    expect(sys.calls).toEqual(['mount overlay overlay /sysroot/etc/ssh']);
    expect(sys.mounts[0]?.options).toEqual([
      'lowerdir=/sysroot/etc/ssh',
      `upperdir=${STATE}/etc-ssh.overlay/upper`,
      `workdir=${STATE}/etc-ssh.overlay/work`,
    ]);
    expect(sys.dirs.has(`${STATE}/etc-ssh.overlay/upper`)).toBe(true);
    expect(sys.dirs.has(`${STATE}/etc-ssh.overlay/work`)).toBe(true);
    expect(ctx.boot.failures).toEqual([]);
  });

  it('makes a mountpoint the image lacks in the writable layer that holds it', async () => {
    const sys = machine();
    await run(sys, 'PERSISTENT_STATE_PATHS="/var/lib/kubelet"\n').done;
    expect(sys.dirs.has('/sysroot/var/lib/kubelet')).toBe(true);
    expect(copiesAndMounts(sys)).toEqual([
      `copyTree /sysroot/var/lib/kubelet ${STATE}/.immucore/var-lib-kubelet.bind.staging`,
      `mount none ${STATE}/var-lib-kubelet.bind /sysroot/var/lib/kubelet`,
    ]);
  });

  it('a path the read-only image cannot hold (EROFS, ENOTDIR) is a warning with the fix; the others are bound', async () => {
    const sys = machine()
      .fail('mkdirp /sysroot/var/lib/kubelet', 'EROFS')
      .fail('mkdirp /sysroot/usr/lib/os-release/state', 'ENOTDIR');
    const {ctx, done} = run(
      sys,
      'PERSISTENT_STATE_PATHS="/etc/ssh /var/lib/kubelet /usr/lib/os-release/state /home"\n',
    );
    await done;
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/home', '/sysroot/etc/ssh']);
    expect(ctx.boot.failures).toEqual([]);
    expect(ctx.boot.warnings).toEqual(
      ['/var/lib/kubelet', '/usr/lib/os-release/state'].map((p) => ({
        step: 'mount-persistent',
        item: p,
        message: expect.stringMatching(
          new RegExp(
            `^Cannot create the mountpoint ${p}: it is not in the image and no RW path or volume holds it \\(.*(EROFS|ENOTDIR).*\\)$`,
          ),
        ),
        hint: `Create ${p} in the image, or add a parent of it to RW_PATHS.`,
      })),
    );
  });

  it('one path whose mountpoint fails for another reason (EIO) fails alone, with a hint; the others are bound', async () => {
    const sys = machine().fail('mkdirp /sysroot/var/lib/kubelet', 'EIO');
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /var/lib/kubelet /home"\n');
    const err = await stepError(done);
    expect(err.message).toBe('1 of 3 failed: /var/lib/kubelet');
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/home', '/sysroot/etc/ssh']);
    expect(ctx.boot.failures).toEqual([
      {
        step: 'mount-persistent',
        item: '/var/lib/kubelet',
        message:
          'Cannot create the mountpoint /var/lib/kubelet: it is not in the image and no RW path or volume holds it',
        hint: 'Create /var/lib/kubelet in the image, or add a parent of it to RW_PATHS.',
      },
    ]);
  });

  it('one path whose bind fails fails alone', async () => {
    const sys = machine().fail(`mount none ${STATE}/home.bind /sysroot/home`, 'EPERM');
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /home"\n');
    const err = await stepError(done);
    expect(err.message).toBe('1 of 2 failed: /home');
    expect(ctx.boot.failures.map((f) => f.item)).toEqual(['/home']);
    expect(sys.mounts.map((m) => m.target)).toEqual(['/sysroot/etc/ssh']);
  });

  it('binds where a link of the image leads, parents first, and records the planned path', async () => {
    const sys = machine().with({'/sysroot/var/lib/ca-certificates/pem/ca.pem': 'pem'});
    await sys.mkdirp('/sysroot/etc/ssl');
    await sys.symlink('/var/lib/ca-certificates/pem', '/sysroot/etc/ssl/certs');
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssl/certs /var/lib/ca-certificates"\n');
    await done;
    expect(sys.calls.filter((c) => c.startsWith('mount '))).toEqual([
      `mount none ${STATE}/var-lib-ca-certificates.bind /sysroot/var/lib/ca-certificates`,
      `mount none ${STATE}/etc-ssl-certs.bind /sysroot/var/lib/ca-certificates/pem`,
    ]);
    expect(sys.files.get(`${STATE}/etc-ssl-certs.bind/ca.pem`)?.text).toBe('pem');
    expect(ctx.boot.mounts.map((m) => m.requested)).toEqual([undefined, '/sysroot/etc/ssl/certs']);
  });

  it('refuses a path that leads out of the root and a state dir linked out of the state target', async () => {
    const sys = machine();
    await sys.symlink('../../../../../outside', '/sysroot/etc/escape');
    await sys.mkdirp(STATE);
    await sys.symlink('/etc', `${STATE}/home.bind`);
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh /etc/escape /home"\n');
    expect((await stepError(done)).message).toBe('2 of 3 failed: /home, /etc/escape');
    expect(copiesAndMounts(sys)).toEqual([
      `copyTree /sysroot/etc/ssh ${STATE}/.immucore/etc-ssh.bind.staging`,
      `mount none ${STATE}/etc-ssh.bind /sysroot/etc/ssh`,
    ]);
    expect(ctx.boot.failures).toEqual([
      {
        step: 'mount-persistent',
        item: '/home',
        message:
          'The state dir of persistent path /home leads to /etc, out of the persistent state target /usr/local/.state: /usr/local/.state/home.bind is a symlink to /etc',
        hint: 'A state dir must be a directory: move /usr/local/.state/home.bind aside on the persistent volume (mv /usr/local/.state/home.bind /usr/local/.state/home.bind.moved) and reboot; immucore seeds a new one from the image.',
      },
      {
        step: 'mount-persistent',
        item: '/etc/escape',
        message:
          'Persistent path /etc/escape leads out of the root: /etc/escape is a symlink to ../../../../../outside, which climbs above /',
        hint: "Point /etc/escape at a path inside the image (an absolute link is read from the image's own /), or take /etc/escape out of the layout.",
      },
    ]);
  });

  it('refuses seed records through a symlinked records dir: nothing seeded or written, a new path not bound', async () => {
    const sys = machine();
    await sys.mkdirp(STATE);
    await sys.symlink('/etc', `${STATE}/.immucore`);
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh"\n');
    expect((await stepError(done)).message).toBe('1 of 1 failed: /etc/ssh');
    expect(copiesAndMounts(sys)).toEqual([]);
    expect(sys.calls.filter((c) => c.startsWith('write '))).toEqual([]);
    expect(ctx.boot.failures[0]).toMatchObject({
      message:
        'The seed records dir leads to /etc, out of the directory immucore keeps them in: /usr/local/.state/.immucore is a symlink to /etc',
      hint: 'Move /usr/local/.state/.immucore aside on the persistent volume (mv /usr/local/.state/.immucore /usr/local/.state/.immucore.moved) and reboot; immucore makes a new one.',
    });
  });
});
