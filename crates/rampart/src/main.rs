//! The `rampart` command.

#![forbid(unsafe_code)]

mod cli;
mod daemon;
mod demo;
mod waf_cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run()
}
