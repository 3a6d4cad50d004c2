// Symlinks in the root image and on the persistent volume, on a real disk boot: every layout path
// and state dir is resolved inside /sysroot; one that a link leads out of is refused by name, the
// boot goes on for the others, and nothing outside the root is mounted or written.
import {existsSync} from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {parseMountinfo} from '../../src/sys/mountinfo.ts';
import {makeMachine} from '../helpers/boot-disk.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

const t = withTempRoot();
const ACTIVE = 'root=LABEL=COS_ACTIVE cos-img/filename=/cOS/active.img';
const LAYOUT = [
  'RW_PATHS="/var /etc /srv"',
  'PERSISTENT_STATE_PATHS="/etc/ssh /etc/ssl/certs /etc/escape /home /root /var/lib/ca-certificates"',
  'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"',
  '',
].join('\n');

/** Mount targets outside every test's temp root: what a boot must never add to. */
async function mountsOutsideTestRoots(): Promise<string[]> {
  const tmp = path.dirname(t.base);
  return parseMountinfo(await fs.readFile('/proc/self/mountinfo', 'utf8'))
    .map((m) => m.target)
    .filter((target) => !target.startsWith(`${tmp}/immucore-test-`));
}

describe('a boot with hostile symlinks', () => {
  it('refuses the paths links lead out of, and mounts the others where links lead inside', async () => {
    // From /sysroot/etc, ../../../outside is <base>/outside to the kernel: outside the root.
    const outside = path.join(t.base, 'outside');
    await fs.mkdir(outside);
    const hostCerts = '/var/lib/ca-certificates/pem';
    const hostHadCerts = existsSync(hostCerts);
    const machine = await makeMachine(t, {
      imageExtra: {
        'etc/escape': {symlink: '../../../outside'},
        // openSUSE's layout: an absolute link, read from the image's own /.
        'etc/ssl/certs': {symlink: hostCerts},
        'var/lib/ca-certificates/pem/ca.pem': 'image ca\n',
      },
      persistent: {
        '.state/home.bind': {symlink: '/etc'},
        '.state/root.bind': {symlink: '../../../../../outside'},
      },
    });
    const before = await mountsOutsideTestRoots();
    const {result, report, mounts} = await machine.boot(ACTIVE, {layout: LAYOUT});
    expect(result.exitCode, result.all).toBe(0);
    expect(report.status).toBe('degraded');

    expect(report.failures).toEqual([
      expect.objectContaining({
        item: '/home',
        message:
          'The state dir of persistent path /home leads to /etc, out of the persistent state target /usr/local/.state: /usr/local/.state/home.bind is a symlink to /etc',
        hint: expect.stringMatching(
          /^A state dir must be a directory: move \/usr\/local\/.state\/home.bind aside/,
        ),
      }),
      expect.objectContaining({
        item: '/root',
        message:
          'The state dir of persistent path /root leads out of the root: /usr/local/.state/root.bind is a symlink to ../../../../../outside, which climbs above /',
      }),
      expect.objectContaining({
        item: '/etc/escape',
        message:
          'Persistent path /etc/escape leads out of the root: /etc/escape is a symlink to ../../../outside, which climbs above /',
        hint: expect.stringMatching(/^Point \/etc\/escape at a path inside the image/),
      }),
    ]);

    // The link the image carries is followed inside /sysroot, after the dir it leads below.
    const binds = mounts
      .filter((m) => m.fstype === 'ext4' && m.target.startsWith('/sysroot/'))
      .map((m) => m.target);
    expect(binds).toEqual([
      '/sysroot/oem',
      '/sysroot/usr/local',
      '/sysroot/etc/ssh',
      '/sysroot/var/lib/ca-certificates',
      '/sysroot/var/lib/ca-certificates/pem',
    ]);
    expect(report.mounts.find((m) => m.target === '/sysroot/var/lib/ca-certificates/pem')).toMatchObject({
      source: '/sysroot/usr/local/.state/etc-ssl-certs.bind',
      requested: '/sysroot/etc/ssl/certs',
    });
    expect(await fs.readFile(t.path('sysroot/var/lib/ca-certificates/pem/ca.pem'), 'utf8')).toBe(
      'image ca\n',
    );
    await fs.writeFile(t.path('sysroot/var/lib/ca-certificates/pem/mine.pem'), 'mine\n');
    expect(await fs.readFile(t.path('sysroot/usr/local/.state/etc-ssl-certs.bind/mine.pem'), 'utf8')).toBe(
      'mine\n',
    );
    const fstab = await fs.readFile(t.path('sysroot/etc/fstab'), 'utf8');
    expect(fstab).toMatch(
      /^\/usr\/local\/.state\/etc-ssl-certs.bind \/var\/lib\/ca-certificates\/pem none bind 0 0$/m,
    );
    expect(fstab).not.toMatch(/ \/(home|root|etc\/escape|etc\/ssl\/certs) /);

    // Nothing outside the root: no mount, no file, and the symlinks on the volume are left as they are.
    expect(await mountsOutsideTestRoots()).toEqual(before);
    expect(await fs.readdir(outside)).toEqual([]);
    expect(existsSync(hostCerts)).toBe(hostHadCerts);
    expect(await fs.readlink(t.path('sysroot/usr/local/.state/home.bind'))).toBe('/etc');
    expect(await fs.readlink(t.path('sysroot/usr/local/.state/root.bind'))).toBe('../../../../../outside');
  });
});

describe('a link a bind brings in', () => {
  it('is followed by a persistent path below the bound one, inside the root', async () => {
    // The state dir of /etc/app (made by an earlier boot or the user) holds data → /var/lib/appdata;
    // once it is bound, /etc/app/data leads there, and its own bind must land there too, not where
    // /etc/app/data led before the bind (nowhere in the image), and never at the initramfs's /var.
    const machine = await makeMachine(t, {
      imageExtra: {'etc/app/conf': 'image\n', 'var/lib/appdata/.keep': ''},
      persistent: {'.state/etc-app.bind/data': {symlink: '/var/lib/appdata'}},
    });
    const before = await mountsOutsideTestRoots();
    const {result, report} = await machine.boot(ACTIVE, {
      layout: [
        'RW_PATHS="/var /etc /srv"',
        'PERSISTENT_STATE_PATHS="/etc/app /etc/app/data"',
        'VOLUMES="LABEL=COS_PERSISTENT:/usr/local"',
        '',
      ].join('\n'),
    });
    expect(result.exitCode, result.all).toBe(0);
    expect(report.failures).toEqual([]);
    expect(report.mounts.filter((m) => m.step === 'mount-persistent')).toEqual([
      expect.objectContaining({target: '/sysroot/etc/app', source: '/sysroot/usr/local/.state/etc-app.bind'}),
      expect.objectContaining({
        target: '/sysroot/var/lib/appdata',
        requested: '/sysroot/etc/app/data',
        source: '/sysroot/usr/local/.state/etc-app-data.bind',
      }),
    ]);
    // (From here, outside the root, the absolute link would lead to this machine's /var.)
    await fs.writeFile(t.path('sysroot/var/lib/appdata/mine'), 'mine\n');
    expect(await fs.readFile(t.path('sysroot/usr/local/.state/etc-app-data.bind/mine'), 'utf8')).toBe(
      'mine\n',
    );
    expect(await mountsOutsideTestRoots()).toEqual(before);
  });
});
