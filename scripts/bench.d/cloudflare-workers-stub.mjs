// The parts of workerd's `cloudflare:workers` module the Worker shims use, for running a
// built Worker under Node (scripts/bench.d/isolate.mjs). The entrypoint classes only keep
// `ctx` and `env`, as the runtime's do.
export class WorkerEntrypoint {
  constructor(ctx, env) {
    this.ctx = ctx;
    this.env = env;
  }
}
export class DurableObject extends WorkerEntrypoint {}
export class WorkflowEntrypoint extends WorkerEntrypoint {}
export class RpcTarget {}
export const env = {};
