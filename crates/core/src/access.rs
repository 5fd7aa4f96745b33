//! Who may do what, and the record of what was done.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::tracking::vocabulary;
use crate::ParseError;

vocabulary!(
    /// A user's role. Permissions are decided in one place (the web crate's policy), from
    /// the role and, for scoped roles, the user's institution.
    Role {
        Admin = "admin" / "Administrator",
        Coordinator = "coordinator" / "Coordinator (national mechanism)",
        FocalPoint = "focal_point" / "Focal point",
        Nhri = "nhri" / "National human rights institution",
        Cso = "cso" / "Civil society organisation",
        Un = "un" / "UN country team",
        Parliament = "parliament" / "Parliament",
        Viewer = "viewer" / "Viewer",
        ReprisalsOfficer = "reprisals_officer" / "Reprisals officer",
    }
);

/// One line of the append-only audit log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub id: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub at: OffsetDateTime,
    /// The user name, or `system` for imports and jobs run from the command line.
    pub actor: String,
    /// `create`, `update`, `delete`, `publish`, `import`, `sign_in`, `export` …
    pub action: String,
    pub entity: String,
    pub entity_id: Option<String>,
    /// Field-level before/after, as JSON text.
    pub details: String,
}
