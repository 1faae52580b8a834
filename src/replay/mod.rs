//! Replaying a trace: from a trace alone — a golden, one pasted from an article or a bug report —
//! derive what every external call answered (a cassette), serve those answers in order, run a
//! subject, and say whether it still writes that trace.
//!
//! A trace reveals an answer where the script used it: a command substitution's value in the
//! assignment that follows (`+ CONTAINER=0eedd…`), the version `docker -v | sed …` produced
//! (`+ DOCKER_VERSION=1.6.0`), a command's own output on the lines after it. The cassette is strict:
//! a call it does not expect, or an expected call never made, fails the replay.

mod source;

pub use source::{read_source, Source};

use crate::fake::registry;
use crate::trace::{parse_dash, Kind, DEFAULT_PS4};
use crate::world::{Replay, ReplayCall};

/// The words of a trace line after PS4, if it is one.
fn body<'a>(line: &'a [u8], ps4: &[u8]) -> Option<&'a [u8]> {
    line.strip_prefix(ps4)
}

fn first_word(body: &[u8]) -> &[u8] {
    body.split(|&b| b == b' ').next().unwrap_or_default()
}

/// `NAME=value` as a whole trace line: an assignment, with its value.
fn assignment(body: &[u8]) -> Option<(&[u8], &[u8])> {
    let eq = body.iter().position(|&b| b == b'=')?;
    let name = &body[..eq];
    crate::spec::shell::is_name(name).then(|| (name, &body[eq + 1..]))
}

/// Derives the cassette a trace implies. `merged`: the trace also holds the script's stdout (as a
/// terminal or an article shows it), so lines after a call that are not trace lines are its stdout
/// rather than its stderr.
pub fn cassette(trace: &[u8], merged: bool) -> Replay {
    let lines = parse_dash(trace, DEFAULT_PS4).lines;
    let mut calls = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if line.kind != Kind::Xtrace {
            continue;
        }
        let Some(words) = body(&line.bytes, DEFAULT_PS4) else { continue };
        if registry::find(first_word(words)).is_none() {
            continue;
        }
        let mut call = ReplayCall { command: String::from_utf8_lossy(words).into_owned(), ..ReplayCall::default() };
        // What follows: the call's own output lines, then maybe the other elements of its pipeline,
        // then maybe the assignment its substitution ends in.
        let mut j = i + 1;
        let mut output = Vec::new();
        while let Some(next) = lines.get(j).filter(|l| l.kind != Kind::Xtrace) {
            output.extend_from_slice(&next.bytes);
            output.push(b'\n');
            j += 1;
        }
        let mut through_sed = false;
        while let Some(next) = lines.get(j).and_then(|l| body(&l.bytes, DEFAULT_PS4)) {
            let w = first_word(next);
            if w == b"sed" || w == b"grep" {
                through_sed |= w == b"sed";
                j += 1;
            } else {
                break;
            }
        }
        let captured = lines.get(j).and_then(|l| body(&l.bytes, DEFAULT_PS4)).and_then(assignment);
        if let Some((_, value)) = captured {
            call.stdout = if through_sed && call.command == "docker -v" {
                // What `sed` kept of docker's version line was the version: give docker a line it
                // keeps the same way.
                if value.is_empty() {
                    String::new()
                } else {
                    format!("Docker version {}, build 0000000\n", String::from_utf8_lossy(value))
                }
            } else if value.is_empty() {
                String::new()
            } else {
                format!("{}\n", String::from_utf8_lossy(value))
            };
            // set -e: an assignment that is the trace's last line ended the script, so its
            // substitution failed.
            if j + 1 >= lines.len() || lines[j + 1..].iter().all(|l| l.kind != Kind::Xtrace) {
                call.status = 1;
            }
        }
        let output = String::from_utf8_lossy(&output).into_owned();
        if merged && captured.is_none() {
            call.stdout.push_str(&output);
        } else {
            call.stderr = output;
        }
        calls.push(call);
    }
    Replay { calls }
}

/// A world whose fakes answer exactly what the trace in `source` shows.
pub fn world_for(source: &Source) -> crate::world::World {
    crate::world::World { replay: Some(cassette(&source.trace, source.merged)), ..Default::default() }
}

/// The status a trace shows it ended with: its last trace line `exit N`.
pub fn traced_status(trace: &[u8]) -> Option<i32> {
    let lines = parse_dash(trace, DEFAULT_PS4).lines;
    let last = lines.iter().rev().find(|l| l.kind == Kind::Xtrace)?;
    let words = body(&last.bytes, DEFAULT_PS4)?;
    let n = words.strip_prefix(b"exit ")?;
    std::str::from_utf8(n).ok()?.parse().ok()
}

/// The cassette as a file a person can read and edit: a world file with `[[replay.call]]` tables.
pub fn cassette_file(replay: &Replay, origin: &str) -> String {
    let world = crate::world::World { replay: Some(replay.clone()), ..Default::default() };
    let mut wrapped = toml::Table::new();
    let value = toml::Value::try_from(&world).expect("a world always serializes");
    if let Some(r) = value.get("replay") {
        wrapped.insert("replay".into(), r.clone());
    }
    format!(
        "# A weavetrace cassette, derived from {origin}: the calls a replay expects, in order,\n# each with the answer the trace revealed. Edit freely; `weavetrace replay --cassette` uses it.\n\n{}",
        toml::to_string(&wrapped).expect("a cassette always serializes")
    )
}

/// Where two traces first differ, word by word: `line N: expected `a`, got `b``.
pub fn first_different_word(expected: &[u8], actual: &[u8]) -> Option<String> {
    let e: Vec<&[u8]> = expected.split(|&b| b == b'\n').collect();
    let a: Vec<&[u8]> = actual.split(|&b| b == b'\n').collect();
    for (n, (x, y)) in e.iter().zip(a.iter()).enumerate() {
        if x == y {
            continue;
        }
        // Words are counted after PS4, as a reader counts them.
        let xw: Vec<&[u8]> = x.strip_prefix(DEFAULT_PS4).unwrap_or(x).split(|&b| b == b' ').collect();
        let yw: Vec<&[u8]> = y.strip_prefix(DEFAULT_PS4).unwrap_or(y).split(|&b| b == b' ').collect();
        let k = xw.iter().zip(&yw).position(|(p, q)| p != q).unwrap_or(xw.len().min(yw.len()));
        let show = |w: Option<&&[u8]>| w.map_or("(nothing)".to_string(), |w| format!("`{}`", crate::trace::visible(w)));
        return Some(format!(
            "trace line {}, word {}: the trace has {}, the subject wrote {}",
            n + 1,
            k + 1,
            show(xw.get(k)),
            show(yw.get(k))
        ));
    }
    (e.len() != a.len()).then(|| format!("the trace has {} lines, the subject wrote {}", e.len(), a.len()))
}

/// Puts back the backslashes an HTML page dropped: an expected line that equals the actual one with
/// every backslash removed becomes the actual line. Returns the lines restored (1-based).
pub fn restore_backslashes(expected: &mut Vec<u8>, actual: &[u8]) -> Vec<usize> {
    let mut restored = Vec::new();
    let e: Vec<Vec<u8>> = expected.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect();
    let a: Vec<&[u8]> = actual.split(|&b| b == b'\n').collect();
    let mut out: Vec<Vec<u8>> = Vec::with_capacity(e.len());
    for (n, line) in e.into_iter().enumerate() {
        match a.get(n) {
            Some(&act)
                if act != line.as_slice()
                    && act.contains(&b'\\')
                    && act.iter().filter(|&&b| b != b'\\').eq(line.iter()) =>
            {
                restored.push(n + 1);
                out.push(act.to_vec());
            }
            _ => out.push(line),
        }
    }
    *expected = out.join(&b'\n');
    restored
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documented_trace_reveals_every_answer() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/documented/run-with-dns.trace");
        let trace = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let r = cassette(&trace, false);
        let commands: Vec<String> =
            r.calls.iter().map(|c| c.command.split(' ').take(2).collect::<Vec<_>>().join(" ")).collect();
        assert_eq!(commands, ["docker -v", "docker run", "docker run", "docker run"]);
        assert_eq!(r.calls[0].stdout, "Docker version 1.6.0, build 0000000\n");
        assert_eq!(r.calls[1].stdout, "--dns 172.17.42.1 --dns-search=.\n");
        assert_eq!(r.calls[2].stdout, "f4e6e596d10c383466966bfadc7f01c913c275dab148cd3153d4d44830c7a2a9\n");
        assert_eq!(r.calls[3].stdout, "");
        assert_eq!(traced_status(&trace), Some(0));
    }

    #[test]
    fn a_failing_substitution_is_a_failing_call() {
        let trace = b"+ docker -v\n+ sed -n -e x\n+ DOCKER_VERSION=1.6.0\n+ docker run -d busybox\nno such image\n+ CONTAINER=\n";
        let r = cassette(trace, false);
        assert_eq!(r.calls[1].status, 1);
        assert_eq!(r.calls[1].stderr, "no such image\n");
        assert_eq!(traced_status(trace), None);
    }

    #[test]
    fn backslashes_come_back_only_where_they_are_the_difference() {
        let mut expected = b"+ sed s|^a ([0-9]*).*|1|p\n+ other\n".to_vec();
        let actual = b"+ sed s|^a \\([0-9]*\\).*|\\1|p\n+ changed\n";
        assert_eq!(restore_backslashes(&mut expected, actual), vec![1]);
        assert_eq!(expected, b"+ sed s|^a \\([0-9]*\\).*|\\1|p\n+ other\n");
    }

    #[test]
    fn the_first_different_word_is_named() {
        let got = first_different_word(b"+ a\n+ docker run -d x\n", b"+ a\n+ docker run -d y\n").unwrap();
        assert_eq!(got, "trace line 2, word 4: the trace has `x`, the subject wrote `y`");
    }
}
