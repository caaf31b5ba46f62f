//! Paramètres > Boîte de réception: the departments conversations are assigned to
//! (Ventes, Support…) and the saved replies a teammate inserts, whose `{prenom}`,
//! `{produit}` and `{lien_suivi}` are filled in from the conversation.

use crate::web::respond;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use crate::db;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, csrf_input};
use crate::web::csrf::CsrfForm;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths};

/// The variables a saved reply may use.
pub const VARIABLES: [&str; 3] = ["prenom", "produit", "lien_suivi"];

mod text {
    pub const TITLE: &str = "Boîte de réception";
    pub const REPLIES: &str = "Réponses enregistrées";
    pub const REPLIES_INTRO: &str = "Des réponses toutes prêtes à insérer dans une conversation. Variables remplies automatiquement :";
    pub const DEPARTMENTS: &str = "Départements";
    pub const DEPARTMENTS_INTRO: &str =
        "Pour répartir les conversations : Ventes, Support, Boutique…";
    pub const NAME: &str = "Nom";
    pub const REPLY_TITLE: &str = "Titre";
    pub const REPLY_BODY: &str = "Texte";
    pub const ADD: &str = "Ajouter";
    pub const SAVE: &str = "Enregistrer";
    pub const DELETE: &str = "Supprimer";
    pub const SAVED: &str = "Enregistré.";
    pub const DELETED: &str = "Supprimé.";
    pub const READ_ONLY: &str = "Seul un administrateur peut modifier ces réglages.";
    pub const NONE_YET: &str = "Aucune pour l'instant.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::SETTINGS_INBOX, web::get().to(page))
        .route(paths::SAVED_REPLY, web::post().to(save_reply))
        .route(paths::DEPARTMENT, web::post().to(save_department))
        .route(paths::DEPARTMENT_MEMBERS, web::post().to(save_members));
}

#[derive(Debug, Clone)]
pub struct SavedReply {
    pub id: i64,
    pub title: String,
    pub body: String,
}

pub fn saved_replies(conn: &Connection) -> Result<Vec<SavedReply>, AppError> {
    let rows = conn
        .prepare_cached("SELECT id, title, body FROM saved_replies ORDER BY title COLLATE NOCASE")?
        .query_map([], |r| {
            Ok(SavedReply {
                id: r.get(0)?,
                title: r.get(1)?,
                body: r.get(2)?,
            })
        })?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

pub fn departments(conn: &Connection) -> Result<Vec<(i64, String)>, AppError> {
    let rows = conn
        .prepare_cached("SELECT id, name FROM departments ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

/// Members a conversation can be assigned to: active, and allowed to work conversations.
pub fn assignable(conn: &Connection) -> Result<Vec<crate::accounts::repo::Member>, AppError> {
    Ok(crate::accounts::repo::list_members(conn)?
        .into_iter()
        .filter(|m| !m.disabled && m.role.can(Perm::WorkConversations))
        .collect())
}

pub fn department_exists(conn: &Connection, id: i64) -> Result<bool, AppError> {
    Ok(conn
        .query_row("SELECT 1 FROM departments WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

/// A variable in `body` that saved replies do not offer, if any.
fn unknown_variable(body: &str) -> Option<String> {
    let mut rest = body;
    while let Some(start) = rest.find('{') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('}') else { break };
        let name = &after[..end];
        if !VARIABLES.contains(&name) {
            return Some(name.to_string());
        }
        rest = &after[end + 1..];
    }
    None
}

/// Each department's members (who the rules give its conversations to, in turn).
pub fn department_members(conn: &Connection) -> Result<Vec<(i64, i64)>, AppError> {
    let rows = conn
        .prepare_cached("SELECT department_id, user_id FROM department_members")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    Ok(rows)
}

fn view(
    staff: &Staff,
    replies: &[SavedReply],
    departments: &[(i64, String)],
    members: &[crate::accounts::repo::Member],
    belongs: &[(i64, i64)],
    notice: Option<(Tone, String)>,
) -> Markup {
    let editable = staff.user.role.can(Perm::ManageShop);
    let new = paths::with_id(paths::SAVED_REPLY, "new");
    html! {
        @if let Some((tone, n)) = &notice { (alert(*tone, n)) }
        @if !editable { (alert(Tone::Info, text::READ_ONLY)) }
        section.card {
            h2 { (text::REPLIES) }
            p.muted { (text::REPLIES_INTRO) " " @for v in VARIABLES { code { "{" (v) "}" } " " } }
            @if replies.is_empty() { p.muted { (text::NONE_YET) } }
            @for r in replies {
                form.stack method="post" action=(paths::with_id(paths::SAVED_REPLY, r.id)) {
                    (csrf_input(&staff.csrf))
                    fieldset.stack disabled[!editable] {
                        label { (text::REPLY_TITLE) input type="text" name="title" value=(r.title) maxlength="80" required; }
                        label { (text::REPLY_BODY) textarea name="body" rows="3" maxlength="2000" required { (r.body) } }
                        div.actions {
                            button.btn type="submit" { (text::SAVE) }
                            " " button.btn.danger type="submit" name="delete" value="1" formnovalidate { (text::DELETE) }
                        }
                    }
                }
            }
            form.stack method="post" action=(new) {
                (csrf_input(&staff.csrf))
                fieldset.stack disabled[!editable] {
                    label { (text::REPLY_TITLE) input type="text" name="title" maxlength="80" required placeholder="Suivi de commande"; }
                    label { (text::REPLY_BODY) textarea name="body" rows="3" maxlength="2000" required placeholder="Bonjour {prenom}, votre colis est en route : {lien_suivi}" {} }
                    div.actions { button.btn.primary type="submit" { (text::ADD) } }
                }
            }
        }
        section.card {
            h2 { (text::DEPARTMENTS) }
            p.muted { (text::DEPARTMENTS_INTRO) }
            @for (id, name) in departments {
                form.inline-form method="post" action=(paths::with_id(paths::DEPARTMENT, id)) {
                    (csrf_input(&staff.csrf))
                    fieldset disabled[!editable] {
                        input type="text" name="name" value=(name) maxlength="60" required aria-label=(text::NAME);
                        " " button.btn type="submit" { (text::SAVE) }
                        " " button.btn.danger type="submit" name="delete" value="1" formnovalidate { (text::DELETE) }
                    }
                }
                @if !members.is_empty() {
                    form.stack.department-members method="post" action=(paths::with_id(paths::DEPARTMENT_MEMBERS, id)) {
                        (csrf_input(&staff.csrf))
                        fieldset disabled[!editable] {
                            legend { "Qui reçoit les conversations de « " (name) " » (à tour de rôle, par les automatisations)" }
                            @for m in members {
                                label.checkbox {
                                    input type="checkbox" name="member" value=(m.id.0) checked[belongs.contains(&(*id, m.id.0))];
                                    " " (if m.display_name.is_empty() { &m.email } else { &m.display_name })
                                    @if m.away { " " span.muted { "(absent)" } }
                                }
                            }
                            div.actions { button.btn.small type="submit" { (text::SAVE) } }
                        }
                    }
                }
            }
            form.inline-form method="post" action=(paths::with_id(paths::DEPARTMENT, "new")) {
                (csrf_input(&staff.csrf))
                fieldset disabled[!editable] {
                    input type="text" name="name" maxlength="60" required placeholder="Ventes" aria-label=(text::NAME);
                    " " button.btn.primary type="submit" { (text::ADD) }
                }
            }
        }
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    notice: Option<(Tone, String)>,
) -> Result<HttpResponse, AppError> {
    let (replies, departments, members, belongs) =
        db::call(&state.db, |conn| -> Result<_, AppError> {
            Ok((
                saved_replies(conn)?,
                departments(conn)?,
                assignable(conn)?,
                department_members(conn)?,
            ))
        })
        .await?;
    let body = view(staff, &replies, &departments, &members, &belongs, notice);
    Ok(respond::html(
        status,
        layout::page(staff, Nav::Settings, text::TITLE, body),
    ))
}

#[derive(Deserialize)]
struct Done {
    ok: Option<String>,
}

async fn page(
    state: web::Data<AppState>,
    staff: Staff,
    done: web::Query<Done>,
) -> Result<HttpResponse, AppError> {
    let notice = match done.ok.as_deref() {
        Some("saved") => Some((Tone::Success, text::SAVED.to_string())),
        Some("deleted") => Some((Tone::Success, text::DELETED.to_string())),
        _ => None,
    };
    render(&state, &staff, StatusCode::OK, notice).await
}

/// Back to the page after a change (so a reload does not post again).
fn saved(what: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?ok={what}", paths::SETTINGS_INBOX),
        ))
        .finish()
}

/// `new` or an existing row's id.
fn target(segment: &str) -> Result<Option<i64>, AppError> {
    match segment {
        "new" => Ok(None),
        id => id.parse().map(Some).map_err(|_| AppError::NotFound),
    }
}

#[derive(Deserialize)]
struct ReplyForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    body: String,
    #[serde(default)]
    delete: Option<String>,
}

async fn save_reply(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<ReplyForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = target(&path)?;
    let now = state.clock.now().as_second();
    if form.delete.is_some() {
        let id = id.ok_or(AppError::NotFound)?;
        db::call(&state.db, move |conn| {
            db::write(conn, |tx| -> Result<_, AppError> {
                tx.execute("DELETE FROM saved_replies WHERE id = ?1", [id])?;
                Ok(())
            })
        })
        .await?;
        return Ok(saved("deleted"));
    }
    let (title, body) = (form.title.trim().to_string(), form.body.trim().to_string());
    let problem = if title.is_empty() || body.is_empty() {
        Some("Donnez un titre et un texte à la réponse.".to_string())
    } else if title.chars().count() > 80 || body.chars().count() > 2000 {
        Some("Le titre fait au plus 80 caractères, le texte 2 000.".to_string())
    } else {
        unknown_variable(&body).map(|v| {
            format!(
                "La variable {{{v}}} n'existe pas. Variables possibles : {{prenom}}, {{produit}}, {{lien_suivi}}."
            )
        })
    };
    if let Some(problem) = problem {
        return render(
            &state,
            &staff,
            StatusCode::BAD_REQUEST,
            Some((Tone::Danger, problem)),
        )
        .await;
    }
    let changed = db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<_, AppError> {
            Ok(match id {
                None => tx.execute(
                    "INSERT INTO saved_replies (title, body, updated_at) VALUES (?1, ?2, ?3)",
                    params![title, body, now],
                )?,
                Some(id) => tx.execute(
                    "UPDATE saved_replies SET title = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
                    params![id, title, body, now],
                )?,
            })
        })
    })
    .await?;
    if changed == 0 {
        return Err(AppError::NotFound);
    }
    Ok(saved("saved"))
}

#[derive(Deserialize)]
struct DepartmentForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    delete: Option<String>,
}

async fn save_department(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<DepartmentForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = target(&path)?;
    let now = state.clock.now().as_second();
    if form.delete.is_some() {
        let id = id.ok_or(AppError::NotFound)?;
        db::call(&state.db, move |conn| {
            db::write(conn, |tx| -> Result<_, AppError> {
                // Conversations keep no dangling department.
                tx.execute(
                    "UPDATE conversations SET department_id = NULL WHERE department_id = ?1",
                    [id],
                )?;
                tx.execute("DELETE FROM departments WHERE id = ?1", [id])?;
                Ok(())
            })
        })
        .await?;
        return Ok(saved("deleted"));
    }
    let name = form.name.trim().to_string();
    if name.is_empty() || name.chars().count() > 60 {
        return render(
            &state,
            &staff,
            StatusCode::BAD_REQUEST,
            Some((
                Tone::Danger,
                "Le nom d'un département fait de 1 à 60 caractères.".into(),
            )),
        )
        .await;
    }
    let taken_name = name.clone();
    let result = db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            let taken: bool = tx
                .query_row(
                    "SELECT 1 FROM departments WHERE name = ?1 AND id IS NOT ?2",
                    params![name, id],
                    |_| Ok(()),
                )
                .optional()?
                .is_some();
            if taken {
                return Ok(false);
            }
            let changed = match id {
                None => tx.execute(
                    "INSERT INTO departments (name, created_at) VALUES (?1, ?2)",
                    params![name, now],
                )?,
                Some(id) => tx.execute(
                    "UPDATE departments SET name = ?2 WHERE id = ?1",
                    params![id, name],
                )?,
            };
            if changed == 0 {
                return Err(AppError::NotFound);
            }
            Ok(true)
        })
    })
    .await?;
    if !result {
        return render(
            &state,
            &staff,
            StatusCode::BAD_REQUEST,
            Some((
                Tone::Danger,
                format!("Le département « {taken_name} » existe déjà."),
            )),
        )
        .await;
    }
    Ok(saved("saved"))
}

/// Sets who receives a department's conversations: the checked members (among those who
/// may work conversations); the others leave it.
async fn save_members(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let department = path.into_inner();
    let mut chosen = Vec::new();
    for (key, value) in &form {
        match key.as_str() {
            "member" => chosen.push(value.parse::<i64>().map_err(|_| {
                AppError::BadRequest("Ce membre n'existe pas : rechargez la page.".into())
            })?),
            crate::web::csrf::FIELD => {}
            other => {
                return Err(AppError::BadRequest(format!(
                    "Le champ « {other} » n'existe pas dans ce formulaire : rechargez la page."
                )));
            }
        }
    }
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<(), AppError> {
            if !department_exists(tx, department)? {
                return Err(AppError::NotFound);
            }
            let allowed: Vec<i64> = assignable(tx)?.iter().map(|m| m.id.0).collect();
            if let Some(bad) = chosen.iter().find(|m| !allowed.contains(m)) {
                return Err(AppError::BadRequest(format!(
                    "Le membre n° {bad} ne peut pas recevoir de conversations (désactivé, ou son rôle ne le permet pas)."
                )));
            }
            let json = serde_json::to_string(&chosen).unwrap_or_else(|_| "[]".into());
            tx.execute(
                "DELETE FROM department_members WHERE department_id = ?1
                   AND user_id NOT IN (SELECT value FROM json_each(?2))",
                params![department, json],
            )?;
            // A newcomer takes the next turn after those already in the round.
            tx.execute(
                "INSERT OR IGNORE INTO department_members (department_id, user_id, turn)
                 SELECT ?1, value, (SELECT COALESCE(max(turn), 0) FROM department_members
                                    WHERE department_id = ?1)
                 FROM json_each(?2)",
                params![department, json],
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(saved("saved"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_offered_variables_are_accepted() {
        assert_eq!(unknown_variable("Bonjour {prenom}, {lien_suivi}"), None);
        assert_eq!(unknown_variable("{prénom}").as_deref(), Some("prénom"));
        assert_eq!(unknown_variable("pas de variable"), None);
    }
}
