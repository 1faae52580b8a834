//! Verdicts for a person: one line per case, a unified diff per mismatch, a closing count.

use super::explain::explain_calls;
use crate::compare::{patterns, Aspect, Verdict};
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
    for call in &verdict.unmodeled {
        writeln!(out, "  not modeled: {call} (the fakes do not cover it: the case cannot hold)")?;
    }
    for m in &verdict.mismatches {
        // In a scenario, each difference names its step.
        let step = verdict.label(m).map_or(String::new(), |s| format!("{s}: "));
        // A count is told as numbers, not as a diff.
        if matches!(m.aspect, Aspect::Status | Aspect::Steps) {
            writeln!(
                out,
                "  {step}{}: expected {}, got {}",
                m.aspect.name(),
                String::from_utf8_lossy(&m.expected),
                String::from_utf8_lossy(&m.actual)
            )?;
            continue;
        }
        let first = first_difference(&m.expected, &m.actual);
        writeln!(out, "  {step}{} differs (first at line {first}):", m.aspect.name())?;
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
    let diff = super::linediff::line_diff(expected, actual);
    // As similar's unified diff groups and heads its hunks, with 3 lines of context.
    for hunk in similar::group_diff_ops(diff.ops, 3).into_iter().filter(|ops| !ops.is_empty()) {
        writeln!(out, "    {}", similar::udiff::UnifiedHunkHeader::new(&hunk))?;
        for change in hunk.iter().flat_map(|op| op.iter_changes(&diff.old[..], &diff.new[..])) {
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
/// A golden's patterns (`[..]`, placeholders) count as matching here; a `...` line ends the search.
pub fn first_difference(a: &[u8], b: &[u8]) -> usize {
    let mut a_lines = a.split(|&c| c == b'\n');
    let mut b_lines = b.split(|&c| c == b'\n');
    let mut bindings = patterns::Bindings::new();
    let mut n = 1;
    while let (Some(x), Some(y)) = (a_lines.next(), b_lines.next()) {
        if x == b"..." || !patterns::line_matches(x, y, &mut bindings) {
            return n;
        }
        n += 1;
    }
    n
}

/// A case that could not be run.
pub fn errored(out: &mut dyn Write, name: &str, message: &str) -> std::io::Result<()> {
    writeln!(out, "ERROR {name}\n  {message}")
}

/// The closing line: `N passed, M failed`, and `, K errors` when cases could not be run.
pub fn summary(out: &mut dyn Write, totals: super::Totals) -> std::io::Result<()> {
    let super::Totals { passed, failed, errors } = totals;
    match errors {
        0 => writeln!(out, "{passed} passed, {failed} failed"),
        1 => writeln!(out, "{passed} passed, {failed} failed, 1 error"),
        _ => writeln!(out, "{passed} passed, {failed} failed, {errors} errors"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compare::Mismatch;

    #[test]
    fn a_failing_case_shows_its_diff() {
        let v = Verdict {
            escapes: vec![],
            unmodeled: vec![],
            notes: vec![],
            case: "traces/run".into(),
            steps: vec![],
            mismatches: vec![
                Mismatch::of(Aspect::Status, b"0".to_vec(), b"1".to_vec()),
                Mismatch {
                    step: Some(0),
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

    #[test]
    fn a_failing_scenario_names_its_steps() {
        let step = Some(1);
        let v = Verdict {
            escapes: vec![],
            unmodeled: vec![],
            notes: vec![],
            case: "traces/scenario".into(),
            steps: vec!["step 1 (weave --local launch)".into(), "step 2 (weave --local hide 10.2.0.1/24)".into()],
            mismatches: vec![
                Mismatch { step, aspect: Aspect::Status, expected: b"0".to_vec(), actual: b"1".to_vec() },
                Mismatch { step, aspect: Aspect::Stdout, expected: b"a\n".to_vec(), actual: b"b\n".to_vec() },
                Mismatch::of(Aspect::State, b"x\n".to_vec(), b"y\n".to_vec()),
            ],
        };
        let mut out = Vec::new();
        human(&mut out, &v).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("  step 2 (weave --local hide 10.2.0.1/24): status: expected 0, got 1\n"), "{text}");
        assert!(text.contains("  step 2 (weave --local hide 10.2.0.1/24): stdout differs (first at line 1):\n"));
        assert!(text.contains("\n  state differs"), "{text}");
        assert_eq!(v.differing(), "step 2 (weave --local hide 10.2.0.1/24): status, stdout; state");
    }

    #[test]
    fn a_short_run_says_how_many_steps_it_recorded() {
        let v = Verdict {
            escapes: vec![],
            unmodeled: vec![],
            notes: vec![],
            case: "traces/scenario".into(),
            steps: vec!["step 1 (weave ps)".into(), "step 2 (weave status)".into()],
            mismatches: vec![Mismatch::of(Aspect::Steps, b"2".to_vec(), b"1".to_vec())],
        };
        let mut out = Vec::new();
        human(&mut out, &v).unwrap();
        assert_eq!(String::from_utf8(out).unwrap(), "FAIL  traces/scenario\n  steps: expected 2, got 1\n");
    }
}
