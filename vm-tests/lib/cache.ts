// The build cache under /var/cache/immucore-vm ($IMMUCORE_VM_CACHE): each slow artefact lives in
// a directory named after a hash of its inputs, so a changed binary rebuilds the initramfs and
// the images but never the Debian root, and a second run rebuilds nothing.
import {spawn} from 'node:child_process';
import {createHash} from 'node:crypto';
import {createReadStream, existsSync} from 'node:fs';
import {mkdir, readdir, rename, rm, stat, writeFile} from 'node:fs/promises';
import {join} from 'node:path';
import {progress} from './log.ts';

export const CACHE_DIR = process.env.IMMUCORE_VM_CACHE ?? '/var/cache/immucore-vm';

// How many builds of one kind are kept: the current one and two before it. The suite, the
// benchmark (its image set also holds an initramfs without immucore) and a second binary under test
// (the demo, another branch) each want their own, and with two kept they evicted each other. A
// root is ~1 GiB, an image set ~2 GiB and a disk ~2 GiB of sparse files.
const KEEP_PER_KIND = 3;

/** Hashes a list of inputs (strings or other hashes) into a short cache key. */
export function hashInputs(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${part.length}:${part}\n`);
  return hash.digest('hex').slice(0, 16);
}

/** Hashes a file's bytes (the 100 MB binary takes well under a second). */
export async function hashFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Hashes every file under a directory (paths and bytes), for the dracut module and the agent. */
export async function hashTree(dir: string): Promise<string> {
  const entries = (await readdir(dir, {recursive: true, withFileTypes: true}))
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
  const parts: string[] = [];
  for (const path of entries) parts.push(path.slice(dir.length), await hashFile(path));
  return hashInputs(parts);
}

/**
 * Returns `<cache>/<kind>-<key>`, building it first when missing. The build writes into a
 * temporary directory that is renamed only once it finished, so an interrupted build is never
 * mistaken for a finished one.
 */
export async function cachedDir(
  kind: string,
  key: string,
  build: (dir: string) => Promise<void>,
): Promise<string> {
  const dir = join(CACHE_DIR, `${kind}-${key}`);
  const done = () => existsSync(join(dir, '.complete'));
  if (done()) {
    progress(`${kind} (cached ${key})`);
    return dir;
  }
  // Two scenario files boot at once (two workers, one vCPU each); the first to need an artefact
  // builds it while the other waits for the lock, then finds it complete.
  return withBuildLock(async () => {
    if (done()) {
      progress(`${kind} (built meanwhile ${key})`);
      return dir;
    }
    const tmp = `${dir}.tmp`;
    await rm(tmp, {recursive: true, force: true});
    await rm(dir, {recursive: true, force: true});
    await mkdir(tmp, {recursive: true});
    await build(tmp);
    await writeFile(join(tmp, '.complete'), `${new Date().toISOString()}\n`);
    await rename(tmp, dir);
    await pruneKind(kind, dir);
    return dir;
  });
}

/**
 * Runs `fn` holding the cache's build lock, across processes: one build at a time (image builds
 * chroot into the shared Debian root). The lock is flock(1)'s, held by a child that lives as long
 * as its stdin is open, so the kernel drops it when this process dies, however it dies.
 */
async function withBuildLock<T>(fn: () => Promise<T>): Promise<T> {
  await mkdir(CACHE_DIR, {recursive: true});
  const holder = spawn(
    'flock',
    [join(CACHE_DIR, '.build.lock'), 'sh', '-c', 'echo locked; exec cat >/dev/null'],
    {
      stdio: ['pipe', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('error', reject);
    holder.once('exit', (code) => reject(new Error(`flock exited ${code} before taking the build lock`)));
  });
  try {
    return await fn();
  } finally {
    const exited = new Promise((resolve) => holder.once('exit', resolve));
    holder.stdin.end();
    await exited;
  }
}

async function pruneKind(kind: string, keep: string): Promise<void> {
  const names = (await readdir(CACHE_DIR)).filter((n) => n.startsWith(`${kind}-`) && !n.endsWith('.tmp'));
  const dated = await Promise.all(
    names.map(async (n) => ({path: join(CACHE_DIR, n), mtime: (await stat(join(CACHE_DIR, n))).mtimeMs})),
  );
  const old = dated
    .filter((d) => d.path !== keep)
    .sort((a, b) => b.mtime - a.mtime)
    .slice(KEEP_PER_KIND - 1);
  for (const d of old) {
    progress(`pruning ${d.path}`);
    await rm(d.path, {recursive: true, force: true});
  }
}
