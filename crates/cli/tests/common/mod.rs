//! What several test binaries share.

use std::path::Path;

pub const STATES: [(&str, &str); 4] = [
    ("Slovenia", "EEG"),
    ("Norway", "WEOG"),
    ("Chile", "GRULAC"),
    ("Kenya", "African"),
];

/// A UPR Info-shaped export with `rows` distinct recommendations, CR line endings as the
/// real export has.
pub fn big_export(path: &Path, rows: usize) -> std::io::Result<()> {
    let mut out = String::from(
        "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r",
    );
    let from = ["France", "Brazil", "Germany", "Japan", "Mexico"];
    for i in 0..rows {
        let (to, group) = STATES[i % STATES.len()];
        out.push_str(&format!(
            "{to},{group},,\"Recommendation {i}: ensure that the rights in article {} are respected, including for detainees\",{},WEOG,,{},{},\"Justice,Detention\",{}\r",
            i % 31,
            from[i % from.len()],
            if i % 3 == 0 { "Noted" } else { "Accepted" },
            1 + i % 5,
            1 + i % 16,
        ));
    }
    std::fs::write(path, out)
}
