//! weavetrace: a shell-compatible test harness and trace replayer for the weave script.
//!
//! The modules follow the data flow: a [`case`] names a command line and a [`world`]; a [`sandbox`]
//! lays the world out behind fake commands; a [`subject`] (the Rust [`spec`], or a real script) runs in
//! it and yields a [`recording`]; [`compare`] holds the recording against the case; [`report`] shows the
//! verdict. [`trace`] is the one trace model all of them share, and [`fs`] the one filesystem view the
//! fakes and the spec share (below both, so that neither imports the other for it).

pub mod app;
pub mod bless;
pub mod case;
pub mod cli;
pub mod compare;
pub mod coverage;
pub mod diff;
pub mod docs;
pub mod exit;
pub mod fake;
pub mod fs;
pub mod input;
pub mod mutate;
pub mod recording;
pub mod replay;
pub mod report;
pub mod runner;
pub mod sandbox;
pub mod source;
pub mod spec;
pub mod subject;
pub mod trace;
pub mod world;
