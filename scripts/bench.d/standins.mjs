// In-process stand-ins for what a Worker reaches outside itself, shared by the isolate-CPU
// harness (isolate.mjs) and documented in docs/bench.md:
// - `WorkerQueue`: the Queue producer binding. Its class name is the runtime's, because
//   workers-rs checks `constructor.name` before using a binding. `send` resolves at once and
//   keeps what was sent, so the harness can check that each valid callback queued one event.
// - `headObjectFetch`: the bucket's HeadObject, answered with OSS's headers (ETag quoted
//   upper-case hex, Content-Length, Content-Type, Last-Modified, x-oss-hash-crc64ecma,
//   x-oss-request-id) for the objects the benchmark's callbacks name, 404 otherwise.

export class WorkerQueue {
  constructor() {
    this.sent = 0;
    this.bytes = 0;
    this.last = undefined;
  }
  // Counts and keeps the last message: enough to check the work was done without growing
  // the heap over many iterations (which would make GC part of the figure).
  async send(message, options) {
    this.sent += 1;
    this.last = { message, options };
    return undefined;
  }
  async sendBatch(messages) {
    for (const m of messages) await this.send(m.body, m);
    return undefined;
  }
}

// objects: Map key -> { size, etag, contentType }.
export function headObjectFetch(objects, counters) {
  const lastModified = new Date(Date.UTC(2026, 0, 1)).toUTCString();
  return async function fetch(input, init) {
    const request = input instanceof Request ? input : new Request(input, init);
    counters.fetches += 1;
    counters.lastMethod = request.method;
    counters.lastUrl = request.url;
    const path = decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, '');
    // Path style (`/bucket/key`) or virtual host (`/key`).
    const key = objects.has(path) ? path : path.slice(path.indexOf('/') + 1);
    const facts = objects.get(key);
    if (request.method !== 'HEAD' && request.method !== 'GET') {
      return new Response(null, { status: 405 });
    }
    if (!facts) {
      counters.notFound += 1;
      return new Response(null, {
        status: 404,
        headers: { 'x-oss-request-id': 'BENCHSTANDIN', 'x-oss-ec': '0026-00000001', 'content-length': '0' },
      });
    }
    return new Response(null, {
      status: 200,
      headers: {
        'content-length': String(facts.size),
        etag: `"${facts.etag}"`,
        'content-type': facts.contentType,
        'last-modified': lastModified,
        'x-oss-hash-crc64ecma': '11782093538209634585',
        'x-oss-object-type': 'Normal',
        'x-oss-storage-class': 'Standard',
        'x-oss-request-id': 'BENCHSTANDIN',
      },
    });
  };
}

export function objectsOf(document) {
  const objects = new Map();
  for (const c of document.callbacks) {
    objects.set(c.object, { size: c.size, etag: document.etag, contentType: document.content_type });
  }
  return objects;
}
