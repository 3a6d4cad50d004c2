// Facts about a stage's root that step conditions are decided on: its os-release, which service
// manager it has, the machine's architecture and host name, and which if_files paths exist.
import type {RootView} from '../sys/root-view.ts';
import {goArch, parseOsRelease, type RootFacts, SERVICE_MANAGER_TOOLS} from './conditions.ts';

/** The os-release of the root: /etc/os-release, else /usr/lib/os-release (as systemd reads it). */
export async function readOsRelease(view: RootView): Promise<Map<string, string>> {
  for (const p of ['/etc/os-release', '/usr/lib/os-release']) {
    const text = await view.sys.readText(await view.resolve(p));
    if (text !== undefined) return parseOsRelease(text);
  }
  return new Map();
}

/** Gather the facts; `paths` are the if_files paths to look up (as seen in the root). */
export async function gatherRootFacts(view: RootView, paths: readonly string[] = []): Promise<RootFacts> {
  const os = await readOsRelease(view);
  const anyExists = async (list: readonly string[]) => {
    for (const p of list) if (await view.sys.exists(await view.resolve(p))) return true;
    return false;
  };
  const existing = new Set<string>();
  for (const p of paths) if (await view.sys.exists(await view.resolve(p))) existing.add(p);
  const hostname =
    (await view.sys.readText('/proc/sys/kernel/hostname'))?.trim() ||
    (await view.sys.readText(await view.resolve('/etc/hostname')))?.trim();
  const osName = os.get('PRETTY_NAME') || os.get('NAME');
  const osVersion = os.get('VERSION_ID');
  return {
    ...(osName ? {osName} : {}),
    ...(osVersion ? {osVersion} : {}),
    ...(hostname ? {hostname} : {}),
    arch: goArch(process.arch),
    systemd: await anyExists(SERVICE_MANAGER_TOOLS.systemd),
    openrc: await anyExists(SERVICE_MANAGER_TOOLS.openrc),
    existing,
  };
}
