//! The UPR calendar (cycles and Working Group sessions) and UPR Info's action categories.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::ParseError;

/// A UPR cycle: 1 (2008–2012), 2 (2012–2016), 3 (2017–2022), 4 (2022–2027), …
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Cycle(u8);

impl Cycle {
    pub const MAX: u8 = 9;

    pub fn new(n: u8) -> Result<Self, ParseError> {
        if (1..=Self::MAX).contains(&n) {
            Ok(Self(n))
        } else {
            Err(ParseError::new(
                "cycle",
                &n.to_string(),
                "a UPR cycle number from 1 to 9",
            ))
        }
    }

    /// Accepts "3", "3rd", "third", "3rd Cycle", "cycle 3".
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let lower = value.trim().to_lowercase();
        let words = [
            "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth",
        ];
        if let Some(i) = words.iter().position(|w| lower.contains(w)) {
            return Self::new(i as u8 + 1);
        }
        let digits: String = lower.chars().filter(|c| c.is_ascii_digit()).collect();
        digits
            .parse::<u8>()
            .ok()
            .and_then(|n| Self::new(n).ok())
            .ok_or_else(|| ParseError::new("cycle", value, "a UPR cycle number from 1 to 9"))
    }

    pub fn number(self) -> u8 {
        self.0
    }

    /// The Working Group sessions of this cycle: 12 in the first, 14 in each since.
    pub fn sessions(self) -> std::ops::RangeInclusive<u16> {
        if self.0 == 1 {
            1..=12
        } else {
            let first = 13 + 14 * (u16::from(self.0) - 2);
            first..=first + 13
        }
    }
}

impl TryFrom<u8> for Cycle {
    type Error = ParseError;
    fn try_from(n: u8) -> Result<Self, ParseError> {
        Self::new(n)
    }
}

impl From<Cycle> for u8 {
    fn from(c: Cycle) -> u8 {
        c.0
    }
}

impl fmt::Display for Cycle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// A UPR Working Group session number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u16", into = "u16")]
pub struct Session(u16);

impl Session {
    pub fn new(n: u16) -> Result<Self, ParseError> {
        let last = Cycle::MAX;
        if n >= 1 && Cycle(last).sessions().end() >= &n {
            Ok(Self(n))
        } else {
            Err(ParseError::new(
                "session",
                &n.to_string(),
                "a UPR Working Group session number such as 34",
            ))
        }
    }

    /// Accepts "34", "34th", "34th Session".
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let digits: String = value
            .trim()
            .chars()
            .skip_while(|c| !c.is_ascii_digit())
            .take_while(char::is_ascii_digit)
            .collect();
        digits
            .parse::<u16>()
            .ok()
            .and_then(|n| Self::new(n).ok())
            .ok_or_else(|| {
                ParseError::new(
                    "session",
                    value,
                    "a UPR Working Group session number such as 34",
                )
            })
    }

    pub fn number(self) -> u16 {
        self.0
    }

    /// The cycle a session belongs to.
    pub fn cycle(self) -> Cycle {
        let n = if self.0 <= 12 {
            1
        } else {
            2 + (self.0 - 13) / 14
        };
        Cycle(n as u8)
    }
}

impl TryFrom<u16> for Session {
    type Error = ParseError;
    fn try_from(n: u16) -> Result<Self, ParseError> {
        Self::new(n)
    }
}

impl From<Session> for u16 {
    fn from(s: Session) -> u16 {
        s.0
    }
}

impl fmt::Display for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// UPR Info's action category (Edward McMahon's scale): how much and how specific an
/// action a recommendation asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct ActionCategory(u8);

impl ActionCategory {
    pub fn new(n: u8) -> Result<Self, ParseError> {
        if (1..=5).contains(&n) {
            Ok(Self(n))
        } else {
            Err(ParseError::new(
                "action category",
                &n.to_string(),
                "a number from 1 to 5",
            ))
        }
    }

    pub fn parse(value: &str) -> Result<Self, ParseError> {
        value
            .trim()
            .parse::<u8>()
            .ok()
            .and_then(|n| Self::new(n).ok())
            .ok_or_else(|| ParseError::new("action category", value, "a number from 1 to 5"))
    }

    pub fn number(self) -> u8 {
        self.0
    }

    pub fn label(self) -> &'static str {
        match self.0 {
            1 => "Minimal action (directed at other states or asking for sharing)",
            2 => "Continuing action",
            3 => "Considering action",
            4 => "General action",
            _ => "Specific action",
        }
    }

    /// How measurable the requested action is, from 0 (nothing to verify) to 1 (a specific,
    /// verifiable act such as ratifying or adopting a named law). Independent of the state's
    /// position, for implementation planning.
    pub fn specificity(self) -> f32 {
        match self.0 {
            1 => 0.0,
            2 => 0.25,
            3 => 0.5,
            4 => 0.75,
            _ => 1.0,
        }
    }
}

impl TryFrom<u8> for ActionCategory {
    type Error = ParseError;
    fn try_from(n: u8) -> Result<Self, ParseError> {
        Self::new(n)
    }
}

impl From<ActionCategory> for u8 {
    fn from(a: ActionCategory) -> u8 {
        a.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sessions_map_to_cycles() {
        let cycle = |n| Session::new(n).map(|s| s.cycle().number());
        assert_eq!(cycle(1), Ok(1));
        assert_eq!(cycle(12), Ok(1));
        assert_eq!(cycle(13), Ok(2));
        assert_eq!(cycle(26), Ok(2));
        assert_eq!(cycle(27), Ok(3));
        assert_eq!(cycle(34), Ok(3));
        assert_eq!(cycle(41), Ok(4));
        for c in 1..=Cycle::MAX {
            let cycle = Cycle(c);
            for s in cycle.sessions() {
                assert_eq!(Session(s).cycle(), cycle);
            }
        }
    }

    #[test]
    fn parses_ordinals() {
        assert_eq!(Cycle::parse("3rd Cycle").map(Cycle::number), Ok(3));
        assert_eq!(Cycle::parse("second").map(Cycle::number), Ok(2));
        assert_eq!(Session::parse("34th Session").map(Session::number), Ok(34));
        assert!(Session::parse("0").is_err());
        assert!(Session::parse("none").is_err());
        assert!(ActionCategory::parse("6").is_err());
        assert!(Cycle::parse("10").is_err());
    }
}
