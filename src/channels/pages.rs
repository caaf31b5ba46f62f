//! Paramètres > Canaux de communication (`/settings/channels`): Twilio (SMS, WhatsApp)
//! and Resend (e-mail). Credentials are stored encrypted and never shown again (a blank
//! field keeps them); keys the config file sets are shown as fixed; the webhook address
//! to paste at the provider is given; "Envoyer un message de test" reports the
//! provider's exact answer.

use crate::web::respond;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::sender::Delivery;
use super::settings::{self, ResendPage, TwilioPage, WebchatPage};
use crate::assistant::outbox::Pending;
use crate::config::Config;
use crate::db;
use crate::engine::Channel;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Field, Tone, alert, csrf_input};
use crate::web::csrf::CsrfForm;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::wizard::Part;
use crate::web::{AppState, Flow, paths};

mod text {
    pub const TITLE: &str = "Canaux de communication";
    pub const INTRO: &str = "Vos clients vous écrivent où ils sont déjà. Aucun canal n'est obligatoire : ajoutez-les quand vous voulez.";
    pub const TWILIO: &str = "SMS et WhatsApp (Twilio)";
    pub const RESEND: &str = "E-mail (Resend)";
    pub const ENABLED: &str = "Canal activé";
    pub const KEEP: &str = "Laissez vide pour garder la valeur enregistrée.";
    pub const FIXED: &str = "Défini dans le fichier de configuration.";
    pub const WEBHOOK: &str = "Adresse à indiquer chez le fournisseur (webhook) :";
    pub const COPY: &str = "📋 Copier l'extrait";
    pub const COPIED: &str = "✅ Copié";
    pub const NO_PUBLIC_URL: &str = "Indiquez l'adresse publique de Comptoir (l'adresse https où le fournisseur le joint ; « public_url » dans le fichier de configuration) pour recevoir les messages.";
    pub const SAVE: &str = "Enregistrer";
    pub const SAVED: &str = "Réglages enregistrés.";
    pub const TEST: &str = "Envoyer un message de test";
    pub const TEST_TO_PHONE: &str = "Numéro de test (format +33…)";
    pub const TEST_TO_EMAIL: &str = "Adresse de test";
    pub const TEST_BODY: &str = "Message de test de Comptoir : ce canal fonctionne ✔";
    pub const READ_ONLY: &str = "Seul un administrateur peut modifier les canaux.";
    pub const FIX: &str = "Corrigez les champs signalés : rien n'a été enregistré.";
    pub const WEBCHAT: &str = "Chat sur votre site";
    pub const SNIPPET: &str = "Collez cet extrait de code juste avant </body> sur les pages de votre site. Options : data-position (right ou left), data-color, data-title, data-consent=\"required\" (l'identifiant du visiteur n'est gardé en cookie qu'après window.comptoirConsent = true).";
    pub const ORIGINS: &str = "Sites autorisés à afficher le chat";
    pub const ORIGINS_HINT: &str =
        "Une adresse par ligne, sans chemin : https://www.elegance-paris.com";
    pub const NO_ORIGINS: &str = "Aucun site autorisé : indiquez l'adresse de votre site ci-dessus pour que le chat y fonctionne.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::CHANNELS, web::get().to(page))
        .route(paths::CHANNEL_SAVE, web::post().to(save))
        .route(paths::CHANNEL_TEST, web::post().to(test));
}

struct View {
    twilio: (bool, TwilioPage),
    resend: (bool, ResendPage),
    webchat: (bool, WebchatPage),
    errors: Vec<(&'static str, String)>,
    notice: Option<(Tone, String)>,
}

fn error<'a>(errors: &'a [(&'static str, String)], name: &str) -> Option<&'a str> {
    errors
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, e)| e.as_str())
}

/// A text field, fixed when the config file sets it; secrets are never echoed back.
fn field(
    staff_can: bool,
    label: &str,
    name: &str,
    value: &str,
    fixed: bool,
    secret: bool,
    errors: &[(&'static str, String)],
) -> Markup {
    let mut f = Field::new(label, name).error(error(errors, name));
    if secret {
        f = f.kind("password").autocomplete("new-password");
    } else {
        f = f.value(value);
    }
    // A stored secret is shown masked: its last four characters only.
    let masked = (secret && !value.is_empty()).then(|| {
        let tail: String = value
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        format!("Enregistré (••••{tail}). {}", text::KEEP)
    });
    if fixed {
        f = f.hint(text::FIXED);
    } else if let Some(masked) = &masked {
        f = f.hint(masked);
    }
    html! { fieldset disabled[fixed || !staff_can] { (f.render()) } }
}

fn webhook(config: &Config, path: &str) -> Markup {
    html! {
        @match &config.public_url {
            Some(url) => p { (text::WEBHOOK) " " code { (url) (path) } },
            None => (alert(Tone::Warning, text::NO_PUBLIC_URL)),
        }
    }
}

/// The channels' cards; their forms come back to the flow they were sent from.
fn cards(staff: &Staff, config: &Config, v: &View, flow: Flow) -> Markup {
    let can = staff.user.role.can(Perm::ManageShop);
    let fixed_t = &config.channels.twilio;
    let fixed_r = &config.channels.resend;
    let (t_on, t) = &v.twilio;
    let (r_on, r) = &v.resend;
    html! {
        @if let Some((tone, n)) = &v.notice { (alert(*tone, n)) }
        @if !can { (alert(Tone::Info, text::READ_ONLY)) }
        p.muted { (text::INTRO) }
        section.card id="twilio" {
            h2 { (text::TWILIO) }
            form.stack method="post" action=(flow.action(&paths::with_id(paths::CHANNEL_SAVE, "twilio"))) {
                (csrf_input(&staff.csrf))
                label.checkbox { input type="checkbox" name="enabled" value="1" checked[*t_on] disabled[!can]; " " (text::ENABLED) }
                (field(can, "Account SID", "account_sid", &t.account_sid, fixed_t.account_sid.is_some(), false, &v.errors))
                (field(can, "Auth token", "auth_token", &t.auth_token, fixed_t.auth_token.is_some(), true, &v.errors))
                (field(can, "Numéro SMS (format +33…)", "sms_from", &t.sms_from, fixed_t.sms_from.is_some(), false, &v.errors))
                (field(can, "Expéditeur WhatsApp (whatsapp:+33…)", "whatsapp_from", &t.whatsapp_from, fixed_t.whatsapp_from.is_some(), false, &v.errors))
                (webhook(config, super::twilio::INBOUND_PATH))
                @if can { div.actions { button.btn.primary type="submit" { (text::SAVE) } } }
            }
            @if can {
                form.inline-form method="post" action=(flow.action(&paths::with_id(paths::CHANNEL_TEST, "twilio"))) {
                    (csrf_input(&staff.csrf))
                    (Field::new(text::TEST_TO_PHONE, "to").kind("tel").render())
                    button.btn type="submit" { (text::TEST) }
                }
            }
        }
        section.card id="resend" {
            h2 { (text::RESEND) }
            form.stack method="post" action=(flow.action(&paths::with_id(paths::CHANNEL_SAVE, "resend"))) {
                (csrf_input(&staff.csrf))
                label.checkbox { input type="checkbox" name="enabled" value="1" checked[*r_on] disabled[!can]; " " (text::ENABLED) }
                (field(can, "Clé d'API (re_…)", "api_key", &r.api_key, fixed_r.api_key.is_some(), true, &v.errors))
                (field(can, "Expéditeur (Élégance Paris <bonjour@…>)", "from", &r.from, fixed_r.from.is_some(), false, &v.errors))
                (field(can, "Secret du webhook (whsec_…)", "webhook_secret", &r.webhook_secret, fixed_r.webhook_secret.is_some(), true, &v.errors))
                (webhook(config, super::resend::PATH))
                @if can { div.actions { button.btn.primary type="submit" { (text::SAVE) } } }
            }
            @if can {
                form.inline-form method="post" action=(flow.action(&paths::with_id(paths::CHANNEL_TEST, "resend"))) {
                    (csrf_input(&staff.csrf))
                    (Field::new(text::TEST_TO_EMAIL, "to").kind("email").render())
                    button.btn type="submit" { (text::TEST) }
                }
            }
        }
        (webchat_card(staff, config, v, flow))
    }
}

/// The channels' cards for the setup wizard's step.
pub async fn wizard_cards(state: &AppState, staff: &Staff) -> Result<Markup, AppError> {
    Ok(cards(
        staff,
        &state.config,
        &stored(state).await?,
        Flow::Wizard,
    ))
}

/// The page around the cards: Paramètres, or the wizard's step.
async fn render(state: &AppState, staff: &Staff, v: &View, flow: Flow) -> Result<Markup, AppError> {
    let body = cards(staff, &state.config, v, flow);
    Ok(match flow {
        Flow::Settings => layout::page(staff, Nav::Settings, text::TITLE, body),
        Flow::Wizard => {
            state
                .wizard
                .page(state, staff, Part::Channels, body)
                .await?
        }
    })
}

fn webchat_card(staff: &Staff, config: &Config, v: &View, flow: Flow) -> Markup {
    let can = staff.user.role.can(Perm::ManageShop);
    let w = &config.channels.webchat;
    let (on, page) = &v.webchat;
    let fixed = !w.allowed_origins.is_empty();
    let origins = if fixed {
        &w.allowed_origins
    } else {
        &page.allowed_origins
    };
    let base = config
        .public_url
        .as_deref()
        .unwrap_or(&staff.origin)
        .trim_end_matches('/');
    let snippet = format!(
        "<script src=\"{base}/assets/widget.js\" data-position=\"right\" data-color=\"#7a2e4d\" data-cookie-days=\"{}\" defer></script>",
        w.cookie_ttl_days
    );
    html! {
        section.card id="webchat" {
            h2 { (text::WEBCHAT) }
            p.muted { (text::SNIPPET) }
            pre.snippet { code #widget-snippet { (snippet) } }
            button.btn type="button" data-copy="#widget-snippet" data-copied=(text::COPIED) { (text::COPY) }
            form.stack method="post" action=(flow.action(&paths::with_id(paths::CHANNEL_SAVE, "webchat"))) {
                (csrf_input(&staff.csrf))
                label.checkbox { input type="checkbox" name="enabled" value="1" checked[*on] disabled[!can]; " " (text::ENABLED) }
                fieldset disabled[fixed || !can] {
                    label {
                        (text::ORIGINS)
                        textarea name="allowed_origins" rows="2" placeholder="https://www.elegance-paris.com" { (origins.join("\n")) }
                    }
                    @if let Some(e) = error(&v.errors, "allowed_origins") { div.field { p.error role="alert" { (e) } } }
                    @if fixed { p.muted { (text::FIXED) } } @else { p.muted { (text::ORIGINS_HINT) } }
                }
                @if origins.is_empty() { (alert(Tone::Warning, text::NO_ORIGINS)) }
                @if can { div.actions { button.btn.primary type="submit" { (text::SAVE) } } }
            }
            @if config.public_url.is_none() { (alert(Tone::Warning, text::NO_PUBLIC_URL)) }
        }
    }
}

async fn stored(state: &AppState) -> Result<View, AppError> {
    let secrets = state.secrets.clone();
    // Never saved from the page: on only when the config file sets the channel up, so
    // "Canal activé" is never ticked for a channel with no keys.
    let channels = &state.config.channels;
    let twilio_on = channels.twilio.account_sid.is_some();
    let resend_on = channels.resend.api_key.is_some();
    db::call(&state.db, move |conn| {
        Ok(View {
            twilio: settings::load(conn, &secrets, "twilio")?
                .unwrap_or((twilio_on, TwilioPage::default())),
            resend: settings::load(conn, &secrets, "resend")?
                .unwrap_or((resend_on, ResendPage::default())),
            webchat: settings::load(conn, &secrets, "webchat")?
                .unwrap_or((true, WebchatPage::default())),
            errors: Vec::new(),
            notice: None,
        })
    })
    .await
}

#[derive(Deserialize)]
struct Saved {
    ok: Option<String>,
}

async fn page(
    state: web::Data<AppState>,
    staff: Staff,
    saved: web::Query<Saved>,
) -> Result<HttpResponse, AppError> {
    let mut view = stored(&state).await?;
    if saved.ok.is_some() {
        view.notice = Some((Tone::Success, text::SAVED.into()));
    }
    Ok(respond::html(
        StatusCode::OK,
        render(&state, &staff, &view, Flow::Settings).await?,
    ))
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct Form {
    enabled: Option<String>,
    account_sid: String,
    auth_token: String,
    sms_from: String,
    whatsapp_from: String,
    api_key: String,
    from: String,
    webhook_secret: String,
    allowed_origins: String,
}

fn phone_ok(p: &str) -> bool {
    let digits = p.strip_prefix('+').unwrap_or("");
    (8..=15).contains(&digits.len()) && digits.chars().all(|c| c.is_ascii_digit())
}

/// Keeps the stored secret when the field is left blank.
fn keep(new: &str, old: &str) -> String {
    if new.trim().is_empty() {
        old.to_string()
    } else {
        new.trim().to_string()
    }
}

async fn save(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<Form>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let provider = path.into_inner();
    let mut view = stored(&state).await?;
    let enabled = form.enabled.is_some();
    let mut errors: Vec<(&'static str, String)> = Vec::new();
    match provider.as_str() {
        "twilio" => {
            let old = view.twilio.1.clone();
            let whatsapp = match form.whatsapp_from.trim() {
                "" => String::new(),
                w if w.starts_with("whatsapp:") => w.to_string(),
                w => format!("whatsapp:{w}"),
            };
            let t = TwilioPage {
                account_sid: form.account_sid.trim().to_string(),
                auth_token: keep(&form.auth_token, &old.auth_token),
                sms_from: form.sms_from.trim().to_string(),
                whatsapp_from: whatsapp,
            };
            let sid_ok = t.account_sid.is_empty()
                || (t.account_sid.starts_with("AC") && t.account_sid.len() == 34);
            if !sid_ok {
                errors.push((
                    "account_sid",
                    "Un Account SID commence par AC et compte 34 caractères.".into(),
                ));
            }
            if !t.sms_from.is_empty() && !phone_ok(&t.sms_from) {
                errors.push((
                    "sms_from",
                    "Écrivez le numéro au format international, par exemple +33644630000.".into(),
                ));
            }
            if !t.whatsapp_from.is_empty()
                && !phone_ok(t.whatsapp_from.trim_start_matches("whatsapp:"))
            {
                errors.push((
                    "whatsapp_from",
                    "Écrivez l'expéditeur comme whatsapp:+33644630000.".into(),
                ));
            }
            view.twilio = (enabled, t);
        }
        "resend" => {
            let old = view.resend.1.clone();
            let r = ResendPage {
                api_key: keep(&form.api_key, &old.api_key),
                from: form.from.trim().to_string(),
                webhook_secret: keep(&form.webhook_secret, &old.webhook_secret),
            };
            if !r.api_key.is_empty() && !r.api_key.starts_with("re_") {
                errors.push(("api_key", "Une clé d'API Resend commence par re_.".into()));
            }
            if !r.from.is_empty() && !super::resend::address(&r.from).contains('@') {
                errors.push(("from", "Indiquez une adresse, par exemple Élégance Paris <bonjour@elegance-paris.com>.".into()));
            }
            if !r.webhook_secret.is_empty()
                && super::signatures::svix_sign(&r.webhook_secret, "check", 0, b"").is_err()
            {
                errors.push((
                    "webhook_secret",
                    "Le secret du webhook commence par whsec_ (copiez-le depuis Resend).".into(),
                ));
            }
            view.resend = (enabled, r);
        }
        "webchat" => {
            let origins: Vec<String> = form
                .allowed_origins
                .split(['\n', ',', ' '])
                .map(|o| o.trim().trim_end_matches('/').to_string())
                .filter(|o| !o.is_empty())
                .collect();
            if let Some(bad) = origins.iter().find(|o| {
                !(o.starts_with("https://") || o.starts_with("http://"))
                    || o.matches('/').count() > 2
            }) {
                errors.push((
                    "allowed_origins",
                    format!("« {bad} » n'est pas une adresse de site comme https://www.elegance-paris.com (sans chemin)."),
                ));
            }
            view.webchat = (
                enabled,
                WebchatPage {
                    allowed_origins: origins,
                },
            );
        }
        _ => return Err(AppError::NotFound),
    }
    if !errors.is_empty() {
        view.errors = errors;
        view.notice = Some((Tone::Danger, text::FIX.into()));
        return Ok(respond::html(
            StatusCode::BAD_REQUEST,
            render(&state, &staff, &view, flow).await?,
        ));
    }
    let (secrets, now) = (state.secrets.clone(), state.clock.now());
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| match provider.as_str() {
            "twilio" => settings::save(tx, &secrets, "twilio", view.twilio.0, &view.twilio.1, now),
            "resend" => settings::save(tx, &secrets, "resend", view.resend.0, &view.resend.1, now),
            _ => settings::save(
                tx,
                &secrets,
                "webchat",
                view.webchat.0,
                &view.webchat.1,
                now,
            ),
        })
    })
    .await?;
    settings::forget(&state);
    let back = match flow {
        Flow::Settings => paths::CHANNELS.to_string(),
        Flow::Wizard => state.wizard.path(Part::Channels),
    };
    Ok(HttpResponse::SeeOther()
        .insert_header(("Location", format!("{back}?ok=1")))
        .finish())
}

#[derive(Deserialize)]
struct TestForm {
    #[serde(default)]
    to: String,
}

async fn test(
    state: web::Data<AppState>,
    staff: Staff,
    flow: Flow,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<TestForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let provider = path.into_inner();
    let to = form.to.trim().to_string();
    let channel = match provider.as_str() {
        "twilio" if phone_ok(to.trim_start_matches("whatsapp:")) => {
            if to.starts_with("whatsapp:") {
                Channel::Whatsapp
            } else {
                Channel::Sms
            }
        }
        "resend" if to.contains('@') => Channel::Email,
        "twilio" | "resend" => {
            let mut view = stored(&state).await?;
            view.notice = Some((
                Tone::Danger,
                "Indiquez un numéro au format +33… ou une adresse e-mail valide.".into(),
            ));
            return Ok(respond::html(
                StatusCode::BAD_REQUEST,
                render(&state, &staff, &view, flow).await?,
            ));
        }
        _ => return Err(AppError::NotFound),
    };
    let channels = super::settings::current(&state).await?;
    let pending = Pending {
        id: 0,
        channel,
        recipient: to,
        body: text::TEST_BODY.into(),
        subject: "Test Comptoir".into(),
        in_reply_to: String::new(),
        attempt: 1,
        unsure_since: None,
        attachment: String::new(),
    };
    let (http, public) = (state.http.clone(), state.config.public_url.clone());
    let delivery = tokio::task::spawn_blocking(move || match pending.channel {
        Channel::Email => super::resend::send(&http, &channels, &pending),
        _ => super::twilio::send(&http, &channels, public.as_deref(), &pending),
    })
    .await?;
    let mut view = stored(&state).await?;
    view.notice = Some(match delivery {
        Delivery::Sent(id) => (
            Tone::Success,
            format!("Message de test envoyé (identifiant {id})."),
        ),
        Delivery::Retry { error, .. } | Delivery::Unknown(error) | Delivery::Failed(error) => {
            (Tone::Danger, format!("Échec de l'envoi : {error}"))
        }
    });
    Ok(respond::html(
        StatusCode::OK,
        render(&state, &staff, &view, flow).await?,
    ))
}
