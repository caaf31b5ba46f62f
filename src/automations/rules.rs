//! The rules themselves: what triggers one, its conditions and actions (typed, stored as
//! JSON), how a rule is checked when saved (a bad expression or an unknown choice is
//! refused then, never found at run time), and their storage in order.

use rusqlite::{Connection, OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// What starts a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    ConversationCreated,
    MessageReceived,
    HandedOver,
    Closed,
    /// No reply from the team this many minutes after the shopper's message, in a
    /// conversation handed to the team.
    NoReply,
}

impl Trigger {
    pub const ALL: [Trigger; 5] = [
        Trigger::ConversationCreated,
        Trigger::MessageReceived,
        Trigger::HandedOver,
        Trigger::Closed,
        Trigger::NoReply,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Trigger::ConversationCreated => "conversation_created",
            Trigger::MessageReceived => "message_received",
            Trigger::HandedOver => "handed_over",
            Trigger::Closed => "closed",
            Trigger::NoReply => "no_reply",
        }
    }

    pub fn from_code(code: &str) -> Option<Trigger> {
        Trigger::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn label(self) -> &'static str {
        match self {
            Trigger::ConversationCreated => "Une conversation commence",
            Trigger::MessageReceived => "Un client écrit",
            Trigger::HandedOver => "L'assistant passe la main à l'équipe",
            Trigger::Closed => "Une conversation est fermée",
            Trigger::NoReply => "L'équipe n'a pas répondu après un délai",
        }
    }
}

/// One condition; a rule's conditions must all hold.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The conversation's channel is one of these (sms, whatsapp, email, webchat).
    Channel {
        any_of: Vec<String>,
    },
    /// What the assistant understood of the shopper's last message.
    Intent {
        any_of: Vec<String>,
    },
    /// The shopper's last message holds one of these words (case and accents ignored).
    Words {
        any_of: Vec<String>,
    },
    /// The shopper's last message matches this regular expression.
    Pattern {
        regex: String,
    },
    /// The conversation's language is one of these (fr, en).
    Language {
        any_of: Vec<String>,
    },
    /// The shopper is, or is not, a customer of the store.
    StoreCustomer {
        is: bool,
    },
    /// The shopper has, or has not, an order not yet delivered nor cancelled.
    OpenOrder {
        is: bool,
    },
    /// The shop is open now (true) or closed (false).
    BusinessHours {
        open: bool,
    },
    Priority {
        is: bool,
    },
    /// The conversation's department (None: no department).
    Department {
        id: Option<i64>,
    },
}

/// One action, applied in the order listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "do", rename_all = "snake_case", deny_unknown_fields)]
pub enum Action {
    AssignMember {
        member_id: i64,
    },
    /// The department, and in turn one of its available members (none: the department
    /// alone).
    AssignDepartment {
        department_id: i64,
    },
    Priority {
        on: bool,
    },
    Note {
        text: String,
    },
    SavedReply {
        reply_id: i64,
    },
    Webhook {
        endpoint_id: i64,
    },
    HandBack,
    Close,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub id: i64,
    pub name: String,
    pub trigger: Trigger,
    pub delay_minutes: Option<i64>,
    pub conditions: Vec<Condition>,
    pub actions: Vec<Action>,
    pub stop: bool,
    pub enabled: bool,
}

pub const CHANNELS: [(&str, &str); 4] = [
    ("sms", "SMS"),
    ("whatsapp", "WhatsApp"),
    ("email", "E-mail"),
    ("webchat", "Chat du site"),
];
pub const LANGUAGES: [(&str, &str); 2] = [("fr", "Français"), ("en", "Anglais")];
/// The longest delay a "no reply" rule waits: a week.
pub const MAX_DELAY_MINUTES: i64 = 7 * 24 * 60;

/// A refusal when saving: which form field, and what to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub field: &'static str,
    pub message: String,
}

fn refuse(field: &'static str, message: impl Into<String>) -> Refusal {
    Refusal {
        field,
        message: message.into(),
    }
}

/// The regular expressions rules accept: bounded in size so a rule cannot eat memory.
pub fn compile(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(pattern)
        .case_insensitive(true)
        .size_limit(256 * 1024)
        .build()
}

/// What must exist for a rule to be saved: members, departments, saved replies and
/// webhook endpoints, by id.
pub struct Known {
    pub members: Vec<i64>,
    pub departments: Vec<i64>,
    pub replies: Vec<i64>,
    pub endpoints: Vec<i64>,
}

impl Known {
    pub fn load(conn: &Connection) -> Result<Known, AppError> {
        let ids = |sql: &str| -> Result<Vec<i64>, AppError> {
            Ok(conn
                .prepare(sql)?
                .query_map([], |r| r.get(0))?
                .collect::<Result<_, _>>()?)
        };
        Ok(Known {
            members: ids("SELECT id FROM users WHERE disabled_at IS NULL")?,
            departments: ids("SELECT id FROM departments")?,
            replies: ids("SELECT id FROM saved_replies")?,
            endpoints: ids("SELECT id FROM webhook_endpoints")?,
        })
    }
}

impl Rule {
    /// Every reason this rule cannot be saved as it is.
    pub fn check(&self, known: &Known) -> Vec<Refusal> {
        let mut out = Vec::new();
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            out.push(refuse(
                "name",
                "Donnez un nom à la règle (1 à 80 caractères).",
            ));
        }
        if self.trigger == Trigger::NoReply {
            match self.delay_minutes {
                Some(m) if (1..=MAX_DELAY_MINUTES).contains(&m) => {}
                _ => out.push(refuse(
                    "delay_minutes",
                    format!(
                        "Indiquez après combien de minutes sans réponse de l'équipe (de 1 à {MAX_DELAY_MINUTES})."
                    ),
                )),
            }
        }
        out.extend(
            self.conditions
                .iter()
                .filter_map(|c| condition_refusal(c, known)),
        );
        if self.actions.is_empty() {
            out.push(refuse(
                "actions",
                "Choisissez au moins une action (attribuer, note, réponse, fermer…).",
            ));
        }
        for a in &self.actions {
            match a {
                Action::AssignMember { member_id } if !known.members.contains(member_id) => out
                    .push(refuse(
                        "assign",
                        "Ce membre n'existe plus ou est désactivé : choisissez-en un autre.",
                    )),
                Action::AssignDepartment { department_id }
                    if !known.departments.contains(department_id) =>
                {
                    out.push(refuse(
                        "assign",
                        "Ce département n'existe plus : choisissez-en un autre.",
                    ))
                }
                Action::Note { text } if text.trim().is_empty() || text.chars().count() > 2000 => {
                    out.push(refuse("note", "La note fait de 1 à 2 000 caractères."))
                }
                Action::SavedReply { reply_id } if !known.replies.contains(reply_id) => {
                    out.push(refuse("reply", "Cette réponse enregistrée n'existe plus."))
                }
                Action::Webhook { endpoint_id } if !known.endpoints.contains(endpoint_id) => out
                    .push(refuse(
                        "webhook",
                        "Ce point d'envoi n'existe plus (Paramètres › Webhooks).",
                    )),
                _ => {}
            }
        }
        if self.actions.contains(&Action::Close) && self.actions.contains(&Action::HandBack) {
            out.push(refuse(
                "close",
                "Une règle ne peut pas à la fois rendre la conversation à l'assistant et la fermer : choisissez l'un des deux.",
            ));
        }
        out
    }
}

/// Why a condition cannot be saved, if it cannot.
fn condition_refusal(c: &Condition, known: &Known) -> Option<Refusal> {
    let bad_list = |any_of: &[String], ok: &dyn Fn(&str) -> bool| {
        any_of.is_empty() || any_of.iter().any(|x| !ok(x))
    };
    match c {
        Condition::Channel { any_of }
            if bad_list(any_of, &|x| CHANNELS.iter().any(|(k, _)| *k == x)) =>
        {
            Some(refuse(
                "channel",
                "Ce canal n'existe pas : choisissez SMS, WhatsApp, E-mail ou Chat du site.",
            ))
        }
        Condition::Intent { any_of }
            if bad_list(any_of, &|x| crate::engine::intent::Intent::from_code(x).is_some()) =>
        {
            Some(refuse(
                "intent",
                "Cette demande n'existe pas : choisissez-la dans la liste.",
            ))
        }
        Condition::Words { any_of }
            if any_of.len() > 50
                || bad_list(any_of, &|w| !w.trim().is_empty() && w.chars().count() <= 60) =>
        {
            Some(refuse(
                "words",
                "Écrivez les mots séparés par des virgules (au plus 50 mots de 60 caractères).",
            ))
        }
        Condition::Pattern { regex } if regex.chars().count() > 300 => Some(refuse(
            "regex",
            "L'expression fait au plus 300 caractères.",
        )),
        Condition::Pattern { regex } => compile(regex).err().map(|e| {
            let why = match e {
                regex::Error::CompiledTooBig(_) => "elle est trop complexe",
                _ => "elle est mal formée (une parenthèse ou un crochet non fermé, un caractère spécial sans \\ devant…)",
            };
            refuse(
                "regex",
                format!("L'expression « {regex} » n'est pas valable : {why}. Corrigez-la ou utilisez plutôt « Mots dans le message »."),
            )
        }),
        Condition::Language { any_of }
            if bad_list(any_of, &|x| LANGUAGES.iter().any(|(k, _)| *k == x)) =>
        {
            Some(refuse(
                "language",
                "Cette langue n'existe pas : choisissez Français ou Anglais.",
            ))
        }
        Condition::Department { id: Some(id) } if !known.departments.contains(id) => Some(refuse(
            "department",
            "Ce département n'existe plus : choisissez-en un autre.",
        )),
        _ => None,
    }
}

const COLUMNS: &str = "id, name, trigger, delay_minutes, conditions, actions, stop, enabled";

fn read(r: &rusqlite::Row<'_>) -> rusqlite::Result<Rule> {
    let trigger: String = r.get(2)?;
    let json = |i: usize| -> rusqlite::Result<String> { r.get(i) };
    Ok(Rule {
        id: r.get(0)?,
        name: r.get(1)?,
        trigger: Trigger::from_code(&trigger).unwrap_or(Trigger::MessageReceived),
        delay_minutes: r.get(3)?,
        // Stored only after `check`; a row that no longer reads does nothing.
        conditions: serde_json::from_str(&json(4)?).unwrap_or_default(),
        actions: serde_json::from_str(&json(5)?).unwrap_or_default(),
        stop: r.get(6)?,
        enabled: r.get(7)?,
    })
}

/// Every rule, in order.
pub fn list(conn: &Connection) -> Result<Vec<Rule>, AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM automation_rules ORDER BY position, id"
        ))?
        .query_map([], read)?
        .collect::<Result<_, _>>()?)
}

pub fn get(conn: &Connection, id: i64) -> Result<Option<Rule>, AppError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {COLUMNS} FROM automation_rules WHERE id = ?1"
        ))?
        .query_row([id], read)
        .optional()?)
}

/// Saves a checked rule (new when `id` is 0, at the end); its id.
pub fn save(conn: &Connection, rule: &Rule, now: i64) -> Result<i64, AppError> {
    let conditions =
        serde_json::to_string(&rule.conditions).map_err(|e| AppError::Internal(e.to_string()))?;
    let actions =
        serde_json::to_string(&rule.actions).map_err(|e| AppError::Internal(e.to_string()))?;
    let delay = (rule.trigger == Trigger::NoReply)
        .then_some(rule.delay_minutes)
        .flatten();
    if rule.id == 0 {
        Ok(conn.query_row(
            "INSERT INTO automation_rules (name, position, trigger, delay_minutes, conditions,
                actions, stop, enabled, created_at, updated_at)
             VALUES (?1, (SELECT COALESCE(max(position), 0) + 1 FROM automation_rules), ?2, ?3,
                ?4, ?5, ?6, ?7, ?8, ?8) RETURNING id",
            params![
                rule.name.trim(),
                rule.trigger.code(),
                delay,
                conditions,
                actions,
                rule.stop,
                rule.enabled,
                now
            ],
            |r| r.get(0),
        )?)
    } else {
        let n = conn.execute(
            "UPDATE automation_rules SET name = ?2, trigger = ?3, delay_minutes = ?4,
                conditions = ?5, actions = ?6, stop = ?7, enabled = ?8, updated_at = ?9
             WHERE id = ?1",
            params![
                rule.id,
                rule.name.trim(),
                rule.trigger.code(),
                delay,
                conditions,
                actions,
                rule.stop,
                rule.enabled,
                now
            ],
        )?;
        if n == 0 {
            return Err(AppError::NotFound);
        }
        Ok(rule.id)
    }
}

pub fn delete(conn: &Connection, id: i64) -> Result<bool, AppError> {
    Ok(conn.execute("DELETE FROM automation_rules WHERE id = ?1", [id])? > 0)
}

pub fn set_enabled(conn: &Connection, id: i64, enabled: bool) -> Result<bool, AppError> {
    Ok(conn.execute(
        "UPDATE automation_rules SET enabled = ?2 WHERE id = ?1",
        params![id, enabled],
    )? > 0)
}

/// Moves a rule one place up (`up`) or down, swapping with its neighbour.
pub fn shift(conn: &Connection, id: i64, up: bool) -> Result<(), AppError> {
    let order: Vec<i64> = list(conn)?.into_iter().map(|r| r.id).collect();
    let Some(at) = order.iter().position(|r| *r == id) else {
        return Err(AppError::NotFound);
    };
    let other = if up {
        at.checked_sub(1)
    } else {
        Some(at + 1).filter(|i| *i < order.len())
    };
    let mut order = order;
    if let Some(other) = other {
        order.swap(at, other);
    }
    let mut stmt =
        conn.prepare_cached("UPDATE automation_rules SET position = ?2 WHERE id = ?1")?;
    for (i, id) in order.iter().enumerate() {
        stmt.execute(params![id, i as i64 + 1])?;
    }
    Ok(())
}

/// The last runs, newest first: (rule name, conversation, summary, at).
pub fn recent_runs(
    conn: &Connection,
    limit: i64,
) -> Result<Vec<(String, i64, String, i64)>, AppError> {
    Ok(conn
        .prepare_cached(
            "SELECT r.name, u.conversation_id, u.summary, u.at FROM automation_runs u
             JOIN automation_rules r ON r.id = u.rule_id ORDER BY u.id DESC LIMIT ?1",
        )?
        .query_map([limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?
        .collect::<Result<_, _>>()?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known() -> Known {
        Known {
            members: vec![1],
            departments: vec![7],
            replies: vec![3],
            endpoints: vec![],
        }
    }

    fn rule(conditions: Vec<Condition>, actions: Vec<Action>) -> Rule {
        Rule {
            id: 0,
            name: "SAV".into(),
            trigger: Trigger::MessageReceived,
            delay_minutes: None,
            conditions,
            actions,
            stop: false,
            enabled: true,
        }
    }

    #[test]
    fn a_bad_expression_or_an_unknown_choice_is_refused_when_saved() {
        let r = rule(
            vec![Condition::Pattern {
                regex: "(remboursement".into(),
            }],
            vec![Action::Close],
        );
        let refused = r.check(&known());
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].field, "regex");
        assert!(refused[0].message.contains("mal formée"), "{refused:?}");

        let r = rule(
            vec![Condition::Channel {
                any_of: vec!["fax".into()],
            }],
            vec![Action::AssignDepartment { department_id: 9 }],
        );
        let fields: Vec<_> = r.check(&known()).iter().map(|r| r.field).collect();
        assert_eq!(fields, ["channel", "assign"]);

        let ok = rule(
            vec![Condition::Pattern {
                regex: r"\bcommande\s+#?\d+".into(),
            }],
            vec![Action::AssignDepartment { department_id: 7 }],
        );
        assert!(ok.check(&known()).is_empty());
        assert!(rule(vec![], vec![]).check(&known())[0].field == "actions");
    }

    #[test]
    fn stored_json_refuses_unknown_fields() {
        let bad: Result<Vec<Condition>, _> =
            serde_json::from_str(r#"[{"field": "colour", "any_of": ["red"]}]"#);
        assert!(bad.is_err());
        let extra: Result<Vec<Action>, _> =
            serde_json::from_str(r#"[{"do": "priority", "on": true, "when": "now"}]"#);
        assert!(extra.is_err());
        let good: Vec<Action> =
            serde_json::from_str(r#"[{"do": "assign_department", "department_id": 2}]"#).unwrap();
        assert_eq!(good, vec![Action::AssignDepartment { department_id: 2 }]);
    }

    #[test]
    fn a_no_reply_rule_needs_its_delay() {
        let mut r = rule(vec![], vec![Action::Priority { on: true }]);
        r.trigger = Trigger::NoReply;
        assert_eq!(r.check(&known())[0].field, "delay_minutes");
        r.delay_minutes = Some(30);
        assert!(r.check(&known()).is_empty());
    }
}
