//! Namespaces around a subject: where the kernel allows, the subject runs in new mount and network
//! namespaces (and a user namespace when the harness is not root), so that even a script that steps
//! outside its PATH cannot reach the host's network, docker socket, docker client or files.
//!
//! Inside, before the subject starts:
//! - no network at all (a new network namespace has only a down loopback);
//! - the sandbox is mounted on itself, and its `tmp/` over `/tmp` (with the files the subject must
//!   reach there, such as the shell the user named);
//! - each host binary named like a fake (`/usr/bin/docker`, ...) is covered by the fake, which, run
//!   by a path rather than through PATH, reports an escape instead of answering;
//! - the docker sockets are covered by `/dev/null`;
//! - the sandbox's `fs/proc`, `fs/run` and `fs/sys-class-net` cover `/proc`, `/run` (so `/var/run`)
//!   and `/sys/class/net`: what the local side probes there is the world's, kept by the fakes;
//! - `/` is read-only.

use rustix::mount::{mount_change, mount_recursive_bind, mount_remount, MountFlags, MountPropagationFlags};
use rustix::thread::{move_into_link_name_space, unshare, LinkNameSpaceType, UnshareFlags};
use std::ffi::CString;
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Directories searched for host binaries that share a fake's name.
const HOST_BIN_DIRS: [&str; 6] = ["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];
/// Where a docker daemon listens.
const DOCKER_SOCKETS: [&str; 2] = ["/run/docker.sock", "/var/run/docker.sock"];

/// Everything [`Isolation::apply`] needs, prepared before the fork: the child of a multi-threaded
/// process may only make system calls, so no allocation happens there.
pub struct Isolation {
    user_maps: Option<[(CString, CString); 3]>,
    /// An empty network namespace made once and joined by every subject: creating one per run
    /// costs about half a millisecond, a tenth of a whole run. `None`: each run makes its own.
    shared_net: Option<BorrowedFd<'static>>,
    /// (source, target) bind mounts, in order.
    binds: Vec<(CString, CString)>,
}

fn c(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap_or_default()
}

impl Isolation {
    /// The isolation for a sandbox at `root`, whose `bin/` holds the fakes; without
    /// `cover_host_binaries`, the host's binaries named like fakes are left as they are. Each file in
    /// `keep` that the sandbox's `tmp/` would hide stays at its path: an empty file of the same name
    /// in `tmp/` gets the real one bound over it (a bound file keeps its own filesystem's flags, so
    /// a shell stays executable where a copy on a `noexec` /dev/shm would not be).
    pub fn new(root: &Path, cover_host_binaries: bool, keep: &[PathBuf]) -> Isolation {
        let uid = rustix::process::geteuid().as_raw();
        let gid = rustix::process::getegid().as_raw();
        let user_maps = (uid != 0).then(|| {
            [
                (c(Path::new("/proc/self/setgroups")), CString::new("deny").unwrap_or_default()),
                (c(Path::new("/proc/self/uid_map")), CString::new(format!("0 {uid} 1")).unwrap_or_default()),
                (c(Path::new("/proc/self/gid_map")), CString::new(format!("0 {gid} 1")).unwrap_or_default()),
            ]
        });
        let mut binds = vec![(c(root), c(root))];
        for file in keep {
            let (Ok(inside), Ok(real)) = (file.strip_prefix("/tmp"), file.canonicalize()) else { continue };
            let stand_in = root.join("tmp").join(inside);
            let made =
                stand_in.parent().map_or(Ok(()), std::fs::create_dir_all).and_then(|()| std::fs::write(&stand_in, ""));
            if made.is_ok() {
                binds.push((c(&real), c(&stand_in)));
            }
        }
        binds.push((c(&root.join("tmp")), c(Path::new("/tmp"))));
        for (name, real) in host_paths() {
            let source = match name.is_empty() {
                true => PathBuf::from("/dev/null"),
                false if cover_host_binaries => root.join("bin").join(name),
                false => continue,
            };
            binds.push((c(&source), c(real)));
        }
        // After the sockets: /run is covered whole.
        for (path, dir) in crate::fs::SANDBOX_MOUNTS {
            if root.join(dir).is_dir() {
                binds.push((c(&root.join(dir)), c(Path::new(path))));
            }
        }
        Isolation { user_maps, shared_net: shared_network(), binds }
    }

    /// Enters the namespaces and lays out the mounts; runs in the forked child before exec.
    pub fn apply(&self) -> std::io::Result<()> {
        let mut flags = UnshareFlags::NEWNS;
        match self.shared_net {
            Some(net) => move_into_link_name_space(net, Some(LinkNameSpaceType::Network))?,
            None => flags |= UnshareFlags::NEWNET,
        }
        if self.user_maps.is_some() {
            flags |= UnshareFlags::NEWUSER;
        }
        unshare(flags)?;
        if let Some(maps) = &self.user_maps {
            for (file, content) in maps {
                let fd = rustix::fs::open(file.as_c_str(), rustix::fs::OFlags::WRONLY, rustix::fs::Mode::empty())?;
                rustix::io::write(&fd, content.as_bytes())?;
            }
        }
        // Nothing done here may reach the host's mount table.
        mount_change(c"/", MountPropagationFlags::REC | MountPropagationFlags::PRIVATE)?;
        // Recursive: the files kept in `tmp/` go with it over /tmp.
        for (source, target) in &self.binds {
            mount_recursive_bind(source.as_c_str(), target.as_c_str())?;
        }
        mount_remount(c"/", MountFlags::BIND | MountFlags::RDONLY, c"")?;
        Ok(())
    }
}

/// What the isolation covers on this host, looked up once: each host binary named like a fake (with
/// that name), and each docker socket (with an empty name: covered by /dev/null).
fn host_paths() -> &'static [(String, PathBuf)] {
    static FOUND: OnceLock<Vec<(String, PathBuf)>> = OnceLock::new();
    FOUND.get_or_init(|| {
        let mut found: Vec<(String, PathBuf)> = Vec::new();
        let mut add = |name: &str, path: PathBuf| {
            if let Ok(real) = path.canonicalize() {
                if !found.iter().any(|(_, p)| *p == real) {
                    found.push((name.to_string(), real));
                }
            }
        };
        for name in crate::fake::registry::FAKES.iter().map(|f| f.name) {
            for dir in HOST_BIN_DIRS {
                add(name, Path::new(dir).join(name));
            }
        }
        for socket in DOCKER_SOCKETS {
            add("", PathBuf::from(socket));
        }
        found
    })
}

/// The shared empty network namespace, made on first use by a child that enters a new one and is
/// held open through its `/proc/PID/ns/net`. Only as root: a subject in a user namespace of its own
/// may not join a network namespace owned by another.
fn shared_network() -> Option<BorrowedFd<'static>> {
    static NET: OnceLock<Option<OwnedFd>> = OnceLock::new();
    NET.get_or_init(|| {
        if !rustix::process::geteuid().is_root() {
            return None;
        }
        let mut cmd = std::process::Command::new("/bin/sh");
        cmd.args(["-c", "read line"]).stdin(std::process::Stdio::piped());
        // SAFETY: one system call in the child.
        unsafe {
            std::os::unix::process::CommandExt::pre_exec(&mut cmd, || {
                unshare(UnshareFlags::NEWNET).map_err(std::io::Error::from)
            });
        }
        let mut child = cmd.spawn().ok()?;
        let net = std::fs::File::open(format!("/proc/{}/ns/net", child.id())).ok().map(OwnedFd::from);
        drop(child.stdin.take());
        let _ = child.wait();
        net
    })
    .as_ref()
    .map(|fd| fd.as_fd())
}

/// Whether subjects can be isolated here; the reason when they cannot. Probed once per process by
/// starting `/bin/sh` in the namespaces of a throwaway sandbox directory.
pub fn available() -> Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            if std::env::var_os("WEAVETRACE_NO_NAMESPACES").is_some() {
                return Err("WEAVETRACE_NO_NAMESPACES is set".to_string());
            }
            let dir = tempfile::tempdir().map_err(|e| format!("cannot probe namespaces: {e}"))?;
            std::fs::create_dir(dir.path().join("tmp")).map_err(|e| format!("cannot probe namespaces: {e}"))?;
            let iso = Isolation::new(dir.path(), false, &[]);
            let mut cmd = std::process::Command::new("/bin/sh");
            cmd.args(["-c", ":"]);
            // SAFETY: `apply` only makes system calls on data prepared before the fork.
            unsafe {
                std::os::unix::process::CommandExt::pre_exec(&mut cmd, move || iso.apply());
            }
            match cmd.status() {
                Ok(s) if s.success() => Ok(()),
                Ok(s) => Err(format!("a probe in namespaces exited with {s}")),
                Err(e) => Err(format!("namespaces are not available here ({e})")),
            }
        })
        .clone()
}
