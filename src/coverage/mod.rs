//! Coverage of a script by golden cases: which of its lines a real shell ran, and which no case
//! reaches.
//!
//! Exact by construction: the lines are the ones the shell itself names. The script runs under
//! busybox ash (the shell weaveexec runs the local side in) with `$LINENO` in PS4
//! ([`crate::trace::numbered`]), on the host and inside every weaveexec container, and each
//! number the shell writes marks the command whose lines hold it ([`Source::span_at`]: ash names
//! a multi-line command by its first or its last line). What a line is — a command the shell
//! traces, or a keyword, comment or blank — is read from the script's text ([`crate::source`]).

use crate::fake::log::Call;
use crate::recording::Recording;
use crate::source::Source;
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

/// What one case ran.
#[derive(Clone, Debug)]
pub struct CaseLines {
    pub path: PathBuf,
    pub name: String,
    /// Each command's first line, with how many times the case ran it.
    pub counts: BTreeMap<usize, u64>,
    /// Whether the case held under the coverage's shell (its lines count either way).
    pub held: bool,
    pub elapsed: Duration,
}

/// The lines the shell named in a case's runs, the host's and those of its weaveexec containers.
pub fn named_lines(recs: &[Recording]) -> Vec<u32> {
    fn nested(calls: &[Call], out: &mut Vec<u32>) {
        for call in calls {
            if let Some(n) = &call.nested {
                let mut trace = n.trace.0.clone();
                out.extend(crate::trace::numbered::take(&mut trace));
                nested(&n.calls, out);
            }
        }
    }
    let mut out = Vec::new();
    for rec in recs {
        out.extend(&rec.lines);
        nested(&rec.calls, &mut out);
    }
    out
}

/// Each named line counted on the first line of the command that holds it (a line in no command
/// the text shows counts as itself).
pub fn count(source: &Source, named: &[u32]) -> BTreeMap<usize, u64> {
    let mut counts = BTreeMap::new();
    for &n in named {
        let line = n as usize;
        let at = source.span_at(line).map_or(line, |s| s.start);
        *counts.entry(at).or_insert(0) += 1;
    }
    counts
}

/// A function's row in the table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FunctionRow {
    /// The function's name, or `(top level)` for the lines outside every function.
    pub name: String,
    /// Where it is defined (0 for the top level).
    pub line: usize,
    pub lines: usize,
    pub covered: usize,
    /// How many cases run any of its lines.
    pub cases: usize,
}

impl FunctionRow {
    pub fn percent(&self) -> f64 {
        percent(self.covered, self.lines)
    }
}

/// What the top level's row is called.
pub const TOP_LEVEL: &str = "(top level)";

/// A script's coverage by a set of cases.
pub struct Coverage {
    pub source: Source,
    pub cases: Vec<CaseLines>,
}

impl Coverage {
    /// How many times the cases ran each command's first line, all together.
    pub fn counts(&self) -> BTreeMap<usize, u64> {
        let mut all = BTreeMap::new();
        for case in &self.cases {
            for (&line, &n) in &case.counts {
                *all.entry(line).or_insert(0) += n;
            }
        }
        all
    }

    /// The lines a command starts on: what the text shows, and any line the shell named besides.
    pub fn executable(&self) -> BTreeSet<usize> {
        let mut lines: BTreeSet<usize> = self.source.commands().iter().map(|s| s.start).collect();
        lines.extend(self.cases.iter().flat_map(|c| c.counts.keys().copied()));
        lines
    }

    /// (covered, executable) lines.
    pub fn totals(&self) -> (usize, usize) {
        let counts = self.counts();
        let executable = self.executable();
        (executable.iter().filter(|l| counts.contains_key(l)).count(), executable.len())
    }

    pub fn percent(&self) -> f64 {
        let (covered, all) = self.totals();
        percent(covered, all)
    }

    /// The cases (indices into [`Coverage::cases`]) that run `line`'s command.
    pub fn cases_running(&self, line: usize) -> Vec<usize> {
        let at = self.source.span_at(line).map_or(line, |s| s.start);
        (0..self.cases.len()).filter(|&i| self.cases[i].counts.contains_key(&at)).collect()
    }

    /// A row per function, in the order the script defines them, then the top level.
    pub fn functions(&self) -> Vec<FunctionRow> {
        let counts = self.counts();
        let executable = self.executable();
        let functions = self.source.functions();
        let mut rows: Vec<FunctionRow> = functions
            .iter()
            .map(|f| FunctionRow { name: f.name.clone(), line: f.start, lines: 0, covered: 0, cases: 0 })
            .collect();
        rows.push(FunctionRow { name: TOP_LEVEL.into(), line: 0, lines: 0, covered: 0, cases: 0 });
        // The row of the function holding a line: the top level's, the last, when none does.
        let row_of = |line: usize| {
            let f = self.source.function_at(line);
            f.and_then(|f| functions.iter().position(|g| g.start == f.start)).unwrap_or(functions.len())
        };
        for &line in &executable {
            let r = row_of(line);
            rows[r].lines += 1;
            if counts.contains_key(&line) {
                rows[r].covered += 1;
            }
        }
        for case in &self.cases {
            let reached: BTreeSet<usize> = case.counts.keys().map(|&l| row_of(l)).collect();
            for r in reached {
                rows[r].cases += 1;
            }
        }
        rows
    }
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        100.0
    } else {
        100.0 * part as f64 / whole as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "f() {\n    echo f\n}\ng() {\n    echo g\n}\nf\necho \\\n  top\n";

    fn case(name: &str, named: &[u32], source: &Source) -> CaseLines {
        CaseLines {
            path: PathBuf::from(format!("{name}.case")),
            name: name.into(),
            counts: count(source, named),
            held: true,
            elapsed: Duration::ZERO,
        }
    }

    #[test]
    fn a_line_counts_on_its_command_and_functions_no_case_reaches_show_as_such() {
        let source = Source::parse(TEXT);
        let one = case("one", &[7, 2, 9], &source);
        // ash names the continued `echo` by its last line: it counts on the first.
        assert_eq!(one.counts.keys().copied().collect::<Vec<_>>(), vec![2, 7, 8]);
        let cov = Coverage { source, cases: vec![one, case("two", &[7, 2], &Source::parse(TEXT))] };
        assert_eq!(cov.counts()[&2], 2);
        assert_eq!(cov.totals(), (3, 4));
        let rows = cov.functions();
        let names: Vec<(&str, usize, usize, usize)> =
            rows.iter().map(|r| (r.name.as_str(), r.lines, r.covered, r.cases)).collect();
        assert_eq!(names, vec![("f", 1, 1, 2), ("g", 1, 0, 0), (TOP_LEVEL, 2, 2, 2)]);
        assert_eq!(cov.cases_running(9), vec![0]);
        assert_eq!(cov.cases_running(5), Vec::<usize>::new());
    }

    #[test]
    fn nested_runs_lines_count_with_the_hosts() {
        let call = |trace: &[u8]| Call {
            nested: Some(Box::new(crate::fake::log::Nested {
                trace: crate::fake::log::Bytes(trace.to_vec()),
                calls: vec![],
            })),
            ..Call::default()
        };
        let rec = Recording {
            trace: Default::default(),
            stdout: vec![],
            status: crate::recording::Status::Exited(0),
            calls: vec![call(b"\x025\x02+ echo g\n")],
            terminal: None,
            state: None,
            lines: vec![7],
        };
        assert_eq!(named_lines(&[rec]), vec![7, 5]);
    }
}
