//! The assistant as the application runs it: a shopper's message is stored in its
//! conversation, answered by the engine over the live catalogue (unless a human has
//! taken over), and the reply stored with what the engine understood and did. Channels,
//! the inbox, `comptoir chat` and `comptoir eval` all come through `Assistant::handle`.

pub mod catalogue;
pub mod cli;
pub mod contacts;
pub mod conversations;
pub mod eval;
pub mod llm;
pub mod outbox;
pub mod settings;
pub mod shop_data;
pub mod survey;
pub mod training;

use std::sync::Arc;
use std::time::Instant;

use jiff::Timestamp;
use rusqlite::Connection;

use self::catalogue::Catalogue;
use self::conversations::Author;
use self::llm::Llm;
use self::outbox::NewReply;
use self::shop_data::DbShopData;
use self::training::Understanding;
use crate::alerts::repo as alerts;
use crate::db;
use crate::db::ids::ConversationId;
use crate::engine::intent::Intent;
use crate::engine::{self as rules, Action, Channel, Decision, Engine, Input, facts};
use crate::error::AppError;

/// "Re: …" once, whatever the shopper's client wrote ("RE:", "Réf :").
fn reply_subject(subject: &str) -> String {
    let subject = subject.trim();
    let lower = subject.to_lowercase();
    if lower.starts_with("re:") || lower.starts_with("re :") {
        subject.to_string()
    } else if subject.is_empty() {
        "Re: votre message".into()
    } else {
        format!("Re: {subject}")
    }
}

/// How much of a message the engine reads.
pub const READ_CHARS: usize = 2000;

/// One message from a shopper.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    pub channel: Channel,
    pub contact: &'a str,
    pub text: &'a str,
    /// The provider's id of the message (Twilio MessageSid…): a message that came through
    /// a provider is recognised when delivered again, and answered through the outbox.
    pub provider_id: Option<&'a str>,
    /// For e-mail: the subject and Message-ID the reply threads under.
    pub email: Option<EmailThread<'a>>,
    /// From the setup wizard's test box: answered like any other, counted nowhere.
    pub test: bool,
}

#[derive(Debug, Clone, Copy)]
pub struct EmailThread<'a> {
    pub subject: &'a str,
    pub message_id: &'a str,
}

impl Outcome {
    /// Whether the answer left something for the notices job: an alert to confirm by
    /// e-mail, an invitation or a cancellation to send.
    pub fn wants_notices(&self) -> bool {
        self.decision.as_ref().is_some_and(|d| {
            matches!(
                d.action,
                Action::Subscribe | Action::Book | Action::CancelAppointment
            )
        })
    }
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub conversation: ConversationId,
    /// The bot's decision, or `None` when it stays silent: a human took over, the
    /// contact is blocked, or the message was already received.
    pub decision: Option<Decision>,
    /// The engine's own time for this message, in microseconds.
    pub latency_us: u64,
    /// The provider delivered this message before: nothing was done again.
    pub duplicate: bool,
}

/// Shared by every request: the catalogue index, rebuilt when the catalogue changes,
/// and the intent model, retrained when the shop teaches it.
/// The assistant as the server shares it with the handlers that answer shoppers (the
/// channels, the inbox, the wizard's test chat): built once at start-up.
pub struct Service {
    pub assistant: Arc<Assistant>,
    /// The optional language model (`[llm]`).
    pub llm: Option<Arc<Llm>>,
}

impl Service {
    pub fn serving(config: &crate::config::Config) -> Self {
        Self {
            assistant: Arc::new(Assistant::serving()),
            llm: Llm::from_config(&config.llm).map(Arc::new),
        }
    }
}

#[derive(Default)]
pub struct Assistant {
    pub catalogue: Catalogue,
    pub understanding: Understanding,
}

impl Assistant {
    /// The server's: the model of the shipped corpus is trained now, so the first
    /// shopper does not wait for it, and retraining happens in the background.
    pub fn serving() -> Assistant {
        training::builtin();
        Assistant {
            catalogue: Catalogue::default(),
            understanding: Understanding::in_background(),
        }
    }

    /// Answers one message in one transaction: the message, the hold the engine makes,
    /// the stock it reads, the reply and its outbox row cannot interleave with another
    /// shopper's, and nothing is half-written.
    pub fn handle(
        &self,
        conn: &mut Connection,
        incoming: &Incoming<'_>,
        now: Timestamp,
        llm: Option<&Llm>,
    ) -> Result<Outcome, AppError> {
        let text = incoming.text.trim();
        if text.is_empty() {
            return Err(AppError::BadRequest("Le message est vide.".into()));
        }
        let index = self.catalogue.get(conn)?;
        let model = self.understanding.get(conn, &index)?;
        // The whole message is stored; the engine reads its beginning, which is where a
        // question is (a pasted page or a long thread would only cost time).
        let read = match text.char_indices().nth(READ_CHARS) {
            Some((cut, _)) => &text[..cut],
            None => text,
        };
        let input = Input {
            text: read,
            channel: incoming.channel,
            contact: incoming.contact,
            now,
        };
        // The model is asked before the transaction, so no lock waits on the network.
        let model_intent: Option<Intent> = llm.and_then(|llm| {
            let body = rules::own_text(&input);
            let (_, reading) = rules::read(&index, &model, &body, &facts::extract(&body));
            (reading.intent == Intent::Unknown)
                .then(|| llm.classify(&body))
                .flatten()
        });
        let rewording = llm.is_some_and(Llm::rewords);
        // Read before taking the write lock, which other messages wait for.
        let shop = settings::shop(conn)?;
        let templates = settings::templates(conn)?;
        let mut outcome = db::write(conn, |tx| -> Result<_, AppError> {
            if let Some(id) = incoming.provider_id
                && let Some(conversation) = conversations::with_provider_id(tx, id)?
            {
                let again = Outcome {
                    conversation,
                    decision: None,
                    latency_us: 0,
                    duplicate: true,
                };
                return Ok((again, None));
            }
            // An answer to the closing survey is recorded, not read as a new question.
            if let Some(score) = survey::score(text)
                && let Some(closed) = survey::awaiting(tx, incoming.channel, incoming.contact)?
            {
                let received = conversations::add_message(
                    tx,
                    closed,
                    Author::Shopper,
                    None,
                    text,
                    Some("survey"),
                    None,
                    now,
                )?;
                if let Some(id) = incoming.provider_id {
                    conversations::set_provider_id(tx, received, id)?;
                }
                survey::record(tx, closed, score, now)?;
                let answered = Outcome {
                    conversation: closed,
                    decision: None,
                    latency_us: 0,
                    duplicate: false,
                };
                return Ok((answered, None));
            }
            let mut conversation =
                conversations::open(tx, incoming.channel, incoming.contact, now)?;
            if incoming.test {
                conversations::mark_test(tx, conversation.id)?;
            }
            let received = conversations::add_message(
                tx,
                conversation.id,
                Author::Shopper,
                None,
                text,
                None,
                None,
                now,
            )?;
            if let Some(id) = incoming.provider_id {
                conversations::set_provider_id(tx, received, id)?;
            }
            let contact = contacts::find_or_create(tx, incoming.channel, incoming.contact, now)?;
            conversations::set_contact(tx, conversation.id, contact.id)?;
            // STOP ends the shopper's alerts, whoever answers the conversation. Twilio
            // confirms an SMS opt-out itself (and refuses to send after it); WhatsApp
            // gets the shop's word.
            if matches!(incoming.channel, Channel::Sms | Channel::Whatsapp) && alerts::is_stop(text)
            {
                alerts::stop(tx, incoming.channel, incoming.contact, now)?;
                if incoming.channel == Channel::Whatsapp && incoming.provider_id.is_some() {
                    let lang = conversation.state.lang.unwrap_or(shop.lang);
                    let body = templates.render(
                        "alerts_stopped",
                        lang,
                        shop.tone,
                        &[("shop", &shop.name)],
                    );
                    let message = conversations::add_message(
                        tx,
                        conversation.id,
                        Author::Bot,
                        None,
                        &body,
                        None,
                        Some("alerts_stopped"),
                        now,
                    )?;
                    outbox::enqueue(
                        tx,
                        &NewReply {
                            message_id: message,
                            channel: incoming.channel,
                            recipient: incoming.contact,
                            body: &body,
                            subject: "",
                            in_reply_to: "",
                            not_before: now,
                        },
                        now,
                    )?;
                }
                let stopped = Outcome {
                    conversation: conversation.id,
                    decision: None,
                    latency_us: 0,
                    duplicate: false,
                };
                return Ok((stopped, None));
            }
            // Paused for a human, or a blocked contact: kept, not answered.
            if conversation.bot_paused || contact.blocked {
                let silent = Outcome {
                    conversation: conversation.id,
                    decision: None,
                    latency_us: 0,
                    duplicate: false,
                };
                return Ok((silent, None));
            }
            let engine = Engine {
                shop: &shop,
                index: &index,
                templates: &templates,
                model: &model,
                model_intent,
            };
            let mut data = DbShopData {
                conn: tx,
                conversation: Some(conversation.id),
                channel: incoming.channel,
                contact: incoming.contact,
                now,
                by: None,
            };
            let started = Instant::now();
            let decision = engine.respond(&input, &mut conversation.state, &mut data)?;
            let latency_us = started.elapsed().as_micros() as u64;
            let message = conversations::add_message(
                tx,
                conversation.id,
                Author::Bot,
                None,
                &decision.reply,
                Some(decision.intent.code()),
                Some(decision.action.code()),
                now,
            )?;
            conversations::describe_reply(
                tx,
                message,
                decision.product.as_deref(),
                decision.in_stock,
                latency_us,
                decision.confidence,
            )?;
            conversations::save_state(tx, conversation.id, &conversation.state)?;
            if decision.action == Action::Handoff {
                conversations::hand_over(tx, conversation.id, decision.intent.code(), now)?;
            }
            // Through the provider it came by; a rewording may replace the text until
            // the model's timeout.
            if incoming.provider_id.is_some()
                && matches!(
                    incoming.channel,
                    Channel::Sms | Channel::Whatsapp | Channel::Email
                )
            {
                let subject = incoming
                    .email
                    .map_or(String::new(), |e| reply_subject(e.subject));
                let not_before = match llm.filter(|_| rewording) {
                    Some(llm) => now + llm.timeout(),
                    None => now,
                };
                outbox::enqueue(
                    tx,
                    &NewReply {
                        message_id: message,
                        channel: incoming.channel,
                        recipient: incoming.contact,
                        body: &decision.reply,
                        subject: &subject,
                        in_reply_to: incoming.email.map_or("", |e| e.message_id),
                        not_before,
                    },
                    now,
                )?;
            }
            Ok((
                Outcome {
                    conversation: conversation.id,
                    decision: Some(decision),
                    latency_us,
                    duplicate: false,
                },
                Some(message),
            ))
        })?;
        // A reworded reply replaces the stored one only if it kept every fact.
        if let (
            Some(llm),
            (
                Outcome {
                    decision: Some(d), ..
                },
                Some(message),
            ),
        ) = (llm, &mut outcome)
            && let Some(text) = llm.rephrase(d)
        {
            let id = *message;
            db::write(conn, |tx| {
                conversations::set_body(tx, id, &text)?;
                outbox::reword(tx, id, &text, now)
            })?;
            d.reply = text;
        }
        Ok(outcome.0)
    }
}
