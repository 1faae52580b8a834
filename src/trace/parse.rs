//! Reading a trace back from bytes.

use super::{Kind, Line, Trace};

/// Splits dash's stderr into lines; a line that starts with `ps4` is a trace line.
///
/// dash quotes nothing, so a line cannot be split back into words reliably (a word may hold spaces or
/// newlines): lines are compared as whole byte strings, and exact argv comes from the fakes' log.
pub fn parse_dash(bytes: &[u8], ps4: &[u8]) -> Trace {
    let mut lines = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let (body, eol, next) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], true, &rest[i + 1..]),
            None => (rest, false, &rest[rest.len()..]),
        };
        let kind = if !ps4.is_empty() && body.starts_with(ps4) { Kind::Xtrace } else { Kind::Output };
        lines.push(Line { bytes: body.to_vec(), kind, eol, pipeline: None });
        rest = next;
    }
    Trace { lines }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_bytes_and_tells_kinds() {
        let input = b"+ set -e\nERROR: no\n+ exit 1";
        let t = parse_dash(input, b"+ ");
        assert_eq!(t.lines.len(), 3);
        assert_eq!(t.lines[0].kind, Kind::Xtrace);
        assert_eq!(t.lines[1].kind, Kind::Output);
        assert!(!t.lines[2].eol);
        assert_eq!(t.to_bytes(), input);
    }

    #[test]
    fn empty_lines_survive() {
        let input = b"\n\n+ x\n";
        assert_eq!(parse_dash(input, b"+ ").to_bytes(), input);
        assert_eq!(parse_dash(input, b"+ ").lines.len(), 3);
    }
}
