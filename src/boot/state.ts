// Which system this boot is (SPEC §3): decided from the raw cmdline, first match wins, because
// that is how Kairos boot loaders and the Go immucore have always signalled it.
import type {BootConfig} from './boot-config.ts';
import {BOOT_MODE_RULE, decideBootMode} from './boot-mode.ts';

export type BootStateName = 'active' | 'passive' | 'recovery' | 'autoreset' | 'live' | 'unknown';
export type BootMode = 'disk' | 'live';

export const BOOT_STATES: readonly BootStateName[] = [
  'active',
  'passive',
  'recovery',
  'autoreset',
  'live',
  'unknown',
];

export interface BootState {
  state: BootStateName;
  mode: BootMode;
  /** File name under /run/cos. */
  sentinel: string;
  /** Label of the root image's filesystem, for a disk boot. */
  rootLabel?: string;
  /** Label of the partition that holds the image files, for a disk boot. */
  imagesLabel?: string;
}

const RULES: Array<{state: BootStateName; tokens: string[]}> = [
  {state: 'autoreset', tokens: ['kairos.reset']},
  {state: 'active', tokens: ['COS_ACTIVE']},
  {state: 'passive', tokens: ['COS_PASSIVE']},
  {state: 'recovery', tokens: ['COS_RECOVERY', 'COS_SYSTEM', 'recovery-mode']},
  {state: 'live', tokens: [...BOOT_MODE_RULE.liveSubstrings]},
];

const TABLE: Record<BootStateName, Omit<BootState, 'state' | 'mode'>> = {
  active: {sentinel: 'active_mode', rootLabel: 'COS_ACTIVE', imagesLabel: 'COS_STATE'},
  passive: {sentinel: 'passive_mode', rootLabel: 'COS_PASSIVE', imagesLabel: 'COS_STATE'},
  recovery: {sentinel: 'recovery_mode', rootLabel: 'COS_SYSTEM', imagesLabel: 'COS_RECOVERY'},
  autoreset: {sentinel: 'autoreset_mode', rootLabel: 'COS_SYSTEM', imagesLabel: 'COS_RECOVERY'},
  live: {sentinel: 'live_mode'},
  unknown: {sentinel: 'unknown'},
};

/** Decide the boot state and mode from the cmdline (SPEC §3). */
export function decideBootState(config: Pick<BootConfig, 'raw'>): BootState {
  const state = RULES.find((r) => r.tokens.some((t) => config.raw.includes(t)))?.state ?? 'unknown';
  // A disabled boot takes the live plan: dracut mounts /sysroot, immucore writes the sentinel.
  const mode = decideBootMode(config) === 'disk' ? 'disk' : 'live';
  return {state, mode, ...TABLE[state]};
}
