//! The documented exit codes of `weavetrace`.

/// Every case holds (for `record`: the subject's own status is passed through instead).
pub const HOLD: u8 = 0;
/// At least one case does not hold.
pub const MISMATCH: u8 = 1;
/// Bad input: a case or world file that cannot be used, a missing path, a bad command line.
pub const BAD_INPUT: u8 = 2;
/// The harness itself failed: the sandbox could not be built, a companion binary is missing.
pub const HARNESS: u8 = 3;
