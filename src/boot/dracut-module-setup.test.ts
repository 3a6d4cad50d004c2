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
