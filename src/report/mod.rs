//! Output formats. Each reads an `Analysis` and writes text; none computes numbers.

pub mod compare;
pub mod html;
pub mod json;
pub mod junit;
pub mod sarif;
pub mod table;
pub mod text;
pub mod verdict;

use std::fmt::Write as _;

/// `959.3 MB`: SI units, as docker and registries show sizes.
pub fn size(bytes: u64) -> String {
    bytesize::ByteSize(bytes).display().si().to_string()
}

/// Optional sizes print as `n/a`.
pub fn opt_size(bytes: Option<u64>) -> String {
    bytes.map(size).unwrap_or_else(|| "n/a".into())
}

/// `41,203`.
pub fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// Text with its control characters escaped (`\n` → `\u{a}`), for terminal and log output.
pub fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars().map(|c| if c.is_control() { c.escape_unicode().to_string() } else { c.to_string() }).collect()
}

pub fn percent(ratio: f64) -> String {
    let mut s = String::new();
    let _ = write!(s, "{:.1} %", ratio * 100.0);
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_numbers() {
        assert_eq!(count(0), "0");
        assert_eq!(count(1234567), "1,234,567");
        assert_eq!(size(959_300_000), "959.3 MB");
        assert_eq!(size(512), "512 B");
        assert_eq!(percent(0.9987), "99.9 %");
    }
}
