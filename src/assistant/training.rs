//! The intent model as the application runs it: trained once per process from the
//! shipped corpus, then again with the examples the shop taught its assistant from the
//! inbox ("Apprendre à l'assistant"). Those examples live in `training_examples`; a
//! change there is noticed on the next message (as the catalogue's version is), and the
//! server retrains on a background thread and swaps the model whole, answering from the
//! previous one meanwhile.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, RwLock};

use jiff::Timestamp;
use rusqlite::{Connection, params};

use crate::db::ids::{MessageId, UserId};
use crate::engine;
use crate::engine::catalogue::Index;
use crate::engine::intent::Intent;
use crate::engine::model::corpus;
use crate::engine::model::features::{Hint, Signals};
use crate::engine::model::{Example, Model, Settings};
use crate::error::AppError;

/// The shipped corpus's examples, parsed once per process.
pub fn builtin_examples() -> &'static [Example] {
    static EXAMPLES: OnceLock<Vec<Example>> = OnceLock::new();
    EXAMPLES.get_or_init(|| {
        corpus::builtin().unwrap_or_else(|e| {
            // The corpus is compiled in and a unit test parses it: this is a build bug.
            tracing::error!(error = %e, "the assistant's training corpus does not read");
            Vec::new()
        })
    })
}

/// The model of the shipped corpus alone, trained once per process: it is a pure
/// function of data compiled into the binary.
pub fn builtin() -> Arc<Model> {
    static MODEL: OnceLock<Arc<Model>> = OnceLock::new();
    MODEL
        .get_or_init(|| Arc::new(Model::train(builtin_examples(), Settings::default())))
        .clone()
}

/// One example a shop taught.
#[derive(Debug, Clone, PartialEq)]
pub struct Taught {
    pub id: i64,
    pub text: String,
    pub intent: Intent,
    pub hint: Hint,
    pub created_at: i64,
    pub author: Option<String>,
}

/// Teaches `text` as an example of `intent`; `hint` is what the catalogue matcher
/// found in it when it was received. Teaching the same words again relabels them.
pub fn teach(
    conn: &Connection,
    text: &str,
    intent: Intent,
    hint: Hint,
    message: Option<MessageId>,
    user: Option<UserId>,
    now: Timestamp,
) -> Result<i64, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(AppError::BadRequest(
            "Le message à apprendre est vide.".into(),
        ));
    }
    let text: String = text.chars().take(crate::assistant::READ_CHARS).collect();
    conn.prepare_cached("DELETE FROM training_examples WHERE text = ?1")?
        .execute([&text])?;
    Ok(conn
        .prepare_cached(
            "INSERT INTO training_examples (text, intent, hint, message_id, user_id, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        )?
        .query_row(
            params![
                text,
                intent.code(),
                hint.code(),
                message,
                user,
                now.as_second()
            ],
            |r| r.get(0),
        )?)
}

pub fn forget(conn: &Connection, id: i64) -> Result<bool, AppError> {
    Ok(conn
        .prepare_cached("DELETE FROM training_examples WHERE id = ?1")?
        .execute([id])?
        > 0)
}

/// The shop's examples, newest first.
pub fn list(conn: &Connection) -> Result<Vec<Taught>, AppError> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.id, t.text, t.intent, t.hint, t.created_at, NULLIF(u.display_name, '')
         FROM training_examples t LEFT JOIN users u ON u.id = t.user_id
         ORDER BY t.id DESC",
    )?;
    let rows = stmt.query_map([], |r| {
        Ok(Taught {
            id: r.get(0)?,
            text: r.get(1)?,
            intent: Intent::from_code(&r.get::<_, String>(2)?).unwrap_or(Intent::Unknown),
            hint: Hint::from_code(&r.get::<_, String>(3)?),
            created_at: r.get(4)?,
            author: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Changes whenever an example is taught or removed.
fn version(conn: &Connection) -> Result<(i64, i64), AppError> {
    Ok(conn
        .prepare_cached("SELECT COALESCE(MAX(id), 0), COUNT(*) FROM training_examples")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))?)
}

/// The shop's examples as training data. Each is its own group, and weighs as much as
/// a few corpus lines so that one correction is enough to change the reading.
pub fn shop_examples(conn: &Connection, index: &Index) -> Result<Vec<Example>, AppError> {
    const WEIGHT: usize = 4;
    let mut out = Vec::new();
    for (i, t) in list(conn)?.into_iter().enumerate() {
        let signals: Signals = corpus::signals_of(&t.text, t.hint);
        // Read as the engine reads a message: product names masked.
        let text = engine::masked(&t.text, &index.find(&t.text));
        for _ in 0..WEIGHT {
            out.push(Example {
                text: text.clone(),
                intent: t.intent,
                signals,
                group: usize::MAX - i,
            });
        }
    }
    Ok(out)
}

/// The corpus and the shop's examples together.
pub fn train_with(shop: &[Example]) -> Model {
    let mut all = builtin_examples().to_vec();
    all.extend_from_slice(shop);
    Model::train(&all, Settings::default())
}

type Versioned = Option<((i64, i64), Arc<Model>)>;

/// The model in use, shared by every conversation.
#[derive(Default)]
pub struct Understanding {
    current: Arc<RwLock<Versioned>>,
    /// A retraining is under way.
    training: Arc<AtomicBool>,
    /// Retrain on a background thread (the server) or before answering (the CLI, eval).
    background: bool,
    /// Leave the shop's examples out (`comptoir eval --corpus-only`).
    corpus_only: bool,
}

impl Understanding {
    /// For the server: a retraining never holds up a shopper's message.
    pub fn in_background() -> Understanding {
        Understanding {
            background: true,
            ..Understanding::default()
        }
    }

    /// The shipped corpus alone, whatever the shop taught.
    pub fn corpus_only() -> Understanding {
        Understanding {
            corpus_only: true,
            ..Understanding::default()
        }
    }

    pub fn get(&self, conn: &Connection, index: &Index) -> Result<Arc<Model>, AppError> {
        if self.corpus_only {
            return Ok(builtin());
        }
        let version = version(conn)?;
        let cached = self.current.read().ok().and_then(|c| c.clone());
        if let Some((v, model)) = &cached
            && *v == version
        {
            return Ok(model.clone());
        }
        if version.1 == 0 {
            let model = builtin();
            self.store(version, model.clone());
            return Ok(model);
        }
        let shop = shop_examples(conn, index)?;
        if !self.background {
            let model = Arc::new(train_with(&shop));
            self.store(version, model.clone());
            return Ok(model);
        }
        let previous = cached.map_or_else(builtin, |(_, m)| m);
        if self
            .training
            .compare_exchange(false, true, Ordering::AcqRel, Ordering::Acquire)
            .is_ok()
        {
            let (current, training) = (self.current.clone(), self.training.clone());
            std::thread::spawn(move || {
                let started = std::time::Instant::now();
                let model = Arc::new(train_with(&shop));
                tracing::info!(
                    examples = model.examples,
                    ms = started.elapsed().as_millis() as u64,
                    "assistant retrained with the shop's examples"
                );
                if let Ok(mut c) = current.write() {
                    *c = Some((version, model));
                }
                training.store(false, Ordering::Release);
            });
        }
        Ok(previous)
    }

    fn store(&self, version: (i64, i64), model: Arc<Model>) {
        if let Ok(mut c) = self.current.write() {
            *c = Some((version, model));
        }
    }
}
