// Helpers for Node tests against one `scripts/dev --instance NAME` stack (oss-sim, the callback
// Worker with the consumer and its local D1, the signer): uploads through signer grants, the
// consumer's rows, the callback Worker stopped and started, and oss-sim read back with
// signatures computed here, independently of the core (the documented strings to sign).
// tests/chaos and tests/reconcile use it.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { eventId, md5Hex, multipartEtag } from './oss.mjs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const BUCKET = 'oss-edge-dev';
// oss-sim's development AccessKey (crates/sim/src/config.rs), for reading the bucket.
const SIM_ACCESS_KEY_ID = 'dev-access-key-id';
const SIM_ACCESS_KEY_SECRET = 'dev-access-key-secret-not-a-secret';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
export { md5, md5Hex, multipartEtag, eventId } from './oss.mjs';
// The queue shard an id is homed on among `shards` (docs/callback-worker.md, "Sharded queues":
// the first 32 bits of the id's hex, modulo the count).
export const homeShard = (id, shards) => parseInt(id.slice('sha256:'.length, 'sha256:'.length + 8), 16) % shards;

// Runs `tasks` (functions returning promises) `width` at a time; their results, in order.
export async function pool(width, tasks) {
  const results = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const at = next++;
      results[at] = await tasks[at]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return results;
}

// The stack of `scripts/dev --instance instance` with the given ports and signer tokens
// (`{ subject: token }`, as in the signer's AUTH_BEARER_TOKENS).
export function localStack({ instance, simPort, callbackPort, signerPort, tokens }) {
  const SIM = `http://127.0.0.1:${simPort}`;
  const CALLBACK = `http://127.0.0.1:${callbackPort}`;
  const SIGNER = `http://127.0.0.1:${signerPort}`;

  // `scripts/dev ARGS --instance instance`, without blocking the event loop (uploads go on).
  function scriptsDev(args, env = {}) {
    return new Promise((resolve, reject) => {
      const child = spawn(path.join(ROOT, 'scripts/dev'), [...args, '--instance', instance], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      child.stderr.on('data', (chunk) => { stderr += chunk; });
      child.on('error', reject);
      child.on('close', (status) => {
        if (status === 0) resolve();
        else reject(new Error(`scripts/dev ${args.join(' ')} failed (${status}): ${stderr}`));
      });
    });
  }

  // The consumer's D1 rows (scripts/events --rows-json).
  function rows() {
    const run = spawnSync(path.join(ROOT, 'scripts/events'), ['--instance', instance, '--rows-json'], { encoding: 'utf8' });
    if (run.status !== 0) throw new Error(`scripts/events failed: ${run.stderr}`);
    return run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  }

  // The rows once `done(rows)` holds, or after `ms` (for the caller's assertions to fail on).
  async function rowsWhen(done, ms = 30000) {
    const until = Date.now() + ms;
    for (;;) {
      const now = rows();
      if (done(now) || Date.now() > until) return now;
      await sleep(300);
    }
  }

  async function grant(subject, request) {
    const reply = await fetch(`${SIGNER}/v1/grants`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${tokens[subject]}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    const body = await reply.json();
    assert.equal(reply.status, 200, JSON.stringify(body));
    return body;
  }

  // One upload of `bytes` by `subject` through a grant in `mode` (`post`, `put`, `multipart`),
  // as a browser would (docs/signer.md). Returns the final OSS answer and what the test needs
  // to check the bucket: the key, the ETag OSS must report, the event id and the grant (its
  // `recover_url`).
  async function upload(subject, mode, bytes, name) {
    const request = { filename: name, content_type: 'text/plain', size: bytes.length, mode };
    const g = await grant(subject, request);
    let reply;
    let etag = md5Hex(bytes);
    if (mode === 'post') {
      const form = new FormData();
      for (const [field, value] of Object.entries(g.fields)) form.append(field, value);
      form.append('file', new Blob([bytes], { type: 'text/plain' }), name);
      reply = await fetch(g.url, { method: 'POST', body: form });
    } else if (mode === 'put') {
      reply = await fetch(g.url, { method: 'PUT', headers: g.headers, body: bytes });
    } else {
      // Phase 1: InitiateMultipartUpload; phase 2: one presigned PUT per part and the Complete
      // request, which carries the callback.
      const init = await fetch(g.url, { method: g.method, headers: g.headers });
      const initText = await init.text();
      const uploadId = /<UploadId>([^<]+)<\/UploadId>/.exec(initText);
      assert.ok(init.status === 200 && uploadId, `InitiateMultipartUpload: ${init.status} ${initText}`);
      const plan = await grant(subject, { mode, upload_id: uploadId[1], continuation: g.multipart.continuation });
      const size = plan.multipart.part_size;
      const parts = [];
      for (const part of plan.multipart.parts) {
        const body = bytes.subarray((part.part_number - 1) * size, part.part_number * size);
        const sent = await fetch(part.url, { method: part.method, headers: part.headers, body });
        assert.equal(sent.status, 200, `UploadPart ${part.part_number}: ${await sent.text()}`);
        parts.push(`<Part><PartNumber>${part.part_number}</PartNumber><ETag>${sent.headers.get('etag')}</ETag></Part>`);
      }
      const done = plan.multipart.complete;
      reply = await fetch(done.url, {
        method: done.method,
        headers: done.headers,
        body: `<CompleteMultipartUpload>${parts.join('')}</CompleteMultipartUpload>`,
      });
      etag = multipartEtag(bytes, size);
      Object.assign(g, { parts: plan.multipart.parts.length, recover_url: plan.recover_url || g.recover_url });
    }
    return {
      mode, status: reply.status, text: await reply.text(), key: g.key, etag,
      id: eventId(BUCKET, g.key, etag), grant: g,
    };
  }

  // `POST recover_url` with optional JSON `body` and extra headers: status and parsed reply.
  async function recover(url, body = null, headers = {}) {
    const reply = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === null ? '' : JSON.stringify(body),
    });
    const text = await reply.text();
    let json = {};
    try { json = JSON.parse(text); } catch { /* not JSON: the assertions show `text` */ }
    return { status: reply.status, body: json, text };
  }

  // Every object in the bucket: ListObjectsV2 signed here with V1 header signing (spec §5.3:
  // HMAC-SHA1 over `GET\n\n\n<Date>\n/<bucket>/` plus the `continuation-token` sub-resource),
  // paging to the end. `[{ key, etag (unquoted), size }]`.
  async function listBucket() {
    const objects = [];
    let token = null;
    for (;;) {
      const date = new Date().toUTCString();
      const resource = `/${BUCKET}/${token === null ? '' : `?continuation-token=${token}`}`;
      const signature = createHmac('sha1', SIM_ACCESS_KEY_SECRET).update(`GET\n\n\n${date}\n${resource}`).digest('base64');
      const query = new URLSearchParams({ 'list-type': '2', 'max-keys': '1000' });
      if (token !== null) query.set('continuation-token', token);
      const reply = await fetch(`${SIM}/${BUCKET}/?${query}`, {
        headers: { Date: date, Authorization: `OSS ${SIM_ACCESS_KEY_ID}:${signature}` },
      });
      const xml = await reply.text();
      assert.equal(reply.status, 200, `ListObjectsV2: ${xml}`);
      const unescape = (s) => s.replace(/&quot;/g, '"').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&apos;/g, "'").replace(/&amp;/g, '&');
      const field = (block, name) => {
        const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(block);
        return m ? unescape(m[1]) : null;
      };
      for (const [, block] of xml.matchAll(/<Contents>([\s\S]*?)<\/Contents>/g)) {
        objects.push({ key: field(block, 'Key'), etag: field(block, 'ETag').replace(/"/g, ''), size: Number(field(block, 'Size')) });
      }
      if (field(xml, 'IsTruncated') !== 'true') return objects;
      token = field(xml, 'NextContinuationToken');
    }
  }

  return {
    SIM, CALLBACK, SIGNER,
    stopCallback: () => scriptsDev(['--stop', '--only', 'callback']),
    startCallback: (env) => scriptsDev(['--background', '--no-setup', '--only', 'callback'], env),
    rows, rowsWhen, grant, upload, recover, listBucket,
  };
}
