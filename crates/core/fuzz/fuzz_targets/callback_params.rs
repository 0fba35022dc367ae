//! Callback parameters: parsing arbitrary Base64 or JSON never panics; JSON that validates
//! serialises to Base64 that parses back to the same value; received Base64 that parses
//! round-trips unless its canonical form is over OSS's limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::callback::params::{CallbackParams, CallbackVars, MAX_ENCODED_LEN};

fuzz_target!(|data: &[u8]| {
    if let Ok(params) = CallbackParams::from_json(data) {
        let again = CallbackParams::from_base64(&params.to_base64()).expect("own output parses");
        assert_eq!(again, params);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(params) = CallbackParams::from_base64(text) {
            // The limit applies to the received text; the canonical form may be longer.
            let canonical = params.to_base64();
            match CallbackParams::from_base64(&canonical) {
                Ok(again) => assert_eq!(again, params),
                Err(error) => assert!(canonical.len() > MAX_ENCODED_LEN, "{error}"),
            }
        }
        if let Ok(vars) = CallbackVars::from_base64(text) {
            assert_eq!(
                CallbackVars::from_base64(&vars.to_base64().expect("re-encode"))
                    .expect("round trip"),
                vars
            );
        }
    }
    if let Ok(vars) = CallbackVars::from_json(data) {
        assert_eq!(
            CallbackVars::from_json(vars.to_json().as_bytes()).expect("round trip"),
            vars
        );
    }
});
