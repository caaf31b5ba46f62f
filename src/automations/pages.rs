//! Paramètres › Automatisations: the rules in order (switched on or off, moved up or
//! down, deleted), the form of one rule, and the last runs. The form offers each
//! condition and action once, so it needs no script and reads the same on a phone.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use maud::{Markup, html};

use super::rules::{self, Action, CHANNELS, Condition, Known, LANGUAGES, Refusal, Rule, Trigger};
use crate::clock::{from_unix, relative_fr};
use crate::db;
use crate::engine::intent::Intent;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, badge, csrf_input, empty_state};
use crate::web::csrf::{self, CsrfForm};
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths, respond};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::AUTOMATIONS, web::get().to(list))
        .route(paths::AUTOMATION, web::get().to(edit))
        .route(paths::AUTOMATION, web::post().to(save))
        .route(paths::AUTOMATION_CHANGE, web::post().to(change));
}

const TITLE: &str = "Automatisations";

/// What the form's lists offer: members, departments, saved replies, webhook endpoints.
struct Choices {
    members: Vec<(i64, String)>,
    departments: Vec<(i64, String)>,
    replies: Vec<(i64, String)>,
    endpoints: Vec<(i64, String)>,
}

fn choices(conn: &rusqlite::Connection) -> Result<Choices, AppError> {
    Ok(Choices {
        members: crate::inbox::settings::assignable(conn)?
            .into_iter()
            .map(|m| {
                let name = if m.display_name.is_empty() {
                    m.email.clone()
                } else {
                    m.display_name.clone()
                };
                (m.id.0, name)
            })
            .collect(),
        departments: crate::inbox::settings::departments(conn)?,
        replies: crate::inbox::settings::saved_replies(conn)?
            .into_iter()
            .map(|r| (r.id, r.title))
            .collect(),
        endpoints: crate::api::webhooks::endpoints(conn)?
            .into_iter()
            .map(|e| (e.id, e.url))
            .collect(),
    })
}

fn describe(rule: &Rule, c: &Choices) -> (String, String) {
    let name_of = |list: &[(i64, String)], id: i64| {
        list.iter()
            .find(|(i, _)| *i == id)
            .map_or_else(|| "?".to_string(), |(_, n)| n.clone())
    };
    let label = |list: &[(&str, &str)], codes: &[String]| {
        codes
            .iter()
            .map(|code| {
                list.iter()
                    .find(|(k, _)| k == code)
                    .map_or(code.as_str(), |(_, l)| *l)
            })
            .collect::<Vec<_>>()
            .join(" ou ")
    };
    let yes = |b: bool| if b { "oui" } else { "non" };
    let conditions: Vec<String> = rule
        .conditions
        .iter()
        .map(|k| match k {
            Condition::Channel { any_of } => format!("canal : {}", label(&CHANNELS, any_of)),
            Condition::Intent { any_of } => format!(
                "demande : {}",
                any_of
                    .iter()
                    .map(|i| Intent::from_code(i).map_or("?", Intent::label_fr))
                    .collect::<Vec<_>>()
                    .join(" ou ")
            ),
            Condition::Words { any_of } => format!("mots : {}", any_of.join(", ")),
            Condition::Pattern { regex } => format!("expression : {regex}"),
            Condition::Language { any_of } => format!("langue : {}", label(&LANGUAGES, any_of)),
            Condition::StoreCustomer { is } => format!("client de la boutique : {}", yes(*is)),
            Condition::OpenOrder { is } => format!("commande en cours : {}", yes(*is)),
            Condition::BusinessHours { open: true } => "pendant les heures d'ouverture".into(),
            Condition::BusinessHours { open: false } => "en dehors des heures d'ouverture".into(),
            Condition::Priority { is } => format!("prioritaire : {}", yes(*is)),
            Condition::Department { id: None } => "sans département".into(),
            Condition::Department { id: Some(d) } => {
                format!("département : {}", name_of(&c.departments, *d))
            }
        })
        .collect();
    let actions: Vec<String> = rule
        .actions
        .iter()
        .map(|a| match a {
            Action::AssignMember { member_id } => {
                format!("attribuer à {}", name_of(&c.members, *member_id))
            }
            Action::AssignDepartment { department_id } => format!(
                "attribuer au département {} (à tour de rôle)",
                name_of(&c.departments, *department_id)
            ),
            Action::Priority { on: true } => "marquer prioritaire".into(),
            Action::Priority { on: false } => "retirer la priorité".into(),
            Action::Note { .. } => "ajouter une note".into(),
            Action::SavedReply { reply_id } => {
                format!("envoyer « {} »", name_of(&c.replies, *reply_id))
            }
            Action::Webhook { endpoint_id } => {
                format!("webhook vers {}", name_of(&c.endpoints, *endpoint_id))
            }
            Action::HandBack => "rendre à l'assistant".into(),
            Action::Close => "fermer".into(),
        })
        .collect();
    let when = if conditions.is_empty() {
        "toujours".to_string()
    } else {
        conditions.join(" et ")
    };
    (when, actions.join(", "))
}

async fn list(state: web::Data<AppState>, staff: Staff) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let (all, c, runs) = db::call(&state.db, |conn| -> Result<_, AppError> {
        Ok((
            rules::list(conn)?,
            choices(conn)?,
            rules::recent_runs(conn, 30)?,
        ))
    })
    .await?;
    let now = state.clock.now();
    let count = all.len();
    let body = html! {
        p.muted { "Des règles qui trient à votre place : attribuer au bon département, marquer une urgence, répondre en dehors des heures d'ouverture, prévenir un autre outil… Elles s'appliquent dans l'ordre de la liste ; une règle marquée « s'arrêter ici » empêche les suivantes. Les actions d'une règle ne déclenchent jamais une autre règle." }
        p { a.btn.primary href=(paths::with_id(paths::AUTOMATION, "new")) { "Nouvelle règle" } }
        @if all.is_empty() {
            (empty_state("Aucune règle pour l'instant", "Par exemple : « Quand l'assistant passe la main et que le message parle de remboursement, attribuer au département SAV ».", Some(("Créer une règle", &paths::with_id(paths::AUTOMATION, "new")))))
        }
        ol.rules {
            @for (i, r) in all.iter().enumerate() {
                @let (when, then) = describe(r, &c);
                li.card.rule {
                    p {
                        strong { (i + 1) ". " (r.name) } " "
                        @if r.enabled { (badge("Active", Tone::Success)) } @else { (badge("Désactivée", Tone::Neutral)) }
                        @if r.stop { " " (badge("S'arrête ici", Tone::Info)) }
                    }
                    p {
                        span.muted { "Quand : " } (r.trigger.label())
                        @if let Some(m) = r.delay_minutes { " (" (m) " min)" }
                    }
                    p { span.muted { "Si : " } (when) }
                    p { span.muted { "Alors : " } (then) }
                    form.inline method="post" action=(paths::with_id(paths::AUTOMATION_CHANGE, r.id)) {
                        (csrf_input(&staff.csrf))
                        a.btn.small href=(paths::with_id(paths::AUTOMATION, r.id)) { "Modifier" } " "
                        @if r.enabled {
                            button.btn.small type="submit" name="action" value="disable" { "Désactiver" }
                        } @else {
                            button.btn.small type="submit" name="action" value="enable" { "Activer" }
                        }
                        " "
                        @if i > 0 { button.btn.small type="submit" name="action" value="up" aria-label={ "Monter « " (r.name) " »" } { "↑ Monter" } " " }
                        @if i + 1 < count { button.btn.small type="submit" name="action" value="down" aria-label={ "Descendre « " (r.name) " »" } { "↓ Descendre" } " " }
                        button.btn.small.danger type="submit" name="action" value="delete" data-confirm="Supprimer cette règle ?" { "Supprimer" }
                    }
                }
            }
        }
        section.card {
            h2 { "Dernières applications" }
            @if runs.iter().all(|r| r.2.is_empty()) { p.muted { "Aucune règle appliquée pour l'instant." } }
            ul.runs {
                @for (name, conversation, summary, at) in runs.iter().filter(|r| !r.2.is_empty()) {
                    li {
                        a href=(paths::with_id(paths::CONVERSATION, conversation)) { "Conversation n° " (conversation) }
                        " · règle « " (name) " » : " (summary) " · " span.muted { (relative_fr(from_unix(*at), now)) }
                    }
                }
            }
        }
    };
    Ok(respond::html(
        StatusCode::OK,
        layout::page(&staff, Nav::Settings, TITLE, body),
    ))
}

fn target(segment: &str) -> Result<i64, AppError> {
    if segment == "new" {
        return Ok(0);
    }
    segment.parse().map_err(|_| AppError::NotFound)
}

async fn edit(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = target(&path)?;
    let (rule, c) = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let rule = if id == 0 {
            Rule {
                id: 0,
                name: String::new(),
                trigger: Trigger::HandedOver,
                delay_minutes: None,
                conditions: Vec::new(),
                actions: Vec::new(),
                stop: false,
                enabled: true,
            }
        } else {
            rules::get(conn, id)?.ok_or(AppError::NotFound)?
        };
        Ok((rule, choices(conn)?))
    })
    .await?;
    Ok(form_page(&staff, &rule, &c, &[], StatusCode::OK))
}

fn form_page(
    staff: &Staff,
    r: &Rule,
    c: &Choices,
    refused: &[Refusal],
    status: StatusCode,
) -> HttpResponse {
    let error = |field: &str| {
        refused
            .iter()
            .find(|x| x.field == field)
            .map(|x| x.message.as_str())
    };
    let cond = |f: &dyn Fn(&Condition) -> bool| r.conditions.iter().find(|k| f(k)).cloned();
    let listed = |k: Option<Condition>| -> Vec<String> {
        match k {
            Some(
                Condition::Channel { any_of }
                | Condition::Intent { any_of }
                | Condition::Language { any_of }
                | Condition::Words { any_of },
            ) => any_of,
            _ => Vec::new(),
        }
    };
    let channels = listed(cond(&|k| matches!(k, Condition::Channel { .. })));
    let intents = listed(cond(&|k| matches!(k, Condition::Intent { .. })));
    let languages = listed(cond(&|k| matches!(k, Condition::Language { .. })));
    let words = listed(cond(&|k| matches!(k, Condition::Words { .. }))).join(", ");
    let regex = match cond(&|k| matches!(k, Condition::Pattern { .. })) {
        Some(Condition::Pattern { regex }) => regex,
        _ => String::new(),
    };
    let yes_no = |k: Option<Condition>| -> &'static str {
        match k {
            Some(
                Condition::StoreCustomer { is }
                | Condition::OpenOrder { is }
                | Condition::Priority { is },
            ) => {
                if is {
                    "yes"
                } else {
                    "no"
                }
            }
            Some(Condition::BusinessHours { open }) => {
                if open {
                    "yes"
                } else {
                    "no"
                }
            }
            _ => "",
        }
    };
    let customer = yes_no(cond(&|k| matches!(k, Condition::StoreCustomer { .. })));
    let open_order = yes_no(cond(&|k| matches!(k, Condition::OpenOrder { .. })));
    let hours = yes_no(cond(&|k| matches!(k, Condition::BusinessHours { .. })));
    let priority_is = yes_no(cond(&|k| matches!(k, Condition::Priority { .. })));
    let department_is = match cond(&|k| matches!(k, Condition::Department { .. })) {
        Some(Condition::Department { id: None }) => "none".to_string(),
        Some(Condition::Department { id: Some(d) }) => d.to_string(),
        _ => String::new(),
    };
    let act = |f: &dyn Fn(&Action) -> bool| r.actions.iter().find(|a| f(a)).cloned();
    let assign = match act(&|a| {
        matches!(
            a,
            Action::AssignMember { .. } | Action::AssignDepartment { .. }
        )
    }) {
        Some(Action::AssignMember { member_id }) => format!("m{member_id}"),
        Some(Action::AssignDepartment { department_id }) => format!("d{department_id}"),
        _ => String::new(),
    };
    let set_priority = match act(&|a| matches!(a, Action::Priority { .. })) {
        Some(Action::Priority { on: true }) => "on",
        Some(Action::Priority { on: false }) => "off",
        _ => "",
    };
    let note = match act(&|a| matches!(a, Action::Note { .. })) {
        Some(Action::Note { text }) => text,
        _ => String::new(),
    };
    let reply = match act(&|a| matches!(a, Action::SavedReply { .. })) {
        Some(Action::SavedReply { reply_id }) => reply_id.to_string(),
        _ => String::new(),
    };
    let hook = match act(&|a| matches!(a, Action::Webhook { .. })) {
        Some(Action::Webhook { endpoint_id }) => endpoint_id.to_string(),
        _ => String::new(),
    };
    let handback = r.actions.contains(&Action::HandBack);
    let close = r.actions.contains(&Action::Close);
    let title = if r.id == 0 {
        "Nouvelle règle"
    } else {
        "Modifier la règle"
    };
    let option = |value: &str, label: &str, selected: &str| {
        html! { option value=(value) selected[value == selected] { (label) } }
    };
    let tri = |name: &str, label: &str, yes: &str, no: &str, value: &str| {
        html! {
            div.field {
                label for={ "f-" (name) } { (label) }
                select id={ "f-" (name) } name=(name) {
                    (option("", "Peu importe", value)) (option("yes", yes, value)) (option("no", no, value))
                }
            }
        }
    };
    let field_error = |field: &str| -> Markup {
        html! { @if let Some(e) = error(field) { p.error role="alert" { (e) } } }
    };
    let body = html! {
        p { a href=(paths::AUTOMATIONS) { "← Toutes les règles" } }
        @if !refused.is_empty() {
            (alert(Tone::Danger, "La règle n'est pas enregistrée : corrigez ce qui est signalé ci-dessous."))
        }
        form.card.rule-form method="post" action=(paths::with_id(paths::AUTOMATION, if r.id == 0 { "new".to_string() } else { r.id.to_string() })) {
            (csrf_input(&staff.csrf))
            div.field.has-error[error("name").is_some()] {
                label for="f-name" { "Nom de la règle" span.req aria-hidden="true" { " *" } }
                input #f-name type="text" name="name" value=(r.name) maxlength="80" required placeholder="SAV";
                (field_error("name"))
            }
            fieldset {
                legend { "Quand" }
                div.field {
                    label for="f-trigger" { "Ce qui déclenche la règle" }
                    select #f-trigger name="trigger" {
                        @for t in Trigger::ALL { (option(t.code(), t.label(), r.trigger.code())) }
                    }
                }
                div.field.has-error[error("delay_minutes").is_some()] {
                    label for="f-delay" { "Délai sans réponse de l'équipe (minutes)" }
                    p.hint { "Seulement pour « L'équipe n'a pas répondu après un délai » : compté depuis le dernier message du client, dans une conversation passée à l'équipe." }
                    input #f-delay name="delay_minutes" type="number" min="1" max=(rules::MAX_DELAY_MINUTES) inputmode="numeric" value=[r.delay_minutes];
                    (field_error("delay_minutes"))
                }
            }
            fieldset {
                legend { "Si (toutes les conditions choisies)" }
                p.hint { "Laissez vide ce qui ne compte pas. Les mots et l'expression portent sur le dernier message du client." }
                fieldset.inline-choices.has-error[error("channel").is_some()] {
                    legend { "Canal" }
                    @for (code, label) in CHANNELS {
                        label.checkbox { input type="checkbox" name="channel" value=(code) checked[channels.iter().any(|c| c == code)]; " " (label) }
                    }
                    (field_error("channel"))
                }
                details open[!intents.is_empty() || error("intent").is_some()] {
                    summary { "Demande comprise par l'assistant" }
                    fieldset.inline-choices aria-label="Demande" {
                        @for i in Intent::ALL {
                            label.checkbox { input type="checkbox" name="intent" value=(i.code()) checked[intents.iter().any(|x| x == i.code())]; " " (i.label_fr()) }
                        }
                    }
                    (field_error("intent"))
                }
                div.field.has-error[error("words").is_some()] {
                    label for="f-words" { "Mots dans le message" }
                    p.hint { "Séparés par des virgules ; l'un d'eux suffit. Majuscules et accents ne comptent pas, et un mot trouve aussi ses suites : « abîmé » trouve « abîmée »." }
                    input #f-words type="text" name="words" value=(words) maxlength="1000" placeholder="remboursement, pas reçu, abîmé";
                    (field_error("words"))
                }
                div.field.has-error[error("regex").is_some()] {
                    label for="f-regex" { "Ou le message correspond à l'expression (avancé)" }
                    p.hint { "Une expression régulière, par exemple « commande\\s*#?\\d{4} »." }
                    input #f-regex type="text" name="regex" value=(regex) maxlength="300";
                    (field_error("regex"))
                }
                fieldset.inline-choices.has-error[error("language").is_some()] {
                    legend { "Langue du client" }
                    @for (code, label) in LANGUAGES {
                        label.checkbox { input type="checkbox" name="language" value=(code) checked[languages.iter().any(|c| c == code)]; " " (label) }
                    }
                    (field_error("language"))
                }
                div.grid-2 {
                    (tri("customer", "Client de la boutique", "Oui", "Non", customer))
                    (tri("open_order", "Commande en cours", "Oui", "Non", open_order))
                    (tri("hours", "Heures d'ouverture", "Pendant", "En dehors", hours))
                    (tri("priority_is", "Prioritaire", "Oui", "Non", priority_is))
                }
                div.field.has-error[error("department").is_some()] {
                    label for="f-department_is" { "Département de la conversation" }
                    select #f-department_is name="department_is" {
                        (option("", "Peu importe", &department_is))
                        (option("none", "Aucun département", &department_is))
                        @for (id, name) in &c.departments { (option(&id.to_string(), name, &department_is)) }
                    }
                    (field_error("department"))
                }
            }
            fieldset.has-error[error("actions").is_some()] {
                legend { "Alors" }
                (field_error("actions"))
                div.field.has-error[error("assign").is_some()] {
                    label for="f-assign" { "Attribuer" }
                    select #f-assign name="assign" {
                        (option("", "Ne pas changer", &assign))
                        @for (id, name) in &c.departments { (option(&format!("d{id}"), &format!("Département {name} (à tour de rôle parmi ses membres disponibles)"), &assign)) }
                        @for (id, name) in &c.members { (option(&format!("m{id}"), name, &assign)) }
                    }
                    (field_error("assign"))
                }
                div.field {
                    label for="f-set_priority" { "Priorité" }
                    select #f-set_priority name="set_priority" {
                        (option("", "Ne pas changer", set_priority))
                        (option("on", "Marquer prioritaire", set_priority))
                        (option("off", "Retirer la priorité", set_priority))
                    }
                }
                div.field.has-error[error("note").is_some()] {
                    label for="f-note" { "Ajouter une note interne" }
                    textarea #f-note name="note" rows="2" maxlength="2000" { (note) }
                    (field_error("note"))
                }
                div.field.has-error[error("reply").is_some()] {
                    label for="f-reply" { "Envoyer une réponse enregistrée" }
                    @if c.replies.is_empty() { p.hint { "Créez d'abord des réponses dans Paramètres › Boîte de réception." } }
                    select #f-reply name="reply" {
                        (option("", "Aucune", &reply))
                        @for (id, title) in &c.replies { (option(&id.to_string(), title, &reply)) }
                    }
                    (field_error("reply"))
                }
                div.field.has-error[error("webhook").is_some()] {
                    label for="f-webhook" { "Prévenir un autre outil (webhook)" }
                    @if c.endpoints.is_empty() { p.hint { "Ajoutez d'abord un point d'envoi dans Paramètres › Webhooks." } }
                    select #f-webhook name="webhook" {
                        (option("", "Non", &hook))
                        @for (id, url) in &c.endpoints { (option(&id.to_string(), url, &hook)) }
                    }
                    (field_error("webhook"))
                }
                label.checkbox { input type="checkbox" name="handback" checked[handback]; " Rendre la conversation à l'assistant" }
                label.checkbox { input type="checkbox" name="close" checked[close]; " Fermer la conversation" }
                (field_error("close"))
            }
            label.checkbox { input type="checkbox" name="stop" checked[r.stop]; " S'arrêter ici : ne pas appliquer les règles suivantes" }
            label.checkbox { input type="checkbox" name="enabled" checked[r.enabled]; " Règle active" }
            button.btn.primary type="submit" { "Enregistrer" }
        }
    };
    respond::html(status, layout::page(staff, Nav::Settings, title, body))
}

/// The fields the form posts; anything else is refused.
const FIELDS: [&str; 23] = [
    csrf::FIELD,
    "name",
    "trigger",
    "delay_minutes",
    "channel",
    "intent",
    "words",
    "regex",
    "language",
    "customer",
    "open_order",
    "hours",
    "priority_is",
    "department_is",
    "assign",
    "set_priority",
    "note",
    "reply",
    "webhook",
    "handback",
    "close",
    "stop",
    "enabled",
];

/// Reads the form into a rule; a value no list offers is a refusal of its field.
fn read_form(id: i64, form: &[(String, String)]) -> (Rule, Vec<Refusal>) {
    let mut refused = Vec::new();
    let one = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let many = |k: &str| -> Vec<String> {
        form.iter()
            .filter(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .collect()
    };
    if let Some((unknown, _)) = form.iter().find(|(k, _)| !FIELDS.contains(&k.as_str())) {
        refused.push(Refusal {
            field: "name",
            message: format!(
                "Le champ « {unknown} » n'existe pas dans ce formulaire : rechargez la page."
            ),
        });
    }
    let trigger = Trigger::from_code(&one("trigger"));
    if trigger.is_none() {
        refused.push(Refusal {
            field: "name",
            message: "Choisissez ce qui déclenche la règle dans la liste.".into(),
        });
    }
    let delay = one("delay_minutes");
    let delay_minutes = if delay.is_empty() {
        None
    } else {
        match delay.parse::<i64>() {
            Ok(m) => Some(m),
            Err(_) => {
                refused.push(Refusal {
                    field: "delay_minutes",
                    message: "Le délai est un nombre de minutes, par exemple 30.".into(),
                });
                None
            }
        }
    };
    let mut conditions = Vec::new();
    for (key, make) in [
        (
            "channel",
            (|v| Condition::Channel { any_of: v }) as fn(Vec<String>) -> Condition,
        ),
        ("intent", |v| Condition::Intent { any_of: v }),
        ("language", |v| Condition::Language { any_of: v }),
    ] {
        let v: Vec<String> = many(key).into_iter().filter(|s| !s.is_empty()).collect();
        if !v.is_empty() {
            conditions.push(make(v));
        }
    }
    let words: Vec<String> = one("words")
        .split(',')
        .map(|w| w.trim().to_string())
        .filter(|w| !w.is_empty())
        .collect();
    if !words.is_empty() {
        conditions.push(Condition::Words { any_of: words });
    }
    let regex = one("regex");
    if !regex.is_empty() {
        conditions.push(Condition::Pattern { regex });
    }
    let mut tri = |key: &'static str, make: fn(bool) -> Condition| match one(key).as_str() {
        "" => {}
        "yes" => conditions.push(make(true)),
        "no" => conditions.push(make(false)),
        _ => refused.push(Refusal {
            field: key,
            message: "Choisissez « Peu importe », oui ou non.".into(),
        }),
    };
    tri("customer", |is| Condition::StoreCustomer { is });
    tri("open_order", |is| Condition::OpenOrder { is });
    tri("hours", |open| Condition::BusinessHours { open });
    tri("priority_is", |is| Condition::Priority { is });
    match one("department_is").as_str() {
        "" => {}
        "none" => conditions.push(Condition::Department { id: None }),
        d => match d.parse() {
            Ok(d) => conditions.push(Condition::Department { id: Some(d) }),
            Err(_) => refused.push(Refusal {
                field: "department",
                message: "Choisissez le département dans la liste.".into(),
            }),
        },
    }
    let mut actions = Vec::new();
    let assign = one("assign");
    let id_after =
        |s: &str, prefix: char| s.strip_prefix(prefix).and_then(|n| n.parse::<i64>().ok());
    if !assign.is_empty() {
        if let Some(m) = id_after(&assign, 'm') {
            actions.push(Action::AssignMember { member_id: m });
        } else if let Some(d) = id_after(&assign, 'd') {
            actions.push(Action::AssignDepartment { department_id: d });
        } else {
            refused.push(Refusal {
                field: "assign",
                message: "Choisissez à qui attribuer dans la liste.".into(),
            });
        }
    }
    match one("set_priority").as_str() {
        "" => {}
        "on" => actions.push(Action::Priority { on: true }),
        "off" => actions.push(Action::Priority { on: false }),
        _ => refused.push(Refusal {
            field: "actions",
            message: "Choisissez la priorité dans la liste.".into(),
        }),
    }
    let note = one("note");
    if !note.is_empty() {
        actions.push(Action::Note { text: note });
    }
    for (key, make) in [
        (
            "reply",
            (|id| Action::SavedReply { reply_id: id }) as fn(i64) -> Action,
        ),
        ("webhook", |id| Action::Webhook { endpoint_id: id }),
    ] {
        let v = one(key);
        if v.is_empty() {
            continue;
        }
        match v.parse() {
            Ok(id) => actions.push(make(id)),
            Err(_) => refused.push(Refusal {
                field: if key == "reply" { "reply" } else { "webhook" },
                message: "Choisissez dans la liste.".into(),
            }),
        }
    }
    let on = |k: &str| form.iter().any(|(n, _)| n == k);
    if on("handback") {
        actions.push(Action::HandBack);
    }
    if on("close") {
        actions.push(Action::Close);
    }
    let rule = Rule {
        id,
        name: one("name"),
        trigger: trigger.unwrap_or(Trigger::MessageReceived),
        delay_minutes,
        conditions,
        actions,
        stop: on("stop"),
        enabled: on("enabled"),
    };
    (rule, refused)
}

async fn save(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<String>,
    CsrfForm(form): CsrfForm<Vec<(String, String)>>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = target(&path)?;
    let now = state.clock.now().as_second();
    let (rule, mut refused) = read_form(id, &form);
    let (saved, c) = db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<_, AppError> {
            if id != 0 && rules::get(tx, id)?.is_none() {
                return Err(AppError::NotFound);
            }
            refused.extend(rule.check(&Known::load(tx)?));
            let saved = if refused.is_empty() {
                Ok(rules::save(tx, &rule, now)?)
            } else {
                Err((rule, refused))
            };
            Ok((saved, choices(tx)?))
        })
    })
    .await?;
    match saved {
        Ok(_) => Ok(HttpResponse::SeeOther()
            .insert_header((header::LOCATION, paths::AUTOMATIONS))
            .finish()),
        Err((rule, refused)) => Ok(form_page(
            &staff,
            &rule,
            &c,
            &refused,
            StatusCode::UNPROCESSABLE_ENTITY,
        )),
    }
}

#[derive(serde::Deserialize)]
struct Change {
    action: String,
}

async fn change(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<Change>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<(), AppError> {
            let found = match form.action.as_str() {
                "enable" => rules::set_enabled(tx, id, true)?,
                "disable" => rules::set_enabled(tx, id, false)?,
                "delete" => rules::delete(tx, id)?,
                "up" | "down" => {
                    rules::shift(tx, id, form.action == "up")?;
                    true
                }
                _ => return Err(AppError::BadRequest("Action inconnue.".into())),
            };
            if found {
                Ok(())
            } else {
                Err(AppError::NotFound)
            }
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((header::LOCATION, paths::AUTOMATIONS))
        .finish())
}
