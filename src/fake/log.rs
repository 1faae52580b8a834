//! The invocation log: one JSON line per fake call, appended under a lock so that concurrent calls
//! (the elements of a pipeline, parallel cases) never lose or tear a record.

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use std::collections::BTreeMap;

/// Bytes that stay exact through JSON: a string when they are UTF-8, `{"hex": "..."}` otherwise.
#[derive(Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct Bytes(pub Vec<u8>);

impl Serialize for Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match std::str::from_utf8(&self.0) {
            Ok(text) => s.serialize_str(text),
            Err(_) => {
                let hex: String = self.0.iter().map(|b| format!("{b:02x}")).collect();
                let mut map = BTreeMap::new();
                map.insert("hex", hex);
                map.serialize(s)
            }
        }
    }
}

impl<'de> Deserialize<'de> for Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Text(String),
            Hex { hex: String },
        }
        match Repr::deserialize(d)? {
            Repr::Text(t) => Ok(Bytes(t.into_bytes())),
            Repr::Hex { hex } => {
                let digits = hex.as_bytes();
                if digits.len() % 2 != 0 {
                    return Err(serde::de::Error::custom("odd number of hex digits"));
                }
                digits
                    .chunks(2)
                    .map(|pair| {
                        std::str::from_utf8(pair)
                            .ok()
                            .and_then(|p| u8::from_str_radix(p, 16).ok())
                            .ok_or_else(|| serde::de::Error::custom("bad hex digit"))
                    })
                    .collect::<Result<Vec<u8>, _>>()
                    .map(Bytes)
            }
        }
    }
}

/// The variables the script hands to weaveexec with `-e NAME`: the log keeps their values as each
/// call saw them.
pub const PASSED_ENV: [&str; 7] = [
    "VERSION",
    "WEAVE_DOCKER_ARGS",
    "WEAVEDNS_DOCKER_ARGS",
    "WEAVE_PASSWORD",
    "WEAVE_PORT",
    "WEAVE_CONTAINER_NAME",
    "DOCKER_BRIDGE",
];

/// One call of a fake, as the log keeps it.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Call {
    /// 1-based, in the order the calls took the log's lock.
    pub seq: u64,
    /// The exact argv; the first word is the name the fake was called by.
    pub argv: Vec<Bytes>,
    /// Those of [`PASSED_ENV`] that were set.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, Bytes>,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub stdin: Bytes,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub stdout: Bytes,
    #[serde(default, skip_serializing_if = "is_empty")]
    pub stderr: Bytes,
    pub status: i32,
    /// The fake was run by a path instead of through the sandbox's PATH: the subject reached for a
    /// host binary (which the sandbox covers with the fake) and was refused.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub escape: bool,
    /// The path the fake was started by, when that was outside the sandbox's `bin/` (a stand-in
    /// over a host directory): an escape whatever the name.
    #[serde(default, skip_serializing_if = "is_empty")]
    pub path: Bytes,
    /// A replay's cassette did not expect this call (or expected another one here).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unexpected: bool,
    /// The fakes do not model this call: it answered `not modeled: ...`, exit 127.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub unmodeled: bool,
    /// What ran inside the container this call started, where the fakes ran it (weaveexec's
    /// `--local` commands): its `sh -x` trace and its own calls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nested: Option<Box<Nested>>,
}

/// A run inside a container: its trace, as `sh -x` would have written it, and its calls.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Nested {
    pub trace: Bytes,
    pub calls: Vec<Call>,
}

fn is_empty(b: &Bytes) -> bool {
    b.0.is_empty()
}

impl Call {
    /// The record as one log line, newline included.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = serde_json::to_vec(self).expect("a Call always serializes");
        line.push(b'\n');
        line
    }
}

/// Reads a log; a line that does not parse is an error naming it.
pub fn read_log(text: &[u8]) -> Result<Vec<Call>, (usize, String)> {
    text.split(|&b| b == b'\n')
        .enumerate()
        .filter(|(_, l)| !l.is_empty())
        .map(|(i, l)| serde_json::from_slice(l).map_err(|e| (i + 1, e.to_string())))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_losslessly() {
        let call = Call {
            seq: 3,
            argv: vec![Bytes(b"docker".to_vec()), Bytes(vec![0xff, b'\n', b' '])],
            status: 1,
            ..Default::default()
        };
        let line = call.to_line();
        assert!(std::str::from_utf8(&line).unwrap().contains("\"hex\":\"ff0a20\""));
        assert_eq!(read_log(&line).unwrap(), vec![call]);
    }
}
