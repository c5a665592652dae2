//! The starter `[budget]` of `weigh check --init`, as TOML.

use std::fmt::Write as _;

use super::fmt::size;
use crate::budget::starter::Starter;

/// Sizes in the SI units reports show, without the space (`350MB`), as the budget reads them.
fn budget_size(b: u64) -> String {
    size(b).replace(' ', "")
}

pub fn starter(s: &Starter) -> String {
    let mut o = String::from("[budget]\n");
    let _ = writeln!(o, "# Made by `weigh check --init` from {} ({} today).", s.image, size(s.content_bytes));
    let _ = writeln!(o, "total = \"{}\"", budget_size(s.total));
    if let Some(c) = s.compressed {
        let _ = writeln!(o, "compressed = \"{}\"", budget_size(c));
    }
    let _ = writeln!(o, "largest-layer = \"{}\"", budget_size(s.largest_layer));
    let _ = writeln!(o, "layers = {}", s.layers);
    let _ = writeln!(o, "waste = \"{}\"", budget_size(s.waste));
    let today =
        if s.errors.is_empty() { String::new() } else { format!("  # today: {}", s.errors.join(", ")) };
    let _ = writeln!(o, "findings-severity = \"error\"{today}");
    let deny: Vec<String> = s.deny.iter().map(|d| format!("\"{d}\"")).collect();
    let _ = writeln!(o, "deny = [{}]\n\n[budget.categories]", deny.join(", "));
    for (c, now) in &s.zero {
        let comment = if *now > 0 { format!("  # {} today", size(*now)) } else { String::new() };
        let _ = writeln!(o, "{} = \"0B\"{comment}", c.name());
    }
    o
}
