//! Inviting a teammate by e-mail with a role (Paramètres › Membres de l'équipe): a
//! single-use link valid seven days, e-mailed through Resend when e-mail is set up and
//! always shown to copy; the invitee chooses a name and a password and lands in the app
//! with their role. Invitations are listed with their state and can be resent or
//! revoked; a used, expired or revoked link gets a page saying so.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use jiff::{SignedDuration, Timestamp};
use maud::{Markup, html};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Deserialize;

use crate::accounts::{password, profile::looks_like_email, repo as users, start_session};
use crate::assistant::outbox::Pending;
use crate::channels::sender::Delivery;
use crate::clock::{from_unix, relative_fr};
use crate::db;
use crate::engine::Channel;
use crate::error::AppError;
use crate::token;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, badge, csrf_input, table};
use crate::web::csrf::{CsrfForm, CsrfToken};
use crate::web::layout::{self, Nav};
use crate::web::roles::{Perm, Role};
use crate::web::{AppState, paths, respond};

/// How long a link works.
pub const VALID_DAYS: i64 = 7;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::INVITATIONS, web::get().to(list_page))
        .route(paths::INVITATIONS, web::post().to(invite))
        .route(paths::INVITATION_CHANGE, web::post().to(change))
        .route(paths::INVITATION_ACCEPT, web::get().to(accept_page))
        .route(paths::INVITATION_ACCEPT, web::post().to(accept));
}

#[derive(Debug, Clone, PartialEq)]
pub struct Invitation {
    pub id: i64,
    pub email: String,
    pub role: Role,
    pub created_at: i64,
    pub expires_at: i64,
    pub sent_at: Option<i64>,
    pub accepted_at: Option<i64>,
    pub revoked_at: Option<i64>,
}

impl Invitation {
    fn state(&self, now: i64) -> (&'static str, Tone) {
        match (self.accepted_at, self.revoked_at) {
            (Some(_), _) => ("Acceptée", Tone::Success),
            (_, Some(_)) => ("Révoquée", Tone::Neutral),
            _ if self.expires_at <= now => ("Expirée", Tone::Warning),
            _ if self.sent_at.is_some() => ("Envoyée", Tone::Info),
            _ => ("Lien à transmettre", Tone::Info),
        }
    }
}

fn row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Invitation> {
    Ok(Invitation {
        id: r.get(0)?,
        email: r.get(1)?,
        role: r.get::<_, String>(2)?.parse().unwrap_or(Role::ReadOnly),
        created_at: r.get(3)?,
        expires_at: r.get(4)?,
        sent_at: r.get(5)?,
        accepted_at: r.get(6)?,
        revoked_at: r.get(7)?,
    })
}

const COLUMNS: &str =
    "id, email, role, created_at, expires_at, sent_at, accepted_at, revoked_at FROM invitations";

pub fn list(conn: &Connection) -> Result<Vec<Invitation>, AppError> {
    Ok(conn
        .prepare_cached(&format!("SELECT {COLUMNS} ORDER BY id DESC LIMIT 100"))?
        .query_map([], row)?
        .collect::<Result<_, _>>()?)
}

/// A new invitation (or a fresh link for the same one); the link's token.
fn create(
    conn: &Connection,
    email: &str,
    role: Role,
    by: i64,
    now: Timestamp,
) -> Result<(i64, String), AppError> {
    let t = token::random_token();
    let id = conn
        .prepare_cached(
            "INSERT INTO invitations (email, role, token_hash, invited_by, created_at, expires_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )?
        .query_row(
            params![
                email,
                role.as_str(),
                token::hash_token(&t),
                by,
                now.as_second(),
                (now + SignedDuration::from_hours(24 * VALID_DAYS)).as_second()
            ],
            |r| r.get(0),
        )?;
    Ok((id, t))
}

/// What a link's token leads to.
enum Found {
    Open(Invitation),
    /// Used, expired, revoked or unknown: the sentence for the page.
    Closed(&'static str),
}

fn find(conn: &Connection, t: &str, now: Timestamp) -> Result<Found, AppError> {
    let inv = conn
        .prepare_cached(&format!("SELECT {COLUMNS} WHERE token_hash = ?1"))?
        .query_row([token::hash_token(t.trim())], row)
        .optional()?;
    Ok(match inv {
        None => Found::Closed(
            "Ce lien d'invitation n'existe pas : vérifiez qu'il est complet, ou demandez-en un nouveau.",
        ),
        Some(i) if i.accepted_at.is_some() => Found::Closed(
            "Cette invitation a déjà servi : connectez-vous avec votre adresse e-mail et votre mot de passe.",
        ),
        Some(i) if i.revoked_at.is_some() => Found::Closed(
            "Cette invitation a été annulée : demandez-en une nouvelle à un administrateur.",
        ),
        Some(i) if i.expires_at <= now.as_second() => Found::Closed(
            "Cette invitation a expiré (elle vaut 7 jours) : demandez-en une nouvelle à un administrateur.",
        ),
        Some(i) => Found::Open(i),
    })
}

fn link(state: &AppState, staff: &Staff, t: &str) -> String {
    let base = state
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| staff.origin.clone());
    format!(
        "{}{}",
        base.trim_end_matches('/'),
        paths::with_id(paths::INVITATION_ACCEPT, t)
    )
}

/// E-mails the link when Resend is set up; whether it went.
async fn send(state: &AppState, shop: &str, to: &str, role: Role, url: &str) -> bool {
    let Ok(channels) = crate::channels::settings::current(state).await else {
        return false;
    };
    if channels.resend.api_key.is_none() || channels.resend.from.is_none() {
        return false;
    }
    let pending = Pending {
        id: 0,
        channel: Channel::Email,
        recipient: to.to_string(),
        body: format!(
            "Bonjour,\n\nVous êtes invité(e) à rejoindre l'équipe de {shop} sur Comptoir ({}).\nChoisissez votre nom et votre mot de passe ici (lien valable {VALID_DAYS} jours, une seule fois) :\n{url}\n\nSi vous ne vous attendiez pas à cette invitation, ignorez simplement cet e-mail.",
            role.label_fr()
        ),
        subject: format!("Invitation à rejoindre {shop} sur Comptoir"),
        in_reply_to: String::new(),
        attempt: 1,
        unsure_since: None,
        attachment: String::new(),
    };
    let http = state.http.clone();
    let sent = tokio::task::spawn_blocking(move || {
        crate::channels::resend::send(&http, &channels, &pending)
    })
    .await;
    matches!(sent, Ok(Delivery::Sent(_)))
}

async fn render(
    state: &AppState,
    staff: &Staff,
    message: Option<(Tone, String)>,
    shown: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let invitations = db::call(&state.db, |conn| list(conn)).await?;
    let now = state.clock.now().as_second();
    let roles: Vec<(&str, &str)> = Role::ALL
        .iter()
        .map(|r| (r.as_str(), r.label_fr()))
        .collect();
    let body: Markup = html! {
        @if let Some((tone, m)) = &message { (alert(*tone, m)) }
        @if let Some(url) = &shown {
            div.alert.info role="status" {
                p { "Le lien d'invitation (valable " (VALID_DAYS) " jours, une seule fois) — à transmettre si l'e-mail n'est pas arrivé :" }
                p { code.secret { (url) } }
            }
        }
        section.card {
            h2 { "Inviter un membre" }
            form method="post" action=(paths::INVITATIONS) {
                (csrf_input(&staff.csrf))
                div.field {
                    label for="i-email" { "Adresse e-mail" }
                    input #i-email type="email" name="email" required maxlength="200";
                }
                div.field {
                    label for="i-role" { "Rôle" }
                    select #i-role name="role" {
                        @for (v, l) in &roles { option value=(v) selected[*v == "agent"] { (l) } }
                    }
                }
                button.btn.primary type="submit" { "Inviter" }
            }
        }
        section.card {
            h2 { "Invitations" }
            @if invitations.is_empty() { p.muted { "Aucune invitation pour l'instant." } }
            @else {
                (table(&["Adresse", "Rôle", "État", "Créée", ""], invitations.iter().map(|i| {
                    let (label, tone) = i.state(now);
                    let open = i.accepted_at.is_none() && i.revoked_at.is_none();
                    html! { tr {
                        td { (i.email) }
                        td { (i.role.label_fr()) }
                        td { (badge(label, tone)) }
                        td { (relative_fr(from_unix(i.created_at), from_unix(now))) }
                        td {
                            @if open {
                                form.inline method="post" action=(paths::with_id(paths::INVITATION_CHANGE, i.id)) {
                                    (csrf_input(&staff.csrf))
                                    button.btn.small type="submit" name="action" value="resend" { "Renvoyer" }
                                    " "
                                    button.btn.small.danger type="submit" name="action" value="revoke" { "Révoquer" }
                                }
                            }
                        }
                    } }
                })))
            }
        }
    };
    Ok(respond::html(
        status,
        layout::page(staff, Nav::Settings, "Invitations", body),
    ))
}

async fn list_page(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageMembers)?;
    render(&state, &staff, None, None, StatusCode::OK).await
}

#[derive(Deserialize)]
struct InviteForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    role: String,
}

async fn invite(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<InviteForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageMembers)?;
    let email = form.email.trim().to_lowercase();
    let Ok(role) = form.role.parse::<Role>() else {
        return render(
            &state,
            &staff,
            Some((Tone::Danger, "Choisissez un rôle.".into())),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    if !looks_like_email(&email) {
        return render(
            &state,
            &staff,
            Some((
                Tone::Danger,
                "Cette adresse e-mail n'est pas valable (exemple : lea@boutique.fr).".into(),
            )),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let (by, now) = (staff.user.id.0, state.clock.now());
    let e = email.clone();
    let made = db::call(&state.db, move |conn| {
        db::write(
            conn,
            |tx| -> Result<Option<(i64, String, String)>, AppError> {
                if users::find_by_email(tx, &e)?.is_some() {
                    return Ok(None);
                }
                let shop = users::profile(tx)?
                    .map(|p| p.business_name)
                    .unwrap_or_default();
                let (id, t) = create(tx, &e, role, by, now)?;
                Ok(Some((id, t, shop)))
            },
        )
    })
    .await?;
    let Some((id, t, shop)) = made else {
        return render(
            &state,
            &staff,
            Some((
                Tone::Warning,
                "Cette personne fait déjà partie de l'équipe.".into(),
            )),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let url = link(&state, &staff, &t);
    let sent = send(&state, &shop, &email, role, &url).await;
    if sent {
        let now = state.clock.now().as_second();
        db::call(&state.db, move |conn| {
            db::write(conn, |tx| -> Result<(), AppError> {
                tx.execute(
                    "UPDATE invitations SET sent_at = ?2 WHERE id = ?1",
                    params![id, now],
                )?;
                Ok(())
            })
        })
        .await?;
    }
    let note = if sent {
        format!("Invitation envoyée à {email}.")
    } else {
        format!(
            "L'e-mail n'est pas configuré (Paramètres › Canaux) : transmettez ce lien à {email}."
        )
    };
    render(
        &state,
        &staff,
        Some((Tone::Success, note)),
        Some(url),
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
struct ChangeForm {
    action: String,
}

async fn change(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<ChangeForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageMembers)?;
    let id = path.into_inner();
    let now = state.clock.now();
    match form.action.as_str() {
        "revoke" => {
            db::call(&state.db, move |conn| {
                db::write(conn, |tx| -> Result<(), AppError> {
                    tx.execute(
                        "UPDATE invitations SET revoked_at = ?2 WHERE id = ?1 AND accepted_at IS NULL",
                        params![id, now.as_second()],
                    )?;
                    Ok(())
                })
            })
            .await?;
            render(
                &state,
                &staff,
                Some((
                    Tone::Success,
                    "Invitation révoquée : son lien ne marche plus.".into(),
                )),
                None,
                StatusCode::OK,
            )
            .await
        }
        "resend" => {
            // A fresh link and seven more days; the old link stops working.
            let found = db::call(&state.db, move |conn| {
                db::write(conn, |tx| -> Result<Option<(Invitation, String, String)>, AppError> {
                    let Some(inv) = tx
                        .prepare_cached(&format!("SELECT {COLUMNS} WHERE id = ?1 AND accepted_at IS NULL"))?
                        .query_row([id], row)
                        .optional()?
                    else {
                        return Ok(None);
                    };
                    let t = token::random_token();
                    tx.execute(
                        "UPDATE invitations SET token_hash = ?2, expires_at = ?3, revoked_at = NULL, sent_at = NULL
                         WHERE id = ?1",
                        params![id, token::hash_token(&t), (now + SignedDuration::from_hours(24 * VALID_DAYS)).as_second()],
                    )?;
                    let shop = users::profile(tx)?.map(|p| p.business_name).unwrap_or_default();
                    Ok(Some((inv, t, shop)))
                })
            })
            .await?;
            let Some((inv, t, shop)) = found else {
                return Err(AppError::NotFound);
            };
            let url = link(&state, &staff, &t);
            let sent = send(&state, &shop, &inv.email, inv.role, &url).await;
            if sent {
                db::call(&state.db, move |conn| {
                    db::write(conn, |tx| -> Result<(), AppError> {
                        tx.execute(
                            "UPDATE invitations SET sent_at = ?2 WHERE id = ?1",
                            params![id, now.as_second()],
                        )?;
                        Ok(())
                    })
                })
                .await?;
            }
            render(
                &state,
                &staff,
                Some((Tone::Success, format!("Nouveau lien pour {}.", inv.email))),
                Some(url),
                StatusCode::OK,
            )
            .await
        }
        _ => Err(AppError::BadRequest("Action inconnue.".into())),
    }
}

fn closed_page(message: &str) -> HttpResponse {
    respond::html(
        StatusCode::OK,
        layout::bare_page(
            "Invitation",
            html! {
                h1 { "Invitation" }
                p { (message) }
                p { a href=(paths::LOGIN) { "Se connecter" } }
            },
        ),
    )
}

fn accept_form(csrf: &str, inv: &Invitation, name: &str, problem: Option<&str>) -> Markup {
    layout::bare_page(
        "Rejoindre l'équipe",
        html! {
            h1 { "Rejoindre l'équipe" }
            p { "Vous êtes invité(e) en tant que " strong { (inv.role.label_fr()) } " avec l'adresse " strong { (inv.email) } "." }
            @if let Some(p) = problem { (alert(Tone::Danger, p)) }
            form.stack method="post" {
                (csrf_input(csrf))
                div.field {
                    label for="a-name" { "Votre nom" }
                    input #a-name type="text" name="display_name" value=(name) required maxlength="80" autocomplete="name";
                }
                div.field {
                    label for="a-password" { "Votre mot de passe" }
                    input #a-password type="password" name="password" required autocomplete="new-password";
                    p.hint { "Au moins 10 caractères." }
                }
                button.btn.primary type="submit" { "Créer mon compte" }
            }
        },
    )
}

async fn accept_page(
    state: web::Data<AppState>,
    csrf: CsrfToken,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let t = path.into_inner();
    let now = state.clock.now();
    let found = db::call(&state.db, move |conn| find(conn, &t, now)).await?;
    Ok(match found {
        Found::Open(inv) => respond::html(StatusCode::OK, accept_form(&csrf.0, &inv, "", None)),
        Found::Closed(m) => closed_page(m),
    })
}

#[derive(Deserialize)]
struct AcceptForm {
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
}

async fn accept(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: CsrfToken,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<AcceptForm>,
) -> Result<HttpResponse, AppError> {
    let t = path.into_inner();
    let now = state.clock.now();
    let tt = t.clone();
    let inv = match db::call(&state.db, move |conn| find(conn, &tt, now)).await? {
        Found::Open(inv) => inv,
        Found::Closed(m) => return Ok(closed_page(m)),
    };
    let name = form.display_name.trim().to_string();
    let problem = if name.is_empty() || name.chars().count() > 80 {
        Some("Indiquez votre nom (80 caractères au plus).")
    } else {
        password::check_strength(&form.password).err()
    };
    if let Some(p) = problem {
        return Ok(respond::html(
            StatusCode::UNPROCESSABLE_ENTITY,
            accept_form(&csrf.0, &inv, &name, Some(p)),
        ));
    }
    let pw = form.password.clone();
    let hash = web::block(move || password::hash(&pw))
        .await?
        .map_err(AppError::Internal)?;
    // Taken in one transaction: a link clicked twice at once makes one account.
    let created = db::call(&state.db, move |conn| {
        db::write(
            conn,
            |tx| -> Result<Option<crate::db::ids::UserId>, AppError> {
                let taken = tx.execute(
                    "UPDATE invitations SET accepted_at = ?2
                 WHERE id = ?1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?2",
                    params![inv.id, now.as_second()],
                )?;
                if taken == 0 || users::find_by_email(tx, &inv.email)?.is_some() {
                    return Ok(None);
                }
                Ok(Some(users::create_user(
                    tx, &inv.email, &name, &hash, inv.role, now,
                )?))
            },
        )
    })
    .await?;
    let Some(user) = created else {
        return Ok(closed_page(
            "Cette invitation a déjà servi : connectez-vous avec votre adresse e-mail et votre mot de passe.",
        ));
    };
    let cookie = start_session(&state, &req, user).await?;
    let mut response = respond::redirect(paths::DASHBOARD);
    response
        .add_cookie(&cookie)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(response)
}
