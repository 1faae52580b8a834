//! Line diffs for reports, in time linear in the lines.
//!
//! Myers' diff costs (N+M)·D: quadratic when a long trace is mostly different (a 100k-line trace
//! replayed against a short run took 40 s). Where the differences are few it is cheap, and its diff
//! is the one shown; past [`MAX_EDITS`] the differing middle is shown as one replacement instead,
//! which is still a true diff of the two texts.

use similar::{DiffOp, DiffableStr, TextDiff};

/// The most lines inserted plus deleted that get Myers' minimal diff: enough for any golden, and
/// few enough that finding out costs a bounded amount per line.
pub const MAX_EDITS: usize = 1000;

/// A diff of two texts' lines (each with its newline), as similar's ops.
pub struct LineDiff<'a> {
    pub old: Vec<&'a [u8]>,
    pub new: Vec<&'a [u8]>,
    pub ops: Vec<DiffOp>,
}

/// The line diff of `old` and `new`: exactly `similar::TextDiff::from_lines`'s when at most
/// [`MAX_EDITS`] lines differ, else the common head and tail around one replacement.
pub fn line_diff<'a>(old: &'a [u8], new: &'a [u8]) -> LineDiff<'a> {
    let (o, n) = (old.tokenize_lines(), new.tokenize_lines());
    let head = o.iter().zip(&n).take_while(|(a, b)| a == b).count();
    let tail = o[head..].iter().rev().zip(n[head..].iter().rev()).take_while(|(a, b)| a == b).count();
    if within(&o[head..o.len() - tail], &n[head..n.len() - tail], MAX_EDITS) {
        let diff = TextDiff::from_lines(old, new);
        return LineDiff { old: diff.old_slices().to_vec(), new: diff.new_slices().to_vec(), ops: diff.ops().to_vec() };
    }
    let (old_len, new_len) = (o.len() - head - tail, n.len() - head - tail);
    let mut ops = Vec::new();
    if head > 0 {
        ops.push(DiffOp::Equal { old_index: 0, new_index: 0, len: head });
    }
    ops.push(match (old_len, new_len) {
        (_, 0) => DiffOp::Delete { old_index: head, old_len, new_index: head },
        (0, _) => DiffOp::Insert { old_index: head, new_index: head, new_len },
        _ => DiffOp::Replace { old_index: head, old_len, new_index: head, new_len },
    });
    if tail > 0 {
        ops.push(DiffOp::Equal { old_index: head + old_len, new_index: head + new_len, len: tail });
    }
    LineDiff { old: o, new: n, ops }
}

/// Whether `a` becomes `b` with at most `max` lines inserted or deleted: Myers' greedy forward
/// search, given up past `max`, so its cost is bounded by (N+M)·max and is mostly far less.
fn within(a: &[&[u8]], b: &[&[u8]], max: usize) -> bool {
    let (n, m) = (a.len() as isize, b.len() as isize);
    if (n - m).unsigned_abs() > max {
        return false;
    }
    let max = max as isize;
    // v[k + off]: the furthest x reached on diagonal k = x - y.
    let off = max + 1;
    let mut v = vec![0isize; (2 * max + 3) as usize];
    let at = |k: isize| (k + off) as usize;
    for d in 0..=max {
        for k in (-d..=d).step_by(2) {
            let mut x =
                if k == -d || (k != d && v[at(k - 1)] < v[at(k + 1)]) { v[at(k + 1)] } else { v[at(k - 1)] + 1 };
            let mut y = x - k;
            while x < n && y >= 0 && y < m && a[x as usize] == b[y as usize] {
                x += 1;
                y += 1;
            }
            v[at(k)] = x;
            // Only the diagonal that ends at (n, m) can end the search; overshooting it still
            // means d edits suffice.
            if k == n - m && x >= n {
                return true;
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The edit distance by the textbook table, to hold `within` against.
    fn distance(a: &[&[u8]], b: &[&[u8]]) -> usize {
        let mut row: Vec<usize> = (0..=b.len()).collect();
        for i in 1..=a.len() {
            let mut prev = row[0];
            row[0] = i;
            for j in 1..=b.len() {
                let here = row[j];
                row[j] = if a[i - 1] == b[j - 1] { prev } else { 1 + row[j].min(row[j - 1]) };
                prev = here;
            }
        }
        row[b.len()]
    }

    fn lines(seed: &mut u64, len: usize) -> Vec<&'static [u8]> {
        const WORDS: [&[u8]; 3] = [b"+ a\n", b"+ b\n", b"+ c\n"];
        (0..len)
            .map(|_| {
                *seed ^= *seed << 13;
                *seed ^= *seed >> 7;
                *seed ^= *seed << 17;
                WORDS[(*seed % 3) as usize]
            })
            .collect()
    }

    #[test]
    fn within_agrees_with_the_edit_distance() {
        let mut seed = 0x2545_f491_4f6c_dd1d_u64;
        for _ in 0..2000 {
            let (la, lb) = ((seed % 9) as usize, ((seed >> 8) % 9) as usize);
            let (a, b) = (lines(&mut seed, la), lines(&mut seed, lb));
            let d = distance(&a, &b);
            for max in 0..12 {
                assert_eq!(within(&a, &b, max), d <= max, "{a:?} {b:?} max {max} distance {d}");
            }
        }
    }

    #[test]
    fn few_differences_give_similars_diff_and_many_one_replacement() {
        let old = b"+ a\n+ b\n+ c\n+ d\n".repeat(50);
        let new = [&old[..40], b"+ x\n", &old[40..]].concat();
        let ours = line_diff(&old, &new);
        assert_eq!(ours.ops, TextDiff::from_lines(&old[..], &new[..]).ops());
        // Far apart: the head and tail they share, one replacement between.
        let old = [&b"+ set -e\n"[..], &b"+ docker ps\n".repeat(MAX_EDITS + 1), b"+ exit 0\n"].concat();
        let new = b"+ set -e\n+ docker ps\n+ echo x\n+ exit 0\n";
        let ours = line_diff(&old, new);
        assert_eq!(
            ours.ops,
            [
                DiffOp::Equal { old_index: 0, new_index: 0, len: 2 },
                DiffOp::Replace { old_index: 2, old_len: MAX_EDITS, new_index: 2, new_len: 1 },
                DiffOp::Equal { old_index: MAX_EDITS + 2, new_index: 3, len: 1 },
            ]
        );
        assert_eq!((ours.old.len(), ours.new.len()), (MAX_EDITS + 3, 4));
        // Only deleted lines: a deletion, not a replacement by nothing.
        let ours = line_diff(&old, b"+ set -e\n+ exit 0\n");
        assert_eq!(ours.ops[1], DiffOp::Delete { old_index: 1, old_len: MAX_EDITS + 1, new_index: 1 });
    }
}
