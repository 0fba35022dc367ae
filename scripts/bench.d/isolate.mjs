// Isolate CPU per request: runs a BUILT Worker module (crates/callback/build/index.js, the
// output that is deployed, or the JavaScript floor Worker) directly under Node 22 — V8, the
// engine workerd embeds — without wrangler, workerd or any HTTP: the harness constructs each
// Request, calls the module's fetch handler, and times each call until the Response is ready
// (see `summary` for why wall time per request, thread CPU as a mean beside it). The Queue binding and the
// bucket's HeadObject are in-process stand-ins (standins.mjs) that answer at once, so every
// microsecond measured is the Worker's own work plus the runtime APIs it calls.
//
//   node isolate.mjs --worker FILE --env ENV.json --valid VALID.json --rejected REJECTED.json
//        [--iterations N] [--warmup N] [--sample-out FILE] [--sample-in FILE] [--profile-calls]
//        [--cpu-profile FILE]
//
// ENV.json: the Worker's variables and secrets (strings). VALID.json / REJECTED.json: signed
// callbacks from `target/release/callbacks` (valid ones; ones altered after signing).
// --sample-out writes what the Worker queued and answered (for the floor Worker's FLOOR_*
// variables); --sample-in reads it and passes it to the floor as those variables.
// --profile-calls counts the JS↔wasm crossings per request (import and export calls of the
// Worker's WebAssembly instance) and the time spent in the JavaScript side of the imports.
// --cpu-profile writes a V8 CPU profile (.cpuprofile, 25 µs sampling) of the measured valid
// callbacks only (profile-summary.py reads it).
// Prints one JSON object (see docs/bench.md).
import { register } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkerQueue, headObjectFetch } from './standins.mjs';

const args = Object.create(null);
for (let i = 2; i < process.argv.length; i++) {
  const flag = process.argv[i].replace(/^--/, '');
  if (flag === 'profile-calls') args[flag] = true;
  else args[flag] = process.argv[++i];
}
for (const required of ['worker', 'env', 'valid', 'rejected']) {
  if (!args[required]) throw new Error(`--${required} is required`);
}
const iterations = Number(args.iterations || 2000);
const warmup = Number(args.warmup || 1000);
const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const valid = readJson(args.valid);
const rejected = readJson(args.rejected);

// --- the runtime around the module ------------------------------------------------------------
register('./worker-hooks.mjs', import.meta.url);
const logs = { lines: 0, bytes: 0 };
// The Worker's per-request log line goes here instead of a terminal: its formatting happens in
// the Worker (measured), the runtime's own log shipping is not part of the isolate's time.
console.log = (line) => {
  logs.lines += 1;
  logs.bytes += String(line).length;
};
console.error = console.warn = console.info = console.debug = console.log;
const errorListeners = [];
globalThis.addEventListener ??= (type, listener) => {
  if (type === 'error') errorListeners.push(listener);
};
const heads = { fetches: 0, notFound: 0 };
globalThis.fetch = headObjectFetch(heads);

// Both shard bindings are one stand-in: the callback Worker spreads events over its shards by id
// (docs/callback-worker.md), and every figure counts sends across all of them.
const queueStandIn = new WorkerQueue();
const env = { ...readJson(args.env), UPLOAD_EVENTS: queueStandIn, UPLOAD_EVENTS_1: queueStandIn };
if (args['sample-in']) {
  const sample = readJson(args['sample-in']);
  env.FLOOR_MESSAGE = sample.message;
  env.FLOOR_REPLY = sample.reply;
  env.FLOOR_HEALTH = sample.health;
  if (sample.head_url) env.FLOOR_HEAD_URL = sample.head_url;
}
const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };

// --- JS↔wasm crossings (optional) ------------------------------------------------------------
const crossings = { imports: new Map(), exports: new Map(), importUs: 0 };
if (args['profile-calls']) {
  const OriginalInstance = WebAssembly.Instance;
  const count = (map, name) => map.set(name, (map.get(name) || 0) + 1);
  const wrapImports = (imports) => {
    const wrapped = {};
    for (const [moduleName, members] of Object.entries(imports)) {
      wrapped[moduleName] = {};
      for (const [name, value] of Object.entries(members)) {
        wrapped[moduleName][name] =
          typeof value === 'function'
            ? function (...a) {
                count(crossings.imports, name);
                const t0 = performance.now();
                try {
                  return value.apply(this, a);
                } finally {
                  crossings.importUs += (performance.now() - t0) * 1000;
                }
              }
            : value;
      }
    }
    return wrapped;
  };
  const wrapExports = (instance) => {
    const exports = {};
    for (const [name, value] of Object.entries(instance.exports)) {
      exports[name] =
        typeof value === 'function'
          ? function (...a) {
              count(crossings.exports, name);
              return value.apply(this, a);
            }
          : value;
    }
    return Object.freeze(exports);
  };
  WebAssembly.Instance = function Instance(module, imports) {
    const instance = new OriginalInstance(module, wrapImports(imports));
    return { exports: wrapExports(instance) };
  };
}

// --- the module -------------------------------------------------------------------------------
const moduleUrl = pathToFileURL(resolvePath(args.worker)).href;
const loadStarted = performance.now();
const mod = await import(moduleUrl);
const entry = mod.default;
// A class entrypoint (worker-build's shim) is instantiated for every request, as workerd does;
// the construction (through the shim's Proxy hooks) is part of each request's time.
const handler =
  typeof entry === 'function'
    ? (request) => new entry(ctx, env).fetch(request)
    : (request) => entry.fetch(request, env, ctx);
const startupMs = performance.now() - loadStarted;

// The floor Worker verifies nothing, so it has no rejected path to measure.
const isFloor = Boolean(args['sample-in']);
const ORIGIN = 'https://callback.example.com';
function callbackRequest(c) {
  const headers = new Headers(c.headers);
  headers.set('content-length', String(Buffer.byteLength(c.body)));
  return new Request(ORIGIN + c.target, { method: 'POST', headers, body: c.body });
}
const healthRequest = () => new Request(ORIGIN + '/healthz', { method: 'GET' });

// --- a probe: what one request of each kind does ----------------------------------------------
async function probe() {
  const queue = env.UPLOAD_EVENTS;
  const before = { sent: queue.sent, heads: heads.fetches, logs: logs.lines };
  const ok = await handler(callbackRequest(valid.callbacks[0]));
  const reply = await ok.text();
  if (ok.status !== 200) throw new Error(`a valid callback was answered ${ok.status}: ${reply}`);
  if (queue.sent !== before.sent + 1) throw new Error('a valid callback did not queue exactly one event');
  const headsPerValid = heads.fetches - before.heads;
  const message = JSON.stringify(queue.last.message);
  let refused = { status: null };
  let refusedBody = null;
  if (!isFloor) {
    refused = await handler(callbackRequest(rejected.callbacks[0]));
    refusedBody = await refused.text();
    if (refused.status < 400 || refused.status > 499) throw new Error(`an altered callback was answered ${refused.status}`);
    if (queue.sent !== before.sent + 1) throw new Error('an altered callback queued an event');
  }
  const health = await handler(healthRequest());
  const healthBody = await health.text();
  if (health.status !== 200) throw new Error(`/healthz answered ${health.status}: ${healthBody}`);
  return {
    valid_status: ok.status,
    rejected_status: refused.status,
    rejected_body: refusedBody,
    heads_per_valid: headsPerValid,
    head_method: heads.lastMethod,
    log_lines_per_request: (logs.lines - before.logs) / (isFloor ? 2 : 3),
    message_bytes: message.length,
    queue_options: queue.last.options,
    sample: {
      message,
      reply,
      health: healthBody,
      head_url: headsPerValid > 0 ? 'http://bench-bucket.invalid/' : undefined,
    },
  };
}

// --- measurement ------------------------------------------------------------------------------
function percentile(sorted, p) {
  return sorted.length ? sorted[Math.min(sorted.length - 1, Math.round((sorted.length - 1) * p))] : null;
}
// Per request, the wall time from the call to the ready Response: with every stand-in
// answering at once there is no I/O wait in it, so it is this thread's CPU time except when the
// machine preempts the thread (which shows in p99, not in the median). Thread CPU from the
// kernel has scheduler-tick granularity here, so it is only reported as a mean (the sum of the
// per-request deltas over thousands of requests is unbiased) to check the median against.
function summary(cpu, wall) {
  const w = Float64Array.from(wall).sort();
  const round = (v) => (v === null ? null : Number(v.toFixed(2)));
  return {
    n: wall.length,
    median_us: round(percentile(w, 0.5)),
    p99_us: round(percentile(w, 0.99)),
    wall_mean_us: round(wall.reduce((a, b) => a + b, 0) / (wall.length || 1)),
    thread_cpu_mean_us: round(cpu.reduce((a, b) => a + b, 0) / (cpu.length || 1)),
  };
}

// Requests are built in batches outside the timed region (the runtime builds them from the
// wire before the isolate runs), small enough that they do not pile up in the heap.
async function measure(kind, count, expectStatus) {
  const cpu = [];
  const wall = [];
  const batch = 100;
  let unexpected = 0;
  for (let done = 0; done < count; ) {
    const n = Math.min(batch, count - done);
    const requests = [];
    for (let i = 0; i < n; i++) {
      const k = done + i;
      requests.push(
        kind === 'valid'
          ? callbackRequest(valid.callbacks[k % valid.callbacks.length])
          : kind === 'rejected'
            ? callbackRequest(rejected.callbacks[k % rejected.callbacks.length])
            : healthRequest(),
      );
    }
    for (const request of requests) {
      const c0 = process.threadCpuUsage();
      const t0 = performance.now();
      const response = await handler(request);
      const t1 = performance.now();
      const c1 = process.threadCpuUsage();
      cpu.push(c1.user - c0.user + (c1.system - c0.system));
      wall.push((t1 - t0) * 1000);
      if (!expectStatus(response.status)) unexpected += 1;
    }
    done += n;
  }
  if (unexpected) throw new Error(`${unexpected} ${kind} requests got an unexpected status`);
  return summary(cpu, wall);
}

// The cost of the measurement itself: the wall time between two clock reads.
function overhead() {
  const wall = [];
  for (let i = 0; i < 2000; i++) {
    const t0 = performance.now();
    wall.push((performance.now() - t0) * 1000);
  }
  return summary(wall, wall).median_us;
}

const probed = await probe();
if (args['sample-out']) writeFileSync(args['sample-out'], JSON.stringify(probed.sample) + '\n');
const isValid = (s) => s === 200;
const isRejected = (s) => s >= 400 && s < 500;
// Warm-up: V8 tiers the JavaScript and the wasm up (Liftoff, then TurboFan).
await measure('valid', warmup, isValid);
if (!isFloor) await measure('rejected', Math.ceil(warmup / 2), isRejected);
await measure('healthz', Math.ceil(warmup / 2), isValid);
const queuedBefore = env.UPLOAD_EVENTS.sent;
const headsBefore = heads.fetches;
const logsBefore = logs.lines;
const logBytesBefore = logs.bytes;
crossings.imports.clear();
crossings.exports.clear();
crossings.importUs = 0;
let profiler;
if (args['cpu-profile']) {
  const { Session } = await import('node:inspector/promises');
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 25 });
  await profiler.post('Profiler.start');
}
const processCpu0 = process.cpuUsage();
const validFigures = await measure('valid', iterations, isValid);
const processCpu1 = process.cpuUsage(processCpu0);
if (profiler) {
  const { profile } = await profiler.post('Profiler.stop');
  writeFileSync(args['cpu-profile'], JSON.stringify(profile));
  profiler.disconnect();
}
const validCrossings = {
  imports: Object.fromEntries([...crossings.imports].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / iterations])),
  exports: Object.fromEntries([...crossings.exports].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, v / iterations])),
  import_js_us_per_request: crossings.importUs / iterations,
};
const queued = env.UPLOAD_EVENTS.sent - queuedBefore;
const headsDuringValid = heads.fetches - headsBefore;
const logLinesDuringValid = logs.lines - logsBefore;
const logBytesDuringValid = logs.bytes - logBytesBefore;
const rejectedFigures = isFloor ? null : await measure('rejected', iterations, isRejected);
const healthFigures = await measure('healthz', iterations, isValid);
if (queued !== iterations) throw new Error(`${iterations} valid callbacks queued ${queued} events`);

const result = {
  worker: args.worker,
  node: process.version,
  startup_ms: Number(startupMs.toFixed(1)),
  iterations,
  warmup,
  measurement_overhead_us: overhead(),
  valid: {
    ...validFigures,
    process_cpu_us_per_request: Number(((processCpu1.user + processCpu1.system) / iterations).toFixed(2)),
    queued_per_request: queued / iterations,
    heads_per_request: headsDuringValid / iterations,
    log_lines_per_request: logLinesDuringValid / iterations,
    log_bytes_per_request: logBytesDuringValid / iterations,
  },
  rejected: rejectedFigures && { ...rejectedFigures, status: probed.rejected_status },
  healthz: healthFigures,
  message_bytes: probed.message_bytes,
  reply_bytes: probed.sample.reply.length,
  queue_options: probed.queue_options,
  heads_per_valid: probed.heads_per_valid,
  head_method: probed.head_method,
  log_lines_per_request: probed.log_lines_per_request,
};
if (args['profile-calls']) result.crossings_per_valid = validCrossings;
process.stdout.write(JSON.stringify(result) + '\n');
