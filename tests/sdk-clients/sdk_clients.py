"""The pinned official SDKs (PyPI oss2 2.19.1, PyPI alibabacloud-oss-v2 1.4.1, npm ali-oss 6.23.0)
upload to the WHOLE local stack with a signer grant's callback (issue 14): tests/sdk-clients/run
starts `scripts/dev --background --instance sdk-clients` (oss-sim, the callback Worker with its
Queue and the consumer, the signer) and runs this file.

For each SDK, each header signature (V1, V4) and each mode (put, multipart):
1. the app asks the signer for a grant (`POST /v1/grants`, bearer token);
2. the SDK uploads with its ordinary API to the grant's `key`, sending the grant's
   `content_type` and the grant's callback (`callback.parameter`, the Base64 `x-oss-callback`),
   header-signed by the SDK with the development AccessKey the signer holds; so oss-sim calls the
   real callback Worker, which checks the ticket in the callback URL, confirms the object with a
   HeadObject, queues the event and answers `{"status":"ok","id":…,"object":…}`;
3. the reply as the SDK parsed it (oss2: the response body; alibabacloud-oss-v2:
   `callback_result`; ali-oss: `result.data`) must be exactly that JSON, with `id` recomputed
   here from the SDK's own HeadObject (docs/events.md's formula, an independent oracle) and
   `object` the grant's key;
4. exactly one event for the key must reach the consumer (`GET /__dev/rows`: one row, one
   delivery), with that id, `source: callback`, `confirmed`, the size, ETag, subject and grant id.

Negative case per SDK and signature: the grant's callback on an upload to ANOTHER key. The
ticket binds the key, so the callback Worker refuses it, the SDK receives OSS's `203
CallbackFailed` and no event exists for that key.

Usage: python sdk_clients.py   (environment: SDK_SIGNER_URL, SDK_SIM_URL, SDK_CALLBACK_URL,
SDK_TOKEN, SDK_ACCESS_KEY_ID, SDK_ACCESS_KEY_SECRET, SDK_BUCKET, SDK_REGION, SDK_NODE; set by run)
Prints one line per failed check and `sdk-clients (local stack): N passed, M failed`.
"""

import hashlib
import json
import os
import struct
import subprocess
import sys
import time
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
from tally import Tally  # noqa: E402  (tests/support/tally.py)

import oss2
import alibabacloud_oss_v2 as oss_v2

HERE = os.path.dirname(os.path.abspath(__file__))
ENV = os.environ
SIGNER = ENV["SDK_SIGNER_URL"]
SIM = ENV["SDK_SIM_URL"]
CALLBACK = ENV["SDK_CALLBACK_URL"]
TOKEN = ENV["SDK_TOKEN"]
SUBJECT = ENV.get("SDK_SUBJECT", "dev")
ACCESS_KEY_ID = ENV["SDK_ACCESS_KEY_ID"]
ACCESS_KEY_SECRET = ENV["SDK_ACCESS_KEY_SECRET"]
BUCKET = ENV["SDK_BUCKET"]
REGION = ENV["SDK_REGION"]
NODE = ENV.get("SDK_NODE", "node")
# The sim's smallest non-last part is 100 KB (as OSS); 2.5 parts make a 3-part upload.
PART_SIZE = 100 * 1024
EVENT_WAIT_SECONDS = 15


def png_like(size, seed):
    """Bytes starting with the PNG signature (the grants are for image/png); distinct per upload
    so that no two uploads share an ETag, hence an event id."""
    body = bytes((i * 7 + seed) % 251 for i in range(size - 8))
    return b"\x89PNG\r\n\x1a\n" + body


def event_id(bucket, key, etag, version_id=""):
    """docs/events.md: sha256 over each field's byte length (u64 big-endian) and UTF-8 bytes."""
    etag = etag.strip().strip('"').upper()
    data = b""
    for field in (bucket, key, etag, version_id):
        raw = field.encode()
        data += struct.pack(">Q", len(raw)) + raw
    return "sha256:" + hashlib.sha256(data).hexdigest()


def ask_grant(body):
    request = urllib.request.Request(
        f"{SIGNER}/v1/grants", method="POST", data=json.dumps(body).encode(),
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def grant(mode, size):
    return ask_grant({"filename": "photo.png", "content_type": "image/png", "size": size, "mode": mode})


def rows():
    with urllib.request.urlopen(f"{CALLBACK}/__dev/rows?limit=0", timeout=30) as response:
        return json.load(response)


def deliveries_for(key):
    """(rows stored for `key`, total deliveries) as the consumer recorded them."""
    found = [r for r in rows() if r.get("key") == key]
    return found, sum(r.get("deliveries", 0) for r in found)


def wait_for_event(key):
    until = time.monotonic() + EVENT_WAIT_SECONDS
    while True:
        found, _ = deliveries_for(key)
        if found or time.monotonic() > until:
            return found
        time.sleep(0.2)


class Upload:
    """One upload that must have produced one event: checked once right after the upload (the
    reply) and again at the end (exactly one delivery, after every other upload had time to
    produce a duplicate)."""

    def __init__(self, label, grant_, size, etag):
        self.label = label
        self.grant = grant_
        self.key = grant_["key"]
        self.size = size
        self.etag = etag.strip('"')
        self.id = event_id(BUCKET, self.key, self.etag)


def check_reply(tally, upload, reply):
    """The relayed callback reply, as the SDK parsed it, is the callback Worker's answer."""
    tally.check(f"{upload.label}: parsed callback reply",
                reply, {"status": "ok", "id": upload.id, "object": upload.key})


def check_event(tally, upload):
    found = wait_for_event(upload.key)
    tally.check(f"{upload.label}: events stored for the key", len(found), 1)
    if not found:
        return
    row = found[0]
    event = row.get("event", {})
    tally.check(f"{upload.label}: event id", row.get("id"), upload.id)
    tally.check(f"{upload.label}: event source", event.get("source"), "callback")
    tally.check(f"{upload.label}: event confirmed", event.get("confirmed"), True)
    obj = event.get("object", {})
    tally.check(f"{upload.label}: event object",
                (obj.get("bucket"), obj.get("key"), obj.get("size"), obj.get("etag"), obj.get("content_type")),
                (BUCKET, upload.key, upload.size, upload.etag, "image/png"))
    tally.check(f"{upload.label}: event owner", event.get("owner"),
                {"subject": SUBJECT, "grant_id": upload.grant["grant_id"]})


def check_exactly_once(tally, uploads, refused_keys):
    for upload in uploads:
        found, deliveries = deliveries_for(upload.key)
        tally.check(f"{upload.label}: rows and deliveries at the end", (len(found), deliveries), (1, 1))
    for label, key in refused_keys:
        found, _ = deliveries_for(key)
        tally.check(f"{label}: no event for the refused upload", len(found), 0)


def expect_callback_failed(tally, label, status, text):
    tally.check(f"{label}: status", status, 203)
    tally.check(f"{label}: CallbackFailed", "<Code>CallbackFailed</Code>" in (text or ""), True)
    # The callback Worker refused the ticket for this key (403), and OSS says so.
    tally.check(f"{label}: the callback Worker's 403", "Error status : 403." in (text or ""), True)


# --- PyPI oss2 ---------------------------------------------------------------------------

def oss2_bucket(version):
    auth = oss2.AuthV4(ACCESS_KEY_ID, ACCESS_KEY_SECRET) if version == "v4" else oss2.Auth(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    return oss2.Bucket(auth, SIM, BUCKET, region=REGION)


def run_oss2(tally, version, seed):
    label = f"oss2 {version}"
    bucket = oss2_bucket(version)
    uploads, refused = [], []

    data = png_like(3000, seed)
    g = grant("put", len(data))
    result = bucket.put_object(g["key"], data, headers={
        "Content-Type": g["content_type"], "x-oss-callback": g["callback"]["parameter"]})
    tally.check(f"{label} put: status", result.status, 200)
    reply = json.loads(result.resp.read())
    upload = Upload(f"{label} put", g, len(data), bucket.head_object(g["key"]).etag)
    check_reply(tally, upload, reply)
    check_event(tally, upload)
    uploads.append(upload)

    data = png_like(int(2.5 * PART_SIZE), seed + 1)
    g = grant("multipart", len(data))
    upload_id = bucket.init_multipart_upload(g["key"], headers={"Content-Type": g["content_type"]}).upload_id
    # The signer's phase 2 (part URLs for this upload id) carries the same callback as phase 1,
    # so an SDK that makes its own part requests needs only the phase-1 answer.
    phase2 = ask_grant({"mode": "multipart", "upload_id": upload_id, "filename": "photo.png",
                        "content_type": "image/png", "size": len(data),
                        "continuation": g["multipart"]["continuation"]})
    tally.check(f"{label} multipart: phase 2's callback = phase 1's",
                phase2.get("callback", {}).get("parameter"), g["callback"]["parameter"])
    parts = []
    for number, start in enumerate(range(0, len(data), PART_SIZE), start=1):
        part = bucket.upload_part(g["key"], upload_id, number, data[start:start + PART_SIZE])
        parts.append(oss2.models.PartInfo(number, part.etag))
    result = bucket.complete_multipart_upload(g["key"], upload_id, parts,
                                              headers={"x-oss-callback": g["callback"]["parameter"]})
    tally.check(f"{label} multipart: status", result.status, 200)
    reply = json.loads(result.resp.read())
    head = bucket.head_object(g["key"])
    tally.check(f"{label} multipart: 3-part ETag", head.etag.endswith("-3"), True)
    upload = Upload(f"{label} multipart", g, len(data), head.etag)
    check_reply(tally, upload, reply)
    check_event(tally, upload)
    uploads.append(upload)

    # The grant's callback on another key: oss2 does not raise on 203, the status says it.
    g = grant("put", 100)
    other = g["key"].replace(".png", "-other.png")
    result = bucket.put_object(other, png_like(100, seed + 2), headers={
        "Content-Type": "image/png", "x-oss-callback": g["callback"]["parameter"]})
    expect_callback_failed(tally, f"{label} another key", result.status, result.resp.read().decode())
    refused.append((f"{label} another key", other))
    return uploads, refused


# --- PyPI alibabacloud-oss-v2 ------------------------------------------------------------

def v2_client(version):
    cfg = oss_v2.config.load_default()
    cfg.credentials_provider = oss_v2.credentials.StaticCredentialsProvider(ACCESS_KEY_ID, ACCESS_KEY_SECRET)
    cfg.region = REGION
    cfg.endpoint = SIM
    cfg.use_path_style = True
    cfg.signature_version = version
    cfg.retry_max_attempts = 1
    return oss_v2.Client(cfg)


def v2_reply(result):
    """1.4.1 sets callback_result to the reply's text (its docs say dict); accept both."""
    value = result.callback_result
    return json.loads(value) if isinstance(value, (str, bytes)) else value


def run_v2(tally, version, seed):
    label = f"alibabacloud-oss-v2 {version}"
    client = v2_client(version)
    uploads, refused = [], []

    data = png_like(3000, seed)
    g = grant("put", len(data))
    result = client.put_object(oss_v2.models.PutObjectRequest(
        bucket=BUCKET, key=g["key"], body=data, content_type=g["content_type"],
        callback=g["callback"]["parameter"]))
    tally.check(f"{label} put: status", result.status_code, 200)
    head = client.head_object(oss_v2.models.HeadObjectRequest(bucket=BUCKET, key=g["key"]))
    upload = Upload(f"{label} put", g, len(data), head.etag)
    check_reply(tally, upload, v2_reply(result))
    check_event(tally, upload)
    uploads.append(upload)

    data = png_like(int(2.5 * PART_SIZE), seed + 1)
    g = grant("multipart", len(data))
    init = client.initiate_multipart_upload(oss_v2.models.InitiateMultipartUploadRequest(
        bucket=BUCKET, key=g["key"], content_type=g["content_type"]))
    parts = []
    for number, start in enumerate(range(0, len(data), PART_SIZE), start=1):
        part = client.upload_part(oss_v2.models.UploadPartRequest(
            bucket=BUCKET, key=g["key"], upload_id=init.upload_id, part_number=number,
            body=data[start:start + PART_SIZE]))
        parts.append(oss_v2.models.UploadPart(part_number=number, etag=part.etag))
    result = client.complete_multipart_upload(oss_v2.models.CompleteMultipartUploadRequest(
        bucket=BUCKET, key=g["key"], upload_id=init.upload_id,
        complete_multipart_upload=oss_v2.models.CompleteMultipartUpload(parts=parts),
        callback=g["callback"]["parameter"]))
    tally.check(f"{label} multipart: status", result.status_code, 200)
    head = client.head_object(oss_v2.models.HeadObjectRequest(bucket=BUCKET, key=g["key"]))
    tally.check(f"{label} multipart: object type", head.object_type, "Multipart")
    upload = Upload(f"{label} multipart", g, len(data), head.etag)
    check_reply(tally, upload, v2_reply(result))
    check_event(tally, upload)
    uploads.append(upload)

    # Another key: 1.4.1 does not raise on 203; status_code says it and callback_result holds
    # OSS's XML error instead of JSON.
    g = grant("put", 100)
    other = g["key"].replace(".png", "-other.png")
    result = client.put_object(oss_v2.models.PutObjectRequest(
        bucket=BUCKET, key=other, body=png_like(100, seed + 2), content_type="image/png",
        callback=g["callback"]["parameter"]))
    expect_callback_failed(tally, f"{label} another key", result.status_code, result.callback_result)
    refused.append((f"{label} another key", other))
    return uploads, refused


# --- npm ali-oss -------------------------------------------------------------------------

def run_ali_oss(tally, version, style, seed):
    label = f"ali-oss {version} {style}"
    put_size, mp_size = 3000, int(2.5 * PART_SIZE)
    job = {"endpoint": SIM, "bucket": BUCKET, "region": f"oss-{REGION}", "accessKeyId": ACCESS_KEY_ID,
           "accessKeySecret": ACCESS_KEY_SECRET, "v4": version == "v4", "style": style,
           "put": {"grant": grant("put", put_size), "size": put_size, "seed": seed},
           "multipart": {"grant": grant("multipart", mp_size), "size": mp_size, "seed": seed + 1,
                         "partSize": PART_SIZE},
           "other": {"grant": grant("put", 100), "size": 100, "seed": seed + 2}}
    done = subprocess.run([NODE, os.path.join(HERE, "ali_oss_client.js")], input=json.dumps(job),
                          capture_output=True, text=True, cwd=HERE, check=False, timeout=120)
    try:
        out = json.loads(done.stdout.strip().splitlines()[-1])
    except (IndexError, json.JSONDecodeError):
        tally.check(f"{label}: node output", done.stdout + done.stderr, "one JSON line")
        return [], []
    if "error" in out:
        tally.check(f"{label}: ran", out["error"], "no error")
        return [], []
    uploads = []
    for mode in ("put", "multipart"):
        got = out[mode]
        tally.check(f"{label} {mode}: status", got["status"], 200)
        tally.check(f"{label} {mode}: size stored", got["headSize"], job[mode]["size"])
        upload = Upload(f"{label} {mode}", job[mode]["grant"], job[mode]["size"], got["headEtag"])
        check_reply(tally, upload, got["data"])
        check_event(tally, upload)
        uploads.append(upload)
    tally.check(f"{label} multipart: 3-part ETag", out["multipart"]["headEtag"].strip('"').endswith("-3"), True)
    other = out["other"]
    # ali-oss throws on 203 (its put accepts only 200): the error carries status and code.
    tally.check(f"{label} another key: thrown", (other.get("status"), other.get("code")), (203, "CallbackFailed"))
    return uploads, [(f"{label} another key", other["key"])]


def main():
    tally = Tally()
    uploads, refused = [], []
    runs = [(f"oss2 {v}", lambda v=v, s=s: run_oss2(tally, v, s)) for v, s in (("v1", 10), ("v4", 20))]
    runs += [(f"alibabacloud-oss-v2 {v}", lambda v=v, s=s: run_v2(tally, v, s)) for v, s in (("v1", 30), ("v4", 40))]
    runs += [(f"ali-oss {v} {st}", lambda v=v, st=st, s=s: run_ali_oss(tally, v, st, s))
             for v, st, s in (("v1", "ip", 50), ("v4", "ip", 60), ("v1", "localhost-sld", 70), ("v4", "localhost-sld", 80))]
    for label, run in runs:
        try:
            done, no_event = run()
            uploads += done
            refused += no_event
        except Exception as error:  # a failed SDK call is a failed check, not a crash
            tally.check(label, f"{type(error).__name__}: {error}", "no exception")
    # Every upload had its event; give late duplicates the time a delivery takes, then count.
    time.sleep(2)
    check_exactly_once(tally, uploads, refused)
    tally.check("uploads with an event (3 SDKs x put/multipart x signatures/styles)", len(uploads), 16)
    print(f"sdk-clients (local stack): {tally.passed} passed, {tally.failed} failed")
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
