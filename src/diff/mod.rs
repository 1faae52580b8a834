//! Differential runs: the same command lines through the Rust spec and a real script, in the same
//! world, every divergence in trace, stdout, status or calls reported and shrunk to a small
//! reproducer.
//!
//! The spec runs in-process, which also tells which trace lines each pipeline wrote, so the script's
//! trace is held against it with the interleavings concurrent pipeline writers produce allowed.

pub mod grammar;

use crate::case::{Case, CaseError, Invocation};
use crate::compare::{compare_at, Level, Verdict};
use crate::recording::Recording;
use crate::sandbox::Sandbox;
use crate::subject::{InProcessSpec, Subject, SubjectError};
use crate::world::World;
use rand::SeedableRng;
use std::path::Path;

/// One draw: 1 to 4 command lines run one after another in one world, held step by step.
pub type Draw = Vec<Invocation>;

/// Draws `n` draws from the grammar with a fixed seed: the same seed, the same lines.
pub fn random_draws(n: usize, seed: u64) -> Vec<Draw> {
    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
    (0..n).map(|_| grammar::draw(&mut rng)).collect()
}

/// The worlds random draws span when no world is given: the default world (nothing runs), worlds
/// where the router, weaveDNS, or both (with a container on weave) run, and hosts whose docker
/// client is of each family the flag table tells apart (1.0-1.4 in two, 1.5, 1.7 after the
/// single-dash names went, 1.10, 1.12 and 1.13). Built in, so that `diff` runs from anywhere; a
/// draw's world is picked by its place in the run (`index % 11`), so the same seed meets the same
/// worlds, and a divergence's case names the world's file.
pub fn draw_worlds() -> Vec<(&'static str, World)> {
    macro_rules! worlds {
        ($($file:literal),*) => { [$(($file, include_str!(concat!("../../", $file)))),*] };
    }
    const FILES: [(&str, &str); 10] = worlds!(
        "fixtures/worlds/local-router.toml",
        "fixtures/worlds/local-weavedns.toml",
        "fixtures/worlds/local-services.toml",
        "fixtures/worlds/docker-1.0.toml",
        "fixtures/worlds/docker-1.2.toml",
        "fixtures/worlds/docker-1.5.toml",
        "fixtures/worlds/docker-1.7.toml",
        "fixtures/worlds/docker-1.10.toml",
        "fixtures/worlds/docker-1.12.toml",
        "fixtures/worlds/docker-1.13.toml"
    );
    let mut worlds = vec![("the default world", World::default())];
    for (name, text) in FILES {
        // The files are the crate's own, checked by its tests: one that does not parse is a bug.
        worlds.push((name, World::parse(text, name, 1).expect("a built-in world parses")));
    }
    worlds
}

/// A draw as one line: its command lines joined by ` ; `.
pub fn draw_line(draw: &[Invocation]) -> String {
    draw.iter().map(Invocation::to_command_line).collect::<Vec<_>>().join(" ; ")
}

/// The text of a cases file: a regular file of bounded size, UTF-8.
fn cases_text(path: &Path) -> Result<String, CaseError> {
    let cannot = |why: String| CaseError::at(path, 1, format!("cannot read cases file: {why}"));
    String::from_utf8(crate::input::read(path).map_err(cannot)?).map_err(|_| cannot("not UTF-8 text".into()))
}

/// Reads the cases file at `path` (see [`parse_cases`]).
pub fn read_cases(path: &Path) -> Result<Vec<Invocation>, CaseError> {
    let text = cases_text(path)?;
    parse_cases(&text).map_err(|(line, message)| CaseError::at(path, line, message))
}

/// Reads a cases file for `diff`: as [`read_cases`], but a lone `;` word chains command lines into
/// one draw, run one after another in one world (`--local expose 10.2.0.1/24 ; --local ps`).
pub fn read_draws(path: &Path) -> Result<Vec<Draw>, CaseError> {
    let text = cases_text(path)?;
    let mut draws = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let words = shell_words::split(line)
            .map_err(|e| CaseError::at(path, i + 1, format!("not a shell command line: {e}")))?;
        let words: Vec<String> = words.into_iter().take_while(|w| !w.starts_with('#')).collect();
        if words.is_empty() {
            continue;
        }
        let mut draw = Vec::new();
        for part in words.split(|w| w == ";") {
            let one = shell_words::join(part);
            let Some(inv) = parse_cases(&one).map_err(|(_, m)| CaseError::at(path, i + 1, m))?.pop() else {
                return Err(CaseError::at(path, i + 1, "an empty command line beside a `;`"));
            };
            draw.push(inv);
        }
        draws.push(draw);
    }
    Ok(draws)
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

/// The spec's runs of a draw's command lines, one after another, as the case a script must match,
/// in a given sandbox: the in-process spec only reads it, so the script can run there after it.
fn spec_case_in(
    world: &World,
    draw: &[Invocation],
    sandbox: &Sandbox,
    dialect: crate::trace::Dialect,
) -> Result<(Case, Vec<Recording>), SubjectError> {
    let spec = InProcessSpec { dialect: Some(dialect), ..InProcessSpec::default() };
    let recs = spec.run_steps(draw, sandbox)?;
    // Held as goldens are, in dash's form whatever shell the spec behaved as.
    let steps = draw.iter().zip(&recs).map(|(inv, rec)| rec.as_step(inv.clone())).collect();
    // Draws hold one command line or more (the grammar's and a cases file's alike): an empty one
    // is the harness's fault, not the user's.
    let case = Case::of_steps("diff.case".into(), steps, world.clone()).map_err(|e| SubjectError::Spawn {
        what: "an empty draw".into(),
        err: std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
    })?;
    let case = Case { name: draw_line(draw), ..case };
    Ok((case, recs))
}

/// What a script is held to: the spec, or another script's runs of the same command lines (the
/// OLD of `diff --script NEW --against OLD`). That script should be recorded writer by writer
/// ([`crate::subject::Tracing::ByWriter`]): its pipelines' lines are then known, as the spec's are,
/// and the other script's interleavings of them are no divergence.
#[derive(Clone, Copy)]
pub enum Expected<'a> {
    Spec,
    Script(&'a dyn Subject),
}

/// The runs of `old` (a script) of a draw's command lines, in a sandbox of its own, as the case a
/// script must match.
fn script_case(world: &World, draw: &[Invocation], old: &dyn Subject, fake_bin: &Path) -> Result<Case, SubjectError> {
    let sandbox = Sandbox::new(world, fake_bin, old.script())?;
    // The spec only reads the sandbox: run first, it tells the pipelines a trace shown again
    // through a file hides from the writers (`with_container_netns` keeps `ip ... | grep`'s lines
    // in a file, which one `cat` writes back, in whatever order they reached the file).
    let (_, spec) = spec_case_in(world, draw, &sandbox, old.dialect(world))?;
    let recs = old.run_steps(draw, &sandbox)?;
    let steps = draw
        .iter()
        .zip(&recs)
        .zip(&spec)
        .map(|((inv, rec), spec)| {
            let mut step = rec.as_step(inv.clone());
            if let Some(pipelines) = spec_pipelines(rec, spec) {
                step.pipelines = pipelines;
            }
            step
        })
        .collect();
    let case = Case::of_steps("diff.case".into(), steps, world.clone()).map_err(|e| SubjectError::Spawn {
        what: "an empty draw".into(),
        err: std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string()),
    })?;
    Ok(Case { name: draw_line(draw), ..case })
}

/// The spec's pipelines, for an old script's run whose trace is the spec's but for the order of
/// lines inside them (and which knew the pipelines its writers showed, at least): `None` where the
/// script does something else than the spec there, which then tells nothing about it.
fn spec_pipelines(rec: &Recording, spec: &Recording) -> Option<Vec<crate::trace::Pipeline>> {
    let (old, spec) = (rec.trace.to_dash(), spec.trace.to_dash());
    let pipelines = spec.pipeline_ranges();
    if old.lines.len() != spec.lines.len() {
        return None;
    }
    fn lines(t: &crate::trace::Trace, r: std::ops::Range<usize>) -> Vec<&[u8]> {
        let mut v: Vec<&[u8]> = t.lines[r].iter().map(|l| &l.bytes[..]).collect();
        v.sort_unstable();
        v
    }
    let mut at = 0;
    for p in &pipelines {
        let start = *p.writers.first()? - 1;
        if lines(&old, at..start) != lines(&spec, at..start) || lines(&old, start..p.end) != lines(&spec, start..p.end)
        {
            return None;
        }
        // Outside the pipelines, line for line.
        if old.lines[at..start].iter().zip(&spec.lines[at..start]).any(|(a, b)| a.bytes != b.bytes) {
            return None;
        }
        at = p.end;
    }
    let rest = at..old.lines.len();
    let known = old.pipeline_ranges();
    let covers = |k: &crate::trace::Pipeline| pipelines.iter().any(|p| p.writers[0] <= k.writers[0] && k.end <= p.end);
    (old.lines[rest.clone()].iter().zip(&spec.lines[rest]).all(|(a, b)| a.bytes == b.bytes) && known.iter().all(covers))
        .then_some(pipelines)
}

/// Runs a draw's command lines through what is `expected` and `script`, each side one after
/// another in its own world; the verdict of the script against the expected side, step by step.
pub fn differ(
    world: &World,
    draw: &[Invocation],
    expected: Expected<'_>,
    script: &dyn Subject,
    fake_bin: &Path,
    level: Level,
) -> Result<(Case, Verdict), SubjectError> {
    // Each script has a sandbox of its own: the fake weaveexec runs the sandbox's script.
    let case = match expected {
        Expected::Script(old) => Some(script_case(world, draw, old, fake_bin)?),
        Expected::Spec => None,
    };
    let sandbox = Sandbox::new(world, fake_bin, script.script())?;
    let case = match case {
        Some(case) => case,
        // The spec behaves as the script's shell does; it only reads the sandbox.
        None => spec_case_in(world, draw, &sandbox, script.dialect(world))?.0,
    };
    let recs = script.run_steps(draw, &sandbox)?;
    let mut verdict = compare_at(&case, &recs, level);
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

/// Shrinks a diverging draw: drops whole command lines, then in each environment variables and
/// arguments, then shortens arguments, keeping each change that still diverges as `same` asks
/// (the same divergence, not merely some), until none does.
#[allow(clippy::too_many_arguments)]
pub fn shrink(
    world: &World,
    draw: &[Invocation],
    expected: Expected<'_>,
    script: &dyn Subject,
    fake_bin: &Path,
    level: Level,
    same: &dyn Fn(&Verdict) -> bool,
) -> Result<Draw, SubjectError> {
    let diverges = |candidate: &[Invocation]| -> Result<bool, SubjectError> {
        let (_, verdict) = differ(world, candidate, expected, script, fake_bin, level)?;
        Ok(!verdict.holds() && same(&verdict))
    };
    let mut best = draw.to_vec();
    loop {
        let mut improved = false;
        for k in (0..best.len()).rev() {
            if best.len() > 1 {
                let mut c = best.clone();
                c.remove(k);
                if diverges(&c)? {
                    best = c;
                    improved = true;
                    continue;
                }
            }
        }
        for k in 0..best.len() {
            for i in (0..best[k].env.len()).rev() {
                let mut c = best.clone();
                c[k].env.remove(i);
                if diverges(&c)? {
                    best = c;
                    improved = true;
                }
            }
            for i in (0..best[k].args.len()).rev() {
                let mut c = best.clone();
                c[k].args.remove(i);
                if diverges(&c)? {
                    best = c;
                    improved = true;
                }
            }
            for i in 0..best[k].args.len() {
                for simpler in simpler_words(&best[k].args[i]) {
                    let mut c = best.clone();
                    c[k].args[i] = simpler;
                    if diverges(&c)? {
                        best = c;
                        improved = true;
                        break;
                    }
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
    fn a_script_recorded_writer_by_writer_holds_another_runs_shuffle_of_its_pipelines() {
        // The old side's pieces as a socket delivers them, each with its writer: `echo a | grep x`.
        let writes: Vec<(u32, Vec<u8>)> = [(10, "+ set -e\n"), (12, "+ grep x\n"), (11, "+ echo a\n"), (10, "+ b\n")]
            .iter()
            .map(|&(p, s)| (p, s.as_bytes().to_vec()))
            .collect();
        let trace = crate::trace::untangle(&writes, crate::trace::Dialect::Dash, b"+ ", |_| {});
        let (expected, pipes) = (trace.to_bytes(), trace.pipeline_ranges());
        let holds = |actual: &[u8]| crate::compare::interleave::matches(&expected, &pipes, actual, b"+ ");
        // Another run's bytes through a pipe: mixed mid-line, or in the other order.
        assert!(holds(b"+ set -e\n+ + echo agrep\n x\n+ b\n"));
        assert!(holds(b"+ set -e\n+ grep x\n+ echo a\n+ b\n"));
        // A changed word, or a line of the shell's own moved, still diverges.
        assert!(!holds(b"+ set -e\n+ echo b\n+ grep x\n+ b\n"));
        assert!(!holds(b"+ set -e\n+ echo a\n+ b\n+ grep x\n"));
    }

    #[test]
    fn the_same_seed_draws_the_same_lines() {
        assert_eq!(random_draws(50, 7), random_draws(50, 7));
        assert_ne!(random_draws(50, 7), random_draws(50, 8));
    }

    #[test]
    fn draws_reach_docker_flags_of_every_era_from_the_table() {
        let words: Vec<String> = random_draws(2000, 5).into_iter().flatten().flat_map(|inv| inv.args).collect();
        let spelled = |s: &str| words.iter().any(|w| w == s || w.starts_with(&format!("{s}=")));
        // One only 1.0-1.6 take, one from 1.12 on, one a value check refuses now and then.
        let eras =
            [["-rm", "-name", "-sig-proxy"], ["--network", "--sysctl", "--runtime"], ["--dns", "--add-host", "--link"]];
        for era in eras {
            assert!(era.iter().any(|s| spelled(s)), "none of {era:?} drawn");
        }
        assert!(words.iter().any(|w| w == "bad value"), "no value docker refuses drawn");
    }

    #[test]
    fn draws_chain_one_to_four_lines() {
        let draws = random_draws(400, 3);
        let lens: Vec<usize> = draws.iter().map(Vec::len).collect();
        assert!(lens.iter().all(|&n| (1..=4).contains(&n)), "{lens:?}");
        for n in 1..=4 {
            assert!(lens.contains(&n), "no draw of {n} lines in 400");
        }
    }

    #[test]
    fn the_built_in_worlds_differ_in_what_runs_and_span_every_client_family() {
        use crate::fake::docker::client::{Client, Family};
        let worlds = draw_worlds();
        assert_eq!(worlds.len(), 11);
        let families: Vec<Option<Family>> =
            worlds.iter().map(|(_, w)| Client::new(&w.docker.version_output, b"docker").family()).collect();
        for family in [Family::Usage, Family::Hint, Family::Hint125, Family::Cobra] {
            assert!(families.contains(&Some(family)), "no world's docker is of {family:?}: {families:?}");
        }
        let names: Vec<Vec<&str>> =
            worlds.iter().map(|(_, w)| w.docker.containers.iter().map(|c| c.name.as_str()).collect()).collect();
        assert!(names[0].is_empty(), "{names:?}");
        assert!(names[1].contains(&"weave") && !names[1].contains(&"weavedns"), "{names:?}");
        assert!(names[2].contains(&"weavedns") || names[2].contains(&"web"), "{names:?}");
        assert!(names[3].contains(&"weave") && names[3].contains(&"weavedns"), "{names:?}");
    }
}
