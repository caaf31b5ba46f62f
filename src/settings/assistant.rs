//! Paramètres > Assistant: opening hours, tone, automatic holds, signature, returns and
//! shipping policies — what the assistant answers with.

use crate::web::respond;
use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use crate::assistant::settings::{self, Extras, Settings};
use crate::assistant::training::{self, Taught};
use crate::db;
use crate::engine::hours::WeekHours;
use crate::engine::shop::WhenUnsure;
use crate::engine::shop::{Policy, Tone as Address};
use crate::engine::tracking::Carrier;
use crate::error::AppError;
use crate::inbox::teach;
use crate::web::auth::Staff;
use crate::web::components::{Field, Tone, alert, csrf_input, select};
use crate::web::csrf::CsrfForm;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths};

mod text {
    pub const TITLE: &str = "Assistant";
    pub const HOURS: &str = "Horaires d'ouverture";
    pub const HOURS_HINT: &str = "Par jour : 10:00-19:00, ou 10:00-13:00, 14:00-19:00 pour une coupure. Laissez vide un jour de fermeture.";
    pub const BEHAVIOUR: &str = "Comportement";
    pub const TONE: &str = "Tutoiement ou vouvoiement (en français)";
    pub const AUTO_RESERVE: &str =
        "Mettre de côté automatiquement un article en stock demandé par un client";
    pub const AUTO_RESERVE_HINT: &str = "Sinon, l'assistant propose la mise de côté et attend la réponse. La durée se règle par boutique dans Intégrations.";
    pub const SIGNATURE: &str = "Signature des réponses par e-mail";
    pub const POLICIES: &str = "Politiques";
    pub const RETURNS: &str = "Retours et échanges";
    pub const RETURNS_EN: &str = "Retours et échanges (en anglais, facultatif)";
    pub const SHIPPING: &str = "Livraison";
    pub const SHIPPING_EN: &str = "Livraison (en anglais, facultatif)";
    pub const COUNTRIES: &str = "Pays livrés";
    pub const COUNTRIES_HINT: &str =
        "Codes pays séparés par des virgules, par exemple FR, BE, CH, LU.";
    pub const SAVE: &str = "Enregistrer";
    pub const SAVED: &str = "Réglages de l'assistant enregistrés.";
    pub const READ_ONLY: &str = "Seul un administrateur peut modifier ces réglages.";
    pub const FIX: &str = "Corrigez les champs signalés : rien n'a été enregistré.";
    pub const MESSAGES_LINK: &str = "Modifier les messages de l'IA";
    pub const CARRIERS: &str = "Transporteurs (liens de suivi)";
    pub const CARRIERS_HINT: &str = "Quand une commande porte un numéro de suivi sans lien, l'assistant et vos pages donnent le lien de suivi du transporteur coché.";
    pub const CUSTOMERS: &str = "Fiches clients";
    pub const CUSTOMERS_NONE: &str = "Ne pas relier les messages aux clients de la boutique";
    pub const CUSTOMERS_HINT: &str = "Relie chaque personne qui écrit au client de la boutique de même téléphone ou e-mail (ses commandes apparaissent dans la boîte de réception).";
    pub const UNSURE: &str = "Quand l'assistant ne comprend pas une question";
    pub const CONNECTIONS: &str = "Suivi des colis et clients";
}

const DAYS: [(&str, &str); 7] = [
    ("mon", "Lundi"),
    ("tue", "Mardi"),
    ("wed", "Mercredi"),
    ("thu", "Jeudi"),
    ("fri", "Vendredi"),
    ("sat", "Samedi"),
    ("sun", "Dimanche"),
];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::SETTINGS_ASSISTANT, web::get().to(page))
        .route(paths::SETTINGS_ASSISTANT, web::post().to(save));
}

/// "10:00-19:00" or "10:00-13:00, 14:00-19:00" from a stored day.
fn day_text(value: &serde_json::Value) -> String {
    let ranges: Vec<&serde_json::Value> = match value {
        serde_json::Value::Array(items) if items.first().is_some_and(|f| f.is_array()) => {
            items.iter().collect()
        }
        serde_json::Value::Array(_) => vec![value],
        _ => return String::new(),
    };
    ranges
        .iter()
        .map(|r| {
            format!(
                "{}-{}",
                r[0].as_str().unwrap_or(""),
                r[1].as_str().unwrap_or("")
            )
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// A day as typed ("10h-19h", "10:00 – 13:00, 14:00-19:00", empty) to its stored form.
fn parse_day(text: &str) -> Result<serde_json::Value, String> {
    let text = text.trim();
    if text.is_empty() || text.eq_ignore_ascii_case("fermé") || text.eq_ignore_ascii_case("ferme")
    {
        return Ok(serde_json::Value::Null);
    }
    let time = |t: &str| -> Result<String, String> {
        let t = t.trim().to_lowercase().replace('h', ":");
        let t = if t.ends_with(':') {
            format!("{t}00")
        } else {
            t
        };
        // "9:30" → "09:30": the parser wants two-digit hours.
        let t = if t.find(':') == Some(1) {
            format!("0{t}")
        } else {
            t
        };
        let parsed: jiff::civil::Time = t.parse().map_err(|_| {
            format!(
                "« {} » n'est pas une heure comme 10:00",
                t.trim_end_matches(":00")
            )
        })?;
        Ok(parsed.strftime("%H:%M").to_string())
    };
    let mut ranges = Vec::new();
    for part in text.split([',', ';']) {
        let (open, close) = part
            .split_once(['-', '–', 'à'])
            .ok_or_else(|| format!("« {} » : écrivez une plage comme 10:00-19:00", part.trim()))?;
        ranges.push(serde_json::json!([time(open)?, time(close)?]));
    }
    Ok(match ranges.len() {
        1 => ranges.remove(0),
        _ => serde_json::Value::Array(ranges),
    })
}

/// The choices apart from the page's main settings: tracking carriers, where customers
/// come from, what the bot does when unsure. Shared with the setup wizard.
#[derive(Deserialize, Default)]
#[serde(default)]
pub(crate) struct ExtrasForm {
    carrier_colissimo: Option<String>,
    carrier_chronopost: Option<String>,
    carrier_ups: Option<String>,
    carrier_dhl: Option<String>,
    carrier_fedex: Option<String>,
    customers: Option<String>,
    when_unsure: Option<String>,
}

impl ExtrasForm {
    /// The stored choices with what this form held: the carriers and the customers'
    /// source when `connections`, and the fields it sent.
    pub(crate) fn apply(&self, stored: &Extras, connections: bool) -> Extras {
        let mut e = stored.clone();
        if connections {
            let ticked = [
                (Carrier::Colissimo, &self.carrier_colissimo),
                (Carrier::Chronopost, &self.carrier_chronopost),
                (Carrier::Ups, &self.carrier_ups),
                (Carrier::Dhl, &self.carrier_dhl),
                (Carrier::Fedex, &self.carrier_fedex),
            ];
            e.carriers = ticked
                .into_iter()
                .filter(|(_, on)| on.is_some())
                .map(|(c, _)| c)
                .collect();
            e.customers_from_store = self.customers.as_deref() != Some("none");
        }
        if let Some(w) = self.when_unsure.as_deref().and_then(WhenUnsure::from_code) {
            e.when_unsure = w;
        }
        e
    }
}

/// Carriers to build tracking links for, and where customers come from.
pub(crate) fn connections_fields(e: &Extras, platform: Option<&str>) -> Markup {
    let store_option = match platform {
        Some(p) => format!("Utiliser les clients {p} (recommandé)"),
        None => "Utiliser les clients de la boutique en ligne (recommandé)".into(),
    };
    html! {
        fieldset {
            legend { (text::CARRIERS) }
            p.muted { (text::CARRIERS_HINT) }
            div.choices {
                @for c in Carrier::ALL {
                    label.checkbox {
                        input type="checkbox" name={ "carrier_" (c.code()) } value="1" checked[e.carriers.contains(&c)];
                        " " (c.label())
                    }
                }
            }
        }
        (select(text::CUSTOMERS, "customers", &[("store", store_option.as_str()), ("none", text::CUSTOMERS_NONE)], if e.customers_from_store { "store" } else { "none" }))
        p.muted { (text::CUSTOMERS_HINT) }
    }
}

pub(crate) fn unsure_field(e: &Extras) -> Markup {
    select(
        text::UNSURE,
        "when_unsure",
        &[
            ("handoff", "Passer la main à l'équipe tout de suite"),
            (
                "rephrase",
                "Demander de reformuler une fois, puis passer la main",
            ),
        ],
        e.when_unsure.code(),
    )
}

/// The week as stored, one text per day ("10:00-19:00", "" when closed).
pub(crate) fn day_texts(hours: &serde_json::Value) -> [String; 7] {
    std::array::from_fn(|i| day_text(&hours[DAYS[i].0]))
}

/// How the assistant addresses shoppers, and whether it holds items by itself.
pub(crate) fn behaviour_fields(s: &Settings) -> Markup {
    html! {
        (select(text::TONE, "tone", &[("vous", "Vouvoiement (vous)"), ("tu", "Tutoiement (tu)")], s.tone.code()))
        label.checkbox {
            input type="checkbox" name="auto_reserve" value="1" checked[s.auto_reserve];
            " " (text::AUTO_RESERVE)
        }
    }
}

/// One field per weekday, after how to write them; `errors` holds (day index, message).
/// The week's fields; `examples` are shown in empty fields, never saved.
pub(crate) fn hours_fields(
    days: &[String; 7],
    examples: Option<&[String; 7]>,
    errors: &[(usize, String)],
) -> Markup {
    html! {
        p.muted { (text::HOURS_HINT) }
        @for (i, (key, label)) in DAYS.iter().enumerate() {
            @let error = errors.iter().find(|(d, _)| *d == i).map(|(_, e)| e.as_str());
            @let example = examples.map_or("", |e| e[i].as_str());
            (Field::new(label, key).value(&days[i]).placeholder(example).error(error).render())
        }
    }
}

/// A week as typed, Monday first, to its stored form; or what is wrong, per day.
pub(crate) fn parse_hours(days: [&str; 7]) -> Result<serde_json::Value, Vec<(usize, String)>> {
    let mut errors: Vec<(usize, String)> = Vec::new();
    let mut hours = serde_json::Map::new();
    for (i, text) in days.iter().enumerate() {
        match parse_day(text) {
            Ok(value) => {
                hours.insert(DAYS[i].0.to_string(), value);
            }
            Err(e) => errors.push((i, e)),
        }
    }
    let hours = serde_json::Value::Object(hours);
    if errors.is_empty()
        && let Err(e) = WeekHours::from_json(&hours, jiff::tz::TimeZone::UTC)
    {
        let day = DAYS.iter().position(|(k, _)| e.starts_with(k)).unwrap_or(0);
        errors.push((day, "La fermeture doit venir après l'ouverture.".into()));
    }
    if errors.is_empty() {
        Ok(hours)
    } else {
        Err(errors)
    }
}

#[allow(clippy::too_many_arguments)]
fn view(
    staff: &Staff,
    s: &Settings,
    extras: &Extras,
    days: &[String; 7],
    errors: &[(usize, String)],
    notice: Option<(Tone, &str)>,
    taught: &[Taught],
    now: jiff::Timestamp,
) -> Markup {
    let editable = staff.user.role.can(Perm::ManageShop);
    let countries = s.shipping_countries.join(", ");
    let body = html! {
        @if let Some((tone, n)) = notice { (alert(tone, n)) }
        @if !editable { (alert(Tone::Info, text::READ_ONLY)) }
        p { a href=(paths::SETTINGS_MESSAGES) { (text::MESSAGES_LINK) " →" } }
        form.stack method="post" action=(paths::SETTINGS_ASSISTANT) {
            (csrf_input(&staff.csrf))
            fieldset.stack disabled[!editable] {
                section.card {
                    h2 { (text::HOURS) }
                    div.stack { (hours_fields(days, None, errors)) }
                }
                section.card {
                    h2 { (text::BEHAVIOUR) }
                    div.stack {
                        (behaviour_fields(s))
                        p.muted { (text::AUTO_RESERVE_HINT) }
                        (unsure_field(extras))
                        (Field::new(text::SIGNATURE, "signature").value(&s.signature).render())
                    }
                }
                section.card {
                    h2 { (text::POLICIES) }
                    div.stack {
                        label { (text::RETURNS) textarea name="returns" rows="3" { (s.returns.fr) } }
                        label { (text::RETURNS_EN) textarea name="returns_en" rows="3" { (s.returns.en) } }
                        label { (text::SHIPPING) textarea name="shipping" rows="3" { (s.shipping.fr) } }
                        label { (text::SHIPPING_EN) textarea name="shipping_en" rows="3" { (s.shipping.en) } }
                        (Field::new(text::COUNTRIES, "countries").value(&countries).hint(text::COUNTRIES_HINT).error(errors.iter().find(|(d, _)| *d == 7).map(|(_, e)| e.as_str())).render())
                    }
                }
                section.card {
                    h2 { (text::CONNECTIONS) }
                    div.stack { (connections_fields(extras, None)) }
                }
            }
            @if editable { div.actions { button.btn.primary type="submit" { (text::SAVE) } } }
        }
        (teach::examples_section(staff, taught, now))
    };
    layout::page(staff, Nav::Settings, text::TITLE, body)
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
    let (s, extras, taught) = db::call(&state.db, |conn| -> Result<_, AppError> {
        Ok((
            settings::load(conn)?,
            settings::extras(conn)?,
            training::list(conn)?,
        ))
    })
    .await?;
    let days = day_texts(&s.hours);
    let notice = saved.ok.as_deref().map(|ok| match ok {
        "forgotten" => (Tone::Success, "Exemple retiré : l'assistant l'oublie."),
        _ => (Tone::Success, text::SAVED),
    });
    let now = state.clock.now();
    Ok(respond::html(
        StatusCode::OK,
        view(&staff, &s, &extras, &days, &[], notice, &taught, now),
    ))
}

#[derive(Deserialize)]
struct Form {
    #[serde(default)]
    mon: String,
    #[serde(default)]
    tue: String,
    #[serde(default)]
    wed: String,
    #[serde(default)]
    thu: String,
    #[serde(default)]
    fri: String,
    #[serde(default)]
    sat: String,
    #[serde(default)]
    sun: String,
    #[serde(default)]
    tone: String,
    #[serde(default)]
    auto_reserve: Option<String>,
    #[serde(default)]
    signature: String,
    #[serde(default)]
    returns: String,
    #[serde(default)]
    returns_en: String,
    #[serde(default)]
    shipping: String,
    #[serde(default)]
    shipping_en: String,
    #[serde(default)]
    countries: String,
    #[serde(flatten)]
    extras: ExtrasForm,
}

async fn save(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<Form>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let days = [
        &form.mon, &form.tue, &form.wed, &form.thu, &form.fri, &form.sat, &form.sun,
    ];
    let (hours, mut errors) = match parse_hours(days.map(|d| d.as_str())) {
        Ok(hours) => (hours, Vec::new()),
        Err(errors) => (serde_json::json!({}), errors),
    };
    let countries: Vec<String> = form
        .countries
        .split([',', ' ', ';'])
        .map(|c| c.trim().to_uppercase())
        .filter(|c| !c.is_empty())
        .collect();
    if let Some(bad) = countries
        .iter()
        .find(|c| c.len() != 2 || !c.chars().all(|ch| ch.is_ascii_alphabetic()))
    {
        errors.push((
            7,
            format!("« {bad} » n'est pas un code pays à deux lettres (FR, BE…)."),
        ));
    }
    let limit = |s: &str| s.trim().chars().take(2000).collect::<String>();
    let s = Settings {
        hours,
        tone: Address::from_code(&form.tone).unwrap_or(Address::Vous),
        signature: limit(&form.signature),
        auto_reserve: form.auto_reserve.is_some(),
        returns: Policy {
            fr: limit(&form.returns),
            en: limit(&form.returns_en),
        },
        shipping: Policy {
            fr: limit(&form.shipping),
            en: limit(&form.shipping_en),
        },
        shipping_countries: countries,
    };
    let (stored, taught) = db::call(&state.db, |conn| -> Result<_, AppError> {
        Ok((settings::extras(conn)?, training::list(conn)?))
    })
    .await?;
    let extras = form.extras.apply(&stored, true);
    if !errors.is_empty() {
        let typed: [String; 7] = std::array::from_fn(|i| days[i].clone());
        return Ok(HttpResponse::build(StatusCode::BAD_REQUEST)
            .content_type(respond::HTML)
            .body(
                view(
                    &staff,
                    &s,
                    &extras,
                    &typed,
                    &errors,
                    Some((Tone::Danger, text::FIX)),
                    &taught,
                    state.clock.now(),
                )
                .into_string(),
            ));
    }
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            settings::save(tx, &s, now)?;
            settings::save_extras(tx, &extras, now)
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?ok=1", paths::SETTINGS_ASSISTANT),
        ))
        .finish())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_as_people_type_them() {
        assert_eq!(
            parse_day("10:00-19:00").unwrap(),
            serde_json::json!(["10:00", "19:00"])
        );
        assert_eq!(
            parse_day("10h – 19h").unwrap(),
            serde_json::json!(["10:00", "19:00"])
        );
        assert_eq!(
            parse_day("9h30-12h30, 14h-19h").unwrap(),
            serde_json::json!([["09:30", "12:30"], ["14:00", "19:00"]])
        );
        assert_eq!(parse_day("  ").unwrap(), serde_json::Value::Null);
        assert!(parse_day("le matin").unwrap_err().contains("10:00-19:00"));
        assert!(parse_day("10:00-25:00").is_err());
        assert_eq!(
            day_text(&serde_json::json!([["09:30", "12:30"], ["14:00", "19:00"]])),
            "09:30-12:30, 14:00-19:00"
        );
    }
}
