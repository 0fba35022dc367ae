// npm ali-oss 6.23.0 as a CLIENT of oss-sim (issue 14): the uploads a new user writes from the
// SDK's README, unchanged except for the client options that point at the local endpoint.
// Driven by clients.py: reads a JSON job on argv[2], prints one JSON line with what the SDK
// returned (callback replies as the SDK parsed them in result.data) for Python to check.
//
// Job: {endpoint, bucket, accessKeyId, accessKeySecret, region, v4, style, callbackUrl, prefix}
'use strict';

const OSS = require('ali-oss');

// The two working configurations for a local endpoint (docs/oss-sim.md):
// - style "ip": `endpoint: 'http://127.0.0.1:PORT'` and nothing else. With an IP endpoint
//   ali-oss sends `Host: {bucket}.{oss-region}.aliyuncs.com` and the path `/key`; the sim
//   routes that Host to the bucket (virtual-host style).
// - style "localhost-sld": `endpoint: 'http://localhost:PORT', sldEnable: true`: the bucket
//   goes in the path (`/bucket/key`, path style) and Host stays localhost:PORT. (Without
//   sldEnable ali-oss would call `{bucket}.localhost`, which Node does not resolve.)
// Never `sldEnable` with an IP endpoint: ali-oss then sends both the bucket Host and the bucket
// in the path, which OSS (and the sim) read as the key `{bucket}/key`.
// Both: `authorizationV4: true` for V4 (ali-oss signs V1 by default); `region` with the `oss-`
// prefix, as ali-oss expects it (its V4 scope drops the prefix).
function options(job, secret) {
  const base = {
    bucket: job.bucket,
    region: job.region,
    accessKeyId: job.accessKeyId,
    accessKeySecret: secret,
    authorizationV4: job.v4,
    retryMax: 0,
  };
  if (job.style === 'ip') {
    return { ...base, endpoint: job.endpoint };
  }
  return { ...base, endpoint: job.endpoint.replace('127.0.0.1', 'localhost'), sldEnable: true };
}

async function main() {
  const job = JSON.parse(process.argv[2]);
  const client = new OSS(options(job, job.accessKeySecret));
  const callback = {
    url: job.callbackUrl,
    body: 'bucket=${bucket}&object=${object}&size=${size}&etag=${etag}&mime=${mimeType}&uid=${x:uid}',
    contentType: 'application/x-www-form-urlencoded',
    customValue: { uid: '42' },
  };
  const out = {};

  const putKey = `${job.prefix}/put photo.png`;
  const data = Buffer.from('ali-oss put body '.repeat(64));
  const put = await client.put(putKey, data, { headers: { 'Content-Type': 'image/png' }, callback });
  out.put = { key: putKey, size: data.length, status: put.res.status, data: put.data };

  const head = await client.head(putKey);
  out.head = {
    status: head.res.status,
    etag: head.res.headers.etag,
    contentLength: head.res.headers['content-length'],
    contentType: head.res.headers['content-type'],
  };
  const got = await client.get(putKey);
  out.getMatches = Buffer.compare(got.content, data) === 0;
  if (job.style === 'localhost-sld') {
    // Presigned GET (signatureUrl refuses IP endpoints; signatureUrlV4 leaves the bucket out of
    // the URL with one): with the localhost configuration both work.
    const url = job.v4 ? await client.signatureUrlV4('GET', 600, {}, putKey) : client.signatureUrl(putKey, { expires: 600 });
    const presigned = await fetch(url);
    out.presignedGet = { status: presigned.status, matches: Buffer.compare(Buffer.from(await presigned.arrayBuffer()), data) === 0 };
  }

  // Keys whose canonical forms differ (V4 encodes, V1 signs raw): each put and HEAD must verify.
  out.odd = [];
  for (const odd of job.oddKeys) {
    const key = `${job.prefix}/odd/${odd}`;
    const body = Buffer.from(odd);
    const oddPut = await client.put(key, body);
    const oddHead = await client.head(key);
    out.odd.push({ key, put: oddPut.res.status, size: Number(oddHead.res.headers['content-length']) === body.length });
  }

  const mpKey = `${job.prefix}/multi part.bin`;
  const big = Buffer.alloc(250 * 1024);
  for (let i = 0; i < big.length; i += 1) big[i] = i % 251;
  const mp = await client.multipartUpload(mpKey, big, { partSize: 100 * 1024, callback });
  out.multipart = { key: mpKey, size: big.length, status: mp.res.status, data: mp.data };

  // A wrong secret is refused with OSS's error code.
  const wrong = new OSS(options(job, 'not-the-secret'));
  try {
    await wrong.put(`${job.prefix}/forged.txt`, Buffer.from('x'));
    out.forged = { code: null };
  } catch (err) {
    out.forged = { code: err.code, status: err.status };
  }
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ error: String(err && err.stack ? err.stack : err), code: err && err.code })}\n`);
  process.exit(1);
});
