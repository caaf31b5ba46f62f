//! Boîte de réception: every conversation with shoppers, the bot's and the team's, by
//! tab (Nouvelles, En cours, Mes conversations, Priorité, Chatbot, Fermées), filtered
//! and searched; one conversation's page (`conversation`); live updates (`live`).

pub mod card;
mod conversation;
mod live;
mod products;
pub mod repo;
pub mod settings;
pub mod teach;

use crate::assistant::contacts;
use crate::web::respond;
use actix_web::{HttpResponse, web};
use maud::{Markup, html};
use serde::Deserialize;

use self::repo::{Assignee, Filter, Status, Tab};
use crate::clock::{from_unix, relative_fr};
use crate::db;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Tone, badge, empty_state};
use crate::web::layout::{self, Nav};
use crate::web::{AppState, paths};

mod text {
    pub const TITLE: &str = "Boîte de réception";
    pub const EMPTY: &str = "Aucune conversation ici";
    pub const EMPTY_TEXT: &str = "Les messages de vos clients (SMS, WhatsApp, e-mail, chat du site) et les réponses de l'assistant apparaîtront ici.";
    pub const NO_RESULTS: &str = "Aucune conversation ne correspond";
    pub const NO_RESULTS_TEXT: &str = "Essayez d'autres mots, ou retirez un filtre. La recherche porte sur les messages et les contacts.";
    pub const MORE: &str = "Conversations plus anciennes →";
    pub const BOT: &str = "L'assistant répond";
    pub const HUMAN: &str = "Un humain est demandé";
    pub const UNREAD: &str = "Nouveau message";
    pub const PAUSED: &str = "L'équipe a pris la main : l'assistant se tait ici.";
    pub const REPLY: &str = "Répondre";
    pub const REPLY_HINT: &str = "Votre réponse part par le même moyen que le message du client (SMS, WhatsApp, e-mail ou chat). Répondre met l'assistant en pause dans cette conversation.";
    pub const HAND_BACK: &str = "Rendre au bot";
    pub const CLOSE: &str = "Fermer la conversation";
    pub const EMPTY_REPLY: &str = "Écrivez un message avant d'envoyer.";
    pub const READ_ONLY: &str = "Votre rôle permet de lire les conversations, pas d'y répondre.";
}

const PAGE: usize = 50;

pub fn configure(cfg: &mut web::ServiceConfig) {
    settings::configure(cfg);
    teach::configure(cfg);
    // The stream before `/inbox/{id}`, which would otherwise claim its path.
    cfg.route(paths::INBOX_EVENTS, web::get().to(live::events))
        .route(paths::AVAILABILITY, web::post().to(availability))
        .route(paths::INBOX, web::get().to(inbox))
        .route(paths::CONVERSATION, web::get().to(conversation::show))
        .route(paths::CONVERSATION_LIVE, web::get().to(conversation::live))
        .route(
            paths::CONVERSATION_REPLY,
            web::post().to(conversation::reply),
        )
        .route(paths::CONVERSATION_NOTE, web::post().to(conversation::note))
        .route(
            paths::CONVERSATION_HAND_BACK,
            web::post().to(conversation::hand_back),
        )
        .route(
            paths::CONVERSATION_CLOSE,
            web::post().to(conversation::close),
        )
        .route(
            paths::CONVERSATION_REOPEN,
            web::post().to(conversation::reopen),
        )
        .route(
            paths::CONVERSATION_PRIORITY,
            web::post().to(conversation::priority),
        )
        .route(
            paths::CONVERSATION_BLOCK,
            web::post().to(conversation::block),
        )
        .route(
            paths::CONVERSATION_ASSIGN,
            web::post().to(conversation::assign),
        )
        .route(
            paths::CONVERSATION_RESERVE,
            web::post().to(conversation::reserve),
        )
        .route(
            paths::CONVERSATION_ALERT,
            web::post().to(conversation::subscribe),
        );
}

fn channel_label(channel: &str) -> &'static str {
    match channel {
        "sms" => "SMS",
        "whatsapp" => "WhatsApp",
        "email" => "E-mail",
        "webchat" => "Chat du site",
        _ => "Console",
    }
}

fn channel_icon(channel: &str) -> &'static str {
    match channel {
        "sms" => "💬",
        "whatsapp" => "🟢",
        "email" => "✉️",
        "webchat" => "🌐",
        _ => "⌨️",
    }
}

/// Why the bot handed over, in the team's words.
fn reason(code: Option<&str>) -> &'static str {
    match code {
        Some("human_handoff") => "à la demande du client",
        Some("complaint") => "client mécontent",
        Some("order_status") => "vérification de commande échouée",
        _ => "question que l'assistant n'a pas comprise",
    }
}

fn page(staff: &Staff, title: &str, body: Markup) -> HttpResponse {
    respond::html(
        actix_web::http::StatusCode::OK,
        layout::page(staff, Nav::Inbox, title, body),
    )
}

#[derive(Deserialize, Default)]
struct ListQuery {
    tab: Option<String>,
    /// Words searched in messages and contacts.
    q: Option<String>,
    status: Option<String>,
    channel: Option<String>,
    department: Option<String>,
    /// `personne`, or a member's id.
    assignee: Option<String>,
    /// "time.id" of the last row of the previous page.
    before: Option<String>,
}

impl ListQuery {
    fn filter(&self) -> Filter {
        let search = self
            .q
            .as_deref()
            .map(str::trim)
            .filter(|q| !q.is_empty())
            .map(str::to_string);
        let tab = match &search {
            Some(_) => None,
            None => Some(
                self.tab
                    .as_deref()
                    .and_then(Tab::from_code)
                    .unwrap_or(Tab::New),
            ),
        };
        Filter {
            tab,
            search,
            status: match self.status.as_deref() {
                Some("ouvertes") => Some(Status::Open),
                Some("fermees") => Some(Status::Closed),
                _ => None,
            },
            channel: self
                .channel
                .clone()
                .filter(|c| crate::engine::Channel::from_code(c).is_some()),
            department: self.department.as_deref().and_then(|d| d.parse().ok()),
            assignee: match self.assignee.as_deref() {
                Some("nobody") => Some(Assignee::Nobody),
                Some(id) => id.parse().ok().map(Assignee::User),
                None => None,
            },
        }
    }

    /// The query string of this list with `tab` (or the search) and the filters kept.
    fn link(&self, tab: Option<Tab>, before: Option<&str>) -> String {
        let mut pairs: Vec<(&str, String)> = Vec::new();
        match tab {
            Some(t) => pairs.push(("tab", t.code().to_string())),
            None => pairs.extend(self.q.clone().map(|q| ("q", q))),
        }
        for (key, value) in [
            ("status", &self.status),
            ("channel", &self.channel),
            ("department", &self.department),
            ("assignee", &self.assignee),
        ] {
            if let Some(v) = value.as_ref().filter(|v| !v.is_empty()) {
                pairs.push((key, v.clone()));
            }
        }
        if let Some(b) = before {
            pairs.push(("before", b.to_string()));
        }
        format!(
            "{}?{}",
            paths::INBOX,
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        )
    }
}

fn options_select(
    label: &str,
    name: &str,
    options: &[(String, String)],
    selected: Option<&str>,
) -> Markup {
    html! {
        label {
            (label)
            select name=(name) {
                @for (value, text) in options {
                    option value=(value) selected[selected == Some(value.as_str())] { (text) }
                }
            }
        }
    }
}

async fn inbox(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let filter = q.filter();
    let before = q.before.as_deref().and_then(|b| {
        let (at, id) = b.split_once('.')?;
        Some((at.parse().ok()?, id.parse().ok()?))
    });
    let user = staff.user.id;
    let list_filter = filter.clone();
    let (rows, counts, departments, members) =
        db::call(&state.db, move |conn| -> Result<_, AppError> {
            Ok((
                repo::list(conn, user, &list_filter, before, PAGE)?,
                repo::counts(conn, user)?,
                settings::departments(conn)?,
                settings::assignable(conn)?,
            ))
        })
        .await?;
    let now = state.clock.now();
    let next = (rows.len() == PAGE)
        .then(|| rows.last().map(|r| format!("{}.{}", r.last_at, r.id)))
        .flatten();
    let mut channels = vec![(String::new(), "Tous les canaux".to_string())];
    channels.extend(
        ["sms", "whatsapp", "email", "webchat"]
            .map(|c| (c.to_string(), channel_label(c).to_string())),
    );
    let mut department_options = vec![(String::new(), "Tous les départements".to_string())];
    department_options.extend(
        departments
            .iter()
            .map(|(id, n)| (id.to_string(), n.clone())),
    );
    let mut assignee_options = vec![
        (String::new(), "Tout le monde".to_string()),
        ("nobody".to_string(), "Non attribuées".to_string()),
    ];
    assignee_options.extend(members.iter().map(|m| {
        let name = if m.display_name.is_empty() {
            m.email.clone()
        } else {
            m.display_name.clone()
        };
        (m.id.to_string(), name)
    }));
    let statuses = [
        (String::new(), "Ouvertes et fermées".to_string()),
        ("ouvertes".to_string(), "Ouvertes".to_string()),
        ("fermees".to_string(), "Fermées".to_string()),
    ];
    let body = html! {
        form.inbox-filters method="get" action=(paths::INBOX) role="search" {
            @if let Some(tab) = filter.tab { input type="hidden" name="tab" value=(tab.code()); }
            label.search {
                "Rechercher"
                input type="search" name="q" value=(q.q.clone().unwrap_or_default()) placeholder="Un mot, un nom, un numéro…";
            }
            button.btn type="submit" { "Rechercher" }
            // The filters fold away (a phone shows the list first); open while one is set.
            @let set = [&q.status, &q.channel, &q.department, &q.assignee]
                .iter()
                .filter(|v| v.as_deref().is_some_and(|v| !v.is_empty()))
                .count();
            details.more-filters open[set > 0] {
                summary { "Filtres" @if set > 0 { " (" (set) ")" } }
                div.filter-fields {
                    (options_select("Statut", "status", &statuses, q.status.as_deref()))
                    (options_select("Canal", "channel", &channels, q.channel.as_deref()))
                    (options_select("Département", "department", &department_options, q.department.as_deref()))
                    (options_select("Attribuée à", "assignee", &assignee_options, q.assignee.as_deref()))
                    button.btn type="submit" { "Filtrer" }
                }
            }
        }
        nav.tabs aria-label="Onglets" {
            // The wizard's tests get a tab only while there are some.
            @for (t, n) in counts.iter().filter(|(t, n)| *t != Tab::Tests || *n > 0 || filter.tab == Some(Tab::Tests)) {
                a href=(q.link(Some(*t), None)) aria-current=[(filter.tab == Some(*t)).then_some("page")] {
                    (t.label()) " " span.count data-tab=(t.code()) { (n) }
                }
            }
        }
        @if let Some(me) = members.iter().find(|m| m.id == user) {
            form.availability method="post" action=(paths::AVAILABILITY) {
                (crate::web::components::csrf_input(&staff.csrf))
                @if me.away {
                    span { "Vous êtes absent(e) : les automatisations ne vous attribuent aucune conversation. " }
                    button.btn.small type="submit" name="away" value="0" { "Je suis disponible" }
                } @else {
                    span.muted { "Disponible pour les attributions automatiques. " }
                    button.btn.small type="submit" name="away" value="1" { "Passer absent(e)" }
                }
            }
        }
        @if filter.search.is_some() {
            p.muted { "Résultats de la recherche, tous onglets confondus. " a href=(paths::INBOX) { "Effacer" } }
        }
        div #conversation-list data-live {
            @if rows.is_empty() {
                @if filter.search.is_some() {
                    (empty_state(text::NO_RESULTS, text::NO_RESULTS_TEXT, Some(("Effacer la recherche", paths::INBOX))))
                } @else {
                    (empty_state(text::EMPTY, text::EMPTY_TEXT, Some(("Voir les canaux de contact", paths::CHANNELS))))
                }
            } @else {
                ul.conversations {
                    @for r in &rows {
                        li class=[r.unread.then_some("unread")] {
                            a href=(paths::with_id(paths::CONVERSATION, r.id)) {
                                span.channel title=(channel_label(&r.channel)) aria-label=(channel_label(&r.channel)) { (channel_icon(&r.channel)) }
                                " " span.who { (contacts::best_name(&r.name, &r.contact)) }
                                @if r.unread { " " span.unread-dot title=(text::UNREAD) aria-label=(text::UNREAD) {} }
                                @if r.priority { " " (badge("Priorité", Tone::Danger)) }
                                @if r.handed_over && !r.bot_paused && !r.closed { " " span title=(text::HUMAN) aria-label=(text::HUMAN) { "💬" } }
                                @if !r.handed_over && !r.bot_paused && !r.closed { " " span title=(text::BOT) aria-label=(text::BOT) { "🤖" } }
                                @if let Some(a) = &r.assignee { " " span.muted { "→ " (a) } }
                                @if let Some(d) = &r.department { " " (badge(d, Tone::Neutral)) }
                                span.muted.when { (relative_fr(from_unix(r.last_at), now)) }
                                br;
                                span.last { (r.last_message.chars().take(140).collect::<String>()) }
                                @if r.handed_over && !r.bot_paused && !r.closed {
                                    span.sr-only { " (" (reason(r.handoff_reason.as_deref())) ")" }
                                }
                            }
                        }
                    }
                }
                @if let Some(next) = next {
                    p { a href=(q.link(filter.tab, Some(&next))) { (text::MORE) } }
                }
            }
        }
    };
    Ok(page(&staff, text::TITLE, body))
}

#[derive(Deserialize)]
struct Availability {
    away: String,
}

/// A teammate marks themself away (the rules assign them nothing) or back.
async fn availability(
    state: web::Data<AppState>,
    staff: Staff,
    crate::web::csrf::CsrfForm(form): crate::web::csrf::CsrfForm<Availability>,
) -> Result<HttpResponse, AppError> {
    staff.require(crate::web::roles::Perm::WorkConversations)?;
    let away = match form.away.as_str() {
        "1" => true,
        "0" => false,
        _ => {
            return Err(AppError::BadRequest(
                "Choisissez absent(e) ou disponible.".into(),
            ));
        }
    };
    let user = staff.user.id;
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| -> Result<(), AppError> {
            tx.execute(
                "UPDATE users SET away = ?2 WHERE id = ?1",
                rusqlite::params![user, away],
            )?;
            Ok(())
        })
    })
    .await?;
    Ok(HttpResponse::SeeOther()
        .insert_header((actix_web::http::header::LOCATION, paths::INBOX))
        .finish())
}
