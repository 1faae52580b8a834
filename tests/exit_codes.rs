//! The exit-code table, command by command: a harness failure exits 3, bad input 2 with one line
//! `path:line: what is wrong`, a case that does not hold 1 (`record` passes the subject's status
//! through instead).

mod common;

use common::{case_text, pinned_world, root, weavetrace, without_namespaces_note};
use predicates::prelude::*;
use std::path::{Path, PathBuf};

/// An executable script (`#!` line included in `text`).
fn script(dir: &Path, name: &str, text: &str) -> PathBuf {
    use std::os::unix::fs::PermissionsExt;
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    path
}

/// A "fake" that kills itself whenever it runs.
fn crashing_fake(dir: &Path) -> PathBuf {
    script(dir, "crashing-fake", "#!/bin/sh\nkill -9 $$\n")
}

/// The real fake behind `before`, a shell command run first on each call but the harness's probe
/// (bash: `exec -a` keeps the name the fake was called by, which picks its role).
fn wrapped_fake(dir: &Path, name: &str, before: &str) -> PathBuf {
    // Beside the wrapper: the build may lie under /tmp (a clone there), which a subject does not see.
    let real = dir.join("weavetrace-fake");
    if !real.exists() {
        let built = env!("CARGO_BIN_EXE_weavetrace-fake");
        std::fs::hard_link(built, &real).or_else(|_| std::fs::copy(built, &real).map(drop)).unwrap();
    }
    let real = real.display();
    let text = format!(
        "#!/bin/bash\n[ \"$1\" = --weavetrace-probe ] && exec {real} \"$@\"\n{before}\nexec -a \"${{0##*/}}\" {real} \"$@\"\n"
    );
    script(dir, name, &text)
}

/// The real fake, except that it fails inside the sandbox (its world file emptied under it) on a
/// call with the word `word`: it passes the harness's probe, then fails mid-run.
fn fake_failing_on(dir: &Path, word: &str) -> PathBuf {
    let empty_the_world = "[ -n \"$WEAVETRACE_SANDBOX\" ] && : > \"$WEAVETRACE_SANDBOX/rec/world.json\"";
    wrapped_fake(
        dir,
        &format!("fake-failing-on-{word}"),
        &format!("case \" $* \" in *\" {word} \"*) {empty_the_world};; esac"),
    )
}

/// The real fake, except that it writes a line that is not JSON into the invocation log.
fn fake_corrupting_the_log(dir: &Path) -> PathBuf {
    let garbage = "[ -n \"$WEAVETRACE_SANDBOX\" ] && echo garbage >> \"$WEAVETRACE_SANDBOX/rec/calls.jsonl\"";
    wrapped_fake(dir, "fake-corrupting-the-log", garbage)
}

/// `WEAVETRACE_FAKE_BIN=fake` for `cmd`, the fake a wrapper that breaks the records by their
/// path: only without the namespaces, in which the subject (and so a wrapper) cannot reach them.
fn broken_fake<'a>(cmd: &'a mut assert_cmd::Command, fake: &Path) -> &'a mut assert_cmd::Command {
    cmd.env("WEAVETRACE_FAKE_BIN", fake).env("WEAVETRACE_NO_NAMESPACES", "1")
}

/// A temporary directory that a subject in the sandbox sees too: outside /tmp, which the sandbox
/// covers with its own (in /var/tmp, where there is one).
fn visible_dir() -> tempfile::TempDir {
    match Path::new("/var/tmp").is_dir() {
        true => tempfile::Builder::new().prefix("weavetrace-test-").tempdir_in("/var/tmp").unwrap(),
        false => tempfile::tempdir().unwrap(),
    }
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A case file that cannot be used: its line 3 opens a section cases do not have.
fn malformed_case(dir: &Path) -> PathBuf {
    write(dir, "malformed.case", "command = \"weave\"\nstatus = 0\n~~~ stderr\n~~~\n")
}

/// A well-formed case that does not hold: `weave launch` writes a trace, stdout and calls.
fn mismatching_case(dir: &Path) -> PathBuf {
    let header =
        format!("command = \"weave launch\"\nstatus = 0\nworld_file = {:?}", pinned_world().display().to_string());
    write(dir, "mismatch.case", &case_text(&header))
}

/// A world file whose line 2 is wrong.
fn bad_world(dir: &Path) -> PathBuf {
    write(dir, "bad.toml", "[weaveexec]\ndocker_version_output = 3\n")
}

/// A trace that `weave launch` does not write.
fn mismatching_trace(dir: &Path) -> PathBuf {
    write(dir, "mismatch.trace", "+ set -e\n+ not what weave writes\n")
}

/// stderr without the note a machine with no namespaces adds to any run of a subject.
fn stderr_of(out: &std::process::Output) -> String {
    without_namespaces_note(&String::from_utf8_lossy(&out.stderr))
}

/// Asserts exit 2 and a stderr of exactly one line `PATH:LINE: ...`, `PATH` ending in `file`.
fn bad_input(cmd: &mut assert_cmd::Command, file: &str, line: usize) {
    let out = cmd.output().unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    let form = regex::Regex::new(&format!(r"^\S*{}:{line}: \S.*\n$", regex::escape(file))).unwrap();
    assert!(form.is_match(&stderr), "not `{file}:{line}: ...`: {stderr}");
}

/// Asserts exit 3 and a one-line message on stderr containing `what`.
fn harness(cmd: &mut assert_cmd::Command, what: &str) {
    let out = cmd.output().unwrap();
    let stderr = stderr_of(&out);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "not one line: {stderr}");
    assert!(stderr.contains(what), "no `{what}` in: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn check() {
    let dir = visible_dir();
    let d = dir.path();
    let golden = root().join("traces/launch.case");
    // Harness: the fake is missing, or is not the fake (it dies when run): one error, before any case.
    harness(weavetrace().arg("check").arg(&golden).env("WEAVETRACE_FAKE_BIN", d.join("nothing")), "does not exist");
    harness(weavetrace().arg("check").arg(&golden).env("WEAVETRACE_FAKE_BIN", crashing_fake(d)), "killed by signal 9");
    harness(weavetrace().arg("check").arg(&golden).env("WEAVETRACE_FAKE_BIN", "/bin/false"), "exited 1");
    harness(weavetrace().arg("check").arg(&golden).env("WEAVETRACE_SPEC_BIN", d.join("nothing")), "spec binary");
    harness(
        weavetrace().arg("check").arg(&golden).env("WEAVETRACE_TMPDIR", d.join("nothing")),
        "cannot build the sandbox",
    );
    // Bad input.
    bad_input(weavetrace().arg("check").arg(malformed_case(d)), "malformed.case", 3);
    bad_input(weavetrace().arg("check").arg(d.join("no-such.case")), "no-such.case", 1);
    // Mismatch.
    weavetrace()
        .arg("check")
        .arg(mismatching_case(d))
        .assert()
        .code(1)
        .stdout(predicate::str::contains("0 passed, 1 failed\n"));
}

#[test]
fn check_counts_a_fake_failing_mid_run_as_an_error_of_its_case_never_a_failure() {
    let dir = visible_dir();
    let d = dir.path();
    // `weave` alone runs weaveexec with no `launch` word: it holds; `weave launch` meets the failing
    // fake; the mismatching case (also `launch`) errors too, and a verdict never hides an error.
    let holds = d.join("usage.case");
    weavetrace().args(["record", "-o"]).arg(&holds).arg("--").assert().code(0);
    // As the command line names it, from the crate's root, where weavetrace() runs.
    let launch = PathBuf::from("traces/launch.case");
    let fake = fake_failing_on(d, "launch");
    let run = |format: &str| {
        let mut cmd = weavetrace();
        broken_fake(cmd.args(["check", "-j1", "--format", format]).arg(&holds).arg(&launch), &fake);
        cmd.output().unwrap()
    };
    let out = run("human");
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stdout}{stderr}");
    assert!(stdout.contains("\nERROR traces/launch\n  the fake `"), "{stdout}");
    assert!(stdout.ends_with("1 passed, 0 failed, 1 error\n"), "{stdout}");
    assert!(
        stderr.lines().any(|l| l.starts_with("traces/launch.case: the fake `") && l.contains(" failed: ")),
        "{stderr}"
    );
    let json: Vec<serde_json::Value> =
        String::from_utf8(run("json").stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(json[0]["outcome"], "pass");
    assert_eq!(json[1]["outcome"], "error");
    assert!(json[1]["error"].as_str().unwrap().contains("failed"), "{}", json[1]);
    let tap = String::from_utf8(run("tap").stdout).unwrap();
    assert!(tap.contains("\nnot ok 2 - traces/launch\n  ---\n  message: \"error\"\n"), "{tap}");
    assert!(tap.ends_with("# 1 passed, 0 failed, 1 error\n"), "{tap}");
    let junit = String::from_utf8(run("junit").stdout).unwrap();
    assert!(junit.contains("failures=\"0\" errors=\"1\""), "{junit}");
    assert!(junit.contains("type=\"harness\""), "{junit}");
    // With a case that does not hold besides, the error still decides the code.
    let mismatch = mismatching_case(d);
    weavetrace()
        .args(["check", "-j1"])
        .arg(&holds)
        .arg(&mismatch)
        .arg(&launch)
        .env("WEAVETRACE_FAKE_BIN", &fake)
        .env("WEAVETRACE_NO_NAMESPACES", "1")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("1 passed, 0 failed, 2 errors\n"));
    // A log the fakes left corrupt is the harness's failure too.
    weavetrace()
        .arg("check")
        .arg(&holds)
        .env("WEAVETRACE_FAKE_BIN", fake_corrupting_the_log(d))
        .env("WEAVETRACE_NO_NAMESPACES", "1")
        .assert()
        .code(3)
        .stdout(predicate::str::contains("0 passed, 0 failed, 1 error\n"))
        .stderr(predicate::str::contains("the invocation log "));
}

#[test]
fn a_golden_that_cannot_be_kept_pending_is_bad_input_when_the_path_is_the_problem() {
    let dir = visible_dir();
    let case = mismatching_case(dir.path());
    // Where the pending result would go, a directory stands.
    std::fs::create_dir(dir.path().join("mismatch.case.new")).unwrap();
    let out = weavetrace().args(["check", "--pending"]).arg(&case).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("mismatch.case.new:1: cannot write the pending result: "), "{stderr}");
}

#[test]
fn record() {
    let dir = visible_dir();
    let d = dir.path();
    // Harness: a crashing fake, a fake failing mid-run, a missing spec.
    harness(
        weavetrace().args(["record", "--", "launch"]).env("WEAVETRACE_FAKE_BIN", crashing_fake(d)),
        "killed by signal",
    );
    harness(broken_fake(weavetrace().args(["record", "--", "launch"]), &fake_failing_on(d, "launch")), "the fake `");
    harness(weavetrace().args(["record", "--", "launch"]).env("WEAVETRACE_SPEC_BIN", d.join("nothing")), "spec binary");
    harness(
        weavetrace().args(["record", "--", "launch"]).env("WEAVETRACE_TMPDIR", d.join("nothing")),
        "cannot build the sandbox",
    );
    // Bad input: a bad world, a missing script, an output in a directory that does not exist.
    bad_input(weavetrace().args(["record", "--world"]).arg(bad_world(d)).args(["--", "launch"]), "bad.toml", 2);
    bad_input(
        weavetrace().args(["record", "--script"]).arg(d.join("no-such.sh")).args(["--", "launch"]),
        "no-such.sh",
        1,
    );
    bad_input(
        weavetrace()
            .args(["record", "--world"])
            .arg(pinned_world())
            .arg("-o")
            .arg(d.join("no/dir/new.case"))
            .args(["--", "launch"]),
        "new.case",
        1,
    );
    // No mismatch: the subject's own status, passed through (weave's usage exits 1, launch 0).
    weavetrace().args(["record", "--", "run"]).assert().code(1).stderr(predicate::str::ends_with("+ exit 1\n"));
    weavetrace().args(["record", "--world"]).arg(pinned_world()).args(["--", "launch"]).assert().code(0);
}

#[test]
fn replay() {
    let dir = visible_dir();
    let d = dir.path();
    let trace = mismatching_trace(d);
    let replay = |fake: Option<&Path>| {
        let mut cmd = weavetrace();
        cmd.arg("replay").arg(&trace).args(["--", "launch"]);
        if let Some(fake) = fake {
            broken_fake(&mut cmd, fake);
        }
        cmd
    };
    harness(&mut replay(Some(&crashing_fake(d))), "killed by signal");
    harness(&mut replay(Some(&fake_failing_on(d, "launch"))), "the fake `");
    bad_input(weavetrace().arg("replay").arg(d.join("no-such.trace")).args(["--", "launch"]), "no-such.trace", 1);
    bad_input(weavetrace().arg("replay").arg(bad_world(d)).args(["--", "launch"]), "bad.toml", 1);
    bad_input(
        weavetrace().arg("replay").arg(&trace).arg("--cassette").arg(bad_world(d)).args(["--", "launch"]),
        "bad.toml",
        2,
    );
    replay(None).assert().code(1).stdout(predicate::str::starts_with("FAIL  replay of weave launch"));
}

#[test]
fn render() {
    let dir = visible_dir();
    let d = dir.path();
    let golden = root().join("traces/launch.case");
    harness(weavetrace().arg("render").arg(&golden).env("WEAVETRACE_FAKE_BIN", crashing_fake(d)), "killed by signal");
    harness(weavetrace().arg("render").arg(&golden).env("WEAVETRACE_FAKE_BIN", d.join("nothing")), "does not exist");
    harness(
        weavetrace().arg("render").arg(&golden).env("WEAVETRACE_TMPDIR", d.join("nothing")),
        "cannot build the sandbox",
    );
    // The machine failing under an output: stdout on a full device.
    let full = std::fs::OpenOptions::new().write(true).open("/dev/full").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_weavetrace"))
        .current_dir(root())
        .env("WEAVETRACE_SPEC_BIN", env!("CARGO_BIN_EXE_weave"))
        .env("WEAVETRACE_FAKE_BIN", env!("CARGO_BIN_EXE_weavetrace-fake"))
        .arg("render")
        .arg(&golden)
        .stdout(full)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert_eq!(stderr, "weavetrace: cannot write stdout: No space left on device (os error 28)\n");
    bad_input(weavetrace().arg("render").arg(malformed_case(d)), "malformed.case", 3);
    bad_input(weavetrace().arg("render").arg(d.join("no-such.case")), "no-such.case", 1);
    bad_input(weavetrace().arg("render").arg(mismatching_trace(d)), "mismatch.trace", 1);
    // No verdict: a case that does not hold renders what the spec writes, with a notice.
    weavetrace()
        .arg("render")
        .arg(mismatching_case(d))
        .assert()
        .code(0)
        .stderr("notice: the spec no longer writes this golden; rendering what the spec writes\n");
}

#[test]
fn diff() {
    let dir = visible_dir();
    let d = dir.path();
    let cases = write(d, "lines", "launch\n");
    let diff = |fake: Option<&Path>| {
        let mut cmd = weavetrace();
        cmd.args(["diff", "--script", "fixtures/scripts/substitutions.sh", "--cases"]).arg(&cases);
        if let Some(fake) = fake {
            broken_fake(&mut cmd, fake);
        }
        cmd
    };
    harness(&mut diff(Some(&crashing_fake(d))), "killed by signal");
    harness(&mut diff(Some(&fake_failing_on(d, "busybox"))), "the fake `");
    bad_input(
        weavetrace().args(["diff", "--script", "fixtures/scripts/substitutions.sh", "--cases"]).arg(write(
            d,
            "bad",
            "launch\n'x\n",
        )),
        "bad",
        2,
    );
    bad_input(
        weavetrace().args(["diff", "--script"]).arg(d.join("no-such.sh")).arg("--cases").arg(&cases),
        "no-such.sh",
        1,
    );
    bad_input(diff(None).arg("--world").arg(bad_world(d)), "bad.toml", 2);
    diff(None).assert().code(1).stdout(predicate::str::contains("0 passed, 1 failed"));
}

#[test]
fn docs() {
    let dir = visible_dir();
    let d = dir.path();
    let traces = d.join("traces");
    std::fs::create_dir(&traces).unwrap();
    std::fs::copy(root().join("traces/launch.case"), traces.join("launch.case")).unwrap();
    let docs = |traces: &Path, out: &Path| {
        let mut cmd = weavetrace();
        cmd.args(["docs", "--traces"]).arg(traces).arg("--out").arg(out);
        cmd
    };
    let out = d.join("docs");
    harness(docs(&traces, &out).env("WEAVETRACE_FAKE_BIN", crashing_fake(d)), "killed by signal");
    harness(docs(&traces, &out).env("WEAVETRACE_FAKE_BIN", d.join("nothing")), "does not exist");
    harness(docs(&traces, &out).env("WEAVETRACE_TMPDIR", d.join("nothing")), "cannot build the sandbox");
    bad_input(&mut docs(&d.join("no-such"), &out), "no-such", 1);
    // An output path that is a file, not a directory.
    bad_input(&mut docs(&traces, &write(d, "a-file", "")), "a-file", 1);
    docs(&traces, &out).assert().code(0);
    docs(&traces, &out).arg("--check").assert().code(0);
    // Mismatch: docs/ behind the goldens, and a golden the spec no longer writes.
    std::fs::write(out.join("launch.md"), "edited\n").unwrap();
    docs(&traces, &out).arg("--check").assert().code(1).stdout(predicate::str::contains("is stale: launch.md"));
    mismatching_case(&traces);
    let run = docs(&traces, &out).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.ends_with("mismatch.case: the spec no longer writes this golden; run `weavetrace check` first\n"));
    malformed_case(&traces);
    bad_input(&mut docs(&traces, &out), "malformed.case", 3);
}

#[test]
fn review() {
    let dir = visible_dir();
    let d = dir.path();
    // Review runs no subject: no harness of its own to fail but the files (a machine failure
    // there cannot be made on demand), and no verdict.
    bad_input(weavetrace().arg("review").arg(d.join("no-such")), "no-such", 1);
    let case = mismatching_case(d);
    weavetrace().args(["check", "--pending"]).arg(&case).assert().code(1);
    weavetrace().args(["review", "--accept"]).arg(d).assert().code(0).stdout(predicate::str::contains("1 accepted"));
    weavetrace().arg("check").arg(&case).assert().code(0);
    weavetrace().arg("review").arg(d).assert().code(0).stdout("no pending results\n");
    // A pending result of random bytes is never installed over the golden.
    let golden = std::fs::read(&case).unwrap();
    let new = d.join(format!("{}.new", case.file_name().unwrap().to_string_lossy()));
    std::fs::write(&new, b"\x00\xff garbage\n").unwrap();
    let out = weavetrace().args(["review", "--accept"]).arg(d).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let said = stderr_of(&out);
    assert!(said.starts_with(&format!("{}:1: ", new.display())) && said.lines().count() == 1, "{said}");
    assert_eq!(std::fs::read(&case).unwrap(), golden);
    assert!(new.exists());
}

#[test]
fn a_bad_command_line_is_clap_s_usage_error_with_exit_2() {
    for args in [&["check", "--no-such-option"][..], &["record", "--format", "pdf"], &["frobnicate"], &["diff"]] {
        weavetrace().args(args).assert().code(2).stderr(predicate::str::starts_with("error: "));
    }
    // Values out of bounds: a timeout no clock holds (it once panicked), no jobs at all.
    for (args, says) in [
        (&["record", "--timeout", "0", "--", "launch"][..], "'0' for '--timeout <SECS>'"),
        (&["check", "--timeout", "1e30"], "'1e30' for '--timeout <SECS>'"),
        (&["diff", "--timeout", "nan", "--random", "1"], "'nan' for '--timeout <SECS>'"),
        (&["check", "--jobs", "0"], "0 jobs would run nothing"),
        (&["diff", "-j", "0", "--random", "1"], "0 jobs would run nothing"),
    ] {
        let out = weavetrace().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let first = stderr_of(&out).lines().next().unwrap_or_default().to_string();
        assert!(first.starts_with("error: invalid value ") && first.contains(says), "{args:?}: {first}");
    }
}

#[test]
fn a_world_file_or_case_that_is_no_regular_file_is_refused_at_once() {
    let dir = visible_dir();
    let fifo = dir.path().join("fifo.toml");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    for world in ["/dev/zero", fifo.to_str().unwrap()] {
        let case = write(
            dir.path(),
            "w.case",
            &case_text(&format!("command = \"weave\"\nstatus = 0\nworld_file = {world:?}")),
        );
        let out = weavetrace().args(["check"]).arg(&case).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{world}");
        assert_eq!(stderr_of(&out), format!("{world}:1: cannot read world file: not a regular file\n"), "{world}");
    }
    let out = weavetrace().args(["check", "/dev/zero"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(stderr_of(&out), "/dev/zero:1: cannot read case file: not a regular file\n");
}

#[test]
fn a_script_that_is_no_text_is_refused_before_it_runs() {
    let dir = visible_dir();
    let binary = dir.path().join("weave");
    std::fs::write(&binary, b"#!/bin/sh\necho hi\n\x7fELF\x00\x01").unwrap();
    let out = weavetrace().args(["check", "--script"]).arg(&binary).arg("traces/run.case").output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let first = without_namespaces_note(&stderr_of(&out));
    assert_eq!(first, format!("{}:3: not a shell script: it holds a NUL byte\n", binary.display()));
    let out = weavetrace().args(["diff", "--random", "1", "--script"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(without_namespaces_note(&stderr_of(&out)).ends_with(": cannot read the script: not a regular file\n"));
}

/// Asserts that stderr names `what` too (after [`bad_input`]'s checks).
fn bad_input_saying(cmd: &mut assert_cmd::Command, file: &str, line: usize, what: &[&str]) {
    let out = cmd.output().unwrap();
    let stderr = stderr_of(&out);
    bad_input(cmd, file, line);
    for w in what {
        assert!(stderr.contains(w), "no `{w}` in: {stderr}");
    }
}

#[test]
fn a_placeholder_no_pattern_reads_or_one_in_a_command_is_refused_where_it_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let case = |name: &str, header: &str, trace: &str, calls: &str| {
        let text = format!("{header}\n\n~~~ trace\n{trace}~~~\n\n~~~ stdout\n~~~\n\n~~~ calls\n{calls}~~~\n");
        write(d, name, &text)
    };
    let header = "command = \"weave\"\nstatus = 0";
    let shell_text = "+ [ -n x ]\n+ sed -e s/[A-Z]/x/\n+ ls [ab]\n";
    // Line 7: the trace's third line.
    let nope = case("nope.case", header, &format!("+ set -e\n+ a=[CONTAINER_ID]\n+ echo [NOPE]\n{shell_text}"), "");
    let valid = ["`[NOPE]`", "`[CONTAINER_ID]`, `[PID]`, `[MAC]`, `[TMP]`, numbered from 2"];
    bad_input_saying(weavetrace().arg("check").arg(&nope), "nope.case", 7, &valid);
    // Line 12 (the calls' first): a kind, numbered as no placeholder is.
    let zero = case("zero.case", header, "+ set -e\n", "docker attach [CONTAINER_ID_0]\n");
    bad_input_saying(weavetrace().arg("check").arg(&zero), "zero.case", 12, &["`[CONTAINER_ID_0]`", "`[PID]`"]);
    // A redaction's placeholder is one the case may write; the message lists it with the kinds.
    let redacted = "command = \"weave\"\nstatus = 0\n\n[[redact]]\nregex = '[0-9a-f]{64}'\nplaceholder = '[ID]'";
    let with_id = case("redacted.case", redacted, "+ echo [ID] [X]\n", "");
    bad_input_saying(weavetrace().arg("check").arg(&with_id), "redacted.case", 9, &["`[X]`", "redactions' `[ID]`"]);
    // What is not refused: bracketed text of other forms, known placeholders, the redaction's own.
    let fine = case("fine.case", redacted, &format!("+ echo [ID] [PID_2]\n{shell_text}"), "");
    weavetrace().arg("check").arg(&fine).assert().code(1);
    // A placeholder in a command line: that command's line, the top-level one or a step's.
    let in_command = case("in-command.case", "status = 0\ncommand = \"weave attach [CONTAINER_ID]\"", "", "");
    bad_input_saying(weavetrace().arg("check").arg(&in_command), "in-command.case", 2, &["`[CONTAINER_ID]`"]);
    let steps =
        "[[step]]\ncommand = \"weave ps\"\nstatus = 0\n\n[[step]]\nstatus = 0\ncommand = \"weave attach [PID_2]\"\n";
    let sections: String =
        (1..=2).map(|k| format!("~~~ trace {k}\n~~~\n~~~ stdout {k}\n~~~\n~~~ calls {k}\n~~~\n")).collect();
    let scenario = write(d, "scenario.case", &format!("{steps}\n{sections}"));
    bad_input_saying(weavetrace().arg("check").arg(&scenario), "scenario.case", 7, &["`[PID_2]`"]);
    // A glob in brackets is an argument like any other.
    let glob = case("glob.case", "command = \"weave run ls '[ab]' '[A-Z]'\"\nstatus = 0", "", "");
    weavetrace().arg("check").arg(&glob).assert().code(1);
}
