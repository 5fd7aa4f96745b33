//! Groups of recommendations that ask the same or related things, and links between a
//! recommendation and the earlier ones it repeats.

use serde::{Deserialize, Serialize};

use crate::tracking::vocabulary;
use crate::{ParseError, RecommendationId, StateCode};

vocabulary!(
    ClusterKind {
        NearDuplicate = "near_duplicate" / "Near-duplicates",
        Thematic = "thematic" / "Thematic cluster",
        SourceGroup = "source_group" / "Grouped in the source document",
    }
);

vocabulary!(
    /// How a recommendation relates to an earlier one made to the same state.
    LinkKind {
        Repeats = "repeats" / "Repeats",
        FollowsUp = "follows_up" / "Follows up",
        Related = "related" / "Related",
    }
);

vocabulary!(
    /// A person's decision on something a machine proposed.
    Decision {
        Proposed = "proposed" / "Proposed",
        Confirmed = "confirmed" / "Confirmed",
        Rejected = "rejected" / "Rejected",
    }
);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Cluster {
    pub id: i64,
    pub state: StateCode,
    pub kind: ClusterKind,
    pub title: String,
    pub members: Vec<RecommendationId>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RecommendationLink {
    pub from: RecommendationId,
    /// The earlier recommendation.
    pub to: RecommendationId,
    pub kind: LinkKind,
    pub score: f32,
    pub decision: Decision,
}
