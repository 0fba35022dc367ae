// Node module hooks that let a Worker module built for workerd load in Node 22 unchanged
// (scripts/bench.d/isolate.mjs registers them): `cloudflare:workers` resolves to a small
// stand-in module (cloudflare-workers-stub.mjs), and `import wasm from "./index_bg.wasm"`
// gives a compiled WebAssembly.Module, as workerd's module loader does.
import { readFile } from 'node:fs/promises';

const stub = new URL('./cloudflare-workers-stub.mjs', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('cloudflare:')) return { url: stub, shortCircuit: true };
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.endsWith('.wasm')) {
    // The bytes are embedded once per load (module start-up, not per request).
    const bytes = await readFile(new URL(url));
    const source =
      `const bytes = Uint8Array.from(atob(${JSON.stringify(bytes.toString('base64'))}), (c) => c.charCodeAt(0));\n` +
      'export default new WebAssembly.Module(bytes);\n';
    return { format: 'module', source, shortCircuit: true };
  }
  if (url.endsWith('.js') && url.startsWith('file:')) {
    // Worker modules are ES modules whatever the nearest package.json says.
    const result = await nextLoad(url, { ...context, format: 'module' });
    return { ...result, format: 'module', shortCircuit: true };
  }
  return nextLoad(url, context);
}
