//! `oss-edge sign-post` and `oss-edge presign`.

use std::process::ExitCode;

/// Arguments of `sign-post`.
#[derive(clap::Args)]
pub struct SignPostArgs {}

/// Arguments of `presign`.
#[derive(clap::Args)]
pub struct PresignArgs {}

pub fn run_sign_post(_args: SignPostArgs) -> ExitCode {
    eprintln!("sign-post: not implemented yet");
    ExitCode::from(2)
}

pub fn run_presign(_args: PresignArgs) -> ExitCode {
    eprintln!("presign: not implemented yet");
    ExitCode::from(2)
}
