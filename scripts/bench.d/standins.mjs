// In-process stand-ins for what a Worker reaches outside itself, shared by the isolate-CPU
// harness (isolate.mjs) and documented in docs/bench.md:
// - `WorkerQueue`: the Queue producer binding. Its class name is the runtime's, because
//   workers-rs checks `constructor.name` before using a binding. `send` resolves at once and
//   keeps what was sent, so the harness can check that each valid callback queued one event.
// - `headObjectFetch`: the bucket's HeadObject, answered with OSS's headers (ETag quoted
//   upper-case hex, Content-Length, Content-Type, Last-Modified, x-oss-hash-crc64ecma,
//   x-oss-request-id) for the bench objects (objects.mjs), 404 otherwise.

import { headObjectResponse } from './objects.mjs';

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

// The bucket's HeadObject for the bench objects (objects.mjs), as globalThis.fetch.
export function headObjectFetch(counters) {
  return async function fetch(input, init) {
    const request = input instanceof Request ? input : new Request(input, init);
    counters.fetches += 1;
    counters.lastMethod = request.method;
    counters.lastUrl = request.url;
    const path = decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, '');
    const response = headObjectResponse(request.method, path);
    if (response.status === 404) counters.notFound += 1;
    return response;
  };
}
