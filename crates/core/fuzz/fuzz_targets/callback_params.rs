//! Callback parameters: parsing arbitrary Base64 or JSON never panics, and whatever parses
//! serialises back to something that parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use oss_edge_core::callback::params::{CallbackParams, CallbackVars};

fuzz_target!(|data: &[u8]| {
    if let Ok(params) = CallbackParams::from_json(data) {
        let again = CallbackParams::from_base64(&params.to_base64()).expect("own output parses");
        assert_eq!(again, params);
    }
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(params) = CallbackParams::from_base64(text) {
            assert_eq!(CallbackParams::from_base64(&params.to_base64()).expect("round trip"), params);
        }
        if let Ok(vars) = CallbackVars::from_base64(text) {
            assert_eq!(CallbackVars::from_base64(&vars.to_base64().expect("re-encode")).expect("round trip"), vars);
        }
    }
    if let Ok(vars) = CallbackVars::from_json(data) {
        assert_eq!(CallbackVars::from_json(vars.to_json().as_bytes()).expect("round trip"), vars);
    }
});
