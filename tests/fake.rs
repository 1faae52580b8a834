//! The multi-call fake as a process: records under concurrency, and its role by name.

use std::os::unix::process::CommandExt;
use std::process::Command;
use weavetrace::fake::log::read_log;
use weavetrace::sandbox::Sandbox;
use weavetrace::world::World;

fn fake() -> &'static str {
    env!("CARGO_BIN_EXE_weavetrace-fake")
}

#[test]
fn concurrent_calls_never_lose_or_tear_a_record() {
    let sandbox = Sandbox::new(&World::default(), fake().as_ref(), None).unwrap();
    let docker = sandbox.root().join("bin/docker");
    let (threads, calls) = (8, 60);
    std::thread::scope(|s| {
        for t in 0..threads {
            let docker = &docker;
            let root = sandbox.root();
            s.spawn(move || {
                for i in 0..calls {
                    // Long arguments make a record far larger than one small write.
                    let label = format!("--label=t{t}-{i}-{}", "x".repeat(5000));
                    let out = Command::new(docker)
                        .arg0("docker")
                        .args(["run", "-d", &label, "busybox"])
                        .env("WEAVETRACE_SANDBOX", root)
                        .env("VERSION", format!("v{t}"))
                        .output()
                        .unwrap();
                    assert!(out.status.success());
                    assert_eq!(out.stdout.len(), 65);
                }
            });
        }
    });
    let log = std::fs::read(sandbox.root().join("rec/calls.jsonl")).unwrap();
    let records = read_log(&log).expect("every line is one whole record");
    assert_eq!(records.len(), threads * calls);
    let mut seqs: Vec<u64> = records.iter().map(|r| r.seq).collect();
    seqs.sort();
    assert_eq!(seqs, (1..=(threads * calls) as u64).collect::<Vec<_>>());
    // The state moved forward once per call: every container id is different.
    let mut ids: Vec<&[u8]> = records.iter().map(|r| r.stdout.0.as_slice()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), threads * calls);
    // Each record carries what its own call saw.
    for r in &records {
        let label = String::from_utf8_lossy(&r.argv[3].0).into_owned();
        let thread = label.trim_start_matches("--label=t").split('-').next().unwrap().to_string();
        assert_eq!(r.env["VERSION"].0, format!("v{thread}").into_bytes());
    }
}

#[test]
fn the_fake_takes_its_role_from_its_name() {
    let sandbox = Sandbox::new(&World::default(), fake().as_ref(), None).unwrap();
    let other = sandbox.root().join("bin/podman");
    std::os::unix::fs::symlink(fake(), &other).unwrap();
    let out = Command::new(&other).arg("ps").env("WEAVETRACE_SANDBOX", sandbox.root()).output().unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no fake is named"));
    let out =
        Command::new(sandbox.root().join("bin/docker")).arg("-v").env_remove("WEAVETRACE_SANDBOX").output().unwrap();
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("WEAVETRACE_SANDBOX is not set"));
}

#[test]
fn a_call_by_path_is_an_escape_and_gets_no_answer() {
    let sandbox = Sandbox::new(&World::default(), fake().as_ref(), None).unwrap();
    let out = Command::new(sandbox.root().join("bin/docker"))
        .arg("-v")
        .env("WEAVETRACE_SANDBOX", sandbox.root())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(126));
    assert!(out.stdout.is_empty());
    assert!(String::from_utf8_lossy(&out.stderr).starts_with("weavetrace: escape: /"));
    let records = read_log(&std::fs::read(sandbox.root().join("rec/calls.jsonl")).unwrap()).unwrap();
    assert!(records[0].escape);
}

#[test]
fn stdin_is_recorded_when_a_pipe_gives_it() {
    let sandbox = Sandbox::new(&World::default(), fake().as_ref(), None).unwrap();
    let mut child = Command::new(sandbox.root().join("bin/docker"))
        .arg0("docker")
        .args(["load"])
        .env("WEAVETRACE_SANDBOX", sandbox.root())
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(b"image bytes\xff").unwrap();
    // `docker load` is not modeled: it says so, and its stdin is kept all the same.
    assert_eq!(child.wait().unwrap().code(), Some(127));
    let records = read_log(&std::fs::read(sandbox.root().join("rec/calls.jsonl")).unwrap()).unwrap();
    assert_eq!(records[0].stdin.0, b"image bytes\xff");
    assert!(records[0].unmodeled);
}
