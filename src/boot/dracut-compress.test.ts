// The initramfs compressor the dracut module picks when nobody chose one (module-setup.sh,
// _immucore_default_compress, called from install()), run the way dracut 059 runs it: a harness
// with dracut.sh's own steps in its order (its command line's compression options, /etc/dracut.conf,
// the conf.d files of /etc and /usr/lib merged in dracut's order (names sorted, /etc first), then
// INITRD_COMPRESS, --compress and --no-compress over them), then the real dracut/immucore.conf as
// 10-immucore.conf and the real module-setup.sh's install() in the same shell, as module_install
// calls it. dracut's install helpers are no-ops here; its logger prints. The target kernel's config
// is a file under the sysroot, where dracut's check_kernel_config looks. The real dracut 059 runs
// the module in every QEMU image build (with --compress 'zstd -3', which it keeps), and
// bench/initramfs-size.bench.ts runs it with no compressor chosen.
import {spawnSync} from 'node:child_process';
import {copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {dirname, join, resolve} from 'node:path';
import {afterEach, beforeEach, describe, expect, it} from 'vitest';

const REPO = resolve(import.meta.dirname, '../..');
const MODULE_DIR = join(REPO, 'dracut/28immucore');
const KVER = '6.1.0-99-amd64';
const OURS = 'zstd -19 -q -T0';

const HARNESS = `
dracutsysrootdir=$1 moddir=$2
shift 2
# dracut.sh 059: the command line's compression options and kernel version.
while (($#)); do
    case $1 in
        --kver) kernel=$2; shift ;;
        --compress) compress_l=$2; shift ;;
        --gzip) compress_l=gzip ;;
        --zstd) compress_l=zstd ;;
        --xz) compress_l=xz ;;
        --no-compress) _no_compress_l=cat ;;
    esac
    shift
done
# dracut's order for conf.d files: the names of both dirs sorted as \`sort -Vu\` does, each
# taken from the first dir (/etc before /usr/lib) that has it (our own words for dropindirs_sort).
conf_files() {
    local name dir
    for name in $(for dir in "$@"; do ls "$dir" 2> /dev/null; done | grep '\\.conf$' | sort -Vu); do
        for dir in "$@"; do
            if [[ -e $dir/$name ]]; then
                printf '%s\\n' "$dir/$name"
                break
            fi
        done
    done
}
dracutbasedir=$dracutsysrootdir/usr/lib/dracut
conffile=$dracutsysrootdir/etc/dracut.conf
confdir=$dracutsysrootdir/etc/dracut.conf.d
[[ -f $conffile ]] && . "$conffile"
for f in $(conf_files "$confdir" "$dracutbasedir/dracut.conf.d"); do
    [[ -e $f ]] && . "$f"
done
[[ $kernel ]] || kernel=$(uname -r)
[[ $INITRD_COMPRESS ]] && compress=$INITRD_COMPRESS
[[ $compress_l ]] && compress=$compress_l
[[ $_no_compress_l == cat ]] && compress=cat
# dracut-logger, and the helpers install() calls.
dinfo() { printf 'info: %s\\n' "$*" >&2; }
dwarning() { printf 'warning: %s\\n' "$*" >&2; }
inst_binary() { :; }
inst_multiple() { :; }
instmods() { :; }
inst_hook() { :; }
inst_libdir_file() { :; }
inst_simple() { :; }
inst_script() { :; }
ln_r() { :; }
dracut_need_initqueue() { :; }
dracut_module_included() { return 0; }
initdir=$dracutsysrootdir/initramfs systemdsystemunitdir=/usr/lib/systemd/system
systemdutildir=/usr/lib/systemd
# dracut-init.sh 059: module_install.
unset check depends cmdline install installkernel
install() { true; }
. "$moddir/module-setup.sh"
moddir="$moddir" install
printf 'compress=%s\\n' "$compress"
printf 'do_strip=%s\\n' "$do_strip"
`;

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'immucore-compress-'));
  // As scripts/install-dracut-module.sh installs it.
  put('etc/dracut.conf.d/10-immucore.conf', '');
  copyFileSync(join(REPO, 'dracut/immucore.conf'), join(root, 'etc/dracut.conf.d/10-immucore.conf'));
  mkdirSync(join(root, 'usr/lib/dracut/modules.d'), {recursive: true});
});
afterEach(() => rmSync(root, {recursive: true, force: true}));

function put(path: string, text: string): void {
  mkdirSync(dirname(join(root, path)), {recursive: true});
  writeFileSync(join(root, path), text);
}

/** A kernel config as Debian ships it, with or without zstd unpacking. */
function kernelConfig(rdZstd: boolean): string {
  return [
    'CONFIG_BLK_DEV_INITRD=y',
    'CONFIG_RD_GZIP=y',
    'CONFIG_RD_XZ=y',
    rdZstd ? 'CONFIG_RD_ZSTD=y' : '# CONFIG_RD_ZSTD is not set',
    'CONFIG_ZSTD_DECOMPRESS=y',
    '',
  ].join('\n');
}

/** dracut's $compress after the module's install(), and what the module logged. */
function run(
  args: string[],
  env: Record<string, string> = {},
): {compress: string; log: string; strip: string} {
  const r = spawnSync('bash', ['-c', HARNESS, 'harness', root, MODULE_DIR, ...args], {
    encoding: 'utf8',
    env: {PATH: process.env.PATH ?? '/usr/bin:/bin', ...env},
  });
  expect(r.status, r.stderr).toBe(0);
  const value = (key: string) =>
    r.stdout
      .split('\n')
      .find((l) => l.startsWith(`${key}=`))
      ?.slice(key.length + 1);
  return {compress: value('compress') ?? '<none>', log: r.stderr, strip: value('do_strip') ?? '<none>'};
}

describe('the initramfs compressor when nobody chose one', () => {
  it('is zstd -19 when the kernel config (/lib/modules/<kver>/config) has CONFIG_RD_ZSTD=y, said in the log', () => {
    put(`lib/modules/${KVER}/config`, kernelConfig(true));
    const r = run(['--kver', KVER]);
    expect(r.compress).toBe(OURS);
    expect(r.log).toContain(
      `info: immucore: no compressor chosen: using '${OURS}' (kernel ${KVER} has CONFIG_RD_ZSTD=y`,
    );
  });

  it('reads /boot/config-<kver> too', () => {
    put(`boot/config-${KVER}`, kernelConfig(true));
    expect(run(['--kver', KVER]).compress).toBe(OURS);
  });

  it('follows /lib/modules/<kver>/config over /boot/config-<kver>, as dracut does', () => {
    put(`boot/config-${KVER}`, kernelConfig(true));
    put(`lib/modules/${KVER}/config`, kernelConfig(false));
    expect(run(['--kver', KVER]).compress).toBe('');
  });

  it("stays dracut's default when the kernel cannot unpack zstd, and says why", () => {
    put(`lib/modules/${KVER}/config`, kernelConfig(false));
    const r = run(['--kver', KVER]);
    expect(r.compress).toBe('');
    expect(r.log).toContain(
      `kernel ${KVER} cannot unpack zstd (no CONFIG_RD_ZSTD=y): leaving dracut's default`,
    );
  });

  it("stays dracut's default when no config of the target kernel is found, with a warning", () => {
    // Another kernel's config is not this one's.
    put('lib/modules/6.1.0-1-amd64/config', kernelConfig(true));
    const r = run(['--kver', KVER]);
    expect(r.compress).toBe('');
    expect(r.log).toContain(`warning: immucore: no compressor chosen and no config of kernel ${KVER} found`);
  });

  it('leaves stripping off whatever the compressor', () => {
    put(`lib/modules/${KVER}/config`, kernelConfig(true));
    expect(run(['--kver', KVER]).strip).toBe('no');
  });
});

describe("the builder's choice wins", () => {
  beforeEach(() => put(`lib/modules/${KVER}/config`, kernelConfig(true)));

  const cases: Array<{
    name: string;
    files?: Record<string, string>;
    args?: string[];
    env?: Record<string, string>;
    want: string;
  }> = [
    {name: 'compress= in /etc/dracut.conf', files: {'etc/dracut.conf': 'compress="xz"\n'}, want: 'xz'},
    {
      name: 'compress= in a conf.d file sorted after ours',
      files: {'etc/dracut.conf.d/50-builder.conf': 'compress="gzip"\n'},
      want: 'gzip',
    },
    {
      name: 'compress= in a conf.d file sorted before ours',
      files: {'etc/dracut.conf.d/01-builder.conf': 'compress="zstd"\n'},
      want: 'zstd',
    },
    {
      name: "compress= in the distribution's /usr/lib/dracut/dracut.conf.d",
      files: {'usr/lib/dracut/dracut.conf.d/01-dist.conf': 'compress="lz4"\n'},
      want: 'lz4',
    },
    {name: '--compress on the command line', args: ['--compress', 'zstd -3'], want: 'zstd -3'},
    {
      name: '--compress on the command line over a conf file',
      files: {'etc/dracut.conf': 'compress="xz"\n'},
      args: ['--compress', 'zstd -3'],
      want: 'zstd -3',
    },
    {name: '--gzip', args: ['--gzip'], want: 'gzip'},
    {name: '--zstd (dracut makes it -15)', args: ['--zstd'], want: 'zstd'},
    {name: '--no-compress', args: ['--no-compress'], want: 'cat'},
    {name: 'INITRD_COMPRESS in the environment', env: {INITRD_COMPRESS: 'xz'}, want: 'xz'},
    {
      name: 'a level alone (dracut 060+: compress_level_zstd=, --compress-level), for the compressor dracut picks',
      files: {'etc/dracut.conf.d/50-builder.conf': 'compress_level_zstd=9\n'},
      want: '',
    },
  ];
  it.each(cases)('$name', ({files = {}, args = [], env = {}, want}) => {
    for (const [path, text] of Object.entries(files)) put(path, text);
    const r = run(['--kver', KVER, ...args], env);
    expect(r.compress).toBe(want);
    expect(r.log).not.toContain('no compressor chosen');
  });
});
