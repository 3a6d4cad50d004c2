// Encrypted volumes (SPEC §5, Kairos kcrypt): which LUKS container holds a filesystem the boot
// needs, under which mapper name it is opened, and which key source opens it. Pure: the containers
// come in as data read from their headers (src/sys/luks-header.ts), the steps run the tools.
import {sha1} from './sha1.ts';

/** A LUKS container as its header and the partition table describe it. */
export interface LuksContainer {
  /** `/dev/vda5`. */
  device: string;
  /** Kernel name, `vda5`: kcrypt opens the container as `/dev/mapper/<kernel name>`. */
  name: string;
  version: 1 | 2;
  /** LUKS2 header label (LUKS1 has none). */
  label?: string;
  uuid?: string;
  /** GPT partition name: Kairos names its partitions `oem`, `persistent`... */
  partLabel?: string;
  partUuid?: string;
  /** Token types in the LUKS2 header, e.g. `systemd-tpm2`. */
  tokens: string[];
  /** The mapper name when the container is open already (dracut, a retry, the recovery shell). */
  openAs?: string;
}

/** How a container was recognised: one entry per generation of Kairos installs, newest first. */
export type FoundBy = 'luks-label' | 'header-label' | 'kcrypt-uuid' | 'partition-name' | 'device';

/** kcrypt's own defaults: the NV index holding the sealed passphrase and the key that unseals it. */
export const KCRYPT_NV_INDEX = '0x1500000';
export const KCRYPT_C_INDEX = '0x81000008';

/** The `kcrypt:` section of the Kairos config, from the OEM cloud-configs or the cmdline. */
export interface KcryptConfig {
  /** `kcrypt.challenger.challenger_server`: a key server; the plugin asks it. */
  challengerServer?: string;
  /** `kcrypt.challenger.mdns`: find the key server with mDNS. */
  mdns: boolean;
  nvIndex: string;
  cIndex: string;
  /** `kcrypt.tpm_device`; default: tpm2-tools' own choice (/dev/tpmrm0). */
  tpmDevice?: string;
}

export const DEFAULT_KCRYPT: KcryptConfig = {mdns: false, nvIndex: KCRYPT_NV_INDEX, cIndex: KCRYPT_C_INDEX};

export type KeySource =
  | {kind: 'plugin'; challengerServer?: string; mdns: boolean}
  | {kind: 'systemd-tpm2'}
  | {kind: 'tpm-nv'; nvIndex: string; cIndex: string; tpmDevice?: string};

/** One container to open: for which volume, found how, opened as what, with which key. */
export interface UnlockItem {
  /** The volume as the layout or the cmdline names it: `LABEL=COS_PERSISTENT`. */
  volume: string;
  /** The filesystem label inside, when the volume is named by label. */
  label?: string;
  container: LuksContainer;
  foundBy: FoundBy;
  /** `/dev/mapper/<mapper>` is what the volume mounts, and what fstab names. */
  mapper: string;
  /** The mapper is open already: reuse it, ask no key. */
  reuse: boolean;
  keySource: KeySource;
}

export type ContainerMatch =
  | {kind: 'found'; container: LuksContainer; foundBy: FoundBy}
  | {kind: 'ambiguous'; foundBy: FoundBy; devices: string[]}
  | {kind: 'none'};

// RFC 4122 namespace for URLs: kcrypt derives a container's UUID as uuidv5(URL, "<label>").
const URL_NAMESPACE = '6ba7b8119dad11d180b400c04fd430c8';

/** `COS_PERSISTENT` → `85c39d0f-4867-5227-8334-f5eec606d9eb`: the UUID kcrypt gives the container. */
export function kcryptUuid(label: string): string {
  const ns = URL_NAMESPACE.match(/../g)?.map((b) => Number.parseInt(b, 16)) ?? [];
  const name = new TextEncoder().encode(label);
  const hash = sha1(Uint8Array.from([...ns, ...name])).subarray(0, 16);
  hash[6] = ((hash[6] ?? 0) & 0x0f) | 0x50;
  hash[8] = ((hash[8] ?? 0) & 0x3f) | 0x80;
  const h = [...hash].map((b) => b.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// The GPT partition names the Kairos installer gives: the oldest containers (LUKS1, random UUID,
// no label) are found by these alone.
const PARTITION_NAMES: Record<string, string> = {
  COS_PERSISTENT: 'persistent',
  COS_OEM: 'oem',
};

/** The Kairos partition name of a well-known label, or undefined for a custom one. */
export function partitionNameOf(label: string): string | undefined {
  return PARTITION_NAMES[label];
}

/**
 * The container that holds the filesystem `volume` names (`LABEL=x`, `UUID=x`, `PARTLABEL=x`,
 * `/dev/x`). By label, each generation in turn, newest first: header label `x_LUKS`; header label
 * `x` (the raw device then carries the inner label too, kairos#4033); UUID = uuidv5(URL, x); the
 * Kairos partition name. Two containers of one generation are ambiguous: never guess which to open.
 */
export function matchContainer(volume: string, containers: readonly LuksContainer[]): ContainerMatch {
  const m = /^(LABEL|UUID|PARTLABEL|PARTUUID)=(.+)$/.exec(volume);
  const key = m?.[1];
  const value = m?.[2] ?? '';
  const tries: Array<[FoundBy, (c: LuksContainer) => boolean]> = [];
  if (key === 'LABEL') {
    const uuid = kcryptUuid(value);
    const part = partitionNameOf(value);
    tries.push(['luks-label', (c) => c.label === `${value}_LUKS`]);
    tries.push(['header-label', (c) => c.label === value]);
    tries.push(['kcrypt-uuid', (c) => c.uuid?.toLowerCase() === uuid]);
    if (part) tries.push(['partition-name', (c) => c.partLabel === part && !c.label]);
  } else if (key === 'UUID') {
    tries.push(['device', (c) => c.uuid?.toLowerCase() === value.toLowerCase()]);
  } else if (key === 'PARTLABEL') {
    tries.push(['partition-name', (c) => c.partLabel === value]);
  } else if (key === 'PARTUUID') {
    tries.push(['device', (c) => c.partUuid?.toLowerCase() === value.toLowerCase()]);
  } else if (volume.startsWith('/dev/')) {
    tries.push(['device', (c) => c.device === volume]);
  }
  for (const [foundBy, test] of tries) {
    const hits = containers.filter(test);
    if (hits.length > 1) return {kind: 'ambiguous', foundBy, devices: hits.map((c) => c.device)};
    if (hits[0]) return {kind: 'found', container: hits[0], foundBy};
  }
  return {kind: 'none'};
}

/**
 * The key source kcrypt would use: a configured key server wins (the plugin asks it); then a
 * systemd-tpm2 token in the LUKS2 header; otherwise the passphrase sealed in the TPM NV index.
 */
export function decideKeySource(container: LuksContainer, config: KcryptConfig): KeySource {
  if (config.challengerServer || config.mdns) {
    return {
      kind: 'plugin',
      mdns: config.mdns,
      ...(config.challengerServer ? {challengerServer: config.challengerServer} : {}),
    };
  }
  if (container.tokens.includes('systemd-tpm2')) return {kind: 'systemd-tpm2'};
  return {
    kind: 'tpm-nv',
    nvIndex: config.nvIndex,
    cIndex: config.cIndex,
    ...(config.tpmDevice ? {tpmDevice: config.tpmDevice} : {}),
  };
}

/** What to open for one volume, or why not; `none` means the volume is not encrypted (or not yet there). */
export type UnlockDecision =
  | {kind: 'unlock'; item: UnlockItem}
  | {kind: 'ambiguous'; volume: string; message: string; hint: string}
  | {kind: 'none'; volume: string};

/** Decide how to open the container of one volume, from the containers found so far. */
export function decideUnlock(
  volume: string,
  containers: readonly LuksContainer[],
  config: KcryptConfig,
): UnlockDecision {
  const match = matchContainer(volume, containers);
  if (match.kind === 'none') return {kind: 'none', volume};
  if (match.kind === 'ambiguous') {
    return {
      kind: 'ambiguous',
      volume,
      message: `${match.devices.length} LUKS containers match ${volume} by ${describeFoundBy(match.foundBy)}: ${match.devices.join(' and ')}`,
      hint: 'Give all but one of them another label (cryptsetup config --label) or detach the stale disk; immucore will not guess which one to open.',
    };
  }
  const {container, foundBy} = match;
  const label = /^LABEL=(.+)$/.exec(volume)?.[1];
  return {
    kind: 'unlock',
    item: {
      volume,
      ...(label ? {label} : {}),
      container,
      foundBy,
      mapper: container.openAs ?? container.name,
      reuse: container.openAs !== undefined,
      keySource: decideKeySource(container, config),
    },
  };
}

/** For messages: how a container was recognised. */
export function describeFoundBy(foundBy: FoundBy): string {
  switch (foundBy) {
    case 'luks-label':
      return 'its header label <label>_LUKS';
    case 'header-label':
      return 'its header label';
    case 'kcrypt-uuid':
      return "kcrypt's UUID v5 of the label";
    case 'partition-name':
      return 'its partition name';
    case 'device':
      return 'its device';
  }
}

/** For messages and the report: a key source in a few words. */
export function describeKeySource(source: KeySource): string {
  switch (source.kind) {
    case 'plugin':
      return `key server plugin (${source.challengerServer ?? (source.mdns ? 'mDNS' : 'no server')})`;
    case 'systemd-tpm2':
      return 'systemd-tpm2 token';
    case 'tpm-nv':
      return `TPM NV index ${source.nvIndex}`;
  }
}

/** What the boot did with one encrypted volume: for the report and `immucore status`. */
export interface UnlockRecord {
  volume: string;
  /** The container: `/dev/vda5`. */
  container: string;
  foundBy: FoundBy;
  /** `/dev/mapper/vda5`. */
  mapper: string;
  /** The key source, described (`TPM NV index 0x1500000`). */
  keySource: string;
  outcome: 'unlocked' | 'reused' | 'failed';
  durationMs: number;
  /** The plugin that answered, for a key server. */
  plugin?: string;
  error?: string;
  hint?: string;
}
