//! `weavetrace diff`: the spec against a script on the same command lines.

mod common;

use common::{real_script, script_0_11, weaveexec, weavetrace, Needs};
use predicates::prelude::*;

fn main() {
    common::run(common::trials![
        a_script_that_is_not_weave_diverges_and_shrinks_to_the_smallest_line,
        a_bad_cases_file_is_one_line_with_its_place,
        the_real_script_agrees_with_the_spec_on_2000_random_lines_and_a_mutant_is_caught,
        weave_0_11_checked_as_0_10_fails_at_the_command_level,
    ])
}

fn a_script_that_is_not_weave_diverges_and_shrinks_to_the_smallest_line() -> Needs {
    // The script's weaveexec runs its own local side.
    weaveexec()?;
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("lines");
    std::fs::write(&cases, "# two lines\nweave run 10.2.0.1/24 -ti ubuntu\nVERSION=1 launch 'a b'\n").unwrap();
    weavetrace()
        .args(["diff", "--script", "fixtures/scripts/substitutions.sh", "--cases"])
        .arg(&cases)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("diverged  weave run 10.2.0.1/24 -ti ubuntu  (trace, stdout, calls)"))
        .stdout(predicate::str::contains("shrunk `weave run 10.2.0.1/24 -ti ubuntu` to `weave`:"))
        .stdout(predicate::str::contains(
            "as a case (what the spec does; the script fails it):\n\n# Found by `weavetrace diff`",
        ))
        .stdout(predicate::str::contains("\n0 passed, 2 failed\n"));
    Ok(())
}

fn a_bad_cases_file_is_one_line_with_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let cases = dir.path().join("lines");
    std::fs::write(&cases, "launch\nrun 'unclosed\n").unwrap();
    weavetrace()
        .args(["diff", "--script", "fixtures/scripts/substitutions.sh", "--cases"])
        .arg(&cases)
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"^\S*lines:2: not a shell command line: .*\n$").unwrap());
}

fn the_real_script_agrees_with_the_spec_on_2000_random_lines_and_a_mutant_is_caught() -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let script = real_script(dir.path())?;
    weavetrace()
        .args(["diff", "--random", "2000", "--seed", "1", "--script"])
        .arg(&script)
        .assert()
        .code(0)
        .stdout(predicate::str::is_match(r"(?m)^2000 passed, 0 failed$").unwrap());
    // One docker flag changed in exec_remote: caught, and shrunk to the smallest command line.
    let text = std::fs::read_to_string(&script).unwrap();
    let mutant = dir.path().join("weave-mutant");
    std::fs::write(&mutant, text.replacen("--privileged --net=host", "--privileged --net=bridge", 1)).unwrap();
    weavetrace()
        .args(["diff", "--random", "100", "--seed", "1", "--script"])
        .arg(&mutant)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("to `weave`:"))
        .stdout(predicate::str::contains("removed `--net=host`; added `--net=bridge`"));
    Ok(())
}

fn weave_0_11_checked_as_0_10_fails_at_the_command_level() -> Needs {
    let dir = tempfile::tempdir().unwrap();
    let script = script_0_11(dir.path())?;
    weavetrace()
        .args(["check", "--level", "commands", "--script"])
        .arg(&script)
        .arg("traces/launch.case")
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "call 1: moved `-e PROCFS=/hostproc` forward; moved `--privileged --net=host` forward; added `-e WEAVE_DEBUG`",
        ));
    Ok(())
}
