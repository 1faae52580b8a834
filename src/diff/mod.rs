//! Differential runs: the same command lines through the Rust spec and a real script, in the same
//! world, every divergence in trace, stdout, status or calls reported and shrunk to a small
//! reproducer.
//!
//! The spec runs in-process, which also tells which trace lines each pipeline wrote, so the script's
//! trace is held against it with the interleavings concurrent pipeline writers produce allowed.

pub mod grammar;

use crate::case::{render_calls, Case, CaseError, Invocation};
use crate::compare::{compare_at, Level, Verdict};
use crate::recording::{Recording, Status};
use crate::sandbox::Sandbox;
use crate::subject::{InProcessSpec, Subject, SubjectError};
use crate::world::World;
use rand::SeedableRng;
use std::path::Path;

/// Draws `n` command lines from the grammar with a fixed seed: the same seed, the same lines.
pub fn random_invocations(n: usize, seed: u64) -> Vec<Invocation> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| grammar::invocation(&mut rng)).collect()
}

/// Reads the cases file at `path` (see [`parse_cases`]).
pub fn read_cases(path: &Path) -> Result<Vec<Invocation>, CaseError> {
    let text =
        std::fs::read_to_string(path).map_err(|e| CaseError::at(path, 1, format!("cannot read cases file: {e}")))?;
    parse_cases(&text).map_err(|(line, message)| CaseError::at(path, line, message))
}

/// Reads a cases file: one shell-quoted command line per line, leading `NAME=value` words its
/// environment, an optional leading `weave`; `#` starts a comment. Errors carry the line number.
pub fn parse_cases(text: &str) -> Result<Vec<Invocation>, (usize, String)> {
    let mut out = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let words = shell_words::split(line).map_err(|e| (i + 1, format!("not a shell command line: {e}")))?;
        let words: Vec<String> = words.into_iter().take_while(|w| !w.starts_with('#')).collect();
        if words.is_empty() {
            continue;
        }
        let mut inv = Invocation::from_args(&words);
        if inv.args.first().map(String::as_str) == Some("weave") {
            inv.args.remove(0);
        }
        out.push(inv);
    }
    Ok(out)
}

/// The spec's run of `inv`, as the case a script must match.
pub fn spec_case(world: &World, inv: &Invocation, fake_bin: &Path) -> Result<(Case, Recording), SubjectError> {
    spec_case_in(world, inv, &Sandbox::new(world, fake_bin, None)?)
}

/// The same, in a given sandbox: the in-process spec only reads it, so the script can run there
/// after it.
fn spec_case_in(world: &World, inv: &Invocation, sandbox: &Sandbox) -> Result<(Case, Recording), SubjectError> {
    let spec = InProcessSpec { arg0: "weave".into() };
    let rec = spec.run(inv, sandbox)?;
    let status = match rec.status {
        Status::Exited(n) => n,
        _ => -1,
    };
    let case = Case {
        name: inv.to_command_line(),
        status,
        pipelines: rec.trace.pipeline_ranges(),
        trace: rec.trace.to_bytes(),
        stdout: rec.stdout.clone(),
        calls: render_calls(&rec.calls),
        ..Case::new("diff.case".into(), inv.clone(), world.clone())
    };
    Ok((case, rec))
}

/// Runs `inv` through the spec and `script`; the verdict of the script against the spec.
pub fn differ(
    world: &World,
    inv: &Invocation,
    script: &dyn Subject,
    fake_bin: &Path,
    level: Level,
) -> Result<(Case, Verdict), SubjectError> {
    let sandbox = Sandbox::new(world, fake_bin, script.script())?;
    let (case, _) = spec_case_in(world, inv, &sandbox)?;
    let rec = script.run(inv, &sandbox)?;
    let mut verdict = compare_at(&case, &rec, level);
    // Both sides met the same fakes: a call they do not model is a gap in the models, answered
    // alike for both, not a divergence between them. It is told as a note.
    let gaps = std::mem::take(&mut verdict.unmodeled);
    verdict.notes.extend(gaps.into_iter().map(|call| format!("{NOT_MODELED}{call}")));
    Ok((case, verdict))
}

/// How a note of [`differ`] names a call the fakes do not model.
const NOT_MODELED: &str = "not modeled: ";

/// Whether a verdict of [`differ`] tells of calls the fakes do not model (as notes).
pub fn has_gaps(verdict: &Verdict) -> bool {
    verdict.notes.iter().any(|n| n.starts_with(NOT_MODELED))
}

/// How the spec says it does not cover a command (see `fake::inline::run_spec`).
const UNSPECIFIED: &[u8] = b" is not specified yet\n";

/// Shrinks a diverging command line: drops environment variables and arguments, then shortens
/// arguments, keeping each step that still diverges, until no step does.
pub fn shrink(
    world: &World,
    inv: &Invocation,
    script: &dyn Subject,
    fake_bin: &Path,
    level: Level,
) -> Result<Invocation, SubjectError> {
    // A candidate the spec does not cover diverges for that reason alone: it shows nothing.
    let unspecified = |case: &Case| case.trace.windows(UNSPECIFIED.len()).any(|w| w == UNSPECIFIED);
    let diverges = |candidate: &Invocation| -> Result<bool, SubjectError> {
        let (case, verdict) = differ(world, candidate, script, fake_bin, level)?;
        Ok(!verdict.holds() && !unspecified(&case))
    };
    let mut best = inv.clone();
    loop {
        let mut improved = false;
        for i in (0..best.env.len()).rev() {
            let mut c = best.clone();
            c.env.remove(i);
            if diverges(&c)? {
                best = c;
                improved = true;
            }
        }
        for i in (0..best.args.len()).rev() {
            let mut c = best.clone();
            c.args.remove(i);
            if diverges(&c)? {
                best = c;
                improved = true;
            }
        }
        for i in 0..best.args.len() {
            for simpler in simpler_words(&best.args[i]) {
                let mut c = best.clone();
                c.args[i] = simpler;
                if diverges(&c)? {
                    best = c;
                    improved = true;
                    break;
                }
            }
        }
        if !improved {
            return Ok(best);
        }
    }
}

/// Shorter stand-ins for a word, simplest first.
fn simpler_words(word: &str) -> Vec<String> {
    let mut out = Vec::new();
    for candidate in ["", "x", "10.2.0.1/24"] {
        if candidate.len() < word.len() || (candidate.len() == word.len() && candidate < word) {
            out.push(candidate.to_string());
        }
    }
    if word.chars().count() > 1 {
        let half: String = word.chars().take(word.chars().count() / 2).collect();
        out.push(half);
    }
    out.retain(|w| w != word);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cases_files_read_like_command_lines() {
        let text = "# comment\nweave run 10.2.0.1/24 -ti ubuntu\n\nVERSION=1 launch 'a b' # trailing\n";
        let got = parse_cases(text).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].args, vec!["run", "10.2.0.1/24", "-ti", "ubuntu"]);
        assert_eq!(got[1].env, vec![("VERSION".to_string(), "1".to_string())]);
        assert_eq!(got[1].args, vec!["launch", "a b"]);
        assert_eq!(parse_cases("run 'unclosed\n").unwrap_err().0, 1);
    }

    #[test]
    fn the_same_seed_draws_the_same_lines() {
        assert_eq!(random_invocations(50, 7), random_invocations(50, 7));
        assert_ne!(random_invocations(50, 7), random_invocations(50, 8));
    }
}
