"""Differential test: oss-edge signing vs the official OSS SDKs (spec §8).

Generates many presign and PostObject cases (keys with spaces, unicode, `+`, `%`, `~`, `/`;
several regions, dates and expiries; with and without callbacks; with and without an STS
token), signs each with our `oss-edge sign-batch` and with PyPI `oss2`, PyPI
`alibabacloud-oss-v2` and npm `ali-oss` under a frozen clock, and asserts byte equality.

A second case group covers the confirmation requests of the callback Worker: HeadObject and
ListObjectsV2 signed with V4 header authorisation by `oss-edge confirm-batch`, compared with the
requests `oss2` and `alibabacloud-oss-v2` build and sign themselves (their own HTTP layer
replaced by one that captures the request instead of sending it).

Usage: python differential.py OSS_EDGE_BINARY [--cases N] [--seed S]
Prints one line per mismatch and a final `N passed, M failed`; exits 1 on any mismatch.
"""

import argparse
import base64
import datetime
import json
import os
import random
import subprocess
import sys
import types
import urllib.parse
from unittest import mock

import oss2
import oss2.auth
import alibabacloud_oss_v2 as oss_v2
from alibabacloud_oss_v2.signer import SignerV1, SignerV4
from alibabacloud_oss_v2.types import HttpRequest, SigningContext
from alibabacloud_oss_v2.credentials import StaticCredentialsProvider

HERE = os.path.dirname(os.path.abspath(__file__))
ACCESS_KEY_ID = "LTAI5tDifferentialAk"
ACCESS_KEY_SECRET = "differential/secret+key=="
STS_TOKEN = "CAIS+sts/token=with%odd&chars"
REGIONS = ["cn-hangzhou", "cn-shanghai", "cn-beijing", "ap-southeast-1", "us-west-1", "eu-central-1"]
KEY_PIECES = ["dir/", "a b", "é", "中文", "🙂", "+", "%", "%20", "~", "=", "&", "#", "?", "'", "(x)",
              "!", "*", ";", ",", "$", "@", ":", "-_.", "UPPER", "0", "x" * 40, "/sub/"]
CONTENT_TYPES = [None, "text/plain", "image/jpeg", "application/octet-stream", "text/html; charset=utf-8"]


def b64json(value):
    return base64.b64encode(json.dumps(value, separators=(",", ":")).encode()).decode()


def make_key(rng):
    key = "".join(rng.choice(KEY_PIECES) for _ in range(rng.randint(1, 6)))
    # SDKs refuse keys that are blank or start with '/' or '?'; OSS keys cannot start with '/'.
    key = key.lstrip("/?") or "k"
    return key if key.strip() else "k"


def make_callback(rng):
    if rng.random() < 0.3:
        return None, None
    callback = b64json({
        "callbackUrl": f"https://cb.example.com/oss?t={rng.randint(0, 10**9)}",
        "callbackBody": "bucket=${bucket}&object=${object}&uid=${x:uid}",
        "callbackBodyType": "application/x-www-form-urlencoded",
    })
    var = b64json({"x:uid": str(rng.randint(0, 10**6))}) if rng.random() < 0.7 else None
    return callback, var


def generate_presign_cases(rng, count):
    cases = []
    for i in range(count):
        callback, var = make_callback(rng)
        headers = []
        content_type = rng.choice(CONTENT_TYPES)
        if content_type:
            headers.append(("Content-Type", content_type))
        if rng.random() < 0.3:
            headers.append(("x-oss-meta-owner", f"user {rng.randint(0, 99)}"))
        query = []
        if callback:
            query.append(("callback", callback))
            if var:
                query.append(("callback-var", var))
        cases.append({
            "id": i,
            "method": rng.choice(["PUT", "PUT", "GET", "POST"]),
            "bucket": rng.choice(["examplebucket", "my-bucket-01", "b-x"]),
            "key": make_key(rng),
            "region": rng.choice(REGIONS),
            "epoch": rng.randint(1_577_836_800, 1_893_456_000),  # 2020..2030
            "expires": rng.choice([1, 60, 900, 3600, 86_400, 604_800, rng.randint(1, 604_800)]),
            "headers": headers,
            "query": query,
        })
    return cases


def generate_post_cases(rng, count):
    cases = []
    for i in range(count):
        epoch = rng.randint(1_577_836_800, 1_893_456_000)
        region = rng.choice(REGIONS)
        day = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc)
        conditions = [{"bucket": "examplebucket"}, ["starts-with", "$key", make_key(rng)],
                      ["content-length-range", 0, rng.randint(1, 10**10)]]
        callback, _ = make_callback(rng)
        if callback:
            conditions.append({"callback": callback})
        conditions.append({"x-oss-date": day.strftime("%Y%m%dT%H%M%SZ")})
        policy = {"expiration": (day + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
                  "conditions": conditions}
        cases.append({"id": i, "epoch": epoch, "region": region,
                      "policy": json.dumps(policy, separators=(",", ":"), ensure_ascii=False)})
    return cases


def oss_date(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")


def run_jsonl(command, lines, env):
    payload = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    done = subprocess.run(command, input=payload.encode(), capture_output=True, env=env, check=False)
    if done.returncode != 0:
        sys.exit(f"{command[0]} failed ({done.returncode}): {done.stderr.decode(errors='replace')}")
    answers = [json.loads(line) for line in done.stdout.decode().splitlines() if line.strip()]
    if len(answers) != len(lines):
        sys.exit(f"{command[0]} answered {len(answers)} of {len(lines)} lines")
    return answers


def env_for(token):
    env = dict(os.environ, OSS_ACCESS_KEY_ID=ACCESS_KEY_ID, OSS_ACCESS_KEY_SECRET=ACCESS_KEY_SECRET)
    env.pop("OSS_SESSION_TOKEN", None)
    if token:
        env["OSS_SESSION_TOKEN"] = token
    return env


def ours(binary, presign_cases, post_cases, token):
    lines = []
    for version in ("v4", "v1"):
        for c in presign_cases:
            lines.append({"op": "presign", "version": version, "method": c["method"], "bucket": c["bucket"],
                          "key": c["key"], "region": c["region"], "date": oss_date(c["epoch"]),
                          "expires": c["expires"], "query": c["query"], "headers": c["headers"]})
    for version in ("v4", "v1"):
        for c in post_cases:
            lines.append({"op": "sign-post", "version": version, "region": c["region"],
                          "date": oss_date(c["epoch"]), "policy": c["policy"]})
    answers = run_jsonl([binary, "sign-batch"], lines, env_for(token))
    n = len(presign_cases)
    m = len(post_cases)
    return {"presign-v4": answers[:n], "presign-v1": answers[n:2 * n],
            "post-v4": answers[2 * n:2 * n + m], "post-v1": answers[2 * n + m:]}


def query_value(url, name):
    values = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query, keep_blank_values=True).get(name)
    return values[0] if values else None


class FrozenDatetime(datetime.datetime):
    frozen = None

    @classmethod
    def utcnow(cls):
        return cls.frozen


def oss2_presign(c, version, token):
    endpoint = f"https://oss-{c['region']}.aliyuncs.com"
    if version == "v4":
        auth = oss2.StsAuth(ACCESS_KEY_ID, ACCESS_KEY_SECRET, token, auth_version="v4") if token \
            else oss2.AuthV4(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
        bucket = oss2.Bucket(auth, endpoint, c["bucket"], region=c["region"])
        FrozenDatetime.frozen = datetime.datetime.fromtimestamp(c["epoch"], datetime.timezone.utc).replace(tzinfo=None)
        with mock.patch("oss2.auth.datetime", FrozenDatetime):
            return bucket.sign_url(c["method"], c["key"], c["expires"], headers=dict(c["headers"]),
                                   params=dict(c["query"]), slash_safe=True)
    auth = oss2.StsAuth(ACCESS_KEY_ID, ACCESS_KEY_SECRET, token) if token else oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    bucket = oss2.Bucket(auth, endpoint, c["bucket"])
    with mock.patch("oss2.auth.time.time", return_value=c["epoch"]):
        return bucket.sign_url(c["method"], c["key"], c["expires"], headers=dict(c["headers"]),
                               params=dict(c["query"]), slash_safe=True)


def v2_presign_signature(c, version, token):
    query = "&".join(f"{urllib.parse.quote(k, safe='')}={urllib.parse.quote(v, safe='')}" for k, v in c["query"])
    url = f"https://{c['bucket']}.oss-{c['region']}.aliyuncs.com/{urllib.parse.quote(c['key'], safe='/')}"
    if query:
        url += "?" + query
    request = HttpRequest(c["method"], url)
    for name, value in c["headers"]:
        request.headers[name] = value
    signing_time = datetime.datetime.fromtimestamp(c["epoch"], datetime.timezone.utc)
    ctx = SigningContext(bucket=c["bucket"], key=c["key"], request=request,
                         credentials=StaticCredentialsProvider(ACCESS_KEY_ID, ACCESS_KEY_SECRET, token).get_credentials(),
                         product="oss", region=c["region"], signing_time=signing_time)
    ctx.auth_method_query = True
    ctx.expiration_time = signing_time + datetime.timedelta(seconds=c["expires"])
    (SignerV4() if version == "v4" else SignerV1()).sign(ctx)
    name = "x-oss-signature" if version == "v4" else "Signature"
    return query_value(request.url, name)


def node_cases(presign_cases, post_cases):
    lines = []
    for c in presign_cases:
        headers = {k.lower(): v for k, v in c["headers"]}
        lines.append({"id": f"v4-{c['id']}", "op": "presign-v4", "bucket": c["bucket"], "key": c["key"],
                      "region": c["region"], "method": c["method"], "epoch": c["epoch"], "expires": c["expires"],
                      "headers": headers, "queries": dict(c["query"])})
        lines.append({"id": f"v1-{c['id']}", "op": "presign-v1", "bucket": c["bucket"], "key": c["key"],
                      "method": c["method"], "expires_at": c["epoch"] + c["expires"], "headers": headers,
                      "queries": dict(c["query"])})
    for c in post_cases:
        lines.append({"id": f"post-v4-{c['id']}", "op": "post-v4", "region": c["region"], "epoch": c["epoch"],
                      "policy": c["policy"]})
        lines.append({"id": f"post-v1-{c['id']}", "op": "post-v1", "policy": c["policy"]})
    return lines


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, label, ours_value, theirs_value, context):
        if ours_value is not None and ours_value == theirs_value:
            self.passed += 1
            return
        self.failed += 1
        if self.failed <= 20:
            print(f"MISMATCH {label}: ours={ours_value!r} theirs={theirs_value!r} case={json.dumps(context, ensure_ascii=False)}")


def run_round(binary, presign_cases, post_cases, token, tally):
    mine = ours(binary, presign_cases, post_cases, token)
    node = {a["id"]: a for a in run_jsonl(["node", os.path.join(HERE, "ali_oss_oracle.js")],
                                          node_cases(presign_cases, post_cases), env_for(token))}
    tag = "sts" if token else "ak"
    for version in ("v4", "v1"):
        sig_name = "x-oss-signature" if version == "v4" else "Signature"
        for c, answer in zip(presign_cases, mine[f"presign-{version}"]):
            url = answer.get("url")
            if url is None:
                tally.check(f"{tag} presign-{version} ours errored", answer.get("error"), "a URL", c)
                continue
            ours_sig = query_value(url, sig_name)
            tally.check(f"{tag} presign-{version} url vs oss2", url, oss2_presign(c, version, token), c)
            tally.check(f"{tag} presign-{version} signature vs alibabacloud-oss-v2", ours_sig,
                        v2_presign_signature(c, version, token), c)
            tally.check(f"{tag} presign-{version} signature vs ali-oss", ours_sig,
                        node[f"{version}-{c['id']}"].get("signature"), c)
            tally.check(f"{tag} presign-{version} headers", answer.get("headers"), dict(c["headers"]), c)
    for version in ("v4", "v1"):
        for c, answer in zip(post_cases, mine[f"post-{version}"]):
            theirs = node[f"post-{version}-{c['id']}"]
            tally.check(f"{tag} post-{version} policy vs ali-oss", answer.get("policy"), theirs.get("policy"), c)
            tally.check(f"{tag} post-{version} signature vs ali-oss", answer.get("signature"),
                        theirs.get("signature"), c)


# --- Confirmation: HeadObject / ListObjectsV2 with V4 header authorisation (core-confirm) ---

CONFIRM_BUCKETS = ["examplebucket", "my-bucket-01", "b-x"]


def generate_confirm_cases(rng, count):
    cases = []
    for i in range(count):
        op = "head" if i % 3 else "list"
        case = {"id": i, "op": op, "bucket": rng.choice(CONFIRM_BUCKETS), "region": rng.choice(REGIONS),
                "epoch": rng.randint(1_577_836_800, 1_893_456_000)}
        if op == "head":
            case["key"] = make_key(rng)
        else:
            case["prefix"] = "" if rng.random() < 0.2 else make_key(rng)
            case["continuation"] = None if rng.random() < 0.4 else \
                base64.b64encode(make_key(rng).encode()).decode()
            case["max_keys"] = rng.choice([1, 100, 1000, rng.randint(1, 1000)])
        cases.append(case)
    return cases


def confirm_ours(binary, cases, token):
    lines = []
    for c in cases:
        line = {"op": c["op"], "bucket": c["bucket"], "region": c["region"], "date": oss_date(c["epoch"])}
        if c["op"] == "head":
            line["key"] = c["key"]
        else:
            line.update(prefix=c["prefix"], max_keys=c["max_keys"])
            if c["continuation"] is not None:
                line["continuation"] = c["continuation"]
        lines.append(line)
    return run_jsonl([binary, "confirm-batch"], lines, env_for(token))


def confirm_query(c):
    """The ListObjectsV2 parameters our request carries (the SDKs are given the same)."""
    params = {"list-type": "2", "max-keys": str(c["max_keys"]), "encoding-type": "url"}
    if c["prefix"]:
        params["prefix"] = c["prefix"]
    if c["continuation"] is not None:
        params["continuation-token"] = c["continuation"]
    return params


class _Captured(Exception):
    pass


class _CapturingSession:
    """Stands in for oss2's HTTP session: keeps the signed request, sends nothing."""

    def __init__(self):
        self.request = None

    def do_request(self, req, timeout):
        self.request = req
        raise _Captured()


def confirm_oss2(c, token):
    auth = oss2.StsAuth(ACCESS_KEY_ID, ACCESS_KEY_SECRET, token, auth_version="v4") if token \
        else oss2.AuthV4(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    session = _CapturingSession()
    bucket = oss2.Bucket(auth, f"https://oss-{c['region']}.aliyuncs.com", c["bucket"], region=c["region"],
                         session=session)
    FrozenDatetime.frozen = datetime.datetime.fromtimestamp(c["epoch"], datetime.timezone.utc).replace(tzinfo=None)
    with mock.patch("oss2.auth.datetime", FrozenDatetime):
        try:
            if c["op"] == "head":
                bucket.head_object(c["key"])
            else:
                # The bucket-level request oss2's list_objects_v2 makes, with exactly our parameters.
                bucket._do("GET", c["bucket"], "", params=confirm_query(c))
        except _Captured:
            pass
    req = session.request
    return {"url": req.url, "params": dict(req.params), "headers": {k.lower(): v for k, v in req.headers.items()}}


class _CapturingHttpClient(oss_v2.HttpClient):
    """Stands in for alibabacloud-oss-v2's transport: keeps the signed request, sends nothing."""

    def __init__(self):
        self.request = None

    def send(self, request, **kwargs):
        self.request = request
        raise _Captured()

    def open(self):
        pass

    def close(self):
        pass


class _FrozenAware(datetime.datetime):
    frozen = None

    @classmethod
    def now(cls, tz=None):
        return cls.frozen


def confirm_v2(c, token):
    transport = _CapturingHttpClient()
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = StaticCredentialsProvider(ACCESS_KEY_ID, ACCESS_KEY_SECRET, token)
    cfg.region = c["region"]
    cfg.http_client = transport
    cfg.retry_max_attempts = 1
    client = oss_v2.Client(cfg)
    _FrozenAware.frozen = datetime.datetime.fromtimestamp(c["epoch"], datetime.timezone.utc)
    frozen_module = types.SimpleNamespace(datetime=_FrozenAware, timezone=datetime.timezone,
                                          timedelta=datetime.timedelta)
    with mock.patch("alibabacloud_oss_v2.signer.v4.datetime", frozen_module):
        try:
            if c["op"] == "head":
                client.head_object(oss_v2.models.HeadObjectRequest(bucket=c["bucket"], key=c["key"]))
            else:
                client.list_objects_v2(oss_v2.models.ListObjectsV2Request(
                    bucket=c["bucket"], prefix=c["prefix"] or None, max_keys=c["max_keys"],
                    continuation_token=c["continuation"], encoding_type="url"))
        except Exception:  # the capture ends the call; the SDK may wrap it
            pass
    req = transport.request
    if req is None:
        return None
    return {"url": req.url, "headers": {k.lower(): v for k, v in req.headers.items()}}


def confirm_v2_signed(url, c, token):
    """alibabacloud-oss-v2's SignerV4 header authorisation of exactly our ListObjectsV2 request.

    (Its `list_objects_v2` operation also adds `Content-Type` and the empty body's `Content-MD5`,
    which are signed headers; the operation-level request is compared for its URL and query.)
    """
    request = HttpRequest("GET", url)
    ctx = SigningContext(bucket=c["bucket"], key=None, request=request,
                         credentials=StaticCredentialsProvider(ACCESS_KEY_ID, ACCESS_KEY_SECRET, token).get_credentials(),
                         product="oss", region=c["region"],
                         signing_time=datetime.datetime.fromtimestamp(c["epoch"], datetime.timezone.utc))
    ctx.auth_method_query = False
    SignerV4().sign(ctx)
    return request.headers.get("Authorization")


def _split_url(url):
    parts = urllib.parse.urlsplit(url)
    query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    return parts.scheme, parts.netloc, parts.path, query


def _signature(authorization):
    """The Authorization value without the separator style (oss2 writes ", ", the others ",")."""
    return authorization.replace(", ", ",") if authorization else authorization


def run_confirm_round(binary, cases, token, tally):
    tag = "sts" if token else "ak"
    for c, answer in zip(cases, confirm_ours(binary, cases, token)):
        label = f"{tag} confirm-{c['op']}"
        if "error" in answer:
            tally.check(f"{label} ours errored", answer.get("error"), "a request", c)
            continue
        method = "HEAD" if c["op"] == "head" else "GET"
        tally.check(f"{label} method", answer["method"], method, c)
        ours_headers = answer["headers"]
        v2 = confirm_v2(c, token)
        v2_authorization = v2 and v2["headers"].get("authorization")
        if c["op"] == "list":
            v2_authorization = confirm_v2_signed(answer["url"], c, token)
        tally.check(f"{label} authorization vs alibabacloud-oss-v2", ours_headers.get("authorization"),
                    v2_authorization, c)
        o2 = confirm_oss2(c, token)
        tally.check(f"{label} authorization vs oss2", _signature(ours_headers.get("authorization")),
                    _signature(o2["headers"].get("authorization")), c)
        for name in ("x-oss-date", "x-oss-content-sha256", "x-oss-security-token"):
            tally.check(f"{label} {name} vs oss2", ours_headers.get(name, "<absent>"),
                        o2["headers"].get(name, "<absent>"), c)
        scheme, host, path, query = _split_url(answer["url"])
        o2_scheme, o2_host, o2_path, _ = _split_url(o2["url"])
        # oss2 writes '/' in a key as %2F, we and alibabacloud-oss-v2 keep it: the same resource.
        tally.check(f"{label} url vs oss2", (scheme, host, urllib.parse.unquote(path)),
                    (o2_scheme, o2_host, urllib.parse.unquote(o2_path)), c)
        if v2 is not None:
            tally.check(f"{label} url vs alibabacloud-oss-v2", (scheme, host, path), _split_url(v2["url"])[:3], c)
        if c["op"] == "list":
            tally.check(f"{label} query", query, confirm_query(c), c)
            if v2 is not None:
                tally.check(f"{label} query vs alibabacloud-oss-v2", query, _split_url(v2["url"])[3], c)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("binary", help="path to the oss-edge binary")
    parser.add_argument("--cases", type=int, default=300, help="presign cases per credential kind")
    parser.add_argument("--seed", type=int, default=20231114)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    tally = Tally()
    for token in (None, STS_TOKEN):
        presign_cases = generate_presign_cases(rng, args.cases)
        post_cases = generate_post_cases(rng, max(1, args.cases // 3))
        run_round(args.binary, presign_cases, post_cases, token, tally)
        run_confirm_round(args.binary, generate_confirm_cases(rng, max(3, args.cases // 3)), token, tally)
    print(f"differential: {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
