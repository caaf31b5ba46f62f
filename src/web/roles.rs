//! Who may do what. Every route asks through `Staff::require`, checked on the server.

use std::fmt;
use std::str::FromStr;

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Admin,
    Agent,
    OrderManager,
    ReadOnly,
}

/// Things a member can be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perm {
    /// Shop profile, integrations, channels, AI settings.
    ManageShop,
    /// Add members, change roles, disable accounts.
    ManageMembers,
    /// Reply in conversations, take over from the bot, write internal notes, assign.
    WorkConversations,
    /// Read conversations' internal notes.
    SeeNotes,
    /// Orders and reservations.
    ManageOrders,
    /// Own password and sessions.
    ManageOwnAccount,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Admin, Role::Agent, Role::OrderManager, Role::ReadOnly];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Agent => "agent",
            Role::OrderManager => "order_manager",
            Role::ReadOnly => "read_only",
        }
    }

    pub fn label_fr(self) -> &'static str {
        match self {
            Role::Admin => "Administrateur",
            Role::Agent => "Agent",
            Role::OrderManager => "Gestion des commandes",
            Role::ReadOnly => "Lecture seule",
        }
    }

    pub fn can(self, perm: Perm) -> bool {
        match self {
            Role::Admin => true,
            Role::Agent => matches!(
                perm,
                Perm::WorkConversations | Perm::SeeNotes | Perm::ManageOwnAccount
            ),
            Role::OrderManager => matches!(perm, Perm::ManageOrders | Perm::ManageOwnAccount),
            // Sees everything, changes nothing.
            Role::ReadOnly => perm == Perm::SeeNotes,
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                format!("unknown role `{s}`; use one of admin, agent, order_manager, read_only")
            })
    }
}

impl ToSql for Role {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for Role {
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        value
            .as_str()?
            .parse()
            .map_err(|e: String| FromSqlError::Other(e.into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_text() {
        for role in Role::ALL {
            assert_eq!(role.as_str().parse::<Role>().unwrap(), role);
        }
        assert!(
            "owner"
                .parse::<Role>()
                .unwrap_err()
                .contains("admin, agent")
        );
    }

    #[test]
    fn permission_table() {
        use Perm::*;
        let table = [
            (Role::Admin, [true, true, true, true, true, true]),
            (Role::Agent, [false, false, true, true, false, true]),
            (Role::OrderManager, [false, false, false, false, true, true]),
            (Role::ReadOnly, [false, false, false, true, false, false]),
        ];
        for (role, expected) in table {
            let got = [
                ManageShop,
                ManageMembers,
                WorkConversations,
                SeeNotes,
                ManageOrders,
                ManageOwnAccount,
            ]
            .map(|p| role.can(p));
            assert_eq!(got, expected, "{role}");
        }
    }
}
