// The Queue behind UPLOAD_EVENTS in the end-to-end run without the development server
// (scripts/bench.d/load.sh, workerd directly): workerd implements a `queue` binding by sending
// each message to a service (`POST /message`, format in `X-Msg-Fmt`); this Worker is that
// service. It stores each message's event id, so the run can check zero loss: every 200 the
// callback Worker answered is exactly one stored event (no missing id, no duplicate).
// GET /stats answers {"messages", "stored", "duplicates", "malformed"}.
const stored = new Set();
let messages = 0;
let duplicates = 0;
let malformed = 0;

export default {
  async fetch(request) {
    const { pathname } = new URL(request.url);
    if (pathname === '/message' && request.method === 'POST') {
      messages += 1;
      const text = await request.text();
      let id;
      try {
        id = request.headers.get('x-msg-fmt') === 'json' ? JSON.parse(text).id : undefined;
      } catch {
        id = undefined;
      }
      if (typeof id !== 'string' || id === '') malformed += 1;
      else if (stored.has(id)) duplicates += 1;
      else stored.add(id);
      // workerd reads the queue's answer as JSON (the metrics a send resolves with).
      return Response.json({ metadata: { metrics: { backlogCount: 0, backlogBytes: 0, oldestMessageTimestamp: 0 } } });
    }
    if (pathname === '/stats') {
      return Response.json({ messages, stored: stored.size, duplicates, malformed });
    }
    return new Response('the bench queue sink only takes single messages (send)', { status: 501 });
  },
};
