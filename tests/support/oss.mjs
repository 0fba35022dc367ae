// What OSS and docs/events.md define, computed here independently of the core: the MD5 ETags
// OSS reports (single and multipart) and the event id. Shared by the Node tests (tests/chaos,
// tests/reconcile, tests/e2e).
import { createHash } from 'node:crypto';

export const md5 = (bytes) => createHash('md5').update(bytes).digest();
export const md5Hex = (bytes) => md5(bytes).toString('hex').toUpperCase();

// OSS's multipart ETag: HEX(MD5(md5(part 1) || … || md5(part N)))-N.
export function multipartEtag(bytes, partSize) {
  const digests = [];
  for (let at = 0; at < bytes.length; at += partSize) digests.push(md5(bytes.subarray(at, at + partSize)));
  return `${md5Hex(Buffer.concat(digests))}-${digests.length}`;
}

// docs/events.md: "sha256:" + hex(SHA-256(len(bucket) ‖ bucket ‖ len(key) ‖ key ‖ len(etag) ‖
// etag ‖ len(version) ‖ version)), lengths as 8-byte big-endian, etag unquoted upper case.
export function eventId(bucket, key, etag, version = '') {
  const hash = createHash('sha256');
  for (const field of [bucket, key, etag.replace(/^"|"$/g, '').toUpperCase(), version]) {
    const bytes = Buffer.from(field, 'utf8');
    const len = Buffer.alloc(8);
    len.writeBigUInt64BE(BigInt(bytes.length));
    hash.update(len).update(bytes);
  }
  return `sha256:${hash.digest('hex')}`;
}
