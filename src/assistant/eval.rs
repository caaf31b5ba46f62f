//! `comptoir eval`: labelled conversations run through the assistant, each against a
//! fresh copy of a shop (the demo shop with its published dates, or a copy of the live
//! database), writing one decision per turn in the format of `../shared/eval/README.md`.

use std::io::{BufRead, Write};

use jiff::Timestamp;
use rusqlite::Connection;
use rusqlite::backup::Backup;
use serde::Deserialize;

use super::llm::Llm;
use super::{Assistant, Incoming};
use crate::engine::Channel;
use crate::engine::intent::Intent;
use crate::engine::model::report::Confusion;
use crate::error::AppError;

#[derive(Debug, Deserialize)]
pub struct Case {
    pub id: String,
    pub channel: String,
    pub from: String,
    #[serde(default)]
    pub now: Option<String>,
    pub turns: Vec<Turn>,
}

#[derive(Debug, Deserialize)]
pub struct Turn {
    pub user: String,
    #[serde(default)]
    pub expect: Expect,
}

/// The part of a turn's expectations the intent report reads.
#[derive(Debug, Default, Deserialize)]
pub struct Expect {
    #[serde(default)]
    pub intent: Option<String>,
}

/// Expected and read intents of the turns that name one, for `eval --report`.
pub fn confusion(cases: &[Case], read: &[Option<Intent>]) -> Confusion {
    let mut confusion = Confusion::default();
    let expected = cases.iter().flat_map(|c| c.turns.iter());
    for (turn, got) in expected.zip(read) {
        if let (Some(want), Some(got)) = (
            turn.expect.intent.as_deref().and_then(Intent::from_code),
            got,
        ) {
            confusion.add(want, *got);
        }
    }
    confusion
}

/// Reads cases, one JSON object a line; errors name the line.
pub fn read_cases(input: impl BufRead) -> Result<Vec<Case>, String> {
    let mut cases = Vec::new();
    for (i, line) in input.lines().enumerate() {
        let line = line.map_err(|e| format!("line {}: {e}", i + 1))?;
        if line.trim().is_empty() {
            continue;
        }
        let case: Case =
            serde_json::from_str(&line).map_err(|e| format!("line {}: not a case ({e})", i + 1))?;
        if Channel::from_code(&case.channel).is_none() {
            return Err(format!(
                "line {}: channel `{}` is not one of sms, whatsapp, email, webchat",
                i + 1,
                case.channel
            ));
        }
        cases.push(case);
    }
    Ok(cases)
}

fn fresh_copy(template: &Connection) -> Result<Connection, AppError> {
    let mut copy = Connection::open_in_memory()?;
    Backup::new(template, &mut copy)?.run_to_completion(1024, std::time::Duration::ZERO, None)?;
    copy.execute_batch("PRAGMA foreign_keys = ON;")?;
    Ok(copy)
}

/// Runs every case on its own copy of `template`; writes decisions to `out`.
/// `default_now` is the clock for cases that carry none. Returns the number of turns.
pub fn run(
    template: &Connection,
    cases: &[Case],
    default_now: Timestamp,
    llm: Option<&Llm>,
    assistant: &Assistant,
    out: &mut impl Write,
) -> Result<Vec<Option<Intent>>, AppError> {
    let mut read = Vec::new();
    for case in cases {
        let now = match &case.now {
            Some(text) => text.parse::<Timestamp>().map_err(|e| {
                AppError::BadRequest(format!("case {}: `now` is not a time ({e})", case.id))
            })?,
            None => default_now,
        };
        let channel = Channel::from_code(&case.channel).unwrap_or(Channel::Sms);
        let mut conn = fresh_copy(template)?;
        for (i, turn) in case.turns.iter().enumerate() {
            let outcome = assistant.handle(
                &mut conn,
                &Incoming {
                    channel,
                    contact: &case.from,
                    text: &turn.user,
                    provider_id: None,
                    email: None,
                    test: false,
                },
                now,
                llm,
            )?;
            read.push(outcome.decision.as_ref().map(|d| d.intent));
            let line = match outcome.decision {
                Some(d) => serde_json::json!({
                    "case": case.id,
                    "turn": i,
                    "intent": d.intent.code(),
                    "product": d.product,
                    "variant": d.variant,
                    "in_stock": d.in_stock,
                    "action": d.action.code(),
                    "order": d.order,
                    "reply": d.reply,
                    "reply_lang": d.lang.code(),
                    "latency_us": outcome.latency_us,
                }),
                None => {
                    serde_json::json!({"case": case.id, "turn": i, "action": null, "reply": null})
                }
            };
            writeln!(out, "{line}")
                .map_err(|e| AppError::Internal(format!("writing decisions: {e}")))?;
        }
    }
    Ok(read)
}
