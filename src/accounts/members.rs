//! Team members (admins add them and set roles) and each member's own account page.

use crate::web::respond;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::accounts::password;
use crate::accounts::profile::looks_like_email;
use crate::accounts::repo::{self, Member};
use crate::clock::relative_fr;
use crate::db::{self, ids::UserId};
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Field, Tone, alert, badge, card, csrf_input, select, table};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::layout::{self, Nav};
use crate::web::roles::{Perm, Role};
use crate::web::sessions::{self, SessionInfo};
use crate::web::{AppState, paths};

mod text {
    pub const MEMBERS_TITLE: &str = "Membres de l'équipe";
    pub const ACCOUNT_TITLE: &str = "Mon compte";
    pub const ADD_TITLE: &str = "Ajouter un membre";
    pub const ADD_HINT: &str = "Choisissez un mot de passe provisoire et transmettez-le à votre collègue ; il pourra le changer dans « Mon compte ».";
    pub const EMAIL: &str = "Adresse e-mail";
    pub const NAME: &str = "Nom affiché";
    pub const PASSWORD: &str = "Mot de passe provisoire";
    pub const ROLE: &str = "Rôle";
    pub const ADD: &str = "Ajouter";
    pub const COLS: [&str; 5] = ["Membre", "Rôle", "Statut", "Depuis", "Actions"];
    pub const ACTIVE: &str = "Actif";
    pub const DISABLED: &str = "Désactivé";
    pub const CHANGE_ROLE: &str = "Changer";
    pub const DISABLE: &str = "Désactiver";
    pub const DISABLE_CONFIRM: &str = "Désactiver ce compte ? Ses sessions seront fermées.";
    pub const ENABLE: &str = "Réactiver";
    pub const YOU: &str = "vous";
    pub const LAST_ADMIN: &str =
        "Il doit rester au moins un administrateur actif : nommez-en un autre avant.";
    pub const ADDED: &str = "Membre ajouté.";
    pub const UPDATED: &str = "Membre mis à jour.";
    pub const ROLES_HELP: &str = "Administrateur : tout. Agent : conversations. Gestion des commandes : commandes et réservations. Lecture seule : consulte sans rien modifier.";
    pub const PASSWORD_TITLE: &str = "Changer de mot de passe";
    pub const CURRENT: &str = "Mot de passe actuel";
    pub const NEW: &str = "Nouveau mot de passe";
    pub const SAVE: &str = "Enregistrer";
    pub const WRONG_CURRENT: &str = "Le mot de passe actuel est incorrect.";
    pub const PASSWORD_CHANGED: &str = "Mot de passe changé. Vos autres sessions ont été fermées.";
    pub const SESSIONS_TITLE: &str = "Sessions ouvertes";
    pub const SESSION_COLS: [&str; 4] = ["Appareil", "Adresse IP", "Ouverte", "Dernière activité"];
    pub const THIS_DEVICE: &str = "cet appareil";
    pub const REVOKE_OTHERS: &str = "Fermer les autres sessions";
    pub const REVOKED: &str = "Les autres sessions ont été fermées.";
    pub const READ_ONLY: &str = "Votre rôle est en lecture seule : demandez à un administrateur pour modifier votre compte.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::MEMBERS, web::get().to(members_page))
        .route(paths::MEMBERS, web::post().to(add_member))
        .route(paths::MEMBER_UPDATE, web::post().to(update_member))
        .route(paths::SETTINGS_ACCOUNT, web::get().to(account_page))
        .route(paths::SETTINGS_PASSWORD, web::post().to(change_password))
        .route(
            paths::SETTINGS_SESSIONS_REVOKE,
            web::post().to(revoke_sessions),
        );
}

#[derive(Deserialize, Default)]
struct Flash {
    ok: Option<String>,
}

fn flash_text(flash: &Flash) -> Option<&'static str> {
    match flash.ok.as_deref()? {
        "added" => Some(text::ADDED),
        "updated" => Some(text::UPDATED),
        "password" => Some(text::PASSWORD_CHANGED),
        "revoked" => Some(text::REVOKED),
        _ => None,
    }
}

#[derive(Deserialize, Default)]
struct AddForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
}

fn role_options() -> Vec<(&'static str, &'static str)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.label_fr()))
        .collect()
}

fn members_view(
    staff: &Staff,
    members: &[Member],
    form: &AddForm,
    error: Option<&str>,
    notice: Option<&str>,
) -> Markup {
    let admin = staff.user.role.can(Perm::ManageMembers);
    let rows = members.iter().map(|m| {
        let me = m.id == staff.user.id;
        html! {
            tr {
                td {
                    strong { (if m.display_name.is_empty() { &m.email } else { &m.display_name }) }
                    @if me { " " (badge(text::YOU, Tone::Info)) }
                    br; span.muted { (m.email) }
                }
                td { (m.role.label_fr()) }
                td { @if m.disabled { (badge(text::DISABLED, Tone::Danger)) } @else { (badge(text::ACTIVE, Tone::Success)) } }
                td { (m.created_at.strftime("%d/%m/%Y")) }
                td {
                    @if admin {
                        form.inline method="post" action=(paths::with_id(paths::MEMBER_UPDATE, m.id)) {
                            (csrf_input(&staff.csrf))
                            input type="hidden" name="action" value="role";
                            label.visually-hidden for={ "role-" (m.id) } { (text::ROLE) }
                            select id={ "role-" (m.id) } name="role" {
                                @for (value, label) in role_options() {
                                    option value=(value) selected[value == m.role.as_str()] { (label) }
                                }
                            }
                            " " button.btn.small type="submit" { (text::CHANGE_ROLE) }
                        }
                        " "
                        form.inline method="post" action=(paths::with_id(paths::MEMBER_UPDATE, m.id)) {
                            (csrf_input(&staff.csrf))
                            @if m.disabled {
                                input type="hidden" name="action" value="enable";
                                button.btn.small type="submit" { (text::ENABLE) }
                            } @else {
                                input type="hidden" name="action" value="disable";
                                button.btn.small.danger type="submit" data-confirm=(text::DISABLE_CONFIRM) { (text::DISABLE) }
                            }
                        }
                    }
                }
            }
        }
    });
    let body = html! {
        @if let Some(n) = notice { (alert(Tone::Success, n)) }
        @if let Some(e) = error { (alert(Tone::Danger, e)) }
        p.muted { (text::ROLES_HELP) }
        (table(&text::COLS, rows))
        @if admin {
            br;
            (card(text::ADD_TITLE, html! {
                p { a href=(paths::INVITATIONS) { "Inviter par e-mail (la personne choisit son mot de passe) →" } }
                p.muted { (text::ADD_HINT) }
                form.stack method="post" action=(paths::MEMBERS) {
                    (csrf_input(&staff.csrf))
                    (Field::new(text::EMAIL, "email").kind("email").value(&form.email).required().render())
                    (Field::new(text::NAME, "display_name").value(&form.display_name).render())
                    (Field::new(text::PASSWORD, "password").kind("password").required().autocomplete("new-password").render())
                    (select(text::ROLE, "role", &role_options(), if form.role.is_empty() { "agent" } else { &form.role }))
                    div.actions { button.btn.primary type="submit" { (text::ADD) } }
                }
            }))
        }
    };
    layout::page(staff, Nav::Settings, text::MEMBERS_TITLE, body)
}

async fn load_members(state: &AppState) -> Result<Vec<Member>, AppError> {
    db::call(&state.db, |conn| repo::list_members(conn)).await
}

async fn members_page(
    state: web::Data<AppState>,
    staff: Staff,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let members = load_members(&state).await?;
    Ok(respond::html(
        StatusCode::OK,
        members_view(
            &staff,
            &members,
            &AddForm::default(),
            None,
            flash_text(&flash),
        ),
    ))
}

async fn add_member(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<AddForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageMembers)?;
    let role = form.role.parse::<Role>();
    let problem = if !looks_like_email(&form.email) {
        Some("Saisissez une adresse e-mail valide pour le nouveau membre.".to_string())
    } else if let Err(e) = password::check_strength(&form.password) {
        Some(e.to_string())
    } else if role.is_err() {
        Some("Choisissez un rôle dans la liste.".to_string())
    } else {
        None
    };
    let mut error = problem;
    if error.is_none() {
        let pw = form.password.clone();
        let hash = web::block(move || password::hash(&pw))
            .await?
            .map_err(AppError::Internal)?;
        let (email, name, now) = (
            form.email.clone(),
            form.display_name.clone(),
            state.clock.now(),
        );
        let role = role.unwrap_or(Role::ReadOnly);
        let created = db::call(&state.db, move |conn| {
            match repo::create_user(conn, &email, &name, &hash, role, now) {
                Ok(_) => Ok(None),
                Err(AppError::BadRequest(message)) => Ok(Some(message)),
                Err(e) => Err(e),
            }
        })
        .await?;
        match created {
            None => return Ok(respond::redirect(format!("{}?ok=added", paths::MEMBERS))),
            Some(message) => error = Some(message),
        }
    }
    let members = load_members(&state).await?;
    Ok(respond::html(
        StatusCode::BAD_REQUEST,
        members_view(&staff, &members, &form, error.as_deref(), None),
    ))
}

#[derive(Deserialize)]
struct UpdateForm {
    action: String,
    #[serde(default)]
    role: String,
}

async fn update_member(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<UserId>,
    CsrfForm(form): CsrfForm<UpdateForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageMembers)?;
    let id = path.into_inner();
    let now = state.clock.now();
    let new_role = match form.action.as_str() {
        "role" => Some(
            form.role
                .parse::<Role>()
                .map_err(|_| AppError::BadRequest("Choisissez un rôle dans la liste.".into()))?,
        ),
        "disable" | "enable" => None,
        _ => return Err(AppError::BadRequest("Action inconnue.".into())),
    };
    let action = form.action.clone();
    let outcome = db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<_, AppError> {
            let member = repo::member(tx, id)?.ok_or(AppError::NotFound)?;
            let was_active_admin = member.role == Role::Admin && !member.disabled;
            let stays_admin = match action.as_str() {
                "role" => new_role == Some(Role::Admin),
                "disable" => false,
                _ => member.role == Role::Admin,
            };
            if was_active_admin && !stays_admin && repo::active_admins(tx)? <= 1 {
                return Ok(Some(text::LAST_ADMIN));
            }
            match (action.as_str(), new_role) {
                ("role", Some(role)) => repo::set_role(tx, id, role)?,
                ("disable", _) => repo::set_disabled(tx, id, true, now)?,
                _ => repo::set_disabled(tx, id, false, now)?,
            }
            Ok(None)
        })
    })
    .await?;
    match outcome {
        None => Ok(respond::redirect(format!("{}?ok=updated", paths::MEMBERS))),
        Some(message) => {
            let members = load_members(&state).await?;
            Ok(respond::html(
                StatusCode::CONFLICT,
                members_view(&staff, &members, &AddForm::default(), Some(message), None),
            ))
        }
    }
}

fn account_view(
    staff: &Staff,
    sessions: &[SessionInfo],
    now: jiff::Timestamp,
    error: Option<&str>,
    notice: Option<&str>,
) -> Markup {
    let can_edit = staff.user.role.can(Perm::ManageOwnAccount);
    let rows = sessions.iter().map(|s| {
        let device = if s.user_agent.is_empty() { "—" } else { s.user_agent.as_str() };
        html! {
            tr {
                td { (device) @if s.token_hash == staff.session_hash { " " (badge(text::THIS_DEVICE, Tone::Info)) } }
                td { (s.ip) }
                td { (relative_fr(s.created_at, now)) }
                td { (relative_fr(s.last_seen_at, now)) }
            }
        }
    });
    let body = html! {
        @if let Some(n) = notice { (alert(Tone::Success, n)) }
        @if let Some(e) = error { (alert(Tone::Danger, e)) }
        p { strong { (staff.user.email) } " · " (staff.user.role.label_fr()) }
        @if can_edit {
            (card(text::PASSWORD_TITLE, html! {
                form.stack method="post" action=(paths::SETTINGS_PASSWORD) {
                    (csrf_input(&staff.csrf))
                    (Field::new(text::CURRENT, "current").kind("password").required().autocomplete("current-password").render())
                    (Field::new(text::NEW, "new").kind("password").required().autocomplete("new-password").hint("Au moins 10 caractères.").render())
                    div.actions { button.btn.primary type="submit" { (text::SAVE) } }
                }
            }))
        } @else {
            (alert(Tone::Info, text::READ_ONLY))
        }
        (card(text::SESSIONS_TITLE, html! {
            (table(&text::SESSION_COLS, rows))
            @if can_edit && sessions.len() > 1 {
                br;
                form method="post" action=(paths::SETTINGS_SESSIONS_REVOKE) {
                    (csrf_input(&staff.csrf))
                    button.btn type="submit" { (text::REVOKE_OTHERS) }
                }
            }
        }))
    };
    layout::page(staff, Nav::Settings, text::ACCOUNT_TITLE, body)
}

async fn load_sessions(
    state: &AppState,
    staff: &Staff,
) -> Result<(Vec<SessionInfo>, jiff::Timestamp), AppError> {
    let (user, now) = (staff.user.id, state.clock.now());
    let sessions = db::call(&state.db, move |conn| {
        sessions::list_sessions(conn, user, now)
    })
    .await?;
    Ok((sessions, now))
}

async fn account_page(
    state: web::Data<AppState>,
    staff: Staff,
    flash: web::Query<Flash>,
) -> Result<HttpResponse, AppError> {
    let (sessions, now) = load_sessions(&state, &staff).await?;
    Ok(respond::html(
        StatusCode::OK,
        account_view(&staff, &sessions, now, None, flash_text(&flash)),
    ))
}

#[derive(Deserialize)]
struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
}

async fn change_password(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageOwnAccount)?;
    let user = staff.user.id;
    let stored = db::call(&state.db, move |conn| repo::password_hash(conn, user)).await?;
    let (current, new) = (form.current.clone(), form.new.clone());
    let checked = web::block(move || {
        if !password::verify(&current, &stored) {
            return Ok(Err(text::WRONG_CURRENT));
        }
        if let Err(e) = password::check_strength(&new) {
            return Ok(Err(e));
        }
        password::hash(&new).map(Ok)
    })
    .await?
    .map_err(AppError::Internal)?;
    match checked {
        Ok(hash) => {
            let keep = staff.session_hash.clone();
            db::call(&state.db, move |conn| {
                db::write(conn, |tx| repo::set_password(tx, user, &hash, Some(&keep)))
            })
            .await?;
            Ok(respond::redirect(format!(
                "{}?ok=password",
                paths::SETTINGS_ACCOUNT
            )))
        }
        Err(message) => {
            let (sessions, now) = load_sessions(&state, &staff).await?;
            Ok(respond::html(
                StatusCode::BAD_REQUEST,
                account_view(&staff, &sessions, now, Some(message), None),
            ))
        }
    }
}

async fn revoke_sessions(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageOwnAccount)?;
    let (user, keep) = (staff.user.id, staff.session_hash.clone());
    db::call(&state.db, move |conn| {
        sessions::delete_other_sessions(conn, user, &keep)
    })
    .await?;
    Ok(respond::redirect(format!(
        "{}?ok=revoked",
        paths::SETTINGS_ACCOUNT
    )))
}
