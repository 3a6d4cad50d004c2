// The layout a test image is expected to boot with, read from the cloud-config every image carries
// (overlays/system/oem/05_immucore-layout.yaml, in the images' /system/oem): the scenarios assert
// what that file asks for, so a change to the file never needs a change to the tests.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {parse} from 'yaml';
import {OVERLAYS_DIR} from './paths.ts';

export const LAYOUT_CONFIG = join(OVERLAYS_DIR, 'system/oem/05_immucore-layout.yaml');
/** SPEC §5: the RW paths when the layout file sets none (a recovery boot's layout). */
export const DEFAULT_RW_PATHS = ['/etc', '/root', '/home', '/opt', '/srv', '/usr/local', '/var'];
/** SPEC §5: PERSISTENT_STATE_TARGET, which the default layout leaves at its default. */
export const PERSISTENT_STATE_TARGET = '/usr/local/.state';

export interface ExpectedLayout {
  rwPaths: string[];
  persistentPaths: string[];
  /** `LABEL=COS_PERSISTENT:/usr/local` → {label: 'COS_PERSISTENT', mountpoint: '/usr/local'}. */
  volumes: Array<{label: string; mountpoint: string}>;
  overlay: string | undefined;
}

interface LayoutStep {
  name?: string;
  if?: string;
  environment?: Record<string, string>;
}

/** The layout the default cloud-config writes for a boot whose sentinel is `sentinel`. */
export function expectedLayout(sentinel: string): ExpectedLayout {
  const config = parse(readFileSync(LAYOUT_CONFIG, 'utf8')) as {stages: {rootfs: LayoutStep[]}};
  const step = config.stages.rootfs.find((s) => s.if?.includes(`/run/cos/${sentinel}`));
  if (!step?.environment) throw new Error(`${LAYOUT_CONFIG} has no rootfs layout step for ${sentinel}`);
  const env = step.environment;
  const words = (v: string | undefined) => (v ?? '').split(/\s+/).filter(Boolean);
  return {
    rwPaths: words(env.RW_PATHS).length > 0 ? words(env.RW_PATHS) : DEFAULT_RW_PATHS,
    persistentPaths: words(env.PERSISTENT_STATE_PATHS),
    volumes: words(env.VOLUMES).map((v) => {
      const m = /^LABEL=([^:]+):(\/.*)$/.exec(v);
      if (!m) throw new Error(`${LAYOUT_CONFIG}: VOLUMES entry ${v} is not LABEL=<l>:<mountpoint>`);
      return {label: m[1] as string, mountpoint: m[2] as string};
    }),
    overlay: env.OVERLAY,
  };
}
