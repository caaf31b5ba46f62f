//! Each step's page and what "Continuer" saves. Steps whose settings forms save
//! themselves (channels, store) only move on.

use crate::web::respond;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use super::{Progress, Step, advance, following, frame, submit_row, summary, test_chat};
use crate::accounts::profile::{BusinessType, ShopProfile};
use crate::accounts::repo as accounts;
use crate::assistant::settings::{self, Extras, Settings};
use crate::db;
use crate::engine::shop::Tone as Address;
use crate::error::AppError;
use crate::settings::assistant::{
    ExtrasForm, behaviour_fields, connections_fields, day_texts, hours_fields, parse_hours,
    unsure_field,
};
use crate::settings::{ProfileErrors, ProfileForm, check_profile, profile_fields};
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, csrf_input, select};
use crate::web::csrf::CsrfForm;
use crate::web::roles::Perm;
use crate::web::{AppState, paths};

mod text {
    pub const BUSINESS_LEAD: &str = "Comptoir adapte ses réponses à votre activité.";
    pub const PROFILE_LEAD: &str = "L'assistant répond avec ces informations : horaires, adresse, contact, retours et livraison. Les exemples sont à adapter.";
    pub const HOURS: &str = "Horaires d'ouverture";
    pub const POLICIES: &str = "Retours et livraison";
    pub const RETURNS: &str = "Politique de retours et d'échanges";
    pub const SHIPPING: &str = "Politique de livraison";
    pub const HOURS_MISSING: &str =
        "Indiquez vos horaires d'ouverture (écrivez « fermé » pour un jour de fermeture).";
    pub const RETURNS_EXAMPLE: &str = "Retours gratuits sous 30 jours, articles non portés avec leurs étiquettes. Échange de taille en boutique ou par Colissimo.";
    pub const SHIPPING_EXAMPLE: &str =
        "Livraison Colissimo à domicile 4,90 € (2 à 3 jours ouvrés), offerte dès 100 €.";
    pub const FIX: &str = "Corrigez les champs signalés : rien n'a été enregistré.";
    pub const CHANNELS_LEAD: &str =
        "Activez les canaux par lesquels vos clients vous écrivent. Aucun n'est obligatoire.";
    pub const CHANNELS_LATER: &str = "Vous pourrez ajouter d'autres canaux plus tard.";
    pub const SAVED: &str = "Enregistré.";
    pub const CONNECTIONS_LEAD: &str = "Des compléments utiles, à passer si vous le souhaitez.";
    pub const PREFS_LEAD: &str =
        "Comment l'assistant parle et agit. Tout se change ensuite dans Paramètres › Assistant.";
    pub const HOLD: &str = "Durée d'une mise de côté";
    pub const HOLD_HINT: &str =
        "La mise de côté dure au moins ce temps, jusqu'à l'heure de fermeture qui suit.";
    pub const LLM: &str = "Modèle de langage (facultatif)";
    pub const LLM_OFF: &str = "Désactivé : l'assistant n'en a pas besoin. Pour comprendre les questions que ses règles ne lisent pas, indiquez un point d'accès compatible OpenAI (llama.cpp, Ollama…) dans la section [llm] du fichier de configuration, puis redémarrez Comptoir.";
    pub const LLM_ON: &str = "Activé (section [llm] du fichier de configuration) :";
    pub const STORE_MISSING: &str =
        "Connectez une boutique ci-dessus, ou choisissez « Je n'ai pas de boutique en ligne ».";
    pub const HOLD_BAD: &str = "Choisissez une durée proposée.";
}

const HOLD_CHOICES: [(&str, &str); 4] = [
    ("4", "4 heures"),
    ("24", "24 heures (jusqu'au lendemain à la fermeture)"),
    ("48", "48 heures"),
    ("72", "72 heures"),
];

/// A step's page.
pub(super) async fn page(
    state: &AppState,
    staff: &Staff,
    p: &Progress,
    step: Step,
    saved: bool,
) -> Result<maud::Markup, AppError> {
    let notice = saved.then(|| alert(Tone::Success, text::SAVED));
    Ok(match step {
        Step::Account | Step::Business => {
            let profile = load_profile(state).await?;
            frame(
                staff,
                p,
                Step::Business,
                business(staff, p, &profile),
                false,
            )
        }
        Step::Profile => {
            let (profile, s) = db::call(&state.db, |conn| -> Result<_, AppError> {
                Ok((accounts::profile(conn)?, settings::load(conn)?))
            })
            .await?;
            let profile = profile.unwrap_or_else(|| ShopProfile::new("", BusinessType::Other));
            let days = if s.hours.as_object().is_some_and(|h| !h.is_empty()) {
                day_texts(&s.hours)
            } else {
                Default::default()
            };
            let body = profile_form(
                staff,
                p,
                &profile,
                &days,
                &s,
                &ProfileErrors::default(),
                &[],
            );
            frame(staff, p, step, body, false)
        }
        Step::Channels => {
            let cards = crate::channels::pages::wizard_cards(state, staff).await?;
            frame(
                staff,
                p,
                step,
                html! { (notice.unwrap_or_default()) (channels_body(cards)) },
                true,
            )
        }
        Step::Store => {
            let forms = crate::stores::wizard_connect_forms(state, staff);
            let body = store_step_body(staff, forms);
            frame(staff, p, step, body, false)
        }
        Step::Sync => frame(staff, p, step, summary::sync_body(state).await?, true),
        Step::Connections => {
            let (extras, platform) = db::call(&state.db, |conn| -> Result<_, AppError> {
                let platform = crate::stores::repo::stores(conn)?
                    .first()
                    .map(|s| s.platform.label());
                Ok((settings::extras(conn)?, platform))
            })
            .await?;
            frame(
                staff,
                p,
                step,
                connections(staff, p, &extras, platform),
                false,
            )
        }
        Step::Test => frame(staff, p, step, test_chat::body(state, staff).await?, true),
        Step::Preferences => {
            let (s, extras, hold) = db::call(&state.db, |conn| -> Result<_, AppError> {
                let hold = crate::stores::repo::stores(conn)?
                    .first()
                    .map(|s| s.reservation_hours);
                Ok((settings::load(conn)?, settings::extras(conn)?, hold))
            })
            .await?;
            frame(
                staff,
                p,
                step,
                preferences(state, staff, p, &s, &extras, hold),
                false,
            )
        }
        Step::Done => frame(
            staff,
            p,
            step,
            summary::done_body(state, staff).await?,
            false,
        ),
    })
}

/// A page for a step whose body another feature rendered (a refused store connection,
/// a channel form sent with a mistake).
pub(crate) async fn step_page(
    state: &AppState,
    staff: &Staff,
    step: Step,
    body: Markup,
) -> Result<Markup, AppError> {
    let p = super::progress(state).await?;
    let body = match step {
        Step::Channels => channels_body(body),
        _ => body,
    };
    let nav = step != Step::Store;
    Ok(frame(staff, &p, step, body, nav))
}

fn channels_body(cards: Markup) -> Markup {
    html! {
        p.lead { (text::CHANNELS_LEAD) }
        (cards)
        p { strong { (text::CHANNELS_LATER) } }
    }
}

/// The store step: the connect forms, and the way on without an online store.
pub(crate) fn store_step_body(staff: &Staff, forms: Markup) -> Markup {
    html! {
        p.lead { "Comptoir garde une copie locale de votre catalogue et de votre stock pour répondre à vos clients. Choisissez votre plateforme :" }
        (forms)
        div.wizard-nav {
            a.btn href=(Step::Channels.path()) { (super::text::BACK) }
            form method="post" action=(Step::Store.path()) {
                (csrf_input(&staff.csrf))
                input type="hidden" name="no_store" value="1";
                button.btn type="submit" { "Je n'ai pas de boutique en ligne (passer)" }
            }
            form method="post" action=(Step::Store.path()) {
                (csrf_input(&staff.csrf))
                button.btn.primary type="submit" { (super::text::CONTINUE) }
            }
        }
        p.muted { "Sans boutique en ligne, l'assistant répond quand même sur vos horaires, votre adresse et vos politiques, et dit qu'il ne peut pas vérifier le stock." }
    }
}

fn example_week() -> [String; 7] {
    std::array::from_fn(|i| {
        if i < 6 {
            "10:00-19:00".into()
        } else {
            String::new()
        }
    })
}

async fn load_profile(state: &AppState) -> Result<ShopProfile, AppError> {
    Ok(db::call(&state.db, |conn| accounts::profile(conn))
        .await?
        .unwrap_or_else(|| ShopProfile::new("", BusinessType::Ecommerce)))
}

fn business(staff: &Staff, p: &Progress, profile: &ShopProfile) -> Markup {
    html! {
        p.lead { (text::BUSINESS_LEAD) }
        form.stack method="post" action=(Step::Business.path()) {
            (csrf_input(&staff.csrf))
            fieldset {
                legend { "Type d'activité" }
                div.choices {
                    @for t in BusinessType::ALL {
                        label {
                            input type="radio" name="business_type" value=(t.code()) checked[t == profile.business_type];
                            " " (t.label_fr())
                        }
                    }
                }
            }
            (submit_row(Step::Business, p))
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn profile_form(
    staff: &Staff,
    p: &Progress,
    profile: &ShopProfile,
    days: &[String; 7],
    s: &Settings,
    errors: &ProfileErrors,
    day_errors: &[(usize, String)],
) -> Markup {
    // Examples are shown in the empty fields, never saved as the shop's own words.
    let (returns, shipping) = (s.returns.fr.as_str(), s.shipping.fr.as_str());
    html! {
        p.lead { (text::PROFILE_LEAD) }
        @if errors.any() || !day_errors.is_empty() { (alert(Tone::Danger, text::FIX)) }
        form.stack method="post" action=(Step::Profile.path()) novalidate {
            (csrf_input(&staff.csrf))
            div.stack { (profile_fields(profile, errors, false)) }
            fieldset.stack {
                legend { (text::HOURS) }
                (hours_fields(days, Some(&example_week()), day_errors))
            }
            fieldset.stack {
                legend { (text::POLICIES) }
                label { (text::RETURNS) textarea name="returns" rows="3" placeholder=(text::RETURNS_EXAMPLE) { (returns) } }
                label { (text::SHIPPING) textarea name="shipping" rows="3" placeholder=(text::SHIPPING_EXAMPLE) { (shipping) } }
            }
            (submit_row(Step::Profile, p))
        }
    }
}

fn connections(staff: &Staff, p: &Progress, extras: &Extras, platform: Option<&str>) -> Markup {
    let mut shown = extras.clone();
    // A first visit suggests the carriers French shops use most.
    if !p.skipped.contains(&Step::Connections)
        && p.reached <= Step::Connections
        && shown.carriers.is_empty()
    {
        shown.carriers = vec![
            crate::engine::tracking::Carrier::Colissimo,
            crate::engine::tracking::Carrier::Chronopost,
        ];
    }
    html! {
        p.lead { (text::CONNECTIONS_LEAD) }
        form.stack method="post" action=(Step::Connections.path()) {
            (csrf_input(&staff.csrf))
            (connections_fields(&shown, platform))
            div.wizard-nav {
                (super::back(Step::Connections, p))
                button.btn type="submit" formaction=(paths::with_id(paths::ONBOARDING_SKIP, Step::Connections.slug())) { (super::text::SKIP) }
                button.btn.primary type="submit" { (super::text::CONTINUE) }
            }
        }
    }
}

fn preferences(
    state: &AppState,
    staff: &Staff,
    p: &Progress,
    s: &Settings,
    extras: &Extras,
    hold: Option<i64>,
) -> Markup {
    let hold = hold.unwrap_or(24).to_string();
    let llm = &state.config.llm;
    html! {
        p.lead { (text::PREFS_LEAD) }
        form.stack method="post" action=(Step::Preferences.path()) {
            (csrf_input(&staff.csrf))
            (behaviour_fields(s))
            (select(text::HOLD, "hold_hours", &HOLD_CHOICES, &hold))
            p.muted { (text::HOLD_HINT) }
            (unsure_field(extras))
            p.muted { "L'assistant passe toujours la main quand un client demande à parler à quelqu'un ou se plaint." }
            fieldset {
                legend { (text::LLM) }
                @if llm.enabled {
                    p { (text::LLM_ON) " " code { (llm.url) } " (" (llm.model) ")" }
                } @else {
                    p.muted { (text::LLM_OFF) }
                }
            }
            (submit_row(Step::Preferences, p))
        }
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
pub(super) struct StepForm {
    business_type: Option<String>,
    #[serde(flatten)]
    profile: Option<ProfileForm>,
    mon: String,
    tue: String,
    wed: String,
    thu: String,
    fri: String,
    sat: String,
    sun: String,
    returns: Option<String>,
    shipping: Option<String>,
    no_store: Option<String>,
    tone: String,
    auto_reserve: Option<String>,
    hold_hours: String,
    #[serde(flatten)]
    extras: ExtrasForm,
}

/// "Continuer": saves the step's form and moves on.
pub(super) async fn save(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<StepForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let step = Step::from_slug(&path.into_inner()).ok_or(AppError::NotFound)?;
    let p = super::progress(&state).await?;
    let now = state.clock.now();
    match step {
        Step::Business => {
            let t = form
                .business_type
                .as_deref()
                .and_then(BusinessType::from_code)
                .unwrap_or(BusinessType::Other);
            let mut profile = load_profile(&state).await?;
            profile.business_type = t;
            db::call(&state.db, move |conn| {
                db::write(conn, |tx| accounts::save_profile(tx, &profile, now))
            })
            .await?;
        }
        Step::Profile => return save_profile(&state, &staff, &p, form).await,
        Step::Store => {
            let no_store = form.no_store.is_some();
            let stores = db::call(&state.db, move |conn| {
                db::write(conn, |tx| -> Result<_, AppError> {
                    super::repo::set_no_store(tx, no_store, now)?;
                    Ok(crate::stores::repo::stores(tx)?.len())
                })
            })
            .await?;
            if !no_store && stores == 0 {
                let forms = crate::stores::wizard_connect_forms(&state, &staff);
                let body = html! { (alert(Tone::Danger, text::STORE_MISSING)) (store_step_body(&staff, forms)) };
                let page = frame(&staff, &p, step, body, false);
                return Ok(respond::html(StatusCode::BAD_REQUEST, page));
            }
            let p = super::progress(&state).await?;
            return advance(&state, step, no_store, following(step, &p)).await;
        }
        Step::Connections => {
            let extras = form.extras;
            db::call(&state.db, move |conn| {
                db::write(conn, |tx| {
                    let e = extras.apply(&settings::extras(tx)?, true);
                    settings::save_extras(tx, &e, now)
                })
            })
            .await?;
        }
        Step::Preferences => {
            let hours: i64 = match form.hold_hours.parse() {
                Ok(h) if HOLD_CHOICES.iter().any(|(v, _)| *v == form.hold_hours) => h,
                _ => return Err(AppError::BadRequest(text::HOLD_BAD.into())),
            };
            let (tone, auto_reserve, extras) = (
                Address::from_code(&form.tone).unwrap_or(Address::Vous),
                form.auto_reserve.is_some(),
                form.extras,
            );
            db::call(&state.db, move |conn| {
                db::write(conn, |tx| {
                    let mut s = settings::load(tx)?;
                    s.tone = tone;
                    s.auto_reserve = auto_reserve;
                    settings::save(tx, &s, now)?;
                    let e = extras.apply(&settings::extras(tx)?, false);
                    settings::save_extras(tx, &e, now)?;
                    crate::stores::repo::set_hold_hours(tx, hours)
                })
            })
            .await?;
        }
        Step::Done => {
            db::call(&state.db, move |conn| {
                db::write(conn, |tx| super::repo::finish(tx, now))
            })
            .await?;
            return Ok(respond::redirect(paths::DASHBOARD));
        }
        Step::Account | Step::Channels | Step::Sync | Step::Test => {}
    }
    advance(&state, step, false, following(step, &p)).await
}

async fn save_profile(
    state: &AppState,
    staff: &Staff,
    p: &Progress,
    form: StepForm,
) -> Result<HttpResponse, AppError> {
    let Some(sent) = form.profile.as_ref() else {
        return Err(AppError::BadRequest(
            "Le formulaire du profil est incomplet.".into(),
        ));
    };
    let (mut profile, errors) = check_profile(sent);
    // The type was chosen at the step before; this form does not carry it.
    profile.business_type = load_profile(state).await?.business_type;
    let days = [
        &form.mon, &form.tue, &form.wed, &form.thu, &form.fri, &form.sat, &form.sun,
    ];
    let hours = if days.iter().all(|d| d.trim().is_empty()) {
        Err(vec![(0, text::HOURS_MISSING.to_string())])
    } else {
        parse_hours(days.map(|d| d.as_str()))
    };
    let limit = |s: &Option<String>| {
        s.as_deref()
            .unwrap_or("")
            .trim()
            .chars()
            .take(2000)
            .collect::<String>()
    };
    let (returns, shipping) = (limit(&form.returns), limit(&form.shipping));
    let mut s = db::call(&state.db, |conn| settings::load(conn)).await?;
    s.returns.fr = returns;
    s.shipping.fr = shipping;
    let hours = match hours {
        Ok(hours) if !errors.any() => hours,
        result => {
            let day_errors = result.err().unwrap_or_default();
            let typed: [String; 7] = std::array::from_fn(|i| days[i].clone());
            let body = profile_form(staff, p, &profile, &typed, &s, &errors, &day_errors);
            return Ok(respond::html(
                StatusCode::BAD_REQUEST,
                frame(staff, p, Step::Profile, body, false),
            ));
        }
    };
    s.hours = hours;
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| {
            accounts::save_profile(tx, &profile, now)?;
            settings::save(tx, &s, now)
        })
    })
    .await?;
    advance(state, Step::Profile, false, following(Step::Profile, p)).await
}
