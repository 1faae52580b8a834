//! What the running harness holds and must give back when it is interrupted: the process groups of
//! the subjects (and probes) it is running, and, in [`stale`], its claim on its sandbox directories.
//!
//! On SIGINT or SIGTERM the harness calls [`kill_all`]: from then on nothing new is started, every
//! registered process group is killed, and the workers, whose waits end, return and drop (remove)
//! their sandboxes.

use std::process::Child;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

mod stale;

pub use stale::{prefix, release};

/// The process groups of the running children (each leads its own: [`super::spawn`]), and whether
/// the run was interrupted.
struct Registry {
    groups: Mutex<Vec<i32>>,
    interrupted: AtomicBool,
}

static LIVE: Registry = Registry { groups: Mutex::new(Vec::new()), interrupted: AtomicBool::new(false) };

/// Records `child`'s process group, just spawned, as running; hands `child` back. After
/// [`kill_all`] the group is killed at once instead: a spawn racing the interrupt starts nothing
/// that outlives it.
pub fn register(child: Child) -> Child {
    LIVE.register(child.id() as i32);
    child
}

/// Forgets the group led by `pid`, whose leader has been waited for.
pub fn unregister(pid: i32) {
    LIVE.unregister(pid)
}

/// Marks the run interrupted and kills every running group with SIGKILL (a subject may trap
/// anything gentler).
pub fn kill_all() {
    LIVE.kill_all()
}

/// Whether [`kill_all`] has run: what finishes after it may have been killed, and is no verdict.
pub fn interrupted() -> bool {
    LIVE.interrupted.load(Ordering::SeqCst)
}

impl Registry {
    fn register(&self, group: i32) {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        if self.interrupted.load(Ordering::SeqCst) {
            kill_group(group);
        } else {
            groups.push(group);
        }
    }

    fn unregister(&self, group: i32) {
        let mut groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(at) = groups.iter().position(|&g| g == group) {
            groups.swap_remove(at);
        }
    }

    // Under the lock, so that no register slips in between the flag and the kills.
    fn kill_all(&self) {
        let groups = self.groups.lock().unwrap_or_else(|e| e.into_inner());
        self.interrupted.store(true, Ordering::SeqCst);
        for &group in groups.iter() {
            kill_group(group);
        }
    }
}

fn kill_group(group: i32) {
    if let Some(pid) = rustix::process::Pid::from_raw(group) {
        // ESRCH: the group ended on its own meanwhile.
        let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::Kill);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::process::{CommandExt, ExitStatusExt};

    // A registry of its own: interrupting the process's would kill the other tests' subjects.
    #[test]
    fn kill_all_kills_every_group_running_and_every_one_registered_after_it() {
        let registry = Registry { groups: Mutex::new(Vec::new()), interrupted: AtomicBool::new(false) };
        let spawn = || {
            let child =
                std::process::Command::new("sh").args(["-c", "sleep 1000"]).process_group(0).spawn().expect("sh runs");
            registry.register(child.id() as i32);
            child
        };
        let mut running = spawn();
        let group = running.id() as i32;
        registry.unregister(-1);
        assert_eq!(*registry.groups.lock().unwrap(), vec![group]);
        registry.kill_all();
        assert!(registry.interrupted.load(Ordering::SeqCst));
        assert_eq!(running.wait().expect("waited").signal(), Some(9));
        registry.unregister(group);
        assert!(registry.groups.lock().unwrap().is_empty());
        assert_eq!(spawn().wait().expect("waited").signal(), Some(9));
        assert!(registry.groups.lock().unwrap().is_empty());
    }
}
