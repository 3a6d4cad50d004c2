// The `kcrypt:` config Kairos' kcrypt reads: from the OEM cloud-configs when OEM is plain, and
// from the cmdline (`kcrypt.challenger.challenger_server=…`), which is all there is when OEM is
// itself encrypted. Later sources win: OEM files in lexical order, then the cmdline. Pure.
import {DEFAULT_KCRYPT, type KcryptConfig} from './luks.ts';
import {type Problem, warning} from './problem.ts';

type Flat = Record<string, string | boolean>;

const KEYS = ['nv_index', 'c_index', 'tpm_device', 'challenger_server', 'mdns'] as const;

/** `kcrypt.<key>` and `kcrypt.challenger.<key>` tokens of the cmdline, as written. */
export function parseKcryptCmdline(raw: string): Flat {
  const out: Flat = {};
  for (const tok of raw.split(/\s+/)) {
    const m = /^kcrypt\.(?:challenger\.)?([a-z_]+)(?:=(.*))?$/.exec(tok);
    if (m?.[1]) out[m[1]] = m[2] ?? true;
  }
  return out;
}

/** The `kcrypt` section of one parsed cloud-config document (both levels, challenger wins). */
export function kcryptSectionOf(doc: unknown): Flat {
  const out: Flat = {};
  const kcrypt = asRecord(asRecord(doc)?.kcrypt);
  if (!kcrypt) return out;
  for (const level of [kcrypt, asRecord(kcrypt.challenger)]) {
    for (const key of KEYS) {
      const v = level?.[key];
      if (typeof v === 'string' || typeof v === 'boolean') out[key] = v;
      else if (typeof v === 'number') out[key] = `0x${v.toString(16)}`;
    }
  }
  return out;
}

/** The effective kcrypt config: defaults, then each OEM document, then the cmdline. */
export function decideKcryptConfig(sources: ReadonlyArray<{name: string; values: Flat}>): {
  value: KcryptConfig;
  problems: Problem[];
} {
  const value: KcryptConfig = {...DEFAULT_KCRYPT};
  const problems: Problem[] = [];
  for (const {name, values} of sources) {
    for (const [key, v] of Object.entries(values)) {
      const input = `${name}: kcrypt.${key}=${String(v)}`;
      if (key === 'mdns') value.mdns = v === true || v === 'true';
      else if (typeof v !== 'string' || v === '') {
        problems.push(
          warning(input, `kcrypt.${key} has no value`, `Give kcrypt.${key} a value, or remove it.`),
        );
      } else if (key === 'challenger_server') value.challengerServer = v;
      else if (key === 'tpm_device') value.tpmDevice = v;
      else if (key === 'nv_index' || key === 'c_index') {
        if (!/^(0x[0-9a-f]+|\d+)$/i.test(v)) {
          problems.push(
            warning(
              input,
              `kcrypt.${key} "${v}" is not a TPM handle`,
              `Write a handle such as ${key === 'nv_index' ? '0x1500000' : '0x81000008'}; using the default.`,
            ),
          );
        } else if (key === 'nv_index') value.nvIndex = v;
        else value.cIndex = v;
      }
    }
  }
  return {value, problems};
}

function asRecord(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
    ? (v as Record<string, unknown>)
    : undefined;
}
