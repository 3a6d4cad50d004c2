// kcrypt's key-server plugin protocol (go-pluggable): an executable `kcrypt-discovery-*` is run as
// `<exe> discovery.password`, gets one JSON event on stdin and answers one JSON object on stdout.
// Pure: building the event and reading the answer.
import type {LuksContainer} from './luks.ts';

export const PLUGIN_PREFIX = 'kcrypt-discovery-';
export const PASSWORD_EVENT = 'discovery.password';

/** Where kcrypt looks for plugins, after $PATH (paths as the initramfs sees them before rootfs). */
export const PLUGIN_DIRS = [
  '/sysroot/system/discovery',
  '/system/discovery',
  '/sysroot/oem/kcrypt',
  '/oem/kcrypt',
  '/sysroot/oem/system/discovery',
  '/oem/system/discovery',
];

/** The event on the plugin's stdin: `data` is itself a JSON string, as go-pluggable sends it. */
export function renderPluginRequest(
  container: LuksContainer,
  label: string | undefined,
  server: {challengerServer?: string; mdns: boolean},
): string {
  const data = {
    partition: {
      name: container.name,
      partition_label: container.partLabel ?? '',
      label: label ?? container.label ?? '',
      fs: 'crypto_LUKS',
      uuid: container.partUuid ?? '',
    },
    challenger_server: server.challengerServer ?? '',
    mdns: server.mdns,
  };
  return JSON.stringify({name: PASSWORD_EVENT, data: JSON.stringify(data), file: ''});
}

export type PluginAnswer = {ok: true; passphrase: string} | {ok: false; reason: string};

/** The plugin's stdout: `{"data":"<passphrase>","error":""}`; an error or an empty passphrase fails. */
export function parsePluginResponse(stdout: string): PluginAnswer {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return {ok: false, reason: `answered no JSON (${JSON.stringify(stdout.slice(0, 80))})`};
  }
  const r = (parsed ?? {}) as {data?: unknown; error?: unknown};
  if (typeof r.error === 'string' && r.error !== '')
    return {ok: false, reason: `answered an error: ${r.error}`};
  if (typeof r.data !== 'string' || r.data === '') return {ok: false, reason: 'answered no passphrase'};
  return {ok: true, passphrase: r.data};
}

/** True for a plugin's file name. */
export function isPluginName(name: string): boolean {
  return name.startsWith(PLUGIN_PREFIX) && name.length > PLUGIN_PREFIX.length;
}
