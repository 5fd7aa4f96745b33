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

/// What a request may need. Routes declare one; [`Role::allows`] decides, in this one
/// place. Object-level rules (a focal point's own institution, an organisation's own
/// assessments) come on top, in the web crate's policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Published records: everyone, signed in or not.
    ReadPublished,
    /// Drafts and non-public content.
    ReadRegistry,
    /// One's own account: password, second factor, API tokens.
    OwnAccount,
    /// Import, edit, classify and cluster the registry.
    EditRegistry,
    /// Publish and unpublish records.
    Publish,
    /// Update status and progress of what is assigned to one's institution.
    UpdateAssigned,
    /// Write one's own organisation's assessments.
    Assess,
    /// Create, change and disable accounts.
    ManageUsers,
    /// Read the audit log.
    ReadAudit,
    /// Read and write the reprisals register.
    Reprisals,
}

impl Permission {
    pub const ALL: &'static [Permission] = &[
        Self::ReadPublished,
        Self::ReadRegistry,
        Self::OwnAccount,
        Self::EditRegistry,
        Self::Publish,
        Self::UpdateAssigned,
        Self::Assess,
        Self::ManageUsers,
        Self::ReadAudit,
        Self::Reprisals,
    ];

    /// Its name, as serde writes it and templates ask for it.
    pub fn code(self) -> &'static str {
        match self {
            Self::ReadPublished => "read_published",
            Self::ReadRegistry => "read_registry",
            Self::OwnAccount => "own_account",
            Self::EditRegistry => "edit_registry",
            Self::Publish => "publish",
            Self::UpdateAssigned => "update_assigned",
            Self::Assess => "assess",
            Self::ManageUsers => "manage_users",
            Self::ReadAudit => "read_audit",
            Self::Reprisals => "reprisals",
        }
    }

    /// Whether an anonymous visitor has it.
    pub fn is_public(self) -> bool {
        self == Self::ReadPublished
    }

    /// Whether it changes data (an API token with a read scope lacks these).
    pub fn writes(self) -> bool {
        !matches!(
            self,
            Self::ReadPublished | Self::ReadRegistry | Self::ReadAudit
        )
    }
}

impl Role {
    /// The role's permissions. Everyone signed in reads the registry and manages their own
    /// account; the rest is by role. The reprisals register is its officer's alone — not
    /// even an administrator's — and users are the administrator's alone.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match permission {
            P::ReadPublished | P::ReadRegistry | P::OwnAccount => true,
            P::EditRegistry | P::Publish => matches!(self, Role::Admin | Role::Coordinator),
            P::UpdateAssigned => matches!(self, Role::Admin | Role::Coordinator | Role::FocalPoint),
            P::Assess => matches!(
                self,
                Role::Coordinator | Role::Nhri | Role::Cso | Role::Un | Role::Parliament
            ),
            P::ManageUsers | P::ReadAudit => self == Role::Admin,
            P::Reprisals => self == Role::ReprisalsOfficer,
        }
    }

    /// Whose voice this role's assessments are: the coordinator speaks for the government.
    pub fn stakeholder(self) -> Option<crate::StakeholderKind> {
        use crate::StakeholderKind as S;
        match self {
            Role::Coordinator | Role::FocalPoint => Some(S::Government),
            Role::Nhri => Some(S::Nhri),
            Role::Cso => Some(S::Cso),
            Role::Un => Some(S::UnCountryTeam),
            Role::Parliament => Some(S::Parliament),
            Role::Admin | Role::Viewer | Role::ReprisalsOfficer => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_serde_names() {
        for p in Permission::ALL {
            let serde = serde_json::to_value(p).ok();
            assert_eq!(serde.as_ref().and_then(|v| v.as_str()), Some(p.code()));
        }
    }

    #[test]
    fn the_reprisals_register_is_its_officers_alone() {
        for role in Role::ALL {
            assert_eq!(
                role.allows(Permission::Reprisals),
                *role == Role::ReprisalsOfficer,
                "{role}"
            );
        }
    }

    #[test]
    fn only_administrators_manage_users_and_read_the_audit_log() {
        for role in Role::ALL {
            let admin = *role == Role::Admin;
            assert_eq!(role.allows(Permission::ManageUsers), admin, "{role}");
            assert_eq!(role.allows(Permission::ReadAudit), admin, "{role}");
        }
    }

    #[test]
    fn observers_assess_but_do_not_edit() {
        for role in [Role::Nhri, Role::Cso, Role::Un, Role::Parliament] {
            assert!(role.allows(Permission::Assess));
            assert!(!role.allows(Permission::EditRegistry));
            assert!(!role.allows(Permission::UpdateAssigned));
            assert!(role.stakeholder().is_some());
        }
        assert!(!Role::Viewer.allows(Permission::Assess));
        assert!(Role::Viewer.allows(Permission::ReadRegistry));
    }
}
