// The dracut module's depends() (dracut/28immucore/module-setup.sh): which optional modules (lvm,
// mdraid, dmsquash-live, livenet, network) it asks for, on a stand-in modules.d. Each is named only
// when dracut could install it, with its dependencies: a name it cannot install makes dracut drop
// immucore and fail the build. dracut's module_check/module_depends are stood in for by small
// functions with their contract (source the module's setup file, call check or depends); the real
// dracut runs it in every QEMU image build.
import {spawnSync} from 'node:child_process';
import {mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join, resolve} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';

const MODULE_DIR = resolve(import.meta.dirname, '../../dracut/28immucore');
const BASE = 'systemd-initrd dracut-systemd rootfs-block fs-lib udev-rules';

// module_check <mod> <forced> <dir> and module_depends <mod> <dir>, as dracut-init.sh defines them
// for a module with a module-setup.sh; hostonly is passed to check() as dracut does.
const HARNESS = `
dracutbasedir=$1 hostonly=$2 omit_dracutmodules=$3
module_check() {
    local _moddir=$3 _ret
    unset -f check depends
    check() { true; }
    . "$_moddir/module-setup.sh"
    moddir=$_moddir check $hostonly
    _ret=$?
    unset -f check depends
    return $_ret
}
module_depends() {
    local _moddir=$2 _ret
    unset -f check depends
    depends() { true; }
    . "$_moddir/module-setup.sh"
    moddir=$_moddir depends
    _ret=$?
    unset -f check depends
    return $_ret
}
module_depends immucore "$4"
`;

/** A module whose check() returns `check` (a shell expression) and whose depends() names `deps`. */
interface FakeModule {
  check: string;
  deps?: string;
}

// What the real modules say, in short: lvm and mdraid need their tool, dmsquash-live refuses a
// hostonly build, livenet needs network, network picks a handler.
const DEBIAN_LIVE: Record<string, FakeModule> = {
  '90lvm': {check: 'return 0', deps: 'rootfs-block dm'},
  '90dm': {check: 'return 0'},
  '90mdraid': {check: 'return 1'}, // no mdadm on this build host
  '90dmsquash-live': {check: '[[ $hostonly ]] && return 1; return 255', deps: 'dm rootfs-block img-lib'},
  '99img-lib': {check: 'return 0'},
  '90livenet': {check: 'return 255', deps: 'network url-lib dmsquash-live img-lib'},
};
const NETWORK: Record<string, FakeModule> = {
  '40network': {check: 'return 255', deps: 'kernel-network-modules network-legacy'},
  '90kernel-network-modules': {check: 'return 0'},
  '35network-legacy': {check: 'return 0'},
  '45url-lib': {check: 'return 0'},
};

let base: string;
beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'immucore-dracut-'));
});
afterEach(() => rmSync(base, {recursive: true, force: true}));

function dependsOf(modules: Record<string, FakeModule>, opts: {hostonly?: boolean; omit?: string} = {}) {
  for (const [name, m] of Object.entries(modules)) {
    mkdirSync(join(base, 'modules.d', name), {recursive: true});
    writeFileSync(
      join(base, 'modules.d', name, 'module-setup.sh'),
      // A check that prints (require_binaries does) must not add a word to the dependencies.
      `check() {\n    echo noise\n    ${m.check}\n}\ndepends() {\n    echo ${m.deps ?? ''}\n}\n`,
    );
  }
  const r = spawnSync(
    'bash',
    ['-c', HARNESS, 'harness', base, opts.hostonly ? 'yes' : '', opts.omit ?? '', MODULE_DIR],
    {encoding: 'utf8'},
  );
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim().split(/\s+/).join(' ');
}

describe('module-setup.sh depends()', () => {
  const cases = [
    {name: 'a dracut with no optional module asks for the base alone', modules: {}, opts: {}, want: BASE},
    {
      name: 'lvm and dmsquash-live when there; not mdraid (no mdadm), not livenet (no network)',
      modules: DEBIAN_LIVE,
      opts: {},
      want: `${BASE} lvm dmsquash-live dm`,
    },
    {
      name: 'livenet and network once dracut-network is there too',
      modules: {...DEBIAN_LIVE, ...NETWORK},
      opts: {},
      want: `${BASE} lvm dmsquash-live livenet network dm`,
    },
    {
      name: 'no dmsquash-live (nor livenet, which needs it) in a hostonly build',
      modules: {...DEBIAN_LIVE, ...NETWORK},
      opts: {hostonly: true},
      want: `${BASE} lvm network dm`,
    },
    {
      name: 'an omitted module, or one a wanted module needs, is left out',
      modules: {...DEBIAN_LIVE, ...NETWORK},
      opts: {omit: ' lvm url-lib '},
      want: `${BASE} dmsquash-live network dm`,
    },
    {
      name: 'a module whose dependency is missing is left out (dmsquash-live without dm)',
      modules: Object.fromEntries(Object.entries(DEBIAN_LIVE).filter(([n]) => n !== '90dm')),
      opts: {},
      want: BASE,
    },
  ];
  it.each(cases)('$name', ({modules, opts, want}) => {
    expect(dependsOf(modules, opts)).toBe(want);
  });
});

// install() with dracut's install helpers stood in for: each prints what it was asked to install,
// one line per request; inst_libdir_file globs its patterns in a stand-in library dir, as dracut
// does in its libdirs. Everything else the function calls (hooks, units, links) is a no-op.
const INSTALL_HARNESS = `
libdir=$1 moddir=$2 initdir=$3
dracutbasedir=$3 dracutsysrootdir=$3 systemdsystemunitdir=/usr/lib/systemd/system
systemdutildir=/usr/lib/systemd do_strip=no
inst_multiple() { [[ $1 == -o ]] && shift; printf 'tool %s\\n' "$@"; }
inst_binary() { printf 'tool %s\\n' "$1"; }
inst_libdir_file() {
    local p f
    for p in "$@"; do
        for f in "$libdir"/$p; do [[ -e $f ]] && printf 'lib %s\\n' "\${f#"$libdir"/}"; done
    done
}
instmods() { :; }
dwarning() { :; }
dracut_module_included() { return 0; }
inst_hook() { :; }
inst_simple() { :; }
inst_script() { :; }
ln_r() { :; }
dracut_need_initqueue() { :; }
. "$moddir/module-setup.sh"
install
`;

/** What install() asks dracut for, given the libraries in `libs` (file names in one libdir). */
function installOf(libs: string[]): {tools: string[]; libs: string[]} {
  const libdir = join(base, 'lib');
  mkdirSync(join(libdir, 'cryptsetup'), {recursive: true});
  for (const l of libs) writeFileSync(join(libdir, l), '');
  const r = spawnSync('bash', ['-c', INSTALL_HARNESS, 'harness', libdir, MODULE_DIR, base], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  const of = (kind: string) =>
    r.stdout
      .split('\n')
      .filter((l) => l.startsWith(`${kind} `))
      .map((l) => l.slice(kind.length + 1));
  return {tools: of('tool'), libs: of('lib').sort()};
}

describe('module-setup.sh install()', () => {
  // Debian bookworm's tpm2-tss 3.2 and systemd 252: the libraries dracut's ldd walk cannot see.
  const BOOKWORM_TSS = [
    'libtss2-esys.so.0',
    'libtss2-fapi.so.1',
    'libtss2-mu.so.0',
    'libtss2-rc.so.0',
    'libtss2-sys.so.1',
    'libtss2-tcti-cmd.so.0',
    'libtss2-tcti-device.so.0',
    'libtss2-tcti-mssim.so.0',
    'libtss2-tcti-swtpm.so.0',
    'libtss2-tctildr.so.0',
    'cryptsetup/libcryptsetup-token-systemd-tpm2.so',
  ];

  it('installs the TSS2 libraries systemd and the TCTI loader dlopen, not libtss2-fapi (libcurl)', () => {
    expect(installOf(BOOKWORM_TSS).libs).toEqual(BOOKWORM_TSS.filter((l) => !l.includes('fapi')).sort());
  });

  it('installs the rootfs stage tools, and no shadow tools (the initramfs stage chroots to the image)', () => {
    const {tools} = installOf([]);
    expect(tools).toEqual(
      expect.arrayContaining(['/usr/bin/immucore', 'sed', 'hostname', 'chroot', 'sfdisk']),
    );
    expect(tools.filter((t) => ['useradd', 'usermod', 'groupadd'].includes(t))).toEqual([]);
  });
});
