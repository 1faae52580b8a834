//! The spec as a process: output straight to its file descriptors, external commands spawned from
//! PATH, as dash does. This is what `weave` (the binary) runs.

use super::shell::{Command, Host, Io, Outcome, Word};
use std::ffi::OsStr;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::process::Stdio;

/// Unbuffered writes to fds 1 and 2, as dash makes them: nothing waits in a buffer while a child
/// writes to the same descriptor.
pub struct FdIo;

fn write_fd(fd: rustix::fd::BorrowedFd, bytes: &[u8]) {
    let mut rest = bytes;
    while !rest.is_empty() {
        match rustix::io::write(fd, rest) {
            Ok(0) | Err(_) => return,
            Ok(n) => rest = &rest[n..],
        }
    }
}

impl Io for FdIo {
    fn xtrace(&mut self, mut line: Word, _pipeline: Option<(u32, u32)>) {
        line.push(b'\n');
        write_fd(rustix::stdio::stderr(), &line);
    }

    fn stderr(&mut self, bytes: &[u8]) {
        write_fd(rustix::stdio::stderr(), bytes);
    }

    fn stdout(&mut self, bytes: &[u8]) {
        write_fd(rustix::stdio::stdout(), bytes);
    }
}

/// Spawns external commands found on the PATH of their environment.
#[derive(Default)]
pub struct ProcessHost {
    fs: crate::fs::RealFs,
}

impl ProcessHost {
    /// The host the `weave` binary runs on: in a sandbox (WEAVETRACE_SANDBOX set), the files the
    /// local side probes are the sandbox's, as its fakes see them, whether or not a mount namespace
    /// puts them in place; elsewhere the real ones.
    pub fn from_env() -> ProcessHost {
        let fs = match std::env::var_os(crate::fs::SANDBOX_ENV) {
            Some(root) => crate::fs::sandbox_fs(std::path::Path::new(&root)),
            None => crate::fs::RealFs::default(),
        };
        ProcessHost { fs }
    }
}

impl Host for ProcessHost {
    fn fs(&mut self) -> &mut dyn super::shell::Fs {
        &mut self.fs
    }

    fn pid(&self) -> u32 {
        std::process::id()
    }

    /// Root's answer (the local side runs as root): a process another user owns counts as there.
    fn alive(&self, pid: &[u8]) -> bool {
        let pid = std::str::from_utf8(pid).ok().and_then(|p| p.parse::<i32>().ok());
        pid.and_then(rustix::process::Pid::from_raw)
            .is_some_and(|p| matches!(rustix::process::test_kill_process(p), Ok(()) | Err(rustix::io::Errno::PERM)))
    }

    fn find(&mut self, name: &[u8], env: &[(Word, Word)]) -> Option<Word> {
        let path = env.iter().find(|(k, _)| k == b"PATH").map(|(_, v)| v.as_slice()).unwrap_or_default();
        path.split(|&b| b == b':')
            .map(|dir| [dir, b"/", name].concat())
            .find(|candidate| rustix::fs::access(OsStr::from_bytes(candidate), rustix::fs::Access::EXEC_OK).is_ok())
    }

    fn exec(&mut self, cmd: &Command) -> Outcome {
        let Some(name) = cmd.argv.first() else {
            return Outcome::default();
        };
        let mut command = std::process::Command::new(OsStr::from_bytes(name));
        command
            .args(cmd.argv[1..].iter().map(|a| OsStr::from_bytes(a)))
            .env_clear()
            .envs(cmd.env.iter().map(|(k, v)| (OsStr::from_bytes(k), OsStr::from_bytes(v))))
            .stdin(if cmd.stdin.is_some() { Stdio::piped() } else { Stdio::inherit() })
            .stdout(if cmd.capture { Stdio::piped() } else { Stdio::inherit() })
            .stderr(if cmd.quiet {
                Stdio::null()
            } else if cmd.capture_stderr {
                Stdio::piped()
            } else {
                Stdio::inherit()
            });
        let mut child = match command.spawn() {
            Ok(child) => child,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Outcome { status: 127, not_found: true, ..Outcome::default() }
            }
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => {
                return Outcome {
                    status: 126,
                    stderr: format!("{}: Permission denied\n", String::from_utf8_lossy(name)).into_bytes(),
                    ..Outcome::default()
                }
            }
            Err(e) => return Outcome { status: 126, stderr: format!("{e}\n").into_bytes(), ..Outcome::default() },
        };
        // Feed stdin from a thread so a child that writes before it reads cannot deadlock us.
        let feeder = match (cmd.stdin, child.stdin.take()) {
            (Some(data), Some(mut pipe)) => {
                let data = data.to_vec();
                Some(std::thread::spawn(move || {
                    let _ = pipe.write_all(&data);
                }))
            }
            _ => None,
        };
        let output = child.wait_with_output();
        if let Some(f) = feeder {
            let _ = f.join();
        }
        match output {
            Ok(out) => Outcome {
                status: out.status.code().unwrap_or_else(|| 128 + out.status.signal().unwrap_or(0)),
                stdout: out.stdout,
                stderr: out.stderr,
                not_found: false,
            },
            Err(e) => Outcome { status: 126, stderr: format!("{e}\n").into_bytes(), ..Outcome::default() },
        }
    }
}
