"""Writes the workerd configuration for the end-to-end run without the development server
(scripts/bench.d/load.sh): one Worker under test (the built callback Worker, or the floor
Worker) on an HTTP socket, its UPLOAD_EVENTS Queue implemented by queue-sink.js, its outbound
requests (the bucket's HeadObject) answered by head-standin.js, and the sink's /stats on a
second socket. No wrangler, no Miniflare: the socket hands each request straight to the Worker.

    python3 workerd-config.py OUT.capnp callback PORT STATS_PORT ENV.json [BUILD_DIR]
    python3 workerd-config.py OUT.capnp floor PORT STATS_PORT SAMPLE.json

BUILD_DIR: the callback Worker's build (default crates/callback/build, what is deployed; the
workerd profile passes the names-keeping build).

ENV.json: the callback Worker's variables; SAMPLE.json: what it queued and answered
(isolate.mjs --sample-out), which the floor Worker repeats.
"""
import json
import os
import sys

out, kind, port, stats_port, data_file = sys.argv[1:6]
here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(os.path.dirname(here))
base = os.path.dirname(os.path.abspath(out))


def embed(path):
    return json.dumps(os.path.relpath(path, base))


def text(value):
    # Cap'n Proto text literals take C escapes; json.dumps of ASCII text is one.
    return json.dumps(value, ensure_ascii=True)


if kind == "callback":
    build = sys.argv[6] if len(sys.argv) > 6 else os.path.join(root, "crates", "callback", "build")
    modules = [
        f'(name = "index.js", esModule = embed {embed(os.path.join(build, "index.js"))})',
        f'(name = "index_bg.wasm", wasm = embed {embed(os.path.join(build, "index_bg.wasm"))})',
    ]
    vars_ = json.load(open(data_file))
else:
    modules = [f'(name = "floor-worker.js", esModule = embed {embed(os.path.join(here, "floor-worker.js"))})']
    sample = json.load(open(data_file))
    vars_ = {"FLOOR_MESSAGE": sample["message"], "FLOOR_REPLY": sample["reply"], "FLOOR_HEALTH": sample["health"]}
    if sample.get("head_url"):
        vars_["FLOOR_HEAD_URL"] = sample["head_url"]
bindings = [f"(name = {text(k)}, text = {text(v)})" for k, v in vars_.items()]
bindings.append('(name = "UPLOAD_EVENTS", queue = "queue-sink")')
# The second shard some versions read (docs/consumer.md) goes to the same sink.
bindings.append('(name = "UPLOAD_EVENTS_1", queue = "queue-sink")')

# WORKERD_V8_FLAGS (comma-separated, e.g. `--no-liftoff`): V8 flags for an experiment; none by
# default, as `wrangler dev` and production run.
v8_flags = [f'"{flag.strip()}"' for flag in os.environ.get("WORKERD_V8_FLAGS", "").split(",") if flag.strip()]

config = f"""using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  v8Flags = [{", ".join(v8_flags)}],
  services = [
    (name = "under-test", worker = .underTest),
    (name = "queue-sink", worker = .queueSink),
    (name = "head-standin", worker = .headStandin),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:{port}", http = (), service = "under-test"),
    (name = "stats", address = "127.0.0.1:{stats_port}", http = (), service = "queue-sink"),
  ],
);

const underTest :Workerd.Worker = (
  modules = [{", ".join(modules)}],
  compatibilityDate = "2025-09-01",
  bindings = [{", ".join(bindings)}],
  globalOutbound = "head-standin",
);

const queueSink :Workerd.Worker = (
  modules = [(name = "queue-sink.js", esModule = embed {embed(os.path.join(here, "queue-sink.js"))})],
  compatibilityDate = "2025-09-01",
);

const headStandin :Workerd.Worker = (
  modules = [
    (name = "head-standin.js", esModule = embed {embed(os.path.join(here, "head-standin.js"))}),
    (name = "objects.mjs", esModule = embed {embed(os.path.join(here, "objects.mjs"))}),
  ],
  compatibilityDate = "2025-09-01",
);
"""
with open(out, "w") as f:
    f.write(config)
