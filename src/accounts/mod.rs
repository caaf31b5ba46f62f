//! Accounts: first-run setup, login and logout, one-time login links, members, sessions.

pub mod limiter;
pub mod members;
pub mod password;
pub mod profile;
pub mod repo;
mod views;

use crate::web::respond;
use actix_web::cookie::{Cookie, SameSite, time};
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use serde::Deserialize;

use crate::accounts::limiter::LoginGuard;
use crate::accounts::profile::{BusinessType, ShopProfile, looks_like_email};
use crate::db::{self, ids::UserId};
use crate::error::AppError;
use crate::token;
use crate::web::auth::{SESSION_COOKIE, Staff};
use crate::web::csrf::{CsrfForm, CsrfToken, NoFields};
use crate::web::roles::Role;
use crate::web::{AppState, paths, sessions};

mod text {
    pub const EMAIL_INVALID: &str =
        "Saisissez une adresse e-mail valide, par exemple vous@boutique.fr.";
    pub const NAME_REQUIRED: &str = "Indiquez le nom de votre commerce.";
    pub const NAME_TOO_LONG: &str = "Le nom du commerce tient en 120 caractères au plus.";
    pub const LOGIN_EMPTY: &str = "Indiquez votre e-mail et votre mot de passe.";
    pub const ALREADY_SET_UP: &str = "Comptoir est déjà configuré : connectez-vous.";
    pub const WRONG_LOGIN: &str = "E-mail ou mot de passe incorrect.";
    pub const LOGGED_OUT: &str = "Vous êtes déconnecté.";
    pub const LINK_INVALID: &str = "Ce lien de connexion a déjà servi ou a expiré. Connectez-vous avec votre mot de passe, ou relancez « comptoir serve --demo » pour obtenir un nouveau lien.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::SETUP, web::get().to(setup_form))
        .route(paths::SETUP, web::post().to(setup_submit))
        .route(paths::LOGIN, web::get().to(login_form))
        .route(paths::LOGIN, web::post().to(login_submit))
        .route(paths::LOGOUT, web::post().to(logout))
        .route(paths::LOGIN_LINK, web::get().to(login_link));
    members::configure(cfg);
}

/// Only same-site paths: `next` must never send people to another site. Browsers drop
/// tabs and newlines from addresses (`/\t/evil.example` becomes `//evil.example`) and
/// read `\` as `/`, so any control character or backslash is refused, as is a header
/// value's worth of text.
fn safe_next(next: &str) -> &str {
    let ok = next.starts_with('/')
        && !next.starts_with("//")
        && next.len() <= 2048
        && !next.chars().any(|c| c == '\\' || c.is_control())
        && !next.starts_with(paths::LOGIN)
        && !next.starts_with(paths::SETUP);
    if ok { next } else { paths::DASHBOARD }
}

/// The client's address: the peer; or, when the peer is a trusted reverse proxy, the
/// last `X-Forwarded-For` entry that is not one of the trusted proxies. Entries to its
/// left were written by the client and prove nothing.
pub fn client_ip(state: &AppState, req: &HttpRequest) -> Option<std::net::IpAddr> {
    let peer = req.peer_addr().map(|a| a.ip())?;
    let security = &state.config.security;
    if !security.behind_proxy || !security.trusts(peer) {
        return Some(peer);
    }
    let mut hops: Vec<std::net::IpAddr> = Vec::new();
    for value in req.headers().get_all("x-forwarded-for") {
        for entry in value.to_str().unwrap_or("").split(',') {
            match entry.trim().parse() {
                Ok(ip) => hops.push(ip),
                // Garbage from the far side: nothing left of it can be believed.
                Err(_) => hops.clear(),
            }
        }
    }
    Some(
        hops.iter()
            .rev()
            .find(|ip| !security.trusts(**ip))
            .or(hops.first())
            .copied()
            .unwrap_or(peer),
    )
}

/// Opens a session for `user` and returns the cookie that carries it.
pub async fn start_session(
    state: &AppState,
    req: &HttpRequest,
    user: UserId,
) -> Result<Cookie<'static>, AppError> {
    let token = token::random_token();
    let hash = token::hash_token(&token);
    let now = state.clock.now();
    let ttl = state.session_ttl();
    let ip = client_ip(state, req)
        .map(|a| a.to_string())
        .unwrap_or_default();
    let agent = req
        .headers()
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    db::call(&state.db, move |conn| {
        sessions::create_session(conn, user, &hash, now, ttl, &ip, &agent)
    })
    .await?;
    Ok(Cookie::build(SESSION_COOKIE, token)
        .path("/")
        .http_only(true)
        .same_site(SameSite::Lax)
        .secure(state.config.is_https())
        .max_age(time::Duration::days(i64::from(
            state.config.security.session_days,
        )))
        .finish())
}

fn clear_session_cookie() -> Cookie<'static> {
    let mut cookie = Cookie::build(SESSION_COOKIE, "").path("/").finish();
    cookie.make_removal();
    cookie
}

async fn setup_needed(state: &AppState) -> Result<bool, AppError> {
    let count = db::call(&state.db, |conn| sessions::count_users(conn)).await?;
    Ok(count == 0)
}

async fn setup_form(state: web::Data<AppState>, csrf: CsrfToken) -> Result<HttpResponse, AppError> {
    if !setup_needed(&state).await? {
        return Ok(respond::redirect(paths::LOGIN));
    }
    let page = views::setup(&csrf.0, "", "", &Default::default());
    Ok(respond::html(actix_web::http::StatusCode::OK, page))
}

#[derive(Deserialize)]
struct SetupForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    business_name: String,
    #[serde(default)]
    business_type: String,
}

async fn setup_submit(
    state: web::Data<AppState>,
    req: HttpRequest,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<SetupForm>,
) -> Result<HttpResponse, AppError> {
    let mut errors = views::SetupErrors::default();
    if !looks_like_email(&form.email) {
        errors.email = Some(text::EMAIL_INVALID.into());
    }
    if let Err(e) = password::check_strength(&form.password) {
        errors.password = Some(e.into());
    }
    let name = form.business_name.trim();
    if name.is_empty() {
        errors.business_name = Some(text::NAME_REQUIRED.into());
    } else if name.chars().count() > 120 {
        errors.business_name = Some(text::NAME_TOO_LONG.into());
    }
    // Chosen in the wizard's next step; a client may still send it here.
    let business_type =
        BusinessType::from_code(&form.business_type).unwrap_or(BusinessType::Ecommerce);
    if errors.any() {
        let page = views::setup(&csrf.0, &form.email, &form.business_name, &errors);
        return Ok(respond::html(
            actix_web::http::StatusCode::BAD_REQUEST,
            page,
        ));
    }

    let pw = form.password.clone();
    let hash = web::block(move || password::hash(&pw))
        .await?
        .map_err(AppError::Internal)?;
    let now = state.clock.now();
    let email = form.email.trim().to_string();
    let profile = ShopProfile::new(name, business_type);
    // Checked again inside the write transaction: two setups racing create one owner.
    let created = db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<_, AppError> {
            if sessions::count_users(tx)? > 0 {
                return Ok(None);
            }
            let id = repo::create_user(tx, &email, "", &hash, Role::Admin, now)?;
            repo::save_profile(tx, &profile, now)?;
            Ok(Some(id))
        })
    })
    .await?;
    let Some(user) = created else {
        let page = views::login(
            &csrf.0,
            "",
            paths::DASHBOARD,
            None,
            Some(text::ALREADY_SET_UP),
        );
        return Ok(respond::html(actix_web::http::StatusCode::CONFLICT, page));
    };
    state.mark_set_up();
    tracing::info!(user = %user, "first account created");
    let cookie = start_session(&state, &req, user).await?;
    let mut response = respond::redirect(paths::ONBOARDING);
    response.add_cookie(&cookie)?;
    Ok(response)
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    done: Option<String>,
}

async fn login_form(csrf: CsrfToken, query: web::Query<LoginQuery>) -> HttpResponse {
    let next = safe_next(query.next.as_deref().unwrap_or(paths::DASHBOARD));
    let notice = query.done.as_deref().map(|_| text::LOGGED_OUT);
    respond::html(
        actix_web::http::StatusCode::OK,
        views::login(&csrf.0, "", next, None, notice),
    )
}

#[derive(Deserialize)]
struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

async fn login_submit(
    state: web::Data<AppState>,
    guard: web::Data<LoginGuard>,
    req: HttpRequest,
    csrf: CsrfToken,
    CsrfForm(form): CsrfForm<LoginForm>,
) -> Result<HttpResponse, AppError> {
    let now = state.clock.now();
    let ip = client_ip(&state, &req);
    let next = safe_next(&form.next).to_string();
    // An empty form is a slip, not an attempt: it says what is missing, counts nothing.
    if form.email.trim().is_empty() || form.password.is_empty() {
        return Ok(respond::html(
            actix_web::http::StatusCode::BAD_REQUEST,
            views::login(&csrf.0, &form.email, &next, Some(text::LOGIN_EMPTY), None),
        ));
    }
    if let Err(wait) = guard.limiter.begin(&form.email, ip, now) {
        tracing::warn!(ip = ?ip, "login paused by the rate limit");
        let tz = db::call(&state.db, |conn| -> Result<_, AppError> {
            Ok(repo::shop_timezone(conn))
        })
        .await?;
        let until =
            now + jiff::SignedDuration::from_secs(i64::try_from(wait).unwrap_or(i64::MAX / 2));
        let message = format!(
            "Trop de tentatives de connexion. Réessayez dans {} ({}). Mot de passe oublié ? Un administrateur peut vous en donner un nouveau (Paramètres › Membres), ou, sur la machine de Comptoir : comptoir user reset-password --email {}",
            crate::error::minutes_fr(wait),
            crate::clock::deadline_fr(until, now, &tz),
            if form.email.trim().is_empty() {
                "VOTRE-E-MAIL"
            } else {
                form.email.trim()
            },
        );
        let mut response = respond::html(
            actix_web::http::StatusCode::TOO_MANY_REQUESTS,
            views::login(&csrf.0, &form.email, &next, Some(&message), None),
        );
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, header::HeaderValue::from(wait));
        return Ok(response);
    }

    let email = form.email.clone();
    let found = db::call(&state.db, move |conn| repo::find_login(conn, &email)).await?;
    // Unknown accounts still pay for one hash, so timing does not reveal who exists.
    let (user, stored) = match found {
        Some((id, hash)) => (Some(id), hash),
        None => (None, guard.dummy_hash.clone()),
    };
    let pw = form.password.clone();
    let ok = web::block(move || password::verify(&pw, &stored)).await?;
    match user.filter(|_| ok) {
        Some(user) => {
            guard.limiter.succeeded(&form.email, ip, now);
            let cookie = start_session(&state, &req, user).await?;
            // An admin who left the setup wizard resumes it where it was.
            let wizard = state.wizard.clone();
            let resume = next == paths::DASHBOARD
                && db::call(&state.db, move |conn| -> Result<_, AppError> {
                    Ok(repo::member(conn, user)?
                        .is_some_and(|u| u.role.can(crate::web::roles::Perm::ManageShop))
                        && wizard.unfinished(conn)?)
                })
                .await?;
            let next = if resume {
                paths::ONBOARDING
            } else {
                next.as_str()
            };
            let mut response = respond::redirect(next);
            response.add_cookie(&cookie)?;
            Ok(response)
        }
        // Counted when it began.
        None => Ok(respond::html(
            actix_web::http::StatusCode::UNAUTHORIZED,
            views::login(&csrf.0, &form.email, &next, Some(text::WRONG_LOGIN), None),
        )),
    }
}

async fn logout(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    let hash = staff.session_hash.clone();
    db::call(&state.db, move |conn| sessions::delete_session(conn, &hash)).await?;
    let mut response = respond::redirect(format!("{}?done=1", paths::LOGIN));
    response.add_cookie(&clear_session_cookie())?;
    Ok(response)
}

async fn login_link(
    state: web::Data<AppState>,
    req: HttpRequest,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let hash = token::hash_token(&path.into_inner());
    let now = state.clock.now();
    let user = db::call(&state.db, move |conn| {
        repo::consume_login_link(conn, &hash, now)
    })
    .await?;
    let Some(user) = user else {
        return Err(AppError::BadRequest(text::LINK_INVALID.into()));
    };
    let cookie = start_session(&state, &req, user).await?;
    let mut response = respond::redirect(paths::DASHBOARD);
    response.add_cookie(&cookie)?;
    Ok(response)
}

/// Creates a one-time login link for `user`, valid for `hours`; returns the token.
pub fn issue_login_link(
    conn: &rusqlite::Connection,
    user: UserId,
    now: jiff::Timestamp,
    hours: i64,
) -> Result<String, AppError> {
    let token = token::random_token();
    repo::create_login_link(
        conn,
        user,
        &token::hash_token(&token),
        now,
        jiff::SignedDuration::from_hours(hours),
    )?;
    Ok(token)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_is_a_same_site_path_or_the_dashboard() {
        for ok in [
            "/inbox",
            "/inbox/12?tab=en-cours",
            "/products?q=robe%20bleue",
        ] {
            assert_eq!(safe_next(ok), ok);
        }
        for bad in [
            "https://evil.example/",
            "//evil.example/",
            "/\\evil.example/",
            "/\t/evil.example/",
            "/\n/evil.example/",
            "/inbox\r\nSet-Cookie: x=1",
            "/\u{0}x",
            "/login?next=/",
            "inbox",
            "",
        ] {
            assert_eq!(safe_next(bad), paths::DASHBOARD, "{bad:?}");
        }
        assert_eq!(
            safe_next(&format!("/{}", "a".repeat(3000))),
            paths::DASHBOARD
        );
    }

    proptest::proptest! {
        #[test]
        fn no_next_leads_off_the_site(next in proptest::prelude::any::<String>()) {
            let out = safe_next(&next);
            proptest::prop_assert!(out.starts_with('/') && !out.starts_with("//"));
            proptest::prop_assert!(!out.chars().any(|c| c == '\\' || c.is_control()));
        }
    }
}
