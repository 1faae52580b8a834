//! The commands of `weavetrace`, a file per family: each takes its parsed arguments, drives the
//! library, prints its reports, and returns the exit code, or the [`Error`] that ended the run
//! (whose code [`crate::exit`] gives).

use crate::case::{self, Case};
use crate::cli::{
    CheckArgs, Cli, Command, CoverageArgs, DiffArgs, DocsArgs, MutateArgs, RecordArgs, RenderArgs, RenderFormat,
    ReplayArgs, ReviewArgs, SubjectArgs,
};
use crate::exit::{self, Error, OutputError};
use crate::recording::Status;
use crate::report;
use crate::runner;
use crate::sandbox::{companion_bin, Sandbox, SandboxError};
use crate::subject::{InProcessSpec, Invocation, Script, SpecProcess, Subject, SubjectError};
use crate::world::World;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Duration;

mod check;
mod coverage;
mod diff;
mod interrupt;
mod mutate;
mod record;
mod render;
mod replay;

use check::{check, review};
use coverage::coverage;
use diff::diff;
use mutate::mutate;
use record::record;
use render::{docs, man, render, rendered};
use replay::replay;

/// Runs the command `cli` names.
pub fn run(cli: Cli) -> Result<u8, Error> {
    if matches!(
        cli.command,
        Command::Check(_)
            | Command::Record(_)
            | Command::Diff(_)
            | Command::Replay(_)
            | Command::Coverage(_)
            | Command::Mutate(_)
    ) {
        if let Err(e) = interrupt::install() {
            eprintln!("weavetrace: note: cannot handle SIGINT and SIGTERM ({e}); they end the run at once");
        }
    }
    match cli.command {
        Command::Check(args) => check(args),
        Command::Record(args) => record(args),
        Command::Diff(args) => diff(args),
        Command::Replay(args) => replay(args),
        Command::Review(args) => review(args),
        Command::Render(args) => render(args),
        Command::Docs(args) => docs(args),
        Command::Coverage(args) => coverage(args),
        Command::Mutate(args) => mutate(args),
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut <Cli as clap::CommandFactory>::command(), "weavetrace", &mut script);
            exit::to_stdout(&script)?;
            Ok(exit::HOLD)
        }
        Command::Man => man(),
    }
}

/// The fake, checked before any case relies on it: one error for the run, not one per case.
fn fake_bin() -> Result<PathBuf, SandboxError> {
    let bin = companion_bin("weavetrace-fake", "WEAVETRACE_FAKE_BIN");
    crate::sandbox::check_fake(&bin)?;
    Ok(bin)
}

fn subject(args: &SubjectArgs) -> Result<Box<dyn Subject>, Error> {
    // clap has held --timeout to (0, 86400] seconds.
    let timeout = Duration::from_secs_f64(args.timeout);
    if let Err(reason) = crate::sandbox::isolation_available() {
        eprintln!(
            "weavetrace: note: {reason}; subjects run without their namespaces (user, pid, mount, network, ipc, uts)"
        );
    }
    if let Some(path) = &args.script {
        let dialect = args.dialect.map(Into::into);
        return Ok(Box::new(script_subject(path, &args.shell, dialect, timeout)?));
    }
    let dialect = args.dialect.map(Into::into);
    if args.in_process {
        return Ok(Box::new(InProcessSpec { dialect, ..InProcessSpec::default() }));
    }
    let bin = companion_bin("weave", "WEAVETRACE_SPEC_BIN");
    if !bin.is_file() {
        return Err(SubjectError::NoSpec(bin).into());
    }
    Ok(Box::new(SpecProcess { bin, arg0: "weave".into(), timeout, dialect }))
}

/// The text of the script at `path`: what a user names must exist and be text, not a program.
fn script_text(path: &Path) -> Result<Vec<u8>, Error> {
    if !path.exists() {
        return Err(Error::Input(format!("{}:1: no such script", path.display())));
    }
    // A shell reads text: a file with NUL bytes (a program, say) is no script to run.
    let text = crate::input::read(path)
        .map_err(|why| Error::Input(format!("{}:1: cannot read the script: {why}", path.display())))?;
    if let Some(at) = text.iter().position(|&b| b == 0) {
        let line = 1 + text[..at].iter().filter(|&&b| b == b'\n').count();
        return Err(Error::Input(format!("{}:{line}: not a shell script: it holds a NUL byte", path.display())));
    }
    Ok(text)
}

/// A real script as the subject, under `shell` (a path, or a name on PATH).
fn script_subject(
    path: &Path,
    shell: &Path,
    dialect: Option<crate::trace::Dialect>,
    timeout: Duration,
) -> Result<Script, Error> {
    script_text(path)?;
    let found = which(shell).ok_or_else(|| Error::Input(format!("{}:1: no such shell", shell.display())))?;
    // A shell that cannot be run, or does not trace as a known one, is the user's choice to mend.
    Script::new(path.to_path_buf(), found, dialect, timeout).map_err(Error::Input)
}

/// The golden cases under `paths` (files, or directories searched for `*.case`), loaded.
fn load_cases(paths: &[PathBuf]) -> Result<Vec<Case>, Error> {
    let found = case::discover(paths)?;
    if found.is_empty() {
        let names: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
        return Err(Error::Input(format!("{}:1: no *.case files found", names.join(", "))));
    }
    Ok(found.iter().map(|p| case::load(p)).collect::<Result<_, _>>()?)
}

/// A percentage given to `--fail-under`.
fn percentage(pct: Option<f64>) -> Result<Option<f64>, Error> {
    match pct {
        Some(p) if !(0.0..=100.0).contains(&p) => {
            Err(Error::Input(format!("--fail-under {p}: a percentage is from 0 to 100")))
        }
        p => Ok(p),
    }
}

/// Writes a report file, never over a file of the user's: only over one this wrote before,
/// which starts with `mark`.
fn write_report(path: &Path, text: &str, mark: &str) -> Result<(), Error> {
    if let Ok(old) = std::fs::read(path) {
        if !old.starts_with(mark.as_bytes()) {
            return Err(Error::Input(format!(
                "{}:1: exists and is not a report of weavetrace's: not overwritten",
                path.display()
            )));
        }
    }
    std::fs::write(path, text).map_err(|e| Error::Input(format!("{}:1: cannot write the report: {e}", path.display())))
}

/// A shell named by path, or by name on the harness's own PATH (the sandbox's holds none).
fn which(shell: &Path) -> Option<PathBuf> {
    if shell.components().count() > 1 {
        return shell.is_file().then(|| shell.to_path_buf());
    }
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(shell)).find(|p| p.is_file())
}

/// `path` as seen from `dir`, for a case file that names its world file.
fn relative_to(path: &Path, dir: &Path) -> String {
    let abs = |p: &Path| std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf());
    pathdiff::diff_paths(abs(path), abs(if dir.as_os_str().is_empty() { Path::new(".") } else { dir }))
        .unwrap_or_else(|| path.to_path_buf())
        .display()
        .to_string()
}

/// The error of a run that SIGINT or SIGTERM stopped, when it was: `finished` of `total` ran.
fn interrupted(finished: usize, total: usize, what: &'static str) -> Result<(), Error> {
    match crate::sandbox::live::interrupted() {
        true => Err(Error::Interrupted { not_run: total.saturating_sub(finished), total, what }),
        false => Ok(()),
    }
}
