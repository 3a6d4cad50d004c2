// Boots a disk in QEMU under TCG with the kernel and initramfs given directly (-kernel/-initrd),
// the serial console captured to vm-tests/logs/<name>.log (and typed into, when a scenario
// scripts `input`), and a per-boot timeout. Disks are
// qcow2 overlays over the cached raw disk, so scenarios never change the shared base; a
// persistence scenario boots the same overlay twice.
import {spawn} from 'node:child_process';
import {closeSync, createWriteStream, mkdirSync, openSync, readFileSync, readSync} from 'node:fs';
import {rm} from 'node:fs/promises';
import {connect} from 'node:net';
import {tmpdir} from 'node:os';
import {dirname, join} from 'node:path';
import {StringDecoder} from 'node:string_decoder';
import {execa} from 'execa';
import {runBuild} from './exec.ts';
import {AGENT_BEGIN, AGENT_END, type AgentFacts, parseAgentFacts} from './facts.ts';
import {progress} from './log.ts';
import {LOG_DIR} from './paths.ts';

/** Text typed on the serial console once the console shows `after` (since the previous input). */
export interface ConsoleInput {
  after: RegExp;
  send: string;
  /**
   * Typed again every `resendSec` seconds (at most 5 times) until the next input's text shows
   * up: a prompt printed before its program sets up the tty (sulogin's "Press Enter for
   * maintenance", then tcsetattr with TCSAFLUSH) can discard what was typed right after it.
   */
  resendSec?: number;
}

export interface BootOptions {
  /** Names the serial log: vm-tests/logs/<name>.log. */
  name: string;
  kernel: string;
  initrd: string;
  /** A qcow2 overlay made by createOverlay. */
  disk: string;
  /** Kernel command line; console=ttyS0 and panic=-1 are added. */
  append: string;
  timeoutSec?: number;
  memoryMiB?: number;
  /** Stop the VM as soon as a console line matches (e.g. the failure screen). */
  stopOn?: RegExp;
  /** Copy the console to the terminal as it arrives (the demo). */
  echo?: boolean;
  /**
   * Typed on the console (ttyS0, QEMU's stdin), in order, each once its `after` has shown up:
   * a shell prompt needs no newline, so this matches the console text, not whole lines.
   */
  input?: ConsoleInput[];
  /**
   * Let the guest power off by itself after the agent's report (it writes the
   * immucore.test.write files then, for a later boot of the same disk). Otherwise QEMU is
   * stopped as soon as the report is complete: the disk overlay is thrown away anyway, and a
   * guest's shutdown costs 5-15 s of TCG time per boot.
   */
  waitForPoweroff?: boolean;
  /**
   * Boot through the disk's own boot loader (BIOS, SeaBIOS): no -kernel/-initrd/-append, so
   * `kernel`, `initrd` and `append` are not used; the boot loader's config makes the cmdline.
   */
  firmwareBoot?: boolean;
  /**
   * Let the guest reboot, at most this many times (each kernel start on the console counts a
   * boot); one more stops QEMU. Otherwise a reboot ends QEMU (-no-reboot).
   */
  reboots?: number;
  /**
   * A software TPM 2.0 (swtpm) for the guest (`-device tpm-tis`), its state kept in this
   * directory: boot twice with the same one and the second boot sees what the first sealed.
   */
  tpmStateDir?: string;
  /**
   * An ISO9660 image in a CD-ROM drive (a `cidata` seed). On virtio-scsi, whose driver every test
   * initramfs has: the PIIX IDE drive of `-cdrom` would need ata_piix in it, probed on every boot.
   */
  cdrom?: string;
  /** More qcow2 overlays, attached as virtio disks after `disk` (vdb, vdc...): a stick, a second disk. */
  extraDisks?: string[];
  /**
   * A qcow2 overlay plugged in while the guest runs (`device_add virtio-blk-pci` on QEMU's
   * monitor, an ACPI PCI hotplug: a disk that shows up late), `delaySec` after input number
   * `afterInput` (0-based) was typed.
   */
  hotplug?: {disk: string; afterInput: number; delaySec: number};
}

export interface BootResult {
  logPath: string;
  /** The console text with colour escapes removed (systemd colours its status lines). */
  log: string;
  facts: AgentFacts | undefined;
  /** Wall-clock seconds from starting QEMU to the agent's first marker. */
  secondsToAgent: number | undefined;
  seconds: number;
  timedOut: boolean;
  /** The console line that matched stopOn. */
  stoppedOn: string | undefined;
  /** What was typed (`input`), with the seconds from starting QEMU. */
  typed: Array<{send: string; atSec: number}>;
  exitCode: number | undefined;
  /** Kernel starts seen on the console ("Linux version"), with the seconds from starting QEMU. */
  boots: Array<{atSec: number}>;
  /** When the `hotplug` disk was plugged, with the seconds from starting QEMU, and QEMU's answer. */
  plugged?: {atSec: number; answer: string};
}

// Every boot's timeout is a hang guard, doubled by default: the suite runs two guests at once, and
// on a machine shared with other TCG guests a boot can take three times as long as on an idle one
// (an LVM boot took 294 s of a 300 s limit so). IMMUCORE_VM_TIMEOUT_SCALE sets the factor.
const TIMEOUT_SCALE = Number(process.env.IMMUCORE_VM_TIMEOUT_SCALE ?? '2') || 2;

// Words appended to every -kernel boot's cmdline, for measuring: IMMUCORE_VM_APPEND=
// immucore.test.analyze=1 has the agent print where the booted system's time went.
const EXTRA_APPEND = process.env.IMMUCORE_VM_APPEND ? ` ${process.env.IMMUCORE_VM_APPEND}` : '';

// After the agent's report the guest powers off; give it this long before QEMU is killed.
const POWEROFF_GRACE_MS = 30_000;

/**
 * Creates a copy-on-write overlay of a raw base disk; with `sizeMiB`, a disk that large: the space
 * past the base reads as zeros, as an image written to a bigger disk (its backup GPT then sits
 * before the end).
 */
export async function createOverlay(base: string, overlay: string, sizeMiB?: number): Promise<string> {
  mkdirSync(dirname(overlay), {recursive: true});
  await rm(overlay, {force: true});
  await runBuild([
    'qemu-img',
    'create',
    '-q',
    '-f',
    'qcow2',
    '-F',
    'raw',
    '-b',
    base,
    overlay,
    ...(sizeMiB ? [`${sizeMiB}M`] : []),
  ]);
  return overlay;
}

// Guests running at once on this machine, across every process that boots them (a suite, a bench,
// a second checkout): each TCG guest takes a core, and a third guest slows all of them so much that
// their hang guards fire. IMMUCORE_VM_GUESTS sets the number.
const GUEST_SLOTS = Number(process.env.IMMUCORE_VM_GUESTS ?? '2') || 2;
const SLOT_DIR = '/run/lock/immucore-vm';

export async function bootVm(opts: BootOptions): Promise<BootResult> {
  const slot = await takeGuestSlot();
  try {
    return await bootInSlot(opts);
  } finally {
    await slot.release();
  }
}

/**
 * Takes one of GUEST_SLOTS flock(1) locks, held by a child shell that lives as long as its stdin is
 * open, so the kernel drops the lock when this process dies, however it dies. Waiting polls the
 * slots once a second: a boot lasts minutes.
 */
async function takeGuestSlot(): Promise<{release: () => Promise<void>}> {
  mkdirSync(SLOT_DIR, {recursive: true});
  const slots = Array.from({length: GUEST_SLOTS}, (_, i) => join(SLOT_DIR, `guest.${i}`)).join(' ');
  const script = `while :; do for f in ${slots}; do exec 9>"$f"; if flock -n 9; then echo "$f"; exec cat >/dev/null; fi; done; sleep 1; done`;
  const holder = spawn('sh', ['-c', script], {stdio: ['pipe', 'pipe', 'inherit']});
  const waitStarted = performance.now();
  await new Promise<void>((resolve, reject) => {
    holder.stdout.once('data', () => resolve());
    holder.once('error', reject);
    holder.once('exit', (code) =>
      reject(new Error(`the guest slot lock exited ${code} before taking a slot`)),
    );
  });
  const waited = (performance.now() - waitStarted) / 1000;
  if (waited > 2)
    progress(`waited ${waited.toFixed(0)} s for a free guest slot (IMMUCORE_VM_GUESTS=${GUEST_SLOTS})`);
  return {
    release: async () => {
      const exited = new Promise((resolve) => holder.once('exit', resolve));
      holder.stdin.end();
      await exited;
    },
  };
}

async function bootInSlot(opts: BootOptions): Promise<BootResult> {
  mkdirSync(LOG_DIR, {recursive: true});
  const logPath = join(LOG_DIR, `${opts.name}.log`);
  const agentLogPath = join(LOG_DIR, `${opts.name}.agent.log`);
  await rm(agentLogPath, {force: true});
  const logFile = createWriteStream(logPath);
  const args = [
    '-accel',
    'tcg', // /dev/kvm is not usable here; TCG everywhere keeps timings comparable
    '-cpu',
    'max', // the bun runtime needs SSE4.2/AVX; qemu64 dies with an invalid opcode
    '-m',
    String(opts.memoryMiB ?? 1024), // unpacking a ~50 MB initramfs needs more than 384 MiB
    '-smp',
    '1',
    '-nodefaults',
    ...(opts.reboots ? [] : ['-no-reboot']),
    '-display',
    'none',
    '-serial',
    'stdio',
    // ttyS1: the agent's own port, a file nothing else writes to (see agentPort below).
    '-chardev',
    `file,id=agent,path=${agentLogPath}`,
    '-serial',
    'chardev:agent',
    '-device',
    'virtio-rng-pci',
    ...(opts.firmwareBoot
      ? []
      : [
          '-kernel',
          opts.kernel,
          '-initrd',
          opts.initrd,
          '-append',
          `console=ttyS0 panic=-1 ${opts.append}${EXTRA_APPEND}`,
        ]),
    '-drive',
    `file=${opts.disk},if=virtio,format=qcow2,cache=unsafe`,
    ...(opts.cdrom
      ? [
          '-device',
          'virtio-scsi-pci,id=scsi0',
          '-drive',
          `file=${opts.cdrom},if=none,id=cd0,media=cdrom,readonly=on,format=raw`,
          '-device',
          'scsi-cd,drive=cd0,bus=scsi0.0',
        ]
      : []),
    ...(opts.extraDisks ?? []).flatMap((d) => ['-drive', `file=${d},if=virtio,format=qcow2,cache=unsafe`]),
  ];
  const monitor = opts.hotplug
    ? join(tmpdir(), `immucore-vm-${process.pid}-${opts.name}.monitor`)
    : undefined;
  if (opts.hotplug && monitor) {
    await rm(monitor, {force: true});
    args.push(
      '-drive',
      `file=${opts.hotplug.disk},if=none,id=late,format=qcow2,cache=unsafe`,
      '-monitor',
      `unix:${monitor},server=on,wait=off`,
    );
  }
  const tpm = opts.tpmStateDir ? await startSwtpm(opts.tpmStateDir) : undefined;
  if (tpm) args.push(...tpm.qemuArgs);
  progress(`boot ${opts.name}: ${opts.firmwareBoot ? 'through the disk boot loader' : opts.append}`);
  const started = performance.now();
  const input = [...(opts.input ?? [])];
  const vm = execa('qemu-system-x86_64', args, {
    reject: false,
    buffer: false,
    stdin: input.length > 0 ? 'pipe' : 'ignore',
    stderr: 'pipe',
  });
  let log = '';
  let pending = '';
  let secondsToAgent: number | undefined;
  let stoppedOn: string | undefined;
  let timedOut = false;
  const typed: BootResult['typed'] = [];
  const boots: BootResult['boots'] = [];
  let plugged: BootResult['plugged'];
  let plugTimer: NodeJS.Timeout | undefined;
  const plug = () => {
    if (!monitor) return;
    const atSec = (performance.now() - started) / 1000;
    void hmp(monitor, 'device_add virtio-blk-pci,drive=late,id=late-disk').then(
      (answer) => {
        plugged = {atSec, answer};
        onText(`[qemu monitor] device_add at ${atSec.toFixed(1)} s: ${answer.trim() || 'ok'}\n`);
      },
      (err: unknown) => onText(`[qemu monitor] device_add failed: ${String(err)}\n`),
    );
  };
  let sinceTyped = '';
  const kill = () => vm.kill('SIGTERM');
  const timer = setTimeout(
    () => {
      timedOut = true;
      kill();
    },
    (opts.timeoutSec ?? 180) * TIMEOUT_SCALE * 1000,
  );

  const onLine = (line: string) => {
    if (/\[\s*[\d.]+\] Linux version \d/.test(line)) {
      boots.push({atSec: (performance.now() - started) / 1000});
      if (boots.length > 1 + (opts.reboots ?? 0)) kill();
    }
    if (secondsToAgent === undefined && line.includes(AGENT_BEGIN)) {
      secondsToAgent = (performance.now() - started) / 1000;
    }
    if (line.includes(AGENT_END)) {
      if (opts.waitForPoweroff) setTimeout(kill, POWEROFF_GRACE_MS).unref();
      else kill();
    }
    if (stoppedOn === undefined && opts.stopOn?.test(line)) {
      stoppedOn = line;
      kill();
    }
  };
  const typeInput = (text: string) => {
    sinceTyped += stripAnsi(text);
    for (let next = input[0]; next !== undefined; next = input[0]) {
      const m = next.after.exec(sinceTyped);
      if (!m) return;
      input.shift();
      sinceTyped = sinceTyped.slice(m.index + m[0].length);
      vm.stdin?.write(next.send);
      typed.push({send: next.send, atSec: (performance.now() - started) / 1000});
      if (next.resendSec !== undefined) resend(next, typed.length);
      if (opts.hotplug && typed.length === opts.hotplug.afterInput + 1)
        plugTimer = setTimeout(plug, opts.hotplug.delaySec * 1000);
    }
  };
  const resendTimers: NodeJS.Timeout[] = [];
  // Only into the log file: `log` and the typed list stay what the scenario typed.
  const resend = (sent: ConsoleInput, count: number, times = 5) => {
    const again = setTimeout(
      () => {
        if (typed.length !== count || times === 0) return;
        vm.stdin?.write(sent.send);
        logFile.write(`\n[harness] typed again: ${JSON.stringify(sent.send)}\n`);
        resend(sent, count, times - 1);
      },
      (sent.resendSec ?? 0) * 1000,
    );
    again.unref();
    resendTimers.push(again);
  };
  const onText = (text: string) => {
    log += text;
    if (input.length > 0) typeInput(text);
    logFile.write(text);
    if (opts.echo) process.stdout.write(text);
    pending += text;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) onLine(line);
  };
  vm.stdout?.setEncoding('utf8').on('data', onText);
  vm.stderr?.setEncoding('utf8').on('data', (t: string) => onText(`[qemu] ${t}`));
  const agent = agentPort(agentLogPath, onLine);
  const result = await vm;
  clearTimeout(timer);
  clearTimeout(plugTimer);
  for (const t of resendTimers) clearTimeout(t);
  if (monitor) await rm(monitor, {force: true});
  tpm?.stop();
  const agentText = agent.stop();
  await new Promise((resolve) => logFile.end(resolve));
  const seconds = (performance.now() - started) / 1000;
  log = stripAnsi(log);
  // The agent writes to its own port; to the console when a root image predates that.
  const facts = parseAgentFacts(agentText) ?? parseAgentFacts(log);
  progress(
    `boot ${opts.name}: ${seconds.toFixed(1)} s` +
      (secondsToAgent === undefined ? ', no agent report' : `, agent after ${secondsToAgent.toFixed(1)} s`) +
      (timedOut ? ', TIMED OUT' : '') +
      ` (log ${logPath})`,
  );
  return {
    logPath,
    log,
    facts,
    secondsToAgent,
    seconds,
    timedOut,
    stoppedOn,
    typed,
    exitCode: result.exitCode,
    boots,
    ...(plugged ? {plugged} : {}),
  };
}

/**
 * One command on QEMU's human monitor (a unix socket): what it printed between the command and
 * the next prompt.
 */
function hmp(socket: string, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const conn = connect(socket);
    let text = '';
    let sent = false;
    const timer = setTimeout(() => {
      conn.destroy();
      reject(new Error(`no answer from the QEMU monitor to "${command}"`));
    }, 10_000);
    conn.setEncoding('utf8');
    conn.on('data', (chunk: string) => {
      text += chunk;
      if (!text.endsWith('(qemu) ')) return;
      if (!sent) {
        sent = true;
        text = '';
        conn.write(`${command}\n`);
        return;
      }
      clearTimeout(timer);
      conn.end();
      // The monitor echoes the command (with terminal escapes) before its answer.
      resolve(stripAnsi(text).replace('(qemu) ', '').split(/\r?\n/).slice(1).join('\n'));
    });
    conn.on('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/**
 * swtpm on a unix socket in `dir` (its state there too). `--daemon` returns once it listens;
 * `--terminate` ends it when QEMU lets go of the socket; stop() is for a QEMU that never connected.
 */
async function startSwtpm(dir: string): Promise<{qemuArgs: string[]; stop: () => void}> {
  mkdirSync(dir, {recursive: true});
  const sock = join(dir, 'swtpm.sock');
  const pidFile = join(dir, 'swtpm.pid');
  await rm(sock, {force: true});
  await execa('swtpm', [
    'socket',
    '--tpm2',
    '--tpmstate',
    `dir=${dir}`,
    '--ctrl',
    `type=unixio,path=${sock}`,
    '--pid',
    `file=${pidFile}`,
    '--log',
    `file=${join(dir, 'swtpm.log')},level=1`,
    '--daemon',
    '--terminate',
  ]);
  return {
    qemuArgs: [
      '-chardev',
      `socket,id=chrtpm,path=${sock}`,
      '-tpmdev',
      'emulator,id=tpm0,chardev=chrtpm',
      '-device',
      'tpm-tis,tpmdev=tpm0',
    ],
    stop: () => {
      try {
        process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM');
      } catch {
        // gone already (--terminate)
      }
    },
  };
}

/**
 * Follows the agent's port (ttyS1, a file QEMU appends to), calling onLine per line as it arrives.
 * On the console the kernel's messages and systemd's status lines may land in the middle of the
 * agent's 20 KB JSON line (a kvm_amd load message did, in one boot of a suite run); on its own
 * port nothing else writes. Polled every 100 ms: the figure it times (secondsToAgent) is seconds
 * long.
 */
function agentPort(path: string, onLine: (line: string) => void): {stop: () => string} {
  const decoder = new StringDecoder('utf8');
  const buffer = Buffer.alloc(64 * 1024);
  let fd: number | undefined;
  let text = '';
  let pending = '';
  const poll = () => {
    try {
      fd ??= openSync(path, 'r');
    } catch {
      return; // QEMU has not created it yet
    }
    for (let n = readSync(fd, buffer); n > 0; n = readSync(fd, buffer)) {
      const chunk = decoder.write(buffer.subarray(0, n));
      text += chunk;
      pending += chunk;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line);
    }
  };
  const timer = setInterval(poll, 100);
  return {
    stop: () => {
      clearInterval(timer);
      poll();
      if (fd !== undefined) closeSync(fd);
      return text + decoder.end();
    },
  };
}

/** Removes ANSI escape sequences (CSI ... letter), so tests can match "Failed to start x". */
export function stripAnsi(text: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC is exactly what is matched
  return text.replace(/\x1b\[[0-9;?]*[A-Za-z]/g, '');
}
