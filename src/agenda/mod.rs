//! Rendez-vous: the shop's appointments by day or week, booked by the assistant in the
//! conversation or by the team here; add, move and cancel them, and set the services
//! that can be booked. Every change goes through the same checks as the assistant's
//! (free slot, in one transaction), and the notices job e-mails the invitation, its
//! update or its cancellation.

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use jiff::civil::{Date, Time};
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp, ToSpan};
use maud::{Markup, html};
use serde::Deserialize;

use crate::appointments::repo::{self, Booking, Row, ServiceRow};
use crate::assistant::contacts::best_name;
use crate::assistant::settings;
use crate::db;
use crate::engine::booking::{MONTHS_FR, full_moment};
use crate::engine::hours::WeekHours;
use crate::engine::info;
use crate::engine::lang::Lang;
use crate::engine::slots::Service;
use crate::error::AppError;
use crate::web::auth::Staff;
use crate::web::components::{Tone, alert, badge, csrf_input, empty_state};
use crate::web::csrf::{CsrfForm, NoFields};
use crate::web::layout::{self, Nav};
use crate::web::roles::Perm;
use crate::web::{AppState, paths, respond};

mod text {
    pub const TITLE: &str = "Rendez-vous";
    pub const NO_SERVICE: &str = "Aucun service à réserver";
    pub const NO_SERVICE_TEXT: &str = "Ajoutez ce que vos clients peuvent réserver (un essayage, des retouches…) : l'assistant proposera alors des créneaux libres dans la conversation, selon vos horaires.";
    pub const NONE_DAY: &str = "Aucun rendez-vous ce jour-là.";
    pub const NONE_WEEK: &str = "Aucun rendez-vous cette semaine.";
    pub const NEW: &str = "Nouveau rendez-vous";
    pub const SERVICES: &str = "Services proposés";
    pub const READ_ONLY: &str =
        "Votre rôle permet de consulter les rendez-vous, pas de les modifier.";
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.route(paths::APPOINTMENTS, web::get().to(agenda))
        .route(paths::APPOINTMENT_NEW, web::post().to(add))
        .route(paths::APPOINTMENT_MOVE, web::post().to(move_one))
        .route(paths::APPOINTMENT_CANCEL, web::post().to(cancel))
        .route(paths::SERVICES, web::post().to(add_service))
        .route(paths::SERVICE, web::post().to(change_service));
}

/// Back to the agenda after a change, with what was done (and the day, when known).
fn done(day: Option<Date>, what: &str) -> HttpResponse {
    let day = day.map(|d| format!("date={d}&")).unwrap_or_default();
    HttpResponse::SeeOther()
        .insert_header((
            header::LOCATION,
            format!("{}?{day}done={what}", paths::APPOINTMENTS),
        ))
        .finish()
}

fn can_book(staff: &Staff) -> bool {
    staff.user.role.can(Perm::WorkConversations) || staff.user.role.can(Perm::ManageOrders)
}

#[derive(Deserialize, Default)]
struct AgendaQuery {
    #[serde(default)]
    view: String,
    #[serde(default)]
    date: String,
    done: Option<String>,
}

/// What a page shows besides the agenda: a message, and the form kept with its error.
#[derive(Default)]
struct Shown {
    message: Option<(Tone, String)>,
    new: NewForm,
    open_new: bool,
}

#[derive(Deserialize, Default, Clone)]
struct NewForm {
    #[serde(default)]
    service: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
}

fn day_title(d: Date) -> String {
    let name = info::day_name(d.weekday(), Lang::Fr);
    let mut title = format!("{name} {} {}", d.day(), MONTHS_FR[(d.month() - 1) as usize]);
    if let Some(first) = title.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    title
}

fn hhmm(t: Timestamp, tz: &TimeZone) -> String {
    info::time(t.to_zoned(tz.clone()).time(), Lang::Fr)
}

/// The start of `d` in the shop's time zone.
fn day_start(d: Date, tz: &TimeZone) -> Timestamp {
    d.to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

async fn agenda(
    state: web::Data<AppState>,
    staff: Staff,
    query: web::Query<AgendaQuery>,
) -> Result<HttpResponse, AppError> {
    let q = query.into_inner();
    let message = match q.done.as_deref() {
        Some("added") => Some((Tone::Success, "Rendez-vous enregistré. Si le client a une adresse e-mail, l'invitation part avec son fichier agenda.".to_string())),
        Some("moved") => Some((Tone::Success, "Rendez-vous déplacé.".to_string())),
        Some("cancelled") => Some((Tone::Success, "Rendez-vous annulé : le créneau est de nouveau libre.".to_string())),
        Some("service") => Some((Tone::Success, "Services enregistrés.".to_string())),
        Some("gone") => Some((Tone::Warning, "Ce rendez-vous n'existe plus ou est déjà annulé.".to_string())),
        _ => None,
    };
    let shown = Shown {
        message,
        ..Shown::default()
    };
    page(&state, &staff, &q.view, &q.date, shown, StatusCode::OK).await
}

async fn page(
    state: &AppState,
    staff: &Staff,
    view: &str,
    date: &str,
    shown: Shown,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let week = view == "week";
    let now = state.clock.now();
    let asked = date.parse::<Date>().ok();
    let (services, rows, tz, day) = db::call(&state.db, move |conn| -> Result<_, AppError> {
        let hours = settings::shop(conn)?.hours;
        let tz = hours.tz.clone();
        let today = now.to_zoned(tz.clone()).date();
        let day = asked.unwrap_or(today);
        let first = if week {
            day.checked_sub((day.weekday().to_monday_zero_offset() as i64).days())
                .unwrap_or(day)
        } else {
            day
        };
        let days = if week { 7 } else { 1 };
        let last = first.checked_add(days.days()).unwrap_or(first);
        let rows = repo::between(conn, day_start(first, &tz), day_start(last, &tz))?;
        Ok((repo::services(conn)?, rows, tz, first))
    })
    .await?;
    let days: Vec<Date> = (0..if week { 7 } else { 1 })
        .filter_map(|i| day.checked_add(i.days()).ok())
        .collect();
    let step = if week { 7 } else { 1 };
    let link = |d: Option<Date>| {
        let d = d.map(|d| d.to_string()).unwrap_or_default();
        format!(
            "{}?view={}&date={d}",
            paths::APPOINTMENTS,
            if week { "week" } else { "day" }
        )
    };
    let prev = day.checked_sub(step.days()).ok();
    let next = day.checked_add(step.days()).ok();
    let editable = can_book(staff);
    let body = html! {
        @if let Some((tone, m)) = &shown.message { (alert(*tone, m)) }
        @if !editable { (alert(Tone::Info, text::READ_ONLY)) }
        @if services.is_empty() {
            (empty_state(text::NO_SERVICE, text::NO_SERVICE_TEXT, None))
        }
        nav.period-nav aria-label="Période" {
            a.btn href=(link(prev)) rel="prev" { "← Précédent" }
            a.btn href=(link(None)) { "Aujourd'hui" }
            a.btn href=(link(next)) rel="next" { "Suivant →" }
            @let other = if week { "day" } else { "week" };
            a.btn href={ (paths::APPOINTMENTS) "?view=" (other) "&date=" (day) } {
                @if week { "Vue jour" } @else { "Vue semaine" }
            }
        }
        h2 {
            @if week { "Semaine du " (day_title(day).to_lowercase()) } @else { (day_title(day)) }
        }
        div.agenda {
            @for d in &days {
                @let of_day: Vec<&Row> = rows.iter().filter(|r| r.start.to_zoned(tz.clone()).date() == *d).collect();
                @if week || !of_day.is_empty() {
                    section.agenda-day {
                        @if week { h3 { (day_title(*d)) } }
                        @if of_day.is_empty() { p.muted { "—" } }
                        @for r in of_day { (item(staff, r, &tz, editable)) }
                    }
                }
            }
            @if rows.is_empty() {
                p.muted { @if week { (text::NONE_WEEK) } @else { (text::NONE_DAY) } }
            }
        }
        @if editable && !services.is_empty() { (new_form(staff, &services, &shown.new, shown.open_new)) }
        (services_card(staff, &services))
    };
    Ok(respond::html(
        status,
        layout::page(staff, Nav::Appointments, text::TITLE, body),
    ))
}

fn item(staff: &Staff, r: &Row, tz: &TimeZone, editable: bool) -> Markup {
    let cancelled = r.status == "cancelled";
    let local = r.start.to_zoned(tz.clone());
    html! {
        div.agenda-item.cancelled[cancelled] {
            span.when { (hhmm(r.start, tz)) "–" (hhmm(r.end, tz)) }
            span.who {
                strong { (r.service) } " · " (best_name(&r.name, &r.contact))
                @if !r.email.is_empty() && r.email != r.contact { " · " (r.email) }
                @if let Some(c) = r.conversation {
                    " · " a href=(paths::with_id(paths::CONVERSATION, c)) { "conversation" }
                }
            }
            @if cancelled { (badge("Annulé", Tone::Warning)) } @else { (badge("Confirmé", Tone::Success)) }
            @if editable && !cancelled {
                details {
                    summary { "Déplacer ou annuler" }
                    form method="post" action=(paths::with_id(paths::APPOINTMENT_MOVE, r.id)) {
                        (csrf_input(&staff.csrf))
                        div.inline-fields {
                            div.field {
                                label for={ "d-" (r.id) } { "Nouveau jour" }
                                input id={ "d-" (r.id) } type="date" name="date" value=(local.date()) required;
                            }
                            div.field {
                                label for={ "t-" (r.id) } { "Heure" }
                                input id={ "t-" (r.id) } type="time" name="time" step="300" value=(local.time().strftime("%H:%M")) required;
                            }
                        }
                        button.btn type="submit" { "Déplacer" }
                    }
                    form.inline method="post" action=(paths::with_id(paths::APPOINTMENT_CANCEL, r.id)) {
                        (csrf_input(&staff.csrf))
                        button.btn.danger type="submit" { "Annuler le rendez-vous" }
                    }
                }
            }
        }
    }
}

fn new_form(staff: &Staff, services: &[ServiceRow], form: &NewForm, open: bool) -> Markup {
    let field = |label: &str, name: &str, kind: &str, value: &str, hint: Option<&str>| {
        let id = format!("n-{name}");
        html! {
            div.field {
                label for=(id) { (label) }
                input id=(id) type=(kind) name=(name) value=(value);
                @if let Some(h) = hint { p.hint { (h) } }
            }
        }
    };
    html! {
        details.card #new open[open] {
            summary { h2 { (text::NEW) } }
            form method="post" action=(paths::APPOINTMENT_NEW) {
                (csrf_input(&staff.csrf))
                div.field {
                    label for="n-service" { "Service" }
                    select #n-service name="service" {
                        @for s in services {
                            option value=(s.id) selected[form.service == s.id.to_string()] {
                                (s.name) " (" (s.service.length.as_mins()) " min)"
                            }
                        }
                    }
                }
                div.inline-fields {
                    (field("Jour", "date", "date", &form.date, None))
                    (field("Heure", "time", "time", &form.time, None))
                }
                (field("Nom du client", "name", "text", &form.name, None))
                div.inline-fields {
                    (field("Téléphone", "phone", "tel", &form.phone, Some("Le rappel de la veille part par SMS.")))
                    (field("E-mail", "email", "email", &form.email, Some("L'invitation pour l'agenda part par e-mail.")))
                }
                button.btn.primary type="submit" { "Enregistrer le rendez-vous" }
            }
        }
    }
}

fn services_card(staff: &Staff, services: &[ServiceRow]) -> Markup {
    let can = staff.user.role.can(Perm::ManageShop);
    let inputs = |s: Option<&ServiceRow>| {
        let id = s.map_or("new".to_string(), |s| s.id.to_string());
        let v = |f: fn(&ServiceRow) -> i64, default: i64| s.map_or(default, f).to_string();
        let f = |label: &str, name: &str, value: String, hint: &str| {
            let fid = format!("s-{id}-{name}");
            html! {
                div.field {
                    label for=(fid) { (label) }
                    input id=(fid) type="number" inputmode="numeric" name=(name) value=(value) min="0";
                    @if !hint.is_empty() { p.hint { (hint) } }
                }
            }
        };
        html! {
            div.field {
                label for={ "s-" (id) "-name" } { "Nom" }
                input id={ "s-" (id) "-name" } type="text" name="name" value=(s.map_or("", |s| s.name.as_str())) placeholder="Essayage" maxlength="60";
            }
            div.inline-fields {
                (f("Durée (minutes)", "length", v(|s| s.service.length.as_mins(), 30), ""))
                (f("Battement (minutes)", "buffer", v(|s| s.service.buffer.as_mins(), 10), "Temps libre gardé avant et après."))
                (f("Délai minimum (heures)", "notice", v(|s| s.service.min_notice.as_hours(), 2), "On ne peut pas réserver plus tard que ça avant le début."))
                (f("Réservable jusqu'à (jours)", "window", v(|s| s.service.window_days, 14), ""))
                (f("Places en même temps", "seats", v(|s| s.service.seats as i64, 1), "Cabines ou conseillers disponibles."))
            }
        }
    };
    html! {
        details.card #services open[services.is_empty()] {
            summary { h2 { (text::SERVICES) } }
            p.muted { "Les créneaux suivent vos horaires d'ouverture (Paramètres › Assistant), toutes les 30 minutes." }
            @for s in services {
                form method="post" action=(paths::with_id(paths::SERVICE, s.id)) {
                    (csrf_input(&staff.csrf))
                    fieldset disabled[!can] {
                        legend { (s.name) }
                        (inputs(Some(s)))
                        button.btn type="submit" name="action" value="save" { "Enregistrer" }
                        " "
                        button.btn.danger type="submit" name="action" value="retire" { "Retirer ce service" }
                    }
                }
            }
            @if can {
                form method="post" action=(paths::SERVICES) {
                    (csrf_input(&staff.csrf))
                    fieldset {
                        legend { "Ajouter un service" }
                        (inputs(None))
                        button.btn.primary type="submit" { "Ajouter" }
                    }
                }
            }
        }
    }
}

/// A phone number as the SMS channel writes it (+33612345678), from what people type
/// ("06 12 34 56 78", "+33 6…", "0033 6…").
fn phone(typed: &str) -> Option<String> {
    let t: String = typed
        .chars()
        .filter(|c| !matches!(c, ' ' | '.' | '-' | '(' | ')'))
        .collect();
    let t = match t.strip_prefix("00") {
        Some(rest) => format!("+{rest}"),
        None => t,
    };
    let e164 = if let Some(rest) = t.strip_prefix('+') {
        format!("+{rest}")
    } else if t.len() == 10 && t.starts_with('0') {
        format!("+33{}", &t[1..])
    } else {
        return None;
    };
    let digits = e164.len() - 1;
    (e164[1..].chars().all(|c| c.is_ascii_digit()) && (8..=15).contains(&digits)).then_some(e164)
}

fn email(typed: &str) -> Option<String> {
    let t = typed.trim().to_lowercase();
    let (user, domain) = t.split_once('@')?;
    (!user.is_empty() && domain.contains('.') && !t.contains(char::is_whitespace) && t.len() <= 200)
        .then_some(t)
}

/// A day and time typed in the shop's time zone.
fn moment(date: &str, time: &str, tz: &TimeZone) -> Result<Timestamp, String> {
    let date: Date = date
        .trim()
        .parse()
        .map_err(|_| "Indiquez le jour (par exemple 2026-12-05).".to_string())?;
    let time: Time = time
        .trim()
        .parse()
        .map_err(|_| "Indiquez l'heure (par exemple 14:30).".to_string())?;
    date.to_datetime(time)
        .to_zoned(tz.clone())
        .map(|z| z.timestamp())
        .map_err(|_| "Cette heure n'existe pas ce jour-là (changement d'heure).".to_string())
}

fn taken_message(next: &[Timestamp], tz: &TimeZone) -> String {
    if next.is_empty() {
        return "Ce créneau n'est pas libre, et aucun autre ne l'est dans la période réservable."
            .into();
    }
    let list: Vec<String> = next.iter().map(|t| full_moment(*t, tz, Lang::Fr)).collect();
    format!(
        "Ce créneau n'est pas libre (déjà pris, boutique fermée, trop proche ou trop loin). Prochains créneaux libres : {}.",
        list.join(", ")
    )
}

async fn add(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<NewForm>,
) -> Result<HttpResponse, AppError> {
    if !can_book(&staff) {
        return Err(AppError::Forbidden);
    }
    let now = state.clock.now();
    let f = form.clone();
    let outcome = db::call(&state.db, move |conn| -> Result<Result<Date, String>, AppError> {
        let hours: WeekHours = settings::shop(conn)?.hours;
        let Some(service) = f.service.trim().parse::<i64>().ok().map(|id| repo::service(conn, id)).transpose()?.flatten() else {
            return Ok(Err("Choisissez un service.".into()));
        };
        let start = match moment(&f.date, &f.time, &hours.tz) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e)),
        };
        let phone = match f.phone.trim() {
            "" => None,
            typed => match phone(typed) {
                Some(p) => Some(p),
                None => return Ok(Err("Ce numéro de téléphone n'est pas valable : écrivez-le comme 06 12 34 56 78 ou +33 6 12 34 56 78.".into())),
            },
        };
        let email = match f.email.trim() {
            "" => None,
            typed => match email(typed) {
                Some(e) => Some(e),
                None => return Ok(Err("Cette adresse e-mail n'est pas valable (exemple : marie@exemple.fr).".into())),
            },
        };
        let (contact, channel) = match (&phone, &email) {
            (Some(p), _) => (p.clone(), "sms"),
            (None, Some(e)) => (e.clone(), "email"),
            (None, None) => return Ok(Err("Indiquez un téléphone ou une adresse e-mail, pour prévenir le client.".into())),
        };
        let name = f.name.trim().chars().take(100).collect::<String>();
        db::write(conn, |tx| {
            match repo::book(tx, &hours, &service, start, &contact, None, now)? {
                Booking::Booked(id) => {
                    repo::set_shopper(tx, id, &name, email.as_deref().unwrap_or(""), channel, Lang::Fr)?;
                    Ok(Ok(start.to_zoned(hours.tz.clone()).date()))
                }
                Booking::Taken(next) => Ok(Err(taken_message(&next, &hours.tz))),
            }
        })
    })
    .await?;
    match outcome {
        Ok(day) => {
            state.notices_wanted.notify_one();
            Ok(done(Some(day), "added"))
        }
        Err(problem) => {
            let shown = Shown {
                message: Some((Tone::Danger, problem)),
                open_new: true,
                new: form,
            };
            let date = shown.new.date.clone();
            page(
                &state,
                &staff,
                "day",
                &date,
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

#[derive(Deserialize)]
struct MoveForm {
    #[serde(default)]
    date: String,
    #[serde(default)]
    time: String,
}

async fn move_one(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<MoveForm>,
) -> Result<HttpResponse, AppError> {
    if !can_book(&staff) {
        return Err(AppError::Forbidden);
    }
    let id = path.into_inner();
    let now = state.clock.now();
    let outcome = db::call(
        &state.db,
        move |conn| -> Result<Result<Date, String>, AppError> {
            let hours = settings::shop(conn)?.hours;
            let Some(a) = repo::get(conn, id)?.filter(|a| a.status == "booked") else {
                return Ok(Err(String::new()));
            };
            let Some(service) = repo::service(conn, a.service_id)? else {
                return Ok(Err(
                    "Ce service n'est plus proposé : annulez le rendez-vous et créez-en un autre."
                        .into(),
                ));
            };
            let start = match moment(&form.date, &form.time, &hours.tz) {
                Ok(t) => t,
                Err(e) => return Ok(Err(e)),
            };
            db::write(conn, |tx| {
                match repo::reschedule(tx, &hours, &service, id, start, now)? {
                    Booking::Booked(_) => Ok(Ok(start.to_zoned(hours.tz.clone()).date())),
                    Booking::Taken(next) => Ok(Err(taken_message(&next, &hours.tz))),
                }
            })
        },
    )
    .await?;
    match outcome {
        Ok(day) => {
            state.notices_wanted.notify_one();
            Ok(done(Some(day), "moved"))
        }
        Err(problem) if problem.is_empty() => Ok(done(None, "gone")),
        Err(problem) => {
            let shown = Shown {
                message: Some((Tone::Danger, problem)),
                ..Shown::default()
            };
            page(
                &state,
                &staff,
                "day",
                "",
                shown,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
    }
}

async fn cancel(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(_): CsrfForm<NoFields>,
) -> Result<HttpResponse, AppError> {
    if !can_book(&staff) {
        return Err(AppError::Forbidden);
    }
    let id = path.into_inner();
    let now = state.clock.now();
    let cancelled = db::call(&state.db, move |conn| {
        db::write(conn, |tx| repo::cancel(tx, id, now))
    })
    .await?;
    state.notices_wanted.notify_one();
    Ok(done(None, if cancelled { "cancelled" } else { "gone" }))
}

#[derive(Deserialize, Default)]
struct ServiceForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    length: String,
    #[serde(default)]
    buffer: String,
    #[serde(default)]
    notice: String,
    #[serde(default)]
    window: String,
    #[serde(default)]
    seats: String,
    #[serde(default)]
    action: String,
}

impl ServiceForm {
    fn service(&self) -> Result<(String, Service), String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 60 {
            return Err(
                "Donnez un nom au service (60 caractères au plus), par exemple « Essayage »."
                    .into(),
            );
        }
        let n = |v: &str, min: i64, max: i64, what: &str| match v.trim().parse::<i64>() {
            Ok(n) if (min..=max).contains(&n) => Ok(n),
            _ => Err(format!(
                "{what} : indiquez un nombre entier entre {min} et {max}."
            )),
        };
        let length = n(&self.length, 5, 480, "Durée")?;
        let buffer = n(&self.buffer, 0, 120, "Battement")?;
        let notice = n(&self.notice, 0, 24 * 14, "Délai minimum")?;
        let window = n(&self.window, 1, 90, "Réservable jusqu'à")?;
        let seats = n(&self.seats, 1, 50, "Places en même temps")?;
        Ok((
            name.to_string(),
            Service {
                length: SignedDuration::from_mins(length),
                buffer: SignedDuration::from_mins(buffer),
                min_notice: SignedDuration::from_hours(notice),
                window_days: window,
                seats: seats as usize,
                step: SignedDuration::from_mins(30),
            },
        ))
    }
}

async fn service_problem(
    state: &AppState,
    staff: &Staff,
    problem: String,
) -> Result<HttpResponse, AppError> {
    let shown = Shown {
        message: Some((
            Tone::Danger,
            format!("Le service n'a pas été enregistré. {problem}"),
        )),
        ..Shown::default()
    };
    page(
        state,
        staff,
        "day",
        "",
        shown,
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

async fn add_service(
    state: web::Data<AppState>,
    staff: Staff,
    CsrfForm(form): CsrfForm<ServiceForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let (name, service) = match form.service() {
        Ok(s) => s,
        Err(problem) => return service_problem(&state, &staff, problem).await,
    };
    let now = state.clock.now();
    db::call(&state.db, move |conn| {
        db::write(conn, |tx| repo::add_service(tx, &name, &service, now))
    })
    .await?;
    Ok(done(None, "service#services"))
}

async fn change_service(
    state: web::Data<AppState>,
    staff: Staff,
    path: web::Path<i64>,
    CsrfForm(form): CsrfForm<ServiceForm>,
) -> Result<HttpResponse, AppError> {
    staff.require(Perm::ManageShop)?;
    let id = path.into_inner();
    let changed = if form.action == "retire" {
        db::call(&state.db, move |conn| {
            db::write(conn, |tx| repo::retire_service(tx, id))
        })
        .await?
    } else {
        let (name, service) = match form.service() {
            Ok(s) => s,
            Err(problem) => return service_problem(&state, &staff, problem).await,
        };
        db::call(&state.db, move |conn| {
            db::write(conn, |tx| repo::update_service(tx, id, &name, &service))
        })
        .await?
    };
    Ok(done(
        None,
        if changed { "service#services" } else { "gone" },
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phones_and_emails_are_read_as_people_type_them() {
        assert_eq!(phone("06 12 34 56 78").as_deref(), Some("+33612345678"));
        assert_eq!(phone("+33 6 12 34 56 78").as_deref(), Some("+33612345678"));
        assert_eq!(phone("0033612345678").as_deref(), Some("+33612345678"));
        assert_eq!(phone("12345"), None);
        assert_eq!(phone("06 12 ab 56 78"), None);
        assert_eq!(
            email(" Marie@Exemple.fr ").as_deref(),
            Some("marie@exemple.fr")
        );
        assert_eq!(email("marie@exemple"), None);
        assert_eq!(email("ma rie@exemple.fr"), None);
    }

    #[test]
    fn typed_times_are_the_shops_and_a_missing_hour_is_said() {
        let tz = TimeZone::get("Europe/Paris").unwrap();
        assert_eq!(
            moment("2026-03-28", "10:00", &tz).unwrap(),
            "2026-03-28T09:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert_eq!(
            moment("2026-03-29", "10:00", &tz).unwrap(),
            "2026-03-29T08:00:00Z".parse::<Timestamp>().unwrap()
        );
        assert!(moment("demain", "10:00", &tz).is_err());
        assert!(moment("2026-03-29", "25:00", &tz).is_err());
    }
}
