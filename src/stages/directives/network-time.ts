// `dns` and `timesyncd`: resolv.conf and a timesyncd drop-in in the stage's view, as yip writes them.
import type {StepEnv} from '../step-env.ts';
import type {DnsSpec} from '../types.ts';

export const TIMESYNCD_DROPIN = '/etc/systemd/timesyncd.conf.d/10-yip.conf';

/** resolv.conf text: `search`, `nameserver` lines, `options` (yip's order). */
export function renderResolvConf(d: DnsSpec): string {
  const lines: string[] = [];
  const search = d.search.join(' ').trim();
  if (search && search !== '.') lines.push(`search ${search}`);
  for (const ns of d.nameservers) lines.push(`nameserver ${ns}`);
  const options = d.options.join(' ').trim();
  if (options) lines.push(`options ${options}`);
  return lines.length ? `${lines.join('\n')}\n` : '';
}

export async function writeDns(env: StepEnv, d: DnsSpec): Promise<void> {
  if (d.nameservers.length === 0) return; // yip writes nothing without a nameserver
  const p = await env.view.resolve(d.path);
  await env.view.sys.writeText(p, renderResolvConf(d), {mode: 0o644, atomic: true});
  env.log.info(`${d.path}: ${d.nameservers.length} nameserver(s)`);
}

/** The drop-in with `values` set in its [Time] section, other keys and sections kept. */
export function mergeTimeSection(text: string, values: Array<[string, string]>): string {
  const lines = text === '' ? [] : text.replace(/\n$/, '').split('\n');
  let start = lines.findIndex((l) => l.trim() === '[Time]');
  if (start < 0) {
    if (lines.length > 0 && lines[lines.length - 1] !== '') lines.push('');
    lines.push('[Time]');
    start = lines.length - 1;
  }
  let end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  if (end < 0) end = lines.length;
  for (const [k, v] of values) {
    const i = lines.findIndex((l, j) => j > start && j < end && l.split('=')[0]?.trim() === k);
    if (i >= 0) lines[i] = `${k}=${v}`;
    else {
      lines.splice(end, 0, `${k}=${v}`);
      end++;
    }
  }
  return `${lines.join('\n')}\n`;
}

export async function writeTimesyncd(env: StepEnv, values: Array<[string, string]>): Promise<void> {
  const p = await env.view.resolve(TIMESYNCD_DROPIN);
  await env.view.sys.mkdirp(p.slice(0, p.lastIndexOf('/')));
  const before = (await env.view.sys.readText(p)) ?? '';
  const after = mergeTimeSection(before, values);
  if (after !== before) await env.view.sys.writeText(p, after, {mode: 0o644, atomic: true});
  env.log.info(`${TIMESYNCD_DROPIN}: ${values.map(([k]) => k).join(', ')}`);
}
