//! The local side: weaveexec's `--local` commands run by the fakes on the world, and kept.

mod common;

use common::{namespaces, real_script, weavetrace, with_busybox_as_sh, Needs};

use predicates::prelude::*;
use weavetrace::case::Invocation;
use weavetrace::sandbox::Sandbox;
use weavetrace::subject::{InProcessSpec, Subject};
use weavetrace::world::World;

fn main() {
    common::run(common::trials![
        dns_args_follow_the_docker_bridge_of_the_world,
        the_real_script_holds_the_local_goldens_under_dash,
        the_real_script_holds_the_local_goldens_under_busybox_ash,
        weave_run_leaves_the_container_on_the_weave_bridge,
        record_answers_dns_args_from_the_world_file_and_keeps_the_nested_traces,
        a_case_holds_the_world_it_asserts_and_bless_rewrites_a_stale_one,
    ])
}

fn dns_args_follow_the_docker_bridge_of_the_world() {
    let world =
        World::parse("[[host.link]]\nname = \"docker0\"\naddresses = [\"10.9.9.1/16\"]\n", "w.toml", 1).unwrap();
    let fake = std::path::Path::new(env!("CARGO_BIN_EXE_weavetrace-fake"));
    let inv = Invocation {
        env: vec![],
        args: ["run", "--with-dns", "10.2.0.1/24", "-ti", "ubuntu"].map(String::from).to_vec(),
    };
    let rec = InProcessSpec::default().run(&inv, &Sandbox::new(&world, fake, None).unwrap()).unwrap();
    let trace = String::from_utf8(rec.trace.to_bytes()).unwrap();
    assert!(trace.contains("+ DNS_ARGS=--dns 10.9.9.1 --dns-search=.\n"), "{trace}");
    assert!(trace.contains("+ docker run --dns 10.9.9.1 --dns-search=. -d -ti ubuntu\n"), "{trace}");
    // The weaveexec run's own trace and calls are kept with the call that started it.
    let dns_call = &rec.calls[1];
    let nested = dns_call.nested.as_ref().expect("the dns-args call keeps what ran inside");
    let inner = String::from_utf8(nested.trace.0.clone()).unwrap();
    assert!(
        inner.contains("+ dns_args 10.2.0.1/24 -ti ubuntu\n") && inner.contains("+ DOCKER_BRIDGE_IP=10.9.9.1\n"),
        "{inner}"
    );
    let inner_calls: Vec<String> =
        nested.calls.iter().map(|c| String::from_utf8_lossy(&c.argv[0].0).into_owned()).collect();
    assert_eq!(inner_calls, ["id", "uname", "ip", "docker", "ip"]);
    // Inside the image, docker is its own 1.3.1 client.
    assert_eq!(nested.calls[3].stdout.0, b"Docker version 1.3.1, build 4e9bbfa\n");
    // The process form agrees.
    weavetrace()
        .args(["check", "traces/with-dns-bridge-elsewhere.case"])
        .assert()
        .code(0)
        .stdout(predicate::str::contains("1 passed, 0 failed"));
}

/// The real script, under `shell`, holds every local golden; the local side probes the world's
/// files, which a script sees only in the namespaces. The shell is asked for last: lacking the
/// script, the test could not run anyway.
fn the_real_script_holds_the_local_goldens(shell: Result<String, common::Missing>) -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    namespaces()?;
    let shell = shell?;
    let cases = std::fs::read_dir(common::root().join("traces/local")).unwrap().count();
    assert!(cases >= 30, "only {cases} local goldens");
    // Repeated: the pipelines' trace lines interleave differently from run to run.
    for _ in 0..3 {
        weavetrace()
            .args(["check", "--shell", &shell, "--script"])
            .arg(&script)
            .arg("traces/local")
            .assert()
            .code(0)
            .stdout(predicate::str::contains(format!("{cases} passed, 0 failed")));
    }
    Ok(())
}

fn the_real_script_holds_the_local_goldens_under_dash() -> Needs {
    the_real_script_holds_the_local_goldens(Ok("/bin/sh".into()))
}

/// busybox as weaveexec has it, linked as `sh` under /tmp (where the sandbox puts its own /tmp):
/// found there, and read as ash for what it is.
fn the_real_script_holds_the_local_goldens_under_busybox_ash() -> Needs {
    with_busybox_as_sh(the_real_script_holds_the_local_goldens)
}

fn weave_run_leaves_the_container_on_the_weave_bridge() {
    // The client's `weave run`: the host's docker starts the container, and weaveexec's attach,
    // run by the fakes in the same world, wires it.
    let fake = std::path::Path::new(env!("CARGO_BIN_EXE_weavetrace-fake"));
    let inv = Invocation { env: vec![], args: ["run", "10.2.0.1/24", "-ti", "ubuntu"].map(String::from).to_vec() };
    let world = World::default();
    let rec = InProcessSpec::default().run(&inv, &Sandbox::new(&world, fake, None).unwrap()).unwrap();
    let state = String::from_utf8(rec.state_text(&world).unwrap()).unwrap();
    let pid = state.lines().find_map(|l| l.split(" running pid ").nth(1)).unwrap().split(' ').next().unwrap();
    let peer = format!("vethwepl{pid} veth mtu 65535 master weave up");
    assert!(state.contains(&peer), "{state}");
    let ethwe = state.split("  ").find(|part| part.contains(": ethwe veth")).map(str::to_string).unwrap_or_default();
    assert!(ethwe.contains(&format!("peer vethwepl{pid}@4026531992")), "{state}");
    assert!(state.contains("    inet 10.2.0.1/24\n"), "{state}");
    // The attach ran inside weaveexec; its trace and calls stay with the call that started it.
    let attach = rec.calls.iter().find(|c| c.argv.iter().any(|a| a.0 == b"attach")).unwrap();
    let nested = attach.nested.as_ref().unwrap();
    let inner = String::from_utf8(nested.trace.0.clone()).unwrap();
    assert!(inner.contains(&format!("+ ip netns exec {pid} ip addr add 10.2.0.1/24 dev ethwe\n")), "{inner}");
    // The process subjects see the same world: the golden with its state holds for the spec binary.
    weavetrace().args(["check", "traces/run-state.case"]).assert().code(0);
}

fn record_answers_dns_args_from_the_world_file_and_keeps_the_nested_traces() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("w.toml");
    std::fs::write(&world, "[[host.link]]\nname = \"docker0\"\nkind = \"bridge\"\naddresses = [\"10.9.9.1/16\"]\n")
        .unwrap();
    let out = weavetrace()
        .arg("record")
        .arg("--world")
        .arg(&world)
        .args(["--nested", "--", "run", "--with-dns", "10.2.0.1/24", "-ti", "ubuntu"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert!(stderr.contains("+ docker run --dns 10.9.9.1 --dns-search=. -d -ti ubuntu\n"), "{stderr}");
    // The run's own trace ends at its `exit 0`; the weaveexec containers' follow, each headed.
    let (own, nested) = stderr.split_once("# inside weaveexec: ").expect(&stderr);
    assert!(own.ends_with("+ exit 0\n"), "{own}");
    assert!(nested.starts_with("sh -x /home/weave/weave --local dns-args 10.2.0.1/24 -ti ubuntu\n"), "{nested}");
    assert!(nested.contains("+ DOCKER_BRIDGE_IP=10.9.9.1\n"), "{nested}");
    assert!(nested.contains("# inside weaveexec: sh -x /home/weave/weave --local attach 10.2.0.1/24 "), "{nested}");
    assert!(nested.contains(" ip addr add 10.2.0.1/24 dev ethwe\n"), "{nested}");
}

fn a_case_holds_the_world_it_asserts_and_bless_rewrites_a_stale_one() {
    let dir = tempfile::tempdir().unwrap();
    let case = dir.path().join("attach.case");
    let header = "command = \"weave --local attach 10.2.0.1/24 web\"\nstatus = 0\n\n[world]\n[[world.docker.container]]\nid = \"3f9a7c2e41d05b8e6a1c9d3f7b2e5a4c8d0f6e1b9a3c7d5e2f4a6b8c0d1e3f5a\"\nname = \"web\"\n";
    // Record the real thing, then claim the container never got its address.
    let text = std::fs::read_to_string(common::root().join("traces/local/local-attach.case")).unwrap();
    let sections = &text[text.find("~~~ trace").unwrap()..];
    let stale = sections.replace("    inet 10.2.0.1/24\n", "");
    assert_ne!(stale, sections, "the golden asserts the address");
    std::fs::write(&case, format!("{header}\n{stale}")).unwrap();
    weavetrace()
        .arg("check")
        .arg(&case)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("state differs").and(predicate::str::contains("+    inet 10.2.0.1/24")));
    weavetrace().arg("check").arg("--bless").arg(&case).assert().stderr(predicate::str::contains("(state)"));
    let blessed = std::fs::read_to_string(&case).unwrap();
    assert!(blessed.contains("    inet 10.2.0.1/24\n"), "{blessed}");
    weavetrace().arg("check").arg(&case).assert().code(0);
}
