//! The executable specification of the weave script, in Rust.
//!
//! `shell` holds the shell semantics, `utils` the host utilities modeled in-process, `weave` the script
//! itself, one function per shell function. The spec never imports the harness: it writes xtrace bytes
//! as `sh -x` would and runs external commands through a [`shell::Host`].

pub mod files;
pub mod process;
pub mod shell;
pub mod utils;
pub mod weave;
