//! Shell texts and a syntax check shared by the unit tests of `source` and by tests/source.rs (which
//! includes this file), so that both read the same samples.

use std::io::Write;
use std::process::Command;

/// Our own sample of the shapes the lexer must read: continuations, multi-line quotes and
/// substitutions, here-documents, case patterns, nested functions, `#` in words.
pub const SAMPLE: &str = r#"#!/bin/sh
# a comment with 'quotes" and $(
set -e
greet() {
    echo "hello # not a comment" 'it''s' a#b # a comment
    inner() {
        printf '%s\n' "$1" >&2
    }
    inner "$@"
}
count=$(echo first
    echo second)
total=$(( 1 +
    2 ))
if [ "$count" = "" ] && [ $total -eq 3 ]; then
    greet world >/dev/null 2>&1
elif ! test -z "$count"; then
    echo no
fi
case "$1" in
    a|b) echo ab ;;
    (c)
        echo c
        ;;
    *) : ;;
esac
while read -r line; do
    echo "$line" |
        tr a-z A-Z
done <<EOF
body line
$(echo not a command)
EOF
cat <<-'END' | sed -e 's/x/y/' || true
	tabbed $body
	END
for word in one \
    two; do
    echo "$word"
done
long="first
second"
: "${long}"
exit 0
"#;

/// `for` and `case` heads whose words run commands, which the shell traces at the head's lines.
pub const HEADS: &str =
    "for x in $(ls\n  -a); do\n  echo $x\ndone\ncase `id -u` in\n  0) : ;;\nesac\nfor y in a b; do :; done\n";

/// `shell -n` accepts `text`; otherwise, what the shell says.
pub fn parses_under(shell: &str, text: &str) -> Result<(), String> {
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(text.as_bytes()).unwrap();
    let out = Command::new(shell).arg("-n").arg(file.path()).output().unwrap();
    out.status.success().then_some(()).ok_or_else(|| String::from_utf8_lossy(&out.stderr).into_owned())
}
