#!/usr/bin/env python3
"""Preflight of one oss-edge Worker before `wrangler deploy` (run by scripts/deploy).

Reads the Worker's wrangler.toml (the top level, or one [env.NAME]: wrangler does not inherit
vars or bindings into environments), applies `--var NAME:VALUE` overrides, and checks that the
production configuration is complete: every required variable set, every required binding
present and consistent with the other Workers, nothing local-only. Secrets: with
`--secrets FILE` (the JSON of `wrangler secret list`) each required one must exist; without it
(a dry run) they are listed as what must exist before a real deploy. `--callback-config` (the
consumer and the reconciler) names the callback Worker's wrangler.toml, whose queues the other
two must match.

Names every problem and exits 1 if there is any, so nothing is uploaded that would answer 500.
Notes (an optional secret unset, no Cron Trigger) are printed but refuse nothing.

    preflight.py WORKER CONFIG [--env NAME] [--var NAME:VALUE]... [--secrets FILE]
                 [--callback-config FILE]
    preflight.py WORKER CONFIG --list-secrets
"""
import argparse
import json
import re
import sys
import tomllib

PLACEHOLDER_D1_ID = "00000000-0000-0000-0000-000000000000"

# Every secret each Worker reads (required or optional): `--list-secrets` prints them, so
# tests/deploy/run can check that the documented `wrangler secret put` commands name real ones.
KNOWN_SECRETS = {
    "signer": ["OSS_ACCESS_KEY_ID", "OSS_ACCESS_KEY_SECRET", "OSS_SESSION_TOKEN", "TICKET_KEYS",
               "AUTH_BEARER_TOKENS", "JWT_HS256_SECRETS"],
    "callback": ["TICKET_KEYS", "CONFIRM_ACCESS_KEY_ID", "CONFIRM_ACCESS_KEY_SECRET",
                 "CONFIRM_SECURITY_TOKEN"],
    "consumer": [],
    "reconciler": ["RECONCILE_ACCESS_KEY_ID", "RECONCILE_ACCESS_KEY_SECRET", "RECONCILE_SECURITY_TOKEN",
                   "RECONCILE_TOKEN"],
}

# The queue bindings of the shards events go to (crates/worker-support/src/shard.rs): the callback
# Worker and the reconciler must be bound to the same ones, so an event's id picks the same queue
# whichever of them sends it.
SHARD_BINDING = re.compile(r"UPLOAD_EVENTS(_[1-9][0-9]*)?")


def truthy(value, default):
    if value is None or value == "":
        return default
    return value.strip().lower() not in ("false", "0", "no", "off")


def section(config, env):
    """The configuration wrangler deploys: the top level, or [env.NAME] (not inherited)."""
    if env is None:
        return config
    envs = config.get("env", {})
    if env not in envs:
        raise SystemExit(f"preflight: no [env.{env}] in the configuration")
    return envs[env]


class Checks:
    def __init__(self, worker, config_path, vars_, secrets):
        self.worker = worker
        self.config_path = config_path
        self.vars = vars_
        self.secrets = secrets  # set of names, or None in a dry run
        self.errors = []
        self.must_exist = []
        self.notes = []  # printed, never refused

    def var(self, name):
        value = self.vars.get(name)
        return None if value is None or value == "" else value

    def need_var(self, name, why, example):
        if self.var(name) is None:
            quoted = f"'{example}'" if '"' in example else f'"{example}"'
            self.errors.append(
                f"variable {name} is not set ({why}): add {name} = {quoted} to [vars] of "
                f"{self.config_path}, or pass --var {name}:VALUE"
            )

    def plain_secret(self, name, why):
        """A secret set in [vars] (or --var) sits in a file or a shell history: refused."""
        if name in self.vars and self.vars[name] != "":
            self.errors.append(
                f"{name} is set as a plain variable: it is a secret ({why}); remove it from [vars] and "
                f"run `wrangler secret put {name} -c {self.config_path}`"
            )
            return True
        return False

    def need_secret(self, name, why, how):
        if self.plain_secret(name, why):
            return
        if self.secrets is None:
            self.must_exist.append(f"secret {name}: {why} ({how})")
        elif name not in self.secrets:
            self.errors.append(
                f"secret {name} is missing ({why}): {how}, then "
                f"`wrangler secret put {name} -c {self.config_path}`"
            )

    def optional_secret(self, name, why, unset):
        """A secret the Worker works without (`unset`: what is missing then); a note, not an error."""
        if self.plain_secret(name, why):
            return
        if self.secrets is None:
            self.notes.append(f"optional secret {name}: {why}; unset, {unset}")
        elif name not in self.secrets:
            self.notes.append(
                f"secret {name} is not set: {unset}. To enable it: `wrangler secret put {name} -c {self.config_path}`"
            )

    def int_range(self, name, low, high, what):
        """An optional integer variable: when set, in low..high, as the Worker parses it."""
        value = self.var(name)
        if value is None or value.strip() == "":
            return
        # The Worker trims the value and parses a u32 (an optional `+`, then digits).
        if not re.fullmatch(r"\+?[0-9]+", value.strip()) or not low <= int(value.strip()) <= high:
            self.errors.append(
                f"{name} must be an integer from {low} to {high} ({what}), not {value!r}: "
                f"fix it in [vars] of {self.config_path}, or pass --var {name}:VALUE"
            )

    def not_local(self):
        if (self.var("OSS_EDGE_ENV") or "production") != "production":
            self.errors.append(
                f"OSS_EDGE_ENV is {self.var('OSS_EDGE_ENV')!r}: production must leave it unset "
                "(`local` enables development-only behaviour)"
            )


def producers(conf):
    return {p.get("binding"): p.get("queue") for p in conf.get("queues", {}).get("producers", [])}


def consumers(conf):
    return conf.get("queues", {}).get("consumers", [])


def need_buckets(c, why, doc):
    """BUCKETS, required: the callback Worker and the reconciler read the same JSON."""
    c.need_var("BUCKETS", why, '[{"name": "examplebucket", "region": "cn-hangzhou"}]')
    buckets = c.var("BUCKETS")
    if buckets is None:
        return
    try:
        entries = json.loads(buckets)
    except ValueError as e:
        c.errors.append(f"BUCKETS is not JSON: {e}")
        return
    if (not isinstance(entries, list) or not entries
            or not all(isinstance(b, dict) and b.get("name") and b.get("region") for b in entries)):
        c.errors.append(
            f'BUCKETS must be a non-empty JSON array of {{"name", "region"[, "endpoint", "versioned"]}} ({doc})'
        )


def check_signer(c, conf):
    c.not_local()
    c.need_var("OSS_BUCKET", "the bucket uploads go to", "examplebucket")
    c.need_var("OSS_REGION", "the bucket's region", "cn-hangzhou")
    c.need_var("CALLBACK_URL", "the callback Worker's URL OSS calls",
               "https://oss-edge-callback.example.workers.dev/oss/callback")
    url = c.var("CALLBACK_URL")
    if url is not None and not url.startswith("https://"):
        c.errors.append(f"CALLBACK_URL {url!r} must be https:// in production (docs/deploy.md, callbackSNI)")
    c.need_secret("OSS_ACCESS_KEY_ID", "the signer's RAM user AccessKey id",
                  "create it for the signer's RAM user (docs/deploy.md, RAM policies)")
    c.need_secret("OSS_ACCESS_KEY_SECRET", "its AccessKey secret", "shown once when the AccessKey is created")
    c.need_secret("TICKET_KEYS", "upload-ticket keys, the same value as the callback Worker's",
                  "docs/deploy.md, TICKET_KEYS")
    modes = [m.strip() for m in (c.var("AUTH_MODE") or "bearer").split(",") if m.strip()]
    if "none" in modes:
        c.errors.append("AUTH_MODE none is refused outside local development: use bearer and/or jwt")
    unknown = [m for m in modes if m not in ("bearer", "jwt", "none")]
    if unknown:
        c.errors.append(f"AUTH_MODE has unknown mechanisms {unknown}: use bearer, jwt or bearer,jwt")
    if "bearer" in modes:
        c.need_secret("AUTH_BEARER_TOKENS", "AUTH_MODE includes bearer: `subject:token,...`",
                      "docs/deploy.md, AUTH_BEARER_TOKENS")
    if "jwt" in modes and c.var("JWT_RS256_PUBLIC_KEYS") is None:
        # Either an RS256 public key (a var) or HS256 secrets.
        c.need_secret("JWT_HS256_SECRETS",
                      "AUTH_MODE includes jwt and no JWT_RS256_PUBLIC_KEYS is set: `kid:secret,...`",
                      "docs/deploy.md, JWT_HS256_SECRETS")


# What the callback Worker read before reconciliation moved to the reconciler Worker.
MOVED_TO_RECONCILER = ["RECONCILE_TOKEN", "RECONCILE_DAYS", "RECONCILE_MAX_SUBREQUESTS", "KEY_TEMPLATE"]


def check_callback(c, conf, crons):
    c.not_local()
    # An upgrade that left reconciliation's settings behind: they would silently do nothing.
    if crons:
        c.errors.append(
            "[triggers] crons is set on the callback Worker, which has no scheduled handler any more "
            "(every run would fail): reconciliation is the reconciler Worker's; move [triggers] to "
            "crates/reconciler/wrangler.toml (docs/deploy.md, \"Upgrading\")"
        )
    for name in MOVED_TO_RECONCILER:
        if c.var(name) is not None or (c.secrets is not None and name in c.secrets):
            c.notes.append(
                f"{name} is set on the callback Worker, which no longer reads it: set it on the reconciler "
                f"Worker (crates/reconciler/wrangler.toml) and remove it here (docs/deploy.md, \"Upgrading\")"
            )
    if producers(conf).get("UPLOAD_EVENTS") is None:
        c.errors.append("no [[queues.producers]] binding UPLOAD_EVENTS: the callback Worker puts every event on it")
    if c.var("TRUSTED_KEYS") is not None:
        c.errors.append("TRUSTED_KEYS is set: extra trusted callback keys are for local development only")
    if c.var("DEV_FAIL_QUEUE") is not None:
        c.errors.append("DEV_FAIL_QUEUE is set: failing queue sends on purpose is for local tests only")
    require_ticket = truthy(c.var("REQUIRE_TICKET"), True)
    confirm = truthy(c.var("CONFIRM_OBJECTS"), True)
    if not require_ticket and not confirm:
        c.errors.append(
            "REQUIRE_TICKET=false with CONFIRM_OBJECTS=false: anyone holding one valid OSS callback "
            "could make up uploads; keep tickets or confirmation on"
        )
    if require_ticket:
        c.need_secret("TICKET_KEYS", "REQUIRE_TICKET is on: the same value as the signer's",
                      "docs/deploy.md, TICKET_KEYS")
    if confirm:
        need_buckets(c, "the buckets the callback Worker confirms objects in (CONFIRM_OBJECTS is on)",
                     "docs/callback-worker.md")
        c.need_secret("CONFIRM_ACCESS_KEY_ID", "the confirmation RAM user's AccessKey id (read-only)",
                      "docs/deploy.md, RAM policies")
        c.need_secret("CONFIRM_ACCESS_KEY_SECRET", "its AccessKey secret", "shown once when the AccessKey is created")


def check_consumer(c, conf, callback_conf):
    c.not_local()
    dbs = {d.get("binding"): d for d in conf.get("d1_databases", [])}
    db = dbs.get("EVENTS_DB")
    if db is None:
        c.errors.append("no [[d1_databases]] binding EVENTS_DB: the consumer stores the events there")
    elif db.get("database_id") in (None, "", PLACEHOLDER_D1_ID):
        message = (f"EVENTS_DB database_id is the placeholder: run `wrangler d1 create "
                   f"{db.get('database_name', 'oss-edge-events')}` and put its id in {c.config_path}")
        if c.secrets is None:
            c.must_exist.append(message)
        else:
            c.errors.append(message)
    if db is not None:
        c.must_exist.append(
            f"D1 database {db.get('database_name')} with its migrations applied "
            f"(`wrangler d1 migrations apply {db.get('database_name')} --remote -c {c.config_path}`)"
        )
    dlq = producers(conf).get("DEAD_LETTERS")
    if dlq is None:
        c.errors.append("no [[queues.producers]] binding DEAD_LETTERS: the dead-letter queue")
    c.need_var("DEAD_LETTER_QUEUE", "the dead-letter queue's name", dlq or "oss-edge-upload-events-dlq")
    if dlq is not None and c.var("DEAD_LETTER_QUEUE") not in (None, dlq):
        c.errors.append(f"DEAD_LETTER_QUEUE is {c.var('DEAD_LETTER_QUEUE')!r} but DEAD_LETTERS sends to {dlq!r}")
    consumed = {q.get("queue"): q for q in consumers(conf)}
    if dlq is not None and dlq not in consumed:
        c.errors.append(f"no [[queues.consumers]] for the dead-letter queue {dlq}: dead letters would never be recorded")
    for name, q in consumed.items():
        if name != dlq and q.get("dead_letter_queue") != dlq:
            c.errors.append(f"consumer of {name} has dead_letter_queue {q.get('dead_letter_queue')!r}, not {dlq!r}")
    # The reconciler's queues are not checked here: its own preflight requires exactly the
    # callback Worker's, so reading the callback's covers both.
    if callback_conf is not None:
        for binding, queue in producers(callback_conf).items():
            if queue not in consumed:
                c.errors.append(
                    f"the callback Worker sends {binding} to queue {queue}, which this consumer does not read"
                )
    for queue in sorted(consumed):
        c.must_exist.append(f"queue {queue} (`wrangler queues create {queue}`)")


def check_reconciler(c, conf, callback_conf, crons):
    # No not_local(): the reconciler reads no OSS_EDGE_ENV and has no development-only routes
    # (main() still refuses [env.local]).
    need_buckets(c, "the buckets a run lists, the callback Worker's value", "docs/reconcile.md")
    c.need_secret("RECONCILE_ACCESS_KEY_ID", "the listing RAM user's AccessKey id (ListObjects and GetObject)",
                  "docs/deploy.md, RAM policies")
    c.need_secret("RECONCILE_ACCESS_KEY_SECRET", "its AccessKey secret", "shown once when the AccessKey is created")
    c.plain_secret("RECONCILE_SECURITY_TOKEN", "the STS token of the listing credentials")
    c.optional_secret("RECONCILE_TOKEN", "the bearer token of POST /v1/reconcile (`oss-edge reconcile`)",
                      "POST /v1/reconcile is disabled (answers 404) and only the Cron Trigger runs reconciliation")
    c.int_range("RECONCILE_DAYS", 1, 31, "the days a run lists, ending today in UTC")
    c.int_range("RECONCILE_MAX_SUBREQUESTS", 3, 10000,
                "subrequests per run: your plan's per-invocation limit minus a few, 45 on Free")
    bound = producers(conf)
    theirs = None
    if callback_conf is not None:
        theirs = {b: q for b, q in producers(callback_conf).items() if b and SHARD_BINDING.fullmatch(b)}
    if bound.get("UPLOAD_EVENTS") is None:
        queue = (theirs or {}).get("UPLOAD_EVENTS", "oss-edge-upload-events")
        c.errors.append(
            "no [[queues.producers]] binding UPLOAD_EVENTS: the reconciler puts every event on it; add "
            f"binding = \"UPLOAD_EVENTS\", queue = \"{queue}\" (the callback Worker's queue) to {c.config_path}"
        )
    if theirs is not None:
        # Events must go where a callback's go: the same shard bindings to the same queues, so
        # the consumer reads them and an id lands on the same shard from either Worker.
        for binding, queue in sorted(theirs.items()):
            if binding not in bound:
                if binding == "UPLOAD_EVENTS":
                    continue  # refused above
                c.errors.append(
                    f"the callback Worker binds {binding} to queue {queue}, this Worker does not: add "
                    f"[[queues.producers]] binding = \"{binding}\", queue = \"{queue}\" to {c.config_path}"
                )
            elif bound[binding] != queue:
                c.errors.append(
                    f"{binding} sends to queue {bound[binding]}, the callback Worker's to {queue}: "
                    f"the reconciler's events must go where a callback's go; set queue = \"{queue}\" "
                    f"in {c.config_path}"
                )
        for binding, queue in sorted(bound.items()):
            if binding not in theirs:
                c.errors.append(
                    f"{binding} sends to queue {queue}, which the callback Worker has no binding for: "
                    f"bind the same UPLOAD_EVENTS, UPLOAD_EVENTS_1, … as the callback Worker, nothing "
                    f"else (remove it from {c.config_path}, or bind it on the callback Worker too)"
                )
    if not crons:
        message = (f"no [triggers] crons in {c.config_path}: nothing reconciles on a schedule, only "
                   "`oss-edge reconcile` (with RECONCILE_TOKEN) runs it")
        if c.secrets is not None and "RECONCILE_TOKEN" not in c.secrets:
            # Neither a schedule nor the endpoint: the deployed Worker could never run.
            c.errors.append(message + "; and RECONCILE_TOKEN is not set either, so it would never run: "
                            'add crons = ["17 * * * *"] under [triggers], or put RECONCILE_TOKEN')
        else:
            c.notes.append(message)


def crons_of(config, env):
    """The Cron Triggers wrangler deploys: unlike vars and bindings, `triggers` is inherited."""
    triggers = section(config, env).get("triggers")
    if triggers is None:
        triggers = config.get("triggers", {})
    return triggers.get("crons", [])


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("worker", choices=sorted(KNOWN_SECRETS))
    ap.add_argument("config")
    ap.add_argument("--env")
    ap.add_argument("--var", action="append", default=[])
    ap.add_argument("--secrets", help="JSON of `wrangler secret list` (real deploys)")
    ap.add_argument("--callback-config", help="the callback Worker's wrangler.toml (consumer and reconciler checks)")
    ap.add_argument("--list-secrets", action="store_true", help="print the Worker's secret names and stop")
    args = ap.parse_args()
    if args.list_secrets:
        print("\n".join(KNOWN_SECRETS[args.worker]))
        return 0

    if args.env == "local":
        raise SystemExit("preflight: [env.local] is local development only; never deploy it")
    with open(args.config, "rb") as f:
        raw = tomllib.load(f)
    conf = section(raw, args.env)
    vars_ = {k: str(v) for k, v in conf.get("vars", {}).items()}
    for item in args.var:
        name, sep, value = item.partition(":")
        if not sep:
            raise SystemExit(f"preflight: --var {item}: expected NAME:VALUE")
        vars_[name] = value
    secrets = None
    if args.secrets is not None:
        with open(args.secrets) as f:
            secrets = {s["name"] for s in json.load(f)}
    checks = Checks(args.worker, args.config, vars_, secrets)
    if args.worker == "signer":
        check_signer(checks, conf)
    elif args.worker == "callback":
        check_callback(checks, conf, crons_of(raw, args.env))
    else:
        callback_conf = None
        if args.callback_config:
            with open(args.callback_config, "rb") as f:
                callback_conf = section(tomllib.load(f), args.env)
        if args.worker == "reconciler":
            check_reconciler(checks, conf, callback_conf, crons_of(raw, args.env))
        else:
            check_consumer(checks, conf, callback_conf)

    for line in checks.must_exist:
        print(f"  must exist before a real deploy: {line}", file=sys.stderr)
    for line in checks.notes:
        print(f"  note: {line}", file=sys.stderr)
    for line in checks.errors:
        print(f"  missing or wrong: {line}", file=sys.stderr)
    if checks.errors:
        print(f"preflight: {args.worker}: {len(checks.errors)} problem(s); nothing was uploaded", file=sys.stderr)
        return 1
    print(f"preflight: {args.worker}: configuration complete", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
