// Which step directives immucore runs, which yip directives it knows but does not run in the
// initramfs, and the hint for each kind of unsupported one.
import {closestName} from '../util/closest-name.ts';

/** The directives a step may use, in the order immucore applies them (yip's plugin order). */
export const SUPPORTED_DIRECTIVES = [
  'name',
  'if',
  'after',
  'node',
  'only_os',
  'only_os_version',
  'only_arch',
  'only_service_manager',
  'if_files',
  'timeout',
  'directories',
  'files',
  'commands',
  'hostname',
  'sysctl',
  'dns',
  'ensure_entities',
  'delete_entities',
  'users',
  'authorized_keys',
  'modules',
  'timesyncd',
  'systemctl',
  'environment',
  'environment_file',
  'datasource',
  'layout',
] as const;

/** yip directives that need the network, a package manager or a booted system: not run here. */
export const UNSUPPORTED_DIRECTIVES = [
  'downloads',
  'git',
  'systemd_firstboot',
  'packages',
  'package_pins',
  'unpack_images',
];

/** The hint for an unsupported directive, by what it is. */
export function unsupportedHint(name: string): string {
  if (UNSUPPORTED_DIRECTIVES.includes(name))
    return `immucore does not run ${name} in the rootfs and initramfs stages; move it to a later stage (boot, network) that the installed system runs.`;
  const near = closestName(name, SUPPORTED_DIRECTIVES, 2);
  return `${name} is not a yip directive${near ? `: did you mean ${near}?` : ''}; supported: ${SUPPORTED_DIRECTIVES.join(', ')}.`;
}
