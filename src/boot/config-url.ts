// `kairos.config_url` (SPEC §6): which extra cloud-config source the stages read. A local path or
// file:// is read; a network URL is left to the installed system (no network in the initramfs).
import {error, type Problem, warning} from './problem.ts';

export type ConfigUrl = {kind: 'path'; path: string} | {kind: 'remote' | 'invalid'; problem: Problem};

/** `kairos.config_url`: a local path or file:// is read; http(s) is not fetched in the initramfs. */
export function decideConfigUrl(url: string): ConfigUrl {
  const token = `kairos.config_url=${url}`;
  if (url.startsWith('file://')) return {kind: 'path', path: decodeURIComponent(url.slice('file://'.length))};
  if (url.startsWith('/')) return {kind: 'path', path: url};
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    const msg = `${token}: fetching a config over the network is not supported in the initramfs stages, ignoring it`;
    const hint =
      'The installed system fetches it in a later stage; for the rootfs/initramfs stages put the config in /oem or give a file:// path.';
    return {kind: 'remote', problem: warning(token, msg, hint)};
  }
  const msg = `${token}: "${url}" is neither an absolute path nor a URL, ignoring it`;
  return {
    kind: 'invalid',
    problem: error(token, msg, 'Write kairos.config_url=/oem/config.yaml or file:///oem/config.yaml.'),
  };
}

/** The directories whose *.yaml/*.yml every stage and the memory policy read, in order (SPEC §6). */
export const CONFIG_SOURCE_DIRS = ['/system/oem', '/oem', '/usr/local/cloud-config'];
