// npm ali-oss 6.23.0 uploading to the whole local stack with signer grants' callbacks (issue 14).
// Driven by sdk_clients.py: reads a JSON job on stdin (the grants the app obtained, the sim's
// endpoint and the development AccessKey), uploads with ali-oss's ordinary API, prints one JSON
// line with what ali-oss returned (result.data = the relayed callback reply as ali-oss parsed it)
// for Python to check.
//
// ali-oss is the pinned copy in tests/differential/node_modules (scripts/lib/setup-python.sh).
'use strict';

const path = require('node:path');

const OSS = require(require.resolve('ali-oss', { paths: [path.join(__dirname, '..', 'differential')] }));

// The client configurations of docs/oss-sim.md: "ip" = the IP endpoint alone (ali-oss sends the
// bucket in Host, the sim routes it virtual-host style); "localhost-sld" = localhost with
// sldEnable (the bucket in the path).
function client(job) {
  const base = {
    bucket: job.bucket,
    region: job.region,
    accessKeyId: job.accessKeyId,
    accessKeySecret: job.accessKeySecret,
    authorizationV4: job.v4,
    retryMax: 0,
  };
  if (job.style === 'ip') return new OSS({ ...base, endpoint: job.endpoint });
  return new OSS({ ...base, endpoint: job.endpoint.replace('127.0.0.1', 'localhost'), sldEnable: true });
}

// ali-oss's own callback option, filled from the grant: ali-oss encodes it into x-oss-callback
// as {callbackUrl, callbackBody, callbackBodyType} (plus callbackSNI only when true) — the
// grant's callback exactly. The ticket is in the URL, so nothing may be added to or changed in it.
function callbackOption(grant) {
  const cb = grant.callback;
  return { url: cb.url, body: cb.body, contentType: cb.body_type, ...(cb.sni ? { callbackSNI: true } : {}) };
}

function pngLike(size, seed) {
  const bytes = Buffer.alloc(size);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(bytes);
  for (let i = 0; i < size - 8; i += 1) bytes[8 + i] = (i * 7 + seed) % 251;
  return bytes;
}

async function head(oss, key) {
  const got = await oss.head(key);
  return { headEtag: got.res.headers.etag, headSize: Number(got.res.headers['content-length']) };
}

async function main() {
  let input = '';
  for await (const chunk of process.stdin) input += chunk;
  const job = JSON.parse(input);
  const oss = client(job);
  const out = {};

  // PutObject. With the IP configuration through ali-oss's `callback` option; with localhost
  // through the grant's Base64 parameter as the x-oss-callback header (both are ali-oss's
  // documented ways; result.data is parsed whenever x-oss-callback is sent).
  {
    const { grant, size, seed } = job.put;
    const data = pngLike(size, seed);
    const options = job.style === 'ip'
      ? { mime: grant.content_type, callback: callbackOption(grant) }
      : { mime: grant.content_type, headers: { 'x-oss-callback': grant.callback.parameter } };
    const put = await oss.put(grant.key, data, options);
    out.put = { status: put.res.status, data: put.data, ...(await head(oss, grant.key)) };
  }

  // multipartUpload (initiate, parts, complete): the callback only through the `callback`
  // option, which ali-oss puts on CompleteMultipartUpload alone (options.headers would also go
  // to InitiateMultipartUpload).
  {
    const { grant, size, seed, partSize } = job.multipart;
    const data = pngLike(size, seed);
    const mp = await oss.multipartUpload(grant.key, data, {
      partSize, mime: grant.content_type, callback: callbackOption(grant),
    });
    out.multipart = { status: mp.res.status, data: mp.data, ...(await head(oss, grant.key)) };
  }

  // The grant's callback on a key the grant does not name: the ticket refuses it, OSS answers
  // 203 CallbackFailed, and ali-oss (which accepts only 200 for put) throws.
  {
    const { grant, size, seed } = job.other;
    const key = grant.key.replace('.png', '-other.png');
    try {
      await oss.put(key, pngLike(size, seed), { mime: 'image/png', callback: callbackOption(grant) });
      out.other = { key, status: 'accepted' };
    } catch (err) {
      out.other = { key, status: err.status, code: err.code };
    }
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ error: String(err && err.stack ? err.stack : err), code: err && err.code })}\n`);
  process.exit(1);
});
