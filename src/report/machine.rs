//! Reports for machines: JUnit XML as Jenkins and GitLab read it, TAP 13, JSON lines.

use super::{failure_text, Reporter, Totals};
use crate::compare::{FailureKind, Verdict};
use crate::trace::visible;
use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};
use std::io::Write;
use std::time::Duration;

/// JUnit XML: one testsuite, one testcase per golden; a failing one carries its report (the diffs)
/// as the failure's text.
pub struct Junit {
    cases: Vec<TestCase>,
}

impl Junit {
    pub fn new() -> Self {
        Junit { cases: Vec::new() }
    }
}

impl Default for Junit {
    fn default() -> Self {
        Self::new()
    }
}

impl Reporter for Junit {
    fn case(&mut self, _out: &mut dyn Write, path: &str, verdict: &Verdict, elapsed: Duration) -> std::io::Result<()> {
        let status = if verdict.holds() {
            TestCaseStatus::success()
        } else {
            let mut status = TestCaseStatus::non_success(NonSuccessKind::Failure);
            let what = match verdict.failure_kind() {
                FailureKind::Mismatch => verdict.differing() + " differ",
                kind => kind.name().to_string(),
            };
            status.set_message(what).set_type("mismatch").set_description(failure_text(verdict));
            status
        };
        let mut case = TestCase::new(verdict.case.clone(), status);
        case.set_classname("weavetrace").set_time(elapsed);
        case.add_property(quick_junit::Property::new("file", path));
        self.cases.push(case);
        Ok(())
    }

    fn error(&mut self, _out: &mut dyn Write, path: &str, name: &str, message: &str) -> std::io::Result<()> {
        let mut status = TestCaseStatus::non_success(NonSuccessKind::Error);
        status.set_message(message).set_type("harness");
        let mut case = TestCase::new(name, status);
        case.set_classname("weavetrace");
        case.add_property(quick_junit::Property::new("file", path));
        self.cases.push(case);
        Ok(())
    }

    fn finish(&mut self, out: &mut dyn Write, _totals: Totals, elapsed: Duration) -> std::io::Result<()> {
        let mut suite = TestSuite::new("weavetrace check");
        suite.add_test_cases(std::mem::take(&mut self.cases)).set_time(elapsed);
        let mut report = Report::new("weavetrace");
        report.add_test_suite(suite).set_time(elapsed);
        report.serialize(&mut *out).map_err(std::io::Error::other)?;
        writeln!(out)
    }
}

/// TAP version 13: a plan, a line per case, a YAML block with the report of a failing one.
pub struct Tap {
    total: usize,
    n: usize,
}

impl Tap {
    pub fn new(total: usize) -> Self {
        Tap { total, n: 0 }
    }

    /// The next test point's number, the header written first if this is the first.
    fn next(&mut self, out: &mut dyn Write) -> std::io::Result<usize> {
        if self.n == 0 {
            writeln!(out, "TAP version 13\n1..{}", self.total)?;
        }
        self.n += 1;
        Ok(self.n)
    }
}

impl Reporter for Tap {
    fn case(&mut self, out: &mut dyn Write, _path: &str, verdict: &Verdict, _elapsed: Duration) -> std::io::Result<()> {
        let n = self.next(out)?;
        if verdict.holds() {
            return writeln!(out, "ok {n} - {}", verdict.case);
        }
        writeln!(out, "not ok {n} - {}", verdict.case)?;
        writeln!(out, "  ---")?;
        // A scenario's message names the steps that diverge.
        let steps = verdict.failing_steps();
        let message = match steps.is_empty() {
            true => verdict.failure_kind().name().to_string(),
            false => format!("{} in {}", verdict.failure_kind().name(), steps.join(", ")),
        };
        writeln!(out, "  message: {}", serde_json::Value::String(message))?;
        writeln!(out, "  report: |")?;
        for line in failure_text(verdict).lines() {
            writeln!(out, "    {line}")?;
        }
        writeln!(out, "  ...")
    }

    fn error(&mut self, out: &mut dyn Write, _path: &str, name: &str, message: &str) -> std::io::Result<()> {
        let n = self.next(out)?;
        writeln!(out, "not ok {n} - {name}")?;
        writeln!(out, "  ---\n  message: \"error\"\n  report: |\n    {message}\n  ...")
    }

    fn finish(&mut self, out: &mut dyn Write, totals: Totals, _elapsed: Duration) -> std::io::Result<()> {
        if self.n == 0 {
            writeln!(out, "TAP version 13\n1..0")?;
        }
        write!(out, "# ")?;
        super::summary(out, totals)
    }
}

/// JSON lines: one object per case.
pub struct Json;

impl Reporter for Json {
    fn case(&mut self, out: &mut dyn Write, path: &str, verdict: &Verdict, elapsed: Duration) -> std::io::Result<()> {
        let mismatches: Vec<serde_json::Value> = verdict
            .mismatches
            .iter()
            .map(|m| {
                let mut one = serde_json::json!({
                    "aspect": m.aspect.name(),
                    "expected": visible(&m.expected),
                    "actual": visible(&m.actual),
                });
                if let Some(step) = verdict.label(m) {
                    one["step"] = step.into();
                }
                one
            })
            .collect();
        let record = serde_json::json!({
            "case": verdict.case,
            "file": path,
            "outcome": if verdict.holds() { "pass" } else { "fail" },
            "duration_ms": elapsed.as_secs_f64() * 1e3,
            "mismatches": mismatches,
            "escapes": verdict.escapes,
            "unmodeled": verdict.unmodeled,
            "notes": verdict.notes,
        });
        serde_json::to_writer(&mut *out, &record).map_err(std::io::Error::other)?;
        writeln!(out)
    }

    fn error(&mut self, out: &mut dyn Write, path: &str, name: &str, message: &str) -> std::io::Result<()> {
        let record = serde_json::json!({ "case": name, "file": path, "outcome": "error", "error": message });
        serde_json::to_writer(&mut *out, &record).map_err(std::io::Error::other)?;
        writeln!(out)
    }

    fn finish(&mut self, _out: &mut dyn Write, _totals: Totals, _elapsed: Duration) -> std::io::Result<()> {
        Ok(())
    }
}
