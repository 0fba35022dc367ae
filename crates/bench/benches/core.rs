//! Native benchmarks of the core's hot operations (criterion). Run through `scripts/bench`,
//! which also records OpenSSL's RSA-512 verify on the same machine for comparison.

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use criterion::Criterion;
    use oss_edge_bench::{Fixtures, OPERATIONS, run};

    pub fn operations(c: &mut Criterion) {
        let fixtures = Fixtures::new();
        for name in OPERATIONS {
            c.bench_function(name, |b| {
                b.iter(|| run(std::hint::black_box(&fixtures), std::hint::black_box(name)))
            });
        }
    }
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_group!(benches, native::operations);
#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
