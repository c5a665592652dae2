//! weigh: explains the size of container images.

pub mod analysis;
pub mod attribute;
pub mod budget;
pub mod classify;
pub mod cli;
pub mod compare;
pub mod config;
pub mod findings;
pub mod index;
pub mod limits;
pub mod mem;
pub mod path;
pub mod pipeline;
pub mod report;
pub mod source;
pub mod tui;
pub mod view;

pub use pipeline::{Error, Options, analyze, layers};
