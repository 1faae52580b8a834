//! Word expansion after a parameter is substituted: field splitting and pathname expansion.

use super::Word;
use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// dash's IFS; it never takes IFS from the environment.
const IFS: &[u8] = b" \t\n";

/// A valid shell variable name.
pub fn is_name(name: &[u8]) -> bool {
    match name.split_first() {
        Some((first, rest)) => {
            (first.is_ascii_alphabetic() || *first == b'_')
                && rest.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
        }
        None => false,
    }
}

/// A decimal number as dash reads one for `shift`, `[ -eq ]` and arithmetic on a variable.
pub fn parse_number(word: &[u8]) -> Option<i64> {
    let (neg, digits) = match word.split_first() {
        Some((b'-', rest)) => (true, rest),
        _ => (false, word),
    };
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let n: i64 = std::str::from_utf8(digits).ok()?.parse().ok()?;
    Some(if neg { -n } else { n })
}

/// Splits an unquoted expansion on IFS whitespace (empty fields are dropped), then expands each
/// field that holds a pattern against the file system, where `/` also holds `root_extras`; a
/// pattern that matches nothing stays as is.
pub fn split_and_glob(value: &[u8], cwd: &Path, root_extras: &[Word]) -> Vec<Word> {
    let mut fields = Vec::new();
    for field in value.split(|c| IFS.contains(c)).filter(|f| !f.is_empty()) {
        if has_pattern(field) {
            let mut matches = glob(field, cwd, root_extras);
            if !matches.is_empty() {
                matches.sort();
                fields.extend(matches);
                continue;
            }
        }
        fields.push(field.to_vec());
    }
    fields
}

/// A line split for `read` into at most `n` fields: IFS whitespace separates, leading and trailing
/// whitespace goes, and the last field keeps the rest of the line.
pub fn split_read(line: &[u8], n: usize) -> Vec<Word> {
    let mut fields = Vec::new();
    let mut rest = line;
    while fields.len() + 1 < n {
        let start = rest.iter().position(|c| !IFS.contains(c)).unwrap_or(rest.len());
        rest = &rest[start..];
        if rest.is_empty() {
            break;
        }
        let end = rest.iter().position(|c| IFS.contains(c)).unwrap_or(rest.len());
        fields.push(rest[..end].to_vec());
        rest = &rest[end..];
    }
    let start = rest.iter().position(|c| !IFS.contains(c)).unwrap_or(rest.len());
    let end = rest.iter().rposition(|c| !IFS.contains(c)).map_or(start, |e| e + 1);
    if start < end || fields.len() + 1 == n {
        fields.push(rest[start..end.max(start)].to_vec());
    }
    fields
}

fn has_pattern(s: &[u8]) -> bool {
    let mut i = 0;
    while i < s.len() {
        match s[i] {
            b'\\' => i += 1,
            b'*' | b'?' => return true,
            b'[' if bracket_end(s, i).is_some() => return true,
            _ => {}
        }
        i += 1;
    }
    false
}

/// Index of the `]` closing the bracket expression that opens at `s[open]`.
fn bracket_end(s: &[u8], open: usize) -> Option<usize> {
    let mut i = open + 1;
    if s.get(i) == Some(&b'!') {
        i += 1;
    }
    // A `]` right after the opening (or `!`) is a member, not the end.
    if s.get(i) == Some(&b']') {
        i += 1;
    }
    while i < s.len() {
        match s[i] {
            b']' => return Some(i),
            b'/' => return None,
            _ => i += 1,
        }
    }
    None
}

/// Pathname expansion of one field, component by component, as dash's `expmeta` does.
fn glob(pattern: &[u8], cwd: &Path, root_extras: &[Word]) -> Vec<Word> {
    let (prefix, rest) =
        if pattern.first() == Some(&b'/') { (b"/".to_vec(), &pattern[1..]) } else { (Vec::new(), pattern) };
    let components: Vec<&[u8]> = rest.split(|&c| c == b'/').collect();
    let mut out = Vec::new();
    expand_components(cwd, root_extras, prefix, &components, &mut out);
    out
}

/// Matches `components` below `prefix`; relative paths are looked up from `cwd` but kept relative.
fn expand_components(cwd: &Path, root_extras: &[Word], prefix: Word, components: &[&[u8]], out: &mut Vec<Word>) {
    let Some((&first, rest)) = components.split_first() else {
        out.push(prefix);
        return;
    };
    let path_of = |p: &[u8]| cwd.join(OsStr::from_bytes(p));
    if first.is_empty() {
        // A trailing slash: only directories match.
        if rest.is_empty() && path_of(&prefix).is_dir() {
            out.push(prefix);
        }
        return;
    }
    if !has_pattern(first) {
        let mut next = prefix;
        next.extend_from_slice(&unescape(first));
        if rest.is_empty() {
            if path_of(&next).symlink_metadata().is_ok() {
                out.push(next);
            }
        } else {
            next.push(b'/');
            expand_components(cwd, root_extras, next, rest, out);
        }
        return;
    }
    let dir = if prefix.is_empty() { b".".to_vec() } else { prefix.clone() };
    let Ok(entries) = std::fs::read_dir(path_of(&dir)) else {
        return;
    };
    let mut names: Vec<Word> = vec![b".".to_vec(), b"..".to_vec()];
    names.extend(entries.filter_map(Result::ok).map(|e| e.file_name().as_bytes().to_vec()));
    if path_of(&dir) == Path::new("/") {
        names.extend(root_extras.iter().filter(|n| !names.contains(n)).cloned().collect::<Vec<_>>());
    }
    for name in names {
        if name.first() == Some(&b'.') && first.first() != Some(&b'.') {
            continue;
        }
        if matches(first, &name) {
            let mut next = prefix.clone();
            next.extend_from_slice(&name);
            if rest.is_empty() {
                out.push(next);
            } else {
                next.push(b'/');
                expand_components(cwd, root_extras, next, rest, out);
            }
        }
    }
}

fn unescape(s: &[u8]) -> Word {
    let mut out = Vec::with_capacity(s.len());
    let mut i = 0;
    while i < s.len() {
        if s[i] == b'\\' && i + 1 < s.len() {
            i += 1;
        }
        out.push(s[i]);
        i += 1;
    }
    out
}

/// A quoted part of a pattern (`"true $2:"*`): its characters match only themselves.
pub fn literal_pattern(value: &[u8]) -> Word {
    let mut out = Vec::with_capacity(value.len());
    for &c in value {
        if matches!(c, b'*' | b'?' | b'[' | b']' | b'\\') {
            out.push(b'\\');
        }
        out.push(c);
    }
    out
}

/// Whether `name` matches the pattern `p` (`*`, `?`, `[...]`, `[!...]`, backslash escapes).
pub fn matches(p: &[u8], name: &[u8]) -> bool {
    let (mut pi, mut ni) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ni < name.len() {
        let step = if pi < p.len() {
            match p[pi] {
                b'*' => {
                    star = Some((pi + 1, ni));
                    pi += 1;
                    continue;
                }
                b'?' => Some(pi + 1),
                b'[' => match bracket_end(p, pi) {
                    Some(end) if class_matches(&p[pi + 1..end], name[ni]) => Some(end + 1),
                    Some(_) => None,
                    None if name[ni] == b'[' => Some(pi + 1),
                    None => None,
                },
                b'\\' if pi + 1 < p.len() => (p[pi + 1] == name[ni]).then_some(pi + 2),
                c => (c == name[ni]).then_some(pi + 1),
            }
        } else {
            None
        };
        match step {
            Some(next) => {
                pi = next;
                ni += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    pi = sp;
                    ni = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    p[pi..].iter().all(|&c| c == b'*')
}

fn class_matches(class: &[u8], c: u8) -> bool {
    let (negate, class) = match class.split_first() {
        Some((b'!', rest)) => (true, rest),
        _ => (false, class),
    };
    let mut found = false;
    let mut i = 0;
    while i < class.len() {
        let lo = class[i];
        if i + 2 < class.len() && class[i + 1] == b'-' {
            if (lo..=class[i + 2]).contains(&c) {
                found = true;
            }
            i += 3;
        } else {
            if lo == c {
                found = true;
            }
            i += 1;
        }
    }
    found != negate
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splitting_drops_empty_fields() {
        assert_eq!(
            split_and_glob(b"  --dns 1.2.3.4\t--dns-search=.\n", Path::new("."), &[]),
            vec![b"--dns".to_vec(), b"1.2.3.4".to_vec(), b"--dns-search=.".to_vec()]
        );
        assert!(split_and_glob(b"", Path::new("."), &[]).is_empty());
    }

    #[test]
    fn patterns_match_like_dash() {
        assert!(matches(b"*.sh", b"s.sh"));
        assert!(matches(b"s\\.s*", b"s.sh"));
        assert!(matches(b"t[23].sh", b"t2.sh"));
        assert!(!matches(b"t[!23].sh", b"t2.sh"));
        assert!(matches(b"[]a]*", b"]x"));
        assert!(!matches(b"[^a]*", b"b"));
        assert!(matches(b"a*b*c", b"axxbyyc"));
    }

    #[test]
    fn unmatched_patterns_stay_literal() {
        let dir = tempfile::tempdir().unwrap();
        let pattern = format!("{}/*\\*", dir.path().display());
        assert_eq!(split_and_glob(pattern.as_bytes(), Path::new("."), &[]), vec![pattern.into_bytes()]);
        std::fs::write(dir.path().join("b"), "").unwrap();
        std::fs::write(dir.path().join("a"), "").unwrap();
        let got = split_and_glob(format!("{}/?", dir.path().display()).as_bytes(), Path::new("."), &[]);
        assert_eq!(split_and_glob(b"?", dir.path(), &[]), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(
            got,
            vec![
                format!("{}/a", dir.path().display()).into_bytes(),
                format!("{}/b", dir.path().display()).into_bytes()
            ]
        );
    }
}
