// Encrypted volumes against the real tools where this host allows: headers written by cryptsetup
// (every Kairos generation), a kcrypt-discovery plugin as a real script, and kcrypt's TPM NV mode on
// a software TPM (swtpm). Opening a container needs device-mapper, which this host's kernel lacks:
// the QEMU boots cover that part.
import {type ChildProcess, spawn} from 'node:child_process';
import fs from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import {execa} from 'execa';
import {afterEach, describe, expect, it} from 'vitest';
import {kcryptUuid, type LuksContainer, matchContainer} from '../../src/boot/luks.ts';
import {askPlugins, readNvPassphrase} from '../../src/steps/luks-keys.ts';
import {readLuksHeader} from '../../src/sys/luks-header.ts';
import {stepContext} from '../fakes/step-context.ts';
import {withTempRoot} from '../helpers/temp-root.ts';

// Fast key derivation: these headers are read, never opened.
const FAST = ['--pbkdf-force-iterations', '1000', '-q', '--key-file=-'];

async function luksFormat(file: string, args: string[]): Promise<string> {
  await fs.writeFile(file, '');
  await fs.truncate(file, 20 * 1024 * 1024);
  await execa('cryptsetup', ['luksFormat', ...args, ...FAST, file], {input: 'pw'});
  return file;
}

const container = (
  name: string,
  header: Awaited<ReturnType<typeof readLuksHeader>>,
  partLabel?: string,
): LuksContainer => ({
  device: `/dev/${name}`,
  name,
  version: header?.version ?? 2,
  tokens: header?.tokens ?? [],
  ...(header?.label ? {label: header.label} : {}),
  ...(header?.uuid ? {uuid: header.uuid} : {}),
  ...(partLabel ? {partLabel} : {}),
});

describe('LUKS headers as cryptsetup writes them', () => {
  const t = withTempRoot();
  const v5 = kcryptUuid('COS_PERSISTENT');
  const generations = [
    {
      name: 'LUKS1, random UUID, found by partition name',
      args: ['--type', 'luks1'],
      partLabel: 'persistent',
      foundBy: 'partition-name',
      version: 1,
    },
    {
      name: 'LUKS1 with the v5 UUID',
      args: ['--type', 'luks1', '--uuid', v5],
      foundBy: 'kcrypt-uuid',
      version: 1,
    },
    {
      name: 'LUKS2 with the v5 UUID',
      args: ['--type', 'luks2', '--pbkdf', 'pbkdf2', '--uuid', v5],
      foundBy: 'kcrypt-uuid',
      version: 2,
    },
    {
      name: 'LUKS2 labelled like the filesystem inside',
      args: ['--type', 'luks2', '--pbkdf', 'pbkdf2', '--label', 'COS_PERSISTENT'],
      foundBy: 'header-label',
      version: 2,
    },
    {
      name: 'LUKS2 labelled <label>_LUKS',
      args: ['--type', 'luks2', '--pbkdf', 'pbkdf2', '--label', 'COS_PERSISTENT_LUKS', '--uuid', v5],
      foundBy: 'luks-label',
      version: 2,
    },
  ];
  it.each(generations)('$name', async ({args, partLabel, foundBy, version}) => {
    const img = await luksFormat(path.join(t.images, 'c.img'), args);
    const header = await readLuksHeader(img);
    expect(header?.version).toBe(version);
    const {stdout: uuid} = await execa('cryptsetup', ['luksUUID', img]);
    expect(header?.uuid).toBe(uuid);
    expect(matchContainer('LABEL=COS_PERSISTENT', [container('vda5', header, partLabel)])).toMatchObject({
      kind: 'found',
      foundBy,
    });
  });

  it('a systemd-tpm2 token in the JSON area is seen', async () => {
    const img = await luksFormat(path.join(t.images, 't.img'), ['--type', 'luks2', '--pbkdf', 'pbkdf2']);
    const token = {
      type: 'systemd-tpm2',
      keyslots: ['0'],
      'tpm2-blob': 'AA==',
      'tpm2-pcrs': [7],
      'tpm2-pcr-bank': 'sha256',
      'tpm2-primary-alg': 'ecc',
      'tpm2-policy-hash': '00',
      'tpm2-pin': false,
    };
    await execa('cryptsetup', ['token', 'import', img], {input: JSON.stringify(token)});
    expect((await readLuksHeader(img))?.tokens).toEqual(['systemd-tpm2']);
  });

  it('an ext4 image is no LUKS container', async () => {
    expect(await readLuksHeader(await t.makeExt4Image({label: 'COS_PERSISTENT'}))).toBeUndefined();
  });
});

describe('the key-server plugin protocol, against a plugin script', () => {
  const t = withTempRoot();
  const item = {
    volume: 'LABEL=COS_PERSISTENT',
    label: 'COS_PERSISTENT',
    container: {
      device: '/dev/vda5',
      name: 'vda5',
      version: 2 as const,
      tokens: [],
      partLabel: 'persistent',
      partUuid: 'aa-bb',
    },
    foundBy: 'luks-label' as const,
    mapper: 'vda5',
    reuse: false,
    keySource: {kind: 'plugin' as const, challengerServer: 'http://kms:8082', mdns: false},
  };

  async function plugin(name: string, body: string): Promise<void> {
    const file = t.path(`/sysroot/system/discovery/${name}`);
    await fs.mkdir(path.dirname(file), {recursive: true});
    await fs.writeFile(file, `#!/bin/sh\n${body}\n`, {mode: 0o755});
  }

  it('gets the event on stdin, with the event name as its argument, and its passphrase is used', async () => {
    // Keeps what it was given, answers only the right event.
    await plugin(
      'kcrypt-discovery-fake',
      `cat > "$(dirname "$0")/request.json"; echo "$1" > "$(dirname "$0")/argv"\n[ "$1" = discovery.password ] && printf '{"data":"s3cret","error":""}'`,
    );
    const got = await askPlugins(stepContext(t.sys), item, item.keySource);
    expect(got).toEqual({passphrase: 's3cret', plugin: '/sysroot/system/discovery/kcrypt-discovery-fake'});
    expect((await fs.readFile(t.path('/sysroot/system/discovery/argv'), 'utf8')).trim()).toBe(
      'discovery.password',
    );
    const event = JSON.parse(await fs.readFile(t.path('/sysroot/system/discovery/request.json'), 'utf8'));
    expect(event.name).toBe('discovery.password');
    expect(JSON.parse(event.data)).toEqual({
      partition: {
        name: 'vda5',
        partition_label: 'persistent',
        label: 'COS_PERSISTENT',
        fs: 'crypto_LUKS',
        uuid: 'aa-bb',
      },
      challenger_server: 'http://kms:8082',
      mdns: false,
    });
  });

  it('a plugin that answers an error: the error and the server are named', async () => {
    await plugin(
      'kcrypt-discovery-fake',
      `cat > /dev/null; printf '{"data":"","error":"machine not registered"}'`,
    );
    const err = await askPlugins(stepContext(t.sys), item, item.keySource).catch(
      (e: Error & {info: {hint?: string}}) => e,
    );
    expect((err as Error).message).toBe(
      'no key server plugin gave a passphrase for /dev/vda5: /sysroot/system/discovery/kcrypt-discovery-fake answered an error: machine not registered',
    );
    expect((err as {info: {hint?: string}}).info.hint).toMatch(/http:\/\/kms:8082/);
  });
});

describe("kcrypt's TPM NV mode on a software TPM", () => {
  const t = withTempRoot();
  let swtpm: ChildProcess | undefined;
  afterEach(() => {
    swtpm?.kill();
    swtpm = undefined;
  });

  async function startTpm(): Promise<string> {
    const port = await freePort();
    const dir = path.join(t.base, 'tpm');
    await fs.mkdir(dir, {recursive: true});
    swtpm = spawn(
      'swtpm',
      [
        'socket',
        '--tpm2',
        '--tpmstate',
        `dir=${dir}`,
        '--server',
        `type=tcp,port=${port}`,
        '--ctrl',
        `type=tcp,port=${port + 1}`,
        '--flags',
        'not-need-init,startup-clear',
      ],
      {stdio: 'ignore'},
    );
    const tcti = `swtpm:port=${port}`;
    // swtpm listens within milliseconds; the first tool call is the readiness check.
    for (let i = 0; ; i++) {
      const r = await execa('tpm2_getcap', ['properties-fixed'], {
        env: {TPM2TOOLS_TCTI: tcti},
        reject: false,
      });
      if (r.exitCode === 0) break;
      if (i > 50) throw new Error(`swtpm did not answer on ${tcti}: ${r.stderr}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    return tcti;
  }

  /** What kcrypt does at install: an RSA key at 0x81000008, the OAEP-sealed passphrase in NV 0x1500000. */
  async function seal(tcti: string, passphrase: string): Promise<void> {
    const env = {TPM2TOOLS_TCTI: tcti};
    const run = (argv: string[]) => execa(argv[0] ?? '', argv.slice(1), {env, cwd: t.base});
    await fs.writeFile(path.join(t.base, 'pw'), passphrase);
    await run([
      'tpm2_createprimary',
      '-Q',
      '-C',
      'o',
      '-G',
      'rsa2048',
      '-g',
      'sha256',
      '-a',
      'fixedtpm|fixedparent|sensitivedataorigin|userwithauth|decrypt',
      '-c',
      'primary.ctx',
    ]);
    await run(['tpm2_evictcontrol', '-Q', '-C', 'o', '-c', 'primary.ctx', '0x81000008']);
    await run(['tpm2_rsaencrypt', '-c', '0x81000008', '-s', 'oaep', '-o', 'blob', 'pw']);
    await run(['tpm2_nvdefine', '-C', 'o', '-s', '256', '-a', 'ownerread|ownerwrite', '0x1500000']);
    await run(['tpm2_nvwrite', '-C', 'o', '-i', 'blob', '0x1500000']);
  }

  const nvItem = (tcti: string) => ({
    volume: 'LABEL=COS_PERSISTENT',
    container: {device: '/dev/vda5', name: 'vda5', version: 2 as const, tokens: []},
    foundBy: 'luks-label' as const,
    mapper: 'vda5',
    reuse: false,
    keySource: {kind: 'tpm-nv' as const, nvIndex: '0x1500000', cIndex: '0x81000008', tpmDevice: tcti},
  });

  it('reads the sealed passphrase back, exactly, and leaves no file behind', async () => {
    const tcti = await startTpm();
    await seal(tcti, 'Zq8kP0wLx3');
    const item = nvItem(tcti);
    const started = performance.now();
    expect(await readNvPassphrase(stepContext(t.sys), item, item.keySource)).toEqual({
      passphrase: 'Zq8kP0wLx3',
    });
    console.log(`NV read + RSA decrypt on swtpm: ${Math.round(performance.now() - started)} ms`);
    expect(await fs.readdir(t.path('/run/immucore'))).toEqual([]);
  });

  it('the NV index deleted: says it is not there, and defines nothing', async () => {
    const tcti = await startTpm();
    await seal(tcti, 'pw');
    await execa('tpm2_nvundefine', ['-C', 'o', '0x1500000'], {env: {TPM2TOOLS_TCTI: tcti}});
    const item = nvItem(tcti);
    const err = (await readNvPassphrase(stepContext(t.sys), item, item.keySource).catch(
      (e) => e,
    )) as Error & {info: {hint?: string}};
    expect(err.message).toBe('TPM NV index 0x1500000 not found: was /dev/vda5 encrypted on this machine?');
    expect(err.info.hint).toMatch(/never creates a new key/);
    const {stdout} = await execa('tpm2_getcap', ['handles-nv-index'], {env: {TPM2TOOLS_TCTI: tcti}});
    expect(stdout.trim()).toBe('');
  });
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === 'object' && addr ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}
