//! nextest's partitions over the goldens: `count:1/2` and `count:2/2` together list every golden
//! exactly once, so a CI matrix of two machines runs each once.

mod common;

use common::{nextest, Needs};
use std::collections::BTreeSet;
use std::process::Command;

fn main() {
    common::run(common::trials![two_partitions_run_every_golden_exactly_once])
}

fn listed(partition: &str) -> Vec<String> {
    let out = Command::new(common::cargo())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["nextest", "list", "--test", "goldens", "--message-format", "oneline", "--partition", partition])
        .output()
        .unwrap();
    assert!(out.status.success(), "`cargo nextest list` failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect()
}

fn two_partitions_run_every_golden_exactly_once() -> Needs {
    nextest()?;
    let (first, second) = (listed("count:1/2"), listed("count:2/2"));
    let root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let goldens: BTreeSet<String> = weavetrace::case::discover(&[root.join("traces")])
        .unwrap()
        .iter()
        .map(|p| format!("weavetrace::goldens {}", p.strip_prefix(&root).unwrap().with_extension("").display()))
        .collect();
    assert!(!first.is_empty() && !second.is_empty());
    let mut all: Vec<String> = first.iter().chain(&second).cloned().collect();
    all.sort();
    let unique: BTreeSet<String> = all.iter().cloned().collect();
    assert_eq!(all.len(), unique.len(), "a golden is in both partitions");
    assert_eq!(unique, goldens, "the partitions together are not every golden");
    Ok(())
}
