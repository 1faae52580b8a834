//! Helpers shared by the integration tests, and the runner their `main`s share: a test whose
//! prerequisite is missing here is reported ignored, with what it needs, rather than passed.
#![allow(dead_code)]

use libtest_mimic::{Arguments, Completion, Failed, Trial};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The crate's root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// `weavetrace` with its companion binaries named explicitly, run from the crate root.
pub fn weavetrace() -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("weavetrace").expect("weavetrace is built");
    cmd.current_dir(root())
        .env("WEAVETRACE_SPEC_BIN", env!("CARGO_BIN_EXE_weave"))
        .env("WEAVETRACE_FAKE_BIN", env!("CARGO_BIN_EXE_weavetrace-fake"));
    cmd
}

/// `fixtures/documented`, the documented traces.
pub fn documented() -> PathBuf {
    root().join("fixtures/documented")
}

/// `fixtures/articles/run-traces.txt`: the article's `<br>` text of the two `weave run` sessions.
pub fn article() -> PathBuf {
    root().join("fixtures/articles/run-traces.txt")
}

/// The world whose weaveexec answers `--local launch` with nothing, exit 0, as in the documented run; as
/// the crate root's relative path.
pub const PINNED_WORLD: &str = "fixtures/worlds/weaveexec-pinned.toml";

/// [`PINNED_WORLD`], absolute.
pub fn pinned_world() -> PathBuf {
    root().join(PINNED_WORLD)
}

/// The note `weavetrace` writes to stderr on any run of a subject where user, network and mount
/// namespaces are unavailable (a container without privileges): a regex matching the whole line.
/// It depends on the machine, not on weavetrace, so tests drop it.
pub const NAMESPACES_NOTE: &str =
    r"(?m)^weavetrace: note: .*; subjects run without their namespaces \(user, pid, mount, network, ipc, uts\)\n";

/// `text` without the [`NAMESPACES_NOTE`] line.
pub fn without_namespaces_note(text: &str) -> String {
    regex::Regex::new(NAMESPACES_NOTE).unwrap().replace_all(text, "").into_owned()
}

/// The cargo running the tests (`$CARGO`), or the one on PATH.
pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// A minimal valid case file around `header` lines.
pub fn case_text(header: &str) -> String {
    format!("{header}\n~~~ trace\n~~~\n\n~~~ stdout\n~~~\n\n~~~ calls\n~~~\n")
}

/// A prerequisite a test lacks here: its name, as `WEAVETRACE_TEST_REQUIRE` spells it, and a reason
/// that says how to provide it.
#[derive(Debug)]
pub struct Missing {
    pub need: &'static str,
    pub reason: String,
}

/// What a test with prerequisites returns: `Err` when one is missing (the test is then ignored).
pub type Needs = Result<(), Missing>;

/// The prerequisites `WEAVETRACE_TEST_REQUIRE` may name (`all` is every one): what CI can install.
/// The weave scripts are not among them, since CI never has them.
pub const REQUIRABLE: [&str; 6] = ["bash", "busybox", "chromium", "junitparser", "namespaces", "nextest"];

/// The prerequisites `WEAVETRACE_TEST_REQUIRE` (comma-separated) makes a failure to lack; an
/// unknown name is an error, so that a typo cannot quietly let CI ignore a test.
fn required() -> Result<Vec<&'static str>, String> {
    let Some(value) = std::env::var_os("WEAVETRACE_TEST_REQUIRE") else { return Ok(Vec::new()) };
    let value = value.to_string_lossy().into_owned();
    let mut names = Vec::new();
    for name in value.split(',').map(str::trim).filter(|n| !n.is_empty()) {
        match REQUIRABLE.iter().find(|r| **r == name) {
            Some(r) => names.push(*r),
            None if name == "all" => names.extend(REQUIRABLE),
            None => {
                return Err(format!(
                    "WEAVETRACE_TEST_REQUIRE={value}: `{name}` is no prerequisite that can be required (all, {})",
                    REQUIRABLE.join(", ")
                ))
            }
        }
    }
    Ok(names)
}

/// What a test function returns, and how it becomes a trial.
pub trait Body: Sized {
    fn trial(name: String, body: impl FnOnce() -> Self + Send + 'static) -> Trial;
}

/// A test without prerequisites: it passes, or panics.
impl Body for () {
    fn trial(name: String, body: impl FnOnce() + Send + 'static) -> Trial {
        Trial::test(name, move || {
            body();
            Ok(())
        })
    }
}

/// A test with prerequisites: ignored, with the reason, when one is missing, unless
/// `WEAVETRACE_TEST_REQUIRE` requires it; then it fails with that reason.
impl Body for Needs {
    fn trial(name: String, body: impl FnOnce() -> Needs + Send + 'static) -> Trial {
        Trial::ignorable_test(name, move || match body() {
            Ok(()) => Ok(Completion::Completed),
            Err(m) if required().unwrap_or_default().contains(&m.need) => {
                Err(Failed::from(format!("WEAVETRACE_TEST_REQUIRE requires `{}`, and this test {}", m.need, m.reason)))
            }
            Err(m) => Ok(Completion::ignored_with(m.reason)),
        })
    }
}

/// A trial named `name` that runs `body`; libtest-mimic makes a panic in it a failure.
pub fn trial<R: Body>(name: impl Into<String>, body: impl FnOnce() -> R + Send + 'static) -> Trial {
    R::trial(name.into(), body)
}

/// Trials of the named test functions, each named after its function.
#[allow(unused_macros)] // Files on libtest's own harness have no use for it.
macro_rules! trials {
    ($($test:ident),* $(,)?) => {
        vec![$(common::trial(stringify!($test), $test)),*]
    };
}
#[allow(unused_imports)]
pub(crate) use trials;

/// A test file's `main`: runs `trials` as libtest does, taking its command line (filters,
/// `--ignored`, `--test-threads`, ...).
pub fn run(mut trials: Vec<Trial>) -> ! {
    let args = Arguments::from_args();
    if let Err(e) = required() {
        trials.push(Trial::test("WEAVETRACE_TEST_REQUIRE", move || Err(e.into())));
    }
    libtest_mimic::run(&args, trials).exit()
}

/// The real weave 0.10.0 script with its release version written in, copied into `dir`, when
/// `WEAVE_0_10_SCRIPT` names the script (as in the weave repository at tag v0.10.0).
pub fn real_script(dir: &Path) -> Result<PathBuf, Missing> {
    weave_script("WEAVE_0_10_SCRIPT", "0.10.0", dir)
}

/// The weave 0.11.0 script, claiming to be 0.10.0 so that it is checked as 0.10, when
/// `WEAVE_0_11_SCRIPT` names it.
pub fn script_0_11(dir: &Path) -> Result<PathBuf, Missing> {
    weave_script("WEAVE_0_11_SCRIPT", "0.11.0", dir)
}

fn weave_script(var: &'static str, version: &str, dir: &Path) -> Result<PathBuf, Missing> {
    let path: PathBuf = std::env::var_os(var).map(PathBuf::from).ok_or_else(|| Missing {
        need: var,
        reason: format!(
            "needs the weave {version} script: set {var} to the file weave at tag v{version} of github.com/weaveworks/weave"
        ),
    })?;
    // Named but unreadable is the tester's mistake, not a missing prerequisite: a failure.
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{var}={}: {e}", path.display()));
    // The release process writes the version into the script; a checkout of a tag still says
    // "(unreleased version)". Every script here is run as the 0.10.0 release.
    let released = text.replacen("SCRIPT_VERSION=\"(unreleased version)\"", "SCRIPT_VERSION=\"0.10.0\"", 1);
    let out = dir.join(format!("weave-{version}"));
    std::fs::write(&out, released).unwrap();
    Ok(out)
}

/// A shell on this machine, by name (`bash`, `busybox`).
pub fn shell(name: &'static str) -> Result<String, Missing> {
    ["/usr/bin", "/bin"]
        .iter()
        .map(|d| format!("{d}/{name}"))
        .find(|p| Path::new(p).exists())
        .ok_or_else(|| Missing { need: name, reason: format!("needs {name} (apt-get install {name})") })
}

/// `shell` linked as `sh` in a fresh `weavetrace-test-` directory under /tmp, where the sandbox puts
/// its own /tmp: the directory (the link lives as long as it) and the link's path.
pub fn linked_as_sh(shell: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::Builder::new().prefix("weavetrace-test-").tempdir_in("/tmp").unwrap();
    let sh = dir.path().join("sh");
    std::os::unix::fs::symlink(shell, &sh).unwrap();
    let sh = sh.to_str().unwrap().to_string();
    (dir, sh)
}

/// Runs `test` with busybox as weaveexec has it, linked as `sh` (see [`linked_as_sh`]), or with
/// the reason it is missing.
pub fn with_busybox_as_sh(test: impl FnOnce(Result<String, Missing>) -> Needs) -> Needs {
    match shell("busybox") {
        Ok(busybox) => {
            let (_dir, sh) = linked_as_sh(&busybox);
            test(Ok(sh))
        }
        Err(missing) => test(Err(missing)),
    }
}

/// What a real script's weaveexec run needs: namespaces of its own (made without privilege) and
/// busybox, the image's shell, to run the script's `--local` side in.
pub fn weaveexec() -> Result<(), Missing> {
    namespaces()?;
    shell("busybox").map(drop)
}

/// The sandbox's namespaces, in which alone a script subject sees the world's /proc, /var/run and
/// /sys/class/net, and is cut off from the host.
pub fn namespaces() -> Result<(), Missing> {
    weavetrace::sandbox::isolation_available().map_err(|why| {
        let how = match std::env::var_os("WEAVETRACE_NO_NAMESPACES") {
            Some(_) => "unset it",
            None => "run as root, or where unprivileged user namespaces are allowed",
        };
        Missing {
            need: "namespaces",
            reason: format!("needs namespaces for the sandbox (user, pid, mount, network, ipc and uts): {why}; {how}"),
        }
    })
}

/// Chromium, headless, as Debian ships it.
pub fn chromium() -> Result<&'static str, Missing> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .into_iter()
        .find(|p| Path::new(p).exists())
        .ok_or_else(|| Missing { need: "chromium", reason: "needs chromium (apt-get install chromium)".into() })
}

/// python3 with junitparser, the JUnit consumer the reports are read with.
pub fn junitparser() -> Result<(), Missing> {
    let probe = Command::new("python3").args(["-c", "import junitparser"]).output();
    match probe {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(Missing {
            need: "junitparser",
            reason: "needs python3 with junitparser (python3 -m pip install junitparser)".into(),
        }),
    }
}

/// cargo-nextest, whose partitions the goldens are listed through.
pub fn nextest() -> Result<(), Missing> {
    match Command::new(cargo()).args(["nextest", "--version"]).output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(Missing { need: "nextest", reason: "needs cargo-nextest (cargo install cargo-nextest)".into() }),
    }
}
