//! Subjects: what runs a weave command line in a sandbox and yields a [`Recording`].
//!
//! The spec runs as a process (the `weave` binary, its `docker` the fake on the closed PATH) or
//! in-process (the same spec, its external commands answered by the fakes' model directly); both
//! give the same recording. Real scripts under `sh -x` join as a third subject.

mod in_process;
mod process;
mod script;
mod spec_process;

pub use in_process::{spec_run, spec_runs, InProcessSpec};
pub use script::{Script, Tracing};
pub use spec_process::SpecProcess;

pub use crate::case::Invocation;
use crate::recording::Recording;
use crate::sandbox::{Sandbox, SandboxError};

/// Why a subject could not be run at all: a failure of the harness, not a verdict.
#[derive(Debug, thiserror::Error)]
pub enum SubjectError {
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("cannot run {what}: {err}")]
    Spawn { what: String, err: std::io::Error },
    #[error("the spec binary {} does not exist (build it with `cargo build`, or set WEAVETRACE_SPEC_BIN)", .0.display())]
    NoSpec(std::path::PathBuf),
    /// A run gave a recording count other than its command lines': steps would go unchecked.
    #[error("{what} gave {got} recordings for {expected} command lines")]
    Short { what: String, expected: usize, got: usize },
}

/// Something that runs weave command lines.
pub trait Subject: Sync {
    /// A short name for reports.
    fn name(&self) -> String;
    /// The file the sandbox lays out as `work/weave`, if the subject has one.
    fn script(&self) -> Option<&std::path::Path>;
    /// The shell whose behaviour the subject shows in `world`: a script's shell, or the one the
    /// spec behaves as.
    fn dialect(&self, world: &crate::world::World) -> crate::trace::Dialect;
    fn run(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError>;
    /// A run whose [`Recording::terminal`] holds stdout and stderr in the order they were written,
    /// for showing it as a terminal would.
    fn run_terminal(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError>;

    /// Runs a scenario's command lines one after another in one sandbox, each finding the world as
    /// the one before left it: a recording per step, holding only that step's calls. A step that
    /// fails does not stop the others, as a person at the terminal goes on.
    fn run_steps(&self, invs: &[Invocation], sandbox: &Sandbox) -> Result<Vec<Recording>, SubjectError> {
        one_by_one(invs, sandbox, |inv| self.run(inv, sandbox))
    }

    /// [`Subject::run_steps`] with each step run as [`Subject::run_terminal`] runs it.
    fn run_steps_terminal(&self, invs: &[Invocation], sandbox: &Sandbox) -> Result<Vec<Recording>, SubjectError> {
        one_by_one(invs, sandbox, |inv| self.run_terminal(inv, sandbox))
    }
}

/// Runs `run` for each command line in turn in `sandbox`, a fresh call log for each step: the fakes'
/// state file and the sandbox's files carry over from step to step.
pub fn one_by_one(
    invs: &[Invocation],
    sandbox: &Sandbox,
    mut run: impl FnMut(&Invocation) -> Result<Recording, SubjectError>,
) -> Result<Vec<Recording>, SubjectError> {
    let mut recordings = Vec::with_capacity(invs.len());
    for (k, inv) in invs.iter().enumerate() {
        if k > 0 {
            sandbox.next_step()?;
        }
        recordings.push(run(inv)?);
    }
    Ok(recordings)
}
