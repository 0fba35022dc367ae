"""Makes a measuring copy of crates/callback with run-time switches for the changes the profile
suggests, so each suggestion's saving is measured on the same build rather than estimated
(scripts/bench.d/ablate/run.sh). Not part of scripts/bench and never deployed: the copy lives in
target/bench/ablate/. BENCH_ABLATE (a comma-separated list, read once per isolate) turns on:

- `nolog`:       no per-request log line (the record is still filled; only its JSON and the
                 console.log are skipped);
- `text`:        the event sent to the queue as the JSON text it already is (contentType
                 "text"), instead of JSON.parse into a JS object that the runtime serialises
                 again (contentType "json");
- `notimer`:     the first send attempt without its timeout timer (setTimeout, a closure and
                 clearTimeout per request).

Each patch is a textual replacement that must match exactly once, so a change of the sources
fails loudly instead of measuring something else.

    python3 apply.py SRC_DIR DEST_DIR
"""
import os
import shutil
import sys

src, dest = sys.argv[1], sys.argv[2]
shutil.rmtree(dest, ignore_errors=True)
shutil.copytree(src, dest)


def patch(rel, old, new, count=1, first=False):
    """Replaces `old` (which must occur exactly `count` times) by `new`: every occurrence, or
    with `first` only the first one."""
    path = os.path.join(dest, rel)
    text = open(path).read()
    if text.count(old) != count:
        sys.exit(f"ablate: {rel}: expected {count} match(es) of {old[:60]!r}, found {text.count(old)}")
    open(path, "w").write(text.replace(old, new, 1 if first else -1))


patch("edge/mod.rs", "use oss_edge_worker_support::js::now_ms;\n", '''use oss_edge_worker_support::js::now_ms;

/// Bench only: whether BENCH_ABLATE names `what` (read once per isolate).
pub(crate) fn ablate(what: &str) -> bool {
    ABLATE.get().is_some_and(|list| list.split(',').any(|w| w == what))
}
static ABLATE: OnceLock<String> = OnceLock::new();
''')
patch("edge/mod.rs", "    let started = now_ms();\n", '''    let started = now_ms();
    ABLATE.get_or_init(|| oss_edge_worker_support::env::lookup(&env, "BENCH_ABLATE").unwrap_or_default());
''')
patch("edge/mod.rs", '''    worker::console_log!("{}", log.to_line());''', '''    if !ablate("nolog") {
        worker::console_log!("{}", log.to_line());
    }''')
patch("edge/queue.rs", '''    let message =
        js_sys::JSON::parse(event_json).map_err(|_| "the event is not valid JSON".to_owned())?;
    let promise = send_promise(queue, &message).map_err(|e| error_text(&e, QUEUE_REFUSED))?;
    let send = JsFuture::from(promise);''', '''    let text = super::ablate("text");
    let message = if text {
        JsValue::from_str(event_json)
    } else {
        js_sys::JSON::parse(event_json).map_err(|_| "the event is not valid JSON".to_owned())?
    };
    let promise = send_promise(queue, &message, if text { "text" } else { "json" })
        .map_err(|e| error_text(&e, QUEUE_REFUSED))?;
    let send = JsFuture::from(promise);
    if super::ablate("notimer") {
        return send.await.map(|_| ()).map_err(|e| error_text(&e, QUEUE_REFUSED));
    }''')
patch("edge/queue.rs", "fn send_promise(queue: &Queue, message: &JsValue) -> Result<js_sys::Promise, JsValue> {",
      "fn send_promise(queue: &Queue, message: &JsValue, content_type: &str) -> Result<js_sys::Promise, JsValue> {")
patch("edge/queue.rs", '''        &JsValue::from_str("json"),''', '''        &JsValue::from_str(content_type),''')
