//! `oss-edge ticket mint|check`.

use std::process::ExitCode;

/// `ticket` subcommands.
#[derive(clap::Subcommand)]
pub enum TicketCommand {
    /// Mint a ticket.
    Mint,
    /// Check a ticket.
    Check,
}

pub fn run(_command: TicketCommand) -> ExitCode {
    eprintln!("ticket: not implemented yet");
    ExitCode::from(2)
}
