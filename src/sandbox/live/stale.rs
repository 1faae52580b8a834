//! Sandboxes a harness left behind when it was killed outright (`kill -9`), before it could remove
//! them.
//!
//! Each harness process holds an exclusive `flock` on `weavetrace-run-<pid>.lock` in the sandbox
//! parent for its whole life, and names its sandboxes `weavetrace-<pid>-XXXXXX`. Before its first
//! sandbox it sweeps: every lock file whose lock it can take belongs to a dead process, whose
//! sandboxes it removes, then the lock file. A lock is held as long as its owner lives, whatever
//! became of its pid, so a reused pid never costs a live harness its sandboxes. Nothing else there
//! is touched: the cache (`weavetrace-cache-UID`), sandboxes named the old way (no owner to ask), another user's.

use rustix::fs::{FlockOperation, Mode, OFlags};
use std::os::fd::OwnedFd;
use std::path::Path;
use std::sync::OnceLock;

/// This process's sandbox name prefix, and the lock that keeps them its own.
struct Claim {
    prefix: String,
    /// Never dropped (a static): the lock lasts until the process ends.
    lock: Option<(OwnedFd, std::path::PathBuf)>,
}

static CLAIM: OnceLock<Claim> = OnceLock::new();

/// The prefix of this process's sandboxes in `parent`. The first call sweeps away the sandboxes of
/// dead harnesses and takes this process's lock; where the lock cannot be had (a file system
/// without flock, say), the prefix names no owner, and those sandboxes are never swept.
pub fn prefix(parent: &Path) -> &'static str {
    &CLAIM
        .get_or_init(|| {
            sweep(parent);
            match lock_own(parent) {
                Ok(lock) => Claim { prefix: format!("weavetrace-{}-", std::process::id()), lock: Some(lock) },
                Err(_) => Claim { prefix: "weavetrace-".into(), lock: None },
            }
        })
        .prefix
}

/// At a clean exit: removes this process's lock file, unless a sandbox of its own outlived the run
/// (one that could not be removed is left to a later sweep, which needs the file to find it).
pub fn release() {
    let Some(Claim { prefix, lock: Some((_, path)) }) = CLAIM.get() else { return };
    let Some(parent) = path.parent() else { return };
    if owned_dirs(parent, prefix).next().is_none() {
        // Still locked while it goes: a sweeper that opened it finds it gone once it gets the lock.
        let _ = std::fs::remove_file(path);
    }
}

fn lock_path(parent: &Path, pid: &str) -> std::path::PathBuf {
    parent.join(format!("weavetrace-run-{pid}.lock"))
}

/// The pid a lock file's name gives, if it is one of ours.
fn owner(name: &str) -> Option<&str> {
    let pid = name.strip_prefix("weavetrace-run-")?.strip_suffix(".lock")?;
    (!pid.is_empty() && pid.bytes().all(|b| b.is_ascii_digit())).then_some(pid)
}

/// The directories (not links) in `parent` whose names start with `prefix`.
fn owned_dirs<'a>(parent: &Path, prefix: &'a str) -> impl Iterator<Item = std::path::PathBuf> + 'a {
    std::fs::read_dir(parent)
        .into_iter()
        .flatten()
        .filter_map(Result::ok)
        .filter(move |e| e.file_name().to_str().is_some_and(|n| n.starts_with(prefix)))
        .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()))
        .map(|e| e.path())
}

/// Whether `fd` is still the file at `path`: a sweeper may have removed it, and a new owner made
/// another, between the open and the lock.
fn is_at(fd: &OwnedFd, path: &Path) -> bool {
    match (rustix::fs::fstat(fd), rustix::fs::lstat(path)) {
        (Ok(a), Ok(b)) => a.st_dev == b.st_dev && a.st_ino == b.st_ino,
        _ => false,
    }
}

/// Takes this process's lock, in a file made for it (or left by a dead process of the same pid).
fn lock_own(parent: &Path) -> std::io::Result<(OwnedFd, std::path::PathBuf)> {
    let path = lock_path(parent, &std::process::id().to_string());
    // Close-on-exec: a subject that held the lock would keep this process's sandboxes from the
    // sweep after the harness's death.
    let flags = OFlags::CREATE | OFlags::RDWR | OFlags::CLOEXEC | OFlags::NOFOLLOW;
    // A sweeper holds a dead namesake's lock only while it removes that one's sandboxes: brief.
    for _ in 0..200 {
        let fd = rustix::fs::open(&path, flags, Mode::from_raw_mode(0o600))?;
        match rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive) {
            Ok(()) if is_at(&fd, &path) => return Ok((fd, path)),
            Ok(()) => continue,
            Err(e) if e == rustix::io::Errno::WOULDBLOCK => std::thread::sleep(std::time::Duration::from_millis(5)),
            Err(e) => return Err(e.into()),
        }
    }
    Err(std::io::ErrorKind::WouldBlock.into())
}

/// Removes the sandboxes, then the lock file, of every harness in `parent` whose lock is free.
fn sweep(parent: &Path) {
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(pid) = name.to_str().and_then(owner) else { continue };
        let path = entry.path();
        let Ok(fd) = rustix::fs::open(&path, OFlags::RDONLY | OFlags::CLOEXEC | OFlags::NOFOLLOW, Mode::empty()) else {
            continue;
        };
        // Held: its owner lives. Moved: another sweeper dealt with it.
        if rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive).is_err() || !is_at(&fd, &path) {
            continue;
        }
        let prefix = format!("weavetrace-{pid}-");
        let mut all_gone = true;
        for dir in owned_dirs(parent, &prefix) {
            if let Err(e) = std::fs::remove_dir_all(&dir) {
                all_gone &= e.kind() == std::io::ErrorKind::NotFound;
            }
        }
        // Kept while a sandbox of its is left, so that a later sweep finds that one.
        if all_gone {
            let _ = std::fs::remove_file(&path);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_lock_file_name_with_a_pid_names_an_owner() {
        assert_eq!(owner("weavetrace-run-123.lock"), Some("123"));
        assert_eq!(owner("weavetrace-run-.lock"), None);
        assert_eq!(owner("weavetrace-run-12a.lock"), None);
        assert_eq!(owner("weavetrace-cache"), None);
        assert_eq!(owner("weavetrace-123-abcdef"), None);
    }

    #[test]
    fn the_sweep_removes_a_dead_owners_sandboxes_and_nothing_else() {
        let parent = tempfile::tempdir().expect("a temp dir");
        let p = parent.path();
        let mkdir = |name: &str| {
            std::fs::create_dir_all(p.join(name).join("sub")).expect("made");
            std::fs::write(p.join(name).join("sub/file"), "x").expect("written");
        };
        // Dead: a lock file no one holds.
        std::fs::write(lock_path(p, "11"), "").expect("written");
        mkdir("weavetrace-11-aaaaaa");
        // Alive: a lock held here.
        let held = lock_path(p, "22");
        std::fs::write(&held, "").expect("written");
        // CLOEXEC: a process another test forks meanwhile must not hold the lock on.
        let fd = rustix::fs::open(&held, OFlags::RDONLY | OFlags::CLOEXEC, Mode::empty()).expect("opened");
        rustix::fs::flock(&fd, FlockOperation::NonBlockingLockExclusive).expect("locked");
        mkdir("weavetrace-22-bbbbbb");
        // Not the dead one's, though their names start alike; no owner; the cache.
        for name in ["weavetrace-110-cccccc", "weavetrace-dddddd", "weavetrace-cache", "weavetrace-33-eeeeee"] {
            mkdir(name);
        }
        sweep(p);
        assert!(!p.join("weavetrace-11-aaaaaa").exists());
        assert!(!lock_path(p, "11").exists());
        for name in ["weavetrace-22-bbbbbb", "weavetrace-run-22.lock", "weavetrace-110-cccccc", "weavetrace-dddddd"] {
            assert!(p.join(name).exists(), "{name} was removed");
        }
        for name in ["weavetrace-cache", "weavetrace-33-eeeeee"] {
            assert!(p.join(name).join("sub/file").exists(), "{name} was touched");
        }
        drop(fd);
        // A child another test forks holds every descriptor until it execs (a subject's init never
        // does, but closes them first): the lock may outlive `drop` by that long.
        for _ in 0..200 {
            sweep(p);
            if !p.join("weavetrace-22-bbbbbb").exists() {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert!(!p.join("weavetrace-22-bbbbbb").exists(), "its owner is gone now");
    }
}
