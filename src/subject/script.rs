//! A real script as the subject: `SHELL -x weave ARGS` in the sandbox, as a person runs it beside
//! the script.

use super::{process, Invocation, Subject, SubjectError};
use crate::recording::Recording;
use crate::sandbox::Sandbox;
use crate::trace::Dialect;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// A weave script run under `SHELL -x`.
pub struct Script {
    pub path: PathBuf,
    /// The shell, an absolute path (the sandbox's PATH holds none), as the user named it.
    pub shell: PathBuf,
    /// How the shell writes its trace.
    pub dialect: Dialect,
    pub timeout: Duration,
    pub tracing: Tracing,
}

/// How a script run traces.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Tracing {
    /// `sh -x`, as a golden holds it.
    #[default]
    Xtrace,
    /// `sh -x`, each line naming the script's line that wrote it (for coverage: the shell must
    /// expand PS4, as busybox does), inside weaveexec too.
    Numbered,
    /// No `-x`: stderr is the script's messages alone, exactly (what a comparison that leaves the
    /// trace aside holds; a pipeline's trace lines interleave with them otherwise).
    Off,
    /// `sh -x`, stderr recorded writer by writer ([`process::run_by_writer`]): its pipelines'
    /// lines come out each writer's in one piece and marked, as the spec's do, so that another run
    /// can be held to it with the interleavings of those writers allowed (`diff --against`).
    ByWriter,
}

/// `inv` with PS4 set to `ps4`.
fn with_ps4(inv: &Invocation, ps4: String) -> Invocation {
    let mut with = inv.clone();
    with.env.retain(|(k, _)| k != "PS4");
    with.env.push(("PS4".into(), ps4));
    with
}

impl Subject for Script {
    fn name(&self) -> String {
        format!("{} -x {}", self.shell.display(), self.path.display())
    }

    fn script(&self) -> Option<&Path> {
        Some(&self.path)
    }

    fn dialect(&self, _world: &crate::world::World) -> Dialect {
        self.dialect
    }

    fn run(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        let (cmd, name) = (self.command(inv), self.name());
        match self.tracing {
            Tracing::Numbered => {
                sandbox.number_nested_lines()?;
                let ps4 = String::from_utf8_lossy(&crate::trace::numbered::ps4(inv.ps4())).into_owned();
                process::run(cmd, &name, self.dialect, self.timeout, &with_ps4(inv, ps4), sandbox, self.keep())
            }
            Tracing::ByWriter => {
                process::run_by_writer(cmd, &name, self.dialect, self.timeout, inv, sandbox, self.keep())
            }
            Tracing::Xtrace | Tracing::Off => {
                process::run(cmd, &name, self.dialect, self.timeout, inv, sandbox, self.keep())
            }
        }
    }

    /// Both streams through one pipe, so their order survives; a PS4 led by a byte no script
    /// prints (SOH) tells trace lines from output, and is taken out again.
    fn run_terminal(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        let marked = with_ps4(inv, format!("{MARK}+ "));
        let mut rec = process::run_merged(
            self.command(inv),
            &self.name(),
            self.dialect,
            self.timeout,
            &marked,
            sandbox,
            self.keep(),
        )?;
        if let Some(bytes) = rec.terminal.as_mut() {
            bytes.retain(|&b| b != MARK as u8);
        }
        Ok(rec)
    }
}

/// The byte that marks trace lines in a merged capture.
const MARK: char = '\u{1}';

/// What the dialect probe runs: bash says so in `BASH_VERSION` (even started as `sh`); dash writes
/// a traced word bare, busybox ash quotes one that holds a space.
const PROBE: &str = "echo \"${BASH_VERSION-}\"; set -x; : 'a b'";

/// How long the probe may take: a shell prints two lines at once; anything slower is not one.
const PROBE_TIMEOUT: Duration = Duration::from_secs(5);

impl Script {
    /// The script `path` under `shell` (an existing file, absolute or relative), its trace read
    /// in `dialect`, or, when `None`, in the dialect the shell shows it writes.
    pub fn new(path: PathBuf, shell: PathBuf, dialect: Option<Dialect>, timeout: Duration) -> Result<Script, String> {
        let shell = std::path::absolute(&shell).map_err(|e| format!("{}: {e}", shell.display()))?;
        let mut script =
            Script { path, shell, dialect: dialect.unwrap_or(Dialect::Dash), timeout, tracing: Tracing::Xtrace };
        if dialect.is_none() {
            script.dialect = script.probe()?;
        }
        Ok(script)
    }

    fn command(&self, inv: &Invocation) -> Command {
        let mut cmd = self.shell_command();
        if self.tracing != Tracing::Off {
            cmd.arg("-x");
        }
        cmd.arg(Sandbox::SCRIPT_NAME).args(&inv.args);
        cmd
    }

    /// The shell as a command, called by the name the user gave it (busybox picks its applet by
    /// it); bash is always started as `sh`, as on the systems whose /bin/sh it is, where weave's
    /// `#!/bin/sh` gets its POSIX mode.
    fn shell_command(&self) -> Command {
        let mut cmd = Command::new(&self.shell);
        let name = self.shell.file_name().unwrap_or_default();
        cmd.arg0(if self.dialect == Dialect::Bash { std::ffi::OsStr::new("sh") } else { name });
        // busybox is a multi-call binary: its shell is the `sh` applet.
        if name == "busybox" {
            cmd.arg("sh");
        }
        cmd
    }

    /// Files outside the sandbox the subject must still reach where the user named them.
    fn keep(&self) -> &[PathBuf] {
        std::slice::from_ref(&self.shell)
    }

    /// Which shell this is, from what it does rather than what it is called: busybox or bash may be
    /// installed as `sh` (bash is `/bin/sh` on Fedora and RHEL).
    fn probe(&self) -> Result<Dialect, String> {
        let shell = self.shell.display();
        let mut cmd = self.shell_command();
        cmd.args(["-c", PROBE]).env_clear().env("PATH", "/usr/bin:/bin").env("PS4", "+ ");
        cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped());
        // `spawn` gives it a group of its own, so that a shell that hangs is ended with all it started.
        let child = crate::sandbox::spawn(&mut cmd).map_err(|e| format!("{shell}:1: cannot run the shell: {e}"))?;
        let (out, timed_out) = crate::sandbox::wait_with_timeout(child, PROBE_TIMEOUT)
            .map_err(|e| format!("{shell}:1: cannot run the shell: {e}"))?;
        if timed_out {
            let secs = PROBE_TIMEOUT.as_secs();
            return Err(format!("{shell}:1: not a shell: `-c {PROBE}` did not end within {secs} s"));
        }
        dialect_of(&out.stdout, &out.stderr).ok_or_else(|| {
            let wrote = String::from_utf8_lossy(&out.stderr).trim().replace('\n', "\\n");
            format!(
                "{shell}:1: does not trace as dash, busybox ash or bash do (its trace of `: 'a b'` is `{wrote}`); \
                 name its dialect with --dialect"
            )
        })
    }
}

/// The dialect the probe's output shows, if any.
fn dialect_of(stdout: &[u8], stderr: &[u8]) -> Option<Dialect> {
    if !stdout.trim_ascii().is_empty() {
        return Some(Dialect::Bash);
    }
    let trace = stderr.split(|&b| b == b'\n').find(|l| l.starts_with(b"+ "))?;
    match &trace[2..] {
        b": a b" => Some(Dialect::Dash),
        b": 'a b'" => Some(Dialect::Ash),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probe_tells_the_three_shells_apart_by_what_they_write() {
        assert_eq!(dialect_of(b"\n", b"+ : a b\n"), Some(Dialect::Dash));
        assert_eq!(dialect_of(b"\n", b"+ : 'a b'\n"), Some(Dialect::Ash));
        assert_eq!(dialect_of(b"5.2.15(1)-release\n", b"+ : 'a b'\n"), Some(Dialect::Bash));
        // zsh writes its own PS4 (`+zsh:1> `): not a dialect the parser knows.
        assert_eq!(dialect_of(b"\n", b"+zsh:1> : 'a b'\n"), None);
        assert_eq!(dialect_of(b"\n", b""), None);
    }

    #[test]
    fn dash_and_bash_are_recognised_whatever_they_are_called() {
        // busybox, not always installed, is held to it by the script tests.
        let dir = tempfile::tempdir().unwrap();
        for (shell, dialect) in [("/bin/dash", Dialect::Dash), ("/bin/bash", Dialect::Bash)] {
            let sh = dir.path().join("sh");
            let _ = std::fs::remove_file(&sh);
            std::os::unix::fs::symlink(shell, &sh).unwrap();
            let script = Script::new("weave".into(), sh, None, Duration::from_secs(5)).unwrap();
            assert_eq!(script.dialect, dialect, "{shell} linked as sh");
        }
    }
}
