//! The UN human rights mechanisms that issue recommendations.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::name_key;
use crate::ParseError;

/// A treaty body: a committee of experts that reviews states' periodic reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Committee {
    Crc,
    Cedaw,
    Cat,
    Cerd,
    Ccpr,
    Cescr,
    Crpd,
    Ced,
    Cmw,
    /// The Subcommittee on Prevention of Torture.
    Spt,
}

impl Committee {
    pub const ALL: [Committee; 10] = [
        Self::Crc,
        Self::Cedaw,
        Self::Cat,
        Self::Cerd,
        Self::Ccpr,
        Self::Cescr,
        Self::Crpd,
        Self::Ced,
        Self::Cmw,
        Self::Spt,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::Crc => "CRC",
            Self::Cedaw => "CEDAW",
            Self::Cat => "CAT",
            Self::Cerd => "CERD",
            Self::Ccpr => "CCPR",
            Self::Cescr => "CESCR",
            Self::Crpd => "CRPD",
            Self::Ced => "CED",
            Self::Cmw => "CMW",
            Self::Spt => "SPT",
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Crc => "Committee on the Rights of the Child",
            Self::Cedaw => "Committee on the Elimination of Discrimination against Women",
            Self::Cat => "Committee against Torture",
            Self::Cerd => "Committee on the Elimination of Racial Discrimination",
            Self::Ccpr => "Human Rights Committee",
            Self::Cescr => "Committee on Economic, Social and Cultural Rights",
            Self::Crpd => "Committee on the Rights of Persons with Disabilities",
            Self::Ced => "Committee on Enforced Disappearances",
            Self::Cmw => "Committee on Migrant Workers",
            Self::Spt => "Subcommittee on Prevention of Torture",
        }
    }

    /// Accepts the code or the committee's name ("Human Rights Committee", "HRCttee").
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let key = name_key(value);
        Self::ALL
            .into_iter()
            .find(|c| name_key(c.code()) == key || name_key(c.name()) == key)
            .or(match key.as_str() {
                "hrcttee" | "hr committee" | "hrc committee" => Some(Self::Ccpr),
                "cmw committee" | "committee on the protection of the rights of all migrant workers and members of their families" => Some(Self::Cmw),
                _ => None,
            })
            .ok_or_else(|| ParseError::new("treaty body", value, "a committee code such as CRC, CEDAW, CAT"))
    }
}

/// Which mechanism issued a recommendation.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Mechanism {
    /// The Universal Periodic Review: recommendations from peer states.
    Upr,
    TreatyBody(Committee),
    /// A special procedure, by its mandate ("SR on torture", "WG on arbitrary detention"),
    /// kept as the short mandate name given by the source.
    SpecialProcedure(String),
}

impl Mechanism {
    /// The stable code stored and shown: `UPR`, `CRC`, `SP:<mandate>`.
    pub fn code(&self) -> String {
        match self {
            Self::Upr => "UPR".to_string(),
            Self::TreatyBody(c) => c.code().to_string(),
            Self::SpecialProcedure(mandate) => format!("SP:{mandate}"),
        }
    }

    /// The family, for facets: `upr`, `treaty_body`, `special_procedure`.
    pub fn family(&self) -> &'static str {
        match self {
            Self::Upr => "upr",
            Self::TreatyBody(_) => "treaty_body",
            Self::SpecialProcedure(_) => "special_procedure",
        }
    }

    pub fn label(&self) -> String {
        match self {
            Self::Upr => "Universal Periodic Review".to_string(),
            Self::TreatyBody(c) => c.name().to_string(),
            Self::SpecialProcedure(mandate) => format!("Special procedure: {mandate}"),
        }
    }

    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let trimmed = value.trim();
        if let Some(mandate) = trimmed
            .strip_prefix("SP:")
            .or_else(|| trimmed.strip_prefix("sp:"))
        {
            let mandate = crate::text::clean_text(mandate);
            if mandate.is_empty() {
                return Err(ParseError::new(
                    "mechanism",
                    value,
                    "SP:<mandate> with a mandate name",
                ));
            }
            return Ok(Self::SpecialProcedure(mandate));
        }
        let key = name_key(trimmed);
        if key == "upr" || key == "universal periodic review" {
            return Ok(Self::Upr);
        }
        Committee::parse(trimmed).map(Self::TreatyBody).map_err(|_| {
            ParseError::new(
                "mechanism",
                value,
                "UPR, a treaty body code (CRC, CEDAW, CAT, CERD, CCPR, CESCR, CRPD, CED, CMW, SPT) or SP:<mandate>",
            )
        })
    }
}

impl fmt::Display for Mechanism {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.code())
    }
}

impl Serialize for Mechanism {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.code())
    }
}

impl<'de> Deserialize<'de> for Mechanism {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Mechanism::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_round_trip() {
        for m in [
            Mechanism::Upr,
            Mechanism::TreatyBody(Committee::Cedaw),
            Mechanism::SpecialProcedure("SR on torture".into()),
        ] {
            assert_eq!(Mechanism::parse(&m.code()), Ok(m));
        }
    }

    #[test]
    fn committees_parse_by_name() {
        assert_eq!(
            Committee::parse("Human Rights Committee"),
            Ok(Committee::Ccpr)
        );
        assert_eq!(
            Mechanism::parse("cat"),
            Ok(Mechanism::TreatyBody(Committee::Cat))
        );
        assert!(Mechanism::parse("UNESCO").is_err());
        assert!(Mechanism::parse("SP:  ").is_err());
    }
}
