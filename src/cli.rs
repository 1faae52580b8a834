//! The command line of `weavetrace` (clap types only).

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "weavetrace",
    version,
    about = "A shell-compatible test harness and trace replayer for the weave script"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run golden cases and report every one that does not hold.
    Check(CheckArgs),
    /// Run one weave command line: the trace on stderr, stdout on stdout, its exit status; or, with
    /// -o, write it as a new case.
    Record(RecordArgs),
}

#[derive(Args, Debug)]
pub struct SubjectArgs {
    /// Run this weave script under `SHELL -x` instead of the Rust spec.
    #[arg(long, value_name = "FILE", conflicts_with = "in_process")]
    pub script: Option<PathBuf>,
    /// The shell for --script.
    #[arg(long, value_name = "SHELL", default_value = "/bin/sh", requires = "script")]
    pub shell: PathBuf,
    /// Run the Rust spec inside the harness instead of as a process (same answers, no processes).
    #[arg(long)]
    pub in_process: bool,
    /// Seconds a run may take before its whole process group is killed.
    #[arg(long, default_value_t = 10.0, value_name = "SECS")]
    pub timeout: f64,
}

#[derive(Args, Debug)]
pub struct CheckArgs {
    /// Case files, or directories searched for *.case files.
    #[arg(default_value = "traces")]
    pub paths: Vec<PathBuf>,
    /// Cases run at once (default: the number of cores).
    #[arg(long, short = 'j', value_name = "N")]
    pub jobs: Option<usize>,
    #[command(flatten)]
    pub subject: SubjectArgs,
}

#[derive(Args, Debug)]
pub struct RecordArgs {
    /// The world to run in (TOML); the built-in default is the documented world.
    #[arg(long, value_name = "FILE")]
    pub world: Option<PathBuf>,
    /// Write a new case file instead of replaying the run on the terminal; never overwrites.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
    /// With -o: the comment the new case starts with, saying what it shows.
    #[arg(long, value_name = "TEXT", requires = "output")]
    pub describe: Option<String>,
    #[command(flatten)]
    pub subject: SubjectArgs,
    /// weave's arguments, led by NAME=value words for its environment.
    #[arg(last = true, value_name = "ARGS")]
    pub args: Vec<String>,
}
