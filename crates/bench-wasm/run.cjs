// Times each bench operation compiled to wasm32, in Node (V8, the engine Workers run on).
// Usage: node run.cjs <dir with wasm-bindgen --target nodejs output> <min-seconds-per-op>
// Prints one JSON object: { "<operation>": { "us_per_op": n, "iterations": n }, ... }
'use strict';
const path = require('path');
const { Bench } = require(path.resolve(process.argv[2], 'oss_edge_bench_wasm.js'));
const minSeconds = Number(process.argv[3] || '1');

const bench = new Bench();
const results = {};
for (const name of Bench.operations().split(',')) {
  if (bench.run_many(name, 1) === 0) throw new Error(`operation ${name} did no work`);
  bench.run_many(name, 200); // warm up: let V8 tier the code up
  let iterations = 100;
  for (;;) {
    const start = process.hrtime.bigint();
    bench.run_many(name, iterations);
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (seconds >= minSeconds || iterations >= 1e8) {
      results[name] = { us_per_op: (seconds * 1e6) / iterations, iterations };
      break;
    }
    iterations = Math.ceil(iterations * Math.min(10, Math.max(2, (minSeconds * 1.2) / Math.max(seconds, 1e-6))));
  }
}
process.stdout.write(JSON.stringify(results) + '\n');
