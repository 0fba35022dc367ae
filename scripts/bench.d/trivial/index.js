// The runtime's floor for the end-to-end benchmark: reads the body and answers a small JSON
// reply, as the callback Worker does, but verifies and queues nothing.
export default {
  async fetch(request) {
    await request.arrayBuffer();
    const body = '{"status":"ok"}';
    return new Response(body, { headers: { 'content-type': 'application/json', 'content-length': String(body.length) } });
  },
};
