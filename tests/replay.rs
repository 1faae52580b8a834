//! `replay`, patterns and placeholders, bless and review.

mod common;

use common::{article, documented, real_script, root, weaveexec, weavetrace, Needs};
use predicates::prelude::*;

fn main() {
    common::run(common::trials![
        the_documented_trace_replays_with_no_world_file,
        the_articles_own_text_replays_with_a_notice_about_backslashes,
        an_articles_trace_without_a_prompt_replays_for_the_command_line_given,
        the_real_script_replays_the_documented_trace,
        a_saved_cassette_is_readable_editable_and_strict,
        placeholders_bind_two_containers_consistently,
        bless_rewrites_only_what_fails_keeping_patterns_and_review_accepts_or_rejects,
        a_twenty_thousand_line_trace_replays_and_its_one_changed_word_is_named,
    ])
}

fn args() -> Vec<&'static str> {
    vec!["run", "--with-dns", "10.2.0.1/24", "--label=com.foo.deployment=stage", "-ti", "ubuntu"]
}

fn the_documented_trace_replays_with_no_world_file() {
    let trace = documented().join("run-with-dns.trace");
    weavetrace()
        .arg("replay")
        .arg(&trace)
        .arg("--")
        .args(args())
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with("ok    replay of"));
    // One word changed in the trace: the replay fails and names that word.
    let dir = tempfile::tempdir().unwrap();
    let changed = dir.path().join("changed.trace");
    let text = std::fs::read_to_string(&trace).unwrap();
    let line = "+ docker run --dns 172.17.42.1 --dns-search=. -d --label=com.foo.deployment=stage -ti ubuntu\n";
    assert!(text.contains(line));
    std::fs::write(&changed, text.replacen(line, &line.replace("=stage", "=prod"), 1)).unwrap();
    weavetrace()
        .arg("replay")
        .arg(&changed)
        .arg("--")
        .args(args())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "note: trace line 37, word 7: the trace has `--label=com.foo.deployment=prod`, the subject wrote `--label=com.foo.deployment=stage`",
        ));
}

fn the_articles_own_text_replays_with_a_notice_about_backslashes() {
    let article = article();
    weavetrace().arg("replay").arg(&article).arg("--").args(args()).assert().code(0).stderr(predicate::str::contains(
        "notice: restored backslashes the trace had lost (HTML drops them) on lines 14, 28, 34",
    ));
    weavetrace()
        .arg("replay")
        .arg(&article)
        .args(["--", "run", "10.2.0.1/24", "-ti", "nowhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(":1: no `$ sh -x weave run 10.2.0.1/24 -ti nowhere` prompt in the article"));
}

fn an_articles_trace_without_a_prompt_replays_for_the_command_line_given() {
    let article = root().join("fixtures/articles/run-no-prompt.txt");
    let run = ["run", "10.2.0.1/24", "--label=com.foo.deployment=stage", "-ti", "ubuntu"];
    weavetrace().arg("replay").arg(&article).arg("--").args(run).assert().code(0).stderr(predicate::str::contains(
        "notice: read the trace that starts at line 2 (the article shows no `$ sh -x weave run 10.2.0.1/24",
    ));
    // The same trace is not another command line's: the replay names the first difference.
    weavetrace()
        .arg("replay")
        .arg(&article)
        .args(["--", "run", "10.2.0.1/24", "-ti", "nowhere"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("removed `--label=com.foo.deployment=stage`"));
}

fn the_real_script_replays_the_documented_trace() -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    for trace in [documented().join("run-with-dns.trace"), article()] {
        weavetrace().arg("replay").arg("--script").arg(&script).arg(&trace).arg("--").args(args()).assert().code(0);
    }
    Ok(())
}

fn a_saved_cassette_is_readable_editable_and_strict() {
    let dir = tempfile::tempdir().unwrap();
    let trace = documented().join("run-with-dns.trace");
    let cassette = dir.path().join("run-with-dns.toml");
    weavetrace().arg("replay").arg(&trace).arg("--save").arg(&cassette).arg("--").args(args()).assert().code(0);
    let text = std::fs::read_to_string(&cassette).unwrap();
    assert!(
        text.contains(
            "[[replay.call]]\ncommand = \"docker -v\"\nstdout = \"\"\"\nDocker version 1.6.0, build 0000000\n\"\"\"\n"
        ),
        "{text}"
    );
    weavetrace().arg("replay").arg(&trace).arg("--cassette").arg(&cassette).arg("--").args(args()).assert().code(0);
    // An edited answer: the container id docker hands out differs from the trace's.
    let edited = dir.path().join("edited.toml");
    std::fs::write(&edited, text.replace("f4e6e596d10c", "aaaaaaaaaaaa")).unwrap();
    weavetrace().arg("replay").arg(&trace).arg("--cassette").arg(&edited).arg("--").args(args()).assert().code(1);
    // A cassette that expects no such call: the first call is refused, and the rest are never made.
    let short = dir.path().join("short.toml");
    std::fs::write(&short, "[[replay.call]]\ncommand = \"docker info\"\n").unwrap();
    weavetrace()
        .arg("replay")
        .arg(&trace)
        .arg("--cassette")
        .arg(&short)
        .arg("--")
        .args(args())
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "note: call 1 `docker -v` was not expected: the trace has `docker info` there",
        ));
    // Malformed inputs are one line with their place.
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "[[replay.call]]\ncommand = 3\n").unwrap();
    weavetrace()
        .arg("replay")
        .arg(&trace)
        .arg("--cassette")
        .arg(&bad)
        .arg("--")
        .args(args())
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"bad\.toml:2: .*\n$").unwrap());
    let not_trace = dir.path().join("x.trace");
    std::fs::write(&not_trace, "hello\n").unwrap();
    weavetrace()
        .arg("replay")
        .arg(&not_trace)
        .arg("--")
        .args(args())
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"x\.trace:1: not a trace").unwrap());
    // --save never overwrites.
    weavetrace().arg("replay").arg(&trace).arg("--save").arg(&cassette).arg("--").args(args()).assert().code(2);
}

fn placeholders_bind_two_containers_consistently() -> Needs {
    // The script's weaveexec runs its own local side, whose calls the golden holds too.
    weaveexec()?;
    let check = |case: &str| {
        weavetrace()
            .args(["check", "--script", "fixtures/scripts/two-containers.sh", &format!("fixtures/scripts/{case}.case")])
            .assert()
    };
    check("two-containers").code(0);
    check("redacted").code(0);
    check("two-containers-swapped").code(1).stdout(predicate::str::contains("trace differs (first at line 7)"));
    Ok(())
}

fn bless_rewrites_only_what_fails_keeping_patterns_and_review_accepts_or_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let world = root().join("fixtures/worlds/documented-run.toml");
    let run = std::fs::read_to_string(root().join("traces/run.case"))
        .unwrap()
        .replace("../fixtures/worlds/documented-run.toml", world.to_str().unwrap())
        .replace(
            "+ CONTAINER=0eedd4c8c0a53d53209f415f5d1f004d75163f94a3f906d652aa7b37e56bbaaa\n",
            "+ CONTAINER=[CONTAINER_ID]\n",
        )
        .replace("+ DOCKER_VERSION=1.6.0\n", "+ DOCKER_VERSION=9.9.9\n");
    std::fs::write(dir.path().join("run.case"), &run).unwrap();
    let launch = std::fs::read_to_string(root().join("traces/launch.case")).unwrap();
    std::fs::write(dir.path().join("launch.case"), &launch).unwrap();
    // Without --bless nothing is written.
    weavetrace().arg("check").arg(dir.path()).assert().code(1);
    assert_eq!(std::fs::read_to_string(dir.path().join("run.case")).unwrap(), run);
    // Pending, then rejected: the golden stays as it was.
    weavetrace()
        .args(["check", "--pending"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stderr(predicate::str::contains("pending "));
    assert!(dir.path().join("run.case.new").exists());
    weavetrace()
        .args(["review", "--reject"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stdout(predicate::str::contains("0 accepted, 1 rejected, 0 skipped"));
    assert!(!dir.path().join("run.case.new").exists());
    assert_eq!(std::fs::read_to_string(dir.path().join("run.case")).unwrap(), run);
    // Blessed: only the failing golden changes, its placeholder kept, its wrong line fixed.
    weavetrace()
        .args(["check", "--bless"])
        .arg(dir.path())
        .assert()
        .code(0)
        .stderr(predicate::str::contains("run.case (trace)"));
    let blessed = std::fs::read_to_string(dir.path().join("run.case")).unwrap();
    assert!(
        blessed.contains("+ CONTAINER=[CONTAINER_ID]\n") && blessed.contains("+ DOCKER_VERSION=1.6.0\n"),
        "{blessed}"
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("launch.case")).unwrap(), launch);
    weavetrace().arg("check").arg(dir.path()).assert().code(0);
    // Pending and accepted through review's prompt.
    std::fs::write(dir.path().join("run.case"), &run).unwrap();
    weavetrace().args(["check", "--pending"]).arg(dir.path()).assert().code(1);
    weavetrace()
        .arg("review")
        .arg(dir.path())
        .write_stdin("a\n")
        .assert()
        .code(0)
        .stdout(predicate::str::contains("accepted "));
    weavetrace().arg("check").arg(dir.path()).assert().code(0);
}

/// A long trace holds, and a change deep in it is found: nothing here is timed (`cargo bench` has the
/// replay's speed), but a quadratic step would make this test crawl and a recursive one overflow.
fn a_twenty_thousand_line_trace_replays_and_its_one_changed_word_is_named() {
    let n = 10_000;
    let dir = tempfile::tempdir().unwrap();
    let script = dir.path().join("long.sh");
    std::fs::write(
        &script,
        format!(
            "set -e\nV=$(docker -v)\ni=0\nwhile [ $i -lt {n} ]; do\n  i=$((i+1))\ndone\necho \"[PID] $V\"\nexit 0\n"
        ),
    )
    .unwrap();
    // What dash writes for it; the docker line tells the cassette what `docker -v` answered, and
    // `[PID]` (a placeholder's own text) sends the comparison through the patterns.
    let mut trace = String::from("+ set -e\n+ docker -v\n+ V=Docker version 1.6.0, build a82d35e\n+ i=0\n");
    for k in 0..n {
        trace.push_str(&format!("+ [ {k} -lt {n} ]\n+ i={}\n", k + 1));
    }
    trace.push_str(&format!("+ [ {n} -lt {n} ]\n+ echo [PID] Docker version 1.6.0, build a82d35e\n+ exit 0\n"));
    assert_eq!(trace.lines().count(), 2 * n + 7);
    let long = dir.path().join("long.trace");
    std::fs::write(&long, &trace).unwrap();
    let replay =
        |path: &std::path::Path| weavetrace().arg("replay").arg("--script").arg(&script).arg(path).arg("--").assert();
    replay(&long).code(0).stdout(predicate::str::starts_with("ok    replay of weave\n"));
    let changed = dir.path().join("changed.trace");
    std::fs::write(&changed, trace.replacen("+ i=7000\n", "+ i=7001\n", 1)).unwrap();
    replay(&changed).code(1).stdout(predicate::str::contains(
        "note: trace line 14004, word 1: the trace has `i=7001`, the subject wrote `i=7000`",
    ));
}
