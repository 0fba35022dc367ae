// The whole local flow in a real headless Chromium: the signer's demo page gets a grant, uploads
// to oss-sim, oss-sim calls the callback Worker, the event reaches the queue and the development
// consumer. Run by tests/e2e/run against `scripts/dev --background --instance e2e`; the tests run
// in order (the last one stops the callback Worker).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import {
  ROOT, SIGNER, SIM, BUCKET, SUBJECT, TOKEN, launchChromium, png, md5Hex, multipartEtag, events,
  eventsFor, sleep, scriptsDev, simGet,
} from './lib.mjs';

let browser;
let page;

before(async () => {
  browser = await launchChromium();
  page = await browser.newPage({ viewport: { width: 900, height: 1100 } });
  page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
});

after(async () => {
  await browser?.close();
});

// Uploads `bytes` as `name` through the demo page's form in `mode`; waits until the page settles
// in a final state and returns what it shows.
async function uploadThroughPage(bytes, name, mode) {
  await page.goto(`${SIGNER}/`);
  await page.setInputFiles('#file', { name, mimeType: 'image/png', buffer: bytes });
  await page.check(`input[name=mode][value=${mode}]`);
  // The highest percentage the page ever shows during the upload.
  await page.evaluate(() => {
    window.maxPercent = 0;
    const pct = document.getElementById('pct');
    new MutationObserver(() => {
      window.maxPercent = Math.max(window.maxPercent, parseInt(pct.textContent, 10));
    }).observe(pct, { childList: true, characterData: true, subtree: true });
  });
  await page.click('#go');
  await page.waitForFunction(
    () => !['idle', 'uploading', 'waiting', 'recovering'].includes(document.getElementById('status').dataset.state),
    null,
    { timeout: 30000 },
  );
  const shown = await page.evaluate(() => ({
    state: document.getElementById('status').dataset.state,
    status: document.getElementById('status').textContent,
    grant: document.getElementById('grant').textContent,
    http: document.getElementById('http').textContent,
    reply: document.getElementById('reply').textContent,
    event: document.getElementById('event').textContent,
    progress: document.getElementById('bar').value / document.getElementById('bar').max,
    maxPercent: window.maxPercent,
  }));
  shown.key = shown.grant.split(': ').pop();
  return shown;
}

// The event of one accepted upload, checked field by field; returns it.
async function assertOneEvent(key, bytes, { etag, width, height, operation }) {
  const found = await eventsFor(key, 1);
  await sleep(300); // a duplicate would arrive right behind the first
  const again = events().filter((e) => e.object && e.object.key === key);
  assert.equal(again.length, 1, `exactly one event for ${key}, got ${found.length}`);
  const [event] = again;
  assert.equal(event.schema, 'oss-edge.upload.v2');
  assert.equal(event.source, 'callback');
  assert.equal(event.object.bucket, BUCKET);
  assert.equal(event.object.key, key);
  assert.equal(event.object.size, bytes.length);
  assert.equal(event.object.etag, etag);
  assert.equal(event.object.content_type, 'image/png');
  assert.deepEqual(event.claimed.image, { width, height, format: 'png' });
  assert.equal(event.claimed.operation, operation);
  assert.equal(event.ticket.subject, SUBJECT);
  // The default KEY_TEMPLATE: uploads/{yyyy}{mm}{dd}/{subject}/{grant_id}{ext}.
  assert.match(key, new RegExp(`^uploads/\\d{8}/${SUBJECT}/${event.ticket.grant_id}\\.png$`), `${key} carries the day, subject and grant id`);
  return event;
}

// The page's view of the reply relayed by OSS: the callback Worker's JSON.
function assertReply(shown, eventId) {
  assert.equal(shown.state, 'done', shown.status);
  assert.equal(shown.http, 'HTTP 200');
  const reply = JSON.parse(shown.reply);
  assert.equal(reply.status, 'ok');
  assert.equal(reply.object, shown.key);
  assert.equal(reply.id, eventId);
  assert.equal(JSON.parse(shown.event).id, eventId, 'the page shows the queued event');
  assert.equal(shown.progress, 1, 'the progress bar is full');
  assert.equal(shown.maxPercent, 100, 'the percentage ends at 100 and never passes it');
}

test('the demo page uploads a PNG through PostObject; the reply and one event follow', async () => {
  const bytes = png(64, 48);
  const shown = await uploadThroughPage(bytes, 'cat.png', 'post');
  const event = await assertOneEvent(shown.key, bytes, {
    etag: md5Hex(bytes), width: 64, height: 48, operation: 'PostObject',
  });
  assertReply(shown, event.id);
  assert.equal(event.claimed.content_md5, Buffer.from(md5Hex(bytes), 'hex').toString('base64'));
  const out = path.join(ROOT, 'target/e2e/demo.png');
  mkdirSync(path.dirname(out), { recursive: true });
  await page.screenshot({ path: out, fullPage: true });
});

test('the demo page uploads a PNG through a presigned PUT', async () => {
  const bytes = png(31, 17);
  const shown = await uploadThroughPage(bytes, 'dog.png', 'put');
  const event = await assertOneEvent(shown.key, bytes, {
    etag: md5Hex(bytes), width: 31, height: 17, operation: 'PutObject',
  });
  assertReply(shown, event.id);
});

test('the demo page uploads a PNG larger than one part through multipart', async () => {
  // Stored (level 0) pixels: ~5.9 MB, two parts of the local signer's 5 MiB.
  const bytes = png(1400, 1400, 0);
  const partSize = 5 * 1024 * 1024;
  assert.ok(bytes.length > partSize && bytes.length < 2 * partSize);
  const shown = await uploadThroughPage(bytes, 'big.png', 'multipart');
  const event = await assertOneEvent(shown.key, bytes, {
    etag: multipartEtag(bytes, partSize), width: 1400, height: 1400, operation: 'CompleteMultipartUpload',
  });
  assertReply(shown, event.id);
  const stored = await simGet(shown.key);
  assert.equal(stored.status, 200);
  assert.ok(Buffer.from(await stored.arrayBuffer()).equals(bytes), 'oss-sim stored the same bytes');
});

test("docs/demo.md's browser snippet (also the README's) uploads a PNG as written", async () => {
  const doc = readFileSync(path.join(ROOT, 'docs/demo.md'), 'utf8');
  const written = /```js\n([\s\S]*?)```/.exec(doc)[1];
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.equal(/```js\n([\s\S]*?)```/.exec(readme)[1], written, 'the README shows the same snippet');
  const snippet = written.replaceAll('http://127.0.0.1:8787', SIGNER);
  const bytes = png(12, 34);
  await page.goto(`${SIGNER}/`);
  const reply = await page.evaluate(async ({ snippet, data, token }) => {
    // eslint-disable-next-line no-new-func
    const upload = new Function(`${snippet}; return upload;`)();
    const file = new File([new Uint8Array(data)], 'snippet.png', { type: 'image/png' });
    return upload(file, token);
  }, { snippet, data: [...bytes], token: TOKEN });
  assert.equal(reply.status, 'ok');
  await assertOneEvent(reply.object, bytes, {
    etag: md5Hex(bytes), width: 12, height: 34, operation: 'PostObject',
  });
});

// In the page (same origin as the signer, cross-origin to oss-sim, as an app would): a grant,
// then `tamper(grant)` and a PostObject; returns the status and body the browser saw.
async function postFromPage(request, tamper, waitMs = 0) {
  await page.goto(`${SIGNER}/`);
  return page.evaluate(async ({ request, tamper, waitMs, token }) => {
    const response = await fetch('/v1/grants', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify(request),
    });
    const grant = await response.json();
    if (!response.ok) return { grantError: grant };
    // eslint-disable-next-line no-new-func
    new Function('grant', tamper)(grant);
    await new Promise((r) => setTimeout(r, waitMs));
    const form = new FormData();
    for (const [name, value] of Object.entries(grant.fields)) form.append(name, value);
    form.append('file', new Blob([new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10])], { type: 'image/png' }), 'x.png');
    const reply = await fetch(grant.url, { method: 'POST', body: form });
    return { status: reply.status, body: await reply.text(), key: grant.fields.key, granted: grant.key };
  }, { request, tamper, waitMs, token: TOKEN });
}

const small = { filename: 'x.png', content_type: 'image/png', size: 8 };

test('a form with a tampered field is refused by oss-sim (policy), nothing stored, no event', async () => {
  const before = events().length;
  const key = await postFromPage(small, "grant.fields.key = grant.fields.key.replace(/[^/]+$/, 'elsewhere.png')");
  assert.equal(key.status, 403, key.body);
  assert.match(key.body, /<Code>AccessDenied<\/Code>/);
  assert.match(key.body, /Policy/);
  const type = await postFromPage(small, "grant.fields['Content-Type'] = 'text/html'");
  assert.equal(type.status, 403, type.body);
  assert.match(type.body, /<Code>AccessDenied<\/Code>/);
  for (const k of [key.key, key.granted, type.granted]) {
    assert.equal((await simGet(k)).status, 404, `${k} is not stored`);
  }
  await sleep(1500);
  assert.equal(events().length, before, 'no event for a refused upload');
});

test('an expired grant is refused by oss-sim (PostObject and presigned PUT), no event', async () => {
  const before = events().length;
  const post = await postFromPage({ ...small, expires_in: 1 }, '', 2200);
  assert.equal(post.status, 403, post.body);
  assert.match(post.body, /<Code>AccessDenied<\/Code>/);
  assert.match(post.body, /expired/i);
  const put = await page.evaluate(async (token) => {
    const response = await fetch('/v1/grants', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ filename: 'x.png', content_type: 'image/png', size: 8, mode: 'put', expires_in: 1 }),
    });
    const grant = await response.json();
    await new Promise((r) => setTimeout(r, 2200));
    const reply = await fetch(grant.url, { method: 'PUT', headers: grant.headers, body: new Uint8Array(8) });
    return { status: reply.status, body: await reply.text(), key: grant.key };
  }, TOKEN);
  assert.equal(put.status, 403, put.body);
  assert.match(put.body, /<Code>AccessDenied<\/Code>/);
  for (const k of [post.granted, put.key]) {
    assert.equal((await simGet(k)).status, 404, `${k} is not stored`);
  }
  await sleep(1500);
  assert.equal(events().length, before, 'no event for an expired grant');
});

test('with the callback Worker down the browser sees 203 CallbackFailed and the object is stored', async () => {
  scriptsDev('--stop', '--only', 'callback');
  const before = events().length;
  const bytes = png(20, 10);
  const shown = await uploadThroughPage(bytes, 'down.png', 'post');
  assert.equal(shown.state, 'callback-failed', shown.status);
  assert.match(shown.http, /^HTTP 203, then recovery: the callback Worker did not answer$/);
  assert.match(shown.reply, /<Code>CallbackFailed<\/Code>/);
  const stored = await simGet(shown.key);
  assert.equal(stored.status, 200);
  assert.ok(Buffer.from(await stored.arrayBuffer()).equals(bytes), 'the object is kept');
  assert.equal(stored.headers.get('etag'), `"${md5Hex(bytes)}"`);
  assert.equal(events().length, before, 'no event without the callback Worker');
});

test('the demo page takes its token from the running signer and fits a 390 px phone screen', async () => {
  const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
  try {
    await phone.goto(`${SIGNER}/`);
    assert.equal(await phone.inputValue('#token'), TOKEN, 'the token field holds the token the stack runs with');
    assert.notEqual(TOKEN, 'dev-token', 'tests/e2e/run starts the stack with a token other than the default');
    const widths = await phone.evaluate(() => ({ scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth }));
    assert.ok(widths.scroll <= widths.client, `the page scrolls sideways at 390 px: ${widths.scroll} > ${widths.client}`);
    // Errors read as sentences for a person, not as codes.
    await phone.fill('#token', '');
    await phone.setInputFiles('#file', { name: 'x.png', mimeType: 'image/png', buffer: png(2, 2) });
    await phone.click('#go');
    await phone.waitForFunction(() => document.getElementById('status').dataset.state === 'error');
    const noToken = await phone.textContent('#status');
    assert.match(noToken, /^Enter a token first/);
    assert.doesNotMatch(noToken, /not_bearer|missing_authorization/);
    await phone.fill('#token', 'not-the-token');
    await phone.click('#go');
    await phone.waitForFunction((old) => document.getElementById('status').textContent !== old, noToken);
    await phone.waitForFunction(() => document.getElementById('status').dataset.state === 'error');
    assert.match(await phone.textContent('#status'), /^The signer did not accept this token\./);
    await phone.screenshot({ path: path.join(ROOT, 'target/e2e/demo-390.png'), fullPage: true });
  } finally {
    await phone.close();
  }
});
