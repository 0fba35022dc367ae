// Reconciliation on the local stack (tests/reconcile/run starts it): uploads through the signer
// and oss-sim while the callback Worker is stopped (OSS answers 203 and the event is lost), then
// `oss-edge reconcile` and the Cron Trigger's handler bring every stored object to the
// consumer's D1 exactly once. Expected event ids are computed here from the spec's formula
// (docs/events.md), independently of the core.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import path from 'node:path';
import { BUCKET, ROOT, localStack, sleep } from '../support/stack.mjs';

const INSTANCE = process.env.RECONCILE_INSTANCE || 'reconcile';
const CLI = process.env.RECONCILE_CLI || path.join(ROOT, 'target/debug/oss-edge');
const SIGNER_TOKEN = process.env.DEV_TOKEN;
const TOKEN = process.env.RECONCILE_TOKEN;
// oss-sim's development AccessKey (crates/sim/src/config.rs), for reading objects back.
const SIM_ACCESS_KEY_ID = 'dev-access-key-id';
const SIM_ACCESS_KEY_SECRET = 'dev-access-key-secret-not-a-secret';
const LOST = 12; // uploads made while the callback Worker is down
const LOST_BEFORE_CRON = 3;

const stack = localStack({
  instance: INSTANCE,
  simPort: process.env.SIM_PORT || 19200,
  callbackPort: process.env.CALLBACK_PORT || 19288,
  signerPort: process.env.SIGNER_PORT || 19287,
  tokens: { dev: SIGNER_TOKEN }, // scripts/dev gives DEV_TOKEN the subject `dev`
});
const { SIM, CALLBACK, stopCallback, startCallback, rows, rowsWhen } = stack;
const deliveries = (all) => all.reduce((sum, row) => sum + row.deliveries, 0);

// `oss-edge reconcile --url CALLBACK ARGS` with OSS_EDGE_RECONCILE_TOKEN=`token` (`null`:
// unset): exit status, reply lines, stderr.
function reconcile(args, token = TOKEN) {
  const env = { ...process.env };
  delete env.OSS_EDGE_RECONCILE_TOKEN;
  if (token !== null) env.OSS_EDGE_RECONCILE_TOKEN = token;
  const run = spawnSync(CLI, ['reconcile', '--url', CALLBACK, ...args], { encoding: 'utf8', env });
  const lines = run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
  return { status: run.status, lines, reply: lines[0], last: lines.at(-1), stderr: run.stderr };
}

async function post(body, headers = {}) {
  const response = await fetch(`${CALLBACK}/v1/reconcile`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: await response.json() };
}

// One upload through a grant of the signer (PostObject or presigned PUT), distinct bytes each.
let serial = 0;
async function upload(mode) {
  serial += 1;
  const bytes = Buffer.from(`reconciliation test object ${serial} of run ${process.pid} ${Date.now()}\n`);
  return stack.upload('dev', mode, bytes, `r${serial}.txt`);
}

// GET of `key` from oss-sim with a V1 presigned URL computed here (the documented string to sign).
async function simGet(key) {
  const expires = Math.floor(Date.now() / 1000) + 300;
  const signature = createHmac('sha1', SIM_ACCESS_KEY_SECRET)
    .update(`GET\n\n\n${expires}\n/${BUCKET}/${key}`)
    .digest('base64');
  const query = new URLSearchParams({ OSSAccessKeyId: SIM_ACCESS_KEY_ID, Expires: String(expires), Signature: signature });
  return fetch(`${SIM}/${BUCKET}/${key.split('/').map(encodeURIComponent).join('/')}?${query}`);
}

const stored = []; // every object in the bucket: { key, id, via }
let delivered; // the one a callback delivered

test('an upload with the callback Worker up gets its row from the callback', async () => {
  assert.ok(TOKEN && SIGNER_TOKEN, 'tests/reconcile/run sets the tokens');
  delivered = await upload('post');
  assert.equal(delivered.status, 200, delivered.text);
  stored.push({ ...delivered, via: 'callback' });
  const all = await rowsWhen((r) => r.some((row) => row.id === delivered.id));
  assert.deepEqual(all.map((r) => [r.id, r.source]), [[delivered.id, 'callback']]);
});

test(`${LOST} uploads with the callback Worker stopped get 203 and no row`, async () => {
  await stopCallback();
  for (let i = 0; i < LOST; i++) {
    const lost = await upload(i % 2 ? 'put' : 'post');
    assert.equal(lost.status, 203, `${lost.key}: ${lost.text}`);
    assert.match(lost.text, /CallbackFailed/);
    stored.push({ ...lost, via: 'lost' });
  }
  await startCallback();
  await sleep(1500);
  assert.equal(rows().length, 1, 'nothing recovered them yet');
});

test('a dry run lists every stored object and queues nothing', async () => {
  const run = reconcile(['--dry-run']);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.lines.length, 1, 'one call');
  const { reply } = run;
  assert.equal(reply.dry_run, true);
  assert.equal(reply.truncated, false);
  assert.equal(reply.days, 2, 'RECONCILE_DAYS defaults to 2');
  assert.equal(reply.prefixes.length, 2);
  assert.deepEqual(reply.buckets, [BUCKET]);
  assert.equal(reply.listed, stored.length);
  assert.equal(reply.queued, 0);
  assert.deepEqual([...reply.ids].sort(), stored.map((o) => o.id).sort(), 'the ids a callback would have produced');
  await sleep(2000);
  assert.equal(rows().length, 1, 'a dry run queues nothing');
});

test('reconciliation gives every stored object exactly one row', async () => {
  const run = reconcile([]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.reply.dry_run, false);
  assert.equal(run.reply.listed, stored.length);
  assert.equal(run.reply.queued, stored.length);
  const all = await rowsWhen((r) => r.length >= stored.length && deliveries(r) >= stored.length + 1);
  const ids = all.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length, 'no duplicate id');
  assert.deepEqual([...ids].sort(), stored.map((o) => o.id).sort(), 'one row per stored object, no other');
  for (const row of all) {
    const object = stored.find((o) => o.id === row.id);
    assert.equal(row.key, object.key);
    assert.equal(row.source, object.via === 'callback' ? 'callback' : 'reconciliation', row.key);
    assert.equal(row.confirmed, 1, 'facts from the bucket');
  }
  assert.equal(all.find((r) => r.id === delivered.id).deliveries, 2, 'the callback and the reconciliation');
  for (const object of stored) {
    assert.equal((await simGet(object.key)).status, 200, `${object.key} is in the bucket`);
  }
  console.log(`counts: objects stored ${stored.length}, rows ${all.length}, duplicate ids ${ids.length - new Set(ids).size}, ` +
    `objects without a row ${stored.filter((o) => !ids.includes(o.id)).length}, ` +
    `rows without an object ${ids.filter((id) => !stored.some((o) => o.id === id)).length}, ` +
    `lost to 203 ${LOST}, delivered by the callback 1`);
});

test('running it again adds no row (the consumer de-duplicates by id)', async () => {
  const before = rows();
  const run = reconcile([]);
  assert.equal(run.status, 0, run.stderr);
  assert.equal(run.reply.queued, stored.length);
  const all = await rowsWhen((r) => deliveries(r) >= deliveries(before) + stored.length);
  assert.equal(deliveries(all), deliveries(before) + stored.length, 'every event arrived again');
  assert.equal(all.length, stored.length, 'and no row was added');
  assert.equal(all.find((r) => r.id === delivered.id).deliveries, 3);
});

test('the Cron Trigger handler reconciles RECONCILE_DAYS the same way', async () => {
  const before = deliveries(rows());
  await stopCallback();
  for (let i = 0; i < LOST_BEFORE_CRON; i++) {
    const lost = await upload(i % 2 ? 'post' : 'put');
    assert.equal(lost.status, 203, lost.text);
    stored.push({ ...lost, via: 'lost' });
  }
  await startCallback();
  // The reconciler's scheduled handler, through the callback Worker's local forward (wrangler's
  // /__scheduled reaches only the Worker with the port).
  const response = await fetch(`${CALLBACK}/__dev/reconciler/scheduled`);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.equal(JSON.parse(text).outcome, 'ok');
  // Every stored object is sent again: wait for all of them, not only for the new rows (a
  // late re-delivery would land in the next test's counts).
  const all = await rowsWhen((r) => deliveries(r) >= before + stored.length);
  assert.deepEqual(all.map((r) => r.id).sort(), stored.map((o) => o.id).sort());
  assert.equal(deliveries(all), before + stored.length, 'one delivery per stored object');
  console.log(`counts after the cron run: objects stored ${stored.length}, rows ${all.length}`);
});

test('a missing or wrong token, bad days and other methods are refused, with no row', async () => {
  const before = rows();
  const none = await post({ dry_run: true });
  assert.equal(none.status, 401);
  assert.equal(none.body.error, 'reconcile_unauthorized');
  assert.equal(none.headers.get('www-authenticate'), 'Bearer');
  const basic = await post({}, { authorization: `Basic ${TOKEN}` });
  assert.equal(basic.status, 401);
  const wrong = reconcile([], `${TOKEN}x`);
  assert.equal(wrong.status, 1);
  assert.equal(wrong.reply.error, 'reconcile_unauthorized');
  assert.match(wrong.stderr, /401 reconcile_unauthorized/);
  const prefix = reconcile([], TOKEN.slice(0, -1));
  assert.equal(prefix.status, 1, 'a prefix of the token is not the token');
  const unset = reconcile([], null);
  assert.equal(unset.status, 2);
  assert.match(unset.stderr, /OSS_EDGE_RECONCILE_TOKEN/);
  for (const days of ['0', '32']) {
    const bad = reconcile(['--days', days]);
    assert.equal(bad.status, 1, days);
    assert.equal(bad.reply.error, 'reconcile_days_out_of_range', days);
  }
  const auth = { authorization: `Bearer ${TOKEN}` };
  for (const body of ['{"days":"2"}', '{"days":2.5}', '{"days":-1}']) {
    const bad = await post(body, auth);
    assert.equal(bad.status, 400, body);
    assert.equal(bad.body.error, 'reconcile_days_out_of_range', body);
  }
  for (const body of ['[1]', '{"dry_run":"yes"}', '{"days":2,"extra":1}', 'not json']) {
    const bad = await post(body, auth);
    assert.equal(bad.status, 400, body);
    assert.equal(bad.body.error, 'reconcile_body_invalid', body);
  }
  // Over the 4096-byte limit: refused before it is parsed (the rest is not read).
  const oversized = await post(JSON.stringify({ dry_run: true, pad: 'x'.repeat(5000) }), auth);
  assert.equal(oversized.status, 400);
  assert.equal(oversized.body.error, 'reconcile_body_invalid');
  assert.match(oversized.body.message, /4096/);
  const elsewhere = await post({ continue: { bucket: BUCKET, prefix: 'secret/', token: null, now: Math.floor(Date.now() / 1000) } }, auth);
  assert.equal(elsewhere.status, 400);
  assert.equal(elsewhere.body.error, 'reconcile_continue_invalid');
  const get = await fetch(`${CALLBACK}/v1/reconcile`, { headers: auth });
  assert.equal(get.status, 405);
  assert.equal(get.headers.get('allow'), 'POST');
  await sleep(1000);
  assert.equal(deliveries(rows()), deliveries(before), 'nothing was queued');
});

test('a run cut short by its subrequest budget says so and is continued to the end', async () => {
  await stopCallback();
  // 4 subrequests: today's page and its queue batches (one per shard: UPLOAD_EVENTS and
  // UPLOAD_EVENTS_1 are bound locally), then no room for yesterday's page.
  await startCallback({ RECONCILE_MAX_SUBREQUESTS: '4' });
  const before = rows();
  const once = reconcile(['--once']);
  assert.equal(once.status, 0, once.stderr);
  assert.equal(once.lines.length, 1);
  assert.equal(once.reply.truncated, true);
  assert.ok([2, 3].includes(once.reply.subrequests), `1 page and 1 or 2 batches: ${once.reply.subrequests}`);
  assert.equal(once.reply.queued, stored.length, "today's objects");
  assert.equal(once.reply.next.prefix, once.reply.prefixes[1], "yesterday's prefix is next");
  assert.deepEqual(once.reply.continue_with.continue, once.reply.next);
  const all = reconcile([]);
  assert.equal(all.status, 0, all.stderr);
  assert.equal(all.lines.length, 3, 'two calls and the totals');
  assert.equal(all.lines[0].truncated, true);
  assert.equal(all.lines[1].truncated, false);
  assert.equal(all.lines[1].now, all.lines[0].now, 'the continued call lists the same days');
  assert.deepEqual(all.last, { total: true, calls: 2, listed: stored.length, queued: stored.length, dry_run: false });
  const after = await rowsWhen((r) => deliveries(r) >= deliveries(before) + 2 * stored.length);
  assert.equal(after.length, stored.length, 'still one row per object');
});

test('without RECONCILE_TOKEN the endpoint is disabled', async () => {
  await stopCallback();
  await startCallback({ RECONCILE_TOKEN: '' });
  const off = await post({ dry_run: true }, { authorization: `Bearer ${TOKEN}` });
  assert.equal(off.status, 404);
  assert.equal(off.body.error, 'reconcile_disabled');
  assert.match(off.body.message, /RECONCILE_TOKEN/);
  const cli = reconcile(['--dry-run']);
  assert.equal(cli.status, 1);
});

test('without its listing key the reconciler fails closed and names the variable', async () => {
  await stopCallback();
  await startCallback({ RECONCILE_ACCESS_KEY_ID: '' });
  const broken = await post({ dry_run: true }, { authorization: `Bearer ${TOKEN}` });
  assert.equal(broken.status, 500);
  assert.equal(broken.body.error, 'misconfigured');
  assert.match(broken.body.message, /RECONCILE_ACCESS_KEY_ID/);
  // Callbacks are another Worker's job and still work.
  const upload = await stack.upload('dev', 'post', Buffer.from(`after ${Date.now()}\n`), 'after.txt');
  assert.equal(upload.status, 200, upload.text);
});
