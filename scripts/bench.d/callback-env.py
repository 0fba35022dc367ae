"""Prints the callback Worker's configuration for the benchmarks (JSON object of variables and
secrets), the same for the Node harness and workerd: production defaults (tickets required,
DEBUG off, confirmation on against the bench bucket, whose HeadObject the stand-ins answer) with
the bench ticket key and the 512-bit test key trusted under KEY_URL. Trusting a key other than
OSS's needs OSS_EDGE_ENV=local (the Worker refuses TRUSTED_KEYS elsewhere); on the callback path
that only adds the development-route and failure-injection checks, a few string compares.
Variables a Worker version does not know are ignored by it.

    python3 callback-env.py KEY_URL PUBLIC_KEY_PEM_FILE [NAME=VALUE ...]
"""
import json
import sys

key_url, pem_file = sys.argv[1], sys.argv[2]
env = {
    "REQUIRE_TICKET": "true",
    # crates/bench/src/callbacks.rs TICKET_KEYS: the callbacks' tickets are minted with it.
    "TICKET_KEYS": "bench:oss-edge-bench-ticket-key-not-a-secret-00000001",
    "TRUSTED_KEYS": json.dumps([{"url": key_url, "pem": open(pem_file).read()}]),
    "DEBUG": "false",
    "OSS_EDGE_ENV": "local",
    "MAX_BODY_BYTES": "65536",
    "BUCKETS": json.dumps([{"name": "bench", "region": "cn-hangzhou", "endpoint": "http://127.0.0.1:9"}]),
    "CONFIRM_OBJECTS": "true",
    "CONFIRM_ACCESS_KEY_ID": "bench-access-key-id",
    "CONFIRM_ACCESS_KEY_SECRET": "bench-access-key-secret-not-a-secret",
}
for pair in sys.argv[3:]:
    name, _, value = pair.partition("=")
    env[name] = value
print(json.dumps(env))
