//! A real script as the subject: `SHELL -x weave ARGS` in the sandbox, as a person runs it beside
//! the script.

use super::spec_process::recording;
use super::{wait_with_timeout, Invocation, Subject, SubjectError};
use crate::recording::Recording;
use crate::sandbox::Sandbox;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
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
        cmd.arg("-x")
            .arg(Sandbox::SCRIPT_NAME)
            .args(&inv.args)
            .env_clear()
            .envs(sandbox.env(&inv.env))
            .current_dir(sandbox.work())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        let what = || self.name();
        let child = cmd.spawn().map_err(|err| SubjectError::Spawn { what: what(), err })?;
        let (output, timed_out) =
            wait_with_timeout(child, self.timeout).map_err(|err| SubjectError::Spawn { what: what(), err })?;
        recording(output, timed_out, inv, sandbox)
    }
}
