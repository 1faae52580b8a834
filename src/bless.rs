//! Bringing goldens up to date: a case that does not hold is rewritten from what the subject did,
//! keeping each of its pattern lines (`[..]`, placeholders) where that line still matches, or kept
//! as a pending `NAME.case.new` beside it for `weavetrace review`. Nothing a user wrote is
//! overwritten except by an explicit bless or accept.

use crate::case::{rewrite_case, Case, CaseError};
use crate::compare::{patterns, Aspect, Verdict};
use std::path::{Path, PathBuf};

/// `actual`, but with `expected`'s lines where they still match the line they stand for.
pub fn merged(expected: &[u8], actual: &[u8]) -> Vec<u8> {
    let diff = similar::TextDiff::from_lines(expected, actual);
    let mut bindings = patterns::Bindings::new();
    let mut out = Vec::new();
    for op in diff.ops() {
        match *op {
            similar::DiffOp::Equal { old_index, len, .. } => {
                for line in &diff.old_slices()[old_index..old_index + len] {
                    out.extend_from_slice(line);
                }
            }
            similar::DiffOp::Delete { .. } => {}
            similar::DiffOp::Insert { new_index, new_len, .. } => {
                for line in &diff.new_slices()[new_index..new_index + new_len] {
                    out.extend_from_slice(line);
                }
            }
            similar::DiffOp::Replace { old_index, old_len, new_index, new_len } => {
                for k in 0..new_len {
                    let new = diff.new_slices()[new_index + k];
                    let kept = (k < old_len).then(|| diff.old_slices()[old_index + k]).filter(|old| {
                        let strip = |l: &[u8]| l.strip_suffix(b"\n").unwrap_or(l).to_vec();
                        patterns::has_patterns(old) && patterns::line_matches(&strip(old), &strip(new), &mut bindings)
                    });
                    out.extend_from_slice(kept.unwrap_or(new));
                }
            }
        }
    }
    out
}

/// The case file's new bytes for a run whose verdict did not hold, and what changed (in a
/// scenario, each named with its step). `statuses` and `pipelines` are the run's, one per step.
pub fn blessed(
    case: &Case,
    verdict: &Verdict,
    statuses: &[i32],
    pipelines: &[Vec<crate::trace::Pipeline>],
) -> std::io::Result<(Vec<u8>, Vec<String>)> {
    let original = std::fs::read(&case.path)?;
    let mut steps = case.steps.clone();
    let mut state = case.state.clone();
    let mut changed = Vec::new();
    for m in &verdict.mismatches {
        changed.push(match m.step {
            Some(k) if case.is_scenario() => format!("step {} {}", k + 1, m.aspect.name()),
            _ => m.aspect.name().to_string(),
        });
        let slot = match (m.aspect, m.step.and_then(|k| steps.get_mut(k))) {
            (Aspect::Trace, Some(step)) => &mut step.trace,
            (Aspect::Stdout, Some(step)) => &mut step.stdout,
            (Aspect::Calls, Some(step)) => &mut step.calls,
            (Aspect::State, _) => state.get_or_insert_with(Vec::new),
            // A status is rewritten from `statuses` below; a step count is never blessed (the
            // caller refuses a run that is short of recordings).
            _ => continue,
        };
        *slot = merged(&m.expected, &m.actual);
    }
    for (k, step) in steps.iter_mut().enumerate() {
        if let Some(&status) = statuses.get(k) {
            step.status = status;
        }
        let trace_changed = verdict.mismatches.iter().any(|m| m.aspect == Aspect::Trace && m.step == Some(k));
        if let (true, Some(p)) = (trace_changed, pipelines.get(k)) {
            step.pipelines = p.clone();
        }
    }
    Ok((rewrite_case(&original, &steps, state.as_deref(), &case.redaction_placeholders()), changed))
}

/// Where a pending result for `case` waits.
pub fn pending_path(case: &Path) -> PathBuf {
    let mut name = case.as_os_str().to_owned();
    name.push(".new");
    PathBuf::from(name)
}

/// The pending results under `paths` (files named `*.case.new`, in directories searched). A path
/// that does not exist is an error, as in `check`.
pub fn pending(paths: &[PathBuf]) -> Result<Vec<PathBuf>, CaseError> {
    let is_pending = |p: &Path| p.to_string_lossy().ends_with(".case.new");
    // A file named is the pending result itself, or a case whose pending result waits beside it.
    let pending_of = |file: &Path| {
        if is_pending(file) {
            Some(file.to_path_buf())
        } else {
            Some(pending_path(file)).filter(|p| p.exists())
        }
    };
    let mut found = crate::case::find(paths, is_pending, pending_of)?;
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pattern_lines_survive_where_they_still_match() {
        let expected = b"+ set -e\n+ WEB=[CONTAINER_ID]\n+ old line\n+ exit 0\n";
        let actual = b"+ set -e\n+ WEB=0eedd4c8c0a5\n+ new line\n+ exit 0\n";
        assert_eq!(merged(expected, actual), b"+ set -e\n+ WEB=[CONTAINER_ID]\n+ new line\n+ exit 0\n");
        // A placeholder that no longer matches gives way to what the subject wrote.
        assert_eq!(merged(b"+ PID=[PID]\n", b"+ PID=none\n"), b"+ PID=none\n");
    }

    #[test]
    fn a_mismatch_is_blessed_into_the_step_it_carries() {
        use crate::case::{write_case, Invocation, Step};
        use crate::compare::Mismatch;
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("two.case");
        let step = |arg: &str| Step { invocation: Invocation::from_args(&[arg.to_string()]), ..Step::default() };
        let case = Case::of_steps(path.clone(), vec![step("ps"), step("status")], Default::default()).unwrap();
        std::fs::write(&path, write_case(&case, "two steps")).unwrap();
        let case = crate::case::load(&path).unwrap();
        let verdict = Verdict {
            case: case.name.clone(),
            steps: Vec::new(),
            mismatches: vec![Mismatch {
                step: Some(1),
                aspect: Aspect::Stdout,
                expected: vec![],
                actual: b"up\n".to_vec(),
            }],
            escapes: vec![],
            unmodeled: vec![],
            notes: vec![],
        };
        let (bytes, changed) = blessed(&case, &verdict, &[0, 0], &[vec![], vec![]]).unwrap();
        assert_eq!(changed, ["step 2 stdout"]);
        let back = crate::case::parse_case(&path, &bytes).unwrap();
        assert_eq!((back.steps[0].stdout.as_slice(), back.steps[1].stdout.as_slice()), (&b""[..], &b"up\n"[..]));
    }
}
