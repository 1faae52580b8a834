//! Traces whose lines name the script's line that wrote them, for coverage.
//!
//! dash never expands PS4, but busybox ash does, and its `$LINENO` is the script's own line
//! number, inside functions too. A run asked to number its lines gets a PS4 led by
//! `MARK digits MARK`; the marks and numbers are then taken out of stderr, which leaves the trace
//! exactly as the plain PS4 writes it, and the numbers in the order the lines were written.

/// The byte around a line's number: no script prints it, as none prints SOH (the weaveexec mark).
pub const MARK: u8 = 2;

/// PS4 for a numbered run: `ps4` led by the marked `$LINENO`.
pub fn ps4(ps4: &[u8]) -> Vec<u8> {
    [&[MARK][..], b"${LINENO}", &[MARK], ps4].concat()
}

/// The plain PS4 of a numbered one ([`ps4`]), `None` for a PS4 that is not.
pub fn plain(ps4: &[u8]) -> Option<&[u8]> {
    ps4.strip_prefix(&[MARK][..])?.strip_prefix(&b"${LINENO}"[..])?.strip_prefix(&[MARK][..])
}

/// Takes the marked numbers out of `bytes` (wherever a pipeline's writers put them), returning
/// them in order.
pub fn take(bytes: &mut Vec<u8>) -> Vec<u32> {
    if !bytes.contains(&MARK) {
        return Vec::new();
    }
    let mut lines = Vec::new();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == MARK {
            if let Some(len) = bytes[i + 1..].iter().position(|&b| b == MARK) {
                let digits = &bytes[i + 1..i + 1 + len];
                if let Some(n) = std::str::from_utf8(digits).ok().and_then(|d| d.parse().ok()) {
                    lines.push(n);
                    i += len + 2;
                    continue;
                }
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    *bytes = out;
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_come_out_wherever_they_were_written_and_the_trace_is_left_plain() {
        let mut b = b"\x0212\x02+ f\n\x023\x02+ echo a\nout\x028\x02+ cat\n\x02x\x02".to_vec();
        assert_eq!(take(&mut b), vec![12, 3, 8]);
        assert_eq!(b, b"+ f\n+ echo a\nout+ cat\n\x02x\x02");
        let mut unmarked = b"+ f\n".to_vec();
        assert!(take(&mut unmarked).is_empty());
        assert_eq!(ps4(b"+ "), b"\x02${LINENO}\x02+ ");
        assert_eq!(plain(&ps4(b"> ")), Some(&b"> "[..]));
        assert_eq!(plain(b"+ "), None);
    }
}
