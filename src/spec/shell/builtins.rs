//! dash's `echo` and `[` builtins.

use super::{Fs, Word};
use crate::fs::FileKind;

/// What dash's `echo` writes for these arguments: `-n` only as the first argument, backslash escapes
/// always (`\a \b \c \e \f \n \r \t \v \\`, octal `\0ooo` and `\ooo`), and `\c` ends all output.
pub fn echo_output(args: &[Word]) -> Vec<u8> {
    let (args, newline) = match args.first() {
        Some(first) if first.as_slice() == b"-n" => (&args[1..], false),
        _ => (args, true),
    };
    let mut out = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if !unescape_into(arg, &mut out) {
            return out;
        }
    }
    if newline {
        out.push(b'\n');
    }
    out
}

/// Appends `s` with its escapes converted; false when `\c` stopped all output.
fn unescape_into(s: &[u8], out: &mut Vec<u8>) -> bool {
    let mut i = 0;
    while i < s.len() {
        let c = s[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = s.get(i) else {
            out.push(b'\\');
            break;
        };
        let value = match e {
            b'c' => return false,
            b'\\' => b'\\',
            b'a' => 7,
            b'b' => 8,
            b'e' => 27,
            b'f' => 12,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 11,
            b'0'..=b'7' => {
                // `\0` may lead up to three more octal digits; other digits start the number.
                if e == b'0' {
                    i += 1;
                }
                let mut v: u32 = 0;
                let mut n = 0;
                while n < 3 && i < s.len() && (b'0'..=b'7').contains(&s[i]) {
                    v = v * 8 + u32::from(s[i] - b'0');
                    i += 1;
                    n += 1;
                }
                out.push(v as u8);
                continue;
            }
            _ => {
                // Not an escape: the backslash stays, the character is read normally.
                out.push(b'\\');
                continue;
            }
        };
        i += 1;
        out.push(value);
    }
    true
}

/// Evaluates `[ ARGS ]` as dash does: POSIX's rules by argument count up to four, then a
/// precedence parser (`!`, `-a` above `-o`, parentheses). An error carries dash's message.
/// File tests look in `fs`.
pub fn test(args: &[&[u8]], fs: &dyn Fs) -> Result<bool, TestError> {
    match args.len() {
        0 => Ok(false),
        1 => Ok(!args[0].is_empty()),
        2 if args[0] == b"!" => Ok(args[1].is_empty()),
        2 if is_unary(args[0]) => unary(args[0], args[1], fs),
        3 if is_binary(args[1]) => binary(args[0], args[1], args[2]),
        3 if args[0] == b"!" => test(&args[1..], fs).map(|b| !b),
        3 if args[0] == b"(" && args[2] == b")" => Ok(!args[1].is_empty()),
        4 if args[0] == b"!" => test(&args[1..], fs).map(|b| !b),
        4 if args[0] == b"(" && args[3] == b")" => test(&args[1..3], fs),
        _ => {
            let mut p = Parser { args, pos: 0, fs };
            let v = p.or()?;
            match p.args.get(p.pos) {
                None => Ok(v),
                Some(extra) => Err(unexpected(extra)),
            }
        }
    }
}

struct Parser<'a, 'b> {
    args: &'a [&'b [u8]],
    pos: usize,
    fs: &'a dyn Fs,
}

impl<'b> Parser<'_, 'b> {
    fn peek(&self) -> Option<&'b [u8]> {
        self.args.get(self.pos).copied()
    }

    fn or(&mut self) -> Result<bool, TestError> {
        let left = self.and()?;
        if self.peek() == Some(b"-o") {
            self.pos += 1;
            let right = self.or()?;
            return Ok(left || right);
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<bool, TestError> {
        let left = self.not()?;
        if self.peek() == Some(b"-a") {
            self.pos += 1;
            let right = self.and()?;
            return Ok(left && right);
        }
        Ok(left)
    }

    fn not(&mut self) -> Result<bool, TestError> {
        if self.peek() == Some(b"!") {
            self.pos += 1;
            return self.not().map(|b| !b);
        }
        self.primary()
    }

    fn primary(&mut self) -> Result<bool, TestError> {
        let Some(first) = self.peek() else {
            return Err(TestError::ArgumentExpected);
        };
        if first == b"(" {
            self.pos += 1;
            let v = self.or()?;
            if self.peek() != Some(b")") {
                return Err(TestError::ClosingParen);
            }
            self.pos += 1;
            return Ok(v);
        }
        if let (Some(op), Some(right)) = (self.args.get(self.pos + 1), self.args.get(self.pos + 2)) {
            if is_binary(op) {
                self.pos += 3;
                return binary(first, op, right);
            }
        }
        if is_unary(first) {
            let Some(operand) = self.args.get(self.pos + 1) else {
                return Err(TestError::ArgumentExpected);
            };
            self.pos += 2;
            return unary(first, operand, self.fs);
        }
        self.pos += 1;
        Ok(!first.is_empty())
    }
}

fn unexpected(word: &[u8]) -> TestError {
    TestError::Unexpected(word.to_vec())
}

/// What `[` found wrong, worded by the dialect (`super::dialect::test_message`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum TestError {
    /// An operand of `-eq`, `-gt`, … that is not a number.
    IllegalNumber(Vec<u8>),
    ArgumentExpected,
    ClosingParen,
    Unexpected(Vec<u8>),
}

impl TestError {
    /// dash's words, which the other shells keep where they are not told apart
    /// ([`super::dialect`] words the rest).
    pub fn dash(&self) -> Vec<u8> {
        match self {
            TestError::IllegalNumber(w) => [b"Illegal number: ".as_slice(), w].concat(),
            TestError::ArgumentExpected => b"argument expected".to_vec(),
            TestError::ClosingParen => b"closing paren expected".to_vec(),
            TestError::Unexpected(w) => [w.as_slice(), b": unexpected operator"].concat(),
        }
    }
}

fn is_unary(op: &[u8]) -> bool {
    matches!(op, b"-z" | b"-n") || is_file_test(op)
}

/// Whether `op` is one of `[`'s tests of a file (which look at the filesystem).
pub fn is_file_test(op: &[u8]) -> bool {
    matches!(op, b"-e" | b"-f" | b"-d" | b"-L" | b"-h" | b"-s" | b"-r" | b"-w" | b"-x")
}

fn is_binary(op: &[u8]) -> bool {
    matches!(op, b"=" | b"!=" | b"-eq" | b"-ne" | b"-gt" | b"-ge" | b"-lt" | b"-le")
}

fn unary(op: &[u8], arg: &[u8], fs: &dyn Fs) -> Result<bool, TestError> {
    // Links are followed except by -h/-L; the sandbox's files are world files, so only their kind
    // and size matter (everything there is readable and writable by the shell).
    let followed = || match fs.kind(arg) {
        Some(FileKind::Symlink) => fs.read_link(arg).and_then(|t| if t.starts_with(b"/") { fs.kind(&t) } else { None }),
        other => other,
    };
    Ok(match op {
        b"-z" => arg.is_empty(),
        b"-n" => !arg.is_empty(),
        b"-L" | b"-h" => fs.kind(arg) == Some(FileKind::Symlink),
        b"-e" | b"-r" | b"-w" => followed().is_some(),
        b"-f" => followed() == Some(FileKind::File),
        b"-d" => fs.is_dir(arg),
        b"-s" => fs.read(arg).is_ok_and(|d| !d.is_empty()),
        b"-x" => followed().is_some(),
        _ => unreachable!("checked by is_unary"),
    })
}

fn binary(left: &[u8], op: &[u8], right: &[u8]) -> Result<bool, TestError> {
    if op == b"=" {
        return Ok(left == right);
    }
    if op == b"!=" {
        return Ok(left != right);
    }
    let a = number(left)?;
    let b = number(right)?;
    Ok(match op {
        b"-eq" => a == b,
        b"-ne" => a != b,
        b"-gt" => a > b,
        b"-ge" => a >= b,
        b"-lt" => a < b,
        _ => a <= b,
    })
}

/// An operand of `-eq` and the like, read as all three shells read it (`strtoimax`): blanks around
/// it and a sign are allowed, nothing else, and it must fit in 64 bits.
fn number(word: &[u8]) -> Result<i64, TestError> {
    let blank = |b: &u8| b" \t\n\x0b\x0c\r".contains(b);
    let start = word.iter().position(|b| !blank(b)).unwrap_or(word.len());
    let end = word.iter().rposition(|b| !blank(b)).map_or(start, |i| i + 1);
    let trimmed = &word[start..end];
    let digits = trimmed.strip_prefix(b"+").unwrap_or(trimmed);
    std::str::from_utf8(digits)
        .ok()
        .filter(|d| !d.starts_with('+') && !d.starts_with("-+"))
        .and_then(|d| d.parse::<i64>().ok())
        .ok_or_else(|| TestError::IllegalNumber(word.to_vec()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn echo(args: &[&str]) -> Vec<u8> {
        echo_output(&args.iter().map(|a| a.as_bytes().to_vec()).collect::<Vec<_>>())
    }

    #[test]
    fn echo_escapes_like_dash() {
        assert_eq!(echo(&["a\\eb"]), b"a\x1bb\n");
        assert_eq!(echo(&["a\\qb"]), b"a\\qb\n");
        assert_eq!(echo(&["a\\"]), b"a\\\n");
        assert_eq!(echo(&["a\\08b"]), b"a\x008b\n");
        assert_eq!(echo(&["x\\1234"]), b"xS4\n");
        assert_eq!(echo(&["a\\cb", "c"]), b"a");
        assert_eq!(echo(&["-n"]), b"");
        assert_eq!(echo(&["-e"]), b"-e\n");
        assert_eq!(echo(&["-n", "a", "b"]), b"a b");
        assert_eq!(echo(&["a", ""]), b"a \n");
    }

    #[test]
    fn test_follows_posix_argument_counts() {
        let fs = crate::fs::MemFs::default();
        let test = |args: &[&[u8]]| test(args, &fs);
        assert_eq!(test(&[]), Ok(false));
        assert_eq!(test(&[b""]), Ok(false));
        assert_eq!(test(&[b"-z", b""]), Ok(true));
        assert_eq!(test(&[b"1.6.0", b"=", b"1.3.0"]), Ok(false));
        assert_eq!(test(&[b"", b"=", b"run"]), Ok(false));
        assert_eq!(test(&[b"=", b"=", b"="]), Ok(true));
        assert_eq!(test(&[b"1", b"-eq", b"0"]), Ok(false));
        assert_eq!(test(&[b"x", b"-eq", b"0"]), Err(TestError::IllegalNumber(b"x".to_vec())));
        // Measured in dash, bash and busybox alike: blanks around a number and a plus sign are fine.
        assert_eq!(test(&[b" 1", b"-eq", b"1 "]), Ok(true));
        assert_eq!(test(&[b"+1", b"-eq", b"1"]), Ok(true));
        assert_eq!(test(&[b" ", b"-eq", b"1"]), Err(TestError::IllegalNumber(b" ".to_vec())));
        let huge = b"99999999999999999999".as_slice();
        assert_eq!(test(&[huge, b"-gt", b"1"]), Err(TestError::IllegalNumber(huge.to_vec())));
        assert_eq!(test(&[b"2", b"-eq", b"2", b"-a", b"-h", b"=", b"-h"]), Ok(true));
        assert_eq!(test(&[b"1", b"-eq", b"0", b"-o", b"a", b"=", b"a"]), Ok(true));
    }
}
