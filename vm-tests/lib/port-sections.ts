// Extra facts a scenario prints on the agent's port (ttyS1) from a break shell, before the
// watcher's report (lib/initramfs-watch.ts): sections between `@@<TAG>-<NAME>@@` lines.
import {readFileSync} from 'node:fs';
import {join} from 'node:path';
import {LOG_DIR} from './paths.ts';

/**
 * The shell command that prints a section's header, split by quotes where it is typed, so the
 * console's echo of the typed line never reads as the header.
 */
export function sectionMark(tag: string, name: string): string {
  return `echo @@${tag}-"${name}"@@`;
}

/** Sections `names`, in that order, as their non-empty lines; the last name only ends the one before. */
export function readSections(boot: string, tag: string, names: string[]): Record<string, string[]> {
  const text = readFileSync(join(LOG_DIR, `${boot}.agent.log`), 'utf8').replaceAll('\r', '');
  const out: Record<string, string[]> = {};
  let at = 0;
  for (const [i, name] of names.slice(0, -1).entries()) {
    const mark = `@@${tag}-${name}@@\n`;
    const from = text.indexOf(mark, at);
    const to = text.indexOf(`@@${tag}-${names[i + 1]}@@`, from);
    if (from < 0 || to < 0) throw new Error(`no ${tag}-${name} section on ${boot}'s agent port (${LOG_DIR})`);
    out[name] = text
      .slice(from + mark.length, to)
      .split('\n')
      .filter((l) => l !== '');
    at = to;
  }
  return out;
}
