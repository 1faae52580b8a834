//! Traces of concurrent writers: is an observed trace one that the expected lines could produce?
//!
//! dash traces each element of a pipeline from its own process, a `write()` per piece (PS4, each
//! word, the newline), so the pieces of the elements' lines interleave. The observed bytes of a
//! pipeline's region are valid exactly when they are a shuffle of the writers' piece sequences
//! (`shared/XTRACE.md`): a search over how far each writer has got, with dead states memoized.
//! Outside the pipelines every byte must match in order, so a reordering of sequential commands, a
//! changed word, or a missing or extra line still fails.

use std::collections::HashSet;

/// Whether `actual` equals `expected` up to interleavings of the lines in `pipelines` (1-based,
/// inclusive line ranges of `expected`, one line per concurrent writer).
pub fn matches(expected: &[u8], pipelines: &[(usize, usize)], actual: &[u8], ps4: &[u8]) -> bool {
    if expected == actual {
        return true;
    }
    let lines: Vec<&[u8]> = expected.split_inclusive(|&b| b == b'\n').collect();
    let mut pos = 0;
    let mut line = 0;
    for &(first, last) in pipelines {
        let (first, last) = (first - 1, last.min(lines.len()));
        if first < line || first >= last {
            // Overlapping or empty ranges: nothing sound to tolerate.
            return false;
        }
        // Sequential part before the pipeline: exact.
        let before: usize = lines[line..first].iter().map(|l| l.len()).sum();
        if actual.get(pos..pos + before) != Some(lines[line..first].concat().as_slice()) {
            return false;
        }
        pos += before;
        let writers: Vec<Vec<&[u8]>> = lines[first..last].iter().map(|l| pieces(l, ps4)).collect();
        let len: usize = lines[first..last].iter().map(|l| l.len()).sum();
        let Some(region) = actual.get(pos..pos + len) else {
            return false;
        };
        if !is_shuffle(region, &writers) {
            return false;
        }
        pos += len;
        line = last;
    }
    actual.get(pos..) == Some(lines[line..].concat().as_slice())
}

/// A trace line cut where dash may switch writers: PS4, then each word with its leading space, then
/// the newline. A line is cut at every space, which is finer than dash's writes when a word holds
/// a space: that accepts a few shuffles dash cannot make, and rejects none it can.
fn pieces<'a>(line: &'a [u8], ps4: &[u8]) -> Vec<&'a [u8]> {
    let (body, newline) = match line.strip_suffix(b"\n") {
        Some(b) => (b, true),
        None => (line, false),
    };
    let mut out = Vec::new();
    let mut rest = body;
    if !ps4.is_empty() && rest.starts_with(ps4) {
        out.push(&rest[..ps4.len()]);
        rest = &rest[ps4.len()..];
    }
    let mut start = 0;
    for i in 1..=rest.len() {
        if i == rest.len() || rest[i] == b' ' {
            if i > start {
                out.push(&rest[start..i]);
            }
            start = i;
        }
    }
    if newline {
        out.push(&line[line.len() - 1..]);
    }
    out
}

/// Whether `s` interleaves the writers' piece sequences, each kept in order, all used exactly.
fn is_shuffle(s: &[u8], writers: &[Vec<&[u8]>]) -> bool {
    let mut dead: HashSet<Vec<usize>> = HashSet::new();
    let mut state = vec![0; writers.len()];
    search(s, 0, writers, &mut state, &mut dead)
}

fn search(
    s: &[u8],
    pos: usize,
    writers: &[Vec<&[u8]>],
    state: &mut Vec<usize>,
    dead: &mut HashSet<Vec<usize>>,
) -> bool {
    if pos == s.len() {
        return writers.iter().zip(state.iter()).all(|(w, &i)| i == w.len());
    }
    if dead.contains(state) {
        return false;
    }
    for k in 0..writers.len() {
        let i = state[k];
        if let Some(piece) = writers[k].get(i) {
            if s[pos..].starts_with(piece) {
                state[k] += 1;
                if search(s, pos + piece.len(), writers, state, dead) {
                    return true;
                }
                state[k] -= 1;
            }
        }
    }
    dead.insert(state.clone());
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &[u8] = b"+ is_cidr a\n+ echo a\n+ grep -E x\n+ shift 1\n";
    const PIPE: &[(usize, usize)] = &[(2, 3)];

    #[test]
    fn accepts_what_dash_writes() {
        for observed in [
            &b"+ is_cidr a\n+ echo a\n+ grep -E x\n+ shift 1\n"[..],
            b"+ is_cidr a\n+ grep -E x\n+ echo a\n+ shift 1\n",
            b"+ is_cidr a\n+ + echo a\ngrep -E x\n+ shift 1\n",
            b"+ is_cidr a\n+ echo+  a\ngrep -E x\n+ shift 1\n",
            b"+ is_cidr a\n+ + grepecho a\n -E x\n+ shift 1\n",
        ] {
            assert!(matches(TRACE, PIPE, observed, b"+ "), "{}", String::from_utf8_lossy(observed));
        }
    }

    #[test]
    fn rejects_changes_and_sequential_reorders() {
        for observed in [
            &b"+ is_cidr a\n+ echo b\n+ grep -E x\n+ shift 1\n"[..],
            b"+ echo a\n+ is_cidr a\n+ grep -E x\n+ shift 1\n",
            b"+ is_cidr a\n+ echo a\n+ grep -E x\n",
            b"+ is_cidr a\n+ echo a\n+ grep -E x\n+ shift 1\n+ extra\n",
            b"+ is_cidr a\n+ echo a\n+ shift 1\n+ grep -E x\n",
        ] {
            assert!(!matches(TRACE, PIPE, observed, b"+ "), "{}", String::from_utf8_lossy(observed));
        }
        // Without the pipeline known, a swap is a mismatch.
        assert!(!matches(TRACE, &[], b"+ is_cidr a\n+ grep -E x\n+ echo a\n+ shift 1\n", b"+ "));
    }
}
