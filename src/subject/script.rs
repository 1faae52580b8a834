//! A real script as the subject: `SHELL -x weave ARGS` in the sandbox, as a person runs it beside
//! the script.

use super::{process, Invocation, Subject, SubjectError};
use crate::recording::Recording;
use crate::sandbox::Sandbox;
use std::path::PathBuf;
use std::process::Command;
use std::time::Duration;

/// A weave script run under `SHELL -x`.
pub struct Script {
    pub path: PathBuf,
    /// The shell, an absolute path (the sandbox's PATH holds none).
    pub shell: PathBuf,
    pub timeout: Duration,
}

impl Subject for Script {
    fn name(&self) -> String {
        format!("{} -x {}", self.shell.display(), self.path.display())
    }

    fn script(&self) -> Option<&std::path::Path> {
        Some(&self.path)
    }

    fn run(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        let mut cmd = Command::new(&self.shell);
        cmd.arg("-x").arg(Sandbox::SCRIPT_NAME).args(&inv.args);
        process::run(cmd, &self.name(), self.timeout, inv, sandbox)
    }
}
