//! What a file is: its category and the package that owns it.

pub mod packages;
