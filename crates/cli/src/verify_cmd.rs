//! `oss-edge verify`.

use std::process::ExitCode;

/// Arguments of `verify`.
#[derive(clap::Args)]
pub struct VerifyArgs {}

pub fn run(_args: VerifyArgs) -> ExitCode {
    ExitCode::from(2)
}
