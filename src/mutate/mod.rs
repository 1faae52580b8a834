//! Mutation testing of a script: each mutant (one small change, [`crate::source::mutants`]) is run
//! against the goldens that run its line, likeliest killers first, until one notices.
//!
//! Which goldens run a line comes from the script's coverage ([`crate::coverage`]); a golden that
//! does not hold for the script as it is cannot judge a mutant of it, and is left out. A mutant
//! no such golden reaches is *unreached*; one the source reading shows no run can tell apart is
//! *equivalent* ([`crate::source::Mutant::equivalent`]); neither counts in the score, which is
//! the share of the others some golden kills.
//!
//! A golden notices a mutant where the script does something else ([`Judge::Behaviour`], the
//! default): another status, stdout, calls or world, or other messages on stderr. Not a changed
//! trace: every change to a line that runs shows in the trace, so holding the trace would kill
//! every mutant a golden reaches and say nothing. The mutant then runs without `-x`, its stderr
//! its messages alone, held to the script's own messages in the same run (which the golden's
//! trace holds, interleaved with the trace lines, as it holds for the script).

use crate::case::Case;
use crate::compare::{Aspect, Level, Mismatch};
use crate::coverage::Coverage;
use crate::runner::run_case;
use crate::source::Mutant;
use crate::subject::{Script, SubjectError, Tracing};
use crate::trace::Dialect;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// What became of a mutant.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fate {
    /// A golden failed with it (`timed_out`: the mutant ran past its time there): how.
    Killed { by: usize, runs: usize, timed_out: bool, verdict: Box<crate::compare::Verdict> },
    /// Every golden that runs its line held.
    Survived { runs: usize },
    /// No golden that holds runs its line.
    Unreached,
    /// No run can tell it apart: why.
    Equivalent(String),
}

/// What a golden must notice to kill a mutant.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Judge {
    /// Status, stdout, stderr's messages, calls, the world left.
    Behaviour,
    /// The calls and the world left (`check --level commands`).
    Commands,
    /// Everything, the trace too.
    Trace,
}

/// A mutant and the goldens that may kill it, the likeliest first.
pub struct Planned {
    /// Its place among all the script's mutants: `--mutant ID` runs it again.
    pub id: usize,
    pub mutant: Mutant,
    pub cases: Vec<usize>,
}

/// Plans each mutant: the held goldens running its line, the cheapest first (most mutants die
/// at the first golden that runs them, so the cost of a kill is the cost of that golden; measured
/// on 200 mutants of weave 0.10.0 under load, cheapest first took 44 s where most runs of the line
/// first took 57 s). [`Mutator::run`] puts before them the goldens that killed the function's mutants.
pub fn plan(all: &[Mutant], chosen: &[usize], cov: &Coverage) -> Vec<Planned> {
    chosen
        .iter()
        .map(|&id| {
            let mutant = all[id].clone();
            let mut cases: Vec<usize> =
                cov.cases_running(mutant.line).into_iter().filter(|&c| cov.cases[c].held).collect();
            cases.sort_by_key(|&c| cov.cases[c].elapsed);
            Planned { id, mutant, cases }
        })
        .collect()
}

/// Runs mutants: where they are written, what they run under, against which goldens.
pub struct Mutator<'a> {
    pub text: &'a str,
    pub shell: PathBuf,
    pub dialect: Dialect,
    pub cases: &'a [Case],
    pub fake: &'a Path,
    pub judge: Judge,
    /// The script as it is, whose messages a mutant's are held to.
    pub original: &'a Path,
    /// Each golden's own time as the script is: a mutant may take a few times it, not more.
    pub baseline: Vec<Duration>,
    pub timeout: Duration,
    pub dir: &'a Path,
    /// The goldens that killed a mutant, by function: tried first on the function's next ones.
    killers: Mutex<HashMap<Option<String>, Vec<usize>>>,
    /// The script's own stderr in each golden's steps, run without `-x`, as first needed.
    messages: Mutex<HashMap<usize, Vec<Vec<u8>>>>,
}

impl<'a> Mutator<'a> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        text: &'a str,
        shell: PathBuf,
        dialect: Dialect,
        cases: &'a [Case],
        fake: &'a Path,
        judge: Judge,
        original: &'a Path,
        baseline: Vec<Duration>,
        timeout: Duration,
        dir: &'a Path,
    ) -> Mutator<'a> {
        Mutator {
            text,
            shell,
            dialect,
            cases,
            fake,
            judge,
            original,
            baseline,
            timeout,
            dir,
            killers: Default::default(),
            messages: Default::default(),
        }
    }

    fn script(&self, path: &Path, timeout: Duration) -> Script {
        // Where the trace is not held, none is written: stderr is then the messages alone.
        let tracing = if self.judge == Judge::Trace { Tracing::Xtrace } else { Tracing::Off };
        Script { path: path.to_path_buf(), shell: self.shell.clone(), dialect: self.dialect, timeout, tracing }
    }

    /// The script's own messages in golden `c`'s steps.
    fn messages(&self, c: usize) -> Result<Vec<Vec<u8>>, SubjectError> {
        if let Some(known) = self.messages.lock().ok().and_then(|m| m.get(&c).cloned()) {
            return Ok(known);
        }
        let outcome = run_case(&self.cases[c], &self.script(self.original, self.timeout), self.fake, Level::Commands)?;
        let messages: Vec<Vec<u8>> = outcome.recordings.iter().map(|r| r.trace.to_bytes()).collect();
        if let Ok(mut m) = self.messages.lock() {
            m.insert(c, messages.clone());
        }
        Ok(messages)
    }

    /// Runs the mutant at `path` against golden `c`: the verdict, as the judge holds it.
    fn judged(&self, path: &Path, c: usize) -> Result<crate::compare::Verdict, SubjectError> {
        // A mutant that loops or waits forever is stopped at a few times the golden's own time.
        let timeout = (self.baseline[c] * 10).max(Duration::from_secs(1)).min(self.timeout);
        let level = if self.judge == Judge::Commands { Level::Commands } else { Level::Trace };
        let outcome = run_case(&self.cases[c], &self.script(path, timeout), self.fake, level)?;
        let mut verdict = outcome.verdict;
        if self.judge == Judge::Behaviour {
            verdict.mismatches.retain(|m| m.aspect != Aspect::Trace);
            let said: Vec<Vec<u8>> = outcome.recordings.iter().map(|r| r.trace.to_bytes()).collect();
            // The golden's lines that are no trace lines are its messages, unless a traced word
            // spans lines: where they agree, that is that; else the script's own run decides.
            let golden = golden_messages(&self.cases[c], self.dialect);
            let own = if golden.as_ref() == Some(&said) { said.clone() } else { self.messages(c)? };
            for (k, (messages, own)) in said.into_iter().zip(&own).enumerate() {
                if messages != *own {
                    verdict.mismatches.push(Mismatch {
                        step: Some(k),
                        aspect: Aspect::Trace,
                        expected: own.clone(),
                        actual: messages,
                    });
                    verdict.notes.push("the trace is stderr's messages alone here: the runs were without -x".into());
                }
            }
        }
        if outcome.recordings.iter().any(|r| r.status == crate::recording::Status::TimedOut) {
            verdict.notes.push(format!("the mutant ran past its time ({} s)", timeout.as_secs_f64()));
        }
        Ok(verdict)
    }

    /// Runs one planned mutant to its fate.
    pub fn run(&self, p: &Planned) -> Result<Fate, SubjectError> {
        if let Some(why) = &p.mutant.equivalent {
            return Ok(Fate::Equivalent(why.clone()));
        }
        if p.cases.is_empty() {
            return Ok(Fate::Unreached);
        }
        let path = self.dir.join(format!("mutant-{}.sh", p.id));
        std::fs::write(&path, p.mutant.apply(self.text))
            .map_err(|err| SubjectError::Spawn { what: format!("mutant {}", p.id), err })?;
        let mut order = p.cases.clone();
        if let Ok(killers) = self.killers.lock() {
            if let Some(first) = killers.get(&p.mutant.function) {
                order.sort_by_key(|c| first.iter().position(|k| k == c).unwrap_or(usize::MAX));
            }
        }
        let mut fate = Fate::Survived { runs: 0 };
        for (runs, &c) in order.iter().enumerate() {
            let verdict = self.judged(&path, c)?;
            if !verdict.holds() {
                let timed_out = verdict.notes.iter().any(|n| n.starts_with("the mutant ran past"));
                fate = Fate::Killed { by: c, runs: runs + 1, timed_out, verdict: Box::new(verdict) };
                if let Ok(mut killers) = self.killers.lock() {
                    let list = killers.entry(p.mutant.function.clone()).or_default();
                    list.retain(|&k| k != c);
                    list.insert(0, c);
                }
                break;
            }
            fate = Fate::Survived { runs: runs + 1 };
        }
        let _ = std::fs::remove_file(&path);
        Ok(fate)
    }
}

/// A golden's messages as its trace shows them, each step's: the lines that are not trace
/// lines, which a traced word holding a newline adds to. `None` where patterns stand in them.
fn golden_messages(case: &Case, dialect: Dialect) -> Option<Vec<Vec<u8>>> {
    let case = case.for_dialect(dialect);
    let mut steps = Vec::new();
    for step in &case.steps {
        if crate::compare::patterns::has_patterns(&step.trace) {
            return None;
        }
        let trace = crate::trace::parse_dash(&step.trace, step.invocation.ps4());
        let mut out = Vec::new();
        for line in trace.lines.iter().filter(|l| l.kind == crate::trace::Kind::Output) {
            out.extend_from_slice(&line.bytes);
            if line.eol {
                out.push(b'\n');
            }
        }
        steps.push(out);
    }
    Some(steps)
}

/// The score: killed among the mutants that were run, in percent.
pub fn score(fates: &[Fate]) -> (usize, usize, f64) {
    let killed = fates.iter().filter(|f| matches!(f, Fate::Killed { .. })).count();
    let survived = fates.iter().filter(|f| matches!(f, Fate::Survived { .. })).count();
    let run = killed + survived;
    (killed, run, if run == 0 { 100.0 } else { 100.0 * killed as f64 / run as f64 })
}

/// `n` of `total` mutants, drawn with `seed` (the same seed, the same ones), in the script's order.
pub fn sample(total: usize, n: Option<usize>, seed: u64) -> Vec<usize> {
    use rand::seq::SliceRandom;
    use rand::SeedableRng;
    let mut ids: Vec<usize> = (0..total).collect();
    if let Some(n) = n.filter(|&n| n < total) {
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        ids.shuffle(&mut rng);
        ids.truncate(n);
        ids.sort_unstable();
    }
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sample_is_the_same_for_a_seed_and_in_the_scripts_order() {
        let a = sample(500, Some(200), 3);
        assert_eq!(a.len(), 200);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(a, sample(500, Some(200), 3));
        assert_ne!(a, sample(500, Some(200), 4));
        assert_eq!(sample(5, Some(9), 1), vec![0, 1, 2, 3, 4]);
        assert_eq!(sample(3, None, 1), vec![0, 1, 2]);
    }

    #[test]
    fn the_score_counts_only_mutants_a_golden_ran() {
        let fates = [
            Fate::Killed { by: 0, runs: 1, timed_out: false, verdict: Default::default() },
            Fate::Killed { by: 1, runs: 2, timed_out: true, verdict: Default::default() },
            Fate::Survived { runs: 4 },
            Fate::Unreached,
            Fate::Equivalent("dead code".into()),
        ];
        let (killed, run, pct) = score(&fates);
        assert_eq!((killed, run), (2, 3));
        assert!((pct - 66.666).abs() < 0.01);
    }
}
