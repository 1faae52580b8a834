//! The boundary around a subject: where the kernel allows, a subject runs in new user, mount, pid,
//! ipc and uts namespaces and an empty network namespace, as root inside and an unprivileged id
//! outside, with no capability left once it runs. Even a script that steps outside its PATH cannot
//! reach the host's network, processes, docker socket, docker client or files.
//!
//! What the subject sees:
//! - no network at all (a network namespace with only a down loopback);
//! - its own processes only: it is pid [`SUBJECT_PID`] under an init of ours, and when it exits (or
//!   the harness dies, or the timeout kills the init) everything it started ends with the namespace;
//! - `/` read-only; `/home`, `/root` and the project the harness runs from covered by empty
//!   directories; a private `/dev` with only null, zero, full, random, urandom and tty, a private
//!   `/dev/shm`; `/sys` read-only;
//! - the sandbox at its own path, its `bin/` read-only, and its `tmp/` over `/tmp`; the sandbox's records (`rec/`: the
//!   calls log, the world and its state) covered: only the fakes reach them, through the
//!   descriptor [`crate::fs::RECORDS_FD`], which a shell cannot name (dash and busybox redirect only
//!   0-9) and, with no capability and no real `/proc`, cannot reopen;
//! - each host binary directory covered by a stand-in: every name there runs the fake, which tells
//!   from the path it was started by that it was run from outside the sandbox's PATH and records an
//!   escape, whatever the route (a path, `exec`, `env`, a PATH reset, `set +x`); only the shells and
//!   the utilities the sandbox offers stay real there;
//! - the sandbox's `fs/proc`, `fs/run` and `fs/sys-class-net` over `/proc`, `/run` (so `/var/run`)
//!   and `/sys/class/net`: what the local side probes there is the world's, kept by the fakes;
//! - the docker sockets covered by `/dev/null`.
//!
//! As root the secrets of the host (`/etc/shadow`, ...) are unreadable because the subject is
//! `nobody` outside: its root inside has no power over files the namespace does not map.

use rustix::fd::{AsRawFd, RawFd};
use rustix::mount::{
    mount2, mount_change, mount_recursive_bind, mount_remount, move_mount, open_tree, MountFlags,
    MountPropagationFlags, MoveMountFlags, OpenTreeFlags,
};
use rustix::thread::{move_into_link_name_space, unshare, LinkNameSpaceType, UnshareFlags};
use std::ffi::{CStr, CString};
use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::fs::HOST_BIN_DIRS;
/// Where a docker daemon listens.
const DOCKER_SOCKETS: [&str; 2] = ["/run/docker.sock", "/var/run/docker.sock"];
/// The devices a script may open.
const DEVICES: [&str; 6] = ["/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom", "/dev/tty"];
/// The names that stay the host's own in a stand-in directory: the shells a subject is run by, and
/// the utilities the sandbox offers.
const SHELLS: [&str; 4] = ["sh", "dash", "bash", "busybox"];
/// The outside id of a subject when the harness is root: no capability, and no file of the host's
/// that is not readable by anyone.
pub(super) const NOBODY: u32 = 65534;

/// The subject's pid inside its namespace: fixed, so that `$$` is the same in every run, and unlike
/// any number a world or a golden uses (it becomes the in-process spec's pid in what is recorded).
pub const SUBJECT_PID: u32 = 31999;

/// Everything [`Isolation::apply`] needs, prepared before the fork: the child of a multi-threaded
/// process may only make system calls, so no allocation happens there.
pub struct Isolation {
    /// As root: the id to become before entering the user namespace.
    drop_to: Option<u32>,
    user_maps: [(CString, CString); 3],
    /// An empty network namespace made once and joined by every subject: creating one per run
    /// costs about half a millisecond, a tenth of a whole run. `None`: each run makes its own.
    shared_net: Option<BorrowedFd<'static>>,
    /// The harness, whose death must end the subject.
    parent: i32,
    /// The records directory, in the sandbox, handed to the fakes as [`crate::fs::RECORDS_FD`].
    records: CString,
    /// (source, target) bind mounts made while the host's tree is whole, in order.
    binds: Vec<(CString, CString)>,
    /// Directories covered by an empty tmpfs (read-only once kept files are attached).
    covers: Vec<CString>,
    /// Cloned before the covers and attached after them at `target`, made first where a cover hid
    /// it: the sandbox (first: the records are opened in its clone), its `bin/`, the cache, kept
    /// files.
    attach: Vec<Attach>,
    /// The sandbox's records directory as the subject would see it, covered last.
    records_cover: CString,
    /// Read-only remounts, last, with the flags the kernel keeps locked on each mount.
    read_only: Vec<(CString, MountFlags)>,
    work: CString,
    own_netns: super::OwnNetns,
}

struct Attach {
    source: CString,
    target: CString,
    dir: bool,
}

fn c(path: &Path) -> CString {
    CString::new(path.as_os_str().as_bytes()).unwrap_or_default()
}

impl Isolation {
    /// The isolation for a sandbox at `root`, whose `bin/` holds the fakes, `rec/` the records and
    /// `work/` the subject's working directory; `cache` holds the binaries the sandbox links to (the
    /// fake) and the stand-ins of the host's binary directories. Each (copy, path) in `keep` puts
    /// the copy at the path (a shell the user named, under /tmp or in a covered directory).
    pub fn new(
        root: &Path,
        cache: &Path,
        stand_ins: &[(PathBuf, PathBuf)],
        keep: &[(PathBuf, PathBuf)],
        own_netns: super::OwnNetns,
    ) -> Isolation {
        let uid = rustix::process::geteuid().as_raw();
        let gid = rustix::process::getegid().as_raw();
        let drop_to = (uid == 0).then_some(NOBODY);
        let (outer_uid, outer_gid) = drop_to.map_or((uid, gid), |id| (id, id));
        let user_maps = [
            (c(Path::new("/proc/self/setgroups")), CString::new("deny").unwrap_or_default()),
            (c(Path::new("/proc/self/uid_map")), CString::new(format!("0 {outer_uid} 1")).unwrap_or_default()),
            (c(Path::new("/proc/self/gid_map")), CString::new(format!("0 {outer_gid} 1")).unwrap_or_default()),
        ];
        let mut binds = Vec::new();
        for (stand_in, host) in stand_ins {
            binds.push((c(stand_in), c(host)));
        }
        for socket in docker_sockets() {
            binds.push((c(Path::new("/dev/null")), c(socket)));
        }
        // After the sockets: /run is covered whole.
        for (path, dir) in crate::fs::SANDBOX_MOUNTS {
            if root.join(dir).is_dir() {
                binds.push((c(&root.join(dir)), c(Path::new(path))));
            }
        }
        // Last: a sandbox under /tmp is hidden once its tmp/ is there.
        binds.push((c(&root.join("tmp")), c(Path::new("/tmp"))));
        let covers: Vec<CString> = hidden_dirs().iter().map(|p| c(p)).collect();
        let bin = root.join("bin");
        let mut attach: Vec<Attach> =
            [root, &bin, cache].iter().map(|dir| Attach { source: c(dir), target: c(dir), dir: true }).collect();
        for (copy, file) in keep {
            attach.push(Attach { source: c(copy), target: c(file), dir: false });
        }
        // The covers are made writable, so that a kept file under one can be attached there, and
        // then read-only like the rest. The fakes' links in bin/ stay what the harness made (a
        // script that replaced one would answer its own calls, unrecorded), and so does the cache;
        // / last.
        let ours = MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC;
        let mut read_only: Vec<(CString, MountFlags)> = covers.iter().map(|d| (d.clone(), ours)).collect();
        read_only.push((c(&bin), locked_flags(root)));
        read_only.push((c(cache), locked_flags(cache)));
        if Path::new("/sys").is_dir() {
            read_only.push((c(Path::new("/sys")), locked_flags(Path::new("/sys"))));
        }
        read_only.push((c(Path::new("/")), locked_flags(Path::new("/"))));
        Isolation {
            drop_to,
            user_maps,
            shared_net: shared_network(),
            parent: rustix::process::getpid().as_raw_nonzero().get(),
            records: c(Path::new(super::RECORDS_DIR)),
            binds,
            covers,
            attach,
            records_cover: c(&root.join(super::RECORDS_DIR)),
            read_only,
            work: c(&root.join("work")),
            own_netns,
        }
    }

    /// Enters the namespaces, lays out the mounts and starts the namespace's init, which starts
    /// the subject; runs in the forked child before exec, and returns only in the subject's
    /// process (the others end with `_exit`).
    pub fn apply(&self) -> std::io::Result<()> {
        rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::Kill))?;
        if rustix::process::getppid().map_or(0, |p| p.as_raw_nonzero().get()) != self.parent {
            // The harness died before the line above: nothing may outlive it.
            return Err(std::io::Error::from(std::io::ErrorKind::Interrupted));
        }
        let mut flags = UnshareFlags::NEWUSER
            | UnshareFlags::NEWNS
            | UnshareFlags::NEWPID
            | UnshareFlags::NEWIPC
            | UnshareFlags::NEWUTS;
        match self.shared_net {
            // Joined as root, before the user namespace: only the host's root may.
            Some(net) => move_into_link_name_space(net, Some(LinkNameSpaceType::Network))?,
            None => flags |= UnshareFlags::NEWNET,
        }
        if let Some(id) = self.drop_to {
            rustix::thread::set_thread_groups(&[])?;
            rustix::thread::set_thread_res_gid(gid(id), gid(id), gid(id))?;
            rustix::thread::set_thread_res_uid(uid(id), uid(id), uid(id))?;
            // Changing ids makes /proc/self root's; it must stay ours to write the maps.
            rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::Dumpable)?;
        }
        unshare(flags)?;
        for (file, content) in &self.user_maps {
            let fd = rustix::fs::open(file.as_c_str(), rustix::fs::OFlags::WRONLY, rustix::fs::Mode::empty())?;
            rustix::io::write(&fd, content.as_bytes())?;
        }
        // Opened while the host's /proc is still in view; written by the init, whose pid namespace
        // it sets.
        let last_pid = rustix::fs::open(
            c"/proc/sys/kernel/ns_last_pid",
            rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )?;
        // Nothing done here may reach the host's mount table.
        mount_change(c"/", MountPropagationFlags::REC | MountPropagationFlags::PRIVATE)?;
        // Clones of what the covers below would hide, attached again after them.
        let mut clones: [Option<OwnedFd>; 16] = Default::default();
        for (slot, a) in clones.iter_mut().zip(&self.attach) {
            *slot = Some(open_tree(
                rustix::fs::CWD,
                a.source.as_c_str(),
                OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::AT_RECURSIVE | OpenTreeFlags::OPEN_TREE_CLOEXEC,
            )?);
        }
        // In the sandbox's own clone (the first), which stays writable when the mount it lives on
        // (/ itself, for a sandbox under /tmp) is made read-only below.
        let sandbox = clones[0].as_ref().ok_or(std::io::ErrorKind::InvalidInput)?;
        let records = rustix::fs::openat(
            sandbox,
            self.records.as_c_str(),
            rustix::fs::OFlags::PATH | rustix::fs::OFlags::DIRECTORY | rustix::fs::OFlags::CLOEXEC,
            rustix::fs::Mode::empty(),
        )?;
        let mut devices: [Option<OwnedFd>; DEVICES.len()] = Default::default();
        for (slot, dev) in devices.iter_mut().zip(DEVICE_PATHS) {
            // A device the host lacks (no /dev/tty in a container) is simply not offered.
            *slot =
                open_tree(rustix::fs::CWD, dev, OpenTreeFlags::OPEN_TREE_CLONE | OpenTreeFlags::OPEN_TREE_CLOEXEC).ok();
        }
        for (source, target) in &self.binds {
            mount_recursive_bind(source.as_c_str(), target.as_c_str())?;
        }
        let empty = MountFlags::RDONLY | MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC;
        let cover = MountFlags::NOSUID | MountFlags::NODEV | MountFlags::NOEXEC;
        for dir in &self.covers {
            mount2(Some(c"tmpfs"), dir.as_c_str(), Some(c"tmpfs"), cover, Some(c"size=64k,mode=755"))?;
        }
        mount2(Some(c"tmpfs"), c"/dev", Some(c"tmpfs"), MountFlags::NOSUID | MountFlags::NOEXEC, Some(c"mode=755"))?;
        for (fd, dev) in devices.iter().zip(DEVICE_PATHS) {
            if let Some(fd) = fd {
                create_file(dev)?;
                attach_at(fd, dev)?;
            }
        }
        rustix::fs::mkdir(c"/dev/shm", rustix::fs::Mode::from_raw_mode(0o1777))?;
        mount2(
            Some(c"tmpfs"),
            c"/dev/shm",
            Some(c"tmpfs"),
            MountFlags::NOSUID | MountFlags::NODEV,
            Some(c"mode=1777,size=64m"),
        )?;
        for (fd, a) in clones.iter().zip(&self.attach) {
            let Some(fd) = fd else { continue };
            make_path(a.target.as_c_str(), a.dir)?;
            attach_at(fd, a.target.as_c_str())?;
        }
        mount2(Some(c"tmpfs"), self.records_cover.as_c_str(), Some(c"tmpfs"), empty, Some(c"size=4k,mode=755"))?;
        for (target, flags) in &self.read_only {
            mount_remount(target.as_c_str(), MountFlags::BIND | MountFlags::RDONLY | *flags, c"")?;
        }
        // The working directory was entered before the mounts: enter it again, in the new tree.
        rustix::process::chdir(self.work.as_c_str())?;
        self.start_init(last_pid)?;
        // The subject: the records descriptor stays open from here, at its fixed number.
        dup_to(records.as_raw_fd(), crate::fs::RECORDS_FD)?;
        drop(records);
        self.own_netns.create()?;
        // Root inside, with no capability: whatever it runs cannot mount, enter namespaces or
        // change the kernel's settings, even there.
        rustix::thread::set_capabilities_secure_bits(
            rustix::thread::CapabilitiesSecureBits::NO_ROOT
                | rustix::thread::CapabilitiesSecureBits::NO_ROOT_LOCKED
                | rustix::thread::CapabilitiesSecureBits::NO_SETUID_FIXUP
                | rustix::thread::CapabilitiesSecureBits::NO_SETUID_FIXUP_LOCKED
                | rustix::thread::CapabilitiesSecureBits::KEEP_CAPS_LOCKED,
        )?;
        rustix::thread::set_no_new_privs(true)?;
        Ok(())
    }

    /// Forks twice: this process stays outside the pid namespace and waits for the first child,
    /// the namespace's init (pid 1), which reaps everything and waits for the second, the subject
    /// (pid [`SUBJECT_PID`]). Returns in the subject only. When the subject ends the init exits
    /// with its status, the kernel then kills whatever the subject left behind, and this process
    /// ends as the subject did.
    fn start_init(&self, last_pid: OwnedFd) -> std::io::Result<()> {
        let (status_read, status_write) = rustix::pipe::pipe_with(rustix::pipe::PipeFlags::CLOEXEC)?;
        // SAFETY: fork in the child of a fork; each branch below only makes system calls.
        match unsafe { libc::fork() } {
            -1 => return Err(std::io::Error::last_os_error()),
            0 => {}
            init => outside(init, status_read.as_raw_fd()),
        }
        rustix::process::set_parent_process_death_signal(Some(rustix::process::Signal::Kill))?;
        // The first pid a fork takes is the next after this one.
        let mut digits = [0u8; 10];
        rustix::io::write(&last_pid, decimal(SUBJECT_PID - 1, &mut digits))?;
        drop(last_pid);
        drop(status_read);
        // SAFETY: as above.
        match unsafe { libc::fork() } {
            -1 => Err(std::io::Error::last_os_error()),
            0 => {
                drop(status_write);
                Ok(())
            }
            subject => init(subject, status_write.as_raw_fd()),
        }
    }
}

/// The harness's side of the namespace: waits for the init and ends as the subject ended.
fn outside(init: libc::pid_t, status_read: RawFd) -> ! {
    close_all_but(status_read);
    let mut raw = [0u8; 4];
    // SAFETY: plain system calls on this process's own descriptors and child.
    unsafe {
        let got = libc::read(status_read, raw.as_mut_ptr().cast(), raw.len());
        let mut ignored = 0;
        libc::waitpid(init, &mut ignored, 0);
        if got != 4 {
            // The init was killed (the timeout): so is this.
            libc::_exit(137);
        }
        let status = i32::from_ne_bytes(raw);
        if libc::WIFSIGNALED(status) {
            let signal = libc::WTERMSIG(status);
            let no_core = libc::rlimit { rlim_cur: 0, rlim_max: 0 };
            libc::setrlimit(libc::RLIMIT_CORE, &no_core);
            libc::signal(signal, libc::SIG_DFL);
            libc::kill(libc::getpid(), signal);
        }
        libc::_exit(libc::WEXITSTATUS(status))
    }
}

/// The namespace's init: reaps every process reparented to it until the subject ends, then
/// hands the subject's status out and exits, which ends the namespace.
fn init(subject: libc::pid_t, status_write: RawFd) -> ! {
    close_all_but(status_write);
    // SAFETY: plain system calls on this process's own descriptors and children.
    unsafe {
        loop {
            let mut status = 0;
            let pid = libc::waitpid(-1, &mut status, 0);
            if pid == subject || (pid == -1 && *libc::__errno_location() == libc::ECHILD) {
                let raw = status.to_ne_bytes();
                libc::write(status_write, raw.as_ptr().cast(), raw.len());
                libc::_exit(0);
            }
        }
    }
}

/// Closes every descriptor but `keep`: the processes that wait must not hold the subject's
/// output open, nor the pipe through which std learns that the subject started.
fn close_all_but(keep: RawFd) {
    // SAFETY: close_range only closes this process's descriptors.
    unsafe {
        if keep > 0 {
            libc::syscall(libc::SYS_close_range, 0u32, (keep - 1) as u32, 0u32);
        }
        libc::syscall(libc::SYS_close_range, (keep + 1) as u32, u32::MAX, 0u32);
    }
}

/// `fd` duplicated to the number `to`, open across exec.
fn dup_to(fd: RawFd, to: RawFd) -> std::io::Result<()> {
    // SAFETY: dup2 on descriptors of this process.
    match unsafe { libc::dup2(fd, to) } {
        -1 => Err(std::io::Error::last_os_error()),
        _ => Ok(()),
    }
}

fn uid(id: u32) -> rustix::process::Uid {
    // SAFETY: any id may be set; the kernel checks it.
    unsafe { rustix::process::Uid::from_raw(id) }
}

fn gid(id: u32) -> rustix::process::Gid {
    // SAFETY: as for `uid`.
    unsafe { rustix::process::Gid::from_raw(id) }
}

/// `n` in decimal, written into `buf` without allocating.
fn decimal(mut n: u32, buf: &mut [u8; 10]) -> &[u8] {
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            return &buf[i..];
        }
    }
}

const DEVICE_PATHS: [&CStr; DEVICES.len()] =
    [c"/dev/null", c"/dev/zero", c"/dev/full", c"/dev/random", c"/dev/urandom", c"/dev/tty"];

fn create_file(path: &CStr) -> std::io::Result<()> {
    let flags = rustix::fs::OFlags::CREATE | rustix::fs::OFlags::WRONLY | rustix::fs::OFlags::CLOEXEC;
    rustix::fs::open(path, flags, rustix::fs::Mode::from_raw_mode(0o666))?;
    Ok(())
}

fn attach_at(tree: &OwnedFd, target: &CStr) -> std::io::Result<()> {
    Ok(move_mount(tree.as_fd(), c"", rustix::fs::CWD, target, MoveMountFlags::MOVE_MOUNT_F_EMPTY_PATH)?)
}

/// Makes `path` exist, as a directory (`mkdir -p`) or, when not `dir`, as an empty file in a
/// directory made so; what exists already is left alone. No allocation: the path is walked in
/// place, one component at a time.
fn make_path(path: &CStr, dir: bool) -> std::io::Result<()> {
    let bytes = path.to_bytes();
    let mut buf = [0u8; 4096];
    if bytes.len() >= buf.len() {
        return Err(std::io::Error::from(std::io::ErrorKind::InvalidInput));
    }
    for (i, &b) in bytes.iter().enumerate().skip(1) {
        if b != b'/' {
            continue;
        }
        buf[..i].copy_from_slice(&bytes[..i]);
        buf[i] = 0;
        let part =
            CStr::from_bytes_until_nul(&buf).map_err(|_| std::io::Error::from(std::io::ErrorKind::InvalidInput))?;
        match rustix::fs::mkdir(part, rustix::fs::Mode::from_raw_mode(0o755)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => {}
            Err(e) => return Err(e.into()),
        }
    }
    match dir {
        true => match rustix::fs::mkdir(path, rustix::fs::Mode::from_raw_mode(0o755)) {
            Ok(()) | Err(rustix::io::Errno::EXIST) => Ok(()),
            Err(e) => Err(e.into()),
        },
        false => match rustix::fs::access(path, rustix::fs::Access::EXISTS) {
            Ok(()) => Ok(()),
            Err(_) => create_file(path),
        },
    }
}

/// The mount flags a remount of `path` must keep: a user namespace may not clear nosuid, nodev or
/// noexec on a mount it did not make.
fn locked_flags(path: &Path) -> MountFlags {
    let Ok(st) = rustix::fs::statvfs(path) else { return MountFlags::empty() };
    let mut flags = MountFlags::empty();
    for (have, keep) in [
        (rustix::fs::StatVfsMountFlags::NOSUID, MountFlags::NOSUID),
        (rustix::fs::StatVfsMountFlags::NODEV, MountFlags::NODEV),
        (rustix::fs::StatVfsMountFlags::NOEXEC, MountFlags::NOEXEC),
        (rustix::fs::StatVfsMountFlags::NOATIME, MountFlags::NOATIME),
        (rustix::fs::StatVfsMountFlags::NODIRATIME, MountFlags::NODIRATIME),
        (rustix::fs::StatVfsMountFlags::RELATIME, MountFlags::RELATIME),
    ] {
        if st.f_flag.contains(have) {
            flags |= keep;
        }
    }
    flags
}

/// The docker sockets this host has, looked up once.
fn docker_sockets() -> &'static [PathBuf] {
    static FOUND: OnceLock<Vec<PathBuf>> = OnceLock::new();
    FOUND.get_or_init(|| {
        let mut found: Vec<PathBuf> = Vec::new();
        for socket in DOCKER_SOCKETS {
            if let Ok(real) = Path::new(socket).canonicalize() {
                if !found.contains(&real) {
                    found.push(real);
                }
            }
        }
        found
    })
}

/// What the subject must not see of the host: `/home` and `/root` (where they exist), the
/// directory the harness runs from and the project its executable was built in (the one holding
/// `Cargo.toml`), when not `/`.
fn hidden_dirs() -> &'static [PathBuf] {
    static FOUND: OnceLock<Vec<PathBuf>> = OnceLock::new();
    FOUND.get_or_init(|| {
        let mut found: Vec<PathBuf> =
            ["/home", "/root"].iter().map(PathBuf::from).filter(|d| d.is_dir() && !d.is_symlink()).collect();
        // What the sandbox puts its own over is not covered again.
        let replaced = ["/tmp", "/dev", "/proc", "/sys", "/run"];
        let mut add = |dir: PathBuf| {
            let special = replaced.iter().any(|r| dir.starts_with(r));
            if dir.parent().is_some() && !special && dir.is_dir() && !found.contains(&dir) {
                found.push(dir);
            }
        };
        if let Ok(cwd) = std::env::current_dir().and_then(|d| d.canonicalize()) {
            add(cwd);
        }
        if let Ok(exe) = std::env::current_exe().and_then(|e| e.canonicalize()) {
            if let Some(project) = exe.ancestors().find(|d| d.join("Cargo.toml").is_file()) {
                add(project.to_path_buf());
            }
        }
        // Covering a directory hides what is under it: an outer one is enough.
        let all = found.clone();
        found.retain(|d| !all.iter().any(|o| o != d && d.starts_with(o)));
        found
    })
}

/// The host's binary directories, each with a stand-in made in `cache`: every name the host has
/// there is a hard link to `fake` (the cached fake), except the shells and `keep_real` names,
/// which are copies of the host's own. Made once per set of host directories and fake, and kept
/// in the cache under a name that says which.
pub fn stand_ins(cache: &Path, fake: &Path, keep_real: &[&str]) -> std::io::Result<Vec<(PathBuf, PathBuf)>> {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::MetadataExt;
    let mut dirs: Vec<PathBuf> = Vec::new();
    for dir in HOST_BIN_DIRS {
        if let Ok(real) = Path::new(dir).canonicalize() {
            if real.is_dir() && !dirs.contains(&real) {
                dirs.push(real);
            }
        }
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    fake.hash(&mut hasher);
    keep_real.hash(&mut hasher);
    for dir in &dirs {
        let meta = dir.metadata()?;
        (dir, meta.mtime(), meta.mtime_nsec(), meta.ino()).hash(&mut hasher);
    }
    let made = cache.join(format!("stand-ins-{:016x}", hasher.finish()));
    let pairs: Vec<(PathBuf, PathBuf)> =
        dirs.iter().enumerate().map(|(i, dir)| (made.join(i.to_string()), dir.clone())).collect();
    if made.is_dir() {
        return Ok(pairs);
    }
    // Made under a name of its own, then renamed: another run never sees half of it.
    let partial = tempfile::Builder::new().prefix(".stand-ins-").tempdir_in(cache)?;
    for (i, dir) in dirs.iter().enumerate() {
        let into = partial.path().join(i.to_string());
        std::fs::create_dir(&into)?;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let name = entry.file_name();
            let path = entry.path();
            if path.is_dir() {
                continue;
            }
            let real = name.to_str().is_some_and(|n| SHELLS.contains(&n) || keep_real.contains(&n));
            match real {
                true if path.is_file() => {
                    std::fs::copy(&path, into.join(&name))?;
                }
                _ => std::fs::hard_link(fake, into.join(&name))?,
            }
        }
    }
    let partial = partial.keep();
    if std::fs::rename(&partial, &made).is_err() {
        // Another run made it first.
        let _ = std::fs::remove_dir_all(&partial);
    }
    super::prune(cache, &made, |other| other.starts_with("stand-ins-"));
    Ok(pairs)
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
/// starting `/bin/sh` in the namespaces of a throwaway sandbox.
pub fn available() -> Result<(), String> {
    static PROBE: OnceLock<Result<(), String>> = OnceLock::new();
    PROBE
        .get_or_init(|| {
            if std::env::var_os("WEAVETRACE_NO_NAMESPACES").is_some() {
                return Err("WEAVETRACE_NO_NAMESPACES is set".to_string());
            }
            let fail = |e: std::io::Error| format!("cannot probe namespaces: {e}");
            let dir = tempfile::tempdir().map_err(fail)?;
            for sub in ["bin", "tmp", "work", "fs/proc", super::RECORDS_DIR] {
                std::fs::create_dir_all(dir.path().join(sub)).map_err(fail)?;
            }
            super::give_to_subject(dir.path()).map_err(fail)?;
            let cache = super::cache_dir().map_err(fail)?;
            let iso = Isolation::new(dir.path(), &cache, &[], &[], super::OwnNetns::new(dir.path()));
            let mut cmd = std::process::Command::new("/bin/sh");
            cmd.args(["-c", ":"]).current_dir(dir.path().join("work"));
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

#[cfg(test)]
mod tests {
    #[test]
    fn decimal_writes_the_digits_of_a_number() {
        let mut buf = [0u8; 10];
        assert_eq!(super::decimal(31998, &mut buf), b"31998");
        assert_eq!(super::decimal(0, &mut buf), b"0");
        assert_eq!(super::decimal(u32::MAX, &mut buf), b"4294967295");
    }
}
