// The runtime's floor for the callback Worker's job (scripts/bench, docs/bench.md): the least
// a Worker written directly in JavaScript must do for one callback, with the same I/O as
// crates/callback and none of its checks:
// - reads the whole body, and (when FLOOR_HEAD_URL is set, as when the callback Worker
//   confirms uploads) asks the bucket for the named object with one HEAD;
// - sends one message of the same size and shape as the callback Worker's event
//   (FLOOR_MESSAGE, an event that Worker produced, with this request's id) to the same Queue
//   binding, with the same content type;
// - answers the same reply (FLOOR_REPLY) with the same headers.
// It verifies nothing, logs nothing and keeps no configuration: a lower bound, not a
// competitor. GET /healthz answers FLOOR_HEALTH.
const REPLY_HEADERS = { 'content-type': 'application/json', 'cache-control': 'no-store' };

function json(status, text) {
  const body = new TextEncoder().encode(text);
  return new Response(body, { status, headers: { ...REPLY_HEADERS, 'content-length': String(body.length) } });
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/healthz') return json(200, env.FLOOR_HEALTH || '{"status":"ok"}');
    const body = await request.arrayBuffer();
    if (env.FLOOR_HEAD_URL) {
      const { object } = JSON.parse(new TextDecoder().decode(body));
      const head = await fetch(env.FLOOR_HEAD_URL + object, { method: 'HEAD' });
      if (!head.ok) return json(502, '{"error":"not_confirmed"}');
    }
    const message = JSON.parse(env.FLOOR_MESSAGE);
    // A distinct id per request, of the same length, so a consumer stores each one.
    const requestId = request.headers.get('x-oss-request-id') || '';
    message.id = (requestId + message.id).slice(0, message.id.length);
    await env.UPLOAD_EVENTS.send(message, { contentType: 'json' });
    return json(200, env.FLOOR_REPLY);
  },
};
