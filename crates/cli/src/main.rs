//! `oss-edge`: the command-line face of oss-edge-core.
//!
//! Every subcommand is deterministic and scriptable: inputs come from flags, files and the
//! environment (credentials only from `OSS_ACCESS_KEY_ID` / `OSS_ACCESS_KEY_SECRET` /
//! `OSS_SESSION_TOKEN`, never from flags that show in `ps`), results go to stdout as JSON,
//! and the exit code says whether the check passed.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod confirm_cmd;
mod http_file;
mod reconcile_cmd;
mod sign_cmd;
mod ticket_cmd;
mod verify_cmd;

/// Direct uploads to Alibaba Cloud OSS: verify callbacks, sign policies and URLs, mint tickets.
#[derive(Parser)]
#[command(name = "oss-edge", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once per process: the size difference between variants costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Verify a captured OSS callback request; print the upload event, or why it fails.
    Verify(verify_cmd::VerifyArgs),
    /// Sign a PostObject policy (V4 by default, V1 legacy).
    SignPost(sign_cmd::SignPostArgs),
    /// Presign an OSS request URL (V4 by default, V1 legacy).
    Presign(sign_cmd::PresignArgs),
    /// JSON-lines signing for the differential suite (tests/differential).
    #[command(hide = true)]
    SignBatch(sign_cmd::SignBatchArgs),
    /// JSON-lines confirmation requests for the differential suite (tests/differential).
    #[command(hide = true)]
    ConfirmBatch(confirm_cmd::ConfirmBatchArgs),
    /// Run the reconciler Worker's reconciliation (POST /v1/reconcile; token from
    /// OSS_EDGE_RECONCILE_TOKEN): queue an event for every recent upload.
    Reconcile(reconcile_cmd::ReconcileArgs),
    /// Mint or check an upload ticket.
    #[command(subcommand)]
    Ticket(ticket_cmd::TicketCommand),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Verify(args) => verify_cmd::run(args),
        Command::SignPost(args) => sign_cmd::run_sign_post(args),
        Command::Presign(args) => sign_cmd::run_presign(args),
        Command::SignBatch(args) => sign_cmd::run_sign_batch(args),
        Command::ConfirmBatch(args) => confirm_cmd::run(args),
        Command::Reconcile(args) => reconcile_cmd::run(args),
        Command::Ticket(command) => ticket_cmd::run(command),
    }
}
