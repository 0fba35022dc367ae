// The protocol of Alibaba Cloud's two official browser direct-upload samples against the local
// stack, in a real headless Chromium: pages written here (tests/e2e/samples/, not the samples'
// code) make exactly the requests each sample makes, from an origin of their own as an app's
// front end would. The V4 `fetch` sample talks to the e2e signer (V4, the default); the classic
// plupload `upload.js` sample (V1 fields) to the second signer tests/e2e/run starts with
// OSS_SIGNATURE_VERSION=v1. docs/signer.md ("Front ends written for the official samples")
// lists what these pages had to change; this file checks each item.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import {
  ROOT, SIGNER, SIM, BUCKET, SUBJECT, TOKEN, SAMPLES_ORIGIN, V1_SIGNER, CALLBACK, launchChromium,
  png, md5Hex, events, eventsFor, sleep, scriptsDev, simGet,
} from './lib.mjs';

const PAGES = path.join(ROOT, 'tests/e2e/samples');
// The same server under a second origin that no CORS rule lists.
const STRANGER_ORIGIN = SAMPLES_ORIGIN.replace('127.0.0.1', 'localhost');

let browser;
let server;

// Serves tests/e2e/samples/NAME.html as /NAME.html, nothing else.
function servePages() {
  const port = Number(new URL(SAMPLES_ORIGIN).port);
  const pages = createServer(async (req, res) => {
    const name = new URL(req.url, SAMPLES_ORIGIN).pathname.slice(1);
    if (!/^[a-z0-9-]+\.html$/.test(name)) {
      res.writeHead(404).end();
      return;
    }
    try {
      const html = await readFile(path.join(PAGES, name));
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(html);
    } catch {
      res.writeHead(404).end();
    }
  });
  return new Promise((resolve, reject) => {
    pages.once('error', reject);
    pages.listen(port, '127.0.0.1', () => resolve(pages));
  });
}

async function answers(url) {
  try {
    await fetch(url, { signal: AbortSignal.timeout(2000) });
    return true;
  } catch {
    return false;
  }
}

before(async () => {
  // flow.test.mjs ends with the callback Worker stopped; these uploads need it.
  if (!(await answers(`${CALLBACK}/healthz`))) scriptsDev('--background', '--only', 'callback');
  for (const url of [`${SIGNER}/healthz`, `${V1_SIGNER}/healthz`, `${CALLBACK}/healthz`]) {
    assert.ok(await answers(url), `${url} answers (tests/e2e/run starts it)`);
  }
  server = await servePages();
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

const lowerCase = (headers) => Object.fromEntries(Object.entries(headers).map(([n, v]) => [n.toLowerCase(), v]));

// Field names of a multipart/form-data body, in order.
function formFieldNames(body) {
  return [...body.toString('latin1').matchAll(/Content-Disposition: form-data; name="([^"]*)"/g)].map((m) => m[1]);
}

// Opens `page` (a file of tests/e2e/samples) from `origin` against `signer`'s GET /v1/policy
// (with the bearer token unless `token` is null), uploads `bytes` as `name` through its form and
// returns what the page reports (window.sampleResult) and the requests the browser made.
async function runSample(page, { signer, token = TOKEN, origin = SAMPLES_ORIGIN, name, bytes }) {
  const tab = await browser.newPage();
  const requests = [];
  tab.on('request', (r) => requests.push(r));
  // Playwright has no body for a form with a file in it; Chromium's DevTools protocol has it.
  const cdp = await tab.context().newCDPSession(tab);
  await cdp.send('Network.enable');
  const posts = [];
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.method === 'POST') posts.push(e);
  });
  tab.on('pageerror', (e) => console.error(`page error: ${e.message}`));
  try {
    const query = new URLSearchParams({ policy: `${signer}/v1/policy` });
    if (token !== null) query.set('token', token);
    await tab.goto(`${origin}/${page}?${query}`);
    await tab.setInputFiles('#file', { name, mimeType: 'image/png', buffer: bytes });
    await tab.click('#go');
    await tab.waitForFunction(() => document.body.dataset.state !== 'idle', null, { timeout: 30000 });
    const result = await tab.evaluate(() => window.sampleResult);
    const policyGets = requests.filter((r) => r.method() === 'GET' && r.url().startsWith(`${signer}/v1/policy`));
    const sent = [];
    for (const e of posts) {
      const data = await cdp.send('Network.getRequestPostData', { requestId: e.requestId });
      const body = Buffer.from(data.postData, data.base64Encoded ? 'base64' : 'utf8');
      sent.push({ url: e.request.url, headers: lowerCase(e.request.headers), fields: formFieldNames(body) });
    }
    const gets = [];
    for (const r of policyGets) gets.push({ url: r.url(), headers: await r.allHeaders() });
    return { result, gets, uploads: sent };
  } finally {
    await tab.close();
  }
}

// The one event of an accepted sample upload, checked against the bytes and the reply.
async function assertOneEvent(key, bytes, reply, { width, height }) {
  await eventsFor(key, 1);
  await sleep(300); // a duplicate would arrive right behind the first
  const found = events().filter((e) => e.object && e.object.key === key);
  assert.equal(found.length, 1, `exactly one event for ${key}, got ${found.length}`);
  const [event] = found;
  assert.equal(event.schema, 'oss-edge.upload.v2');
  assert.equal(event.source, 'callback');
  assert.equal(event.id, reply.id, 'the reply names the queued event');
  assert.equal(event.object.bucket, BUCKET);
  assert.equal(event.object.size, bytes.length);
  assert.equal(event.object.etag, md5Hex(bytes));
  assert.equal(event.object.content_type, 'image/png');
  assert.equal(event.claimed.operation, 'PostObject');
  assert.deepEqual(event.claimed.image, { width, height, format: 'png' });
  assert.equal(event.ticket.subject, SUBJECT);
}

async function assertStored(key, bytes) {
  const stored = await simGet(key);
  assert.equal(stored.status, 200, `${key} is stored in oss-sim`);
  assert.ok(Buffer.from(await stored.arrayBuffer()).equals(bytes), 'oss-sim stored the same bytes');
}

// A file name no earlier run used: the sample puts it into the key, and the consumer's events
// outlive a restart of the stack.
const fileName = (sample) => `${sample}-${randomBytes(4).toString('hex')}.png`;

test('V4 fetch sample + bearer header: stored, the callback reply reaches the page, one event', async () => {
  const bytes = png(40, 30);
  const name = fileName('v4-sample');
  const { result, gets, uploads } = await runSample('v4-fetch.html', { signer: SIGNER, name, bytes });
  assert.equal(result.state, 'uploaded', JSON.stringify(result));

  // The sample's requests: one GET, with nothing added but the Authorization header ...
  assert.equal(gets.length, 1);
  assert.equal(gets[0].headers.authorization, `Bearer ${TOKEN}`);
  const p = result.policy;
  for (const field of ['policy', 'security_token', 'x_oss_signature_version', 'x_oss_credential', 'x_oss_date', 'signature', 'host', 'dir', 'callback']) {
    assert.equal(typeof p[field], 'string', `the policy JSON has ${field}`);
  }
  assert.equal(p.x_oss_signature_version, 'OSS4-HMAC-SHA256', 'the value the sample posts as a literal');
  assert.equal(p.security_token, '', 'no STS: the sample posts an empty x-oss-security-token');
  assert.equal(p.host, `${SIM}/${BUCKET}`);
  assert.ok(p.dir.endsWith(`/${SUBJECT}/`), `dir ${p.dir} is the subject's directory`);
  // ... and one form POST to `host` with the sample's fields in the sample's order.
  assert.equal(uploads.length, 1);
  assert.equal(uploads[0].url, p.host);
  assert.deepEqual(uploads[0].fields, [
    'success_action_status', 'policy', 'x-oss-signature', 'x-oss-signature-version', 'x-oss-credential',
    'x-oss-date', 'key', 'x-oss-security-token', 'callback', 'file',
  ]);

  const key = `${p.dir}${name}`;
  assert.equal(result.key, key);
  assert.equal(result.status, 200);
  const reply = JSON.parse(result.body);
  assert.equal(reply.status, 'ok');
  assert.equal(reply.object, key);
  await assertStored(key, bytes);
  await assertOneEvent(key, bytes, reply, { width: 40, height: 30 });
});

test('V4 fetch sample unchanged (no Authorization header): GET /v1/policy answers 401, nothing uploaded', async () => {
  const before = events().length;
  const { result, gets, uploads } = await runSample('v4-fetch.html', {
    signer: SIGNER, token: null, name: fileName('v4-unauthenticated'), bytes: png(4, 4),
  });
  assert.equal(gets.length, 1);
  assert.equal(gets[0].headers.authorization, undefined);
  assert.equal(result.state, 'policy-refused', JSON.stringify(result));
  assert.equal(result.status, 401);
  assert.equal(JSON.parse(result.body).error, 'missing_credentials');
  assert.equal(uploads.length, 0, 'the sample stops after a refused GET');
  await sleep(500);
  assert.equal(events().length, before);
});

test('plupload V1 sample + bearer header against a V1 signer: stored, the reply reaches the page, one event', async () => {
  const bytes = png(21, 13);
  const name = fileName('v1-sample');
  const { result, gets, uploads } = await runSample('v1-plupload.html', { signer: V1_SIGNER, name, bytes });
  assert.equal(result.state, 'uploaded', JSON.stringify(result));

  assert.equal(gets.length, 1);
  assert.equal(gets[0].headers.authorization, `Bearer ${TOKEN}`);
  const p = result.policy;
  for (const field of ['accessid', 'host', 'policy', 'signature', 'callback', 'dir']) {
    assert.equal(typeof p[field], 'string', `the policy JSON has ${field}`);
  }
  assert.ok(Number.isInteger(p.expire) && p.expire > Date.now() / 1000, 'expire is a future Unix time');
  assert.match(p.signature, /^[A-Za-z0-9+/]{27}=$/, 'a V1 (Base64 HMAC-SHA1) signature');
  assert.equal(p.x_oss_credential, undefined, 'no V4 fields from a V1 signer');
  assert.equal(uploads.length, 1);
  assert.equal(uploads[0].url, p.host);
  assert.match(uploads[0].headers['content-type'], /^multipart\/form-data; boundary=/);
  assert.deepEqual(uploads[0].fields, [
    'name', 'key', 'policy', 'OSSAccessKeyId', 'success_action_status', 'callback', 'signature', 'file',
  ]);

  // key = dir + "${filename}": oss-sim, as OSS, substitutes the file's name.
  const key = `${p.dir}${name}`;
  assert.equal(result.status, 200);
  const reply = JSON.parse(result.body);
  assert.equal(reply.status, 'ok');
  assert.equal(reply.object, key);
  await assertStored(key, bytes);
  await assertOneEvent(key, bytes, reply, { width: 21, height: 13 });
});

test('plupload V1 sample against the default (V4) signer: oss-sim refuses with SignatureDoesNotMatch', async () => {
  const before = events().length;
  const name = fileName('v1-against-v4');
  const { result, uploads } = await runSample('v1-plupload.html', { signer: SIGNER, name, bytes: png(5, 5) });
  assert.equal(uploads.length, 1, 'the V4 answer has every field the V1 sample reads');
  assert.equal(result.state, 'upload-refused', JSON.stringify(result));
  assert.equal(result.status, 403);
  assert.match(result.body, /<Code>SignatureDoesNotMatch<\/Code>/);
  assert.equal((await simGet(`${result.policy.dir}${name}`)).status, 404, 'nothing stored');
  await sleep(1000);
  assert.equal(events().length, before, 'no event');
});

test('a front end on an origin outside CORS_ALLOWED_ORIGINS cannot read GET /v1/policy', async () => {
  const { result, uploads } = await runSample('v4-fetch.html', {
    signer: SIGNER, origin: STRANGER_ORIGIN, name: fileName('v4-stranger'), bytes: png(3, 3),
  });
  assert.equal(result.state, 'network-error', JSON.stringify(result));
  assert.equal(result.step, 'policy');
  assert.equal(uploads.length, 0);
  // The signer refuses the preflight the Authorization header needs.
  const preflight = await fetch(`${SIGNER}/v1/policy`, {
    method: 'OPTIONS',
    headers: { Origin: STRANGER_ORIGIN, 'Access-Control-Request-Method': 'GET', 'Access-Control-Request-Headers': 'authorization' },
  });
  assert.equal(preflight.status, 403);
  assert.equal((await preflight.json()).error, 'cors_origin_not_allowed');
});
