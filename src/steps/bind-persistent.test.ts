// Persistent paths: a state dir per path on the persistent volume, seeded from the image on first
// use only, bound over the path (or the upper layer of an overlay); one bad path costs only itself.
import {describe, expect, it} from 'vitest';
import {FakeSys} from '../../test/fakes/fake-sys.ts';
import {stepContext, stepError} from '../../test/fakes/step-context.ts';
import {bindPersistentPaths} from './bind-persistent.ts';

const STATE = '/sysroot/usr/local/.state';
const VOLUME = 'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"\n';

/** A root image with sshd config and a home dir, and the persistent volume mounted (empty). */
const machine = () =>
  new FakeSys({
    files: {
      '/sysroot/etc/ssh/sshd_config': 'Port 22\n',
      '/sysroot/etc/ssh/moduli': 'x\n',
      '/sysroot/home/.keep': '',
      '/sysroot/usr/local/.keep': '',
    },
  });

const run = (sys: FakeSys, layout: string) => {
  const ctx = stepContext(sys, {layout: VOLUME + layout, step: 'mount-persistent'});
  return {ctx, done: bindPersistentPaths(ctx)};
};

describe('bindPersistentPaths', () => {
  it('seeds each state dir from the image, then binds it over the path, shallower paths first', async () => {
    const sys = machine();
    const {ctx, done} = run(sys, 'PERSISTENT_STATE_PATHS="/home /etc/ssh"\n');
    await done;
    expect(sys.calls).toEqual([
      `copyUp /sysroot/home ${STATE}/home.bind`,
      `mount none ${STATE}/home.bind /sysroot/home`,
      `copyUp /sysroot/etc/ssh ${STATE}/etc-ssh.bind`,
      `mount none ${STATE}/etc-ssh.bind /sysroot/etc/ssh`,
    ]);
    expect(sys.files.get(`${STATE}/etc-ssh.bind/sshd_config`)?.text).toBe('Port 22\n');
    expect(sys.mounts[0]?.options).toEqual(['bind']);
    expect(ctx.boot.mounts.map((m) => m.step)).toEqual(['mount-persistent', 'mount-persistent']);
    expect(ctx.log.lines.map((l) => l.msg)).toContain(
      `first use of ${STATE}/etc-ssh.bind: copied /sysroot/etc/ssh whole`,
    );
  });

  it('seeds a state dir on first use only: a second boot leaves it alone', async () => {
    const sys = machine();
    await run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh"\n').done;
    // Changed in the state dir, and in a later image: the state dir keeps its own.
    sys.files.set(`${STATE}/etc-ssh.bind/sshd_config`, {text: 'Port 2222\n'});
    sys.with({'/sysroot/etc/ssh/new_in_image': 'y\n'});
    await run(sys, 'PERSISTENT_STATE_PATHS="/etc/ssh"\n').done;
    expect(sys.calls.filter((c) => c.startsWith('copyUp '))).toEqual([
      `copyUp /sysroot/etc/ssh ${STATE}/etc-ssh.bind`,
    ]);
    expect(sys.files.get(`${STATE}/etc-ssh.bind/sshd_config`)?.text).toBe('Port 2222\n');
    expect(sys.files.has(`${STATE}/etc-ssh.bind/new_in_image`)).toBe(false);
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
    expect(sys.calls).toEqual([
      `copyUp /sysroot/var/lib/kubelet ${STATE}/var-lib-kubelet.bind`,
      `mount none ${STATE}/var-lib-kubelet.bind /sysroot/var/lib/kubelet`,
    ]);
  });

  it('one path whose mountpoint cannot be made fails alone, with a hint; the others are bound', async () => {
    const sys = machine().fail('mkdirp /sysroot/var/lib/kubelet', 'EROFS');
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
    expect(sys.calls.filter((c) => !c.startsWith('symlink '))).toEqual([
      `copyUp /sysroot/etc/ssh ${STATE}/etc-ssh.bind`,
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
});
