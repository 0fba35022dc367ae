// The bucket's HeadObject in the end-to-end run without the development server
// (scripts/bench.d/load.sh): the global outbound of the Worker under test, so the callback
// Worker's confirmation HEAD (and the floor Worker's) is answered in the same workerd process,
// with OSS's headers for the bench objects (objects.mjs), as standins.mjs answers the Node
// harness.
import { headObjectResponse } from './objects.mjs';

export default {
  async fetch(request) {
    const path = decodeURIComponent(new URL(request.url).pathname).replace(/^\/+/, '');
    return headObjectResponse(request.method, path);
  },
};
