//! The boundary around a subject, tried by fixture scripts of our own that attack it: what reaches
//! for the host is named in the verdict and changes nothing; the records cannot be forged, erased
//! or poisoned; a run ends at its subject's end or timeout with everything it started, and with
//! the harness.

mod common;

use common::{namespaces, root, shell, weavetrace, Needs};
use predicates::prelude::*;
use std::path::Path;
use std::time::{Duration, Instant};

fn main() {
    common::run(common::trials![
        a_subject_reaching_for_the_host_is_named_and_changes_nothing,
        the_records_cannot_be_forged_erased_or_poisoned,
        a_detached_child_ends_with_its_subject,
        at_the_timeout_the_subject_and_its_detached_children_end,
        killing_the_harness_ends_its_subjects,
        a_shell_started_again_whose_commands_stay_inside_is_no_escape,
    ])
}

/// The processes of this machine whose command line holds `needle`.
fn processes_with(needle: &str) -> Vec<u32> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<u32>() else { continue };
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let words: Vec<String> = cmdline.split(|&b| b == 0).map(|w| String::from_utf8_lossy(w).into_owned()).collect();
        if words.join(" ").contains(needle) {
            found.push(pid);
        }
    }
    found
}

/// Waits until `done` holds, for at most `limit`: a bound on a wait, not a measure of speed.
fn eventually(limit: Duration, done: impl Fn() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    done()
}

fn a_subject_reaching_for_the_host_is_named_and_changes_nothing() -> Needs {
    namespaces()?;
    let mut host = std::process::Command::new("sleep").arg("300").spawn().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("escape.case");
    std::fs::write(
        &case,
        format!(
            "command = \"HOST_PID={} PROJECT={} weave\"\nstatus = 0\n\n~~~ trace\n~~~\n\n~~~ stdout\n~~~\n\n~~~ calls\n~~~\n",
            host.id(),
            root().display()
        ),
    )
    .unwrap();
    let domainname = std::fs::read("/proc/sys/kernel/domainname").unwrap();
    let out =
        weavetrace().args(["check", "--script", "fixtures/scripts/escape-attempts.sh"]).arg(&case).output().unwrap();
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    let alive = host.try_wait().unwrap().is_none();
    let _ = host.kill();
    let _ = host.wait();
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert!(alive, "the subject killed a process outside its sandbox:\n{report}");
    for file in ["/dev/weavetrace-escape", "/dev/shm/weavetrace-escape", "/tmp/weavetrace-escape"] {
        assert!(!Path::new(file).exists(), "the subject wrote the host's {file}");
    }
    assert_eq!(std::fs::read("/proc/sys/kernel/domainname").unwrap(), domainname);
    // Each host binary the fixture runs by some route is named, where this host has one to cover.
    for (path, route) in [
        ("/usr/bin/mount", "/usr/bin/mount -t proc proc /mnt"),
        ("/usr/bin/nsenter", "/usr/bin/nsenter -t 1"),
        ("/usr/bin/env", "/usr/bin/env docker ps"),
        ("/usr/bin/id", "/usr/bin/id -u"),
    ] {
        if Path::new(path).exists() {
            let line = format!("ran {path} (as `{route}");
            assert!(report.contains(&line), "no `{line}` in:\n{report}");
        }
    }
    assert!(report.contains("(as `docker ps`), outside the sandbox's PATH"), "the PATH reset is not named:\n{report}");
    Ok(())
}

fn the_records_cannot_be_forged_erased_or_poisoned() -> Needs {
    namespaces()?;
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("forge.case");
    // The script ends on dash's syntax error (status 2), which the new case records.
    weavetrace().args(["record", "--script", "fixtures/scripts/forge.sh", "-o"]).arg(&case).arg("--").output().unwrap();
    let text = std::fs::read_to_string(&case).unwrap();
    let calls = text.split("~~~ calls\n").nth(1).and_then(|rest| rest.split("~~~").next()).unwrap_or_default();
    // The two real calls, and nothing the script wrote itself; the log was not emptied.
    assert_eq!(calls, "docker -v\ndocker -v\n", "{text}");
    assert!(text.contains("Read-only file system"), "{text}");
    // The cached fake the script tried to overwrite still answers as the fake.
    weavetrace().args(["record", "--", "version"]).assert().code(0);
    Ok(())
}

fn a_detached_child_ends_with_its_subject() -> Needs {
    namespaces()?;
    let bash = shell("bash")?;
    weavetrace()
        .args(["record", "--shell", &bash, "--timeout", "60", "--script", "fixtures/scripts/detached.sh", "--"])
        .assert()
        .code(0)
        .stdout("started\n")
        .stderr(predicate::str::contains("timed out").not());
    assert!(eventually(Duration::from_secs(10), || processes_with("tail -n 41 -f").is_empty()));
    Ok(())
}

fn at_the_timeout_the_subject_and_its_detached_children_end() -> Needs {
    namespaces()?;
    let bash = shell("bash")?;
    weavetrace()
        .args(["record", "--shell", &bash, "--timeout", "2", "--script", "fixtures/scripts/stuck-detached.sh", "--"])
        .assert()
        .stderr(predicate::str::contains("timed out"));
    assert_eq!(processes_with("tail -n 43 -f"), Vec::<u32>::new(), "a detached child outlived the timeout");
    Ok(())
}

fn killing_the_harness_ends_its_subjects() -> Needs {
    namespaces()?;
    let mut harness = std::process::Command::new(env!("CARGO_BIN_EXE_weavetrace"))
        .current_dir(root())
        .env("WEAVETRACE_FAKE_BIN", env!("CARGO_BIN_EXE_weavetrace-fake"))
        .args(["check", "--timeout", "300", "--script", "fixtures/scripts/stuck.sh", "fixtures/scripts/stuck.case"])
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let started = eventually(Duration::from_secs(60), || !processes_with("tail -n 37 -f").is_empty());
    harness.kill().unwrap();
    let _ = harness.wait();
    assert!(started, "the stuck subject never started");
    assert!(
        eventually(Duration::from_secs(10), || processes_with("tail -n 37 -f").is_empty()),
        "the subject outlived its harness"
    );
    Ok(())
}

fn a_shell_started_again_whose_commands_stay_inside_is_no_escape() {
    weavetrace()
        .args(["check", "--script", "fixtures/scripts/sh-c.sh", "fixtures/scripts/sh-c.case"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("escape").not());
}
