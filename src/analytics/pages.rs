//! Analytiques: the reports' pages, each with its period and filters, a chart drawn on
//! the server with its figures in words, a table, and the same figures as CSV; every
//! count links to the conversations behind it.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use jiff::Timestamp;
use jiff::tz::TimeZone;
use maud::{Markup, html};
use rusqlite::Connection;
use serde::Deserialize;

use super::report::{self, Fact, Filters, Overview, Period, Row, Spread, Which};
use super::sales::{self, Sale};
use super::settings::{self as choices, Choices};
use crate::accounts::repo::{list_members, shop_timezone};
use crate::dashboard::chart;
use crate::dashboard::stats::Day;
use crate::db;
use crate::engine::intent::Intent;
use crate::error::AppError;
use crate::stores::model::format_eur;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, count, csrf_input, table};
use crate::web::csrf::CsrfForm;
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths, respond, spreadsheet};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::ANALYTICS, web::get().to(overview_page))
        .route(paths::ANALYTICS_ASSISTANT, web::get().to(assistant_page))
        .route(paths::ANALYTICS_TEAM, web::get().to(team_page))
        .route(paths::ANALYTICS_PRODUCTS, web::get().to(products_page))
        .route(paths::ANALYTICS_SALES, web::get().to(sales_page))
        .route(
            paths::ANALYTICS_SATISFACTION,
            web::get().to(satisfaction_page),
        )
        .route(
            paths::ANALYTICS_CONVERSATIONS,
            web::get().to(conversations_page),
        )
        .route(
            paths::ANALYTICS_EXPORT,
            web::get().to(super::export::conversations),
        )
        .route(paths::ANALYTICS_SETTINGS, web::post().to(save_settings));
}

const TABS: [(&str, &str); 6] = [
    (paths::ANALYTICS, "Vue d'ensemble"),
    (paths::ANALYTICS_ASSISTANT, "Assistant"),
    (paths::ANALYTICS_TEAM, "Équipe"),
    (paths::ANALYTICS_PRODUCTS, "Produits"),
    (paths::ANALYTICS_SALES, "Ventes"),
    (paths::ANALYTICS_SATISFACTION, "Satisfaction"),
];

/// A report's query: its period and filters, the conversations a link stands for, CSV.
#[derive(Deserialize, Default, Clone)]
pub struct Query {
    #[serde(default)]
    pub preset: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub to: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub department: String,
    #[serde(default)]
    pub member: String,
    #[serde(default)]
    pub intent: String,
    #[serde(default)]
    pub which: String,
    #[serde(default)]
    pub format: String,
    #[serde(default)]
    pub done: String,
}

impl Query {
    pub fn filters(&self) -> Filters {
        let some = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
        Filters {
            channel: some(&self.channel)
                .filter(|c| ["sms", "whatsapp", "email", "webchat"].contains(&c.as_str())),
            department: self.department.trim().parse().ok(),
            member: self.member.trim().parse().ok(),
            intent: some(&self.intent).filter(|i| Intent::from_code(i).is_some()),
        }
    }

    /// The same period and filters, as a query string (for links and exports).
    pub fn keep(&self) -> String {
        serde_urlencoded::to_string([
            ("preset", self.preset.as_str()),
            ("from", self.from.as_str()),
            ("to", self.to.as_str()),
            ("channel", self.channel.as_str()),
            ("department", self.department.as_str()),
            ("member", self.member.as_str()),
            ("intent", self.intent.as_str()),
        ])
        .unwrap_or_default()
    }
}

/// Everything a report page needs besides its own figures.
pub struct Frame {
    /// Conversations whose figures are still being computed (after an upgrade).
    pub pending: usize,
    pub tz: TimeZone,
    pub period: Result<Period, String>,
    pub members: Vec<(i64, String)>,
    pub departments: Vec<(i64, String)>,
    pub choices: Choices,
}

/// How many changed conversations a page recomputes before reading, so its figures
/// include the last minutes; a larger backlog is the job's, and the page says so.
const CATCH_UP: usize = 5000;

pub fn frame(conn: &mut Connection, q: &Query, now: Timestamp) -> Result<Frame, AppError> {
    let pending = if super::facts::any_pending(conn)? {
        db::write(conn, |tx| super::facts::refresh(tx, now, CATCH_UP))?
    } else {
        0
    };
    let tz = shop_timezone(conn);
    let period = Period::parse(&q.preset, &q.from, &q.to, now, &tz);
    let members = list_members(conn)?
        .into_iter()
        .map(|m| {
            let name = if m.display_name.is_empty() {
                m.email
            } else {
                m.display_name
            };
            (m.id.0, name)
        })
        .collect();
    Ok(Frame {
        pending,
        tz,
        period,
        members,
        departments: crate::inbox::settings::departments(conn)?,
        choices: choices::load(conn)?,
    })
}

fn channel_label(c: &str) -> &'static str {
    match c {
        "sms" => "SMS",
        "whatsapp" => "WhatsApp",
        "email" => "E-mail",
        "webchat" => "Chat du site",
        _ => "Autre",
    }
}

fn reason_label(r: &str) -> &'static str {
    match r {
        "human_handoff" => "Demande à parler à quelqu'un",
        "complaint" => "Réclamation",
        "unknown" => "Question non comprise",
        "taken_over" => "Reprise par l'équipe",
        other => Intent::from_code(other).map_or("Autre", Intent::label_fr),
    }
}

fn intent_label(i: Option<&str>) -> &'static str {
    i.and_then(Intent::from_code)
        .map_or("(aucune)", Intent::label_fr)
}

/// "< 1 s", "40 s", "12 min", "3 h 05", "2 j 4 h".
pub fn duration(secs: i64) -> String {
    match secs {
        s if s < 1 => "< 1 s".into(),
        s if s < 60 => format!("{s} s"),
        s if s < 3600 => format!("{} min", s / 60),
        s if s < 86_400 => format!("{} h {:02}", s / 3600, (s % 3600) / 60),
        s => format!("{} j {} h", s / 86_400, (s % 86_400) / 3600),
    }
}

fn opt_duration(s: Option<i64>) -> String {
    s.map_or("—".into(), duration)
}

fn percent(part: i64, whole: i64) -> String {
    if whole == 0 {
        "—".into()
    } else {
        format!("{} %", (part * 100 + whole / 2) / whole)
    }
}

/// A count linking to the conversations it stands for.
fn linked(q: &Query, which: &Which, n: i64) -> Markup {
    if n == 0 {
        return html! { "0" };
    }
    let href = format!(
        "{}?{}&which={}",
        paths::ANALYTICS_CONVERSATIONS,
        q.keep(),
        which.code()
    );
    html! { a href=(href) { (n) } }
}

fn header(staff: &Staff, active: &str, q: &Query, f: &Frame) -> Markup {
    let period = f.period.as_ref().ok();
    let (from, to) = period.map_or((String::new(), String::new()), |p| {
        (p.from.to_string(), p.to.to_string())
    });
    let preset = period.map_or("custom", |p| p.preset.as_str());
    let csv = format!("{active}?{}&format=csv", q.keep());
    html! {
        nav.tabs aria-label="Rapports" {
            @for (href, label) in TABS {
                a href={ (href) "?" (q.keep()) } aria-current=[(href == active).then_some("page")] { (label) }
            }
        }
        form.report-filters method="get" action=(active) {
            div.field {
                label for="r-preset" { "Période" }
                select #r-preset name="preset" {
                    @for (v, l) in [("today", "Aujourd'hui"), ("7d", "7 derniers jours"), ("30d", "30 derniers jours"), ("month", "Ce mois-ci"), ("custom", "Dates choisies")] {
                        option value=(v) selected[v == preset] { (l) }
                    }
                }
            }
            div.field { label for="r-from" { "Du" } input #r-from type="date" name="from" value=(from); }
            div.field { label for="r-to" { "Au" } input #r-to type="date" name="to" value=(to); }
            details.more-filters open[!(q.channel.is_empty() && q.department.is_empty() && q.member.is_empty() && q.intent.is_empty())] {
                summary { "Filtres" }
                div.report-filters {
                    div.field {
                        label for="r-channel" { "Canal" }
                        select #r-channel name="channel" {
                            option value="" { "Tous" }
                            @for c in ["sms", "whatsapp", "email", "webchat"] {
                                option value=(c) selected[q.channel == c] { (channel_label(c)) }
                            }
                        }
                    }
                    div.field {
                        label for="r-department" { "Département" }
                        select #r-department name="department" {
                            option value="" { "Tous" }
                            @for (id, name) in &f.departments {
                                option value=(id) selected[q.department == id.to_string()] { (name) }
                            }
                        }
                    }
                    div.field {
                        label for="r-member" { "Membre" }
                        select #r-member name="member" {
                            option value="" { "Tous" }
                            @for (id, name) in f.members.iter().filter(|(id, _)| sees_team(staff, &f.choices) || *id == staff.user.id.0) {
                                option value=(id) selected[q.member == id.to_string()] { (name) }
                            }
                        }
                    }
                    div.field {
                        label for="r-intent" { "Demande" }
                        select #r-intent name="intent" {
                            option value="" { "Toutes" }
                            @for i in Intent::ALL {
                                option value=(i.code()) selected[q.intent == i.code()] { (i.label_fr()) }
                            }
                        }
                    }
                }
            }
            div.actions {
                button.btn.primary type="submit" { "Afficher" }
                a.btn href=(csv) download { "Exporter (CSV)" }
                a.btn href={ (paths::ANALYTICS_EXPORT) "?" (q.keep()) } download { "Toutes les conversations (CSV)" }
            }
        }
        @if let Err(e) = &f.period { (alert(Tone::Danger, e)) }
        @if f.pending > 0 {
            (alert(Tone::Info, &format!("Calcul des chiffres en cours : {} restent à compter. Rechargez la page dans un instant.", count(f.pending as i64, "conversation", "conversations"))))
        }
        @if !staff.user.role.can(Perm::ManageShop) && active == paths::ANALYTICS {
            p.muted { "Vous consultez les rapports ; seuls les administrateurs en changent les réglages." }
        }
    }
}

/// Whether this member sees the others' figures: admins and read-only members always,
/// agents when the shop chose so.
fn sees_team(staff: &Staff, c: &Choices) -> bool {
    c.team_visible
        || staff.user.role.can(Perm::ManageShop)
        || staff.user.role == crate::web::roles::Role::ReadOnly
}

fn page(staff: &Staff, body: Markup) -> HttpResponse {
    respond::html(
        StatusCode::OK,
        layout::page(staff, Nav::Analytics, "Analytiques", body),
    )
}

/// CSV lines (first the header), cells guarded against spreadsheet formulas.
fn csv(name: &str, lines: Vec<Vec<String>>) -> Result<HttpResponse, AppError> {
    let mut w = csv::Writer::from_writer(Vec::new());
    for l in lines {
        let cells: Vec<String> = l.iter().map(|c| spreadsheet::safe(c)).collect();
        w.write_record(&cells)
            .map_err(|e| AppError::Internal(format!("report export: {e}")))?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(format!("report export: {e}")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"comptoir-{name}.csv\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(bytes))
}

fn secs_cell(s: Option<i64>) -> String {
    s.map(|v| v.to_string()).unwrap_or_default()
}

async fn load<T: Send + 'static>(
    state: &AppState,
    q: &Query,
    work: impl FnOnce(&Connection, &Period, &Filters, &Frame) -> Result<T, AppError> + Send + 'static,
) -> Result<(Frame, Option<T>), AppError> {
    let now = state.clock.now();
    let q = q.clone();
    db::call(&state.db, move |conn| {
        let f = frame(conn, &q, now)?;
        let conn: &Connection = conn;
        let figures = match &f.period {
            Ok(p) => Some(work(conn, p, &q.filters(), &f)?),
            Err(_) => None,
        };
        Ok((f, figures))
    })
    .await
}

/// A horizontal bar chart drawn on the server: each bar its label, value and (when it
/// counts conversations) a link to them; its figures in words for screen readers.
fn bars(summary: &str, items: &[(String, i64, Option<String>)], unit: &str) -> Markup {
    if items.is_empty() {
        return html! {};
    }
    let shown = &items[..items.len().min(10)];
    let max = shown.iter().map(|i| i.1).max().unwrap_or(0).max(1);
    let (row, label_w, width) = (26, 190, 560);
    let words: Vec<String> = shown
        .iter()
        .map(|(l, v, _)| format!("{l} : {v}{unit}"))
        .collect();
    let alt = format!("{summary} — {}", words.join(" ; "));
    html! {
        figure.chart.bars {
            svg viewBox={ "0 0 " (width) " " (row * shown.len() as i64) } role="img" aria-label=(alt) {
                title { (alt) }
                @for (i, (label, value, href)) in shown.iter().enumerate() {
                    @let y = i as i64 * row;
                    @let w = (value * (width - label_w - 60) / max).max(if *value > 0 { 2 } else { 0 });
                    @let short: String = label.chars().take(26).collect();
                    text x="0" y=(y + 17) { (short) }
                    @if let Some(h) = href {
                        a href=(h) { rect.bar x=(label_w) y=(y + 4) width=(w) height=(row - 8) { title { (label) " : " (value) (unit) } } }
                    } @else {
                        rect.bar x=(label_w) y=(y + 4) width=(w) height=(row - 8) { title { (label) " : " (value) (unit) } }
                    }
                    text x=(label_w + w + 6) y=(y + 17) { (value) (unit) }
                }
            }
            figcaption { (summary) }
        }
    }
}

fn drill(q: &Query, which: &Which) -> Option<String> {
    Some(format!(
        "{}?{}&which={}",
        paths::ANALYTICS_CONVERSATIONS,
        q.keep(),
        which.code()
    ))
}

// ---- Vue d'ensemble -----------------------------------------------------------------

fn spread_cells(s: &Spread) -> [String; 3] {
    [
        opt_duration(s.median),
        opt_duration(s.p90),
        s.count.to_string(),
    ]
}

fn heatmap(o: &Overview, q: &Query) -> Markup {
    const DAYS: [&str; 7] = ["Lun", "Mar", "Mer", "Jeu", "Ven", "Sam", "Dim"];
    let max = o
        .heatmap
        .iter()
        .flatten()
        .copied()
        .max()
        .unwrap_or(0)
        .max(1);
    let busiest = (0..7)
        .flat_map(|d| (0..24).map(move |h| (d, h)))
        .max_by_key(|&(d, h)| (o.heatmap[d][h], std::cmp::Reverse((d, h))));
    let summary = match busiest {
        Some((d, h)) if o.heatmap[d][h] > 0 => format!(
            "Heures les plus chargées : {} {}h ({} conversations).",
            DAYS[d].to_lowercase(),
            h,
            o.heatmap[d][h]
        ),
        _ => "Aucune conversation sur la période.".into(),
    };
    let (cell, left, top) = (22, 34, 16);
    html! {
        figure.chart.heatmap {
            svg viewBox={ "0 0 " (left + 24 * cell) " " (top + 7 * cell) } role="img" aria-label=(summary) {
                title { (summary) }
                @for h in (0..24).step_by(3) {
                    text x=(left + h * cell + cell / 2) y="11" text-anchor="middle" { (h) "h" }
                }
                @for (d, name) in DAYS.iter().enumerate() {
                    text x="0" y=(top + d as i64 * cell + 15) { (name) }
                    @for h in 0..24 {
                        @let n = o.heatmap[d][h as usize];
                        @let alpha = if n == 0 { 0.04 } else { 0.15 + 0.85 * n as f64 / max as f64 };
                        a href={ (paths::ANALYTICS_CONVERSATIONS) "?" (q.keep()) "&which=hour:" (d) "-" (h) } {
                            rect.cell x=(left + h * cell) y=(top + d as i64 * cell) width=(cell - 2) height=(cell - 2) fill-opacity=(format!("{alpha:.2}")) {
                                title { (DAYS[d]) " " (h) "h : " (n) " conversation(s)" }
                            }
                        }
                    }
                }
            }
            figcaption { (summary) }
        }
    }
}

async fn overview_page(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let (f, o) = load(&state, &q, |conn, p, filters, f| {
        Ok(report::overview(
            &report::facts(conn, p, filters)?,
            p,
            &f.tz,
        ))
    })
    .await?;
    if q.format == "csv"
        && let Some(o) = &o
    {
        return csv("vue-ensemble", overview_lines(o));
    }
    let body = html! {
        (header(&staff, paths::ANALYTICS, &q, &f))
        @if let Some(o) = o {
            div.grid.stats {
                section.card {
                    h2 { "Conversations" }
                    p.big { (linked(&q, &Which::All, o.conversations)) }
                    p.muted { (count(o.messages_in, "message reçu", "messages reçus")) " · " (count(o.messages_out, "envoyé", "envoyés")) }
                }
                section.card {
                    h2 { "Sans l'équipe" }
                    p.big { (percent(o.automated, o.conversations)) }
                    p.muted { (linked(&q, &Which::Automated, o.automated)) " par l'assistant seul · " (linked(&q, &Which::HandedOver, o.handed_over)) " avec l'équipe" }
                }
                section.card {
                    h2 { "Satisfaction" }
                    p.big { (o.csat_average_tenths().map_or("—".to_string(), |t| format!("{},{} / 5", t / 10, t % 10))) }
                    p.muted { (count(o.csat_count(), "réponse", "réponses")) }
                }
            }
            section.card {
                h2 { "Conversations par jour" }
                @let days: Vec<Day> = o.days.iter().map(|(d, bot, team)| Day { label: d.strftime("%d/%m").to_string(), bot: *bot, handed_over: *team }).collect();
                (chart::conversations(&days))
                details {
                    summary { "Les chiffres du graphique" }
                    (table(&["Jour", "Assistant seul", "Avec l'équipe"], o.days.iter().map(|(d, bot, team)| html! {
                        tr { td { (d.strftime("%d/%m/%Y")) } td { (bot) } td { (linked(&q, &Which::Day(*d), bot + team)) " au total · " (team) } }
                    })))
                }
            }
            section.card {
                h2 { "Délais" }
                (table(&["", "Médiane", "90 % en moins de", "Conversations"], [
                    ("Première réponse de l'assistant", &o.bot_first),
                    ("Première réponse de l'équipe", &o.team_first),
                    ("Résolution (jusqu'à la fermeture)", &o.resolution),
                ].into_iter().map(|(label, s)| {
                    let [m, p90, n] = spread_cells(s);
                    html! { tr { th scope="row" { (label) } td { (m) } td { (p90) } td { (n) } } }
                })))
            }
            div.grid {
                section.card {
                    h2 { "Passages à l'équipe, par raison" }
                    @if o.reasons.is_empty() { p.muted { "Aucun sur la période." } }
                    @else {
                        (table(&["Raison", "Conversations"], o.reasons.iter().map(|(r, n)| html! {
                            tr { td { (reason_label(r)) } td { (linked(&q, &Which::Reason(r.clone()), *n)) } }
                        })))
                    }
                }
                section.card {
                    h2 { "Notes de satisfaction" }
                    (table(&["Note", "Réponses"], (1..=5).rev().map(|n| html! {
                        tr { td { (n) " / 5" } td { (linked(&q, &Which::Csat(n), o.csat[(n - 1) as usize])) } }
                    })))
                }
            }
            section.card {
                h2 { "Heures d'affluence" }
                (heatmap(&o, &q))
            }
            (settings_form(&staff, &f.choices))
        }
    };
    Ok(page(&staff, body))
}

fn overview_lines(o: &Overview) -> Vec<Vec<String>> {
    let mut l = vec![vec!["indicateur".into(), "valeur".into()]];
    let mut put = |k: &str, v: String| l.push(vec![k.to_string(), v]);
    put("conversations", o.conversations.to_string());
    put("messages reçus", o.messages_in.to_string());
    put("messages envoyés", o.messages_out.to_string());
    put("sans l'équipe", o.automated.to_string());
    put("avec l'équipe", o.handed_over.to_string());
    put(
        "taux sans l'équipe (%)",
        o.automation().map(|a| a.to_string()).unwrap_or_default(),
    );
    for (r, n) in &o.reasons {
        put(
            &format!("passage à l'équipe : {}", reason_label(r)),
            n.to_string(),
        );
    }
    for (label, s) in [
        ("première réponse assistant", &o.bot_first),
        ("première réponse équipe", &o.team_first),
        ("résolution", &o.resolution),
    ] {
        put(&format!("{label} médiane (s)"), secs_cell(s.median));
        put(&format!("{label} 90e centile (s)"), secs_cell(s.p90));
    }
    for n in 1..=5 {
        put(&format!("satisfaction {n}/5"), o.csat[n - 1].to_string());
    }
    for (d, bot, team) in &o.days {
        put(&format!("jour {d} assistant seul"), bot.to_string());
        put(&format!("jour {d} avec l'équipe"), team.to_string());
    }
    l
}

fn settings_form(staff: &Staff, c: &Choices) -> Markup {
    let can = staff.user.role.can(Perm::ManageShop);
    html! {
        details.card #reglages {
            summary { h2 { "Réglages des rapports" } }
            form method="post" action=(paths::ANALYTICS_SETTINGS) {
                (csrf_input(&staff.csrf))
                fieldset.plain disabled[!can] {
                    div.field {
                        label for="a-days" { "Une commande compte pour l'assistant si elle suit une conversation de moins de (jours)" }
                        input #a-days type="number" inputmode="numeric" name="attribution_days" value=(c.attribution_days) min="1" max="90";
                    }
                    label.checkbox { input type="checkbox" name="team_visible" checked[c.team_visible]; " Les agents voient les chiffres de toute l'équipe" }
                    label.checkbox { input type="checkbox" name="weekly_report" checked[c.weekly_report]; " Envoyer un résumé chaque lundi matin aux administrateurs (e-mail)" }
                    div.field {
                        label for="a-ips" { "Adresses IP de la boutique, exclues des statistiques (une par ligne)" }
                        textarea #a-ips name="excluded_ips" rows="3" placeholder="203.0.113.7\n192.168.1.0/24" { (c.excluded_ips.join("\n")) }
                        p.hint { "Les visites du chat depuis ces adresses (vos propres essais) ne comptent dans aucun rapport ; elles restent dans la boîte de réception." }
                    }
                    button.btn type="submit" { "Enregistrer" }
                }
            }
        }
    }
}

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    attribution_days: String,
    #[serde(default)]
    team_visible: Option<String>,
    #[serde(default)]
    weekly_report: Option<String>,
    #[serde(default)]
    excluded_ips: String,
}

async fn save_settings(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<SettingsForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let Ok(days) = form.attribution_days.trim().parse::<i64>() else {
        return Err(AppError::BadRequest(
            "Indiquez un nombre de jours entre 1 et 90.".into(),
        ));
    };
    if !(1..=90).contains(&days) {
        return Err(AppError::BadRequest(
            "Indiquez un nombre de jours entre 1 et 90.".into(),
        ));
    }
    let mut excluded_ips = Vec::new();
    for line in form
        .excluded_ips
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
    {
        if crate::config::ip_range(line).is_none() || excluded_ips.len() >= 50 {
            return Err(AppError::BadRequest(format!(
                "« {} » n'est pas une adresse IP ni une plage (exemples : 203.0.113.7, 192.168.1.0/24) ; 50 au plus.",
                line.chars().take(60).collect::<String>()
            )));
        }
        excluded_ips.push(line.to_string());
    }
    let c = Choices {
        attribution_days: days,
        team_visible: form.team_visible.is_some(),
        weekly_report: form.weekly_report.is_some(),
        excluded_ips,
    };
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| choices::save(tx, &c, now))
    })
    .await?;
    state.reports_wanted.notify_one();
    Ok(HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?done=saved#reglages", paths::ANALYTICS),
        ))
        .finish())
}

// ---- Assistant ----------------------------------------------------------------------

/// One intent's figures: its conversations (by their first question) and the bot's
/// replies with that intent.
struct IntentRow {
    row: Row,
    /// Replies, taken over by the team, confidence < 50 %, 50–80 %, ≥ 80 %.
    replies: [i64; 5],
}

async fn assistant_page(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let (f, figures) = load(&state, &q, |conn, p, filters, _| {
        let facts = report::facts(conn, p, filters)?;
        let mut replies = report::replies_by_intent(&facts);
        let mut rows: Vec<IntentRow> = report::rows_by(&facts, |f| f.first_intent.clone())
            .into_iter()
            .map(|row| IntentRow {
                replies: replies.remove(&row.key).unwrap_or_default(),
                row,
            })
            .collect();
        // Intents the bot answered later in conversations, never first.
        rows.extend(replies.into_iter().map(|(key, replies)| IntentRow {
            row: Row {
                key,
                ..Row::default()
            },
            replies,
        }));
        let unclear = super::assistant::unclear(conn, p)?;
        Ok((rows, unclear))
    })
    .await?;
    if q.format == "csv"
        && let Some((rows, _)) = &figures
    {
        let mut lines = vec![
            [
                "demande",
                "conversations",
                "sans l'équipe",
                "avec l'équipe",
                "réponses de l'assistant",
                "reprises par l'équipe",
                "confiance < 50 %",
                "confiance 50-80 %",
                "confiance ≥ 80 %",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for r in rows {
            let mut line = vec![
                intent_label(Some(&r.row.key)).to_string(),
                r.row.conversations.to_string(),
                r.row.automated.to_string(),
                r.row.handed_over.to_string(),
            ];
            line.extend(r.replies.iter().map(i64::to_string));
            lines.push(line);
        }
        return csv("assistant", lines);
    }
    let body = html! {
        (header(&staff, paths::ANALYTICS_ASSISTANT, &q, &f))
        @if let Some((rows, unclear)) = figures {
            section.card {
                h2 { "Par demande" }
                @let items: Vec<(String, i64, Option<String>)> = rows.iter().filter(|r| r.row.conversations > 0).map(|r| (intent_label(Some(&r.row.key)).to_string(), r.row.conversations, drill(&q, &Which::Intent(r.row.key.clone())))).collect();
                (bars("Conversations par première demande", &items, ""))
                @if rows.is_empty() { p.muted { "Aucune conversation sur la période." } }
                @else {
                    (table(&["Demande", "Conversations", "Sans l'équipe", "Avec l'équipe", "Réponses", "Reprises par l'équipe", "Confiance"], rows.iter().map(|r| {
                        let which = Which::Intent(r.row.key.clone());
                        html! { tr {
                            td { (intent_label(Some(&r.row.key))) }
                            td { (linked(&q, &which, r.row.conversations)) }
                            td { (r.row.automated) " (" (percent(r.row.automated, r.row.conversations)) ")" }
                            td { (r.row.handed_over) }
                            td { (r.replies[0]) }
                            td { (r.replies[1]) }
                            td { span title="moins de 50 %" { "🔴 " (r.replies[2]) } " · " span title="50 à 80 %" { "🟠 " (r.replies[3]) } " · " span title="80 % et plus" { "🟢 " (r.replies[4]) } }
                        } }
                    })))
                    p.muted { "Conversations : par leur première question. Réponses : toutes celles de l'assistant avec cette demande. Confiance : combien de réponses l'assistant a données en étant peu sûr (moins de 50 %), assez sûr, ou sûr (80 % et plus) de la demande. « Reprises par l'équipe » : réponses de l'assistant suivies d'une réponse de l'équipe avant que le client n'écrive de nouveau." }
                }
            }
            section.card {
                h2 { "Messages non compris, regroupés" }
                @if unclear.is_empty() { p.muted { "L'assistant a tout compris sur la période." } }
                @else {
                    p.muted { "Apprenez-lui ces formulations depuis la conversation (« Apprendre à l'assistant ») : il les comprendra ensuite." }
                    (table(&["Formulation", "Fois", ""], unclear.iter().map(|g| html! {
                        tr {
                            td { "« " (g.example) " »" }
                            td { (g.count) }
                            td { a href={ (paths::with_id(paths::CONVERSATION, g.conversation)) "#apprendre-" (g.message) } { "Apprendre à l'assistant" } }
                        }
                    })))
                }
            }
        }
    };
    Ok(page(&staff, body))
}

// ---- Équipe -------------------------------------------------------------------------

async fn team_page(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let me = staff.user.id.0;
    let (f, figures) = load(&state, &q, |conn, p, filters, _| {
        let facts = report::facts(conn, p, filters)?;
        Ok((
            report::rows_by(&facts, |f| f.assignee.map(|a| a.to_string())),
            report::rows_by(&facts, |f| f.department.map(|d| d.to_string())),
        ))
    })
    .await?;
    let all = f.choices.team_visible
        || staff.user.role.can(Perm::ManageShop)
        || staff.user.role.as_str() == "read_only";
    let name = |id: &str, list: &[(i64, String)]| {
        list.iter()
            .find(|(i, _)| i.to_string() == id)
            .map_or("(retiré)".to_string(), |(_, n)| n.clone())
    };
    let (members, departments) = figures.unwrap_or_default();
    let members: Vec<Row> = members
        .into_iter()
        .filter(|r| all || r.key == me.to_string())
        .collect();
    let headers = [
        "Nom",
        "Conversations attribuées",
        "Première réponse moyenne",
        "Résolution moyenne",
        "Résolues",
        "Attente moyenne du client",
        "Satisfaction",
    ];
    let cells = |r: &Row, label: String| {
        vec![
            label,
            r.conversations.to_string(),
            opt_duration(r.first_team.mean),
            opt_duration(r.resolution.mean),
            r.resolved.to_string(),
            opt_duration(r.first_team.mean),
            r.csat.mean.map_or("—".into(), |m| format!("{m} / 5")),
        ]
    };
    if q.format == "csv" {
        let mut lines = vec![headers.map(String::from).to_vec()];
        lines.extend(members.iter().map(|r| cells(r, name(&r.key, &f.members))));
        lines.extend(
            departments
                .iter()
                .map(|r| cells(r, format!("Département {}", name(&r.key, &f.departments)))),
        );
        return csv("equipe", lines);
    }
    let body = html! {
        (header(&staff, paths::ANALYTICS_TEAM, &q, &f))
        @if !all { (alert(Tone::Info, "Vous voyez vos propres chiffres ; l'administrateur a choisi de ne pas montrer ceux de l'équipe.")) }
        section.card {
            h2 { "Par membre" }
            @let items: Vec<(String, i64, Option<String>)> = members.iter().map(|r| (name(&r.key, &f.members), r.conversations, drill(&q, &Which::Member(r.key.parse().unwrap_or(0))))).collect();
            (bars("Conversations attribuées par membre", &items, ""))
            @if members.is_empty() { p.muted { "Aucune conversation attribuée sur la période. Attribuez les conversations depuis la boîte de réception." } }
            @else {
                (table(&headers, members.iter().map(|r| {
                    let c = cells(r, name(&r.key, &f.members));
                    let which = Which::Member(r.key.parse().unwrap_or(0));
                    html! { tr { td { (c[0]) } td { (linked(&q, &which, r.conversations)) } @for v in &c[2..] { td { (v) } } } }
                })))
            }
        }
        @if all {
            section.card {
                h2 { "Par département" }
                @if departments.is_empty() { p.muted { "Aucune conversation rangée dans un département sur la période." } }
                @else {
                    (table(&headers, departments.iter().map(|r| {
                        let c = cells(r, name(&r.key, &f.departments));
                        let which = Which::Department(r.key.parse().unwrap_or(0));
                        html! { tr { td { (c[0]) } td { (linked(&q, &which, r.conversations)) } @for v in &c[2..] { td { (v) } } } }
                    })))
                }
            }
        }
    };
    Ok(page(&staff, body))
}

// ---- Produits -----------------------------------------------------------------------

async fn products_page(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let (f, figures) = load(&state, &q, |conn, p, filters, _| {
        let facts = report::facts(conn, p, filters)?;
        Ok((
            super::assistant::titled(conn, report::products_asked(&facts))?,
            super::assistant::holds(conn, p)?,
            crate::alerts::repo::most_awaited(conn, 20)?,
        ))
    })
    .await?;
    if q.format == "csv"
        && let Some((asked, holds, awaited)) = &figures
    {
        let mut lines = vec![
            [
                "produit",
                "demandé",
                "dont en rupture",
                "clients en attente d'une alerte",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for a in asked {
            let waiting: i64 = awaited
                .iter()
                .filter(|w| w.product_title == a.title)
                .map(|w| w.waiting + w.unconfirmed)
                .sum();
            lines.push(vec![
                a.title.clone(),
                a.asked.to_string(),
                a.out_of_stock.to_string(),
                waiting.to_string(),
            ]);
        }
        lines.push(vec![
            "mises de côté créées".into(),
            holds.created.to_string(),
            String::new(),
            String::new(),
        ]);
        lines.push(vec![
            "mises de côté remises".into(),
            holds.fulfilled.to_string(),
            String::new(),
            String::new(),
        ]);
        lines.push(vec![
            "mises de côté expirées".into(),
            holds.expired.to_string(),
            String::new(),
            String::new(),
        ]);
        return csv("produits", lines);
    }
    let body = html! {
        (header(&staff, paths::ANALYTICS_PRODUCTS, &q, &f))
        @if let Some((asked, holds, awaited)) = figures {
            div.grid.stats {
                section.card { h2 { "Mises de côté" } p.big { (holds.created) } p.muted { (holds.fulfilled) " remises · " (holds.cancelled) " annulées · " (holds.expired) " expirées" } }
                section.card { h2 { "Clients en attente" } p.big { (awaited.iter().map(|w| w.waiting + w.unconfirmed).sum::<i64>()) } p.muted { a href=(paths::ALERTS) { "Voir les alertes" } } }
            }
            section.card {
                h2 { "Produits demandés" }
                @let items: Vec<(String, i64, Option<String>)> = asked.iter().map(|a| (a.title.clone(), a.asked, drill(&q, &Which::Product(a.handle.clone())))).collect();
                (bars("Réponses de l'assistant par produit", &items, ""))
                @if asked.is_empty() { p.muted { "Aucun produit demandé sur la période." } }
                @else {
                    (table(&["Produit", "Demandé", "Dont en rupture en boutique"], asked.iter().map(|a| html! {
                        tr { td { (a.title) } td { (linked(&q, &Which::Product(a.handle.clone()), a.asked)) } td { (a.out_of_stock) } }
                    })))
                }
            }
        }
    };
    Ok(page(&staff, body))
}

// ---- Ventes -------------------------------------------------------------------------

async fn sales_page(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let (f, figures) = load(&state, &q, |conn, p, filters, f| {
        sales::sales(conn, p, filters, f.choices.attribution_days)
    })
    .await?;
    let days = f.choices.attribution_days;
    if q.format == "csv"
        && let Some(list) = &figures
    {
        let mut lines = vec![
            [
                "vente",
                "date",
                "montant (€)",
                "conversation",
                "canal",
                "demande",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for s in list {
            lines.push(vec![
                s.what.clone(),
                s.at.to_zoned(f.tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string(),
                format!("{}.{:02}", s.cents / 100, s.cents % 100),
                s.conversation.to_string(),
                channel_label(&s.channel).to_string(),
                intent_label(s.intent.as_deref()).to_string(),
            ]);
        }
        return csv("ventes", lines);
    }
    let body = html! {
        (header(&staff, paths::ANALYTICS_SALES, &q, &f))
        @if let Some(list) = figures {
            @let total: i64 = list.iter().map(|s| s.cents).sum();
            div.grid.stats {
                section.card { h2 { "Ventes attribuées" } p.big { (format_eur(total)) } p.muted { (count(list.len() as i64, "vente", "ventes")) } }
            }
            section.card {
                h2 { "Comment c'est compté" }
                p { "Deux sources, sans double compte au sein de chacune :" }
                ul {
                    li { "les mises de côté marquées « Remis au client » sur la période, au prix de l'article ;" }
                    li { "les commandes de la boutique en ligne passées sur la période par un client reconnu dans une conversation (même adresse e-mail ou même numéro de téléphone), au plus " (days) " jours après le début de celle-ci ; la conversation la plus récente est créditée." }
                }
                p.muted { "Limites : un client qui écrit depuis une autre adresse ou un autre numéro n'est pas reconnu ; une commande qui aurait eu lieu sans la conversation est comptée quand même ; une mise de côté remise puis commandée en ligne compterait deux fois. Réglez le délai dans « Réglages des rapports » (Vue d'ensemble)." }
            }
            @let by_channel = sales::totals_by(&list, |s| channel_label(&s.channel).to_string());
            section.card {
                h2 { "Montant par canal" }
                @let items: Vec<(String, i64, Option<String>)> = by_channel.iter().map(|(k, _, cents)| (k.clone(), cents / 100, None)).collect();
                (bars("Ventes attribuées par canal, en euros", &items, " €"))
            }
            div.grid {
                section.card {
                    h2 { "Par canal" }
                    (totals(&sales::totals_by(&list, |s| channel_label(&s.channel).to_string())))
                }
                section.card {
                    h2 { "Par demande" }
                    (totals(&sales::totals_by(&list, |s| intent_label(s.intent.as_deref()).to_string())))
                }
            }
            section.card {
                h2 { "Le détail" }
                @if list.is_empty() { p.muted { "Aucune vente attribuée sur la période." } }
                @else {
                    (table(&["Vente", "Date", "Montant", "Conversation"], list.iter().map(|s: &Sale| html! {
                        tr {
                            td { (s.what) }
                            td { (s.at.to_zoned(f.tz.clone()).strftime("%d/%m/%Y %H:%M")) }
                            td { (format_eur(s.cents)) }
                            td { a href=(paths::with_id(paths::CONVERSATION, s.conversation)) { (channel_label(&s.channel)) " #" (s.conversation) } }
                        }
                    })))
                }
            }
        }
    };
    Ok(page(&staff, body))
}

fn totals(rows: &[(String, i64, i64)]) -> Markup {
    html! {
        @if rows.is_empty() { p.muted { "—" } }
        @else {
            (table(&["", "Ventes", "Montant"], rows.iter().map(|(k, n, cents)| html! {
                tr { td { (k) } td { (n) } td { (format_eur(*cents)) } }
            })))
        }
    }
}

// ---- Satisfaction -------------------------------------------------------------------

async fn satisfaction_page(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let (f, figures) = load(&state, &q, |conn, p, filters, _| {
        let facts: Vec<Fact> = report::facts(conn, p, filters)?
            .into_iter()
            .filter(|f| f.csat.is_some())
            .collect();
        super::assistant::ratings(conn, &facts)
    })
    .await?;
    let member = |id: Option<i64>| {
        id.and_then(|id| f.members.iter().find(|(m, _)| *m == id))
            .map_or("—".to_string(), |(_, n)| n.clone())
    };
    if q.format == "csv"
        && let Some(list) = &figures
    {
        let mut lines = vec![
            [
                "membre",
                "note",
                "commentaire",
                "client",
                "e-mail",
                "téléphone",
                "conversation",
                "date",
            ]
            .map(String::from)
            .to_vec(),
        ];
        for r in list {
            lines.push(vec![
                member(r.member),
                r.score.to_string(),
                r.comment.clone(),
                r.name.clone(),
                r.email.clone(),
                r.phone.clone(),
                r.conversation.to_string(),
                r.at.to_zoned(f.tz.clone())
                    .strftime("%Y-%m-%d %H:%M")
                    .to_string(),
            ]);
        }
        return csv("satisfaction", lines);
    }
    let body = html! {
        (header(&staff, paths::ANALYTICS_SATISFACTION, &q, &f))
        @if let Some(list) = figures {
            section.card {
                h2 { (count(list.len() as i64, "réponse", "réponses")) }
                @let items: Vec<(String, i64, Option<String>)> = (1..=5).rev().map(|n| (format!("{n} / 5"), list.iter().filter(|r| r.score == n).count() as i64, drill(&q, &Which::Csat(n)))).collect();
                (bars("Réponses par note", &items, ""))
                @if list.is_empty() { p.muted { "Aucune réponse à l'enquête sur la période. Elle part quand une conversation est fermée avec « Envoyer l'enquête »." } }
                @else {
                    (table(&["Membre", "Note", "Commentaire", "Client", "Date", ""], list.iter().map(|r| html! {
                        tr {
                            td { (member(r.member)) }
                            td { (r.score) " / 5" }
                            td { (if r.comment.is_empty() { "—" } else { &r.comment }) }
                            td { (r.name) @if !r.email.is_empty() { br; span.muted { (r.email) } } @if !r.phone.is_empty() { br; span.muted { (r.phone) } } }
                            td { (r.at.to_zoned(f.tz.clone()).strftime("%d/%m/%Y")) }
                            td { a href=(paths::with_id(paths::CONVERSATION, r.conversation)) { "conversation" } }
                        }
                    })))
                }
            }
        }
    };
    Ok(page(&staff, body))
}

// ---- The conversations behind a number ---------------------------------------------

async fn conversations_page(
    state: web::Data<AppState>,
    staff: Staff,
    q: web::Query<Query>,
) -> Result<HttpResponse, AppError> {
    let q = q.into_inner();
    let which = Which::parse(&q.which).unwrap_or(Which::All);
    let w = which.clone();
    let (f, figures) = load(&state, &q, move |conn, p, filters, f| {
        let all = report::facts(conn, p, filters)?;
        Ok(all
            .into_iter()
            .filter(|x| w.matches(x, &f.tz))
            .collect::<Vec<Fact>>())
    })
    .await?;
    let body = html! {
        (header(&staff, paths::ANALYTICS, &q, &f))
        @if let Some(list) = figures {
            section.card {
                h2 { (count(list.len() as i64, "conversation", "conversations")) }
                @if list.len() > 500 { p.muted { "Les 500 plus récentes sont listées ; l'export CSV les contient toutes." } }
                (table(&["Début", "Canal", "Client", "Demande", "Équipe", ""], list.iter().rev().take(500).map(|c| html! {
                    tr {
                        td { (Timestamp::from_second(c.started_at).unwrap_or(Timestamp::UNIX_EPOCH).to_zoned(f.tz.clone()).strftime("%d/%m/%Y %H:%M")) }
                        td { (channel_label(&c.channel)) }
                        td { (c.contact) }
                        td { (intent_label(c.first_intent.as_deref())) }
                        td { @if c.automated() { "—" } @else { (reason_label(c.handoff_reason.as_deref().unwrap_or("taken_over"))) } }
                        td { a href=(paths::with_id(paths::CONVERSATION, c.id)) { "ouvrir" } }
                    }
                })))
            }
        }
    };
    Ok(page(&staff, body))
}
