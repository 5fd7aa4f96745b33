//! Query-string parameters shared by the API and the pages, parsed into a store filter.

use rightstrack_core::{Cycle, Mechanism, Position, RegionalGroup, Session, StateCode};
use rightstrack_store::{PageRequest, RecommendationFilter};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::ApiError;

pub const MAX_PER_PAGE: u32 = 500;
/// Past this the offset would not fit the databases' 64-bit integers (a 500 before).
pub const MAX_PAGE: u64 = 1_000_000;
const DEFAULT_PER_PAGE: u32 = 50;

/// Filters as they come from a URL. Empty values mean "any", so that a plain HTML form
/// with empty selects works.
#[derive(Debug, Default, Clone, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// The state under review (ISO 3166-1 alpha-3).
    #[param(example = "SVN")]
    pub state: Option<String>,
    /// UPR cycle, 1 to 9.
    #[param(example = "2")]
    pub cycle: Option<String>,
    /// UPR Working Group session.
    pub session: Option<String>,
    /// `UPR`, a treaty body's code (`CRC`, `CEDAW`, …) or `SP:<mandate>`.
    pub mechanism: Option<String>,
    /// `supported`, `supported_in_part` or `noted` (older data's `accepted`, `rejected`).
    pub position: Option<String>,
    /// A recommending state (ISO 3166-1 alpha-3).
    pub recommending_state: Option<String>,
    /// The recommending state's regional group: `AFRICAN`, `ASIA_PACIFIC`, `EEG`, `GRULAC`,
    /// `WEOG` or `OBSERVER`.
    pub group: Option<String>,
    /// The page, from 1.
    #[param(minimum = 1, maximum = 1000000, default = 1)]
    pub page: Option<u64>,
    /// Recommendations per page.
    // The numbers must be literals here; a test holds them to the constants.
    #[param(minimum = 1, maximum = 500, default = 50)]
    pub per_page: Option<u32>,
}

fn given(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

fn bad(name: &str) -> impl Fn(rightstrack_core::ParseError) -> ApiError + '_ {
    move |e| ApiError::BadRequest(format!("parameter {name}: {e}"))
}

impl ListParams {
    pub fn filter(&self) -> Result<RecommendationFilter, ApiError> {
        Ok(RecommendationFilter {
            id: None,
            state: given(&self.state)
                .map(StateCode::parse)
                .transpose()
                .map_err(bad("state"))?,
            cycle: given(&self.cycle)
                .map(Cycle::parse)
                .transpose()
                .map_err(bad("cycle"))?
                .map(u8::from),
            session: given(&self.session)
                .map(Session::parse)
                .transpose()
                .map_err(bad("session"))?
                .map(u16::from),
            mechanism: given(&self.mechanism)
                .map(Mechanism::parse)
                .transpose()
                .map_err(bad("mechanism"))?,
            position: given(&self.position)
                .map(Position::parse)
                .transpose()
                .map_err(bad("position"))?,
            recommending_state: given(&self.recommending_state)
                .map(StateCode::parse)
                .transpose()
                .map_err(bad("recommending_state"))?,
            recommending_group: given(&self.group)
                .map(RegionalGroup::parse)
                .transpose()
                .map_err(bad("group"))?,
            published_only: false,
        })
    }

    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let per_page = self.per_page.unwrap_or(DEFAULT_PER_PAGE);
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(ApiError::BadRequest(format!(
                "parameter per_page: expected 1 to {MAX_PER_PAGE}"
            )));
        }
        let page = self.page.unwrap_or(1).max(1);
        if page > MAX_PAGE {
            return Err(ApiError::BadRequest(format!(
                "parameter page: expected 1 to {MAX_PAGE}"
            )));
        }
        Ok(PageRequest {
            limit: per_page,
            offset: (page - 1).saturating_mul(u64::from(per_page)),
            after_id: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_page_sizes_are_the_ones_enforced() -> Result<(), serde_json::Error> {
        let params = serde_json::to_value(ListParams::into_params(|| None))?;
        let per_page = params
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "per_page"))
            .map(|p| p["schema"].clone())
            .unwrap_or_default();
        assert_eq!(per_page["maximum"], MAX_PER_PAGE);
        assert_eq!(per_page["default"], DEFAULT_PER_PAGE);
        let page = params
            .as_array()
            .and_then(|ps| ps.iter().find(|p| p["name"] == "page"))
            .map(|p| p["schema"].clone())
            .unwrap_or_default();
        assert_eq!(page["maximum"], MAX_PAGE);
        Ok(())
    }

    /// The contract test's first 500: a page whose offset overflowed the database's integer.
    #[test]
    fn a_page_past_the_last_possible_one_is_a_bad_request() {
        let at = |page| ListParams {
            page: Some(page),
            ..Default::default()
        };
        assert!(at(MAX_PAGE).page().is_ok());
        for page in [MAX_PAGE + 1, 1 << 63, u64::MAX] {
            assert!(matches!(at(page).page(), Err(ApiError::BadRequest(_))));
        }
    }
}
