//! Output formats, one file each: `text` (terminal), `markdown`, `html`, `json`, `junit`,
//! `sarif`, `github` (workflow commands), each rendering the inspect, compare and check
//! documents it serves, over the shared pieces in `fmt`. None computes numbers.

pub mod fmt;
pub mod github;
pub mod html;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod markdown_inspect;
pub mod sarif;
pub mod several;
pub mod table;
pub mod text;
pub mod toml;

pub use fmt::{count, opt_size, percent, printable, size};
