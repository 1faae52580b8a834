//! Shows verdicts to a person: one line per case, a unified diff per mismatch, a closing count.

use crate::compare::{Aspect, Verdict};
use crate::trace::visible;
use std::io::Write;

/// Writes one case's result.
pub fn human(out: &mut dyn Write, verdict: &Verdict) -> std::io::Result<()> {
    if verdict.holds() {
        writeln!(out, "ok    {}", verdict.case)?;
        return notes(out, verdict);
    }
    writeln!(out, "FAIL  {}", verdict.case)?;
    for escape in &verdict.escapes {
        writeln!(out, "  escape: {escape}")?;
    }
    for m in &verdict.mismatches {
        if m.aspect == Aspect::Status {
            writeln!(
                out,
                "  status: expected {}, got {}",
                String::from_utf8_lossy(&m.expected),
                String::from_utf8_lossy(&m.actual)
            )?;
            continue;
        }
        let first = first_difference(&m.expected, &m.actual);
        writeln!(out, "  {} differs (first at line {first}):", m.aspect.name())?;
        write_diff(out, &m.expected, &m.actual)?;
        if m.aspect == Aspect::Calls {
            for change in explain_calls(&m.expected, &m.actual) {
                writeln!(out, "    {change}")?;
            }
        }
    }
    notes(out, verdict)
}

fn notes(out: &mut dyn Write, verdict: &Verdict) -> std::io::Result<()> {
    for note in &verdict.notes {
        writeln!(out, "  note: {note}")?;
    }
    Ok(())
}

/// A unified diff, indented, with invisible bytes shown (`\x1b`, `\r`) so that a difference in
/// them can be seen.
pub fn write_diff(out: &mut dyn Write, expected: &[u8], actual: &[u8]) -> std::io::Result<()> {
    let diff = similar::TextDiff::from_lines(expected, actual);
    for hunk in diff.unified_diff().context_radius(3).header("expected", "actual").iter_hunks() {
        writeln!(out, "    {}", hunk.header())?;
        for change in hunk.iter_changes() {
            let sign = match change.tag() {
                similar::ChangeTag::Delete => '-',
                similar::ChangeTag::Insert => '+',
                similar::ChangeTag::Equal => ' ',
            };
            let bytes = change.value();
            let (body, eol) = match bytes.strip_suffix(b"\n") {
                Some(b) => (b, true),
                None => (bytes, false),
            };
            writeln!(out, "    {sign}{}", visible(body))?;
            if !eol {
                writeln!(out, "    \\ No newline at end")?;
            }
        }
    }
    Ok(())
}

/// 1-based number of the first line where `a` and `b` differ.
pub fn first_difference(a: &[u8], b: &[u8]) -> usize {
    let mut a_lines = a.split_inclusive(|&c| c == b'\n');
    let mut b_lines = b.split_inclusive(|&c| c == b'\n');
    let mut n = 1;
    while let (Some(x), Some(y)) = (a_lines.next(), b_lines.next()) {
        if x != y {
            return n;
        }
        n += 1;
    }
    n
}

/// For each call that changed (a line replaced by another in the calls diff), what happened to its
/// words: moved, added, removed or changed, so that a reader sees at once how a docker call moved.
pub fn explain_calls(expected: &[u8], actual: &[u8]) -> Vec<String> {
    let words = |line: &str| shell_words::split(line).unwrap_or_else(|_| line.split(' ').map(String::from).collect());
    let diff = similar::TextDiff::from_lines(expected, actual);
    let mut out = Vec::new();
    for op in diff.ops() {
        let similar::DiffOp::Replace { old_index, old_len, new_index, new_len } = *op else { continue };
        for k in 0..old_len.min(new_len) {
            let old_line = String::from_utf8_lossy(diff.old_slices()[old_index + k]).trim_end().to_string();
            let new_line = String::from_utf8_lossy(diff.new_slices()[new_index + k]).trim_end().to_string();
            let (old, new) = (words(&old_line), words(&new_line));
            let mut removed: Vec<Vec<String>> = Vec::new();
            let mut added: Vec<Vec<String>> = Vec::new();
            for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
                let (o, n) = (op.old_range(), op.new_range());
                if !matches!(op, similar::DiffOp::Equal { .. }) {
                    if !o.is_empty() {
                        removed.push(old[o].to_vec());
                    }
                    if !n.is_empty() {
                        added.push(new[n].to_vec());
                    }
                }
            }
            let mut parts = Vec::new();
            for run in &removed {
                if let Some(at) = added.iter().position(|a| a == run) {
                    added.remove(at);
                    parts.push(format!("moved `{}`", run.join(" ")));
                } else {
                    parts.push(format!("removed `{}`", run.join(" ")));
                }
            }
            parts.extend(added.iter().map(|a| format!("added `{}`", a.join(" "))));
            if !parts.is_empty() {
                out.push(format!("call {}: {}", old_index + k + 1, parts.join("; ")));
            }
        }
    }
    out
}

/// The closing line: `N passed, M failed`.
pub fn summary(out: &mut dyn Write, passed: usize, failed: usize) -> std::io::Result<()> {
    writeln!(out, "{passed} passed, {failed} failed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Mismatch;

    #[test]
    fn a_changed_call_is_explained_word_by_word() {
        let old = b"docker -v\ndocker run --rm -v a:b -e X --privileged --net=host img --local launch\n";
        let new = b"docker -v\ndocker run --rm --privileged --net=host -v a:b -e X -e DEBUG img --local launch\n";
        let got = explain_calls(old, new);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].starts_with("call 2: "), "{got:?}");
        assert!(got[0].contains("moved `"), "{got:?}");
        assert!(got[0].contains("added `-e DEBUG`"), "{got:?}");
    }

    #[test]
    fn a_failing_case_shows_its_diff() {
        let v = Verdict {
            escapes: vec![],
            notes: vec![],
            case: "traces/run".into(),
            mismatches: vec![
                Mismatch { aspect: Aspect::Status, expected: b"0".to_vec(), actual: b"1".to_vec() },
                Mismatch {
                    aspect: Aspect::Trace,
                    expected: b"+ a\n+ b\n".to_vec(),
                    actual: b"+ a\n+ c\x1b\n".to_vec(),
                },
            ],
        };
        let mut out = Vec::new();
        human(&mut out, &v).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(
            text.starts_with("FAIL  traces/run\n  status: expected 0, got 1\n  trace differs (first at line 2):\n"),
            "{text}"
        );
        assert!(text.contains("    -+ b\n    ++ c\\x1b\n"), "{text}");
    }
}
