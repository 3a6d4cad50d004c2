// The data yip hands its templates: for `hostname`, the machine id, a protected id, a UUID and a
// random string; for `if`, `commands`, `environment` values and entity YAML, `.Values` = the system
// facts yip gathers with sysinfo (node, os, kernel, product, board, chassis, bios, cpu, memory,
// storage, network), plus `Random` and `ProtectedID`. Facts come from the stage root (os-release,
// machine-id) and the running kernel (/proc, /sys); a fact that cannot be read is left out, as
// sysinfo's JSON omits empty fields.
import {createRequire} from 'node:module';
import type {RootView} from '../sys/root-view.ts';
import {goArch} from './conditions.ts';
import {readOsRelease} from './root-facts.ts';

export interface TemplateFacts {
  /** The root's /etc/machine-id ('' when it has none yet). */
  machineId: string;
  /** sysinfo's facts as nested maps (`os.name`, `node.hostname`…). */
  values: Record<string, unknown>;
}

// node:crypto on first use: a boot whose configs template no hostname never loads it (its start-up
// was ~8 ms of every boot's CPU). The UUID is WebCrypto's global one.
const nodeCrypto = (): typeof import('node:crypto') => createRequire(import.meta.url)('node:crypto');

const RANDOM_LETTERS = '1234567890abcdefghijklmnopqrstuvwxyz';

/** yip's utils.RandomString(32). */
export function randomString(n = 32): string {
  let s = '';
  for (let i = 0; i < n; i++) s += RANDOM_LETTERS[Math.floor(Math.random() * RANDOM_LETTERS.length)];
  return s;
}

/** machineid.ProtectedID("yip"): HMAC-SHA256 of the app id keyed by the machine id, in hex. */
export function protectedId(machineId: string): string {
  return nodeCrypto().createHmac('sha256', machineId).update('yip').digest('hex');
}

/** The data of a `hostname` template. */
export function hostnameData(f: TemplateFacts): Record<string, string> {
  return {
    UUID: crypto.randomUUID(),
    Random: randomString(),
    MachineID: f.machineId,
    ProtectedID: protectedId(f.machineId),
  };
}

/** The data of every other template: `.Values`. */
export function valuesData(f: TemplateFacts): Record<string, unknown> {
  return {Values: {...f.values, Random: randomString(), ProtectedID: protectedId(f.machineId)}};
}

const compact = (o: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== '' && v !== 0));

/** Gather the facts once per stage. */
export async function gatherTemplateFacts(view: RootView): Promise<TemplateFacts> {
  const {sys} = view;
  const read = async (p: string) => (await sys.readText(p))?.trim() || undefined;
  const inRoot = async (p: string) => read(await view.resolve(p));
  const dmi = (k: string) => read(`/sys/class/dmi/id/${k}`);
  const os = await readOsRelease(view);
  const machineId = (await inRoot('/etc/machine-id')) ?? '';
  const cpuinfo = (await sys.readText('/proc/cpuinfo')) ?? '';
  const meminfo = (await sys.readText('/proc/meminfo')) ?? '';
  const memKb = Number(/^MemTotal:\s+(\d+)/m.exec(meminfo)?.[1] ?? 0);
  const field = (k: string) => new RegExp(`^${k}\\s*:\\s*(.*)$`, 'm').exec(cpuinfo)?.[1]?.trim();
  const physical = new Set([...cpuinfo.matchAll(/^physical id\s*:\s*(\d+)/gm)].map((m) => m[1]));
  const threads = [...cpuinfo.matchAll(/^processor\s*:/gm)].length;
  const storage = [];
  for (const name of ((await sys.readdir('/sys/block')) ?? []).sort()) {
    if (/^(loop|ram|zram|dm-|md|sr|fd)/.test(name)) continue;
    const sectors = Number((await read(`/sys/block/${name}/size`)) ?? 0);
    storage.push(
      compact({
        name,
        vendor: await read(`/sys/block/${name}/device/vendor`),
        model: await read(`/sys/block/${name}/device/model`),
        serial: await read(`/sys/block/${name}/device/serial`),
        size: Math.round((sectors * 512) / 1e9),
      }),
    );
  }
  const network = [];
  for (const name of ((await sys.readdir('/sys/class/net')) ?? []).sort()) {
    if (name === 'lo') continue;
    network.push(compact({name, macaddress: await read(`/sys/class/net/${name}/address`)}));
  }
  const machineArch = {x64: 'x86_64', arm64: 'aarch64', ia32: 'i686'}[process.arch as string] ?? process.arch;
  const values: Record<string, unknown> = {
    node: compact({
      hostname: (await read('/proc/sys/kernel/hostname')) ?? (await inRoot('/etc/hostname')),
      machineid: machineId,
      timezone: await inRoot('/etc/timezone'),
    }),
    os: compact({
      name: os.get('PRETTY_NAME') || os.get('NAME'),
      vendor: os.get('ID'),
      version: os.get('VERSION_ID'),
      release: os.get('VERSION'),
      architecture: goArch(process.arch),
    }),
    kernel: compact({
      release: await read('/proc/sys/kernel/osrelease'),
      version: await read('/proc/sys/kernel/version'),
      architecture: machineArch,
    }),
    product: compact({
      name: await dmi('product_name'),
      vendor: await dmi('sys_vendor'),
      version: await dmi('product_version'),
      serial: await dmi('product_serial'),
      uuid: await dmi('product_uuid'),
      sku: await dmi('product_sku'),
    }),
    board: compact({
      name: await dmi('board_name'),
      vendor: await dmi('board_vendor'),
      version: await dmi('board_version'),
      serial: await dmi('board_serial'),
      assettag: await dmi('board_asset_tag'),
    }),
    chassis: compact({
      type: Number((await dmi('chassis_type')) ?? 0),
      vendor: await dmi('chassis_vendor'),
      version: await dmi('chassis_version'),
      serial: await dmi('chassis_serial'),
      assettag: await dmi('chassis_asset_tag'),
    }),
    bios: compact({
      vendor: await dmi('bios_vendor'),
      version: await dmi('bios_version'),
      date: await dmi('bios_date'),
    }),
    cpu: compact({
      vendor: field('vendor_id'),
      model: field('model name'),
      cpus: physical.size || (threads > 0 ? 1 : 0),
      threads,
    }),
    memory: compact({size: Math.round(memKb / 1024)}),
    storage,
    network,
  };
  return {machineId, values};
}
