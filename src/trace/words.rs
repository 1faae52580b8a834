//! Reading the words back out of an ash or bash trace line. Both shells quote every word that needs it
//! and join words with single spaces, so unlike dash's lines these split exactly.
//!
//! The scanners accept what the shell writes and nothing more: an unquoted byte the shell would have
//! quoted means the line is not what it seems (a program's stderr that starts like PS4, or writes of
//! concurrent processes mixed), and it is better reported than read as words.

use super::{ParseError, Reason};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Quoting {
    /// busybox ash: `'…'`, and `"'"` for the single quotes inside a word (`'it'"'"'s'`).
    Ash,
    /// bash: `'…'`, `\'` for a single quote (`'it'\''s'`), `$'…'` for unprintable bytes.
    Bash,
}

/// A trace line read after its PS4.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Scanned {
    pub words: Vec<Vec<u8>>,
    /// Bytes taken, without the terminating newline; newlines inside quotes included.
    pub len: usize,
    /// False when the input ended instead of a newline.
    pub eol: bool,
}

/// Reads words from `s` (the bytes right after PS4) up to the first newline outside quotes or the
/// end of input. Error offsets are into `s`.
pub(super) fn scan(s: &[u8], q: Quoting) -> Result<Scanned, ParseError> {
    let end_at = |i: usize| i == s.len() || s[i] == b'\n';
    let done = |words, i: usize| Ok(Scanned { words, len: i, eol: i < s.len() });
    let mut words = Vec::new();
    // Bare PS4: ash for a command without words or with one empty word; read as no words.
    if end_at(0) {
        return done(words, 0);
    }
    let mut word = Vec::new();
    let mut i = 0;
    if q == Quoting::Bash {
        // bash prints an assignment's name as written, subscript included (`m["a b"]=1`).
        if let Some(n) = assignment_prefix(s) {
            word.extend_from_slice(&s[..n]);
            i = n;
        }
    }
    // Whether the current word has begun: `''` is a word though it adds no bytes.
    let mut begun = i > 0;
    loop {
        if end_at(i) || s[i] == b' ' {
            // bash never writes an empty word as nothing: `''`.
            if q == Quoting::Bash && !begun {
                let at = i.saturating_sub(1);
                return Err(ParseError { reason: Reason::Unexpected(s.get(at).copied().unwrap_or(b' ')), at });
            }
            words.push(std::mem::take(&mut word));
            begun = false;
            if end_at(i) {
                return done(words, i);
            }
            i += 1;
            continue;
        }
        begun = true;
        let b = s[i];
        i = match (b, q) {
            (b'\'', _) => {
                let close = find(s, i + 1, b'\'').ok_or(unterminated(i))?;
                word.extend_from_slice(&s[i + 1..close]);
                close + 1
            }
            (b'"', Quoting::Ash) => {
                let close = find(s, i + 1, b'"').ok_or(unterminated(i))?;
                // ash puts only single quotes in double quotes; anything the shell would expand is foreign.
                if let Some(k) = s[i + 1..close].iter().position(|c| b"\\$`".contains(c)) {
                    return Err(unexpected(s, i + 1 + k));
                }
                word.extend_from_slice(&s[i + 1..close]);
                close + 1
            }
            (b'\\', Quoting::Bash) if s.get(i + 1) == Some(&b'\'') => {
                word.push(b'\'');
                i + 2
            }
            (b'$', Quoting::Bash) if s.get(i + 1) == Some(&b'\'') => ansi_c(s, i, &mut word)?,
            _ if plain(b, q) => {
                word.push(b);
                i + 1
            }
            _ => return Err(unexpected(s, i)),
        };
    }
}

/// Whether the shell writes `b` unquoted.
fn plain(b: u8, q: Quoting) -> bool {
    match q {
        // busybox's `maybe_single_quote()` leaves `+,-./0-9:@A-Z]^_a-z` alone; `=` comes unquoted only
        // in an assignment's `NAME=`, which it prints raw. Bytes >= 0x80 are quoted.
        Quoting::Ash => b.is_ascii_alphanumeric() || b"+,-./:@]^_=".contains(&b),
        // bash quotes a word holding any of `sh_contains_shell_metas()`' bytes, and one with unprintable
        // bytes as `$'…'`; bytes >= 0x80 stay raw where the locale prints them (UTF-8).
        Quoting::Bash => b >= 0x80 || (b.is_ascii_graphic() && !b"\"|&;()<>!{}*[?]^`'\\$".contains(&b)),
    }
}

/// The length of `NAME=`, `NAME+=`, `NAME[sub]=` or `NAME[sub]+=` at the start of `s`, if any.
pub(super) fn assignment_prefix(s: &[u8]) -> Option<usize> {
    let name = s.iter().take_while(|&&b| b.is_ascii_alphanumeric() || b == b'_').count();
    if name == 0 || s[0].is_ascii_digit() {
        return None;
    }
    let mut i = name;
    if s.get(i) == Some(&b'[') {
        let mut depth = 0usize;
        loop {
            match s.get(i)? {
                b'[' => depth += 1,
                b']' => depth -= 1,
                b'\n' => return None,
                _ => {}
            }
            i += 1;
            if depth == 0 {
                break;
            }
        }
    }
    if s.get(i) == Some(&b'+') {
        i += 1;
    }
    (s.get(i) == Some(&b'=')).then_some(i + 1)
}

/// Decodes the `$'…'` starting at `s[at]`, onto `word`; returns the index after its closing quote.
/// Takes the escapes bash's `ansic_quote()` writes (`\E \a \b \f \n \r \t \v \\ \'`, three-digit octal)
/// and the other common ones of `$'…'`; anything else is not a bash trace.
fn ansi_c(s: &[u8], at: usize, word: &mut Vec<u8>) -> Result<usize, ParseError> {
    let mut i = at + 2;
    loop {
        let b = *s.get(i).ok_or(unterminated(at))?;
        match b {
            b'\'' => return Ok(i + 1),
            // `ansic_quote()` writes a newline as `\n`: a raw one means the quote was never closed.
            b'\n' => return Err(unterminated(at)),
            b'\\' => {
                let bad = ParseError { reason: Reason::BadEscape, at: i };
                let e = *s.get(i + 1).ok_or(unterminated(at))?;
                let (byte, len) = match e {
                    b'a' => (0x07, 2),
                    b'b' => (0x08, 2),
                    b'e' | b'E' => (0x1b, 2),
                    b'f' => (0x0c, 2),
                    b'n' => (b'\n', 2),
                    b'r' => (b'\r', 2),
                    b't' => (b'\t', 2),
                    b'v' => (0x0b, 2),
                    b'\\' | b'\'' | b'"' | b'?' => (e, 2),
                    b'0'..=b'7' => {
                        let digits = s[i + 1..].iter().take(3).take_while(|d| (b'0'..=b'7').contains(d)).count();
                        let value = s[i + 1..i + 1 + digits].iter().fold(0u32, |v, d| v * 8 + u32::from(d - b'0'));
                        (u8::try_from(value).map_err(|_| bad)?, 1 + digits)
                    }
                    b'x' => {
                        let digits = s[i + 2..].iter().take(2).take_while(|d| d.is_ascii_hexdigit()).count();
                        let hex = std::str::from_utf8(&s[i + 2..i + 2 + digits]).unwrap_or_default();
                        (u8::from_str_radix(hex, 16).map_err(|_| bad)?, 2 + digits)
                    }
                    _ => return Err(bad),
                };
                word.push(byte);
                i += len;
            }
            // `ansic_quote()` escapes every unprintable byte.
            _ if b < 0x20 || b == 0x7f => return Err(unexpected(s, i)),
            _ => {
                word.push(b);
                i += 1;
            }
        }
    }
}

fn find(s: &[u8], from: usize, b: u8) -> Option<usize> {
    s.get(from..)?.iter().position(|&c| c == b).map(|k| from + k)
}

fn unterminated(at: usize) -> ParseError {
    ParseError { reason: Reason::UnterminatedQuote, at }
}

fn unexpected(s: &[u8], at: usize) -> ParseError {
    ParseError { reason: Reason::Unexpected(s[at]), at }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &[u8], q: Quoting) -> Vec<Vec<u8>> {
        scan(s, q).unwrap().words
    }

    #[test]
    fn ash_quoting() {
        let w = words(b"echo 'it'\"'\"'s' ''\"'\" 'a'\"''\"'b'", Quoting::Ash);
        assert_eq!(w, [&b"echo"[..], b"it's", b"'", b"a''b"]);
        // Empty words are the nothing between single spaces.
        assert_eq!(words(b"echo x  ", Quoting::Ash), [&b"echo"[..], b"x", b"", b""]);
        assert_eq!(words(b" x", Quoting::Ash), [&b""[..], b"x"]);
        assert_eq!(words(b"", Quoting::Ash), Vec::<Vec<u8>>::new());
        assert_eq!(scan(b"echo *", Quoting::Ash).unwrap_err(), ParseError { reason: Reason::Unexpected(b'*'), at: 5 });
        assert_eq!(scan(b"echo \"$x\"", Quoting::Ash).unwrap_err().reason, Reason::Unexpected(b'$'));
    }

    #[test]
    fn bash_quoting() {
        let w = words(b"echo 'it'\\''s' \\' 'a'\\'''\\''b' ''", Quoting::Bash);
        assert_eq!(w, [&b"echo"[..], b"it's", b"'", b"a''b", b""]);
        let w = words(b"echo $'\\001\\002\\E\\a\\b\\f\\v\\177' $'\\377' $'\\x41\\e\\'\\\\'", Quoting::Bash);
        assert_eq!(w, [&b"echo"[..], b"\x01\x02\x1b\x07\x08\x0c\x0b\x7f", b"\xff", b"A\x1b'\\"]);
        assert_eq!(words(b"m[\"a b\"]+='x y'", Quoting::Bash), [b"m[\"a b\"]+=x y"]);
        assert_eq!(
            scan(b"echo  x", Quoting::Bash).unwrap_err(),
            ParseError { reason: Reason::Unexpected(b' '), at: 4 }
        );
        assert_eq!(scan(b"echo x ", Quoting::Bash).unwrap_err().reason, Reason::Unexpected(b' '));
        assert_eq!(scan(b"x $'\\q'", Quoting::Bash).unwrap_err(), ParseError { reason: Reason::BadEscape, at: 4 });
        assert_eq!(scan(b"x $'\\777'", Quoting::Bash).unwrap_err().reason, Reason::BadEscape);
        assert_eq!(
            scan(b"x $'a\nb'", Quoting::Bash).unwrap_err(),
            ParseError { reason: Reason::UnterminatedQuote, at: 2 }
        );
        assert_eq!(scan(b"x $'\\", Quoting::Bash).unwrap_err().reason, Reason::UnterminatedQuote);
        assert_eq!(scan(b"x \\n", Quoting::Bash).unwrap_err().reason, Reason::Unexpected(b'\\'));
    }

    #[test]
    fn newlines_inside_quotes_belong_to_the_word() {
        let s = scan(b"echo 'l1\nl2' x\n+ next", Quoting::Bash).unwrap();
        assert_eq!(s.words, [&b"echo"[..], b"l1\nl2", b"x"]);
        assert_eq!((s.len, s.eol), (14, true));
        let s = scan(b"echo 'a", Quoting::Ash).unwrap_err();
        assert_eq!(s, ParseError { reason: Reason::UnterminatedQuote, at: 5 });
    }

    #[test]
    fn assignment_prefixes() {
        assert_eq!(assignment_prefix(b"A=1"), Some(2));
        assert_eq!(assignment_prefix(b"x[a[1]]+=2"), Some(9));
        assert_eq!(assignment_prefix(b"1A=1"), None);
        assert_eq!(assignment_prefix(b"x[1"), None);
        assert_eq!(assignment_prefix(b"echo a=b"), None);
    }
}
