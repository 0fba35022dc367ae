// The bench objects' facts, by the rule of crates/bench/src/callbacks.rs: callback i names
// `uploads/load/<i, 8 digits>.png`, of size 1000 + i, with the ETag and content type below.
// Shared by both HeadObject stand-ins (standins.mjs for Node, head-standin.js in workerd).
export const ETAG = 'D8E8FCA2DC0F896FD7CB4CB0031BA249';
export const CONTENT_TYPE = 'image/png';
const KEY = /^uploads\/load\/(\d{8,})\.png$/;

// `path`: the request path without its leading `/`, path style (`bucket/key`) or virtual
// host (`key`). Returns { key, size, etag, contentType } or undefined.
export function objectAt(path) {
  for (const key of [path, path.slice(path.indexOf('/') + 1)]) {
    const match = KEY.exec(key);
    if (match) return { key, size: 1000 + Number(match[1]), etag: ETAG, contentType: CONTENT_TYPE };
  }
  return undefined;
}

// OSS's HeadObject answer for `method` on `path` (404 with OSS's error headers when no such
// object): the same Response both stand-ins give.
export function headObjectResponse(method, path) {
  if (method !== 'HEAD' && method !== 'GET') return new Response(null, { status: 405 });
  const facts = objectAt(path);
  if (!facts) {
    return new Response(null, { status: 404, headers: { 'x-oss-request-id': 'BENCHSTANDIN', 'x-oss-ec': '0026-00000001' } });
  }
  return new Response(null, {
    status: 200,
    headers: {
      'content-length': String(facts.size),
      etag: `"${facts.etag}"`,
      'content-type': facts.contentType,
      'last-modified': 'Thu, 01 Jan 2026 00:00:00 GMT',
      'x-oss-hash-crc64ecma': '11782093538209634585',
      'x-oss-object-type': 'Normal',
      'x-oss-storage-class': 'Standard',
      'x-oss-request-id': 'BENCHSTANDIN',
    },
  });
}
