//! Bringing goldens up to date: a case that does not hold is rewritten from what the subject did,
//! keeping each of its pattern lines (`[..]`, placeholders) where that line still matches, or kept
//! as a pending `NAME.case.new` beside it for `weavetrace review`. Nothing a user wrote is
//! overwritten except by an explicit bless or accept.

use crate::case::{rewrite_case, Case, CaseError};
use crate::compare::{interleave, patterns, Aspect, Verdict};
use crate::trace::{Dialect, Pipeline};
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
/// scenario, each named with its step). `case` is the case as read; `verdict` held the run of a
/// subject of `dialect` to the case as that dialect sees it ([`Case::for_dialect`]), so the run
/// is blessed into that dialect's variant where it is not dash, and dash's sections stay as they
/// are. `statuses` are the run's, one per step; `pipelines` too when the subject knows them (the
/// spec), else `None`: the case's own are kept where they still describe the new trace.
pub fn blessed(
    case: &Case,
    dialect: Dialect,
    verdict: &Verdict,
    statuses: &[i32],
    pipelines: Option<&[Vec<Pipeline>]>,
) -> std::io::Result<(Vec<u8>, Vec<String>)> {
    let original = std::fs::read(&case.path)?;
    let mut steps = case.for_dialect(dialect).steps.clone();
    let mut state = case.state.clone();
    let mut changed = Vec::new();
    // Which sections changed: under another shell than dash, its variant's.
    let variant = if dialect == Dialect::Dash { String::new() } else { format!(" [{}]", dialect.name()) };
    for m in &verdict.mismatches {
        changed.push(match m.step {
            Some(k) if case.is_scenario() => format!("step {} {}{variant}", k + 1, m.aspect.name()),
            _ if m.aspect == Aspect::State => m.aspect.name().to_string(),
            _ => format!("{}{variant}", m.aspect.name()),
        });
        let slot = match (m.aspect, m.step.and_then(|k| steps.get_mut(k))) {
            (Aspect::Trace, Some(step)) => {
                let (settled, kept) = settled(&m.expected, &step.pipelines, &m.actual, step.invocation.ps4());
                step.trace = merged(&m.expected, &settled);
                step.pipelines = kept;
                continue;
            }
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
        if let (true, Some(p)) = (trace_changed, pipelines.and_then(|p| p.get(k))) {
            step.pipelines = p.clone();
        }
    }
    let mut new = case.clone();
    new.set_view(dialect, &steps);
    new.state = state;
    Ok((rewrite_case(&original, &new), changed))
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

/// `actual` with each pipeline's lines written as `expected` has them wherever they are only an
/// interleaving of them (a real shell's concurrent writers, which a golden keeps in order), and
/// the pipelines moved to where their lines are in it; a pipeline whose lines changed, or whose
/// place cannot be told, is dropped.
fn settled(expected: &[u8], pipelines: &[Pipeline], actual: &[u8], ps4: &[u8]) -> (Vec<u8>, Vec<Pipeline>) {
    let old: Vec<&[u8]> = expected.split_inclusive(|&b| b == b'\n').collect();
    let mut new: Vec<&[u8]> = actual.split_inclusive(|&b| b == b'\n').collect();
    // Where each line of `expected` that is unchanged sits in `actual`.
    let mut at: Vec<Option<usize>> = vec![None; old.len()];
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
        if let similar::DiffOp::Equal { old_index, new_index, len } = op {
            for i in 0..len {
                at[old_index + i] = Some(new_index + i);
            }
        }
    }
    let mut kept = Vec::new();
    for p in pipelines {
        let Some(&first) = p.writers.first() else { continue };
        let (a, b) = (first - 1, p.end);
        if b > old.len() || a >= b {
            continue;
        }
        let moved = |i: usize| Pipeline { writers: p.writers.iter().map(|w| w - a + i).collect(), end: p.end - a + i };
        // Its lines unchanged, in a row: it only moved.
        if let Some(i) = at[a] {
            if (a..b).all(|j| at[j] == Some(i + j - a)) {
                kept.push(moved(i));
                continue;
            }
        }
        // Else the unchanged lines just around it bound its place in `actual`.
        let before = if a == 0 { Some(0) } else { at[a - 1].map(|i| i + 1) };
        let after = if b == old.len() { Some(new.len()) } else { at[b] };
        // Its lines, only interleaved otherwise, next to either bound: written as before.
        let shifted = Pipeline { writers: p.writers.iter().map(|w| w - a).collect(), end: p.end - a };
        let was = old[a..b].concat();
        let settle = [before, after.and_then(|e| e.checked_sub(b - a))].into_iter().flatten().find(|&start| {
            start + (b - a) <= new.len()
                && interleave::matches(&was, std::slice::from_ref(&shifted), &new[start..start + (b - a)].concat(), ps4)
        });
        if let Some(start) = settle {
            new.splice(start..start + (b - a), old[a..b].iter().copied());
            kept.push(moved(start));
            continue;
        }
        // Its words changed (a value that holds the shell's own trace), but each element's first
        // line after the first is still there, between the bounds: the same pipeline.
        let (Some(before), Some(after)) = (before, after) else { continue };
        let mut writers = vec![before + 1];
        for &w in &p.writers[1..] {
            match at[w - 1] {
                Some(i) if i + 1 > *writers.last().unwrap_or(&0) && i < after => writers.push(i + 1),
                _ => break,
            }
        }
        if writers.len() == p.writers.len() && before < after {
            kept.push(Pipeline { writers, end: after });
        }
    }
    (new.concat(), kept)
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
        let (bytes, changed) = blessed(&case, Dialect::Dash, &verdict, &[0, 0], Some(&[vec![], vec![]])).unwrap();
        assert_eq!(changed, ["step 2 stdout"]);
        let back = crate::case::parse_case(&path, &bytes).unwrap();
        assert_eq!((back.steps[0].stdout.as_slice(), back.steps[1].stdout.as_slice()), (&b""[..], &b"up\n"[..]));
    }
}
