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
                // The run of bare bytes at once: most of a line is bare.
                let run = s[i..].iter().take_while(|&&c| plain(c, q)).count();
                word.extend_from_slice(&s[i..i + run]);
                i + run
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
        Quoting::Ash => ASH_BARE[usize::from(b)] || b == b'=',
        // bash quotes a word holding any of `sh_contains_shell_metas()`' bytes, and one with unprintable
        // bytes as `$'…'`; bytes >= 0x80 stay raw where the locale prints them (UTF-8).
        Quoting::Bash => b >= 0x80 || (b.is_ascii_graphic() && !BASH_METAS[usize::from(b)]),
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

/// How `q`'s shell writes one word of a trace line: the inverse of [`scan`]. `value_of` marks an
/// assignment's value (the bytes after `NAME=`), which both shells quote by other rules than an
/// argument; `utf8` says whether bash's locale prints bytes of valid UTF-8 (bash quotes them as
/// `$'\ooo'` in the C locale).
pub(super) fn quote(word: &[u8], q: Quoting, value_of: bool, utf8: bool) -> std::borrow::Cow<'_, [u8]> {
    let mut out = Vec::new();
    match quote_into(&mut out, word, q, value_of, utf8) {
        true => std::borrow::Cow::Owned(out),
        false => std::borrow::Cow::Borrowed(word),
    }
}

/// [`quote`], written at the end of `out` where the word needs quoting (true); a word that does
/// not is left for the caller, `out` untouched (false). A trace line is built without a buffer
/// per quoted word.
pub(super) fn quote_into(out: &mut Vec<u8>, word: &[u8], q: Quoting, value_of: bool, utf8: bool) -> bool {
    match q {
        Quoting::Ash => {
            // busybox's xtrace: an argument that reads as a reserved word is always quoted, and an
            // empty word is written as nothing at all.
            let keyword = !value_of && word.len() <= 8 && ASH_KEYWORDS.contains(&word);
            let quoted = keyword || word.iter().any(|&b| !ASH_BARE[usize::from(b)]);
            if quoted {
                ash_single_quote(out, word);
            }
            quoted
        }
        Quoting::Bash => {
            // Most words hold only bytes bash never quotes for: one pass over a table tells.
            if !word.is_empty() && word.iter().all(|&b| BASH_BARE[usize::from(b)]) {
                return false;
            }
            let metas = contains_metas(word);
            let unprintable = !metas && word_unprintable(word, utf8);
            // `'…'` for a word holding a metacharacter (newlines stay raw in it), `$'…'` for one
            // with bytes it cannot print; an empty argument is `''`, an empty value nothing.
            match (word.is_empty(), metas, unprintable) {
                (true, ..) if value_of => return false,
                (true, ..) => out.extend_from_slice(b"''"),
                (false, true, _) => bash_single_quote(out, word),
                (false, false, true) => ansic_quote(out, word, utf8),
                _ => return false,
            }
            true
        }
    }
}

/// The words busybox ash reads as reserved (its `findkwd()` table).
const ASH_KEYWORDS: &[&[u8]] = &[
    b"!",
    b"case",
    b"do",
    b"done",
    b"elif",
    b"else",
    b"esac",
    b"fi",
    b"for",
    b"function",
    b"if",
    b"in",
    b"then",
    b"until",
    b"while",
    b"{",
    b"}",
    b"[[",
    b"]]",
];

/// busybox's `single_quote()`: runs of `'` in double quotes, the rest in single quotes, an empty
/// single-quoted run written even before a leading `'` (`''"'"`).
fn ash_single_quote(out: &mut Vec<u8>, word: &[u8]) {
    let mut rest = word;
    loop {
        let len = rest.iter().position(|&b| b == b'\'').unwrap_or(rest.len());
        out.push(b'\'');
        out.extend_from_slice(&rest[..len]);
        out.push(b'\'');
        rest = &rest[len..];
        let quotes = rest.iter().take_while(|&&b| b == b'\'').count();
        if quotes == 0 {
            return;
        }
        out.push(b'"');
        out.extend_from_slice(&rest[..quotes]);
        out.push(b'"');
        rest = &rest[quotes..];
        if rest.is_empty() {
            return;
        }
    }
}

/// The bytes busybox writes bare in an argument (`maybe_single_quote()`): `+,-./0-9:@A-Z]^_a-z`.
const ASH_BARE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        t[b] = c.is_ascii_alphanumeric()
            || matches!(c, b'+' | b',' | b'-' | b'.' | b'/' | b':' | b'@' | b']' | b'^' | b'_');
        b += 1;
    }
    t
};

/// The bytes that always make bash quote a word (`sh_contains_shell_metas()`; `~` and `#` depend on
/// where they stand).
const BASH_METAS: [bool; 256] = {
    let mut t = [false; 256];
    let metas = b" \t\n'\"\\|&;()<>!{}*[?]^$`";
    let mut i = 0;
    while i < metas.len() {
        t[metas[i] as usize] = true;
        i += 1;
    }
    t
};

/// The bytes that leave a bash word bare wherever they stand: printable ASCII but the metas, `~`
/// and `#`.
const BASH_BARE: [bool; 256] = {
    let mut t = [false; 256];
    let mut b = 0x21;
    while b < 0x7f {
        t[b] = !BASH_METAS[b] && b != b'~' as usize && b != b'#' as usize;
        b += 1;
    }
    t
};

/// bash's `sh_contains_shell_metas()`.
fn contains_metas(word: &[u8]) -> bool {
    word.iter().enumerate().any(|(i, &b)| match b {
        b'~' => i == 0 || matches!(word[i - 1], b'=' | b':'),
        b'#' => i == 0,
        _ => BASH_METAS[usize::from(b)],
    })
}

/// Whether bash's `ansic_shouldquote()` finds a byte it cannot print.
fn word_unprintable(word: &[u8], utf8: bool) -> bool {
    if word.iter().all(|&b| (0x20..0x7f).contains(&b)) {
        return false;
    }
    let printable_high = utf8 && std::str::from_utf8(word).is_ok();
    word.iter().any(|&b| if b >= 0x80 { !printable_high } else { !(0x20..0x7f).contains(&b) })
}

/// bash's `sh_single_quote()`: `'…'`, a single quote as `'\''`, a lone one as `\'`.
fn bash_single_quote(out: &mut Vec<u8>, word: &[u8]) {
    if word == b"'" {
        return out.extend_from_slice(b"\\'");
    }
    out.push(b'\'');
    for &b in word {
        if b == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(b);
        }
    }
    out.push(b'\'');
}

/// bash's `ansic_quote()`: `$'…'` with C escapes, other unprintable bytes in three octal digits.
fn ansic_quote(out: &mut Vec<u8>, word: &[u8], utf8: bool) {
    let printable_high = utf8 && std::str::from_utf8(word).is_ok();
    out.extend_from_slice(b"$'");
    for &b in word {
        let escaped = match b {
            0x1b => b'E',
            0x07 => b'a',
            0x0b => b'v',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            b'\\' | b'\'' => b,
            _ if (0x20..0x7f).contains(&b) || (b >= 0x80 && printable_high) => {
                out.push(b);
                continue;
            }
            _ => {
                out.extend_from_slice(format!("\\{:03o}", b).as_bytes());
                continue;
            }
        };
        out.push(b'\\');
        out.push(escaped);
    }
    out.push(b'\'');
}

/// One physical line of a bash trace line (bash writes each at once, cut at the newlines inside
/// its words) with its quoting taken off, `quoted` telling whether it starts inside a `'…'` the
/// line before opened: the unquoted bytes, and whether it ends inside one. `None` when it does not
/// read as bash's quoting.
pub(super) fn unquote_bash_physical(s: &[u8], mut quoted: bool) -> Option<(Vec<u8>, bool)> {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        let b = s[i];
        if quoted {
            if b == b'\'' {
                quoted = false;
            } else {
                out.push(b);
            }
            i += 1;
            continue;
        }
        i = match b {
            b'\'' => {
                quoted = true;
                i + 1
            }
            b'\\' if s.get(i + 1) == Some(&b'\'') => {
                out.push(b'\'');
                i + 2
            }
            b'$' if s.get(i + 1) == Some(&b'\'') => ansi_c(s, i, &mut out).ok()?,
            _ => {
                out.push(b);
                i + 1
            }
        };
    }
    Some((out, quoted))
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

    /// Each word as busybox 1.35 and bash 5.2 (as `sh`) wrote it in `set -x` lines (`: "$X"`),
    /// measured; and read back to itself.
    #[test]
    fn words_are_quoted_as_each_shell_quotes_them() {
        let rows: &[(&[u8], &[u8], &[u8])] = &[
            (b"", b"", b"''"),
            (b"a b", b"'a b'", b"'a b'"),
            (b"a\tb", b"'a\tb'", b"'a\tb'"),
            (b"a\nb", b"'a\nb'", b"'a\nb'"),
            (b"a'b", b"'a'\"'\"'b'", b"'a'\\''b'"),
            (b"'", b"''\"'\"", b"\\'"),
            (b"a\"b", b"'a\"b'", b"'a\"b'"),
            (b"a\\b", b"'a\\b'", b"'a\\b'"),
            (b"a$b", b"'a$b'", b"'a$b'"),
            (b"a*b", b"'a*b'", b"'a*b'"),
            (b"a]b", b"a]b", b"'a]b'"),
            (b"a=b", b"'a=b'", b"a=b"),
            (b"a#b", b"'a#b'", b"a#b"),
            (b"#a", b"'#a'", b"'#a'"),
            (b"~a", b"'~a'", b"'~a'"),
            (b"a~", b"'a~'", b"a~"),
            (b"a%b", b"'a%b'", b"a%b"),
            (b"a,b", b"a,b", b"a,b"),
            (b"{", b"'{'", b"'{'"),
            (b"!", b"'!'", b"'!'"),
            (b"a\x01b", b"'a\x01b'", b"$'a\\001b'"),
            (b"a\x7fb", b"'a\x7fb'", b"$'a\\177b'"),
            (b"in", b"'in'", b"in"),
            (b"[", b"'['", b"'['"),
            (b"]", b"]", b"']'"),
        ];
        for &(word, ash, bash) in rows {
            let shown = String::from_utf8_lossy(word);
            assert_eq!(*quote(word, Quoting::Ash, false, true), *ash, "ash {shown:?}");
            assert_eq!(*quote(word, Quoting::Bash, false, true), *bash, "bash {shown:?}");
            for q in [Quoting::Ash, Quoting::Bash] {
                let line = [b"echo ".as_slice(), &*quote(word, q, false, true)].concat();
                assert_eq!(scan(&line, q).unwrap().words, [b"echo".as_slice(), word], "{q:?} {shown:?}");
            }
        }
        // A value: ash never quotes a reserved word there, bash writes an empty one as nothing.
        assert_eq!(*quote(b"in", Quoting::Ash, true, true), *b"in");
        assert!(quote(b"", Quoting::Bash, true, true).is_empty());
        // bash in the C locale quotes bytes of UTF-8 too (measured with `LC_ALL=C`).
        assert_eq!(*quote("é".as_bytes(), Quoting::Bash, false, false), *b"$'\\303\\251'");
        assert_eq!(*quote("é".as_bytes(), Quoting::Bash, false, true), *"é".as_bytes());
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
