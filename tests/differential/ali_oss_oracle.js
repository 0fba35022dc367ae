// npm ali-oss (6.23.0) as a signing oracle (spec §8.3). Reads one JSON case per line on stdin,
// writes one JSON answer per line: {"id", "signature"} or {"id", "error"}.
//
// Cases: {"op": "presign-v4", bucket, key, region, method, epoch, expires, headers, queries, sts}
//        {"op": "presign-v1", bucket, key, method, expires_at, headers, queries, sts}
//        {"op": "post-v4", region, epoch, policy} / {"op": "post-v1", policy}
// Credentials come from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN.
'use strict';

const readline = require('readline');
const OSS = require('ali-oss');
const signUtils = require('ali-oss/lib/common/signUtils');

const accessKeyId = process.env.OSS_ACCESS_KEY_ID;
const accessKeySecret = process.env.OSS_ACCESS_KEY_SECRET;
const stsToken = process.env.OSS_SESSION_TOKEN || undefined;

// signatureUrlV4 reads `new Date()`; freeze it per case (spec §8.3).
const RealDate = Date;
function freezeDate(epochSeconds) {
  class FrozenDate extends RealDate {
    constructor(...args) {
      if (args.length === 0) super(epochSeconds * 1000);
      else super(...args);
    }
    static now() {
      return epochSeconds * 1000;
    }
  }
  global.Date = FrozenDate;
}

function client(region, bucket) {
  const options = { region: `oss-${region}`, accessKeyId, accessKeySecret, bucket, authorizationV4: true };
  if (stsToken) options.stsToken = stsToken;
  return new OSS(options);
}

async function answer(c) {
  switch (c.op) {
    case 'presign-v4': {
      freezeDate(c.epoch);
      try {
        const url = await client(c.region, c.bucket).signatureUrlV4(
          c.method, c.expires, { headers: c.headers, queries: c.queries }, c.key);
        const signature = new URL(url).searchParams.get('x-oss-signature');
        return { signature };
      } finally {
        global.Date = RealDate;
      }
    }
    case 'presign-v1': {
      const parameters = Object.assign({}, c.queries);
      if (stsToken) parameters['security-token'] = stsToken;
      const canonical = signUtils.buildCanonicalString(
        c.method, `/${c.bucket}/${c.key}`, { headers: c.headers, parameters }, String(c.expires_at));
      return { signature: signUtils.computeSignature(accessKeySecret, canonical) };
    }
    case 'post-v4': {
      const signature = client(c.region, 'unused').signPostObjectPolicyV4(c.policy, new RealDate(c.epoch * 1000));
      return { signature, policy: Buffer.from(c.policy, 'utf8').toString('base64') };
    }
    case 'post-v1': {
      const result = client('cn-hangzhou', 'unused').calculatePostSignature(c.policy);
      return { signature: result.Signature, policy: result.policy };
    }
    default:
      throw new Error(`unknown op ${c.op}`);
  }
}

async function main() {
  const rl = readline.createInterface({ input: process.stdin, crlfDelay: Infinity });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    let out;
    try {
      out = Object.assign({ id: c.id }, await answer(c));
    } catch (err) {
      out = { id: c.id, error: String(err && err.message ? err.message : err) };
    }
    process.stdout.write(JSON.stringify(out) + '\n');
  }
}

main().catch(err => {
  console.error(err);
  process.exit(2);
});
