//! nextest's partitions over the goldens: `count:1/2` and `count:2/2` together list every golden
//! exactly once, so a CI matrix of two machines runs each once.

use std::collections::BTreeSet;
use std::process::Command;

fn listed(partition: &str) -> Option<Vec<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(["nextest", "list", "--test", "goldens", "--message-format", "oneline", "--partition", partition])
        .output()
        .ok()?;
    if !out.status.success() {
        eprintln!(
            "skipped: `cargo nextest list` failed (is cargo-nextest installed?): {}",
            String::from_utf8_lossy(&out.stderr)
        );
        return None;
    }
    Some(String::from_utf8_lossy(&out.stdout).lines().map(str::to_string).collect())
}

#[test]
fn two_partitions_run_every_golden_exactly_once() {
    let (Some(first), Some(second)) = (listed("count:1/2"), listed("count:2/2")) else { return };
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
}
