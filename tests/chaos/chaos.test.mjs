// The chaos run (issue 13, "Proof"): uploads of every kind (PostObject, presigned PUT,
// multipart with 2–3 parts) through signer grants to oss-sim, a few at a time, while the
// callback Worker is up, stopped, restarted under load, made to fail every queue send
// (DEV_FAIL_QUEUE=all, docs/callback-worker.md), then to answer late (slow:1500) and back to
// normal; then the clients' recovery
// calls (a quarter of the clients that got 203 vanish instead) and one `oss-edge reconcile`.
// At the end the bucket, listed here with a V1 signature computed here, and the consumer's D1
// rows must match exactly: one row per stored object with the id recomputed from the bucket's
// ETag (docs/events.md), no duplicate, no row for anything the bucket does not hold.
// Also: refused recovery calls (a key never uploaded; a forged, expired or another user's
// ticket) leave no row, and with one of the two queue shards refusing every send each
// recovered event lands once (through the other shard). tests/chaos/run starts the stack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { BUCKET, ROOT, eventId, homeShard, localStack, pool, sleep } from '../support/stack.mjs';

const INSTANCE = process.env.CHAOS_INSTANCE || 'chaos';
const CLI = process.env.CHAOS_CLI || path.join(ROOT, 'target/debug/oss-edge');
const RECONCILE_TOKEN = process.env.RECONCILE_TOKEN;
const PART_SIZE = Number(process.env.MULTIPART_PART_SIZE || 102400);
// The local development ticket key (wrangler.toml [env.local.vars] TICKET_KEYS), to mint an
// expired ticket the way the signer would have.
const TICKET_KID = 'dev';
const TICKET_SECRET = 'local-development-ticket-key-not-a-secret-0001';
const SHARDS = 2; // UPLOAD_EVENTS and UPLOAD_EVENTS_1 are bound locally
const FAILING_SHARD = 0; // refused on every recovery call (x-oss-edge-dev-fail-shard)
const WIDTH = 4; // uploads in flight at once
const PER_PHASE = 10; // 6 phases: 60 uploads
const MODES = ['post', 'put', 'multipart'];
const SLOW_MS = 1500; // a queue that answers late, inside the Worker's 4 s budget

// Tokens of two signer users (tests/chaos/run sets AUTH_BEARER_TOKENS to the same pairs).
const tokens = Object.fromEntries((process.env.AUTH_BEARER_TOKENS || '').split(',').map((pair) => pair.split(':')));
const stack = localStack({
  instance: INSTANCE,
  simPort: process.env.SIM_PORT || 19300,
  callbackPort: process.env.CALLBACK_PORT || 19388,
  signerPort: process.env.SIGNER_PORT || 19387,
  tokens,
});

const uploads = []; // every upload: { phase, mode, status, key, etag, id, grant, recovered? }
let serial = 0;
let planned = 0; // uploads planned so far: modes take turns in planning order

// One upload by `chaos` of fresh bytes; multipart objects have 2 or 3 parts.
async function uploadOne(phase, mode) {
  serial += 1;
  const n = serial;
  const line = `chaos object ${n} (${phase}, ${mode}) of run ${process.pid} ${randomBytes(8).toString('hex')}\n`;
  const size = mode === 'multipart' ? PART_SIZE * (n % 2 ? 2 : 3) - 1000 : line.length * (1 + (n % 20));
  const bytes = Buffer.alloc(size);
  for (let at = 0; at < size; at += line.length) bytes.write(line, at);
  const result = { phase, ...(await stack.upload('chaos', mode, bytes, `c${n}.txt`)) };
  uploads.push(result);
  return result;
}

// `count` uploads of mixed modes, WIDTH at a time, each starting `spacing` ms after the
// previous one's turn came (0: at once).
function phaseUploads(phase, count, spacing = 0) {
  const first = planned;
  planned += count;
  return pool(WIDTH, Array.from({ length: count }, (_, i) => async () => {
    if (spacing) await sleep(spacing);
    return uploadOne(phase, MODES[(first + i) % MODES.length]);
  }));
}

// The callback Worker's JSON log lines since it was last started (scripts/dev empties the log).
function workerLog() {
  return readFileSync(path.join(ROOT, 'target/dev', INSTANCE, 'callback/log'), 'utf8')
    .split('\n')
    .filter((l) => l.includes('{"service":"oss-edge-callback"'))
    .map((l) => JSON.parse(l.slice(l.indexOf('{"service"'))));
}

const ok = (r) => r.status === 200;
const failed = (r) => r.status === 203;
function assertAccepted(result) {
  assert.equal(result.status, 200, `${result.phase} ${result.mode} ${result.key}: ${result.text}`);
  assert.equal(JSON.parse(result.text).id, result.id, 'the callback reply carries the object-derived id');
}
function assertCallbackFailed(result) {
  assert.equal(result.status, 203, `${result.phase} ${result.mode} ${result.key}: ${result.text}`);
  assert.match(result.text, /CallbackFailed/);
}
// Waits until every upload OSS answered 200 has its row: the events are in the queue; the
// Worker is only stopped when they reached D1 (a deployed queue keeps messages across Worker
// deployments; the local stand-in lives in the `wrangler dev` process being stopped).
async function drained() {
  const want = uploads.filter(ok).map((u) => u.id);
  const all = await stack.rowsWhen((r) => want.every((id) => r.some((row) => row.id === id)));
  const missing = want.filter((id) => !all.some((row) => row.id === id));
  assert.deepEqual(missing, [], 'every 200 reached D1');
}

test('phase "up": the callback Worker answers every upload, each gets its row', async () => {
  assert.ok(tokens.chaos && tokens.mallory && RECONCILE_TOKEN, 'tests/chaos/run sets the tokens');
  const results = await phaseUploads('up', PER_PHASE);
  results.forEach(assertAccepted);
  assert.ok(results.some((r) => r.mode === 'multipart' && r.grant.parts === 3));
  await drained();
});

test('phase "stopped": with the callback Worker down OSS answers 203 CallbackFailed', async () => {
  await stack.stopCallback();
  const results = await phaseUploads('stopped', PER_PHASE);
  results.forEach(assertCallbackFailed);
});

test('phase "restarting": uploads go on while the Worker comes back up', async () => {
  // 8 started one a second while `scripts/dev` starts the Worker (~5-7 s): 200 or 203,
  // whichever the moment gives; then 2 more once it is up.
  const first = planned;
  const during = Array.from({ length: 8 }, (_, i) => sleep(1000 * i).then(() => uploadOne('restarting', MODES[(first + i) % MODES.length])));
  planned += during.length;
  const started = Date.now();
  await stack.startCallback();
  const upAfter = Date.now() - started;
  const results = await Promise.all(during);
  for (const r of results) assert.ok(ok(r) || failed(r), `${r.key}: ${r.status} ${r.text}`);
  console.log(`restart took ${upAfter} ms; uploads meanwhile: ${results.filter(ok).length}×200, ${results.filter(failed).length}×203`);
  const after = await phaseUploads('restarting', PER_PHASE - during.length);
  after.forEach(assertAccepted);
  await drained();
});

test('phase "queue failing": DEV_FAIL_QUEUE=all, every callback is answered 503 and OSS 203', async () => {
  await stack.stopCallback();
  await stack.startCallback({ DEV_FAIL_QUEUE: 'all' });
  const results = await phaseUploads('queue failing', PER_PHASE);
  results.forEach(assertCallbackFailed);
  // 203 because the queue refused (not a misconfigured Worker or a timeout): the Worker retried
  // and answered 503 queue_unavailable inside OSS's 5 s.
  const log = workerLog();
  for (const r of results) {
    const line = log.find((l) => l.object === r.key && l.path !== '/v1/recover');
    assert.ok(line, `a log line for ${r.key}`);
    assert.equal(line.code, 'queue_unavailable', JSON.stringify(line));
    assert.equal(line.status, 503);
    assert.ok(line.queue_attempts >= 2, `the queue send was retried: ${JSON.stringify(line)}`);
  }
  await stack.stopCallback();
  await stack.startCallback({ DEV_FAIL_QUEUE: `slow:${SLOW_MS}` });
});

test(`phase "queue slow": DEV_FAIL_QUEUE=slow:${SLOW_MS}, every send stalls but lands inside OSS's 5 s`, async () => {
  const results = await phaseUploads('queue slow', PER_PHASE);
  results.forEach(assertAccepted);
  const log = workerLog();
  for (const r of results) {
    const line = log.find((l) => l.object === r.key);
    assert.ok(line, `a log line for ${r.key}`);
    assert.equal(line.status, 200, JSON.stringify(line));
    assert.ok(line.latency_ms >= SLOW_MS, `the send stalled: ${JSON.stringify(line)}`);
  }
  await drained();
  await stack.stopCallback();
  await stack.startCallback();
});

test('phase "normal": back to normal, every upload gets its row', async () => {
  const results = await phaseUploads('normal', PER_PHASE);
  results.forEach(assertAccepted);
  await drained();
  // Nothing delivered an event for the uploads the Worker certainly never queued.
  const ids = new Set(stack.rows().map((row) => row.id));
  const lost = uploads.filter((u) => failed(u) && u.phase !== 'restarting');
  assert.ok(lost.length >= 2 * PER_PHASE);
  assert.deepEqual(lost.filter((u) => ids.has(u.id)).map((u) => u.key), []);
});

// Clients that got 203: three in four recover, the rest vanish (left to reconciliation).
const lostOnes = () => uploads.filter(failed);
const vanished = () => lostOnes().filter((_, i) => i % 4 === 3);
const recovering = () => lostOnes().filter((_, i) => i % 4 !== 3);
const refusedIds = []; // ids refused recovery calls named: no row may appear for them (yet)
let neverKey; // the key granted but never uploaded

function mintTicket(key, size, expiresAt, secret) {
  const run = spawnSync(CLI, [
    'ticket', 'mint', '--kid', TICKET_KID, '--grant-id', randomBytes(16).toString('hex'),
    '--subject', 'chaos', '--bucket', BUCKET, '--key', key, '--max-size', String(size),
    `--expires-at=${expiresAt}`, '--allowance', '0', '--body-type', 'json',
  ], { encoding: 'utf8', env: { ...process.env, OSS_EDGE_TICKET_KEY: secret } });
  assert.equal(run.status, 0, run.stderr);
  return run.stdout.trim();
}
const recoverUrl = (ticket) => `${stack.CALLBACK}/v1/recover?${new URLSearchParams({ oss_edge_ticket: ticket })}`;

test('recovery calls for a key never uploaded, or with a forged, expired or another user\'s ticket, are refused', async () => {
  const [victim, other] = vanished().filter((u) => u.phase !== 'restarting');
  assert.ok(victim && other, 'at least two vanished clients');
  const now = Math.floor(Date.now() / 1000);

  const never = await stack.grant('chaos', { filename: 'never.txt', content_type: 'text/plain', size: 10, mode: 'put' });
  const absent = await stack.recover(never.recover_url);
  assert.equal(absent.status, 404, absent.text);
  assert.equal(absent.body.error, 'object_not_found');
  neverKey = never.key;

  const ticket = new URL(victim.grant.recover_url).searchParams.get('oss_edge_ticket');
  // One character of the MAC changed: its first (all 6 bits significant, unlike the last
  // Base64url character, whose unused bits would make the ticket malformed instead).
  const macAt = ticket.lastIndexOf('.') + 1;
  const tampered = ticket.slice(0, macAt) + (ticket[macAt] === 'A' ? 'B' : 'A') + ticket.slice(macAt + 1);
  const mallory = await stack.grant('mallory', { filename: 'm.txt', content_type: 'text/plain', size: 10, mode: 'post' });
  const cases = [
    ['forged (MAC changed)', recoverUrl(tampered), null, 'ticket_bad_mac'],
    ['forged (unknown secret)', recoverUrl(mintTicket(victim.key, 1e7, now + 600, 'a-secret-the-callback-worker-does-not-have')), null, 'ticket_bad_mac'],
    ['expired', recoverUrl(mintTicket(other.key, 1e7, now - 120, TICKET_SECRET)), null, 'ticket_expired'],
    ["another user's ticket", mallory.recover_url, { key: victim.key }, 'ticket_object_mismatch'],
  ];
  for (const [name, url, body, code] of cases) {
    const reply = await stack.recover(url, body);
    assert.ok(reply.status >= 400 && reply.status < 500, `${name}: ${reply.status} ${reply.text}`);
    assert.equal(reply.body.error, code, `${name}: ${reply.text}`);
  }
  refusedIds.push(victim.id, other.id);
});

const shardLog = new Map(); // event id -> queue shards its recovery calls were sent to

test('client recovery with shard 0 refusing every send: each recovered event lands once', async () => {
  const before = new Map(stack.rows().map((row) => [row.id, row.deliveries]));
  const calls = recovering();
  // Also a few clients that did get 200 but call anyway (they never saw the reply): harmless.
  const again = uploads.filter(ok).slice(0, 3);
  const replies = await pool(WIDTH, [...calls, ...again].map((u) => async () => {
    const reply = await stack.recover(u.grant.recover_url, null, { 'x-oss-edge-dev-fail-shard': String(FAILING_SHARD) });
    return { u, reply };
  }));
  for (const { u, reply } of replies) {
    assert.equal(reply.status, 200, `${u.phase} ${u.mode} ${u.key}: ${reply.text}`);
    assert.equal(reply.body.id, u.id, 'the id the callback would have produced');
    assert.equal(reply.body.status, 'queued');
  }
  for (const u of calls) u.recovered = true;
  const homed = calls.filter((u) => homeShard(u.id, SHARDS) === FAILING_SHARD);
  assert.ok(homed.length >= 2, `events homed on the refusing shard: ${homed.length} of ${calls.length}`);

  const expect = (u) => (before.get(u.id) || 0) + 1;
  const all = await stack.rowsWhen((r) => [...calls, ...again].every((u) => r.find((row) => row.id === u.id)?.deliveries >= expect(u)));
  await sleep(1500); // and nothing more arrives
  const after = new Map(stack.rows().map((row) => [row.id, row]));
  for (const u of [...calls, ...again]) {
    const row = after.get(u.id);
    assert.ok(row, `${u.key} has a row`);
    assert.equal(row.deliveries, expect(u), `${u.key}: landed once more`);
  }
  for (const u of calls.filter((c) => c.phase !== 'restarting')) {
    assert.equal(after.get(u.id).source, 'recovery', u.key);
  }
  assert.ok(all.length > 0);
  for (const id of refusedIds) assert.ok(!after.has(id), `no row for the refused recovery of ${id}`);
  assert.ok(![...after.values()].some((row) => row.key === neverKey), 'no row for the key never uploaded');
  for (const u of vanished()) {
    if (u.phase !== 'restarting') assert.ok(!after.has(u.id), `a vanished client's upload ${u.key} has no row yet`);
  }

  // The Worker's log says where each recovered event went: never the refusing shard.
  const log = workerLog();
  for (const u of calls) {
    const lines = log.filter((l) => l.event_id === u.id && l.path === '/v1/recover');
    assert.equal(lines.length, 1, `one recovery log line for ${u.key}`);
    shardLog.set(u.id, lines[0].queue_shard);
    assert.notEqual(lines[0].queue_shard, FAILING_SHARD, `${u.key} was sent to the refusing shard`);
  }
});

let reconciled;

test('one reconciliation sends every stored object; the vanished clients\' uploads get their rows', async () => {
  const before = stack.rows();
  const env = { ...process.env, OSS_EDGE_RECONCILE_TOKEN: RECONCILE_TOKEN };
  const run = spawnSync(CLI, ['reconcile', '--url', stack.CALLBACK], { encoding: 'utf8', env });
  assert.equal(run.status, 0, run.stderr);
  const lines = run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  reconciled = lines.at(-1).total ? lines.at(-1) : lines[0];
  assert.equal(reconciled.listed, uploads.length, 'every stored object listed');
  assert.equal(reconciled.queued, uploads.length);
  // One more delivery for every stored object (and a row for those that had none).
  const want = before.reduce((sum, row) => sum + row.deliveries, 0) + uploads.length;
  const all = await stack.rowsWhen((r) => r.reduce((sum, row) => sum + row.deliveries, 0) >= want);
  assert.equal(all.reduce((sum, row) => sum + row.deliveries, 0), want, 'one delivery per listed object');
  assert.equal(all.length, uploads.length);
});

test('the bucket and D1 agree: one row per stored object, nothing else', async () => {
  await sleep(1500); // late deliveries would show up as extra counts
  const objects = await stack.listBucket();
  const all = stack.rows();
  const byId = new Map(all.map((row) => [row.id, row]));
  const stored = objects.map((o) => ({ ...o, id: eventId(BUCKET, o.key, o.etag) }));
  const storedIds = new Set(stored.map((o) => o.id));
  const duplicates = all.length - byId.size;
  const withoutRow = stored.filter((o) => !byId.has(o.id));
  const rowsWithoutObject = all.filter((row) => !storedIds.has(row.id));

  const phases = [...new Set(uploads.map((u) => u.phase))];
  const perPhase = phases.map((phase) => {
    const of = uploads.filter((u) => u.phase === phase);
    const by = (source) => of.filter((u) => byId.get(u.id)?.source === source).length;
    return `${phase}: ${of.filter(ok).length}×200, ${of.filter(failed).length}×203, ` +
      `recovered by client ${of.filter((u) => u.recovered).length}, by reconciliation ${by('reconciliation')}`;
  });
  console.log(`counts: objects stored ${objects.length}, rows ${all.length}, duplicate ids ${duplicates}, ` +
    `objects without a row ${withoutRow.length}, rows without an object ${rowsWithoutObject.length}`);
  console.log(`modes: ${MODES.map((m) => `${m} ${uploads.filter((u) => u.mode === m).length}`).join(', ')}; ` +
    `multipart parts: ${uploads.filter((u) => u.mode === 'multipart').map((u) => u.grant.parts).join(' ')}`);
  for (const line of perPhase) console.log(`  ${line}`);
  console.log(`recovery through the other shard: ${[...shardLog.values()].filter((s) => s !== FAILING_SHARD).length} ` +
    `of ${shardLog.size} (homed on shard ${FAILING_SHARD}: ${[...shardLog.keys()].filter((id) => homeShard(id, SHARDS) === FAILING_SHARD).length})`);

  assert.equal(objects.length, uploads.length, 'every upload is stored, nothing else');
  assert.equal(duplicates, 0, 'no duplicate id');
  assert.deepEqual(withoutRow.map((o) => o.key), [], 'no object without a row');
  assert.deepEqual(rowsWithoutObject.map((row) => row.id), [], 'no row for anything the bucket does not hold');
  assert.equal(all.length, objects.length, 'D1 rows == objects stored');
  for (const u of uploads) {
    const object = stored.find((o) => o.key === u.key);
    assert.ok(object, `${u.key} is in the bucket`);
    assert.equal(object.etag, u.etag, `${u.key}: the bucket's ETag is the one the client's bytes give`);
    const row = byId.get(u.id);
    assert.equal(row.key, u.key);
    assert.equal(row.confirmed, 1, 'facts from the bucket');
    const expected = ok(u) ? 'callback' : u.recovered ? 'recovery' : 'reconciliation';
    // A 203 while the Worker was starting may still have reached the queue (OSS gave up first).
    if (u.phase !== 'restarting' || ok(u)) assert.equal(row.source, expected, `${u.phase} ${u.key}`);
    const deliveries = (ok(u) ? 1 : 0) + (u.recovered ? 1 : 0) + 1 +
      (uploads.filter(ok).slice(0, 3).includes(u) ? 1 : 0);
    if (u.phase !== 'restarting' || ok(u)) assert.equal(row.deliveries, deliveries, `${u.phase} ${u.key} deliveries`);
  }
  assert.ok(!all.some((row) => row.key === neverKey), 'no row for the key never uploaded');
  assert.ok(!objects.some((o) => o.key === neverKey));
});
