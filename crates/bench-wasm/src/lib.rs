//! Exports the bench operations to JavaScript. Node times `run_many` with its own clock, so
//! one call covers many iterations and the JS/wasm boundary cost is negligible.
#![forbid(unsafe_code)]

use oss_edge_bench::{Fixtures, OPERATIONS, run};
use wasm_bindgen::prelude::wasm_bindgen;

/// Prepared fixtures, held by JavaScript.
#[wasm_bindgen]
pub struct Bench {
    fixtures: Fixtures,
}

#[wasm_bindgen]
impl Bench {
    /// Prepares the fixtures once.
    #[wasm_bindgen(constructor)]
    pub fn new() -> Self {
        Self {
            fixtures: Fixtures::new(),
        }
    }

    /// Runs operation `name` `iterations` times; returns a checksum (0 for an unknown name).
    pub fn run_many(&self, name: &str, iterations: u32) -> u32 {
        let mut sum = 0usize;
        for _ in 0..iterations {
            sum = sum.wrapping_add(run(&self.fixtures, name).unwrap_or(0));
        }
        sum as u32
    }

    /// The operation names, comma-separated.
    pub fn operations() -> String {
        OPERATIONS.join(",")
    }
}

impl Default for Bench {
    fn default() -> Self {
        Self::new()
    }
}
