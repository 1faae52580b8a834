//! Verdicts for a person: one line per case, a unified diff per mismatch, a closing count.

use crate::case::NESTED_LEAD;
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

/// For each call that changed (a line replaced by another in the calls diff), what happened to its
/// words: moved, added, removed or changed, so that a reader sees at once how a docker call moved.
pub fn explain_calls(expected: &[u8], actual: &[u8]) -> Vec<String> {
    let words =
        |line: &str| units(&shell_words::split(line).unwrap_or_else(|_| line.split(' ').map(String::from).collect()));
    let diff = super::linediff::line_diff(expected, actual);
    let mut out = Vec::new();
    for op in &diff.ops {
        let similar::DiffOp::Replace { old_index, old_len, new_index, new_len } = *op else { continue };
        for k in 0..old_len.min(new_len) {
            let old_line = String::from_utf8_lossy(diff.old[old_index + k]).trim_end().to_string();
            let new_line = String::from_utf8_lossy(diff.new[new_index + k]).trim_end().to_string();
            let (old, new) = (words(nested_call(&old_line)), words(nested_call(&new_line)));
            // Units (whole arguments) that left one place and arrived at another have moved.
            let mut removed: Vec<usize> = Vec::new();
            let mut added: Vec<usize> = Vec::new();
            for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old, &new) {
                if !matches!(op, similar::DiffOp::Equal { .. }) {
                    removed.extend(op.old_range());
                    added.extend(op.new_range());
                }
            }
            let mut moved: Vec<(usize, usize)> = Vec::new();
            removed.retain(|&o| match added.iter().position(|&n| new[n] == old[o]) {
                Some(at) => {
                    moved.push((o, added.remove(at)));
                    false
                }
                None => true,
            });
            let mut parts = Vec::new();
            for run in runs(&moved, |&(o, n), &(po, pn)| o == po + 1 && n == pn + 1) {
                let text: Vec<&str> = run.iter().map(|&(o, _)| old[o].as_str()).collect();
                let way = if run[0].1 < run[0].0 { "forward" } else { "back" };
                parts.push(format!("moved `{}` {way}", text.join(" ")));
            }
            for run in runs(&removed, |&o, &p| o == p + 1) {
                let text: Vec<&str> = run.iter().map(|&o| old[o].as_str()).collect();
                parts.push(format!("removed `{}`", text.join(" ")));
            }
            for run in runs(&added, |&n, &p| n == p + 1) {
                let text: Vec<&str> = run.iter().map(|&n| new[n].as_str()).collect();
                parts.push(format!("added `{}`", text.join(" ")));
            }
            if !parts.is_empty() {
                out.push(format!("{}: {}", call_label(&diff.old, old_index + k), parts.join("; ")));
            }
        }
    }
    out
}

/// A rendered call's words, without the lead of a call made inside a container.
fn nested_call(line: &str) -> &str {
    let mut rest = line;
    while let Some(inner) = rest.strip_prefix(NESTED_LEAD) {
        rest = inner;
    }
    rest
}

/// How a report names the call on line `at` of a rendered calls section: `call N` counting the
/// calls (their stdin lines are not calls), and `call N > M` for the M-th call made inside the
/// container call N started.
fn call_label(lines: &[&[u8]], at: usize) -> String {
    let (mut outer, mut inner) = (0, 0);
    for line in lines.iter().take(at + 1) {
        let text = String::from_utf8_lossy(line);
        match (text.starts_with(NESTED_LEAD), nested_call(&text).starts_with("  ")) {
            (_, true) => {}
            (true, false) => inner += 1,
            (false, false) => (outer, inner) = (outer + 1, 0),
        }
    }
    match lines.get(at).is_some_and(|l| l.starts_with(NESTED_LEAD.as_bytes())) {
        true => format!("call {outer} > {inner}"),
        false => format!("call {outer}"),
    }
}

/// Splits `items` into runs of neighbours: `follows(item, previous)` says whether an item continues
/// the run of the one before it.
fn runs<T: Copy>(items: &[T], follows: impl Fn(&T, &T) -> bool) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    for item in items {
        match out.last_mut() {
            Some(run) if follows(item, run.last().expect("runs are never empty")) => run.push(*item),
            _ => out.push(vec![*item]),
        }
    }
    out
}

/// A call's words grouped into arguments: a docker flag that takes a value keeps the word after it
/// (`-e VERSION`, `-v a:b`, `--local attach`), so that a diff moves whole arguments.
fn units(words: &[String]) -> Vec<String> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let w = &words[i];
        let takes_value = crate::fake::docker::run_flag_takes_value(w.as_bytes());
        match words.get(i + 1) {
            Some(next) if takes_value && !next.starts_with('-') => {
                out.push(format!("{w} {next}"));
                i += 2;
            }
            _ => {
                out.push(w.clone());
                i += 1;
            }
        }
    }
    out
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
    fn a_changed_call_is_explained_word_by_word() {
        let old = b"docker -v\ndocker run --rm -v a:b -e X --privileged --net=host img --local launch\n";
        let new = b"docker -v\ndocker run --rm --privileged --net=host -v a:b -e X -e DEBUG img --local launch\n";
        let got = explain_calls(old, new);
        assert_eq!(got.len(), 1, "{got:?}");
        assert!(got[0].starts_with("call 2: "), "{got:?}");
        // Moving one block forward is moving the other back: either tells the story.
        assert!(
            got[0].contains("moved `--privileged --net=host` forward") || got[0].contains("moved `-v a:b -e X` back"),
            "{got:?}"
        );
        assert!(got[0].contains("added `-e DEBUG`"), "{got:?}");
    }

    #[test]
    fn a_call_inside_weaveexec_is_named_by_the_call_that_started_it() {
        let old = b"docker -v\n  stdin: x\ndocker run img --local attach\n  > id -u\n  >   stdin: y\n  > ip link add mtu 65535\n";
        let new = b"docker -v\n  stdin: x\ndocker run img --local attach\n  > id -u\n  >   stdin: y\n  > ip link add mtu 1500\n";
        assert_eq!(explain_calls(old, new), ["call 2 > 2: removed `65535`; added `1500`"]);
    }

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
