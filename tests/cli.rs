//! The `weavetrace` and `weave` binaries, end to end.

mod common;

use common::{case_text, documented, root, weavetrace, PINNED_WORLD};
use predicates::prelude::*;

#[test]
fn record_writes_the_documented_traces_byte_for_byte() {
    let doc = documented();
    let cases: [(&str, Option<&str>, &[&str]); 3] = [
        (
            "run",
            Some("fixtures/worlds/documented-run.toml"),
            &["run", "10.2.0.1/24", "--label=com.foo.deployment=stage", "-ti", "ubuntu"],
        ),
        (
            "run-with-dns",
            Some("fixtures/worlds/documented-run-with-dns.toml"),
            &["run", "--with-dns", "10.2.0.1/24", "--label=com.foo.deployment=stage", "-ti", "ubuntu"],
        ),
        // weaveexec's answer to launch is pinned, as in the documented run.
        ("launch", Some(PINNED_WORLD), &["launch"]),
    ];
    for (name, world, args) in cases {
        for in_process in [false, true] {
            let mut cmd = weavetrace();
            cmd.arg("record");
            if let Some(w) = world {
                cmd.args(["--world", w]);
            }
            if in_process {
                cmd.arg("--in-process");
            }
            let out = cmd.arg("--").args(args).output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{name}");
            let trace = std::fs::read(doc.join(format!("{name}.trace"))).unwrap();
            let stdout = std::fs::read(doc.join(format!("{name}.stdout"))).unwrap();
            assert!(
                out.stderr == trace,
                "{name} trace (in-process: {in_process}):\n{}",
                String::from_utf8_lossy(&out.stderr)
            );
            assert_eq!(out.stdout, stdout, "{name} stdout");
        }
    }
}

#[test]
fn the_weave_binary_alone_is_the_spec() {
    // Outside any sandbox, with a PATH of its own: docker is found there like any command.
    let dir = tempfile::tempdir().unwrap();
    std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_weavetrace-fake"), dir.path().join("docker")).unwrap();
    // weaveexec's answer to launch pinned, as the launch golden's world has it.
    let pinned = r#"{"docker": {"answer": [{"args": "--local launch$", "stdout": "", "status": 0}]}}"#;
    std::fs::create_dir(dir.path().join("rec")).unwrap();
    std::fs::write(dir.path().join("rec/world.json"), pinned).unwrap();
    std::fs::write(dir.path().join("rec/calls.jsonl"), "").unwrap();
    let out = assert_cmd::Command::new(env!("CARGO_BIN_EXE_weave"))
        .env_clear()
        .env("PATH", dir.path())
        .env("WEAVETRACE_SANDBOX", dir.path())
        .arg("launch")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(out.stderr, std::fs::read(documented().join("launch.trace")).unwrap());
}

#[test]
fn every_golden_holds_for_the_spec_in_both_forms() {
    for extra in [&[][..], &["--in-process"][..]] {
        weavetrace()
            .arg("check")
            .args(extra)
            .assert()
            .code(0)
            .stdout(predicate::str::is_match(r"(?m)^[0-9]+ passed, 0 failed$").unwrap())
            .stdout(predicate::str::contains("ok    traces/run-with-dns\n"));
    }
}

#[test]
fn a_golden_that_no_longer_holds_fails_with_a_diff() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("traces/launch.case")).unwrap();
    let broken = text.replace("--privileged --net=host weaveworks", "--net=host --privileged weaveworks");
    assert_ne!(text, broken);
    let path = dir.path().join("launch.case");
    std::fs::write(&path, broken).unwrap();
    weavetrace()
        .arg("check")
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("FAIL  "))
        .stdout(predicate::str::contains("  trace differs (first at line 13):"))
        .stdout(predicate::str::contains("  calls differs (first at line 1):"))
        .stdout(predicate::str::contains("    call 1: moved `--privileged`"))
        .stdout(predicate::str::contains(
            "-+ docker run --rm -v /var/run/docker.sock:/var/run/docker.sock -v /proc:/hostproc",
        ))
        .stdout(predicate::str::contains("0 passed, 1 failed"));
    // Nothing was rewritten.
    assert!(std::fs::read_to_string(&path).unwrap().contains("--net=host --privileged weaveworks"));
}

#[test]
fn a_wrong_status_or_stdout_is_reported() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(root().join("traces/run.case")).unwrap();
    let path = dir.path().join("run.case");
    let world = root().join("fixtures/worlds/documented-run.toml");
    let edited = text
        .replace("status = 0", "status = 3")
        .replace("\n0eedd4c8c0a53d53209f415f5d1f004d75163f94a3f906d652aa7b37e56bbaaa\n~~~", "\nsomething else\n~~~")
        .replace("../fixtures/worlds/documented-run.toml", world.to_str().unwrap());
    std::fs::write(&path, edited).unwrap();
    weavetrace()
        .arg("check")
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("  status: expected 3, got 0"))
        .stdout(predicate::str::contains("  stdout differs (first at line 1):"))
        .stdout(predicate::str::contains("+0eedd4c8c0a53d53209f415f5d1f004d75163f94a3f906d652aa7b37e56bbaaa"));
}

/// Each bad input ends with exit 2 and exactly one line `path:line: message`.
#[test]
fn bad_input_is_one_line_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let p = dir.path().join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let bad_world = write("bad.toml", "[docker]\nversion_status = \"zero\"\n");
    let bad_regex = write("regex.toml", "# answers\n[[docker.answer]]\nargs = \"(unclosed\"\n");
    let cases = [
        (write("toml.case", &case_text("command = \"weave run\"\nstatus = ")), 2),
        (write("key.case", &case_text("command = \"weave run\"\nstatus = 0\ncolour = 1")), 3),
        (write("cmd.case", &case_text("command = \"docker run\"\nstatus = 0")), 1),
        (write("quote.case", &case_text("status = 0\ncommand = \"weave 'run\"")), 2),
        (write("nosection.case", "command = \"weave\"\nstatus = 0\n\n~~~ trace\n~~~\n"), 5),
        (write("unknown.case", "command = \"weave\"\nstatus = 0\n~~~ stderr\n~~~\n"), 3),
        (write("unclosed.case", "command = \"weave\"\nstatus = 0\n~~~ trace\n+ set -e\n"), 3),
        (write("world.case", &case_text("command = \"weave\"\nstatus = 0\nworld_file = \"bad.toml\"")), 2),
        (write("regex.case", &case_text("command = \"weave\"\nstatus = 0\nworld_file = \"regex.toml\"")), 3),
        (write("inline.case", &case_text("command = \"weave\"\nstatus = 0\n\n[world.docker]\nversion = 1")), 5),
        (write("pipes.case", &case_text("command = \"weave\"\nstatus = 0\npipelines = [[1, 2]]")), 3),
    ];
    let _ = (&bad_world, &bad_regex);
    for (path, line) in cases {
        let out = weavetrace().arg("check").arg(&path).output().unwrap();
        let stderr = String::from_utf8(out.stderr).unwrap();
        let name = path.file_name().unwrap().to_str().unwrap();
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{name}: {stderr}");
        let file = if name == "world.case" {
            "bad.toml"
        } else if name == "regex.case" {
            "regex.toml"
        } else {
            name
        };
        assert!(stderr.contains(&format!("{file}:{line}: ")), "{name}: expected {file}:{line}: in {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn missing_paths_empty_directories_and_bad_worlds_are_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    weavetrace().args(["check", "no/such/dir"]).assert().code(2).stderr(predicate::str::starts_with("no/such/dir:1: "));
    weavetrace()
        .arg("check")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains(":1: no *.case files found"));
    let world = dir.path().join("w.toml");
    std::fs::write(&world, "[weaveexec]\ndocker_version_output = 3\n").unwrap();
    weavetrace()
        .args(["record", "--world"])
        .arg(&world)
        .args(["--", "launch"])
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"^.*w\.toml:2: bad world: .*\n$").unwrap());
    weavetrace().args(["record", "--world", PINNED_WORLD, "--", "VERSION=1", "launch"]).assert().code(0);
    weavetrace()
        .args(["record", "--script", "no/such/weave", "--", "launch"])
        .assert()
        .code(2)
        .stderr("no/such/weave:1: no such script\n");
}

#[test]
fn record_writes_a_case_that_checks_and_never_overwrites() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("new.case");
    let world = root().join("fixtures/worlds/documented-run-with-dns.toml");
    weavetrace()
        .args(["record", "--world"])
        .arg(&world)
        .arg("-o")
        .arg(&out)
        .args(["--describe=what it shows", "--", "run", "--with-dns", "10.2.0.1/24", "-ti", "ubuntu"])
        .assert()
        .code(0);
    let text = std::fs::read_to_string(&out).unwrap();
    assert!(text.starts_with("# what it shows\ncommand = \"weave run --with-dns 10.2.0.1/24 -ti ubuntu\"\nstatus = 0\npipelines = [[13, 14], [27, 28], [33, 34]]\n"), "{text}");
    assert!(text.contains("world_file = \""), "{text}");
    weavetrace().arg("check").arg(&out).assert().code(0);
    // A second record to the same file is refused and leaves it alone.
    weavetrace()
        .args(["record", "-o"])
        .arg(&out)
        .args(["--", "launch"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("already exists"));
    assert_eq!(std::fs::read_to_string(&out).unwrap(), text);
}

#[test]
fn record_passes_the_subjects_status_through() {
    let out = weavetrace().args(["record", "--", "run"]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("Usage:\nweave setup\n"));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("\n+ [ 0 -gt 0 ]\n+ usage\n+ echo Usage:\n"), "{stderr}");
    assert!(stderr.ends_with("\n+ exit 1\n"), "{stderr}");
}
