//! `weavetrace`: parses the command line, runs the command, maps the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;
use weavetrace::app::{self, Fatal};
use weavetrace::cli::Cli;

fn main() -> ExitCode {
    match app::run(Cli::parse()) {
        Ok(code) => ExitCode::from(code),
        Err(Fatal(code, message)) => {
            eprintln!("{message}");
            ExitCode::from(code)
        }
    }
}
