//! The spec as a real process in the sandbox.

use super::{process, Invocation, Subject, SubjectError};
use crate::recording::Recording;
use crate::sandbox::Sandbox;
use crate::trace::Dialect;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// Runs the `weave` binary, laid out as the sandbox's `work/weave`.
pub struct SpecProcess {
    pub bin: PathBuf,
    /// `$0` for the spec: the name dash would print in its own messages.
    pub arg0: String,
    pub timeout: Duration,
    /// The shell it behaves as (`weave --dialect D`); `None`: the world's host shell.
    pub dialect: Option<Dialect>,
}

impl Subject for SpecProcess {
    /// The same spec in-process knows the order of its writes exactly, with the same answers.
    fn run_terminal(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        super::InProcessSpec { arg0: self.arg0.clone(), dialect: self.dialect }.run(inv, sandbox)
    }

    fn run_steps_terminal(&self, invs: &[Invocation], sandbox: &Sandbox) -> Result<Vec<Recording>, SubjectError> {
        super::InProcessSpec { arg0: self.arg0.clone(), dialect: self.dialect }.run_steps(invs, sandbox)
    }

    fn name(&self) -> String {
        "spec".into()
    }

    fn script(&self) -> Option<&std::path::Path> {
        Some(&self.bin)
    }

    fn dialect(&self, world: &crate::world::World) -> Dialect {
        super::in_process::spec_dialect(self.dialect, world)
    }

    fn run(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        let dialect = super::in_process::spec_dialect(self.dialect, &super::in_process::world_of(sandbox)?);
        let mut cmd = Command::new(sandbox.script());
        cmd.arg0(&self.arg0);
        if dialect != Dialect::Dash {
            cmd.args(["--dialect", dialect.name()]);
        }
        cmd.args(&inv.args);
        process::run(cmd, &self.bin.display().to_string(), dialect, self.timeout, inv, sandbox, &[])
    }
}
