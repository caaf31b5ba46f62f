//! The assistant as the application runs it: a shopper's message is stored in its
//! conversation, answered by the engine over the live catalogue (unless a human has
//! taken over), and the reply stored with what the engine understood and did. Channels,
//! the inbox, `comptoir chat` and `comptoir eval` all come through `Assistant::handle`.

pub mod catalogue;
pub mod cli;
pub mod conversations;
pub mod eval;
pub mod reservations;
pub mod settings;
pub mod shop_data;

use std::time::Instant;

use jiff::Timestamp;
use rusqlite::Connection;

use self::catalogue::Catalogue;
use self::conversations::Author;
use self::shop_data::DbShopData;
use crate::db;
use crate::engine::{Action, Channel, Decision, Engine, Input, IntentFallback};
use crate::error::AppError;

/// One message from a shopper.
#[derive(Debug, Clone)]
pub struct Incoming<'a> {
    pub channel: Channel,
    pub contact: &'a str,
    pub text: &'a str,
}

#[derive(Debug, Clone)]
pub struct Outcome {
    pub conversation: i64,
    /// The bot's decision, or `None` when it stays silent (a human took over).
    pub decision: Option<Decision>,
    /// The engine's own time for this message, in microseconds.
    pub latency_us: u64,
}

/// Shared by every request: the catalogue index, rebuilt when the catalogue changes.
#[derive(Default)]
pub struct Assistant {
    pub catalogue: Catalogue,
}

impl Assistant {
    /// Answers one message in one transaction: the hold the engine makes and the stock
    /// it reads cannot interleave with another shopper's.
    pub fn handle(
        &self,
        conn: &mut Connection,
        incoming: &Incoming<'_>,
        now: Timestamp,
        fallback: Option<&dyn IntentFallback>,
    ) -> Result<Outcome, AppError> {
        let text = incoming.text.trim();
        if text.is_empty() {
            return Err(AppError::BadRequest("Le message est vide.".into()));
        }
        let index = self.catalogue.get(conn)?;
        db::write(conn, |tx| {
            let mut conversation =
                conversations::open(tx, incoming.channel, incoming.contact, now)?;
            conversations::add_message(
                tx,
                conversation.id,
                Author::Shopper,
                None,
                text,
                None,
                None,
                now,
            )?;
            if conversation.bot_paused {
                return Ok(Outcome {
                    conversation: conversation.id,
                    decision: None,
                    latency_us: 0,
                });
            }
            let shop = settings::shop(tx)?;
            let templates = settings::templates(tx)?;
            let engine = Engine {
                shop: &shop,
                index: &index,
                templates: &templates,
                fallback,
            };
            let mut data = DbShopData {
                conn: tx,
                conversation: Some(conversation.id),
                contact: incoming.contact,
                now,
            };
            let input = Input {
                text,
                channel: incoming.channel,
                contact: incoming.contact,
                now,
            };
            let started = Instant::now();
            let decision = engine.respond(&input, &mut conversation.state, &mut data)?;
            let latency_us = started.elapsed().as_micros() as u64;
            conversations::add_message(
                tx,
                conversation.id,
                Author::Bot,
                None,
                &decision.reply,
                Some(decision.intent.code()),
                Some(decision.action.code()),
                now,
            )?;
            conversations::save_state(tx, conversation.id, &conversation.state)?;
            if decision.action == Action::Handoff {
                conversations::hand_over(tx, conversation.id, decision.intent.code(), now)?;
            }
            Ok(Outcome {
                conversation: conversation.id,
                decision: Some(decision),
                latency_us,
            })
        })
    }
}
