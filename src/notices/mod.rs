//! Messages the shop sends on its own, in the shopper's language and on their channel:
//! back-in-stock and price-drop alerts, the e-mail that confirms an alert (double
//! opt-in), appointment invitations and cancellations (with their ICS), and the
//! day-before reminder. Each is a bot message in the shopper's conversation and an
//! outbox row, written in the same transaction that marks it sent: a crash leaves
//! either both or neither, and the outbox delivers exactly once.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use rusqlite::{Connection, OptionalExtension};
use tokio::sync::Notify;

use crate::alerts::repo::{self as alerts, Due, Item};
use crate::appointments::ics::{self, Invitation, Method};
use crate::appointments::repo::{self as appointments, Row as AppointmentRow};
use crate::assistant::conversations::{self, Author};
use crate::assistant::outbox::{self, NewReply};
use crate::assistant::{Assistant, contacts, settings};
use crate::clock::SharedClock;
use crate::db::ids::ConversationId;
use crate::db::{self, Pool};
use crate::engine::booking::full_moment;
use crate::engine::catalogue::{Index, Product, Variant};
use crate::engine::data::AlertKind;
use crate::engine::dialogue::{Asked, Dialogue};
use crate::engine::lang::Lang;
use crate::engine::replies::Templates;
use crate::engine::shop::Shop;
use crate::engine::{Channel, alerts as words, info, price};
use crate::error::AppError;
use crate::events::Events;
use crate::jobs::{Job, Round};

/// How long an alert's "shall I put it aside?" is remembered by the conversation.
const OFFER_DAYS: i64 = 3;

/// What one round queued.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Report {
    pub alerts: usize,
    pub confirmations: usize,
    pub invitations: usize,
    /// Changes the team made, told by SMS or WhatsApp.
    pub changes: usize,
    pub reminders: usize,
    /// Conversations that got a message (the live pages refresh).
    pub conversations: Vec<ConversationId>,
}

impl Report {
    pub fn queued(&self) -> usize {
        self.alerts + self.confirmations + self.invitations + self.changes + self.reminders
    }
}

/// The job: runs after a sync or a webhook changed stock or prices (woken), and every
/// half minute for the next batch, the reminders and the confirmations.
pub struct Notices {
    pub db: Pool,
    pub clock: SharedClock,
    pub assistant: Arc<Assistant>,
    /// Where the shopper's links point (`public_url`, else the bound address).
    pub base_url: String,
    pub outbox_ready: Arc<Notify>,
    pub events: Arc<Events>,
}

impl Job for Notices {
    async fn tick(&mut self) -> Round {
        let now = self.clock.now();
        let (assistant, base) = (self.assistant.clone(), self.base_url.clone());
        match db::call(&self.db, move |conn| round(conn, &assistant, &base, now)).await {
            Ok(report) if report.queued() > 0 => {
                tracing::info!(
                    alerts = report.alerts,
                    confirmations = report.confirmations,
                    invitations = report.invitations,
                    changes = report.changes,
                    reminders = report.reminders,
                    "notices queued"
                );
                self.outbox_ready.notify_one();
                for c in report.conversations {
                    self.events.changed(c);
                }
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "notices could not be queued"),
        }
        Round::Idle
    }
}

/// What the messages are written with.
struct Voice<'a> {
    shop: &'a Shop,
    templates: &'a Templates,
    index: &'a Index,
    base: &'a str,
}

/// One round: everything due now, in one transaction.
pub fn round(
    conn: &mut Connection,
    assistant: &Assistant,
    base: &str,
    now: Timestamp,
) -> Result<Report, AppError> {
    let index = assistant.catalogue.get(conn)?;
    let shop = settings::shop(conn)?;
    let templates = settings::templates(conn)?;
    let voice = Voice {
        shop: &shop,
        templates: &templates,
        index: &index,
        base: base.trim_end_matches('/'),
    };
    db::write(conn, |tx| {
        let mut report = Report::default();
        alerts::reattach(tx, now)?;
        confirmations(tx, &voice, now, &mut report)?;
        send_alerts(tx, &voice, now, &mut report)?;
        invitations(tx, &voice, now, &mut report)?;
        changes(tx, &voice, now, &mut report)?;
        reminders(tx, &voice, now, &mut report)?;
        report.conversations.sort_by_key(|c| c.0);
        report.conversations.dedup();
        Ok(report)
    })
}

/// A bot message in the shopper's conversation on `channel` (the hinted one when it is
/// on that channel, else their latest or a new one), queued to the provider. Returns
/// the conversation and the outbox row.
#[allow(clippy::too_many_arguments)]
fn tell(
    tx: &Connection,
    hint: Option<ConversationId>,
    channel: Channel,
    recipient: &str,
    body: &str,
    subject: &str,
    action: &str,
    now: Timestamp,
) -> Result<(ConversationId, Option<i64>), AppError> {
    let hinted = match hint {
        Some(id) => conversations::get(tx, id)?
            .filter(|c| c.channel == channel.code() && c.contact == recipient)
            .map(|c| c.id),
        None => None,
    };
    let conversation = match hinted {
        Some(id) => id,
        None => {
            let c = conversations::open(tx, channel, recipient, now)?;
            let contact = contacts::find_or_create(tx, channel, recipient, now)?;
            conversations::set_contact(tx, c.id, contact.id)?;
            c.id
        }
    };
    let message = conversations::add_message(
        tx,
        conversation,
        Author::Bot,
        None,
        body,
        None,
        Some(action),
        now,
    )?;
    let queued = if matches!(channel, Channel::Sms | Channel::Whatsapp | Channel::Email) {
        Some(outbox::enqueue(
            tx,
            &NewReply {
                message_id: message,
                channel,
                recipient,
                body,
                subject,
                in_reply_to: "",
                not_before: now,
            },
            now,
        )?)
    } else {
        None
    };
    Ok((conversation, queued))
}

/// The catalogue's product and variant behind an alert, if the index has them.
fn in_index<'i>(index: &'i Index, item: &Item) -> Option<(&'i Product, &'i Variant)> {
    let p = index.product(item.product_id)?;
    let v = p.variants.iter().find(|v| v.id == item.variant_id)?;
    Some((p, v))
}

/// The product's page on the shop's site, when the store has one.
fn product_link(tx: &Connection, store: i64, handle: &str) -> Result<Option<String>, AppError> {
    let store: Option<(String, String)> = tx
        .prepare_cached("SELECT platform, domain FROM stores WHERE id = ?1")?
        .query_row([store], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    Ok(store.and_then(|(platform, domain)| {
        let domain = domain.trim().trim_end_matches('/');
        if domain.is_empty() || handle.is_empty() {
            return None;
        }
        let site = if domain.starts_with("http://") || domain.starts_with("https://") {
            domain.to_string()
        } else {
            format!("https://{domain}")
        };
        match platform.as_str() {
            "shopify" => Some(format!("{site}/products/{handle}")),
            "woocommerce" => Some(format!("{site}/product/{handle}/")),
            _ => None,
        }
    }))
}

fn say(
    voice: &Voice<'_>,
    lang: Lang,
    found: Option<(&Product, &Variant)>,
    fallback_item: &str,
    key: &str,
    vars: &[(&str, &str)],
) -> String {
    match found {
        Some((p, v)) => words::about_variant(voice.shop, voice.templates, lang, p, v, key, vars),
        None => {
            let mut all = vec![("item", fallback_item)];
            all.extend_from_slice(vars);
            voice.templates.render(key, lang, voice.shop.tone, &all)
        }
    }
}

fn fallback_item(product: &str, variant: &str) -> String {
    if variant.is_empty() || variant == "Default Title" {
        product.to_string()
    } else {
        format!("{product} ({variant})")
    }
}

fn confirmations(
    tx: &Connection,
    voice: &Voice<'_>,
    now: Timestamp,
    report: &mut Report,
) -> Result<(), AppError> {
    for c in alerts::to_confirm(tx, now)? {
        let item = alerts::item(tx, c.store_id, &c.item_key, now)?;
        let found = item.as_ref().and_then(|i| in_index(voice.index, i));
        let link = format!("{}/alertes/confirmer/{}", voice.base, c.token);
        let body = say(
            voice,
            c.lang,
            found,
            &fallback_item(&c.product_title, &c.variant_title),
            "alert_confirm_email",
            &[("shop", &voice.shop.name), ("link", &link)],
        );
        let subject = match c.lang {
            Lang::Fr => format!("Confirmez votre alerte : {}", c.product_title),
            Lang::En => format!("Confirm your alert: {}", c.product_title),
        };
        let (conversation, _) = tell(
            tx,
            None,
            Channel::Email,
            &c.recipient,
            &body,
            &subject,
            "alert_confirmation",
            now,
        )?;
        report.confirmations += 1;
        report.conversations.push(conversation);
    }
    Ok(())
}

fn send_alerts(
    tx: &Connection,
    voice: &Voice<'_>,
    now: Timestamp,
    report: &mut Report,
) -> Result<(), AppError> {
    let rules = alerts::rules(tx)?;
    let due = alerts::due(tx, &rules, now)?;
    let mut links: Vec<(i64, Option<String>)> = Vec::new();
    for d in due {
        if !alerts::mark_sent(tx, d.id, now)? {
            continue;
        }
        let link = match links.iter().find(|(p, _)| *p == d.item.product_id) {
            Some((_, l)) => l.clone(),
            None => {
                let l = product_link(tx, d.store_id, &d.item.handle)?;
                links.push((d.item.product_id, l.clone()));
                l
            }
        };
        let conversation = alert(tx, voice, &d, link.as_deref(), now)?;
        report.alerts += 1;
        report.conversations.push(conversation);
    }
    Ok(())
}

/// One alert, in the shopper's conversation, which then remembers the offer to put the
/// item aside: "oui" makes the hold.
fn alert(
    tx: &Connection,
    voice: &Voice<'_>,
    d: &Due,
    link: Option<&str>,
    now: Timestamp,
) -> Result<ConversationId, AppError> {
    let lang = d.lang;
    let found = in_index(voice.index, &d.item);
    let now_price = d
        .item
        .price_cents
        .map(|c| price(c, lang))
        .unwrap_or_default();
    let old_price = d.price_then.map(|c| price(c, lang)).unwrap_or_default();
    let link = link.map(|l| format!("{l} ")).unwrap_or_default();
    let key = match d.kind {
        AlertKind::Stock => "alert_back",
        AlertKind::Price => "alert_price",
    };
    let mut body = say(
        voice,
        lang,
        found,
        &fallback_item(&d.product_title, &d.variant_title),
        key,
        &[
            ("shop", &voice.shop.name),
            ("price", &now_price),
            ("old", &old_price),
            ("link", &link),
        ],
    );
    if d.channel == Channel::Email {
        let token = alerts::new_unsubscribe_token(tx, d.id)?;
        let url = format!("{}/alertes/desinscription/{token}", voice.base);
        let line = voice.templates.render(
            "alert_unsubscribe_line",
            lang,
            voice.shop.tone,
            &[("link", &url)],
        );
        body = format!("{body}\n\n{line}");
    }
    let subject = match (d.kind, lang) {
        (AlertKind::Stock, Lang::Fr) => format!("De retour : {}", d.product_title),
        (AlertKind::Stock, Lang::En) => format!("Back in stock: {}", d.product_title),
        (AlertKind::Price, Lang::Fr) => format!("Baisse de prix : {}", d.product_title),
        (AlertKind::Price, Lang::En) => format!("Price drop: {}", d.product_title),
    };
    let (conversation, _) = tell(
        tx,
        d.conversation,
        d.channel,
        &d.recipient,
        &body,
        &subject,
        "alert",
        now,
    )?;
    if found.is_some() {
        let mut state = conversations::get(tx, conversation)?
            .map(|c| c.state)
            .unwrap_or_else(Dialogue::default);
        state.switch_product(d.item.product_id);
        state.variant = Some(d.item.variant_id);
        state.asked = Some(Asked::Hold);
        state.lang = Some(lang);
        state.at = now.as_second();
        state.keep_until = (now + SignedDuration::from_hours(24 * OFFER_DAYS)).as_second();
        conversations::save_state(tx, conversation, &state)?;
    }
    Ok(conversation)
}

/// A message about an appointment, in the shopper's language and the shop's tone.
fn about_appointment(voice: &Voice<'_>, a: &AppointmentRow, key: &str, when: &str) -> String {
    let service = a.service.to_lowercase();
    voice.templates.render(
        key,
        a.lang,
        voice.shop.tone,
        &[
            ("service", &service),
            ("when", when),
            ("address", &voice.shop.address),
            ("shop", &voice.shop.name),
        ],
    )
}

fn summary(voice: &Voice<'_>, a: &AppointmentRow) -> String {
    format!("{} — {}", a.service, voice.shop.name)
}

fn invitations(
    tx: &Connection,
    voice: &Voice<'_>,
    now: Timestamp,
    report: &mut Report,
) -> Result<(), AppError> {
    for a in appointments::unsent_invitations(tx)? {
        let cancelled = a.status == "cancelled";
        // Never invited: nothing to take back.
        if cancelled && a.sent_sequence.is_none() {
            appointments::mark_invitation_sent(tx, a.id, a.sequence)?;
            continue;
        }
        let summary = summary(voice, &a);
        let organizer = if voice.shop.email.trim().is_empty() {
            a.email.clone()
        } else {
            voice.shop.email.trim().to_string()
        };
        let ics = ics::render(&Invitation {
            method: if cancelled {
                Method::Cancel
            } else {
                Method::Request
            },
            uid: &a.uid,
            sequence: a.sequence,
            start: a.start,
            end: a.end,
            stamp: now,
            summary: &summary,
            location: &voice.shop.address,
            organizer: &organizer,
            attendee: &a.email,
        });
        let when = full_moment(a.start, &voice.shop.hours.tz, a.lang);
        let service = a.service.to_lowercase();
        let key = if cancelled {
            "appointment_cancel_email"
        } else {
            "appointment_invitation"
        };
        let body = about_appointment(voice, &a, key, &when);
        let subject = match (cancelled, a.lang) {
            (false, Lang::Fr) => format!("Votre rendez-vous : {service}, {when}"),
            (false, Lang::En) => format!("Your appointment: {service}, {when}"),
            (true, Lang::Fr) => format!("Rendez-vous annulé : {service}, {when}"),
            (true, Lang::En) => format!("Appointment cancelled: {service}, {when}"),
        };
        let hint = a.conversation.map(ConversationId);
        let (conversation, queued) = tell(
            tx,
            hint,
            Channel::Email,
            &a.email,
            &body,
            &subject,
            "invitation",
            now,
        )?;
        if let Some(id) = queued {
            outbox::attach(tx, id, &ics)?;
        }
        appointments::mark_invitation_sent(tx, a.id, a.sequence)?;
        report.invitations += 1;
        report.conversations.push(conversation);
    }
    Ok(())
}

/// What the team booked, moved or cancelled for a shopper who booked by SMS or
/// WhatsApp (or whom the team booked with a phone number), told on that channel; what
/// the conversation itself did was told there already.
fn changes(
    tx: &Connection,
    voice: &Voice<'_>,
    now: Timestamp,
    report: &mut Report,
) -> Result<(), AppError> {
    for a in appointments::untold(tx, now)? {
        let told = appointments::told_sequence(tx, a.id)?;
        let cancelled = a.status == "cancelled";
        appointments::mark_told(tx, a.id)?;
        // Booked and cancelled before the shopper heard of it: nothing to take back.
        if cancelled && told.is_none() {
            continue;
        }
        let Some(channel) = Channel::from_code(&a.channel) else {
            continue;
        };
        let key = match (cancelled, told) {
            (true, _) => "appointment_cancelled_by_shop",
            (false, None) => "appointment_confirmed",
            (false, Some(_)) => "appointment_moved_by_shop",
        };
        let when = full_moment(a.start, &voice.shop.hours.tz, a.lang);
        let body = about_appointment(voice, &a, key, &when);
        let (conversation, _) = tell(
            tx,
            a.conversation.map(ConversationId),
            channel,
            &a.contact,
            &body,
            "",
            "appointment_change",
            now,
        )?;
        report.changes += 1;
        report.conversations.push(conversation);
    }
    Ok(())
}

fn reminders(
    tx: &Connection,
    voice: &Voice<'_>,
    now: Timestamp,
    report: &mut Report,
) -> Result<(), AppError> {
    for a in appointments::reminders_due(tx, now)? {
        if !appointments::mark_reminded(tx, a.id, now)? {
            continue;
        }
        // Back where they booked; the web chat cannot reach them later, e-mail can.
        let (channel, recipient) = match Channel::from_code(&a.channel) {
            Some(c @ (Channel::Sms | Channel::Whatsapp)) => (c, a.contact.clone()),
            _ if !a.email.is_empty() => (Channel::Email, a.email.clone()),
            Some(Channel::Email) => (Channel::Email, a.contact.clone()),
            _ => continue,
        };
        let when = info::moment_at(a.start, now, &voice.shop.hours, a.lang);
        let body = about_appointment(voice, &a, "appointment_reminder", &when);
        let subject = match a.lang {
            Lang::Fr => format!("Rappel : votre rendez-vous {when}"),
            Lang::En => format!("Reminder: your appointment {when}"),
        };
        let (conversation, _) = tell(
            tx,
            a.conversation.map(ConversationId),
            channel,
            &recipient,
            &body,
            &subject,
            "reminder",
            now,
        )?;
        report.reminders += 1;
        report.conversations.push(conversation);
    }
    Ok(())
}
