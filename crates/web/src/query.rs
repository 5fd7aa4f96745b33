//! Query-string parameters shared by the API and the pages, parsed into a store filter.

use rightstrack_core::{Cycle, Mechanism, Position, RegionalGroup, Session, StateCode};
use rightstrack_store::{PageRequest, RecommendationFilter};
use serde::Deserialize;

use crate::ApiError;

pub const MAX_PER_PAGE: u32 = 500;

/// Filters as they come from a URL. Empty values mean "any", so that a plain HTML form
/// with empty selects works.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ListParams {
    pub state: Option<String>,
    pub cycle: Option<String>,
    pub session: Option<String>,
    pub mechanism: Option<String>,
    pub position: Option<String>,
    pub recommending_state: Option<String>,
    pub group: Option<String>,
    pub page: Option<u64>,
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
        let per_page = self.per_page.unwrap_or(50);
        if per_page == 0 || per_page > MAX_PER_PAGE {
            return Err(ApiError::BadRequest(format!(
                "parameter per_page: expected 1 to {MAX_PER_PAGE}"
            )));
        }
        let page = self.page.unwrap_or(1).max(1);
        Ok(PageRequest {
            limit: per_page,
            offset: (page - 1).saturating_mul(u64::from(per_page)),
            after_id: None,
        })
    }
}
