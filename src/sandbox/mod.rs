//! A world laid out on disk behind a closed PATH: the directory a subject runs in.
//!
//! ```text
//! ROOT/bin/         the fakes (links to the multi-call binary) and allowed utilities; the only PATH
//! ROOT/work/        the subject's working directory, holding only `weave` (the script under test, or
//!                   the spec), as when a person runs `sh -x weave ...` beside the script
//! ROOT/home/, tmp/  HOME and TMPDIR
//! ROOT/fs/          what the subject sees at /proc, /run and /sys/class/net (see `isolate`)
//! ROOT/rec/         the records, out of the subject's sight in its namespaces (the fakes reach
//!                   them through a descriptor): world.json, the world the fakes answer from;
//!                   calls.jsonl, the invocation log they append to; state.json; faults.log
//! ```
//! The subject's environment is scrubbed to [`Sandbox::env`]: nothing of the harness's own leaks in.

mod exec;
mod isolate;
pub mod live;

pub use exec::{spawn, wait_with_timeout};
pub use isolate::{available as isolation_available, Isolation, SUBJECT_PID};

use crate::fake::{self, log::Call};
use crate::world::World;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// Harmless utilities a real script may use, linked into the sandbox's bin from the host.
pub const ALLOWED_UTILITIES: &[&str] = fake::inline::UTILITIES;

/// Why a sandbox could not be built: the harness's failure, not the subject's.
#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("cannot build the sandbox: {0}")]
    Io(#[from] std::io::Error),
    #[error("the fake binary {0} does not exist (build it with `cargo build`, or set WEAVETRACE_FAKE_BIN)")]
    NoFake(PathBuf),
    #[error("the fake binary {} is not weavetrace's fake: {why} (build it with `cargo build`, or set WEAVETRACE_FAKE_BIN)", path.display())]
    BadFake { path: PathBuf, why: String },
    #[error("the invocation log {path}:{line}: {message}")]
    BadLog { path: PathBuf, line: usize, message: String },
    /// A fake (or the spec as a process) failed inside the sandbox: its own message.
    #[error("{0}")]
    Fault(String),
}

/// A sandbox directory; removed when dropped.
pub struct Sandbox {
    dir: tempfile::TempDir,
    /// The scenario steps whose calls [`Sandbox::next_step`] has set aside.
    steps_done: std::sync::atomic::AtomicU32,
    /// The host's binary directories and their stand-ins (see `isolate`).
    stand_ins: Vec<(PathBuf, PathBuf)>,
}

pub use crate::fs::RECORDS_DIR;

impl Sandbox {
    /// The name of the script in the working directory.
    pub const SCRIPT_NAME: &'static str = "weave";

    /// Lays out `world` with the fakes served by `fake_bin`, and `script` (or, for a subject with no
    /// file of its own, an empty stand-in) as `work/weave`.
    pub fn new(world: &World, fake_bin: &Path, script: Option<&Path>) -> Result<Sandbox, SandboxError> {
        check_fake(fake_bin)?;
        let dir = tempfile::Builder::new().prefix(live::prefix(&sandbox_parent())).tempdir_in(sandbox_parent())?;
        let root = dir.path();
        for sub in ["bin", "work", "home", "tmp", RECORDS_DIR] {
            std::fs::create_dir(root.join(sub))?;
        }
        let fake_bin = &cached_copy(fake_bin)?;
        for (_, dir) in crate::fs::SANDBOX_MOUNTS {
            std::fs::create_dir_all(root.join(dir))?;
        }
        for name in fake::registry::installed(world) {
            place(fake_bin, &root.join("bin").join(name))?;
        }
        for (name, real) in host_utilities() {
            std::os::unix::fs::symlink(real, root.join("bin").join(name))?;
        }
        let script_link = root.join("work").join(Self::SCRIPT_NAME);
        match script {
            // A binary (the spec) is shared, read-only in the subject's sight; a script is the run's
            // own copy, which nothing it does can carry to another run.
            Some(path) if is_binary(path)? => place(path, &script_link)?,
            // weaveexec's image holds the same script as the host: its `--local` runs run it.
            Some(path) => {
                std::fs::copy(path, &script_link)?;
                std::fs::copy(path, root.join(RECORDS_DIR).join(fake::weaveexec::SCRIPT_FILE))?;
            }
            None => std::fs::write(script_link, b"")?,
        }
        let rec = root.join(RECORDS_DIR);
        std::fs::write(rec.join(fake::LOG_FILE), b"")?;
        std::fs::write(rec.join(fake::WORLD_FILE), serde_json::to_vec(world).map_err(std::io::Error::other)?)?;
        // The files the local side probes, as the world has them before the first call. The state
        // itself is not kept: the first fake call that needs it builds the same from the world, and
        // the others (`docker -v`) read no more than they must.
        let mut state = fake::State::default();
        fake::inline::initial_fs(world, &mut state, &mut crate::fs::sandbox_fs(root), b"/proc", None);
        give_to_subject(root)?;
        let stand_ins = match isolation_available() {
            Ok(()) => stand_ins_for(fake_bin)?,
            Err(_) => Vec::new(),
        };
        Ok(Sandbox { dir, steps_done: 0.into(), stand_ins })
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Asks the weaveexec containers of a real script to name the script's lines in their traces,
    /// as the subject's own run does (coverage).
    pub fn number_nested_lines(&self) -> Result<(), SandboxError> {
        Ok(std::fs::write(self.root().join(RECORDS_DIR).join(fake::weaveexec::NUMBERED_FILE), b"")?)
    }

    /// The subject's working directory.
    pub fn work(&self) -> PathBuf {
        self.root().join("work")
    }

    /// The script (or spec) under test, as `work/weave`.
    pub fn script(&self) -> PathBuf {
        self.work().join(Self::SCRIPT_NAME)
    }

    /// The subject's own `PROC/PID/ns/net` (the shell's `$$`), made in the child before it runs.
    pub fn own_netns(&self) -> OwnNetns {
        OwnNetns::new(self.root())
    }

    /// The namespaces and mounts a subject process enters, when this kernel allows them; the files
    /// in `keep` (a shell the user named under /tmp, say) stay reachable at the paths given. The
    /// isolation makes the subject's `PROC/PID/ns/net` itself, in the pid namespace.
    pub fn isolation(&self, keep: &[PathBuf]) -> Option<Isolation> {
        isolation_available().ok()?;
        let cache = cache_dir().ok()?;
        // Copies in the cache, which the subject may read whoever it is outside (`nobody`, as root,
        // cannot read a shell under /root).
        let keep: Vec<(PathBuf, PathBuf)> =
            keep.iter().filter_map(|file| Some((cached_copy(file).ok()?, file.clone()))).collect();
        Some(Isolation::new(self.root(), &cache, &self.stand_ins, &keep, self.own_netns()))
    }

    /// The directory of records (see the module's layout).
    fn records(&self) -> PathBuf {
        self.root().join(RECORDS_DIR)
    }

    /// The subject's whole environment: the sandbox's own variables, then the case's.
    pub fn env(&self, case_env: &[(String, String)]) -> Vec<(OsString, OsString)> {
        let root = self.root();
        let mut env: Vec<(OsString, OsString)> = vec![
            ("PATH".into(), root.join("bin").into()),
            ("HOME".into(), root.join("home").into()),
            ("TMPDIR".into(), root.join("tmp").into()),
            // Byte semantics for sed and grep, whatever the host's locale.
            ("LC_ALL".into(), "C".into()),
            (crate::fs::SANDBOX_ENV.into(), root.into()),
        ];
        for (k, v) in case_env {
            env.retain(|(name, _)| name != k.as_str());
            env.push((k.into(), v.into()));
        }
        env
    }

    /// The world as the fakes left it (as the world has it, when no call changed it).
    pub fn state(&self) -> Result<Option<fake::State>, SandboxError> {
        match std::fs::read(self.records().join(fake::STATE_FILE)) {
            Ok(bytes) => Ok(Some(serde_json::from_slice(&bytes).map_err(std::io::Error::other)?)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Some(fake::State::default())),
            Err(e) => Err(e.into()),
        }
    }

    /// Starts the next step of a scenario: the calls recorded so far are set aside (as
    /// `calls-N.jsonl`, N counting the steps from 1), so that [`Sandbox::calls`] reads only the
    /// calls made after this. The fakes' state and the files are kept: the next step finds the
    /// world as this one left it.
    pub fn next_step(&self) -> Result<(), SandboxError> {
        let log = self.records().join(fake::LOG_FILE);
        let done = self.steps_done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
        std::fs::rename(&log, self.records().join(format!("calls-{done}.jsonl")))?;
        std::fs::write(&log, b"")?;
        give_to_subject(&log)?;
        Ok(())
    }

    /// The calls the fakes recorded (in this step of a scenario), in sequence order; the first fault a fake (or the spec
    /// process) left instead, if one failed: then the calls are not what the subject made.
    pub fn calls(&self) -> Result<Vec<Call>, SandboxError> {
        match std::fs::read_to_string(self.records().join(fake::FAULT_FILE)) {
            Ok(faults) => {
                if let Some(first) = faults.lines().next() {
                    return Err(SandboxError::Fault(first.to_string()));
                }
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e.into()),
        }
        let path = self.records().join(fake::LOG_FILE);
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(e.into()),
        };
        let mut calls =
            fake::log::read_log(&text).map_err(|(line, message)| SandboxError::BadLog { path, line, message })?;
        calls.sort_by_key(|c| c.seq);
        Ok(calls)
    }
}

/// `PROC/PID/ns/net` of a subject, naming the host's network namespace: only the child knows its
/// pid, so the link is made there, between fork and exec, from what was prepared before the fork
/// (nothing may allocate in the child of a multi-threaded process). The sandbox's `fs/proc` is
/// what the subject sees at `/proc` in its mount namespace; without one, the spec and the fakes
/// still look there.
pub struct OwnNetns {
    dir: std::ffi::CString,
    target: std::ffi::CString,
}

impl OwnNetns {
    pub fn new(root: &Path) -> OwnNetns {
        let dir = root.join("fs/proc");
        OwnNetns {
            dir: std::ffi::CString::new(std::os::unix::ffi::OsStrExt::as_bytes(dir.as_os_str())).unwrap_or_default(),
            target: std::ffi::CString::new(format!("net:[{}]", fake::net::HOST_NETNS_INODE)).unwrap_or_default(),
        }
    }

    pub fn create(&self) -> std::io::Result<()> {
        let mut buf = [0u8; 1024];
        let dir = self.dir.as_bytes();
        let too_long = || std::io::Error::from(std::io::ErrorKind::InvalidInput);
        if dir.len() + 32 > buf.len() {
            return Err(too_long());
        }
        buf[..dir.len()].copy_from_slice(dir);
        let mut len = dir.len();
        buf[len] = b'/';
        len += 1;
        let mut digits = [0u8; 10];
        let (mut n, mut rest) = (0, rustix::process::getpid().as_raw_nonzero().get() as u32);
        loop {
            digits[n] = b'0' + (rest % 10) as u8;
            n += 1;
            rest /= 10;
            if rest == 0 {
                break;
            }
        }
        for k in (0..n).rev() {
            buf[len] = digits[k];
            len += 1;
        }
        let mode = rustix::fs::Mode::from_raw_mode(0o755);
        for part in [&b""[..], b"/ns", b"/ns/net"] {
            buf[len..len + part.len()].copy_from_slice(part);
            buf[len + part.len()] = 0;
            let path = std::ffi::CStr::from_bytes_until_nul(&buf).map_err(|_| too_long())?;
            match part {
                // A scenario's next step is the same pid in its namespace: the link is there.
                b"/ns/net" => match rustix::fs::symlink(self.target.as_c_str(), path) {
                    Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                },
                _ => match rustix::fs::mkdir(path, mode) {
                    Ok(()) | Err(rustix::io::Errno::EXIST) => {}
                    Err(e) => return Err(e.into()),
                },
            }
        }
        Ok(())
    }
}

/// The allowed utilities this host has, looked up once per process.
fn host_utilities() -> &'static [(&'static str, PathBuf)] {
    static FOUND: std::sync::OnceLock<Vec<(&'static str, PathBuf)>> = std::sync::OnceLock::new();
    FOUND.get_or_init(|| {
        ALLOWED_UTILITIES
            .iter()
            .filter_map(|name| {
                let real = ["/usr/bin", "/bin"].iter().map(|d| Path::new(d).join(name)).find(|p| p.is_file())?;
                Some((*name, real))
            })
            .collect()
    })
}

/// Makes `link` run `target`: a symbolic link to the cached copy of it, which the subject sees
/// read-only whatever it covers (the project the binary was built in, /tmp).
fn place(target: &Path, link: &Path) -> std::io::Result<()> {
    std::os::unix::fs::symlink(cached_copy(target)?, link)
}

/// Whether `path` is an executable binary rather than a script.
fn is_binary(path: &Path) -> std::io::Result<bool> {
    let mut magic = [0u8; 4];
    let n = std::io::Read::read(&mut std::fs::File::open(path)?, &mut magic)?;
    Ok(n == 4 && &magic == b"\x7fELF")
}

/// The cache of binaries beside the sandboxes, made on first use: one per user, since what is in
/// it runs as that user's fakes. One someone else made, or may write, is refused: a shared
/// directory like /dev/shm lets anyone create any name first.
pub(crate) fn cache_dir() -> std::io::Result<PathBuf> {
    use std::os::unix::fs::{DirBuilderExt, MetadataExt};
    let uid = rustix::process::geteuid().as_raw();
    let dir = sandbox_parent().join(format!("weavetrace-cache-{uid}"));
    // Not recursive: a sandbox parent that does not exist is the user's mistake to hear of.
    match std::fs::DirBuilder::new().mode(0o755).create(&dir) {
        Err(e) if e.kind() != std::io::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    let meta = std::fs::symlink_metadata(&dir)?;
    if !meta.is_dir() || meta.uid() != uid || meta.mode() & 0o022 != 0 {
        let why = format!("{} is not a directory of this user's that only it may write", dir.display());
        return Err(std::io::Error::new(std::io::ErrorKind::PermissionDenied, why));
    }
    Ok(dir)
}

/// A copy of `file` in the cache, made once per version of the file (named by its path, size and
/// modification time). Copying per sandbox instead would cost a binary's size in every run, and
/// exec'ing a file just written races with other threads' forks (ETXTBSY).
fn cached_copy(file: &Path) -> std::io::Result<PathBuf> {
    use std::hash::{Hash, Hasher};
    use std::os::unix::fs::MetadataExt;
    let file = file.canonicalize()?;
    let dir = cache_dir()?;
    if file.parent() == Some(dir.as_path()) {
        return Ok(file);
    }
    let meta = file.metadata()?;
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (&file, meta.len(), meta.mtime(), meta.mtime_nsec()).hash(&mut hasher);
    let name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let cached = dir.join(format!("{:016x}-{name}", hasher.finish()));
    if !cached.exists() {
        // Written under a name of its own, then renamed: a reader never sees half a file.
        let partial = tempfile::NamedTempFile::new_in(&dir)?;
        std::fs::copy(&file, partial.path())?;
        partial.persist(&cached).map_err(|e| e.error)?;
        let suffix = format!("-{name}");
        prune(&dir, &cached, |other| other.ends_with(&suffix));
    }
    Ok(cached)
}

/// Removes from the cache the older versions of what `current` replaces (the names `same` holds
/// for), once they have not been made for a while: every build of the fake would otherwise stay in
/// memory (/dev/shm) for good. A run still using one that goes makes it again ([`cached_copy`]
/// looks before each sandbox).
pub(crate) fn prune(dir: &Path, current: &Path, same: impl Fn(&str) -> bool) {
    let old = std::time::SystemTime::now() - std::time::Duration::from_secs(600);
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let path = entry.path();
        let stale = entry.metadata().and_then(|m| m.modified()).is_ok_and(|t| t < old);
        if same(&name) && stale && path != current {
            let _ = std::fs::remove_dir_all(&path).or_else(|_| std::fs::remove_file(&path));
        }
    }
}

/// The stand-ins of the host's binary directories for the cached fake `fake`, made once per
/// process (and kept in the cache across processes).
fn stand_ins_for(fake: &Path) -> std::io::Result<Vec<(PathBuf, PathBuf)>> {
    type StandIns = Vec<(PathBuf, PathBuf)>;
    static MADE: std::sync::Mutex<Vec<(PathBuf, StandIns)>> = std::sync::Mutex::new(Vec::new());
    let mut made = MADE.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some((_, pairs)) = made.iter().find(|(f, _)| f == fake) {
        return Ok(pairs.clone());
    }
    let pairs = isolate::stand_ins(&cache_dir()?, fake, ALLOWED_UTILITIES)?;
    made.push((fake.to_path_buf(), pairs.clone()));
    Ok(pairs)
}

/// Gives the sandbox's files to the id a subject has outside its namespaces: as root, `nobody`
/// (see `isolate`); otherwise they are the harness's own already.
pub(crate) fn give_to_subject(path: &Path) -> std::io::Result<()> {
    if !rustix::process::geteuid().is_root() {
        return Ok(());
    }
    let id = isolate::NOBODY;
    // SAFETY: any id may be given; the kernel checks it.
    let (uid, gid) = unsafe { (rustix::process::Uid::from_raw(id), rustix::process::Gid::from_raw(id)) };
    let mut todo = vec![path.to_path_buf()];
    while let Some(p) = todo.pop() {
        rustix::fs::chownat(rustix::fs::CWD, &p, Some(uid), Some(gid), rustix::fs::AtFlags::SYMLINK_NOFOLLOW)?;
        if p.symlink_metadata()?.is_dir() {
            for entry in std::fs::read_dir(&p)? {
                todo.push(entry?.path());
            }
        }
    }
    Ok(())
}

/// Where sandboxes go: WEAVETRACE_TMPDIR if set, else /dev/shm where it is a writable directory
/// (memory: the fakes' lock, log and state cost least there), else the system's temp directory.
fn sandbox_parent() -> PathBuf {
    if let Some(dir) = std::env::var_os("WEAVETRACE_TMPDIR") {
        return PathBuf::from(dir);
    }
    let shm = Path::new("/dev/shm");
    if shm.is_dir() && rustix::fs::access(shm, rustix::fs::Access::WRITE_OK).is_ok() {
        return shm.to_path_buf();
    }
    std::env::temp_dir()
}

/// Checks that `fake_bin` is weavetrace's fake: it exists and answers the probe as the fake does.
/// Done once per path and process: a binary that is missing, crashes or is another program would
/// fail every call the subject makes, which would pass for the subject's mismatch.
pub fn check_fake(fake_bin: &Path) -> Result<(), SandboxError> {
    static PROBED: std::sync::Mutex<Vec<(PathBuf, Option<String>)>> = std::sync::Mutex::new(Vec::new());
    if !fake_bin.is_file() {
        return Err(SandboxError::NoFake(fake_bin.to_path_buf()));
    }
    // Held while probing, so that parallel cases wait for the one probe.
    let mut probed = PROBED.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let why = match probed.iter().find(|(p, _)| p == fake_bin) {
        Some((_, why)) => why.clone(),
        None => {
            let why = probe(fake_bin).err();
            probed.push((fake_bin.to_path_buf(), why.clone()));
            why
        }
    };
    match why {
        Some(why) => Err(SandboxError::BadFake { path: fake_bin.to_path_buf(), why }),
        None => Ok(()),
    }
}

/// Runs `fake_bin` as `weavetrace-fake --weavetrace-probe`; what is wrong with its answer.
fn probe(fake_bin: &Path) -> Result<(), String> {
    use std::os::unix::process::{CommandExt, ExitStatusExt};
    use std::process::{Command, Stdio};
    let mut cmd = Command::new(fake_bin);
    cmd.arg0("weavetrace-fake")
        .arg(fake::process::PROBE_ARG)
        .env_clear()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let child = spawn(&mut cmd).map_err(|e| format!("cannot run it: {e}"))?;
    let (out, timed_out) =
        wait_with_timeout(child, std::time::Duration::from_secs(10)).map_err(|e| format!("cannot wait for it: {e}"))?;
    match (timed_out, out.status.code(), out.status.signal()) {
        (true, _, _) => Err("it did not answer its probe within 10 s".into()),
        (_, _, Some(signal)) => Err(format!("it was killed by signal {signal} when probed")),
        (_, Some(0), _) if out.stdout == fake::process::PROBE_ANSWER.as_bytes() => Ok(()),
        (_, Some(code), _) => Err(format!(
            "probed, it exited {code} saying {:?}, not {:?}",
            String::from_utf8_lossy(&out.stdout),
            fake::process::PROBE_ANSWER
        )),
        (_, None, None) => Err("it ended without a status when probed".into()),
    }
}

/// The harness's companion binaries (the spec and the fakes): named by an environment variable, or
/// beside the running executable, as cargo builds them.
pub fn companion_bin(name: &str, env_var: &str) -> PathBuf {
    if let Some(p) = std::env::var_os(env_var) {
        return PathBuf::from(p);
    }
    let exe = std::env::current_exe().unwrap_or_default();
    let dir = exe.parent().unwrap_or(Path::new("."));
    // Test binaries live one level deeper, in target/*/deps.
    let beside = dir.join(name);
    if beside.is_file() || !dir.ends_with("deps") {
        return beside;
    }
    dir.parent().unwrap_or(dir).join(name)
}
