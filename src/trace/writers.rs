//! A trace whose pieces arrived each with the process that wrote it: the writes of concurrent
//! processes (a pipeline's elements), which a pipe mixes even mid-line, put back writer by writer,
//! with the lines each wrote marked as the spec marks its pipelines' lines.
//!
//! The shell itself (the first writer: `sh -x` traces the script's first command itself) writes one line after another,
//! waiting for what it started; what other processes write between two of its writes forms one
//! region, in which they may have run at once. In a region, each writer's bytes are put together
//! in the order it wrote them, writers in the order they started; a region of two writers or
//! more is marked as a pipeline, each writer an element. Writers that ran one after another (two
//! command substitutions of one line) are marked so too: the comparison then allows them a
//! shuffle they never make, which can hide nothing but a reorder inside one command line.

use super::{parse, Dialect, Trace};

/// Builds the trace of `writes` (in arrival order, each with its writer's pid), read in
/// `dialect`; `fix` mends each writer's run of bytes before it is placed (the subject's pid
/// written as the in-process spec's).
pub fn untangle(writes: &[(u32, Vec<u8>)], dialect: Dialect, ps4: &[u8], fix: impl Fn(&mut Vec<u8>)) -> Trace {
    let Some(&(shell, _)) = writes.first() else {
        return parse(b"", dialect, ps4);
    };
    // pids rise as processes start, and wrap at the system's pid_max (32768 by default, 2^22 at
    // most): counted from the shell's, a later child's comes after an earlier one's either way.
    let started = |pid: u32| pid.checked_sub(shell).unwrap_or_else(|| pid + (1 << 22) - shell);
    let mut bytes = Vec::new();
    // Byte ranges of each multi-writer region's writers, in order.
    let mut regions: Vec<Vec<std::ops::Range<usize>>> = Vec::new();
    let mut i = 0;
    while i < writes.len() {
        let end = (i..writes.len()).find(|&j| (writes[j].0 == shell) != (writes[i].0 == shell)).unwrap_or(writes.len());
        let run = &writes[i..end];
        if writes[i].0 == shell {
            let mut own: Vec<u8> = run.iter().flat_map(|(_, b)| b.iter().copied()).collect();
            fix(&mut own);
            bytes.extend_from_slice(&own);
        } else {
            // Writers in the order they were started (a pipeline's from left to right), not the
            // order they first wrote, which varies: two runs of one script then read alike.
            let mut pids: Vec<u32> = run.iter().map(|&(pid, _)| pid).collect();
            pids.sort_unstable_by_key(|&p| started(p));
            pids.dedup();
            let mut ranges = Vec::new();
            for &pid in &pids {
                let mut own: Vec<u8> =
                    run.iter().filter(|(p, _)| *p == pid).flat_map(|(_, b)| b.iter().copied()).collect();
                fix(&mut own);
                ranges.push(bytes.len()..bytes.len() + own.len());
                bytes.extend_from_slice(&own);
            }
            // Marked only where each writer wrote whole lines: a region's lines are its writers'.
            let whole = ranges.iter().all(|r| bytes[r.clone()].last() == Some(&b'\n'));
            if pids.len() > 1 && whole {
                regions.push(ranges);
            }
        }
        i = end;
    }
    let mut trace = parse(&bytes, dialect, ps4);
    let mut at = 0;
    for line in &mut trace.lines {
        let found = regions
            .iter()
            .enumerate()
            .find_map(|(r, ranges)| ranges.iter().position(|w| w.contains(&at)).map(|k| (r as u32, k as u32)));
        line.pipeline = found;
        at += line.bytes.len() + usize::from(line.eol);
    }
    trace
}

#[cfg(test)]
mod tests {
    use super::*;

    fn w(pid: u32, s: &str) -> (u32, Vec<u8>) {
        (pid, s.as_bytes().to_vec())
    }

    /// `echo a | grep x` written mid-line into each other, as dash does, between two lines of the shell.
    fn mixed() -> Vec<(u32, Vec<u8>)> {
        vec![
            w(10, "+ set -e\n"),
            w(12, "+ "),
            w(11, "+ "),
            w(11, "echo"),
            w(12, "grep"),
            w(11, " a\n"),
            w(12, " x\n"),
            w(10, "+ shift\n"),
        ]
    }

    #[test]
    fn concurrent_writers_are_put_back_each_in_one_piece_and_marked_as_one_pipeline() {
        let trace = untangle(&mixed(), Dialect::Dash, b"+ ", |_| {});
        // echo started first (its pid is lower), whatever wrote first.
        assert_eq!(trace.to_bytes(), b"+ set -e\n+ echo a\n+ grep x\n+ shift\n");
        let marks: Vec<_> = trace.lines.iter().map(|l| l.pipeline).collect();
        assert_eq!(marks, [None, Some((0, 0)), Some((0, 1)), None]);
        let ranges = trace.pipeline_ranges();
        assert_eq!(ranges.len(), 1);
        assert_eq!((ranges[0].writers.clone(), ranges[0].end), (vec![2, 3], 3));
    }

    #[test]
    fn writers_keep_their_start_order_when_pids_wrap() {
        // The shell got 32760; its pipeline's elements 32766 and then, past pid_max, 3.
        let writes = [w(32760, "+ a\n"), w(3, "+ grep x\n"), w(32766, "+ echo a\n"), w(32760, "+ b\n")];
        let trace = untangle(&writes, Dialect::Dash, b"+ ", |_| {});
        assert_eq!(trace.to_bytes(), b"+ a\n+ echo a\n+ grep x\n+ b\n");
        assert_eq!(trace.pipeline_ranges()[0].writers, [2, 3]);
    }

    #[test]
    fn one_child_alone_is_sequential_and_a_partial_line_marks_nothing() {
        let trace = untangle(&[w(5, "+ x=1\n"), w(7, "+ cat\n"), w(5, "+ y=2\n")], Dialect::Dash, b"+ ", |_| {});
        assert!(trace.lines.iter().all(|l| l.pipeline.is_none()));
        let trace = untangle(&[w(5, "+ x\n"), w(7, "err"), w(8, "+ b\n")], Dialect::Dash, b"+ ", |_| {});
        assert!(trace.lines.iter().all(|l| l.pipeline.is_none()), "{trace:?}");
        assert_eq!(trace.to_bytes(), b"+ x\nerr+ b\n");
    }

    #[test]
    fn each_writers_run_is_mended_before_it_is_placed() {
        let trace = untangle(&[w(3, "+ a 1\n"), w(4, "+ b 1\n"), w(6, "+ c 1\n")], Dialect::Dash, b"+ ", |b| {
            b.retain(|&c| c != b'1')
        });
        assert_eq!(trace.to_bytes(), b"+ a \n+ b \n+ c \n");
        assert_eq!(trace.pipeline_ranges()[0].writers, [2, 3]);
        assert!(untangle(&[], Dialect::Ash, b"+ ", |_| {}).lines.is_empty());
    }
}
