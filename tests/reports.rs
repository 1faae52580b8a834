//! Reports for CI: JUnit read by a real JUnit consumer, TAP, JSON lines, partitions, fail-fast.

mod common;

use common::{junitparser, root, weavetrace, Needs};
use predicates::prelude::*;
use std::path::Path;
use std::process::Command;

fn main() {
    common::run(common::trials![
        junit_is_read_by_junitparser_and_carries_the_diff,
        tap_and_json_lines_report_each_case,
        partitions_split_the_goldens_and_fail_fast_stops,
        completions_and_the_man_page_come_from_the_command_line_definition,
    ])
}

/// Two goldens, one of them broken (a docker flag moved), in a directory of their own.
fn suite(dir: &Path) {
    for name in ["launch", "setup"] {
        let text = std::fs::read_to_string(root().join(format!("traces/{name}.case"))).unwrap();
        let text = if name == "launch" {
            text.replace("--privileged --net=host weaveworks", "--net=host --privileged weaveworks")
        } else {
            text
        };
        std::fs::write(dir.join(format!("{name}.case")), text).unwrap();
    }
}

fn junit_is_read_by_junitparser_and_carries_the_diff() -> Needs {
    junitparser()?;
    let dir = tempfile::tempdir().unwrap();
    suite(dir.path());
    let out = weavetrace().args(["check", "--format", "junit"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let xml = dir.path().join("report.xml");
    std::fs::write(&xml, &out.stdout).unwrap();
    let reader = r#"
import sys, junitparser
xml = junitparser.JUnitXml.fromfile(sys.argv[1])
cases = [c for suite in xml for c in suite]
assert len(cases) == 2, len(cases)
failed = [c for c in cases if not c.is_passed]
assert [c.name for c in failed] == [c.name for c in cases if c.name.endswith("/launch")], [c.name for c in failed]
failure = failed[0].result[0]
assert isinstance(failure, junitparser.Failure), failure
assert "trace differs" in failure.text and "-+ docker run" in failure.text, failure.text
assert "call 1: moved `--privileged` forward" in failure.text, failure.text
print("junitparser read", len(cases), "cases,", len(failed), "failed")
"#;
    let check = Command::new("python3").args(["-c", reader]).arg(&xml).output().unwrap();
    assert!(
        check.status.success(),
        "{}{}",
        String::from_utf8_lossy(&check.stdout),
        String::from_utf8_lossy(&check.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&check.stdout), "junitparser read 2 cases, 1 failed\n");
    Ok(())
}

fn tap_and_json_lines_report_each_case() {
    let dir = tempfile::tempdir().unwrap();
    suite(dir.path());
    weavetrace()
        .args(["check", "--format", "tap"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("TAP version 13\n1..2\nnot ok 1 - "))
        .stdout(predicate::str::contains("\n  ---\n  message: \"mismatch\"\n  report: |\n"))
        .stdout(predicate::str::contains("\nok 2 - "));
    let out = weavetrace().args(["check", "--format", "json"]).arg(dir.path()).output().unwrap();
    let records: Vec<serde_json::Value> =
        String::from_utf8(out.stdout).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 2);
    assert_eq!(records[0]["outcome"], "fail");
    assert_eq!(records[0]["mismatches"][0]["aspect"], "trace");
    assert_eq!(records[1]["outcome"], "pass");
}

fn partitions_split_the_goldens_and_fail_fast_stops() {
    let count = |args: &[&str]| -> usize {
        let out = weavetrace().arg("check").args(args).output().unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "check {args:?}: {stdout}{}", String::from_utf8_lossy(&out.stderr));
        stdout.lines().filter(|l| l.starts_with("ok ") || l.starts_with("FAIL ")).count()
    };
    let all = count(&[]);
    let parts: Vec<usize> = (1..=3).map(|k| count(&["--partition", &format!("{k}/3")])).collect();
    assert_eq!(parts.iter().sum::<usize>(), all);
    assert!(parts.iter().all(|&n| n > 0));
    weavetrace().args(["check", "--partition", "4/3"]).assert().code(2);
    let dir = tempfile::tempdir().unwrap();
    suite(dir.path());
    weavetrace()
        .args(["check", "-j1", "--fail-fast"])
        .arg(dir.path())
        .assert()
        .code(1)
        .stdout(predicate::str::contains("0 passed, 1 failed"));
}

fn completions_and_the_man_page_come_from_the_command_line_definition() {
    weavetrace().args(["completions", "bash"]).assert().code(0).stdout(predicate::str::contains("--partition"));
    weavetrace()
        .arg("man")
        .assert()
        .code(0)
        .stdout(predicate::str::starts_with(".ie"))
        .stdout(predicate::str::contains(".SH \"EXIT STATUS\""))
        .stdout(predicate::str::contains("the harness failed"));
}
