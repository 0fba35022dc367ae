// Helpers for the end-to-end tests: the instance under test (from the environment tests/e2e/run
// sets), Debian's Chromium through playwright-core, PNG files made on the spot, and the events
// the callback Worker's development consumer recorded (scripts/events).
import { spawnSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { deflateSync, crc32 } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
export const INSTANCE = process.env.E2E_INSTANCE || 'e2e';
export const SIGNER = process.env.E2E_SIGNER_URL || 'http://127.0.0.1:19787';
export const SIM = process.env.E2E_SIM_URL || 'http://127.0.0.1:19000';
export const BUCKET = process.env.E2E_BUCKET || 'oss-edge-dev';
export const TOKEN = process.env.E2E_TOKEN || 'dev-token';
export const SUBJECT = process.env.E2E_SUBJECT || 'dev';
// tests/e2e/samples.test.mjs: the origin its pages are served from (an app's own origin, allowed
// by the signers' and oss-sim's CORS rules), the second signer (OSS_SIGNATURE_VERSION=v1) and
// the callback Worker.
export const SAMPLES_ORIGIN = process.env.E2E_SAMPLES_ORIGIN || 'http://127.0.0.1:19790';
export const V1_SIGNER = process.env.E2E_V1_SIGNER_URL || 'http://127.0.0.1:19797';
export const CALLBACK = process.env.E2E_CALLBACK_URL || 'http://127.0.0.1:19788';
// oss-sim's development AccessKey (crates/sim/src/config.rs): its buckets are private, as OSS's.
const SIM_ACCESS_KEY_ID = 'dev-access-key-id';
const SIM_ACCESS_KEY_SECRET = 'dev-access-key-secret-not-a-secret';

// The flags TOOLCHAIN.md gives for Chromium as root, offline. Never a downloaded browser.
export const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--no-first-run',
  '--disable-sync',
];

export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
    headless: true,
  });
}

function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

// A valid RGB PNG of width x height. `level` 0 stores the pixels uncompressed (a big file).
export function png(width, height, level = 9) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  const row = 1 + width * 3;
  const raw = Buffer.alloc(row * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const at = y * row + 1 + x * 3;
      raw[at] = (x * 255) / width;
      raw[at + 1] = (y * 255) / height;
      raw[at + 2] = 0x6a;
    }
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(raw, { level })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

export { md5, md5Hex, multipartEtag } from '../support/oss.mjs';

// Every event `scripts/events --instance INSTANCE` prints, parsed.
export function events() {
  const run = spawnSync(path.join(ROOT, 'scripts/events'), ['--instance', INSTANCE], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`scripts/events failed: ${run.stderr}`);
  return run.stdout.split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// The events for `key`, once at least `count` arrived (or after `ms`).
export async function eventsFor(key, count = 1, ms = 10000) {
  const until = Date.now() + ms;
  for (;;) {
    const found = events().filter((e) => e.object && e.object.key === key);
    if (found.length >= count || Date.now() > until) return found;
    await sleep(200);
  }
}

export function scriptsDev(...args) {
  const run = spawnSync(path.join(ROOT, 'scripts/dev'), [...args, '--instance', INSTANCE], { encoding: 'utf8' });
  if (run.status !== 0) throw new Error(`scripts/dev ${args.join(' ')} failed: ${run.stderr}`);
}

// GET of `key` from oss-sim with a V1 presigned URL, computed here (HMAC-SHA1 over
// `GET\n\n\n<expires>\n/<bucket>/<key>`, the documented V1 string to sign) independently
// of the core's signer.
export async function simGet(key) {
  const expires = Math.floor(Date.now() / 1000) + 300;
  const resource = `/${BUCKET}/${key}`;
  const signature = createHmac('sha1', SIM_ACCESS_KEY_SECRET)
    .update(`GET\n\n\n${expires}\n${resource}`)
    .digest('base64');
  const path = key.split('/').map(encodeURIComponent).join('/');
  const query = new URLSearchParams({ OSSAccessKeyId: SIM_ACCESS_KEY_ID, Expires: String(expires), Signature: signature });
  return fetch(`${SIM}/${BUCKET}/${path}?${query}`);
}
