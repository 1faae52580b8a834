//! The documented exit codes of `weavetrace` ([`TABLE`], which `--help` and the man page show), and
//! the one place an error is given its code.
//!
//! Each stage keeps its own error type; [`Error`] gathers them and [`Error::code`] is the only
//! mapping to a code. Two rules settle the cases that could go either way:
//!
//! - **Outputs** (`record -o`, `replay --save`, `docs --out`, a blessed or pending golden, a
//!   reviewed result, stdout): when the path the user gave is the problem — its directory is
//!   missing, it exists already where nothing is overwritten, it is a directory, permission is
//!   denied, its file system is read-only, its name is too long — the input is bad (2); when the
//!   machine fails (no space, an I/O error, a closed pipe) the harness failed (3). The same in
//!   every command: [`OutputError::code`].
//! - **Several at once** (`check` keeps running after a case it could not run, or a golden it
//!   could not bless): the highest code wins, so a harness failure is never hidden behind a verdict.

use crate::case::CaseError;
use crate::docs::DocsError;
use crate::recording::Status;
use crate::sandbox::SandboxError;
use crate::subject::SubjectError;
use crate::world::WorldError;
use std::io::ErrorKind;
use std::path::PathBuf;

/// Every case holds.
pub const HOLD: u8 = 0;
/// A case does not hold.
pub const MISMATCH: u8 = 1;
/// Bad input.
pub const BAD_INPUT: u8 = 2;
/// The harness failed.
pub const HARNESS: u8 = 3;
/// Stopped by SIGINT or SIGTERM (128 + SIGINT, as a shell reports Ctrl-C).
pub const INTERRUPTED: u8 = 130;

/// The table as `--help` (short) and the man page (in full) give it.
pub const TABLE: [(u8, &str, &str); 5] = [
    (HOLD, "every case holds", "every case holds (record: the subject's own status is passed through instead)"),
    (MISMATCH, "a case does not hold", "at least one case does not hold (a mismatch or an escape)"),
    (
        BAD_INPUT,
        "bad input",
        "bad input: a case, world, cases or trace file that cannot be used, a missing path, script or shell, a bad \
         command line, an output path that cannot be written to; one line `path:line: what is wrong`",
    ),
    (
        HARNESS,
        "the harness failed",
        "the harness failed: a sandbox could not be built, a companion binary is missing or crashed, the machine \
         failed writing an output (no space, an I/O error)",
    ),
    (
        INTERRUPTED,
        "interrupted",
        "interrupted by SIGINT (Ctrl-C) or SIGTERM: the running subjects were killed and their sandboxes removed; \
         the cases that finished are reported, then how many did not; a second signal exits at once",
    ),
];

/// `--help`'s closing line.
pub fn help() -> String {
    let codes: Vec<String> = TABLE.iter().map(|(code, short, _)| format!("{code} {short}")).collect();
    format!("Exit status: {}.", codes.join("; "))
}

/// What ends a command early, by the stage it came from; shown as one line.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error(transparent)]
    Case(#[from] CaseError),
    #[error(transparent)]
    World(#[from] WorldError),
    /// Something the command line names that cannot be used (a missing script or shell, an
    /// option's value, no command lines to run): `path:line: what is wrong` where there is a path.
    #[error("{0}")]
    Input(String),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error(transparent)]
    Subject(#[from] SubjectError),
    #[error(transparent)]
    Docs(#[from] DocsError),
    #[error(transparent)]
    Output(#[from] OutputError),
    /// `record`'s run gave no exit status to pass through or write down.
    #[error("the subject did not exit: {0}")]
    NoStatus(Status),
    /// `record -o` would write calls the fakes do not model into a golden: the harness's gap.
    #[error("{}:1: not written: the fakes do not model {}; a golden never records a fake's gap", .path.display(), .calls.join("; "))]
    Unmodeled { path: PathBuf, calls: Vec<String> },
    /// SIGINT or SIGTERM stopped the run: `not_run` of the `total` runs (cases, command lines)
    /// were not started or were killed before they finished, and give no verdict.
    #[error("weavetrace: interrupted: {not_run} of {total} {what} did not run to the end")]
    Interrupted { not_run: usize, total: usize, what: &'static str },
}

impl Error {
    /// The exit code: the one mapping of errors to the table above.
    pub fn code(&self) -> u8 {
        match self {
            Error::Case(_) | Error::World(_) | Error::Input(_) => BAD_INPUT,
            Error::Sandbox(_)
            | Error::Subject(_)
            | Error::Docs(DocsError::Subject(_))
            | Error::NoStatus(_)
            | Error::Unmodeled { .. } => HARNESS,
            // docs/ cannot show a golden the spec no longer writes: that case does not hold.
            Error::Docs(DocsError::Stale { .. }) => MISMATCH,
            Error::Output(e) => e.code(),
            Error::Interrupted { .. } => INTERRUPTED,
        }
    }
}

/// An output that cannot be written (or a golden being rewritten that cannot be read).
#[derive(Debug, thiserror::Error)]
#[error("{}: cannot {what}: {err}", place(path))]
pub struct OutputError {
    /// The file, or `-` for a standard stream.
    pub path: PathBuf,
    /// What could not be done, for the message (`write the case`, `write stdout`).
    pub what: String,
    pub err: std::io::Error,
}

/// A file as errors name it, at its first line; a stream as itself.
fn place(path: &std::path::Path) -> String {
    if path == std::path::Path::new("-") {
        "weavetrace".into()
    } else {
        format!("{}:1", path.display())
    }
}

impl OutputError {
    pub fn new(path: impl Into<PathBuf>, what: impl Into<String>, err: std::io::Error) -> Self {
        OutputError { path: path.into(), what: what.into(), err }
    }

    /// Bad input when the path is the problem, the harness's failure when the machine is.
    pub fn code(&self) -> u8 {
        let path_is_the_problem = matches!(
            self.err.kind(),
            ErrorKind::NotFound
                | ErrorKind::AlreadyExists
                | ErrorKind::PermissionDenied
                | ErrorKind::NotADirectory
                | ErrorKind::IsADirectory
                | ErrorKind::ReadOnlyFilesystem
                | ErrorKind::InvalidInput
        ) || self.err.raw_os_error() == Some(rustix::io::Errno::NAMETOOLONG.raw_os_error());
        if path_is_the_problem {
            BAD_INPUT
        } else {
            HARNESS
        }
    }
}

/// Writes what a command produces on stdout; a failure is the harness's (there is no path to fix).
pub fn to_stdout(bytes: &[u8]) -> Result<(), OutputError> {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    out.write_all(bytes).and_then(|()| out.flush()).map_err(|err| OutputError::new("-", "write stdout", err))
}

/// Writes to stderr, where `record`'s product is the trace, as [`to_stdout`] does.
pub fn to_stderr(bytes: &[u8]) -> Result<(), OutputError> {
    use std::io::Write;
    std::io::stderr().lock().write_all(bytes).map_err(|err| OutputError::new("-", "write stderr", err))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_output_path_that_is_the_problem_is_bad_input_and_a_failing_machine_is_the_harness() {
        let code = |kind: ErrorKind| Error::from(OutputError::new("x", "it", kind.into())).code();
        assert_eq!(code(ErrorKind::NotFound), BAD_INPUT);
        assert_eq!(code(ErrorKind::AlreadyExists), BAD_INPUT);
        assert_eq!(code(ErrorKind::IsADirectory), BAD_INPUT);
        assert_eq!(code(ErrorKind::StorageFull), HARNESS);
        assert_eq!(code(ErrorKind::BrokenPipe), HARNESS);
        assert_eq!(Error::from(OutputError::new("x", "it", std::io::Error::from_raw_os_error(5))).code(), HARNESS);
    }
}
