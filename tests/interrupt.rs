//! SIGINT or SIGTERM in the middle of `check`: the running subjects are killed, their sandboxes
//! removed, the cases that finished summed up, and the exit is 130. And the sandboxes a harness
//! killed outright left behind: the next run removes them, and only them.

use std::os::fd::OwnedFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A fresh directory for sandboxes, where a subject can see them (not under /tmp, which the
/// sandbox covers with its own).
fn sandbox_parent() -> tempfile::TempDir {
    ["/dev/shm", "/var/tmp"]
        .into_iter()
        .find_map(|at| tempfile::Builder::new().prefix("interrupt-test-").tempdir_in(at).ok())
        .expect("/dev/shm or /var/tmp takes a directory")
}

/// `weavetrace ARGS` from the crate's root, with its sandboxes in `parent`.
fn weavetrace(parent: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_weavetrace"));
    cmd.current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .env("WEAVETRACE_TMPDIR", parent)
        .env("WEAVETRACE_SPEC_BIN", env!("CARGO_BIN_EXE_weave"))
        .env("WEAVETRACE_FAKE_BIN", env!("CARGO_BIN_EXE_weavetrace-fake"));
    cmd
}

/// The pids of the processes that have `word` as one of their arguments.
fn processes_with(word: &str) -> Vec<String> {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| {
            let e = e.ok()?;
            let cmdline = std::fs::read(e.path().join("cmdline")).ok()?;
            cmdline.split(|&b| b == 0).any(|arg| arg == word.as_bytes()).then(|| e.file_name().to_string_lossy().into())
        })
        .collect()
}

/// The names in `dir` that start with `weavetrace-`, the cache of the scripts aside.
fn weavetrace_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("weavetrace-") && !n.starts_with("weavetrace-cache"))
        .collect();
    names.sort();
    names
}

/// Waits for `ready`, polling: a guard against a hang, not a measure of speed.
fn wait_for(what: &str, child: &mut std::process::Child, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        if start.elapsed() > Duration::from_secs(120) || child.try_wait().unwrap().is_some() {
            let _ = child.kill();
            let _ = child.wait();
            let mut stderr = String::new();
            let _ = std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut stderr);
            panic!("{what} never happened; the harness said:\n{stderr}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn a_signal_mid_check_stops_the_run_in_order(signal: rustix::process::Signal, tag: u32) {
    let parent = sandbox_parent();
    let cases = tempfile::tempdir().unwrap();
    let quick = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/scripts/waits.case"));
    std::fs::write(cases.path().join("a.case"), quick.unwrap()).unwrap();
    // Numbers (tail's -n takes them) that no other process has among its arguments.
    let markers: Vec<String> = (1..=4).map(|k| format!("9{tag}{}{k}", std::process::id())).collect();
    for (name, marker) in ["b", "c", "d", "e"].iter().zip(&markers) {
        let case = format!(
            "command = \"weave {marker}\"\nstatus = 0\n\n~~~ trace\n~~~\n\n~~~ stdout\n~~~\n\n~~~ calls\n~~~\n"
        );
        std::fs::write(cases.path().join(format!("{name}.case")), case).unwrap();
    }
    let mut child = weavetrace(parent.path(), &["check", "-j2", "--script", "fixtures/scripts/waits.sh"])
        .arg(cases.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // Two workers: `a` has finished by the time two of the never-ending cases run.
    let running = || markers.iter().filter(|m| !processes_with(m).is_empty()).count();
    wait_for("two subjects running", &mut child, || running() == 2);
    assert_eq!(weavetrace_entries(parent.path()).iter().filter(|n| !n.ends_with(".lock")).count(), 2);
    let pid = rustix::process::Pid::from_child(&child);
    rustix::process::kill_process(pid, signal).unwrap();
    let output = child.wait_with_output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(130), "stdout:\n{stdout}\nstderr:\n{stderr}");
    // The finished case and the summary of it alone: a killed case is neither a failure nor an error.
    assert!(stdout.contains("ok    "), "{stdout}");
    assert!(stdout.ends_with("1 passed, 0 failed\n"), "{stdout}");
    assert!(stderr.contains("interrupted: 4 of 5 cases did not run to the end"), "{stderr}");
    assert_eq!(weavetrace_entries(parent.path()), Vec::<String>::new(), "sandboxes (or the lock) left behind");
    for marker in &markers {
        assert_eq!(processes_with(marker), Vec::<String>::new(), "processes of the case with {marker} outlived it");
    }
}

#[test]
fn sigint_mid_check_kills_the_subjects_removes_their_sandboxes_and_sums_up_what_finished() {
    a_signal_mid_check_stops_the_run_in_order(rustix::process::Signal::Int, 1);
}

#[test]
fn sigterm_mid_check_does_the_same() {
    a_signal_mid_check_stops_the_run_in_order(rustix::process::Signal::Term, 2);
}

/// A sandbox as a harness makes them, with a file inside.
fn sandbox(parent: &Path, name: &str) -> PathBuf {
    let dir = parent.join(name);
    std::fs::create_dir_all(dir.join("work")).unwrap();
    std::fs::write(dir.join("work/weave"), "#!/bin/sh\n").unwrap();
    dir
}

fn lock_file(parent: &Path, pid: u32) -> PathBuf {
    let path = parent.join(format!("weavetrace-run-{pid}.lock"));
    std::fs::write(&path, "").unwrap();
    path
}

fn locked(path: &Path) -> OwnedFd {
    let fd = rustix::fs::open(path, rustix::fs::OFlags::RDWR, rustix::fs::Mode::empty()).unwrap();
    rustix::fs::flock(&fd, rustix::fs::FlockOperation::NonBlockingLockExclusive).unwrap();
    fd
}

#[test]
fn a_run_removes_the_sandboxes_of_a_dead_harness_and_keeps_a_live_ones_and_all_else() {
    let parent = sandbox_parent();
    let p = parent.path();
    // A dead owner: a process this test started and reaped, whose lock no one holds.
    let mut gone = Command::new("true").spawn().unwrap();
    let dead = gone.id();
    gone.wait().unwrap();
    let dead_lock = lock_file(p, dead);
    let dead_sandboxes =
        [sandbox(p, &format!("weavetrace-{dead}-aaaaaa")), sandbox(p, &format!("weavetrace-{dead}-bbbbbb"))];
    // A live owner: this test, holding the lock.
    let live = std::process::id();
    let live_lock = lock_file(p, live);
    let held = locked(&live_lock);
    let live_sandbox = sandbox(p, &format!("weavetrace-{live}-cccccc"));
    // Not a dead harness's sandbox: the cache, one named the old way, one whose pid merely starts
    // with the dead one's, a file.
    let others = [
        sandbox(p, "weavetrace-cache"),
        sandbox(p, "weavetrace-dddddd"),
        sandbox(p, &format!("weavetrace-{dead}0-eeeeee")),
        sandbox(p, "unrelated"),
    ];
    std::fs::write(p.join(format!("weavetrace-{dead}-file")), "").unwrap();

    let output = weavetrace(p, &["check", "--script", "fixtures/scripts/waits.sh", "fixtures/scripts/waits.case"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");

    assert!(!dead_lock.exists());
    for dir in &dead_sandboxes {
        assert!(!dir.exists(), "{} was left", dir.display());
    }
    assert!(live_lock.exists());
    assert!(live_sandbox.join("work/weave").exists());
    for dir in &others {
        assert!(dir.join("work/weave").exists(), "{} was touched", dir.display());
    }
    assert!(p.join(format!("weavetrace-{dead}-file")).exists(), "a file is no sandbox");
    drop(held);
}
