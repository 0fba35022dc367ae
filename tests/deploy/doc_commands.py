#!/usr/bin/env python3
"""Every deploy command in the docs works from where the docs run it (run by tests/deploy/run).

Reads the shell code blocks of docs/*.md and README.md. Commands run from the repository root
unless the block changes directory first (`cd crates/signer` on its own line). Then:

- `wrangler deploy ...` runs with `--dry-run --outdir DIR` added: it must build and bundle;
- `scripts/deploy ...` runs with `--dry-run` and the example variables given after `--`;
- commands that need a Cloudflare account are checked against the configuration instead: a
  `-c`/`--config` file must exist from that directory, `wrangler queues create NAME` must name a
  queue the configurations use, `wrangler d1 ... NAME` the consumer's database, and
  `wrangler secret put NAME` a secret that Worker reads (scripts/deploy.d/preflight.py).

Prints `ok ...` / `FAIL ...` per command; exits 1 on any failure.

    doc_commands.py --outdir DIR -- [scripts/deploy --var ARGS...]
"""
import argparse
import glob
import os
import re
import shlex
import subprocess
import sys
import tomllib

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SHELL_LANGS = {"sh", "bash", "shell", "console", ""}


def code_blocks(path):
    """(line number, text) of each logical line in the file's shell code blocks, with `cd`s."""
    lines = open(path, encoding="utf-8").read().split("\n")
    in_block, lang, pending, start = False, "", "", 0
    for number, line in enumerate(lines, 1):
        fence = re.match(r"^\s*```(\S*)", line)
        if fence:
            if not in_block:
                in_block, lang = True, fence.group(1).lower()
                yield number, None  # a new block: back to the root
            else:
                in_block = False
            continue
        if not in_block or lang not in SHELL_LANGS:
            continue
        text = line.strip()
        if text.startswith("$ "):
            text = text[2:]
        if pending:
            text = pending + " " + text
        else:
            start = number
        if text.endswith("\\"):
            pending = text[:-1].rstrip()
            continue
        pending = ""
        yield start, text


def commands(text):
    """The simple commands of a shell line (split at `|`, `&&`, `||`, `;`), as word lists."""
    try:
        lexer = shlex.shlex(text, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        lexer.commenters = "#"
        tokens = list(lexer)
    except ValueError:
        return []
    out, current = [], []
    for token in tokens:
        if token in ("|", "&&", "||", ";", "&"):
            out.append(current)
            current = []
        else:
            current.append(token)
    out.append(current)
    result = []
    for parts in out:
        # `A=b cmd` prefixes: drop leading assignments.
        while parts and re.match(r"^[A-Z_][A-Z0-9_]*=", parts[0]):
            parts.pop(0)
        if parts:
            result.append(parts)
    return result


# Each Worker's configuration, relative to the root (scripts/deploy's config_of).
CONFIGS = {"callback": "wrangler.toml", "signer": "crates/signer/wrangler.toml",
           "consumer": "crates/consumer/wrangler.toml", "reconciler": "crates/reconciler/wrangler.toml"}


def configs():
    found = {}
    for worker, rel in CONFIGS.items():
        with open(os.path.join(ROOT, rel), "rb") as f:
            found[worker] = (rel, tomllib.load(f))
    return found


def top_level_queues(conf):
    q = conf.get("queues", {})
    names = {p["queue"] for p in q.get("producers", [])}
    for c in q.get("consumers", []):
        names.add(c["queue"])
        if c.get("dead_letter_queue"):
            names.add(c["dead_letter_queue"])
    return names


def option(parts, *names):
    for i, p in enumerate(parts):
        for n in names:
            if p == n and i + 1 < len(parts):
                return parts[i + 1]
            if p.startswith(n + "="):
                return p.split("=", 1)[1]
    return None


def worker_of(config_abs):
    rel = os.path.relpath(config_abs, ROOT)
    return {config: worker for worker, config in CONFIGS.items()}.get(rel)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--outdir", required=True)
    ap.add_argument("deploy_vars", nargs="*")
    args = ap.parse_args()
    confs = configs()
    queues = set()
    for _, conf in confs.values():
        queues |= top_level_queues(conf)
    databases = {d["database_name"] for d in confs["consumer"][1].get("d1_databases", [])}
    known_secrets = {}
    for worker, (rel, _) in confs.items():
        out = subprocess.run([sys.executable, os.path.join(ROOT, "scripts/deploy.d/preflight.py"),
                              worker, rel, "--list-secrets"], cwd=ROOT, capture_output=True, text=True)
        known_secrets[worker] = set(out.stdout.split())
    state = {"failures": 0, "runs": 0}

    def report(ok, where, what, detail=""):
        print(f"{'ok  ' if ok else 'FAIL'} {where}: {what}")
        if not ok:
            state["failures"] += 1
            for line in detail.strip().splitlines()[-25:]:
                print(f"      {line}")

    def run(cmd, cwd):
        state["runs"] += 1
        return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)

    def check(parts, text, where, cwd):
        """Checks or runs one documented command; returns the directory after it."""
        if parts[0] == "cd" and len(parts) == 2:
            target = os.path.normpath(os.path.join(cwd, parts[1]))
            if not os.path.isdir(target):
                report(False, where, f"cd {parts[1]}: no such directory")
                return cwd
            return target
        if parts[0] == "wrangler" and len(parts) > 1:
            config = option(parts, "-c", "--config")
            config_abs = os.path.normpath(os.path.join(cwd, config)) if config else os.path.join(cwd, "wrangler.toml")
            if config and not os.path.isfile(config_abs):
                report(False, where, f"{text}: {config} does not exist from there")
                return cwd
            sub = parts[1:3]
            if sub[:1] == ["deploy"]:
                outdir = os.path.join(args.outdir, f"run-{state['runs'] + 1}")
                cmd = parts + (["--dry-run"] if "--dry-run" not in parts else []) + ["--outdir", outdir]
                result = run(cmd, cwd)
                ok = result.returncode == 0 and os.path.isfile(os.path.join(outdir, "index.js"))
                report(ok, where, f"{' '.join(parts)} (run as a dry run)", result.stdout + result.stderr)
            elif sub == ["queues", "create"] and len(parts) > 3:
                ok = parts[3] in queues
                report(ok, where, f"queue {parts[3]} is {'' if ok else 'NOT '}one the configurations use")
            elif sub[:1] == ["d1"] and len(parts) > 3 and parts[2] in ("create", "migrations", "execute"):
                name = parts[4] if parts[2] == "migrations" and len(parts) > 4 else parts[3]
                ok = name in databases
                report(ok, where, f"database {name} is {'' if ok else 'NOT '}the consumer's")
            elif sub == ["secret", "put"] and len(parts) > 3:
                worker = worker_of(config_abs)
                ok = worker is not None and parts[3] in known_secrets[worker]
                report(ok, where, f"{parts[3]} is {'' if ok else 'NOT '}a secret the {worker or '?'} Worker reads")
            return cwd
        if os.path.basename(parts[0]) == "deploy" and "scripts" in parts[0]:
            script = os.path.normpath(os.path.join(cwd, parts[0]))
            if not os.path.isfile(script):
                report(False, where, f"{parts[0]} does not exist from there")
                return cwd
            if "--help" in parts or "-h" in parts:
                cmd = [script, "--help"]
            else:
                cmd = [script] + [p for p in parts[1:] if p != "--dry-run"] + [
                    "--dry-run", "--outdir", os.path.join(args.outdir, f"run-{state['runs'] + 1}")] + args.deploy_vars
            result = run(cmd, cwd)
            report(result.returncode == 0, where, f"{' '.join(parts)} (run as a dry run)", result.stdout + result.stderr)
        return cwd

    files = sorted(glob.glob(os.path.join(ROOT, "docs", "*.md"))) + [os.path.join(ROOT, "README.md")]
    for path in files:
        rel_doc = os.path.relpath(path, ROOT)
        cwd = ROOT
        for number, text in code_blocks(path):
            if text is None:
                cwd = ROOT
                continue
            for parts in commands(text):
                where = f"{rel_doc}:{number} (in {os.path.relpath(cwd, ROOT)})"
                cwd = check(parts, text, where, cwd)
    print(f"documented deploy commands: {state['runs']} run as dry runs, {state['failures']} failed")
    return 1 if state["failures"] else 0


if __name__ == "__main__":
    sys.exit(main())
