//! The spec as a real process in the sandbox.

use super::{Invocation, Subject, SubjectError};
use crate::recording::{Recording, Status};
use crate::sandbox::Sandbox;
use crate::trace::{parse_dash, DEFAULT_PS4};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Runs the `weave` binary with the sandbox's PATH, environment and working directory.
pub struct SpecProcess {
    pub bin: PathBuf,
    /// `$0` for the spec: the name dash would print in its own messages.
    pub arg0: String,
    pub timeout: Duration,
}

impl Subject for SpecProcess {
    fn name(&self) -> String {
        "spec".into()
    }

    fn script(&self) -> Option<&std::path::Path> {
        Some(&self.bin)
    }

    fn run(&self, inv: &Invocation, sandbox: &Sandbox) -> Result<Recording, SubjectError> {
        let mut cmd = Command::new(sandbox.script());
        cmd.arg0(&self.arg0)
            .args(&inv.args)
            .env_clear()
            .envs(sandbox.env(&inv.env))
            .current_dir(sandbox.work())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            // Its own process group, so a timeout kills everything it started.
            .process_group(0);
        let what = || self.bin.display().to_string();
        let child = cmd.spawn().map_err(|err| SubjectError::Spawn { what: what(), err })?;
        let (output, timed_out) =
            wait_with_timeout(child, self.timeout).map_err(|err| SubjectError::Spawn { what: what(), err })?;
        recording(output, timed_out, inv, sandbox)
    }
}

/// A finished run's recording: status, stderr parsed as a trace, stdout, the fakes' calls.
pub fn recording(
    output: std::process::Output,
    timed_out: bool,
    inv: &Invocation,
    sandbox: &Sandbox,
) -> Result<Recording, SubjectError> {
    {
        let status = if timed_out {
            Status::TimedOut
        } else {
            match output.status.code() {
                Some(n) => Status::Exited(n),
                None => Status::Signaled(output.status.signal().unwrap_or(0)),
            }
        };
        let ps4 = inv.env.iter().find(|(k, _)| k == "PS4").map_or(DEFAULT_PS4, |(_, v)| v.as_bytes());
        Ok(Recording { trace: parse_dash(&output.stderr, ps4), stdout: output.stdout, status, calls: sandbox.calls()? })
    }
}

/// Waits for `child`; past `timeout` its whole process group is killed.
pub fn wait_with_timeout(
    child: std::process::Child,
    timeout: Duration,
) -> std::io::Result<(std::process::Output, bool)> {
    let pgid = child.id() as i32;
    let (done, finished) = mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        if finished.recv_timeout(timeout) == Err(mpsc::RecvTimeoutError::Timeout) {
            if let Some(pid) = rustix::process::Pid::from_raw(pgid) {
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::Kill);
            }
            return true;
        }
        false
    });
    let output = child.wait_with_output();
    let _ = done.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    Ok((output?, timed_out))
}
