//! Paramètres > Messages de l'IA: every reply the assistant writes, in French and in
//! English, for the shop to rewrite in its own words. Placeholders ({article},
//! {jusqu_a}…, the engine's English names still accepted) carry the facts; a text naming a placeholder the situation does not offer is refused,
//! and an emptied text goes back to the built-in one.

use std::collections::HashMap;

use crate::web::respond;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::assistant::settings;
use crate::db;
use crate::engine::lang::Lang;
use crate::engine::replies::{self, Template, Templates};
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
    pub const SAVE: &str = "Enregistrer cette partie";
    pub const CUSTOM: &str = "personnalisé";
    pub const SAVED: &str = "Messages enregistrés.";
    pub const FIX: &str = "Rien n'a été enregistré : corrigez les messages signalés ci-dessous.";
    pub const READ_ONLY: &str = "Seul un administrateur peut modifier les messages.";
    pub const TOO_LONG: &str = "Un message fait au plus 1 000 caractères.";
}

/// The page's parts, each saved with one button: (code, title, the messages in it).
const SECTIONS: &[(&str, &str, &[&str])] = &[
    (
        "accueil",
        "Accueil et politesse",
        &["greeting", "thanks", "survey", "survey_thanks"],
    ),
    (
        "stock",
        "Stock, tailles et mises de côté",
        &[
            "reserved",
            "reserved_fewer",
            "already_reserved",
            "in_stock",
            "hold_declined",
            "out_of_stock",
            "available_elsewhere",
            "other_values",
            "no_such_option",
            "ask_size",
            "ask_color",
            "option_values",
            "ask_product",
            "ask_product_name",
            "list_products",
            "price",
            "cancelled",
            "nothing_to_cancel",
        ],
    ),
    (
        "alertes",
        "Alertes de retour en stock et de prix",
        &[
            "alert_offer",
            "alert_subscribed",
            "price_alert_subscribed",
            "alert_confirm",
            "alert_ask_email",
            "alert_already",
            "alert_off",
            "alert_back",
            "alert_price",
            "alert_confirm_email",
            "alert_unsubscribe_line",
            "alerts_stopped",
        ],
    ),
    (
        "rendez-vous",
        "Rendez-vous et boutiques",
        &[
            "appointment_slots",
            "appointment_day_full",
            "appointment_which_service",
            "appointment_pick",
            "appointment_booked",
            "appointment_taken",
            "appointment_moved",
            "appointment_cancelled",
            "appointment_none",
            "appointment_unavailable",
            "appointment_reminder",
            "appointment_confirmed",
            "appointment_moved_by_shop",
            "appointment_cancelled_by_shop",
            "appointment_invitation",
            "appointment_cancel_email",
            "places",
            "places_none",
        ],
    ),
    (
        "commandes",
        "Suivi des commandes",
        &[
            "order_delivered",
            "order_out_for_delivery",
            "order_shipped",
            "order_partial",
            "order_preparing",
            "order_awaiting_payment",
            "order_cancelled",
            "order_refunded",
            "tracking",
            "ask_order",
            "order_not_found",
            "ask_email",
            "email_mismatch",
            "ask_ship_to",
            "ship_to_mismatch",
        ],
    ),
    (
        "boutique",
        "Horaires, adresse et politiques",
        &[
            "hours_week",
            "hours_day_open",
            "hours_day_closed",
            "open_now",
            "closed_now",
            "address",
            "contact",
            "returns",
            "shipping",
            "ships_there",
            "ships_not_there",
        ],
    ),
    (
        "humain",
        "Passage à un humain",
        &["handoff", "complaint", "rephrase", "unsure"],
    ),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::SETTINGS_MESSAGES, web::get().to(page))
        .route(paths::SETTINGS_MESSAGES, web::post().to(save));
}

/// The text shown for `t`, its placeholders in the shop's words, and whether the shop
/// wrote it.
fn text_for(templates: &Templates, t: &Template, lang: Lang, tone: Address) -> (String, bool) {
    match templates.custom.get(&(t.key.to_string(), lang)) {
        Some(custom) => (replies::shop_text(custom), true),
        None => (
            replies::shop_text(replies::default_text(t, lang, tone)),
            false,
        ),
    }
}

/// A part sent back after a refused save: what was typed in each message, and what is
/// wrong with those that are.
struct Typed {
    section: &'static str,
    texts: HashMap<&'static str, (String, String)>,
    problems: HashMap<&'static str, String>,
}

fn view(
    staff: &Staff,
    templates: &Templates,
    tone: Address,
    saved: Option<&str>,
    typed: Option<&Typed>,
) -> Markup {
    let editable = staff.user.role.can(Perm::ManageShop);
    let body = html! {
        @if saved.is_some() { (alert(Tone::Success, text::SAVED)) }
        @if typed.is_some() { (alert(Tone::Danger, text::FIX)) }
        @if !editable { (alert(Tone::Info, text::READ_ONLY)) }
        p.muted { (text::INTRO) }
        @for (code, title, keys) in SECTIONS {
            @let mine = typed.filter(|t| t.section == *code);
            @let custom = keys.iter().filter(|k| {
                templates.custom.contains_key(&(k.to_string(), Lang::Fr))
                    || templates.custom.contains_key(&(k.to_string(), Lang::En))
            }).count();
            details.card.message-part id={ "s-" (code) } open[saved == Some(*code) || mine.is_some()] {
                summary {
                    span.part-title { (title) }
                    span.muted { (keys.len()) " messages" @if custom > 0 { " · " (custom) " " (text::CUSTOM) @if custom > 1 { "s" } } }
                }
                form.stack method="post" action=(paths::SETTINGS_MESSAGES) {
                    (csrf_input(&staff.csrf))
                    input type="hidden" name="section" value=(code);
                    fieldset.stack disabled[!editable] {
                        @for t in keys.iter().filter_map(|k| replies::template(k)) {
                            @let (fr, fr_custom) = text_for(templates, t, Lang::Fr, tone);
                            @let (en, en_custom) = text_for(templates, t, Lang::En, tone);
                            // After a refused save, what was typed rather than the stored text.
                            @let (fr, en) = match mine.and_then(|m| m.texts.get(t.key)) {
                                Some((typed_fr, typed_en)) => (typed_fr.clone(), typed_en.clone()),
                                None => (fr, en),
                            };
                            @let problem = mine.and_then(|m| m.problems.get(t.key));
                            div.message id={ "m-" (t.key) } {
                                h3 { (t.label) @if fr_custom || en_custom { " " span.badge { (text::CUSTOM) } } }
                                @if !t.fields.is_empty() {
                                    p.muted { (text::FIELDS) " " @for f in t.fields { code { "{" (replies::shop_name(f)) "}" } " " } }
                                }
                                @if let Some(problem) = problem {
                                    p.error role="alert" id={ "e-" (t.key) } { (problem) }
                                }
                                label { (text::FRENCH) textarea name={ "fr." (t.key) } rows="2" maxlength="1000" aria-invalid=[problem.map(|_| "true")] { (fr) } }
                                label { (text::ENGLISH) textarea name={ "en." (t.key) } rows="2" maxlength="1000" aria-invalid=[problem.map(|_| "true")] { (en) } }
                            }
                        }
                    }
                    @if editable { div.actions { button.btn.primary type="submit" { (text::SAVE) } } }
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
    Ok(respond::html(
        StatusCode::OK,
        view(&staff, &templates, tone, saved.ok.as_deref(), None),
    ))
}

/// What is wrong with a text for `template`, if anything.
fn problem(template: &Template, body: &str) -> Option<String> {
    if body.chars().count() > 1000 {
        return Some(text::TOO_LONG.to_string());
    }
    let name = replies::unknown_field(template, body)?;
    Some(format!(
        "{{{name}}} n'existe pas pour ce message. Données disponibles : {}.",
        template
            .fields
            .iter()
            .map(|f| format!("{{{}}}", replies::shop_name(f)))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// Saves one part of the page: every message in it, or none when one is wrong.
async fn save(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let (section, keys) = form
        .get("section")
        .and_then(|code| SECTIONS.iter().find(|(c, _, _)| c == code))
        .map(|(code, _, keys)| (*code, *keys))
        .ok_or_else(|| AppError::BadRequest("Cette partie de la page n'existe pas.".into()))?;
    let (templates, tone) = load(&state).await?;
    let mut typed = Typed {
        section,
        texts: HashMap::new(),
        problems: HashMap::new(),
    };
    let mut changes: Vec<(&'static str, Lang, Option<String>)> = Vec::new();
    for template in keys.iter().filter_map(|k| replies::template(k)) {
        let key = template.key;
        let (fr, en) = match (
            form.get(&format!("fr.{key}")),
            form.get(&format!("en.{key}")),
        ) {
            // A message the form did not carry is left as it is.
            (None, None) => continue,
            (fr, en) => (
                fr.cloned().unwrap_or_default(),
                en.cloned().unwrap_or_default(),
            ),
        };
        if let Some(p) = problem(template, &fr).or_else(|| problem(template, &en)) {
            typed.problems.insert(key, p);
        }
        for (lang, body) in [(Lang::Fr, &fr), (Lang::En, &en)] {
            let body = body.trim().to_string();
            // Empty, or the built-in text unchanged: nothing of the shop's to keep.
            let builtin = replies::default_text(template, lang, tone);
            let unchanged = body == builtin || body == replies::shop_text(builtin);
            changes.push((key, lang, (!body.is_empty() && !unchanged).then_some(body)));
        }
        typed.texts.insert(key, (fr, en));
    }
    if !typed.problems.is_empty() {
        return Ok(HttpResponse::build(StatusCode::BAD_REQUEST)
            .content_type(respond::HTML)
            .body(view(&staff, &templates, tone, None, Some(&typed)).into_string()));
    }
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<_, AppError> {
            for (key, lang, body) in &changes {
                settings::save_template(tx, key, *lang, body.as_deref(), now)?;
            }
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?ok={section}#s-{section}", paths::SETTINGS_MESSAGES),
        ))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_is_in_exactly_one_part() {
        for t in replies::TEMPLATES {
            let parts = SECTIONS
                .iter()
                .filter(|(_, _, keys)| keys.contains(&t.key))
                .count();
            assert_eq!(parts, 1, "{}", t.key);
        }
        for (_, _, keys) in SECTIONS {
            for k in *keys {
                assert!(replies::template(k).is_some(), "{k}");
            }
        }
    }
}
