// Device specs shared by the cmdline and the layout file: the overlay backing
// (`tmpfs:20%`, `LABEL=x`) and extra volumes (`LABEL=x:/mnt`).
import {normalizePath} from './names.ts';

export type OverlayBase = {kind: 'tmpfs'; size: string} | {kind: 'device'; device: string};

export const DEFAULT_OVERLAY: OverlayBase = {kind: 'tmpfs', size: '20%'};

export const OVERLAY_HINT =
  'Write tmpfs:<size> with a percentage of RAM or a size, e.g. tmpfs:20% or tmpfs:512M, or a device as LABEL=<label> or UUID=<uuid>.';
export const VOLUME_HINT =
  'Write <device>:<mountpoint> with the device as LABEL=<label>, UUID=<uuid> or /dev/<name>, e.g. LABEL=DATA:/var/lib/data.';

/** A volume to mount read-write: `device` is `LABEL=x`, `UUID=x` or `/dev/x`. */
export interface Volume {
  device: string;
  mountpoint: string;
}

export type Parsed<T> = {ok: true; value: T} | {ok: false; reason: string};

const SIZE = /^(?:(100|[1-9]?\d)%|([1-9]\d*)([KMG])?)$/i;

/** `tmpfs:<size>` or a device. A bare size (`25%`) is accepted as tmpfs: it can mean nothing else. */
export function parseOverlayBase(value: string): Parsed<OverlayBase> {
  if (value.startsWith('tmpfs:') || /^\d/.test(value)) {
    const size = value.startsWith('tmpfs:') ? value.slice('tmpfs:'.length) : value;
    const m = SIZE.exec(size);
    if (!m || size === '0' || size === '0%') return {ok: false, reason: `"${size}" is not a size`};
    return {ok: true, value: {kind: 'tmpfs', size: m[1] !== undefined ? `${m[1]}%` : size.toUpperCase()}};
  }
  const dev = parseDevice(value);
  if (!dev.ok) return {ok: false, reason: `is neither tmpfs:<size> nor a device (${dev.reason})`};
  return {ok: true, value: {kind: 'device', device: dev.value}};
}

/** `LABEL=x`, `UUID=x` or `/dev/x`; anything else is refused rather than guessed at. */
export function parseDevice(value: string): Parsed<string> {
  const m = /^(LABEL|UUID|PARTLABEL|PARTUUID)=(.*)$/.exec(value);
  if (m) {
    if (m[2] === '') return {ok: false, reason: `${m[1]}= has no value`};
    return {ok: true, value};
  }
  if (/^\/dev\/[^\s]+$/.test(value)) return {ok: true, value};
  return {ok: false, reason: `"${value}" is not LABEL=, UUID= or /dev/`};
}

/** `<device>:<mountpoint>`; the mountpoint is the part after the first `:/`. */
export function parseVolume(value: string): Parsed<Volume> {
  const at = value.indexOf(':/');
  if (at < 0) return {ok: false, reason: 'has no mountpoint'};
  const dev = parseDevice(value.slice(0, at));
  if (!dev.ok) return dev;
  const mnt = normalizePath(value.slice(at + 1));
  if (!mnt.ok) return {ok: false, reason: `mountpoint ${mnt.reason}`};
  if (mnt.path === '/') return {ok: false, reason: 'mountpoint "/" would hide the root image'};
  return {ok: true, value: {device: dev.value, mountpoint: mnt.path}};
}
