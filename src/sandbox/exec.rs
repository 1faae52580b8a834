//! Starting a process and bounding its wait: for subjects, and for the probes of the fake and of a
//! shell, which run beside the sandbox.

use std::os::unix::process::CommandExt;
use std::process::Command;
use std::sync::mpsc;
use std::time::Duration;

/// Spawns `cmd` in a process group of its own, which [`wait_with_timeout`] kills whole, trying
/// again briefly while the program is busy being written (ETXTBSY): another thread's fork can hold
/// a just-written binary open for a moment.
pub fn spawn(cmd: &mut Command) -> std::io::Result<std::process::Child> {
    cmd.process_group(0);
    let mut tries = 0;
    loop {
        match cmd.spawn() {
            Err(e) if e.raw_os_error() == Some(rustix::io::Errno::TXTBSY.raw_os_error()) && tries < 20 => {
                tries += 1;
                std::thread::sleep(Duration::from_millis(5));
            }
            Ok(child) => return Ok(super::live::register(child)),
            other => return other,
        }
    }
}

/// Waits for `child`, started by [`spawn`]; past `timeout` its whole process group is killed.
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
    super::live::unregister(pgid);
    let _ = done.send(());
    let timed_out = watchdog.join().unwrap_or(false);
    Ok((output?, timed_out))
}
