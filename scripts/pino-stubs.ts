// A Bun.build plugin that replaces, inside pino only, the modules pino loads eagerly and the
// binary never uses. pino requires its file stream (sonic-boom), its exit hooks
// (on-exit-leak-free), worker_threads and its transport (thread-stream) when it is imported, and
// they pull in node:stream, node:util, node:assert and the worker machinery: ~45 ms of CPU at
// every start of a compiled test binary went to pino, 18-25 ms of it to these. immucore's logger
// (src/log/logger.ts) gives pino a multistream of plain sinks: no destination, no transport, no
// worker, so none of them is ever called. If one ever is (a new `pino.destination()`, a
// `transport:` option, a file path as pino's stream), its stub throws and says why, never a silent
// no-op that would lose the log.
//
// Only requests made from pino's own files are stubbed (`importer` under node_modules/pino/):
// another package asking for worker_threads gets the real one. Bun.build resolves node builtins
// without asking plugins, so pino's lib/tools.js is loaded with its `require('worker_threads')`
// renamed to a request the plugin does see; if pino stops writing it that way, the build fails.

import {readFile} from 'node:fs/promises';

/** Matches a path inside the pino package, whose requests below are stubbed. */
const PINO_IMPORTER = /[\\/]node_modules[\\/]pino[\\/]/;

const NAMESPACE = 'immucore-pino-stub';

// Shared by every stub: throws the error that names the missing piece and the way out.
const FAIL = `function fail(what) {
  throw new Error(what + ' is not in this build: immucore compiles pino without its file streams, transports and worker threads (scripts/pino-stubs.ts), because its logger writes to plain sinks (src/log/logger.ts). Give pino a stream of your own, or remove the stub from scripts/pino-stubs.ts.');
}
`;

/** The stubs, by what pino's files ask for. Each is CommonJS, as pino is. */
export const PINO_STUBS: Record<string, string> = {
  // pino.destination() and a file path given as pino's stream build one (pino() without a stream
  // writes to process.stdout under bun, whose write pino sees as replaced); `instanceof SonicBoom` checks
  // (lib/tools.js) need a class, which is never constructed here.
  'sonic-boom': `${FAIL}module.exports = class SonicBoom { constructor() { fail('sonic-boom (pino.destination(), a file path as stream)'); } };\n`,
  // Required only by pino's lib/transport.js, stubbed below; here in case pino moves it.
  'thread-stream': `${FAIL}module.exports = class ThreadStream { constructor() { fail('thread-stream (pino transports)'); } };\n`,
  // lib/tools.js registers a SonicBoom to be flushed at exit: only reached after sonic-boom.
  'on-exit-leak-free': `${FAIL}module.exports = {
  register() { fail('on-exit-leak-free (pino.destination())'); },
  registerBeforeExit() { fail('on-exit-leak-free (pino.destination())'); },
  unregister() { fail('on-exit-leak-free (pino.destination())'); },
};\n`,
  // lib/tools.js reads only isMainThread (to register that exit hook); the binary runs on its
  // main thread. Any other name (a Worker) fails.
  worker_threads: `${FAIL}module.exports = new Proxy({isMainThread: true}, {
  get(target, key) {
    if (typeof key === 'symbol' || key in target) return target[key];
    fail('worker_threads.' + key);
  },
});\n`,
  // pino.transport() and the `transport:` option.
  transport: `${FAIL}module.exports = function transport() { fail('pino.transport()'); };\n`,
};

// What pino's lib/tools.js requires worker_threads as, and what it is renamed to.
const WORKER_THREADS_REQUIRE = "require('worker_threads')";
const WORKER_THREADS_STUB = 'immucore-pino-stub/worker_threads';

/** Maps a request from a pino file to its stub's name; undefined = resolve it as usual. */
export function pickPinoStub(request: string, importer: string): string | undefined {
  if (!PINO_IMPORTER.test(importer)) return undefined;
  if (request === WORKER_THREADS_STUB) return 'worker_threads';
  const name = request.replace(/^\.\/(lib\/)?transport(\.js)?$/, 'transport');
  return name !== 'worker_threads' && Object.hasOwn(PINO_STUBS, name) ? name : undefined;
}

/** pino's lib/tools.js with its worker_threads request renamed to the stub's. */
export function renamePinoWorkerThreads(source: string, file: string): string {
  const parts = source.split(WORKER_THREADS_REQUIRE);
  if (parts.length !== 2) {
    throw new Error(
      `pino-stubs: ${file} requires worker_threads ${parts.length - 1} times as ${WORKER_THREADS_REQUIRE}, expected once (a new pino?). Try: check what pino reads of it and update scripts/pino-stubs.ts.`,
    );
  }
  return parts.join(`require('${WORKER_THREADS_STUB}')`);
}

// The part of bun's plugin API used here (the repo has no bun-types).
interface PluginBuilder {
  onResolve(
    options: {filter: RegExp},
    callback: (args: {path: string; importer: string}) => {path: string; namespace: string} | undefined,
  ): void;
  onLoad(
    options: {filter: RegExp; namespace?: string},
    callback: (args: {path: string}) => {contents: string; loader: 'js'} | Promise<{contents: string; loader: 'js'}>,
  ): void;
}

/** The plugin: requests from pino's files for the modules above load their stub instead. */
export const PINO_STUBS_PLUGIN = {
  name: 'immucore-pino-stubs',
  setup(build: PluginBuilder): void {
    build.onResolve({filter: /^(sonic-boom|thread-stream|on-exit-leak-free|immucore-pino-stub\/.*)$|transport/}, (args) => {
      const stub = pickPinoStub(args.path, args.importer);
      return stub === undefined ? undefined : {path: stub, namespace: NAMESPACE};
    });
    build.onLoad({filter: /[\\/]node_modules[\\/]pino[\\/]lib[\\/]tools\.js$/}, async (args) => ({
      contents: renamePinoWorkerThreads(await readFile(args.path, 'utf8'), args.path),
      loader: 'js',
    }));
    build.onLoad({filter: /.*/, namespace: NAMESPACE}, (args) => {
      const contents = PINO_STUBS[args.path];
      if (contents === undefined) throw new Error(`pino-stubs: no stub named "${args.path}"`);
      return {contents, loader: 'js'};
    });
  },
};
