//! Holds a recording against a case: a [`Verdict`] per case, each difference a [`Mismatch`].
//!
//! A mismatch is data for the reporters, never an error. stdout, status and calls are compared byte
//! for byte; the trace too, except that the lines of a pipeline the case marks may interleave as
//! concurrent writers do ([`interleave`]).

pub mod interleave;
pub mod patterns;

use crate::case::{render_calls, Case};
use crate::fake::log::Call;
use crate::recording::{Recording, Status};
use crate::trace::{visible, Kind};

/// What part of a run differs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Aspect {
    Status,
    Stdout,
    /// stderr: the `sh -x` trace with the script's messages.
    Trace,
    /// The fakes' invocation log.
    Calls,
    /// The world after the run, where the case asserts it.
    State,
    /// How many steps ran: a subject that gives fewer (or more) recordings than the case has
    /// steps leaves steps unchecked, so the count is held too.
    Steps,
}

impl Aspect {
    pub fn name(self) -> &'static str {
        match self {
            Aspect::Status => "status",
            Aspect::Stdout => "stdout",
            Aspect::Trace => "trace",
            Aspect::Calls => "calls",
            Aspect::State => "state",
            Aspect::Steps => "steps",
        }
    }
}

/// One difference: the expected and the actual bytes of an aspect.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mismatch {
    /// The index of the step it is in (0 in a one-command case); `None` for the state the case
    /// leaves and the step count. Reports name it through [`Verdict::label`].
    pub step: Option<usize>,
    pub aspect: Aspect,
    pub expected: Vec<u8>,
    pub actual: Vec<u8>,
}

/// The outcome of one case.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    pub case: String,
    /// A scenario's steps as reports name them (`step 2 (weave hide 10.2.0.1/24)`), by index;
    /// empty for a one-command case, whose report names no step.
    pub steps: Vec<String>,
    pub mismatches: Vec<Mismatch>,
    /// Ways the subject reached outside the sandbox; any one fails the case, whatever it printed.
    pub escapes: Vec<String>,
    /// Calls the fakes do not model; any one fails the case, since what it answered is no tool's
    /// behaviour (and a golden must never record it).
    pub unmodeled: Vec<String>,
    /// Things worth telling that do not decide the verdict (a command the sandbox lacks).
    pub notes: Vec<String>,
}

impl Mismatch {
    /// A mismatch of `aspect` outside any step.
    pub fn of(aspect: Aspect, expected: Vec<u8>, actual: Vec<u8>) -> Mismatch {
        Mismatch { step: None, aspect, expected, actual }
    }
}

impl Verdict {
    /// How reports name the step of `m`: `None` outside a scenario's steps.
    pub fn label(&self, m: &Mismatch) -> Option<&str> {
        m.step.and_then(|k| self.steps.get(k)).map(String::as_str)
    }

    /// What differs, in one line: `trace, stdout`, or in a scenario by step:
    /// `step 2 (weave hide 10.2.0.1/24): trace, stdout; state`.
    pub fn differing(&self) -> String {
        let mut groups: Vec<(Option<&str>, Vec<&str>)> = Vec::new();
        for m in &self.mismatches {
            match groups.last_mut() {
                Some((step, aspects)) if *step == self.label(m) => aspects.push(m.aspect.name()),
                _ => groups.push((self.label(m), vec![m.aspect.name()])),
            }
        }
        let groups: Vec<String> = groups
            .into_iter()
            .map(|(step, aspects)| match step {
                Some(step) => format!("{step}: {}", aspects.join(", ")),
                None => aspects.join(", "),
            })
            .collect();
        groups.join("; ")
    }

    /// The scenario steps whose recordings diverge, in order, each once.
    pub fn failing_steps(&self) -> Vec<&str> {
        let mut steps: Vec<&str> = Vec::new();
        for step in self.mismatches.iter().filter_map(|m| self.label(m)) {
            if !steps.contains(&step) {
                steps.push(step);
            }
        }
        steps
    }

    pub fn holds(&self) -> bool {
        self.mismatches.is_empty() && self.escapes.is_empty() && self.unmodeled.is_empty()
    }

    /// What kind of failure this is, the gravest first.
    pub fn failure_kind(&self) -> FailureKind {
        match (self.escapes.is_empty(), self.unmodeled.is_empty()) {
            (false, _) => FailureKind::Escape,
            (true, false) => FailureKind::NotModeled,
            (true, true) => FailureKind::Mismatch,
        }
    }
}

/// What kind of failure a verdict is (see [`Verdict::failure_kind`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FailureKind {
    /// The subject reached outside the sandbox.
    Escape,
    /// The subject made calls the fakes do not model.
    NotModeled,
    /// Only differences in what the subject did.
    Mismatch,
}

impl FailureKind {
    /// The kind as a report's one word.
    pub fn name(self) -> &'static str {
        match self {
            FailureKind::Escape => "escape",
            FailureKind::NotModeled => "not modeled",
            FailureKind::Mismatch => "mismatch",
        }
    }
}

/// The calls the fakes did not model, those made inside a weaveexec container included, each
/// named with its place: `call 2 (in call 1): docker logs x`.
pub fn unmodeled(calls: &[Call]) -> Vec<String> {
    fn walk(calls: &[Call], within: &str, found: &mut Vec<String>) {
        for c in calls {
            let words: Vec<String> = c.argv.iter().map(|w| String::from_utf8_lossy(&w.0).into_owned()).collect();
            match &c.nested {
                Some(nested) if nested.calls.iter().any(|n| n.unmodeled) => {
                    walk(&nested.calls, &format!(" (in call {}{within})", c.seq), found)
                }
                _ if c.unmodeled => found.push(format!("call {}{within}: {}", c.seq, words.join(" "))),
                _ => {}
            }
        }
    }
    let mut found = Vec::new();
    walk(calls, "", &mut found);
    found
}

/// How a recording stepped outside the sandbox: a fake run by its path (the sandbox covers the
/// host's binaries of those names), or trace lines that run a command by its path, ask
/// `command -p` for the system's PATH, or reset PATH.
pub fn escapes(rec: &Recording, ps4: &[u8]) -> Vec<String> {
    let mut found: Vec<String> = rec
        .calls
        .iter()
        .filter(|c| c.escape)
        .map(|c| match c.path.0.is_empty() {
            true => format!("call {} ran {} by its path", c.seq, String::from_utf8_lossy(&c.argv[0].0)),
            false => format!(
                "call {} ran {} (as `{}`), outside the sandbox's PATH",
                c.seq,
                String::from_utf8_lossy(&c.path.0),
                String::from_utf8_lossy(&c.argv.iter().map(|a| a.0.as_slice()).collect::<Vec<_>>().join(&b' '))
            ),
        })
        .collect();
    for (n, line) in rec.trace.lines.iter().enumerate() {
        if line.kind != Kind::Xtrace {
            continue;
        }
        // dash quotes nothing, so a line is split on spaces only up to its first word: a later
        // space may be inside a value (`+ CIDR_ARGS= 10.2.0.1/24` is one assignment).
        let body = line.bytes.strip_prefix(ps4).unwrap_or(&line.bytes);
        let mut words = body.split(|&b| b == b' ');
        let first = words.next().unwrap_or_default();
        let what = if first.starts_with(b"PATH=") {
            "PATH is reset"
        } else if first.contains(&b'/') && !first.contains(&b'=') && !offered(first) {
            "a command run by its path"
        } else if first == b"command" && words.next() == Some(b"-p") {
            "`command -p` uses the system's PATH"
        } else {
            continue;
        };
        found.push(format!("trace line {}: {what}: {}", n + 1, visible(&line.bytes)));
    }
    for missing in not_found(rec).filter(|(command, _)| command.contains('/')) {
        found.push(format!("{} was run by its path (script line {}), and is not in the sandbox", missing.0, missing.1));
    }
    found
}

/// Whether `path` names, in a host directory of binaries, a program the sandbox offers on its PATH
/// as well (`/bin/sh`, `/usr/bin/sed`): the same binary, so no step outside (`/bin/sh -c` whose
/// commands stay inside is no escape).
fn offered(path: &[u8]) -> bool {
    let Some(cut) = path.iter().rposition(|&b| b == b'/') else { return false };
    let (dir, name) = (&path[..cut], &path[cut + 1..]);
    crate::fs::HOST_BIN_DIRS.iter().any(|d| d.as_bytes() == dir)
        && crate::fake::inline::UTILITIES.iter().any(|u| u.as_bytes() == name)
}

/// Commands dash could not find in the sandbox (`NAME: N: CMD: not found` on stderr), with the
/// script line: this message names the command exactly, unlike a trace line.
fn not_found(rec: &Recording) -> impl Iterator<Item = (String, String)> + '_ {
    rec.trace.lines.iter().filter(|l| l.kind == Kind::Output).filter_map(|l| {
        let text = std::str::from_utf8(&l.bytes).ok()?;
        let rest = text.strip_suffix(": not found")?;
        let (before, command) = rest.rsplit_once(": ")?;
        let (_, line) = before.rsplit_once(": ")?;
        line.parse::<u32>().ok()?;
        Some((command.to_string(), line.to_string()))
    })
}

/// The commands a subject ran that the sandbox does not have, as notes for the report.
pub fn missing_commands(rec: &Recording) -> Vec<String> {
    not_found(rec)
        .filter(|(command, _)| !command.contains('/'))
        .map(|(command, line)| {
            format!("`{command}` is neither faked nor allowed in the sandbox: it failed with 127 (script line {line})")
        })
        .collect()
}

/// How much of a run a comparison holds against the case.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Level {
    /// Everything: status, stdout, the whole trace, the calls.
    #[default]
    Trace,
    /// Only the external commands, in order, with their exact words: the documented command
    /// sequence. A changed message or variable name does not count; a changed docker call does.
    Commands,
}

/// Compares every aspect of the recordings, one per step, with what `case` expects.
pub fn compare(case: &Case, recs: &[Recording]) -> Verdict {
    compare_at(case, recs, Level::Trace)
}

/// Compares the aspects of the recordings (one per step) that `level` covers, step by step.
pub fn compare_at(case: &Case, recs: &[Recording], level: Level) -> Verdict {
    let mut verdict = compare_all(case, recs);
    if level == Level::Commands {
        verdict.mismatches.retain(|m| matches!(m.aspect, Aspect::Calls | Aspect::State | Aspect::Steps));
    }
    verdict
}

/// The case's redactions (its own, then its world's), compiled.
fn redaction_rules(case: &Case) -> Vec<(regex::bytes::Regex, String)> {
    case.redactions().filter_map(|r| Some((regex::bytes::Regex::new(&r.regex).ok()?, r.placeholder.clone()))).collect()
}

/// Output as the comparison holds it against `case`: with the case's redactions made.
pub fn redacted(case: &Case, bytes: &[u8]) -> Vec<u8> {
    patterns::redact(bytes, &redaction_rules(case))
}

fn compare_all(case: &Case, recs: &[Recording]) -> Verdict {
    let labels = case.steps.iter().enumerate().map(|(k, step)| step.label(k));
    let mut verdict = Verdict {
        case: case.name.clone(),
        steps: if case.is_scenario() { labels.collect() } else { Vec::new() },
        mismatches: Vec::new(),
        escapes: Vec::new(),
        unmodeled: Vec::new(),
        notes: Vec::new(),
    };
    // The case's and its world's redactions, on the output only: the golden holds placeholders.
    let rules = redaction_rules(case);
    // Placeholders bind across the sections of one case, steps and all, in this order.
    let mut bindings = patterns::Bindings::new();
    // Each step is held against its own recording: a missing one would leave its step unchecked.
    if recs.len() != case.steps.len() {
        verdict.mismatches.push(Mismatch::of(
            Aspect::Steps,
            case.steps.len().to_string().into_bytes(),
            recs.len().to_string().into_bytes(),
        ));
        return verdict;
    }
    for (k, (step, rec)) in case.steps.iter().zip(recs).enumerate() {
        let label = verdict.steps.get(k).cloned();
        let named = |what: String| match &label {
            Some(label) => format!("{label}: {what}"),
            None => what,
        };
        if rec.status != Status::Exited(step.status) {
            verdict.mismatches.push(Mismatch {
                step: Some(k),
                aspect: Aspect::Status,
                expected: step.status.to_string().into_bytes(),
                actual: rec.status.to_string().into_bytes(),
            });
        }
        // Goldens hold dash's trace; a run under ash or bash is held against it in dash's form.
        let regions: Vec<(usize, usize)> =
            step.pipelines.iter().filter_map(|p| Some((*p.writers.first()?, p.end))).collect();
        let trace = patterns::redact(&rec.trace.dash_view_in(&regions), &rules);
        let stdout = patterns::redact(&rec.stdout, &rules);
        let calls = patterns::redact(&render_calls(&rec.calls), &rules);
        let ps4 = step.invocation.ps4();
        let sections = [
            (Aspect::Trace, &step.trace, trace),
            (Aspect::Stdout, &step.stdout, stdout),
            (Aspect::Calls, &step.calls, calls),
        ];
        for (aspect, expected, actual) in sections {
            let holds = if patterns::has_patterns(expected) {
                // bash's pipelines are kept as written: read back against the lines they stand for.
                let bash_pipelines = aspect == Aspect::Trace
                    && rec.trace.dialect == crate::trace::Dialect::Bash
                    && !step.pipelines.is_empty()
                    && !expected.split(|&b| b == b'\n').any(|l| l == b"...");
                if bash_pipelines {
                    interleave::bash_matches(expected, &step.pipelines, &actual, ps4, Some(&mut bindings))
                } else {
                    patterns::matches(expected, &actual, &mut bindings)
                }
            } else if aspect == Aspect::Trace {
                interleave::matches_in(expected, &step.pipelines, &actual, ps4, rec.trace.dialect)
            } else {
                *expected == actual
            };
            if !holds {
                verdict.mismatches.push(Mismatch { step: Some(k), aspect, expected: expected.clone(), actual });
            }
        }
        verdict.escapes.extend(escapes(rec, ps4).into_iter().map(named));
        verdict.unmodeled.extend(unmodeled(&rec.calls).into_iter().map(named));
        verdict.notes.extend(missing_commands(rec).into_iter().map(named));
    }
    // The world after the last step counts only where the case asserts it.
    if let (Some(expected), Some(rec)) = (&case.state, recs.last()) {
        let actual = patterns::redact(&rec.state_text(&case.world).unwrap_or_default(), &rules);
        let holds = if patterns::has_patterns(expected) {
            patterns::matches(expected, &actual, &mut bindings)
        } else {
            *expected == actual
        };
        if !holds {
            verdict.mismatches.push(Mismatch::of(Aspect::State, expected.clone(), actual));
        }
    }
    verdict
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::case::{Invocation, Step};

    fn two_steps() -> Case {
        let step = |arg: &str| Step { invocation: Invocation::from_args(&[arg.to_string()]), ..Step::default() };
        Case::of_steps("two.case".into(), vec![step("ps"), step("status")], Default::default()).unwrap()
    }

    fn ran(status: i32) -> Recording {
        Recording {
            trace: Default::default(),
            stdout: Vec::new(),
            status: Status::Exited(status),
            calls: Vec::new(),
            terminal: None,
            state: None,
            lines: Vec::new(),
        }
    }

    #[test]
    fn a_missing_recording_fails_the_case_instead_of_leaving_its_step_unchecked() {
        let case = two_steps();
        assert!(compare(&case, &[ran(0), ran(0)]).holds());
        for recs in [&[ran(0)][..], &[], &[ran(0), ran(0), ran(0)]] {
            let v = compare_at(&case, recs, Level::Commands);
            assert!(!v.holds(), "{} recordings", recs.len());
            assert_eq!(v.differing(), "steps");
            assert_eq!(v.mismatches[0].expected, b"2");
            assert_eq!(v.mismatches[0].actual, recs.len().to_string().into_bytes());
        }
    }

    #[test]
    fn a_mismatch_carries_its_step_index_and_reports_name_the_step() {
        let v = compare(&two_steps(), &[ran(0), ran(1)]);
        assert_eq!(v.mismatches.len(), 1, "{v:?}");
        assert_eq!(v.mismatches[0].step, Some(1));
        assert_eq!(v.label(&v.mismatches[0]), Some("step 2 (weave status)"));
        assert_eq!(v.failing_steps(), ["step 2 (weave status)"]);
    }
}
