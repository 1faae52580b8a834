//! Scenario cases: several command lines run one after another in one world, each held step by
//! step.

mod common;

use common::{root, weavetrace};
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use weavetrace::case::{self, Case};
use weavetrace::recording::Recording;
use weavetrace::sandbox::Sandbox;
use weavetrace::subject::{InProcessSpec, SpecProcess, Subject};

/// The example scenario: `--local expose 10.2.0.1/24`, `--local ps`, `--local hide 10.2.0.1/24`.
fn example() -> PathBuf {
    root().join("fixtures/scenarios/expose-ps-hide.case")
}

fn fake() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_weavetrace-fake"))
}

fn run(subject: &dyn Subject, case: &Case) -> Vec<Recording> {
    let sandbox = Sandbox::new(&case.world, &fake(), subject.script()).unwrap();
    subject.run_steps(&case.invocations(), &sandbox).unwrap()
}

fn calls(rec: &Recording) -> String {
    String::from_utf8(case::render_calls(&rec.calls)).unwrap()
}

/// A copy of the example in `dir` (its world file beside it), for a test to change.
fn copy_example(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("worlds")).unwrap();
    std::fs::copy(root().join("fixtures/worlds/local-weave-ready.toml"), dir.join("worlds/local-weave-ready.toml"))
        .unwrap();
    let scenarios = dir.join("scenarios");
    std::fs::create_dir_all(&scenarios).unwrap();
    let path = scenarios.join("expose-ps-hide.case");
    std::fs::copy(example(), &path).unwrap();
    path
}

#[test]
fn every_case_file_rewrites_byte_for_byte() {
    let mut paths = case::discover(&[root().join("traces")]).unwrap();
    paths.push(example());
    for path in paths {
        let bytes = std::fs::read(&path).unwrap();
        let c = case::parse_case(&path, &bytes).unwrap();
        assert_eq!(case::rewrite_case(&bytes, &c), bytes, "{}", path.display());
    }
    // The example, written anew from what it holds (its comment, world file, steps and notes).
    let bytes = std::fs::read(example()).unwrap();
    let c = case::load(&example()).unwrap();
    assert_eq!(c.steps.len(), 3);
    assert_eq!(c.steps[1].note.as_deref(), Some("ps lists the bridge with the address step 1 added"));
    let text = String::from_utf8(bytes).unwrap();
    let comment: Vec<&str> = text.lines().take_while(|l| l.starts_with("# ")).map(|l| &l[2..]).collect();
    assert_eq!(String::from_utf8(case::write_case(&c, &comment.join("\n"))).unwrap(), text);
}

#[test]
fn in_process_and_as_a_process_the_steps_record_the_same() {
    let c = case::load(&example()).unwrap();
    let process = SpecProcess {
        bin: env!("CARGO_BIN_EXE_weave").into(),
        arg0: "weave".into(),
        timeout: std::time::Duration::from_secs(10),
        dialect: None,
    };
    let a = run(&process, &c);
    let b = run(&InProcessSpec::default(), &c);
    assert_eq!(a.len(), 3);
    assert_eq!(b.len(), 3);
    for (k, (a, b)) in a.iter().zip(&b).enumerate() {
        assert_eq!(a.trace.to_bytes(), b.trace.to_bytes(), "step {}: trace", k + 1);
        assert_eq!(a.stdout, b.stdout, "step {}: stdout", k + 1);
        assert_eq!(a.status, b.status, "step {}: status", k + 1);
        assert_eq!(calls(a), calls(b), "step {}: calls", k + 1);
        assert_eq!(a.state_text(&c.world), b.state_text(&c.world), "step {}: state", k + 1);
    }
}

#[test]
fn each_step_has_its_own_calls_and_finds_the_world_the_one_before_left() {
    let c = case::load(&example()).unwrap();
    for recs in [run(&InProcessSpec::default(), &c), {
        let process = SpecProcess {
            bin: env!("CARGO_BIN_EXE_weave").into(),
            arg0: "weave".into(),
            timeout: std::time::Duration::from_secs(10),
            dialect: None,
        };
        run(&process, &c)
    }] {
        let (expose, ps, hide) = (calls(&recs[0]), calls(&recs[1]), calls(&recs[2]));
        // Only each step's own calls.
        assert!(expose.contains("ip addr add dev weave 10.2.0.1/24\n"), "{expose}");
        assert!(!expose.contains("ip addr del"), "{expose}");
        assert!(!hide.contains("ip addr add"), "{hide}");
        assert!(hide.contains("ip addr del dev weave 10.2.0.1/24\n"), "{hide}");
        assert!(!ps.contains("ip addr add") && !ps.contains("ip addr del"), "{ps}");
        // The world carried: hide's `ip addr show dev weave` finds what expose added.
        let trace = String::from_utf8(recs[2].trace.to_bytes()).unwrap();
        let found = "+ ip addr show dev weave\n+ grep -qF 10.2.0.1/24\n+ ip addr del dev weave 10.2.0.1/24\n";
        assert!(trace.contains(found), "{trace}");
        assert!(String::from_utf8_lossy(&recs[1].stdout).contains("10.2.0.1/24"));
        // And the world ends with no address on the bridge.
        let state = String::from_utf8(recs[2].state_text(&c.world).unwrap()).unwrap();
        let after_expose = String::from_utf8(recs[0].state_text(&c.world).unwrap()).unwrap();
        assert!(after_expose.contains("inet 10.2.0.1/24"), "{after_expose}");
        assert!(!state.contains("10.2.0.1"), "{state}");
    }
    // Alone in the same world, hide finds no address, and deletes none.
    let alone = &run(&InProcessSpec::default(), &Case { steps: vec![c.steps[2].clone()], ..c.clone() })[0];
    let trace = String::from_utf8(alone.trace.to_bytes()).unwrap();
    assert!(trace.contains("+ ip addr show dev weave\n") && !trace.contains("+ ip addr del"), "{trace}");
}

#[test]
fn the_example_holds_in_process_and_as_a_process() {
    for how in [&[][..], &["--in-process"]] {
        weavetrace()
            .arg("check")
            .args(how)
            .arg(example())
            .assert()
            .code(0)
            .stdout(predicate::str::contains("1 passed, 0 failed"));
    }
}

#[test]
fn a_step_that_fails_is_named_while_the_others_hold_and_bless_mends_every_step() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_example(dir.path());
    let original = std::fs::read_to_string(&path).unwrap();
    // Step 2 expects other stdout, step 3 another call; step 1 is left as it is.
    let broken =
        original.replacen("7a:3e:51:0c:22:81 10.2.0.1/24\n~~~", "7a:3e:51:0c:22:81 10.2.0.7/24\n~~~", 1).replacen(
            "ip addr del dev weave 10.2.0.1/24\niptables -S",
            "ip addr del dev weave 10.2.0.9/24\niptables -S",
            1,
        );
    let stdout_2 = broken.find("~~~ stdout 2").unwrap();
    assert!(broken[stdout_2..].contains("10.2.0.7") && broken.contains("10.2.0.9"), "both changes are made");
    std::fs::write(&path, &broken).unwrap();
    let out = weavetrace().args(["check", "--in-process"]).arg(&path).assert().code(1).get_output().stdout.clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("  step 2 (weave --local ps): stdout differs"), "{text}");
    assert!(text.contains("  step 3 (weave --local hide 10.2.0.1/24): calls differs"), "{text}");
    assert!(!text.contains("step 1 ("), "{text}");
    // Machines hear of the steps too.
    weavetrace().args(["check", "--in-process", "--format", "tap"]).arg(&path).assert().code(1).stdout(
        predicate::str::contains(
            "message: \"mismatch in step 2 (weave --local ps), step 3 (weave --local hide 10.2.0.1/24)\"",
        ),
    );
    weavetrace()
        .args(["check", "--in-process", "--format", "junit"])
        .arg(&path)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("step 2 (weave --local ps): stdout; step 3"));
    // --level commands holds the calls only: step 3's still differ, step 2's stdout no longer counts.
    let out = weavetrace()
        .args(["check", "--in-process", "--level", "commands"])
        .arg(&path)
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.contains("step 3 (weave --local hide 10.2.0.1/24): calls differs") && !text.contains("step 2"));
    // Bless rewrites both steps, and the file is the example again.
    weavetrace().args(["check", "--bless"]).arg(&path).assert().code(0);
    assert_eq!(std::fs::read_to_string(&path).unwrap(), original);
}

#[test]
fn record_takes_command_lines_after_each_double_dash_or_from_a_file() {
    let dir = tempfile::tempdir().unwrap();
    let world = root().join("fixtures/worlds/local-weave-ready.toml");
    let by_dashes = dir.path().join("dashes.case");
    weavetrace()
        .args(["record", "--state", "--world"])
        .arg(&world)
        .arg("-o")
        .arg(&by_dashes)
        .args(["--", "--local", "expose", "10.2.0.1/24", "--", "--local", "ps", "--", "--local", "hide", "10.2.0.1/24"])
        .assert()
        .code(0);
    let steps = dir.path().join("steps");
    std::fs::write(&steps, "# the example's steps\n--local expose 10.2.0.1/24\n\nweave --local ps  # a comment\n--local hide 10.2.0.1/24\n")
        .unwrap();
    let by_file = dir.path().join("file.case");
    weavetrace()
        .args(["record", "--state", "--world"])
        .arg(&world)
        .arg("-o")
        .arg(&by_file)
        .arg("--steps")
        .arg(&steps)
        .args(["--describe", "the same three steps"])
        .assert()
        .code(0);
    let (a, b) = (case::load(&by_dashes).unwrap(), case::load(&by_file).unwrap());
    assert_eq!(a.steps, b.steps);
    assert_eq!(a.state, b.state);
    let example = case::load(&example()).unwrap();
    for (got, want) in a.steps.iter().zip(&example.steps) {
        assert_eq!((&got.invocation, &got.trace, &got.calls), (&want.invocation, &want.trace, &want.calls));
    }
    assert!(std::fs::read_to_string(&by_file).unwrap().starts_with("# the same three steps\nworld_file = "));
    // The real recording holds against the spec as a process.
    weavetrace().arg("check").arg(&by_file).assert().code(0);
    // A bad line of the steps file is named with its place.
    std::fs::write(&steps, "--local ps\n--local 'hide\n").unwrap();
    weavetrace()
        .args(["record", "-o"])
        .arg(dir.path().join("bad.case"))
        .arg("--steps")
        .arg(&steps)
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"steps:2: not a shell command line").unwrap());
}

#[test]
fn record_refuses_an_empty_command_line_between_double_dashes() {
    let dir = tempfile::tempdir().unwrap();
    // Between, after the last, or before the first: each would run a bare `weave`.
    for args in
        [&["--local", "ps", "--", "--", "--local", "ps"][..], &["--local", "ps", "--"], &["--", "--local", "ps"]]
    {
        let out = dir.path().join("empty.case");
        let assert = weavetrace().args(["record", "-o"]).arg(&out).arg("--").args(args).assert().code(2);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains("an empty command line between `--`"), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(!out.exists(), "{args:?}");
    }
}

#[test]
fn a_scenario_renders_as_one_session_and_one_diagram() {
    let out = weavetrace().args(["render", "--format", "terminal"]).arg(example()).assert().code(0);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let prompts: Vec<&str> = text.lines().filter(|l| l.starts_with("$ ")).collect();
    assert_eq!(
        prompts,
        [
            "$ sh -x weave --local expose 10.2.0.1/24",
            "$ sh -x weave --local ps",
            "$ sh -x weave --local hide 10.2.0.1/24"
        ]
    );
    // Each prompt comes before what its step wrote.
    let (ps, hide) = (text.find("$ sh -x weave --local ps").unwrap(), text.find("$ sh -x weave --local hide").unwrap());
    assert!(text[ps..hide].contains("+ COMMAND=ps") && text[hide..].contains("+ COMMAND=hide"));
    let out = weavetrace().args(["render", "--format", "mermaid"]).arg(example()).assert().code(0);
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert_eq!(text.matches("Note over P0,P1: $ sh -x weave --local").count(), 3, "{text}");
    let hide = text.find("Note over P0,P1: $ sh -x weave --local hide").unwrap();
    assert!(text[hide..].contains("ip addr del dev weave 10.2.0.1/24"), "{text}");
    // docs lists the scenario in a section of its own.
    let dir = tempfile::tempdir().unwrap();
    let traces = dir.path().join("traces");
    std::fs::create_dir(&traces).unwrap();
    std::fs::copy(root().join("traces/launch.case"), traces.join("launch.case")).unwrap();
    let path = copy_example(dir.path());
    // Its world file is named `../worlds/...`: the same from traces/ as from scenarios/.
    std::fs::rename(&path, traces.join("expose-ps-hide.case")).unwrap();
    let out = dir.path().join("docs");
    weavetrace().arg("docs").arg("--traces").arg(&traces).arg("--out").arg(&out).assert().code(0);
    let index = std::fs::read_to_string(out.join("README.md")).unwrap();
    let section = index.find("\n## Scenarios\n").expect("a section for scenarios");
    assert!(index[section..].contains("| [expose-ps-hide](expose-ps-hide.md) |"), "{index}");
    assert!(index[..section].contains("| [launch](launch.md) |"), "{index}");
    let page = std::fs::read_to_string(out.join("expose-ps-hide.md")).unwrap();
    assert!(page.starts_with("# Scenario `expose-ps-hide`\n"), "{page}");
    assert!(page.contains("\n2. `sh -x weave --local ps`: ps lists the bridge"), "{page}");
}

#[test]
fn a_bad_scenario_is_one_line_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let path = copy_example(dir.path());
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("~~~ calls 2\n", "~~~ calls 4\n", 1)).unwrap();
    let line = text[..text.find("~~~ calls 2\n").unwrap()].lines().count() + 1;
    weavetrace()
        .arg("check")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!("expose-ps-hide.case:{line}: extra section `calls 4`")));
}

/// The state a scenario golden leaves after its last step, run afresh in-process.
fn final_state(name: &str) -> String {
    let c = case::load(&root().join(format!("traces/scenarios/{name}.case"))).unwrap();
    let recs = run(&InProcessSpec::default(), &c);
    String::from_utf8(recs.last().unwrap().state_text(&c.world).unwrap()).unwrap()
}

#[test]
fn a_hosts_whole_life_ends_clean_and_without_reset_leaves_weave_behind() {
    let weave_traces = ["weave bridge", "vethwe", "ethwe", "WEAVE", "-i weave", "  weave ", "  weavedns "];
    let clean = final_state("life");
    for t in weave_traces {
        assert!(!clean.contains(t), "{t:?} left after reset:\n{clean}");
    }
    // The user's own container runs on.
    assert!(clean.contains("  app ") && clean.contains(" running "), "{clean}");
    let kept = final_state("life-no-reset");
    for t in ["weave bridge", "vethwepl", "ethwe", "-A FORWARD -i weave -o weave -j ACCEPT", "-N WEAVE"] {
        assert!(kept.contains(t), "{t:?} gone without reset:\n{kept}");
    }
    // stop and stop-dns removed the containers all the same.
    assert!(!kept.contains("  weave ") && !kept.contains("  weavedns "), "{kept}");
}
