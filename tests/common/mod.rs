//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::path::{Path, PathBuf};

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

/// `../shared/documented`, the documented traces; the project's CI always has it beside the clone.
pub fn documented() -> PathBuf {
    let dir = root().join("../shared/documented");
    assert!(dir.is_dir(), "{} is missing: the tests need the shared material beside the clone", dir.display());
    dir
}

/// The real weave 0.10.0 script with its release version written in, when `WEAVE_0_10_SCRIPT` names
/// the script (as in the weave repository at tag v0.10.0); `None`, with a message, otherwise.
pub fn real_script(dir: &Path) -> Option<PathBuf> {
    let Some(path) = std::env::var_os("WEAVE_0_10_SCRIPT") else {
        eprintln!(
            "skipped: set WEAVE_0_10_SCRIPT to the weave 0.10.0 script (file `weave` at tag v0.10.0) to run this test"
        );
        return None;
    };
    let text = std::fs::read_to_string(&path).expect("WEAVE_0_10_SCRIPT is readable");
    // The release process writes the version into the script; a checkout of the tag still says
    // "(unreleased version)".
    let released = text.replacen("SCRIPT_VERSION=\"(unreleased version)\"", "SCRIPT_VERSION=\"0.10.0\"", 1);
    let out = dir.join("weave-0.10.0");
    std::fs::write(&out, released).unwrap();
    Some(out)
}

/// A minimal valid case file around `header` lines.
pub fn case_text(header: &str) -> String {
    format!("{header}\n~~~ trace\n~~~\n\n~~~ stdout\n~~~\n\n~~~ calls\n~~~\n")
}

/// A shell on this machine, by name, or `None` with a message saying how to get it.
pub fn shell(name: &str) -> Option<String> {
    let found = ["/usr/bin", "/bin"].iter().map(|d| format!("{d}/{name}")).find(|p| Path::new(p).exists());
    if found.is_none() {
        eprintln!("skipped for {name}: not installed (apt-get install {name})");
    }
    found
}

/// Whether a script subject sees the world's /proc, /var/run and /sys/class/net: only in the
/// sandbox's mount namespace; says what is skipped, and why, otherwise.
pub fn sees_the_worlds_files(what: &str) -> bool {
    match weavetrace::sandbox::isolation_available() {
        Ok(()) => true,
        Err(reason) => {
            eprintln!("skipped {what}: a script sees the world's files only in namespaces ({reason})");
            false
        }
    }
}
