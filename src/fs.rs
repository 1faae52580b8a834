//! The part of the filesystem the local side probes and changes: `/sys/class/net`, `/var/run/netns`,
//! `PROCFS/PID/ns/net`, `/proc/sys/net/ipv4/neigh`, and its own files under `/tmp`.
//!
//! Two views of it behave alike. A script or the spec as a process sees real files: the sandbox's
//! mount namespace puts its own directories over those paths, and the fakes keep them in step with the
//! world (`fake::materialize`). The spec in-process sees [`MemFs`], which the same `materialize` fills.
//!
//! It sits below the fakes and the spec, which both use it, so that neither needs the other for it.

use std::collections::BTreeMap;
use std::os::unix::ffi::OsStrExt;

/// What a path is, as `lstat` tells (a symbolic link is not followed).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum FileKind {
    Dir,
    File,
    Symlink,
}

/// Why an operation failed: the errno name a utility would print (`No such file or directory`).
pub type FsError = &'static str;

pub const ENOENT: FsError = "No such file or directory";
pub const EEXIST: FsError = "File exists";
pub const ENOTDIR: FsError = "Not a directory";

/// A filesystem as the local side uses it. Paths are absolute and already resolved by the caller.
pub trait Fs {
    fn kind(&self, path: &[u8]) -> Option<FileKind>;
    fn read_link(&self, path: &[u8]) -> Option<Vec<u8>>;
    fn read(&self, path: &[u8]) -> Result<Vec<u8>, FsError>;
    /// Creates or truncates a file; its directory must exist.
    fn write(&mut self, path: &[u8], data: &[u8]) -> Result<(), FsError>;
    /// `mkdir -p`.
    fn mkdir_p(&mut self, path: &[u8]) -> Result<(), FsError>;
    /// Removes a file or link, or a directory with everything under it; a missing path is not an error.
    fn remove(&mut self, path: &[u8]) -> Result<(), FsError>;
    /// `ln -s TARGET PATH`.
    fn symlink(&mut self, target: &[u8], path: &[u8]) -> Result<(), FsError>;
    /// The names in a directory, sorted; empty when it is not one.
    fn list(&self, dir: &[u8]) -> Vec<Vec<u8>>;

    /// Whether `path` is a directory, following a link at its end (`[ -d ]`).
    fn is_dir(&self, path: &[u8]) -> bool {
        match self.kind(path) {
            Some(FileKind::Dir) => true,
            Some(FileKind::Symlink) => self.read_link(path).is_some_and(|t| t.starts_with(b"/") && self.is_dir(&t)),
            _ => false,
        }
    }
}

fn parent(path: &[u8]) -> &[u8] {
    match path.iter().rposition(|&b| b == b'/') {
        Some(0) => b"/",
        Some(i) => &path[..i],
        None => b".",
    }
}

/// An in-memory filesystem: only what was put there exists (and `/`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MemFs {
    nodes: BTreeMap<Vec<u8>, Node>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Node {
    Dir,
    File(Vec<u8>),
    Symlink(Vec<u8>),
}

impl MemFs {
    fn trimmed(path: &[u8]) -> &[u8] {
        let mut p = path;
        while p.len() > 1 && p.ends_with(b"/") {
            p = &p[..p.len() - 1];
        }
        p
    }
}

impl Fs for MemFs {
    fn kind(&self, path: &[u8]) -> Option<FileKind> {
        let path = Self::trimmed(path);
        if path == b"/" {
            return Some(FileKind::Dir);
        }
        self.nodes.get(path).map(|n| match n {
            Node::Dir => FileKind::Dir,
            Node::File(_) => FileKind::File,
            Node::Symlink(_) => FileKind::Symlink,
        })
    }

    fn read_link(&self, path: &[u8]) -> Option<Vec<u8>> {
        match self.nodes.get(Self::trimmed(path)) {
            Some(Node::Symlink(t)) => Some(t.clone()),
            _ => None,
        }
    }

    fn read(&self, path: &[u8]) -> Result<Vec<u8>, FsError> {
        match self.nodes.get(Self::trimmed(path)) {
            Some(Node::File(d)) => Ok(d.clone()),
            Some(Node::Dir) => Err("Is a directory"),
            Some(Node::Symlink(t)) if t.starts_with(b"/") => self.read(&t.clone()),
            _ => Err(ENOENT),
        }
    }

    fn write(&mut self, path: &[u8], data: &[u8]) -> Result<(), FsError> {
        let path = Self::trimmed(path);
        if !self.is_dir(parent(path)) {
            return Err(if self.kind(parent(path)).is_some() { ENOTDIR } else { ENOENT });
        }
        match self.nodes.get(path) {
            Some(Node::Dir) => Err("Is a directory"),
            Some(Node::Symlink(t)) if t.starts_with(b"/") => {
                let t = t.clone();
                self.write(&t, data)
            }
            _ => {
                self.nodes.insert(path.to_vec(), Node::File(data.to_vec()));
                Ok(())
            }
        }
    }

    fn mkdir_p(&mut self, path: &[u8]) -> Result<(), FsError> {
        let path = Self::trimmed(path);
        if path == b"/" || path.is_empty() {
            return Ok(());
        }
        match self.kind(path) {
            Some(FileKind::Dir) => return Ok(()),
            Some(_) if self.is_dir(path) => return Ok(()),
            Some(_) => return Err(EEXIST),
            None => {}
        }
        self.mkdir_p(parent(path))?;
        self.nodes.insert(path.to_vec(), Node::Dir);
        Ok(())
    }

    fn remove(&mut self, path: &[u8]) -> Result<(), FsError> {
        let path = Self::trimmed(path).to_vec();
        let mut prefix = path.clone();
        prefix.push(b'/');
        self.nodes.retain(|k, _| *k != path && !k.starts_with(&prefix));
        Ok(())
    }

    fn symlink(&mut self, target: &[u8], path: &[u8]) -> Result<(), FsError> {
        let path = Self::trimmed(path);
        if self.kind(path).is_some() {
            return Err(EEXIST);
        }
        if !self.is_dir(parent(path)) {
            return Err(ENOENT);
        }
        self.nodes.insert(path.to_vec(), Node::Symlink(target.to_vec()));
        Ok(())
    }

    fn list(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        let dir = Self::trimmed(dir);
        let mut prefix = dir.to_vec();
        if prefix != b"/" {
            prefix.push(b'/');
        }
        self.nodes
            .range(prefix.clone()..)
            .take_while(|(k, _)| k.starts_with(&prefix))
            .map(|(k, _)| &k[prefix.len()..])
            .filter(|rest| !rest.contains(&b'/'))
            .map(<[u8]>::to_vec)
            .collect()
    }
}

/// The real filesystem, where each path under one of `map`'s prefixes is looked up under its
/// directory instead: the harness lays out a sandbox from outside the subject's mount namespace, in
/// which those directories sit over `/proc`, `/run` and `/sys/class/net`.
#[derive(Clone, Debug, Default)]
pub struct RealFs {
    pub map: Vec<(Vec<u8>, std::path::PathBuf)>,
}

fn os_error(e: std::io::Error) -> FsError {
    match e.kind() {
        std::io::ErrorKind::NotFound => ENOENT,
        std::io::ErrorKind::AlreadyExists => EEXIST,
        std::io::ErrorKind::PermissionDenied => "Permission denied",
        _ => "Input/output error",
    }
}

impl RealFs {
    fn real(&self, path: &[u8]) -> std::path::PathBuf {
        for (prefix, dir) in &self.map {
            if let Some(rest) = path.strip_prefix(prefix.as_slice()) {
                if rest.is_empty() || rest.starts_with(b"/") {
                    return dir.join(std::ffi::OsStr::from_bytes(rest.strip_prefix(b"/").unwrap_or(rest)));
                }
            }
        }
        std::path::PathBuf::from(std::ffi::OsStr::from_bytes(path))
    }
}

impl Fs for RealFs {
    fn kind(&self, path: &[u8]) -> Option<FileKind> {
        let meta = std::fs::symlink_metadata(self.real(path)).ok()?;
        let t = meta.file_type();
        Some(if t.is_symlink() {
            FileKind::Symlink
        } else if t.is_dir() {
            FileKind::Dir
        } else {
            FileKind::File
        })
    }

    fn read_link(&self, path: &[u8]) -> Option<Vec<u8>> {
        std::fs::read_link(self.real(path)).ok().map(|p| p.as_os_str().as_bytes().to_vec())
    }

    fn read(&self, path: &[u8]) -> Result<Vec<u8>, FsError> {
        std::fs::read(self.real(path)).map_err(os_error)
    }

    fn write(&mut self, path: &[u8], data: &[u8]) -> Result<(), FsError> {
        std::fs::write(self.real(path), data).map_err(os_error)
    }

    fn mkdir_p(&mut self, path: &[u8]) -> Result<(), FsError> {
        std::fs::create_dir_all(self.real(path)).map_err(os_error)
    }

    fn remove(&mut self, path: &[u8]) -> Result<(), FsError> {
        let real = self.real(path);
        let r = match std::fs::symlink_metadata(&real) {
            Ok(m) if m.is_dir() => std::fs::remove_dir_all(&real),
            Ok(_) => std::fs::remove_file(&real),
            Err(_) => Ok(()),
        };
        r.map_err(os_error)
    }

    fn symlink(&mut self, target: &[u8], path: &[u8]) -> Result<(), FsError> {
        std::os::unix::fs::symlink(std::ffi::OsStr::from_bytes(target), self.real(path)).map_err(os_error)
    }

    fn list(&self, dir: &[u8]) -> Vec<Vec<u8>> {
        let mut names: Vec<Vec<u8>> = std::fs::read_dir(self.real(dir))
            .map(|rd| rd.flatten().map(|e| e.file_name().as_bytes().to_vec()).collect())
            .unwrap_or_default();
        names.sort();
        names
    }

    fn is_dir(&self, path: &[u8]) -> bool {
        self.real(path).is_dir()
    }
}

/// The environment variable that names the sandbox directory to a fake (and to the spec as a
/// process, which finds the sandbox's files under it).
pub const SANDBOX_ENV: &str = "WEAVETRACE_SANDBOX";

/// The host's directories of binaries. In the sandbox's namespaces each is covered by a stand-in
/// whose every name runs the fake: a fake started from one of them was run from outside the
/// sandbox's PATH.
pub const HOST_BIN_DIRS: [&str; 6] = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/// The sandbox's directory of records (the world, its state, the calls log, the faults).
pub const RECORDS_DIR: &str = "rec";

/// The descriptor through which a fake reaches the records when the subject runs in the sandbox's
/// namespaces, where `RECORDS_DIR` is covered: a directory opened `O_PATH`, which a shell can
/// neither name in a redirection (dash and busybox take one digit) nor make.
pub const RECORDS_FD: i32 = 100;

/// Where a sandbox keeps the directories its mount namespace puts over the host's: `ROOT/fs/proc`
/// over `/proc`, `ROOT/fs/run` over `/run` (and so `/var/run`), `ROOT/fs/sys-class-net` over
/// `/sys/class/net`.
pub const SANDBOX_MOUNTS: [(&str, &str); 3] =
    [("/proc", "fs/proc"), ("/run", "fs/run"), ("/sys/class/net", "fs/sys-class-net")];

/// The sandbox at `root` seen from outside its mount namespace (the harness, or a fake wherever it
/// runs): the same files a subject sees at `/proc`, `/run`, `/var/run` and `/sys/class/net`.
pub fn sandbox_fs(root: &std::path::Path) -> RealFs {
    let mut map: Vec<(Vec<u8>, std::path::PathBuf)> =
        SANDBOX_MOUNTS.iter().map(|(path, dir)| (path.as_bytes().to_vec(), root.join(dir))).collect();
    map.push((b"/var/run".to_vec(), root.join("fs/run")));
    map.push((b"/tmp".to_vec(), root.join("tmp")));
    RealFs { map }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mem_fs_behaves_like_a_directory_tree() {
        let mut fs = MemFs::default();
        assert!(fs.is_dir(b"/"));
        assert_eq!(fs.write(b"/tmp/x", b"1"), Err(ENOENT));
        fs.mkdir_p(b"/tmp").unwrap();
        fs.write(b"/tmp/x", b"1").unwrap();
        assert_eq!(fs.read(b"/tmp/x"), Ok(b"1".to_vec()));
        fs.mkdir_p(b"/proc/7/ns").unwrap();
        fs.symlink(b"net:[4026531992]", b"/proc/7/ns/net").unwrap();
        assert_eq!(fs.kind(b"/proc/7/ns/net"), Some(FileKind::Symlink));
        assert_eq!(fs.symlink(b"x", b"/proc/7/ns/net"), Err(EEXIST));
        fs.mkdir_p(b"/var/run/netns").unwrap();
        fs.symlink(b"/proc/7/ns/net", b"/var/run/netns/7").unwrap();
        assert_eq!(fs.read_link(b"/var/run/netns/7"), Some(b"/proc/7/ns/net".to_vec()));
        fs.remove(b"/proc/7").unwrap();
        assert_eq!(fs.kind(b"/proc/7/ns/net"), None);
        assert!(fs.is_dir(b"/var/run/netns/"));
        assert_eq!(fs.list(b"/var/run"), vec![b"netns".to_vec()]);
        assert_eq!(fs.list(b"/"), vec![b"proc".to_vec(), b"tmp".to_vec(), b"var".to_vec()]);
    }
}
