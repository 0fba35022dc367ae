//! `oss-sim`: run the local OSS stand-in until interrupted. The access log goes to stdout as
//! JSON lines; the banner and errors go to stderr.

use std::process::ExitCode;

use clap::Parser as _;
use oss_edge_sim::{Args, Config, Sim};

fn main() -> ExitCode {
    let args = Args::parse();
    let config = match Config::from_args(args) {
        Ok(config) => config,
        Err(e) => {
            eprintln!("oss-sim: {e}");
            return ExitCode::from(2);
        }
    };
    let buckets = config.buckets.join(", ");
    let access_key_id = config.credentials.access_key_id.clone();
    let region = config.region.to_string();
    let origins = config.cors_origins.join(", ");
    let reads = if config.public_read {
        "public-read (anonymous GET/HEAD allowed)"
    } else {
        "private (every request signed: Authorization header or presigned URL)"
    };
    let versioning = if config.versioning { "on" } else { "off" };
    let sim = match Sim::start(config) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("oss-sim: {e}");
            return ExitCode::FAILURE;
        }
    };
    eprintln!(
        "oss-sim listening on {endpoint}\n  buckets: {buckets} (path style {endpoint}/<bucket>/<key>)\n  region: {region}, AccessKey id: {access_key_id}\n  access: {reads}, versioning {versioning}\n  callback key URL: {key_url}\n  CORS origins: {origins}\n  data: {data}{temp}",
        endpoint = sim.endpoint(),
        key_url = sim.pub_key_url(),
        data = sim.data_dir().display(),
        temp = if sim.is_temporary() {
            " (temporary)"
        } else {
            ""
        },
    );
    sim.wait();
    ExitCode::SUCCESS
}
