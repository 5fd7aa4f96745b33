//! States: the state under review and the recommending states.

use std::collections::HashMap;
use std::fmt;
use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use crate::reference::{rows, STATES};
use crate::text::name_key;
use crate::ParseError;

/// A UN regional group, as used for elections and in the UPR Info data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RegionalGroup {
    African,
    AsiaPacific,
    Eeg,
    Grulac,
    Weog,
    /// Non-member observer states (the Holy See, the State of Palestine).
    Observer,
}

impl RegionalGroup {
    pub const ALL: [RegionalGroup; 6] = [
        Self::African,
        Self::AsiaPacific,
        Self::Eeg,
        Self::Grulac,
        Self::Weog,
        Self::Observer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Self::African => "AFRICAN",
            Self::AsiaPacific => "ASIA_PACIFIC",
            Self::Eeg => "EEG",
            Self::Grulac => "GRULAC",
            Self::Weog => "WEOG",
            Self::Observer => "OBSERVER",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Self::African => "African Group",
            Self::AsiaPacific => "Asia-Pacific Group",
            Self::Eeg => "Eastern European Group",
            Self::Grulac => "Latin American and Caribbean Group",
            Self::Weog => "Western European and Others Group",
            Self::Observer => "Observer states",
        }
    }

    /// Accepts the codes above and the spellings of the UPR Info export ("Africa", "Asia").
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let key = name_key(value).replace(' ', "");
        Ok(match key.as_str() {
            "african" | "africa" | "africangroup" => Self::African,
            "asiapacific" | "asia" | "apg" | "asiapacificgroup" => Self::AsiaPacific,
            "eeg" | "easterneuropean" | "easterneuropeangroup" => Self::Eeg,
            "grulac" => Self::Grulac,
            "weog" => Self::Weog,
            "observer" => Self::Observer,
            _ => {
                return Err(ParseError::new(
                    "regional group",
                    value,
                    "one of AFRICAN, ASIA_PACIFIC, EEG, GRULAC, WEOG, OBSERVER",
                ))
            }
        })
    }
}

/// An ISO 3166-1 alpha-3 code of a UN member or observer state. Only codes of the
/// reference table can be built, so holding one means the state is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StateCode([u8; 3]);

impl StateCode {
    pub fn parse(value: &str) -> Result<Self, ParseError> {
        let upper = value.trim().to_ascii_uppercase();
        let bytes: [u8; 3] = upper.as_bytes().try_into().map_err(|_| {
            ParseError::new(
                "state code",
                value,
                "an ISO 3166-1 alpha-3 code such as SVN",
            )
        })?;
        let code = StateCode(bytes);
        if reference().by_code.contains_key(&code) {
            Ok(code)
        } else {
            Err(ParseError::new(
                "state code",
                value,
                "the ISO 3166-1 alpha-3 code of a UN member or observer state",
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        // Built only from ASCII letters of the reference table.
        std::str::from_utf8(&self.0).unwrap_or("???")
    }

    pub fn state(self) -> &'static State {
        let table = reference();
        &table.states[table.by_code[&self]]
    }
}

impl fmt::Display for StateCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for StateCode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for StateCode {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        StateCode::parse(&raw).map_err(serde::de::Error::custom)
    }
}

/// A state as the reference table describes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct State {
    pub code: StateCode,
    /// The UN short name in English.
    pub name: &'static str,
    pub group: RegionalGroup,
    /// Other spellings found in real data (UPR Info, UHRI, UN documents, French names).
    pub variants: Vec<&'static str>,
    /// A made-up state for the demo and for tests, under an ISO 3166 user-assigned code
    /// (X..) that no real state can have. Never offered as a recommending state.
    pub fictional: bool,
}

/// Fictional states: (code, name). Their codes are in ISO 3166's user-assigned range.
const FICTIONAL: &[(&str, &str)] = &[("XDL", "Demoland (fictional)")];

impl State {
    /// Every state of the reference table, in table order.
    pub fn all() -> &'static [State] {
        &reference().states
    }

    /// Finds a state by its code, UN name or any known spelling, ignoring case, accents
    /// and punctuation.
    pub fn by_name(name: &str) -> Option<&'static State> {
        let table = reference();
        let key = name_key(name);
        if let Some(&i) = table.by_name.get(&key) {
            return Some(&table.states[i]);
        }
        // "the Netherlands", "Republic of the Gambia (the)": drop a leading or trailing article.
        let trimmed = key
            .trim_start_matches("the ")
            .trim_end_matches(" the")
            .to_string();
        table.by_name.get(&trimmed).map(|&i| &table.states[i])
    }
}

struct StateTable {
    states: Vec<State>,
    by_code: HashMap<StateCode, usize>,
    by_name: HashMap<String, usize>,
}

fn reference() -> &'static StateTable {
    static TABLE: OnceLock<StateTable> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut table = StateTable {
            states: Vec::new(),
            by_code: HashMap::new(),
            by_name: HashMap::new(),
        };
        for fields in rows(STATES, 3) {
            let Ok(bytes) = <[u8; 3]>::try_from(fields[0].as_bytes()) else {
                continue;
            };
            let Ok(group) = RegionalGroup::parse(fields[2]) else {
                continue;
            };
            let variants: Vec<&'static str> = fields
                .get(3)
                .map(|v| {
                    v.split('|')
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .collect()
                })
                .unwrap_or_default();
            let code = StateCode(bytes);
            let index = table.states.len();
            table.by_code.insert(code, index);
            for name in [fields[0], fields[1]]
                .into_iter()
                .chain(variants.iter().copied())
            {
                table.by_name.entry(name_key(name)).or_insert(index);
            }
            table.states.push(State {
                code,
                name: fields[1],
                group,
                variants,
                fictional: false,
            });
        }
        for &(code, name) in FICTIONAL {
            let Ok(bytes) = <[u8; 3]>::try_from(code.as_bytes()) else {
                continue;
            };
            let code = StateCode(bytes);
            table.by_code.insert(code, table.states.len());
            table
                .by_name
                .entry(name_key(name))
                .or_insert(table.states.len());
            table.states.push(State {
                code,
                name,
                group: RegionalGroup::Observer,
                variants: Vec::new(),
                fictional: true,
            });
        }
        table
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reference_row_parses() {
        let data_rows = rows(STATES, 0).count();
        assert_eq!(State::all().len(), data_rows + FICTIONAL.len());
        assert_eq!(data_rows, 195, "193 member states and 2 observer states");
        assert!(State::all()
            .iter()
            .filter(|s| s.fictional)
            .all(|s| s.code.as_str().starts_with('X')));
    }

    #[test]
    fn no_two_states_share_a_name() {
        let mut seen = HashMap::new();
        for state in State::all() {
            for name in std::iter::once(state.name).chain(state.variants.iter().copied()) {
                if let Some(other) = seen.insert(name_key(name), state.code) {
                    assert_eq!(other, state.code, "{name} names two states");
                }
            }
        }
    }

    #[test]
    fn finds_states_by_real_world_spellings() {
        let code = |n: &str| State::by_name(n).map(|s| s.code.to_string());
        assert_eq!(code("Bosnia & Herzegovina").as_deref(), Some("BIH"));
        assert_eq!(code("Cote d'Ivoire").as_deref(), Some("CIV"));
        assert_eq!(code("côte d’ivoire").as_deref(), Some("CIV"));
        assert_eq!(code("DPR Korea").as_deref(), Some("PRK"));
        assert_eq!(code("Republic of Korea").as_deref(), Some("KOR"));
        assert_eq!(code("St Vincent & the Grenadines").as_deref(), Some("VCT"));
        assert_eq!(code("the Netherlands").as_deref(), Some("NLD"));
        assert_eq!(code("Atlantis"), None);
    }

    #[test]
    fn codes_parse_only_when_known() {
        assert_eq!(
            StateCode::parse("svn").map(|c| c.state().name),
            Ok("Slovenia")
        );
        assert!(StateCode::parse("XXX").is_err());
        assert!(StateCode::parse("SV").is_err());
        assert!(StateCode::parse("Slovenia").is_err());
    }
}
