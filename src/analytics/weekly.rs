//! The weekly summary: every Monday from 8 o'clock (shop time), when the shop asked for
//! it and e-mail is set up, last week's figures go to each admin through Resend. The
//! week is marked sent before sending, and unmarked when Resend refuses, so it goes at
//! most once and a failure is tried again.

use jiff::Timestamp;
use jiff::civil::{Date, Weekday};
use rusqlite::{Connection, OptionalExtension, params};

use super::report::{self, Filters, Period};
use super::sales;
use super::settings as choices;
use crate::accounts::repo::{list_members, shop_timezone};
use crate::assistant::outbox::Pending;
use crate::channels::sender::Delivery;
use crate::channels::settings::Source;
use crate::clock::SharedClock;
use crate::db::{self, Pool};
use crate::engine::Channel;
use crate::error::AppError;
use crate::jobs::{Job, Round};
use crate::stores::model::format_eur;
use crate::web::roles::Role;

/// A summary ready to go.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// The Monday it is sent for (local date).
    pub monday: Date,
    pub subject: String,
    pub body: String,
    /// The admins' addresses.
    pub to: Vec<String>,
}

fn duration(secs: Option<i64>) -> String {
    secs.map_or("—".into(), super::pages::duration)
}

/// The summary due now, if any, with the week marked as sent.
pub fn due(conn: &mut Connection, now: Timestamp, base: &str) -> Result<Option<Summary>, AppError> {
    let c = choices::load(conn)?;
    if !c.weekly_report {
        return Ok(None);
    }
    let tz = shop_timezone(conn);
    let local = now.to_zoned(tz.clone());
    if local.weekday() != Weekday::Monday || local.hour() < 8 {
        return Ok(None);
    }
    let monday = local.date();
    let sent: Option<String> = conn
        .query_row(
            "SELECT weekly_sent_for FROM analytics_settings WHERE id = 1",
            [],
            |r| r.get(0),
        )
        .optional()?
        .flatten();
    if sent.as_deref() == Some(&monday.to_string()) {
        return Ok(None);
    }
    let to: Vec<String> = list_members(conn)?
        .into_iter()
        .filter(|m| m.role == Role::Admin && !m.disabled)
        .map(|m| m.email)
        .collect();
    let from = monday
        .checked_sub(jiff::Span::new().days(7))
        .unwrap_or(monday);
    let sunday = monday.yesterday().unwrap_or(monday);
    let period = Period::parse("custom", &from.to_string(), &sunday.to_string(), now, &tz)
        .map_err(AppError::BadRequest)?;
    super::facts::refresh_all(conn, now)?;
    let facts = report::facts(conn, &period, &Filters::default())?;
    let o = report::overview(&facts, &period, &tz);
    let sold = sales::sales(conn, &period, &Filters::default(), c.attribution_days)?;
    let shop = crate::accounts::repo::profile(conn)?
        .map(|p| p.business_name)
        .unwrap_or_default();
    let reasons: Vec<String> = o
        .reasons
        .iter()
        .map(|(r, n)| format!("{} {n}", r.replace('_', " ")))
        .collect();
    let csat = o
        .csat_average_tenths()
        .map_or("pas de réponse".to_string(), |t| {
            format!("{},{} / 5 ({} réponses)", t / 10, t % 10, o.csat_count())
        });
    let days = |d: Date| d.strftime("%d/%m").to_string();
    let body = format!(
        "Bonjour,\n\nLa semaine du {} au {} chez {shop} :\n\
         - {} conversations, {} sans l'équipe ({})\n\
         - {} passées à l'équipe{}\n\
         - première réponse de l'assistant : {} (médiane) ; de l'équipe : {}\n\
         - satisfaction : {csat}\n\
         - ventes attribuées à l'assistant : {} ({} ventes)\n\n\
         Le détail : {base}/analytics?preset=custom&from={from}&to={sunday}\n\n\
         (Ce résumé part chaque lundi ; on l'arrête dans Analytiques › Réglages des rapports.)",
        days(from),
        days(sunday),
        o.conversations,
        o.automated,
        o.automation().map_or("—".into(), |a| format!("{a} %")),
        o.handed_over,
        if reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", reasons.join(", "))
        },
        duration(o.bot_first.median),
        duration(o.team_first.median),
        format_eur(sold.iter().map(|s| s.cents).sum()),
        sold.len(),
    );
    db::write(conn, |tx| -> Result<(), AppError> {
        tx.execute(
            "INSERT INTO analytics_settings (id, weekly_sent_for) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET weekly_sent_for = excluded.weekly_sent_for",
            [monday.to_string()],
        )?;
        Ok(())
    })?;
    Ok(Some(Summary {
        monday,
        subject: format!(
            "{shop} : votre semaine du {} au {}",
            days(from),
            days(sunday)
        ),
        body,
        to,
    }))
}

/// Lets the week go again (Resend refused it).
fn unmark(conn: &Connection, monday: Date) -> Result<(), AppError> {
    conn.execute(
        "UPDATE analytics_settings SET weekly_sent_for = NULL WHERE weekly_sent_for = ?1",
        params![monday.to_string()],
    )?;
    Ok(())
}

pub struct Weekly {
    pub db: Pool,
    pub clock: SharedClock,
    pub channels: Source,
    pub http: ureq::Agent,
    pub base_url: String,
}

impl Job for Weekly {
    async fn tick(&mut self) -> Round {
        let Ok(channels) = self.channels.current().await else {
            return Round::Idle;
        };
        // Only when e-mail is set up: the setting says so.
        if channels.resend.api_key.is_none() || channels.resend.from.is_none() {
            return Round::Idle;
        }
        let (now, base) = (self.clock.now(), self.base_url.clone());
        let summary = match db::call(&self.db, move |conn| due(conn, now, &base)).await {
            Ok(Some(s)) => s,
            Ok(None) => return Round::Idle,
            Err(e) => {
                tracing::warn!(error = %e, "the weekly summary could not be prepared");
                return Round::Idle;
            }
        };
        let mut sent_to = 0;
        for to in &summary.to {
            let pending = Pending {
                id: 0,
                channel: Channel::Email,
                recipient: to.clone(),
                body: summary.body.clone(),
                subject: summary.subject.clone(),
                in_reply_to: String::new(),
                attempt: 1,
                unsure_since: None,
                attachment: String::new(),
            };
            let (http, c) = (self.http.clone(), channels.clone());
            let sent = tokio::task::spawn_blocking(move || {
                crate::channels::resend::send(&http, &c, &pending)
            })
            .await;
            if matches!(sent, Ok(Delivery::Sent(_))) {
                sent_to += 1;
            }
        }
        // Nobody got it: the week goes again at the next round.
        if sent_to == 0 && !summary.to.is_empty() {
            let monday = summary.monday;
            let _ = db::call(&self.db, move |conn| unmark(conn, monday)).await;
        }
        tracing::info!(admins = summary.to.len(), sent_to, "weekly summary");
        Round::Idle
    }
}
