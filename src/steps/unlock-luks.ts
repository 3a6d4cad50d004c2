// unlock-oem and unlock-volumes: open the LUKS containers that hold OEM and the layout's volumes
// (COS_PERSISTENT among them) before anything waits for their filesystems, and hand the mount
// steps /dev/mapper/<name> (src/boot/luks.ts decides; luks-keys.ts opens). A volume whose
// container cannot be opened fails alone, named with the key source tried; the boot goes on
// degraded. An encrypted OEM is opened with the cmdline's kcrypt config alone (its own config is
// inside it); a failure there fails mount-oem, which needs it.
import {parse as parseYaml} from 'yaml';
import {BootError} from '../boot/errors.ts';
import {decideKcryptConfig, kcryptSectionOf, parseKcryptCmdline} from '../boot/kcrypt-config.ts';
import {describeFoundBy, describeKeySource, type KcryptConfig, type UnlockDecision} from '../boot/luks.ts';
import {decideLooked, settledWithoutHeaders} from '../boot/luks-wait.ts';
import {SysError} from '../sys/sys.ts';
import type {StepContext} from './context.ts';
import {openContainer} from './luks-keys.ts';
import {forEachItem} from './mounting.ts';

export async function unlockOem(ctx: StepContext): Promise<void> {
  const oem = ctx.plan.mounts.oem;
  if (!oem) return;
  const kcrypt = kcryptConfig(ctx, []);
  const plain = new Map<string, string>();
  const found =
    (await waitForVolumes(ctx, [oem.source], kcrypt, ctx.plan.config.oemTimeoutSec, plain))[0] ?? 'timeout';
  if (found === 'timeout') {
    ctx.boot.oemAbsent = true;
    ctx.log.debug(`no ${oem.source} and no LUKS container for it within ${ctx.plan.config.oemTimeoutSec} s`);
    return;
  }
  if (found.kind === 'none') {
    // A plain OEM: mount-oem mounts the device this look found (one scan, not two).
    const device = plain.get(oem.source);
    if (device) ctx.boot.oemDevice = device;
    return;
  }
  await unlockDecided(ctx, found);
}

export async function unlockVolumes(ctx: StepContext): Promise<void> {
  const volumes = ctx.boot.mountPlan.volumes;
  const kcrypt = kcryptConfig(ctx, await readOemConfigs(ctx));
  const timeoutSec = ctx.plan.config.volumeTimeoutSec;
  // One wait for all: two missing volumes cost one timeout, as in mount-volumes.
  const found = await waitForVolumes(
    ctx,
    volumes.map((v) => v.device),
    kcrypt,
    timeoutSec,
  );
  found.forEach((d, i) => {
    const volume = volumes[i];
    if (d === 'timeout' && volume) ctx.boot.absent.add(volume.device);
  });
  const decided = found.filter(
    (d): d is Exclude<UnlockDecision, {kind: 'none'}> => d !== 'timeout' && d.kind !== 'none',
  );
  if (decided.length === 0) return;
  await forEachItem(
    ctx,
    decided,
    (d) => (d.kind === 'unlock' ? d.item.volume : d.volume),
    (d) => unlockDecided(ctx, d),
  );
}

/** Open one container (or refuse an ambiguous one), record it, and tell the mounts where it is. */
async function unlockDecided(ctx: StepContext, d: Exclude<UnlockDecision, {kind: 'none'}>): Promise<void> {
  if (d.kind === 'ambiguous') {
    ctx.boot.locked.add(d.volume);
    throw new BootError(d.message, {input: d.volume, hint: d.hint});
  }
  const {item} = d;
  const t0 = performance.now();
  const base = {
    volume: item.volume,
    container: item.container.device,
    foundBy: item.foundBy,
    mapper: `/dev/mapper/${item.mapper}`,
    keySource: item.reuse ? 'already open' : describeKeySource(item.keySource),
  };
  try {
    const {plugin} = item.reuse ? {plugin: undefined} : await openContainer(ctx, item);
    const durationMs = performance.now() - t0;
    ctx.boot.unlocks.push({
      ...base,
      outcome: item.reuse ? 'reused' : 'unlocked',
      durationMs,
      ...(plugin ? {plugin} : {}),
    });
    ctx.boot.mappers.set(item.volume, base.mapper);
    ctx.log.info(
      `${item.volume}: ${item.container.device} (LUKS${item.container.version}, found by ${describeFoundBy(item.foundBy)}) ${item.reuse ? 'already open' : `opened with the ${base.keySource}`} as ${base.mapper} in ${Math.round(durationMs)}ms`,
    );
  } catch (err) {
    ctx.boot.locked.add(item.volume);
    const hint = err instanceof BootError ? err.info.hint : undefined;
    ctx.boot.unlocks.push({
      ...base,
      outcome: 'failed',
      durationMs: performance.now() - t0,
      error: err instanceof Error ? err.message : String(err),
      ...(hint ? {hint} : {}),
    });
    throw err;
  }
}

/**
 * Wait, on device events, until each volume shows up either as a LUKS container (→ unlock) or as
 * a plain filesystem (→ `none`, mounted as before); `timeout` for those that did not come. One
 * wait for all the volumes: each event costs one superblock scan, and one LUKS header scan only
 * while a volume is not settled by a plain filesystem (src/boot/luks-wait.ts), whatever the number
 * of volumes. A volume once decided stays decided. `plain` gets the device of each plain one
 * (not of a label two devices carry: the mount names both).
 */
async function waitForVolumes(
  ctx: StepContext,
  volumes: readonly string[],
  kcrypt: KcryptConfig,
  timeoutSec: number,
  plain?: Map<string, string>,
): Promise<Array<UnlockDecision | 'timeout'>> {
  if (volumes.length === 0) return [];
  const decided = new Map<string, UnlockDecision>();
  const find = async (): Promise<string | undefined> => {
    const pending = volumes.filter((v) => !decided.has(v));
    const looked = await ctx.sys.lookupDevices(pending);
    const containers = pending.every((v) => settledWithoutHeaders(looked.get(v)))
      ? undefined
      : await ctx.sys.listLuksContainers();
    for (const v of pending) {
      const lookup = looked.get(v);
      const d = decideLooked(v, lookup, containers, kcrypt);
      if (d) decided.set(v, d);
      if (d?.kind === 'none' && typeof lookup === 'object') plain?.set(v, lookup.device);
    }
    return volumes.every((v) => decided.has(v)) ? 'all' : undefined;
  };
  const what =
    volumes.length === 1
      ? `${volumes[0]} or its LUKS container`
      : `${volumes.join(', ')} or their LUKS containers`;
  try {
    await ctx.sys.waitForBlock(what, find, {timeoutMs: timeoutSec * 1000, signal: ctx.signal});
  } catch (err) {
    if (!(err instanceof SysError && err.code === 'ETIMEDOUT')) throw err;
  }
  return volumes.map((v) => decided.get(v) ?? 'timeout');
}

/** OEM's kcrypt config (when OEM is plain and mounted), then the cmdline's, which wins. */
function kcryptConfig(
  ctx: StepContext,
  oem: Array<{name: string; values: Record<string, string | boolean>}>,
): KcryptConfig {
  const {value, problems} = decideKcryptConfig([
    ...oem,
    {name: 'cmdline', values: parseKcryptCmdline(ctx.plan.config.raw)},
  ]);
  for (const p of problems) ctx.log.warn(`${p.message} ("${p.input}"), ignoring. Try: ${p.hint}`);
  return value;
}

/** The `kcrypt:` sections of /sysroot/oem/*.yaml, in lexical order, as Kairos' config collector reads them. */
async function readOemConfigs(
  ctx: StepContext,
): Promise<Array<{name: string; values: Record<string, string | boolean>}>> {
  const dir = '/sysroot/oem';
  const names = ((await ctx.sys.readdir(dir).catch(() => undefined)) ?? [])
    .filter((n) => /\.ya?ml$/.test(n))
    .sort();
  const out: Array<{name: string; values: Record<string, string | boolean>}> = [];
  for (const name of names) {
    const path = `${dir}/${name}`;
    try {
      const text = await ctx.sys.readText(path);
      const values = kcryptSectionOf(text === undefined ? undefined : parseYaml(text));
      if (Object.keys(values).length) out.push({name: path, values});
    } catch (err) {
      // The stages report a broken cloud-config by name; here it only cannot hold kcrypt config.
      ctx.log.debug(
        `${path}: not read for kcrypt config (${err instanceof Error ? err.message : String(err)})`,
      );
    }
  }
  return out;
}
