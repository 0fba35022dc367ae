//! Callback parameters (spec §1): builder and validator for the `callback` JSON and the
//! `callback-var` custom variables.
