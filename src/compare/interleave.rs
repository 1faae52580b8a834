//! Traces of concurrent writers: is an observed trace one that the expected lines could produce?
//!
//! dash traces each element of a pipeline from its own process, a `write()` per piece (PS4, each
//! word, the newline), so the pieces of the elements' lines interleave, while each writer's own
//! pieces stay in the order it wrote them. The observed bytes of a pipeline's region are therefore
//! valid exactly when they are a shuffle of the writers' piece sequences: a search over how far
//! each writer has got, with dead states memoized.
//! Outside the pipelines every byte must match in order, so a reordering of sequential commands, a
//! changed word, or a missing or extra line still fails.

use super::patterns::{line_matches, Bindings};
use crate::trace::{BashQuote, Dialect, Pipeline};
use std::collections::HashSet;

/// Whether `actual` equals `expected` up to interleavings of the concurrent writers of each of
/// `pipelines` (line numbers of `expected`): dash's and ash's pieces in any shuffle; for bash,
/// whose regions `actual` keeps as written, whole physical lines (see [`bash_region_matches`]).
pub fn matches(expected: &[u8], pipelines: &[Pipeline], actual: &[u8], ps4: &[u8]) -> bool {
    matches_in(expected, pipelines, actual, ps4, Dialect::Dash)
}

/// [`matches`] for a trace `dialect` wrote.
pub fn matches_in(expected: &[u8], pipelines: &[Pipeline], actual: &[u8], ps4: &[u8], dialect: Dialect) -> bool {
    if expected == actual {
        return true;
    }
    if dialect == Dialect::Bash {
        return bash_matches(expected, pipelines, actual, ps4, None);
    }
    let lines: Vec<&[u8]> = expected.split_inclusive(|&b| b == b'\n').collect();
    let mut pos = 0;
    let mut line = 0;
    for pipeline in pipelines {
        let Some(&first) = pipeline.writers.first() else { return false };
        let (first, last) = (first - 1, pipeline.end.min(lines.len()));
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
        // Writer k wrote from its first line to the next writer's: its pieces, line after line.
        let mut bounds: Vec<usize> = pipeline.writers.iter().map(|w| w - 1).collect();
        bounds.push(last);
        let writers: Vec<Vec<&[u8]>> = bounds
            .windows(2)
            .map(|w| lines[w[0]..w[1].min(last)].iter().flat_map(|l| pieces(l, ps4)).collect())
            .collect();
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

/// [`matches_in`] for a bash trace, whose pipelines `actual` keeps as written: the lines outside
/// the pipelines one by one, each pipeline's as [`bash_region_matches`] reads them (bash's quoting
/// keeps every newline, so a region has as many physical lines as the expected one). With
/// `bindings`, `expected` may hold placeholders (no `...` line), bound in it on a match.
pub fn bash_matches(
    expected: &[u8],
    pipelines: &[Pipeline],
    actual: &[u8],
    ps4: &[u8],
    bindings: Option<&mut Bindings>,
) -> bool {
    let lines: Vec<&[u8]> = expected.split_inclusive(|&b| b == b'\n').collect();
    let got: Vec<&[u8]> = actual.split_inclusive(|&b| b == b'\n').collect();
    let mut trial = bindings.as_deref().cloned().unwrap_or_default();
    let (mut at, mut line) = (0, 0);
    let same = |e: &[u8], a: &[u8], b: &mut Bindings| {
        let strip = |l: &[u8]| l.strip_suffix(b"\n").map_or((l.to_vec(), false), |s| (s.to_vec(), true));
        let ((e, e_nl), (a, a_nl)) = (strip(e), strip(a));
        e_nl == a_nl && line_matches(&e, &a, b)
    };
    for pipeline in pipelines {
        let Some(&first) = pipeline.writers.first() else { return false };
        let (first, last) = (first - 1, pipeline.end.min(lines.len()));
        if first < line || first >= last {
            return false;
        }
        for e in &lines[line..first] {
            match got.get(at) {
                Some(a) if same(e, a, &mut trial) => at += 1,
                _ => return false,
            }
        }
        let mut bounds: Vec<usize> = pipeline.writers.iter().map(|w| w - 1).collect();
        bounds.push(last);
        let writers: Vec<Vec<&[u8]>> = bounds.windows(2).map(|w| lines[w[0]..w[1].min(last)].to_vec()).collect();
        let Some(region) = got.get(at..at + (last - first)) else { return false };
        if !bash_region_matches(region, &writers, ps4, bindings.is_some().then_some(&mut trial)) {
            return false;
        }
        at += last - first;
        line = last;
    }
    let rest_holds = lines[line..].len() == got.len() - at.min(got.len())
        && lines[line..].iter().zip(&got[at.min(got.len())..]).all(|(e, a)| same(e, a, &mut trial));
    if let (true, Some(b)) = (rest_holds, bindings) {
        *b = trial;
    }
    rest_holds
}

/// Whether a bash pipeline's physical lines (as written, quoted) interleave its writers' lines (in
/// dash's form), each writer's kept in order: bash writes a whole physical line at once, so a
/// writer's line is one of the region's lines, read from where that writer's quoting stood. A
/// compound command's head, which dash never writes, may stand anywhere. With `bindings`, the
/// writers' lines may hold placeholders, bound as they match (and kept only on a match).
fn bash_region_matches(region: &[&[u8]], writers: &[Vec<&[u8]>], ps4: &[u8], bindings: Option<&mut Bindings>) -> bool {
    /// How far each writer has got, and whether it stands inside a quote.
    type State = Vec<(usize, Option<BashQuote>)>;
    struct Search<'a> {
        region: &'a [&'a [u8]],
        writers: &'a [Vec<&'a [u8]>],
        ps4: &'a [u8],
        /// States known to fail; only without placeholders, whose bindings a state does not hold.
        dead: Option<HashSet<(usize, State)>>,
        bindings: Bindings,
    }
    impl Search<'_> {
        fn go(&mut self, at: usize, state: &mut State) -> bool {
            let Some(&line) = self.region.get(at) else {
                return self.writers.iter().zip(state.iter()).all(|(w, &(i, q))| i == w.len() && q.is_none());
            };
            if self.dead.as_ref().is_some_and(|d| d.contains(&(at, state.clone()))) {
                return false;
            }
            let body = line.strip_suffix(b"\n").unwrap_or(line);
            if crate::trace::is_bash_only(body, self.ps4) && self.go(at + 1, state) {
                return true;
            }
            for k in 0..self.writers.len() {
                let (i, quote) = state[k];
                let Some(&want) = self.writers[k].get(i) else { continue };
                let want = want.strip_suffix(b"\n").unwrap_or(want);
                let saved = self.bindings.clone();
                // A line that is no trace line (a command's message) is compared as it is.
                let read = match quote {
                    None if line_matches(want, body, &mut self.bindings) => Some(None),
                    _ => crate::trace::bash_physical_dash_form(body, quote, self.ps4)
                        .filter(|(text, _)| line_matches(want, text, &mut self.bindings))
                        .map(|(_, q)| q),
                };
                if let Some(next) = read {
                    state[k] = (i + 1, next);
                    if self.go(at + 1, state) {
                        return true;
                    }
                    state[k] = (i, quote);
                }
                self.bindings = saved;
            }
            if let Some(dead) = &mut self.dead {
                dead.insert((at, state.clone()));
            }
            false
        }
    }
    let patterned = bindings.is_some();
    let mut search = Search {
        region,
        writers,
        ps4,
        dead: (!patterned).then(HashSet::new),
        bindings: bindings.as_deref().cloned().unwrap_or_default(),
    };
    let holds = search.go(0, &mut vec![(0, None); writers.len()]);
    if let (true, Some(b)) = (holds, bindings) {
        *b = search.bindings;
    }
    holds
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
    fn pipe() -> Vec<Pipeline> {
        vec![Pipeline { writers: vec![2, 3], end: 3 }]
    }

    #[test]
    fn accepts_what_dash_writes() {
        for observed in [
            &b"+ is_cidr a\n+ echo a\n+ grep -E x\n+ shift 1\n"[..],
            b"+ is_cidr a\n+ grep -E x\n+ echo a\n+ shift 1\n",
            b"+ is_cidr a\n+ + echo a\ngrep -E x\n+ shift 1\n",
            b"+ is_cidr a\n+ echo+  a\ngrep -E x\n+ shift 1\n",
            b"+ is_cidr a\n+ + grepecho a\n -E x\n+ shift 1\n",
        ] {
            assert!(matches(TRACE, &pipe(), observed, b"+ "), "{}", String::from_utf8_lossy(observed));
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
            assert!(!matches(TRACE, &pipe(), observed, b"+ "), "{}", String::from_utf8_lossy(observed));
        }
        // Without the pipeline known, a swap is a mismatch.
        assert!(!matches(TRACE, &[], b"+ is_cidr a\n+ grep -E x\n+ echo a\n+ shift 1\n", b"+ "));
    }

    #[test]
    fn a_group_is_one_writer_of_several_lines() {
        // uname | sed | { read a; [ x ]; }: the group's two lines stay in order, the others mix in.
        let trace = b"+ uname\n+ sed p\n+ read a\n+ [ x ]\n+ done\n";
        let pipes = vec![Pipeline { writers: vec![1, 2, 3], end: 4 }];
        assert!(matches(trace, &pipes, b"+ uname\n+ read a\n+ sed p\n+ [ x ]\n+ done\n", b"+ "));
        assert!(matches(trace, &pipes, b"+ + read ased p\n\n+ uname\n+ [ x ]\n+ done\n", b"+ "));
        assert!(!matches(trace, &pipes, b"+ uname\n+ sed p\n+ [ x ]\n+ read a\n+ done\n", b"+ "));
        assert_eq!(Pipeline::from_list(&[1, 2, 3, 4]), Some(pipes[0].clone()));
        assert_eq!(pipes[0].to_list(), vec![1, 2, 3, 4]);
        assert_eq!(Pipeline::from_list(&[13, 14]).unwrap().to_list(), vec![13, 14]);
    }
}
