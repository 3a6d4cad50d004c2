// Getting a container's key and opening it, the way kcrypt would: the passphrase sealed in the TPM
// NV index (tpm2_nvread + tpm2_rsadecrypt), a key-server plugin (kcrypt-discovery-*), or systemd's
// TPM2 token (systemd-cryptsetup). The passphrase goes to cryptsetup on stdin, never in argv or a
// file. Nothing here creates, enrolls or re-keys anything: kcrypt writes a NEW passphrase to the
// TPM when the NV read fails, which locks the data out for good; a failure here fails the volume.
import {BootError} from '../boot/errors.ts';
import {
  isPluginName,
  PASSWORD_EVENT,
  PLUGIN_DIRS,
  parsePluginResponse,
  renderPluginRequest,
} from '../boot/kcrypt-plugin.ts';
import type {KeySource, UnlockItem} from '../boot/luks.ts';
import {SysError} from '../sys/sys.ts';
import type {StepContext} from './context.ts';

/** Where systemd-cryptsetup lives: /lib/systemd (Debian 12), /usr/lib/systemd, /usr/bin (systemd 256). */
const SYSTEMD_CRYPTSETUP = [
  '/usr/lib/systemd/systemd-cryptsetup',
  '/lib/systemd/systemd-cryptsetup',
  '/usr/bin/systemd-cryptsetup',
];
const PATH_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];
// A key server may be slow to answer (network up, TPM attestation): bounded, never retried here.
const PLUGIN_TIMEOUT_MS = 120_000;
const TOOL_TIMEOUT_MS = 60_000;
// The TPM's node appears when tpm_tis/tpm_crb has probed, which udev starts early but may finish
// after the disks: waited for on /dev's inotify events, bounded like kcrypt's own ~45 s of retries.
const TPM_TIMEOUT_MS = 45_000;
/** What tpm2-tools and systemd-cryptsetup (tpm2-device=auto) open: the resource manager first. */
const TPM_DEVICES = ['/dev/tpmrm0', '/dev/tpm0'];

/** Open the container of `item` as /dev/mapper/<mapper>; returns the plugin that answered, if any. */
export async function openContainer(ctx: StepContext, item: UnlockItem): Promise<{plugin?: string}> {
  const source = item.keySource;
  if (source.kind === 'systemd-tpm2') {
    await attachWithToken(ctx, item);
    return {};
  }
  const got: {passphrase: string; plugin?: string} =
    source.kind === 'plugin'
      ? await askPlugins(ctx, item, source)
      : await readNvPassphrase(ctx, item, source);
  await cryptsetupOpen(ctx, item, got.passphrase, source);
  return got.plugin ? {plugin: got.plugin} : {};
}

/** kcrypt's local mode: the RSA-OAEP-sealed passphrase in the NV index, decrypted by the TPM. */
export async function readNvPassphrase(
  ctx: StepContext,
  item: UnlockItem,
  source: Extract<KeySource, {kind: 'tpm-nv'}>,
): Promise<{passphrase: string}> {
  await requireTools(ctx, ['tpm2_nvread', 'tpm2_rsadecrypt'], item, 'tpm2-tools');
  await waitForTpm(ctx, item, source.tpmDevice);
  const env = source.tpmDevice ? {TPM2TOOLS_TCTI: tctiOf(source.tpmDevice)} : undefined;
  // tpm2_nvread writes binary: through a file (ciphertext only, useless without this TPM).
  const blob = `/run/immucore/kcrypt-${item.mapper}.nv`;
  await ctx.sys.mkdirp('/run/immucore');
  const real = ctx.sys.resolvePath(blob);
  try {
    await ctx.sys.run(['tpm2_nvread', '-C', 'o', '-o', real, source.nvIndex], {
      ...(env ? {env} : {}),
      timeoutMs: TOOL_TIMEOUT_MS,
      signal: ctx.signal,
    });
  } catch (cause) {
    const missing =
      cause instanceof SysError && /0x18b|handle is not correct|0x28b/i.test(cause.stderr ?? '');
    throw new BootError(
      missing
        ? `TPM NV index ${source.nvIndex} not found: was ${item.container.device} encrypted on this machine?`
        : `cannot read TPM NV index ${source.nvIndex} for ${item.container.device}`,
      {
        cause,
        input: item.volume,
        hint: missing
          ? `The passphrase kcrypt sealed is not in this TPM (a cleared TPM, another machine, or a key server install). Boot the machine that encrypted it, or set kcrypt.challenger.challenger_server if a key server holds the key; immucore never creates a new key.`
          : `Check that the TPM is there (ls /dev/tpm*; tpm_tis/tpm_crb loaded) and kcrypt.tpm_device (now ${source.tpmDevice ?? 'the default'}).`,
      },
    );
  }
  try {
    const out = await ctx.sys.run(['tpm2_rsadecrypt', '-c', source.cIndex, '-s', 'oaep', real], {
      ...(env ? {env} : {}),
      timeoutMs: TOOL_TIMEOUT_MS,
      signal: ctx.signal,
    });
    if (out.stdout === '') throw new SysError('tpm2_rsadecrypt gave an empty passphrase', {code: 'EINVAL'});
    return {passphrase: out.stdout};
  } catch (cause) {
    throw new BootError(
      `the TPM key ${source.cIndex} cannot decrypt NV index ${source.nvIndex} for ${item.container.device}`,
      {
        cause,
        input: item.volume,
        hint: `The sealing key ${source.cIndex} is missing or another key (tpm2_getcap handles-persistent); set kcrypt.c_index if kcrypt was configured with another one. immucore never re-keys.`,
      },
    );
  } finally {
    await ctx.sys.removeScratch(blob).catch(() => undefined);
  }
}

/** Every kcrypt-discovery-* executable, in kcrypt's search order, the first of each name. */
export async function findPlugins(ctx: StepContext): Promise<string[]> {
  const found = new Map<string, string>();
  for (const dir of [...PATH_DIRS, ...PLUGIN_DIRS]) {
    for (const name of (await ctx.sys.readdir(dir).catch(() => undefined)) ?? []) {
      if (isPluginName(name) && !found.has(name)) found.set(name, `${dir}/${name}`);
    }
  }
  return [...found.values()];
}

/** Ask each plugin in turn; the first passphrase wins. */
export async function askPlugins(
  ctx: StepContext,
  item: UnlockItem,
  source: Extract<KeySource, {kind: 'plugin'}>,
): Promise<{passphrase: string; plugin: string}> {
  const plugins = await findPlugins(ctx);
  if (plugins.length === 0) {
    throw new BootError(
      `a key server is configured for ${item.container.device}, but no kcrypt-discovery-* plugin is installed`,
      {
        input: item.volume,
        hint: `Install the key server's plugin (kcrypt-discovery-challenger) in the image under /system/discovery, or in $PATH, or remove kcrypt.challenger.challenger_server.`,
      },
    );
  }
  const request = renderPluginRequest(item.container, item.label, source);
  const reasons: string[] = [];
  for (const plugin of plugins) {
    try {
      const out = await ctx.sys.run([ctx.sys.resolvePath(plugin), PASSWORD_EVENT], {
        input: request,
        timeoutMs: PLUGIN_TIMEOUT_MS,
        signal: ctx.signal,
      });
      const answer = parsePluginResponse(out.stdout);
      if (answer.ok) return {passphrase: answer.passphrase, plugin};
      reasons.push(`${plugin} ${answer.reason}`);
    } catch (err) {
      reasons.push(`${plugin} failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new BootError(
    `no key server plugin gave a passphrase for ${item.container.device}: ${reasons.join('; ')}`,
    {
      input: item.volume,
      hint: `Check that the key server ${source.challengerServer ?? '(mDNS)'} is reachable and knows this machine; the plugin's own log says more.`,
    },
  );
}

async function cryptsetupOpen(
  ctx: StepContext,
  item: UnlockItem,
  passphrase: string,
  source: KeySource,
): Promise<void> {
  await requireTools(ctx, ['cryptsetup'], item, 'cryptsetup');
  try {
    await ctx.sys.run(
      ['cryptsetup', 'open', '--type', 'luks', '--key-file=-', item.container.device, item.mapper],
      {
        input: passphrase,
        timeoutMs: TOOL_TIMEOUT_MS,
        signal: ctx.signal,
      },
    );
  } catch (cause) {
    // cryptsetup exits 2 when no keyslot takes the passphrase.
    const wrongKey = cause instanceof SysError && cause.exitCode === 2;
    throw new BootError(
      wrongKey
        ? `the passphrase from the ${describe(source)} does not open ${item.container.device}`
        : `cryptsetup cannot open ${item.container.device} as ${item.mapper}`,
      {
        cause,
        input: item.volume,
        hint: wrongKey
          ? 'The key source holds a key for another install of this disk. Open it by hand (cryptsetup open) with a recovery passphrase; immucore never re-keys.'
          : 'Check that dm_crypt is loaded (modprobe dm_crypt) and the message of cryptsetup above.',
      },
    );
  }
}

/** systemd's TPM2 token: systemd-cryptsetup unseals against the PCRs it was enrolled with. */
async function attachWithToken(ctx: StepContext, item: UnlockItem): Promise<void> {
  let tool: string | undefined;
  for (const p of SYSTEMD_CRYPTSETUP) if (await ctx.sys.exists(p)) tool = p;
  if (!tool) {
    throw new BootError(
      `${item.container.device} has a systemd-tpm2 token, but there is no systemd-cryptsetup`,
      {
        input: item.volume,
        hint: 'Rebuild the initramfs on a host with systemd-cryptsetup and libcryptsetup-token-systemd-tpm2.so (the immucore dracut module installs them when present).',
      },
    );
  }
  await waitForTpm(ctx, item, undefined);
  try {
    await ctx.sys.run(
      [
        ctx.sys.resolvePath(tool),
        'attach',
        item.mapper,
        item.container.device,
        '-',
        'tpm2-device=auto,headless=true',
      ],
      {timeoutMs: TOOL_TIMEOUT_MS, signal: ctx.signal},
    );
  } catch (cause) {
    throw new BootError(`the systemd-tpm2 token does not open ${item.container.device}`, {
      cause,
      input: item.volume,
      hint: 'The PCRs it was sealed to changed (firmware, Secure Boot state, boot loader) or this is another TPM. Open it with a recovery key and re-enroll (systemd-cryptenroll --wipe-slot=tpm2 --tpm2-device=auto); immucore never re-enrolls.',
    });
  }
}

/**
 * Wait, on device events, for the TPM device the tools will open (kcrypt.tpm_device, or
 * /dev/tpmrm0 or /dev/tpm0); nothing to wait for when kcrypt.tpm_device is a TCTI other than
 * `device:` (swtpm, mssim). Once it has timed out, later volumes fail at once with the same error.
 */
export async function waitForTpm(
  ctx: StepContext,
  item: UnlockItem,
  tpmDevice: string | undefined,
): Promise<void> {
  const tcti = tpmDevice ? tctiOf(tpmDevice) : undefined;
  if (tcti && !tcti.startsWith('device:')) return;
  const paths = tcti ? [tcti.slice('device:'.length)] : TPM_DEVICES;
  if (ctx.boot.tpmMissing) throw ctx.boot.tpmMissing;
  try {
    const found = await ctx.sys.waitForPath(paths, {timeoutMs: TPM_TIMEOUT_MS, signal: ctx.signal});
    ctx.log.debug(`TPM device ${found} is there (for ${item.container.device})`);
  } catch (cause) {
    if (!(cause instanceof SysError && cause.code === 'ETIMEDOUT')) throw cause;
    ctx.boot.tpmMissing = new BootError(
      `no TPM device (${paths.join(' or ')}) appeared within ${TPM_TIMEOUT_MS / 1000} s, so the containers sealed to the TPM stay locked`,
      {
        cause,
        input: item.volume,
        hint: `Check that the machine has a TPM 2.0, enabled in the firmware, and that its driver is in the initramfs (lsmod | grep tpm: tpm_tis or tpm_crb; the immucore dracut module adds them when the build host has them)${tpmDevice ? `, and kcrypt.tpm_device (now ${tpmDevice})` : ''}. immucore never creates a new key.`,
      },
    );
    throw ctx.boot.tpmMissing;
  }
}

async function requireTools(ctx: StepContext, tools: string[], item: UnlockItem, pkg: string): Promise<void> {
  for (const tool of tools) {
    if (!(await ctx.sys.findTool(tool))) {
      throw new BootError(`${tool} is not in this initramfs, so ${item.container.device} cannot be opened`, {
        input: item.volume,
        hint: `Rebuild the initramfs on a host with ${pkg} installed: the immucore dracut module adds it when it is there.`,
      });
    }
  }
}

/** kcrypt.tpm_device: a device path, or a TCTI already (`swtpm:port=2321`). */
export function tctiOf(device: string): string {
  return device.includes(':') ? device : `device:${device}`;
}

function describe(source: KeySource): string {
  return source.kind === 'plugin'
    ? 'key server'
    : source.kind === 'tpm-nv'
      ? `TPM NV index ${source.nvIndex}`
      : 'TPM2 token';
}
