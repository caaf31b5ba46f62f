//! Paramètres > Messages de l'IA: every reply the assistant writes, in French and in
//! English, for the shop to rewrite in its own words. Placeholders ({item}, {until}…)
//! carry the facts; a text naming a placeholder the situation does not offer is refused,
//! and an emptied text goes back to the built-in one.

use crate::web::respond;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::assistant::settings;
use crate::db;
use crate::engine::lang::Lang;
use crate::engine::replies::{self, TEMPLATES, Template, Templates};
use crate::engine::shop::Tone as Address;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, csrf_input};
use crate::web::csrf::CsrfForm;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths};

mod text {
    pub const TITLE: &str = "Messages de l'IA";
    pub const INTRO: &str = "Réécrivez les réponses de l'assistant à votre façon. Les mots entre accolades sont remplacés par les vraies données (stock, dates, suivi) : gardez ceux dont vous avez besoin. Videz un texte pour revenir au message d'origine.";
    pub const FRENCH: &str = "Français";
    pub const ENGLISH: &str = "Anglais";
    pub const FIELDS: &str = "Données disponibles :";
    pub const SAVE: &str = "Enregistrer";
    pub const CUSTOM: &str = "personnalisé";
    pub const SAVED: &str = "Message enregistré.";
    pub const READ_ONLY: &str = "Seul un administrateur peut modifier les messages.";
    pub const TOO_LONG: &str = "Un message fait au plus 1 000 caractères.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::SETTINGS_MESSAGES, web::get().to(page))
        .route(paths::SETTINGS_MESSAGES, web::post().to(save));
}

fn text_for(templates: &Templates, t: &Template, lang: Lang, tone: Address) -> (String, bool) {
    match templates.custom.get(&(t.key.to_string(), lang)) {
        Some(custom) => (custom.clone(), true),
        None => (replies::default_text(t, lang, tone).to_string(), false),
    }
}

fn view(
    staff: &Staff,
    templates: &Templates,
    tone: Address,
    notice: Option<(Tone, String)>,
    failed: Option<(&str, &str, &str)>,
) -> Markup {
    let editable = staff.user.role.can(Perm::ManageShop);
    let body = html! {
        @if let Some((tone, n)) = &notice { (alert(*tone, n)) }
        @if !editable { (alert(Tone::Info, text::READ_ONLY)) }
        p.muted { (text::INTRO) }
        @for t in TEMPLATES {
            @let (fr, fr_custom) = text_for(templates, t, Lang::Fr, tone);
            @let (en, en_custom) = text_for(templates, t, Lang::En, tone);
            // After a refused save, show what was typed rather than the stored text.
            @let (fr, en) = match failed {
                Some((key, typed_fr, typed_en)) if key == t.key => (typed_fr.to_string(), typed_en.to_string()),
                _ => (fr, en),
            };
            section.card id={ "m-" (t.key) } {
                h2 { (t.label) @if fr_custom || en_custom { " " span.badge { (text::CUSTOM) } } }
                @if !t.fields.is_empty() {
                    p.muted { (text::FIELDS) " " @for f in t.fields { code { "{" (f) "}" } " " } }
                }
                form.stack method="post" action=(paths::SETTINGS_MESSAGES) {
                    (csrf_input(&staff.csrf))
                    input type="hidden" name="key" value=(t.key);
                    fieldset.stack disabled[!editable] {
                        label { (text::FRENCH) textarea name="fr" rows="2" maxlength="1000" { (fr) } }
                        label { (text::ENGLISH) textarea name="en" rows="2" maxlength="1000" { (en) } }
                    }
                    @if editable { div.actions { button.btn.small type="submit" { (text::SAVE) } } }
                }
            }
        }
    };
    layout::page(staff, Nav::Settings, text::TITLE, body)
}

async fn load(state: &AppState) -> Result<(Templates, Address), AppError> {
    db::call(&state.db, |conn| {
        Ok((settings::templates(conn)?, settings::load(conn)?.tone))
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
    let (templates, tone) = load(&state).await?;
    let notice = saved
        .ok
        .as_ref()
        .map(|_| (Tone::Success, text::SAVED.to_string()));
    Ok(respond::html(
        StatusCode::OK,
        view(&staff, &templates, tone, notice, None),
    ))
}

#[derive(Deserialize)]
struct Form {
    key: String,
    #[serde(default)]
    fr: String,
    #[serde(default)]
    en: String,
}

async fn save(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<Form>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let template = replies::template(&form.key)
        .ok_or_else(|| AppError::BadRequest("Ce message n'existe pas.".into()))?;
    let (templates, tone) = load(&state).await?;
    let mut problem = None;
    for body in [&form.fr, &form.en] {
        if body.chars().count() > 1000 {
            problem = Some(text::TOO_LONG.to_string());
        } else if let Some(name) = replies::unknown_field(template, body) {
            problem = Some(format!(
                "{{{name}}} n'existe pas pour ce message. Données disponibles : {}.",
                template
                    .fields
                    .iter()
                    .map(|f| format!("{{{f}}}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    if let Some(problem) = problem {
        return Ok(HttpResponse::build(StatusCode::BAD_REQUEST)
            .content_type(respond::HTML)
            .body(
                view(
                    &staff,
                    &templates,
                    tone,
                    Some((Tone::Danger, problem)),
                    Some((template.key, &form.fr, &form.en)),
                )
                .into_string(),
            ));
    }
    let now = state.clock.now();
    let key = template.key;
    let changes: Vec<(Lang, Option<String>)> = [(Lang::Fr, form.fr), (Lang::En, form.en)]
        .into_iter()
        .map(|(lang, body)| {
            let body = body.trim().to_string();
            // Empty, or the built-in text unchanged: nothing of the shop's to keep.
            let builtin = replies::default_text(template, lang, tone);
            (lang, (!body.is_empty() && body != builtin).then_some(body))
        })
        .collect();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<_, AppError> {
            for (lang, body) in &changes {
                settings::save_template(tx, key, *lang, body.as_deref(), now)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?ok=1#m-{key}", paths::SETTINGS_MESSAGES),
        ))
        .finish())
}
