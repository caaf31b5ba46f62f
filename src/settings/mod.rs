//! Paramètres: the index of settings, and the shop profile.

use crate::web::respond;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::accounts::profile::{BusinessType, ShopProfile, looks_like_email, valid_timezone};
use crate::accounts::repo;
use crate::db;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Field, Tone, alert, csrf_input, select};
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths};

mod text {
    pub const TITLE: &str = "Paramètres";
    pub const PROFILE_TITLE: &str = "Profil de l'entreprise";
    pub const PROFILE_DESC: &str = "Nom, type d'activité, coordonnées et fuseau horaire.";
    pub const ACCOUNT_DESC: &str = "Votre mot de passe et vos sessions ouvertes.";
    pub const MEMBERS_DESC: &str = "Ajoutez votre équipe et choisissez le rôle de chacun.";
    pub const INTEGRATIONS_DESC: &str = "Connectez votre boutique en ligne.";
    pub const NAME: &str = "Nom du commerce";
    pub const TYPE: &str = "Type d'activité";
    pub const PHONE: &str = "Téléphone";
    pub const EMAIL: &str = "E-mail de contact";
    pub const ADDRESS: &str = "Adresse";
    pub const TIMEZONE: &str = "Fuseau horaire";
    pub const TIMEZONE_HINT: &str =
        "Par exemple Europe/Paris, Europe/Brussels ou America/Montreal.";
    pub const LANGUAGE: &str = "Langue principale";
    pub const SAVE: &str = "Enregistrer";
    pub const SAVED: &str = "Profil enregistré.";
    pub const READ_ONLY: &str = "Seul un administrateur peut modifier le profil.";
    pub const NO_PROFILE: &str = "Le profil n'est pas encore rempli.";
}

pub mod assistant;
mod messages;

pub fn configure(cfg: &mut web::ServiceConfig) {
    assistant::configure(cfg);
    messages::configure(cfg);
    cfg.route(paths::SETTINGS, web::get().to(index))
        .route(paths::SETTINGS_PROFILE, web::get().to(profile_page))
        .route(paths::SETTINGS_PROFILE, web::post().to(save_profile));
}

async fn index(staff: Staff) -> HttpResponse {
    let entries = [
        (
            paths::SETTINGS_PROFILE,
            text::PROFILE_TITLE,
            text::PROFILE_DESC,
        ),
        (
            paths::SETTINGS_ASSISTANT,
            "Assistant",
            "Horaires, tutoiement ou vouvoiement, mises de côté, politiques de retour et de livraison, transporteurs, fiches clients.",
        ),
        (
            paths::SETTINGS_MESSAGES,
            "Messages de l'IA",
            "Les réponses de l'assistant, à réécrire à votre façon.",
        ),
        (
            paths::SETTINGS_INBOX,
            "Boîte de réception",
            "Réponses enregistrées pour l'équipe, départements et qui en reçoit les conversations.",
        ),
        (
            paths::AUTOMATIONS,
            "Automatisations",
            "Des règles qui trient à votre place : attribuer, marquer prioritaire, répondre, fermer, prévenir un autre outil.",
        ),
        (
            paths::CHANNELS,
            "Canaux de communication",
            "SMS et WhatsApp (Twilio), e-mail (Resend).",
        ),
        (paths::SETTINGS_ACCOUNT, "Mon compte", text::ACCOUNT_DESC),
        (paths::MEMBERS, "Membres de l'équipe", text::MEMBERS_DESC),
        (paths::INTEGRATIONS, "Intégrations", text::INTEGRATIONS_DESC),
        (
            paths::SETTINGS_API,
            "API et accès",
            "Clés d'API pour relier vos autres outils, et le journal de leurs appels.",
        ),
        (
            paths::SETTINGS_WEBHOOKS,
            "Webhooks",
            "Prévenir vos autres outils de ce qui se passe, par des envois signés.",
        ),
    ];
    let body = html! {
        ul.settings-list {
            @for (href, title, desc) in entries {
                li { a href=(href) { strong { (title) } span.muted { (desc) } } }
            }
        }
    };
    respond::html(
        StatusCode::OK,
        layout::page(&staff, Nav::Settings, text::TITLE, body),
    )
}

#[derive(Default)]
pub(crate) struct ProfileErrors {
    name: Option<&'static str>,
    email: Option<&'static str>,
    timezone: Option<&'static str>,
}

impl ProfileErrors {
    pub(crate) fn any(&self) -> bool {
        self.name.is_some() || self.email.is_some() || self.timezone.is_some()
    }
}

/// The profile's fields (the business type is chosen apart in the setup wizard).
pub(crate) fn profile_fields(p: &ShopProfile, errors: &ProfileErrors, with_type: bool) -> Markup {
    html! {
        (Field::new(text::NAME, "business_name").value(&p.business_name).required().error(errors.name).render())
        @if with_type {
            (select(text::TYPE, "business_type", &BusinessType::options(), p.business_type.code()))
        } @else {
            input type="hidden" name="business_type" value=(p.business_type.code());
        }
        (Field::new(text::PHONE, "phone").kind("tel").value(&p.phone).autocomplete("tel").render())
        (Field::new(text::EMAIL, "email").kind("email").value(&p.email).autocomplete("email").error(errors.email).render())
        (Field::new(text::ADDRESS, "address").value(&p.address).autocomplete("street-address").render())
        (Field::new(text::TIMEZONE, "timezone").value(&p.timezone).hint(text::TIMEZONE_HINT).error(errors.timezone).render())
        (select(text::LANGUAGE, "language", &[("fr", "Français"), ("en", "English")], &p.language))
    }
}

fn profile_view(
    staff: &Staff,
    p: &ShopProfile,
    errors: &ProfileErrors,
    notice: Option<&str>,
) -> Markup {
    let editable = staff.user.role.can(Perm::ManageShop);
    let body = html! {
        @if let Some(n) = notice { (alert(Tone::Success, n)) }
        @if !editable { (alert(Tone::Info, text::READ_ONLY)) }
        section.card {
            form.stack method="post" action=(paths::SETTINGS_PROFILE) {
                (csrf_input(&staff.csrf))
                fieldset disabled[!editable] {
                    div.stack { (profile_fields(p, errors, true)) }
                }
                @if editable { div.actions { button.btn.primary type="submit" { (text::SAVE) } } }
            }
        }
    };
    layout::page(staff, Nav::Settings, text::PROFILE_TITLE, body)
}

#[derive(Deserialize)]
struct Saved {
    ok: Option<String>,
}

async fn profile_page(
    state: web::Data<AppState>,
    staff: Staff,
    saved: web::Query<Saved>,
) -> Result<HttpResponse, AppError> {
    let profile = db::call(&state.db, |conn| repo::profile(conn)).await?;
    let notice = saved.ok.as_ref().map(|_| text::SAVED);
    let (profile, notice) = match profile {
        Some(p) => (p, notice),
        None => (
            ShopProfile::new("", BusinessType::Other),
            Some(text::NO_PROFILE),
        ),
    };
    Ok(respond::html(
        StatusCode::OK,
        profile_view(&staff, &profile, &ProfileErrors::default(), notice),
    ))
}

#[derive(Deserialize)]
pub(crate) struct ProfileForm {
    #[serde(default)]
    business_name: String,
    #[serde(default)]
    business_type: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    address: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    language: String,
}

/// The profile a form describes, and what is wrong with it.
pub(crate) fn check_profile(form: &ProfileForm) -> (ShopProfile, ProfileErrors) {
    let profile = ShopProfile {
        business_name: form.business_name.trim().to_string(),
        business_type: BusinessType::from_code(&form.business_type).unwrap_or(BusinessType::Other),
        phone: form.phone.trim().to_string(),
        email: form.email.trim().to_string(),
        address: form.address.trim().to_string(),
        timezone: form.timezone.trim().to_string(),
        language: if form.language == "en" {
            "en".into()
        } else {
            "fr".into()
        },
    };
    let mut errors = ProfileErrors::default();
    if profile.business_name.is_empty() || profile.business_name.chars().count() > 120 {
        errors.name = Some("Indiquez le nom du commerce (120 caractères au plus).");
    }
    if !profile.email.is_empty() && !looks_like_email(&profile.email) {
        errors.email = Some("Cette adresse e-mail n'est pas valide.");
    }
    if !valid_timezone(&profile.timezone) {
        errors.timezone = Some("Fuseau horaire inconnu : utilisez un nom comme Europe/Paris.");
    }
    (profile, errors)
}

async fn save_profile(
    state: web::Data<AppState>,
    staff: Staff,
    crate::web::csrf::CsrfForm(form): crate::web::csrf::CsrfForm<ProfileForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let (profile, errors) = check_profile(&form);
    if errors.any() {
        return Ok(respond::html(
            StatusCode::BAD_REQUEST,
            profile_view(&staff, &profile, &errors, None),
        ));
    }
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| repo::save_profile(tx, &profile, now))
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?ok=1", paths::SETTINGS_PROFILE),
        ))
        .finish())
}
