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
        writeln!(out, "  {} differs:", m.aspect.name())?;
        write_diff(out, &m.expected, &m.actual)?;
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

/// The closing line: `N passed, M failed`.
pub fn summary(out: &mut dyn Write, passed: usize, failed: usize) -> std::io::Result<()> {
    writeln!(out, "{passed} passed, {failed} failed")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Mismatch;

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
        assert!(text.starts_with("FAIL  traces/run\n  status: expected 0, got 1\n  trace differs:\n"), "{text}");
        assert!(text.contains("    -+ b\n    ++ c\\x1b\n"), "{text}");
    }
}
