//! `weavetrace`: parses the command line, runs the command, maps the outcome to an exit code.

use clap::Parser;
use std::process::ExitCode;
use weavetrace::app;
use weavetrace::cli::Cli;

// The in-process spec allocates a small byte string per word, call and line; mimalloc serves that
// pattern about half again faster than glibc's allocator (measured: 9,800 -> 15,200 cases/s).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let result = app::run(Cli::parse());
    // Every sandbox is gone by now (each is removed when dropped), so the lock that guards them is
    // no longer needed; a run that ends otherwise leaves it to the next run's sweep.
    weavetrace::sandbox::live::release();
    match result {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(e.code())
        }
    }
}
