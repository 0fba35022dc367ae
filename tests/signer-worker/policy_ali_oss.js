// Cross-checks the signer Worker's GET /v1/policy with the official SDK: npm ali-oss 6.23.0
// (installed by tests/differential, reused here) must compute the same V4 signature for the
// same policy, date and region, and its re-serialisation of the policy must give the same
// Base64. Run by tests/signer-worker/run with SIGNER_URL set.
'use strict';

const path = require('path');
const differential = path.join(__dirname, '..', 'differential', 'node_modules');
const OSS = require(path.join(differential, 'ali-oss'));

// crates/signer/wrangler.toml [env.local.vars]: public development values.
const accessKeyId = 'dev-access-key-id';
const accessKeySecret = 'dev-access-key-secret-not-a-secret';
const region = 'cn-hangzhou';

function fail(message) {
  console.error(`policy_ali_oss: FAILED: ${message}`);
  process.exit(1);
}

async function main() {
  const url = `${process.env.SIGNER_URL}/v1/policy`;
  const response = await fetch(url, { headers: { Authorization: 'Bearer dev-token' } });
  if (response.status !== 200) fail(`${url} answered ${response.status}`);
  const sample = await response.json();
  const policyJson = Buffer.from(sample.policy, 'base64').toString('utf8');
  const date = sample.x_oss_date; // yyyymmddTHHMMSSZ
  const when = new Date(Date.UTC(+date.slice(0, 4), +date.slice(4, 6) - 1, +date.slice(6, 8),
    +date.slice(9, 11), +date.slice(11, 13), +date.slice(13, 15)));
  const client = new OSS({ region: `oss-${region}`, accessKeyId, accessKeySecret, bucket: 'unused', authorizationV4: true });
  const signature = client.signPostObjectPolicyV4(JSON.parse(policyJson), when);
  if (signature !== sample.signature) fail(`ali-oss signs ${signature}, the signer sent ${sample.signature}`);
  if (JSON.stringify(JSON.parse(policyJson)) !== policyJson) fail('the policy is not in compact JSON form');
  const credential = `${accessKeyId}/${date.slice(0, 8)}/${region}/oss/aliyun_v4_request`;
  if (sample.x_oss_credential !== credential) fail(`credential ${sample.x_oss_credential} != ${credential}`);
  console.log(`policy_ali_oss: ok (ali-oss computes the same V4 signature ${signature.slice(0, 12)}…)`);
}

main().catch((err) => fail(err.stack || String(err)));
