//! Running a subject as a process in a sandbox: the closed environment, the working directory, no
//! stdin, its own process group, a timeout that kills the group.

use super::{Invocation, SubjectError};
use crate::recording::{Recording, Status};
use crate::sandbox::{spawn, wait_with_timeout, Sandbox};
use crate::trace::{numbered, parse, Dialect};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Runs `cmd` (program and arguments set) as the subject of `inv` in `sandbox`; `what` names it in
/// errors; the files in `keep` stay where they are for it (see [`Sandbox::isolation`]).
pub fn run(
    mut cmd: Command,
    what: &str,
    dialect: Dialect,
    timeout: Duration,
    inv: &Invocation,
    sandbox: &Sandbox,
    keep: &[PathBuf],
) -> Result<Recording, SubjectError> {
    let inner = prepare(&mut cmd, inv, sandbox, keep);
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let spawn_error = |err| SubjectError::Spawn { what: what.to_string(), err };
    let child = spawn(&mut cmd).map_err(spawn_error)?;
    let pid = inner.unwrap_or(child.id());
    let (mut output, timed_out) = wait_with_timeout(child, timeout).map_err(spawn_error)?;
    let status = status_of(&output, timed_out);
    own_pid_as_in_process(&mut output.stderr, pid);
    own_pid_as_in_process(&mut output.stdout, pid);
    // A run asked to name its lines (coverage) gives them up here; its trace is then the plain one.
    let (ps4, lines) = match numbered::plain(inv.ps4()) {
        Some(plain) => (plain, numbered::take(&mut output.stderr)),
        None => (inv.ps4(), Vec::new()),
    };
    Ok(Recording {
        trace: parse(&output.stderr, dialect, ps4),
        stdout: output.stdout,
        status,
        calls: sandbox.calls()?,
        terminal: None,
        state: sandbox.state()?,
        lines,
    })
}

/// Like [`run`], but stdout and stderr share one pipe, so [`Recording::terminal`] has them in the
/// order written; the trace and stdout are then told apart by PS4 (lines starting with it are the
/// trace).
pub fn run_merged(
    mut cmd: Command,
    what: &str,
    dialect: Dialect,
    timeout: Duration,
    inv: &Invocation,
    sandbox: &Sandbox,
    keep: &[PathBuf],
) -> Result<Recording, SubjectError> {
    let spawn_error = |err| SubjectError::Spawn { what: what.to_string(), err };
    let (reader, writer) = rustix::pipe::pipe().map_err(|e| spawn_error(e.into()))?;
    let writer2 = writer.try_clone().map_err(spawn_error)?;
    let inner = prepare(&mut cmd, inv, sandbox, keep);
    cmd.stdout(Stdio::from(writer)).stderr(Stdio::from(writer2));
    let child = spawn(&mut cmd).map_err(spawn_error)?;
    let pid = inner.unwrap_or(child.id());
    // The command holds the writing ends now; ours must go for the reader to see the end.
    drop(cmd);
    // Read while waiting: the timeout must still be able to end a subject that never closes it.
    let collector = std::thread::spawn(move || {
        let mut merged = Vec::new();
        let _ = std::io::Read::read_to_end(&mut std::fs::File::from(reader), &mut merged);
        merged
    });
    let (output, timed_out) = wait_with_timeout(child, timeout).map_err(spawn_error)?;
    let mut merged = collector.join().unwrap_or_default();
    own_pid_as_in_process(&mut merged, pid);
    let ps4 = inv.ps4();
    let (mut trace, mut stdout) = (Vec::new(), Vec::new());
    for line in merged.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(ps4) {
            trace.extend_from_slice(line)
        } else {
            stdout.extend_from_slice(line)
        }
    }
    Ok(Recording {
        trace: parse(&trace, dialect, ps4),
        stdout,
        status: status_of(&output, timed_out),
        calls: sandbox.calls()?,
        terminal: Some(merged),
        state: sandbox.state()?,
        lines: Vec::new(),
    })
}

/// Like [`run`], but stderr is a socket that tells which process wrote each piece (SCM_CREDENTIALS
/// on a `SOCK_SEQPACKET` pair: one message per `write`, with its writer's pid): the pieces of
/// concurrent writers, which a pipe mixes, are put back each writer's in one run
/// ([`crate::trace::untangle`]), and the trace knows which lines each wrote, as the spec's does.
pub fn run_by_writer(
    mut cmd: Command,
    what: &str,
    dialect: Dialect,
    timeout: Duration,
    inv: &Invocation,
    sandbox: &Sandbox,
    keep: &[PathBuf],
) -> Result<Recording, SubjectError> {
    use rustix::net::{AddressFamily, SocketFlags, SocketType};
    let spawn_error = |err: std::io::Error| SubjectError::Spawn { what: what.to_string(), err };
    let (reader, writer) =
        rustix::net::socketpair(AddressFamily::UNIX, SocketType::SEQPACKET, SocketFlags::CLOEXEC, None)
            .map_err(|e| spawn_error(e.into()))?;
    rustix::net::sockopt::set_socket_passcred(&reader, true).map_err(|e| spawn_error(e.into()))?;
    // Room for a long trace line in one message (a `write` longer than the buffer fails).
    let _ = rustix::net::sockopt::set_socket_send_buffer_size(&writer, 1 << 20);
    let inner = prepare(&mut cmd, inv, sandbox, keep);
    cmd.stdout(Stdio::piped()).stderr(Stdio::from(writer));
    let child = spawn(&mut cmd).map_err(spawn_error)?;
    let pid = inner.unwrap_or(child.id());
    drop(cmd);
    let collector = std::thread::spawn(move || receive_writes(&reader));
    let (mut output, timed_out) = wait_with_timeout(child, timeout).map_err(spawn_error)?;
    let writes = collector.join().unwrap_or_default();
    own_pid_as_in_process(&mut output.stdout, pid);
    let status = status_of(&output, timed_out);
    Ok(Recording {
        trace: crate::trace::untangle(&writes, dialect, inv.ps4(), |bytes| own_pid_as_in_process(bytes, pid)),
        stdout: output.stdout,
        status,
        calls: sandbox.calls()?,
        terminal: None,
        state: sandbox.state()?,
        lines: Vec::new(),
    })
}

/// Every message on `socket` with the pid of the process that sent it, until all writers are gone.
fn receive_writes(socket: &rustix::fd::OwnedFd) -> Vec<(u32, Vec<u8>)> {
    use rustix::net::{RecvAncillaryBuffer, RecvAncillaryMessage, RecvFlags};
    let mut writes = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut space = [0u8; rustix::cmsg_space!(ScmCredentials(1))];
    loop {
        let mut control = RecvAncillaryBuffer::new(&mut space);
        let got = rustix::net::recvmsg(
            socket,
            &mut [std::io::IoSliceMut::new(&mut buf)],
            &mut control,
            RecvFlags::CMSG_CLOEXEC,
        );
        let got = match got {
            Ok(got) => got,
            Err(rustix::io::Errno::INTR) => continue,
            Err(_) => break,
        };
        // No message is empty (a writer's `write` of nothing sends none worth keeping): 0 is the end.
        if got.bytes == 0 {
            break;
        }
        let pid = control
            .drain()
            .find_map(|m| match m {
                RecvAncillaryMessage::ScmCredentials(cred) => Some(cred.pid.as_raw_nonzero().get() as u32),
                _ => None,
            })
            .unwrap_or(0);
        writes.push((pid, buf[..got.bytes].to_vec()));
    }
    writes
}

/// The subject's own pid (`$$`) written as the in-process spec's, so that one golden holds for
/// every run: where it follows `/` or `_` and ends a number (`/proc/$$/ns/net`,
/// `/tmp/weave_ip_out_$$`), the places the script prints it. Other numbers are left alone.
pub fn own_pid_as_in_process(bytes: &mut Vec<u8>, pid: u32) {
    let digits = pid.to_string().into_bytes();
    let canonical = crate::fake::inline::IN_PROCESS_PID.to_string().into_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let here = &bytes[i..];
        let after_sep = i > 0 && matches!(bytes[i - 1], b'/' | b'_');
        if after_sep && here.starts_with(&digits) && !bytes.get(i + digits.len()).is_some_and(u8::is_ascii_digit) {
            out.extend_from_slice(&canonical);
            i += digits.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    *bytes = out;
}

/// What every subject process gets: the sandbox's environment and working directory, no stdin,
/// and the namespaces ([`spawn`] gives it a process group of its own, so a timeout kills
/// everything it started); the subject's own pid as its trace and output will show it.
fn prepare(cmd: &mut Command, inv: &Invocation, sandbox: &Sandbox, keep: &[PathBuf]) -> Option<u32> {
    cmd.env_clear().envs(sandbox.env(&inv.env)).current_dir(sandbox.work()).stdin(Stdio::null());
    match sandbox.isolation(keep) {
        // The isolation makes the subject's /proc entry itself, inside its pid namespace.
        Some(isolation) => {
            // SAFETY: `apply` only makes system calls on data prepared before the fork.
            unsafe {
                cmd.pre_exec(move || isolation.apply());
            }
            Some(crate::sandbox::SUBJECT_PID)
        }
        None => {
            let own = sandbox.own_netns();
            // SAFETY: `create` only makes system calls on data prepared before the fork.
            unsafe {
                cmd.pre_exec(move || own.create());
            }
            None
        }
    }
}

/// How a waited-for process ended.
fn status_of(output: &std::process::Output, timed_out: bool) -> Status {
    match (timed_out, output.status.code()) {
        (true, _) => Status::TimedOut,
        (false, Some(n)) => Status::Exited(n),
        (false, None) => Status::Signaled(output.status.signal().unwrap_or(0)),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn only_the_subjects_own_pid_in_paths_becomes_the_in_process_one() {
        let mut b =
            b"+ IP_TMPOUT=/tmp/weave_ip_out_812\n+ readlink /proc/812/ns/net\n+ [ 812 = 8123 ] /proc/8123\n".to_vec();
        super::own_pid_as_in_process(&mut b, 812);
        assert_eq!(
            String::from_utf8(b).unwrap(),
            "+ IP_TMPOUT=/tmp/weave_ip_out_39999\n+ readlink /proc/39999/ns/net\n+ [ 812 = 8123 ] /proc/8123\n"
        );
    }
}
