//! A real script as the subject: `SHELL -x weave ARGS` in the sandbox, as a person runs it beside
//! the script.

use super::{process, Invocation, Subject, SubjectError};
use crate::recording::Recording;
use crate::sandbox::Sandbox;
use crate::trace::Dialect;
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
        process::run(self.command(inv), &self.name(), self.dialect(), self.timeout, inv, sandbox)
    }

    /// Both streams through one pipe, so their order survives; a PS4 led by a byte no script
    /// prints (SOH) tells trace lines from output (`XTRACE.md`), and is taken out again.
    fn run_terminal(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        let mut marked = inv.clone();
        marked.env.retain(|(k, _)| k != "PS4");
        marked.env.push(("PS4".into(), format!("{MARK}+ ")));
        let mut rec = process::run_merged(self.command(inv), &self.name(), self.timeout, &marked, sandbox)?;
        if let Some(bytes) = rec.terminal.as_mut() {
            bytes.retain(|&b| b != MARK as u8);
        }
        Ok(rec)
    }
}

/// The byte that marks trace lines in a merged capture.
const MARK: char = '\u{1}';

impl Script {
    fn command(&self, inv: &Invocation) -> Command {
        let mut cmd = Command::new(&self.shell);
        // busybox is a multi-call binary: its shell is the `sh` applet.
        if self.shell.file_name().is_some_and(|n| n == "busybox") {
            cmd.arg("sh");
        }
        cmd.arg("-x").arg(Sandbox::SCRIPT_NAME).args(&inv.args);
        cmd
    }

    /// How the shell writes its trace, told by its name (`bash`, `busybox`/`ash`, else dash's way).
    pub fn dialect(&self) -> Dialect {
        let name = self.shell.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        if name.contains("bash") {
            Dialect::Bash
        } else if name.contains("busybox") || name.contains("ash") {
            Dialect::Ash
        } else {
            Dialect::Dash
        }
    }
}
